"""The finiteness checks of the numpy back-end against the plain definition
(np.isfinite): `all_finite`, whose one-pass sum must not miss inf, -inf, NaN, inf + -inf
or an overflow, and `_not_finite`, the rows it gives."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from formula_engine.backends.numpy import _not_finite, all_finite

INF, NAN, BIG = float("inf"), float("nan"), 1e308


def _plain(values: np.ndarray) -> list[int] | None:
    rows = np.flatnonzero(~np.isfinite(values))
    return None if rows.size == 0 else rows.tolist()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1.0, 2.0], None),
        ([0.0, INF], [1]),
        ([-INF, 2.0], [0]),
        ([INF, -INF], [0, 1]),  # the sum is NaN, not a cancelling 0
        ([NAN, 2.0], [0]),
        ([BIG, BIG], None),  # the sum overflows to inf: the precise check says finite
        ([-BIG, -BIG, 1.0], None),
        ([BIG, BIG, INF], [2]),
        ([], None),
    ],
)
def test_corners(values: list[float], expected: list[int] | None) -> None:
    column = np.array(values, dtype=np.float64)
    assert _plain(column) == expected
    with np.errstate(over="ignore", invalid="ignore"):
        rows = _not_finite(column)
    assert (None if rows is None else rows.tolist()) == expected
    with np.errstate(over="ignore", invalid="ignore"):
        if all_finite(column):  # True only when every value is finite (never the reverse)
            assert expected is None


_values = st.sampled_from([0.0, -0.0, 1.0, -2.5, 1e-308, BIG, -BIG, INF, -INF, NAN]) | st.floats()


@given(arrays(np.float64, st.integers(0, 40), elements=_values))
def test_agrees_with_the_plain_check(column: np.ndarray) -> None:
    with np.errstate(over="ignore", invalid="ignore"):
        rows = _not_finite(column)
    assert (None if rows is None else rows.tolist()) == _plain(column)
