"""The finiteness checks of the numpy back-end against the plain definition
(np.isfinite): `all_finite`, whose one-pass sum must not miss inf, -inf, NaN, inf + -inf
or an overflow, and `_not_finite`, the rows it gives."""

from __future__ import annotations

import os
import select
import signal
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from formula_engine.backends import numpy as numpy_backend
from formula_engine.backends.numpy import _not_finite, all_finite
from formula_engine.model import CompiledFormula

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


@pytest.mark.parametrize("words", [True, False])  # eight flags a word, or np.flatnonzero
@given(column=arrays(np.float64, st.integers(0, 70), elements=_values))  # words and a tail
def test_agrees_with_the_plain_check(words: bool, column: np.ndarray) -> None:
    short = numpy_backend.WORDS_ROWS  # the words from this many rows (more than 70)
    numpy_backend.WORDS_ROWS = 0 if words else short
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            rows = _not_finite(column)
    finally:
        numpy_backend.WORDS_ROWS = short
    assert (None if rows is None else rows.tolist()) == _plain(column)


# The columns checked before the run are read beside it (another thread) from
# BESIDE_ROWS rows: the same values, the same E403, also in a forked child.


def _share_program() -> tuple[CompiledFormula, int]:
    from formula_engine.declarations import Declarations, Input, Plan
    from formula_engine.model import Model

    plan = Plan()
    inputs = tuple(Input(id=i, label=i, unit="orang") for i in ("a", "b"))
    formula = Model(Declarations(plan=plan, inputs=inputs)).compile("a / b x 100%")
    return formula, 2024


@pytest.mark.parametrize("beside", [False, True])  # below BESIDE_ROWS, and from it
@pytest.mark.parametrize("where", [0, -1])
def test_a_denominators_infinity_is_e403_however_long(beside: bool, where: int) -> None:
    from formula_engine.errors import FormulaError

    formula, year = _share_program()
    rows = numpy_backend.BESIDE_ROWS + 3 if beside else 1000
    a = np.arange(rows, dtype=np.float64)
    b = np.full(rows, 4.0)
    b[where] = INF
    with pytest.raises(FormulaError) as raised:
        formula.evaluate_many({("a", year): a, ("b", year): b}, year, rows)
    assert raised.value.code == "E403" and "'b'" in str(raised.value)


def test_beside_the_run_the_values_are_the_same_bit_for_bit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    formula, year = _share_program()
    rows = numpy_backend.BESIDE_ROWS + 5
    generator = np.random.default_rng(3)
    a = generator.integers(0, 100, rows).astype(np.float64)
    b = generator.integers(0, 5, rows).astype(np.float64)  # zeros: NaN rows
    a[7] = NAN
    columns = {("a", year): a, ("b", year): b}
    beside = formula.evaluate_many(columns, year, rows)
    monkeypatch.setattr(numpy_backend, "BESIDE_ROWS", rows + 1)
    alone = formula.evaluate_many(columns, year, rows)
    assert np.array_equal(beside, alone, equal_nan=True)
    assert np.isnan(beside[b == 0]).all() and np.isnan(beside[7])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX only")
def test_a_forked_child_checks_beside_its_run_too() -> None:
    formula, year = _share_program()
    rows = numpy_backend.BESIDE_ROWS + 1
    columns = {("a", year): np.ones(rows), ("b", year): np.full(rows, 2.0)}
    formula.evaluate_many(columns, year, rows)  # the parent's thread
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its own check thread, or this would wait for ever
        try:
            total = formula.evaluate_many(columns, year, rows).sum()
            os.write(write, repr(float(total)).encode())
        finally:
            os._exit(0)
    os.close(write)
    try:
        answer = b""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            ready, _, _ = select.select([read], [], [], 1.0)
            if ready:
                chunk = os.read(read, 100)
                if not chunk:
                    break
                answer += chunk
    finally:
        os.close(read)
        if not answer:  # it hung: do not leave it behind
            os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    assert answer and float(answer) == rows * 50.0
