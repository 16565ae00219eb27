"""Rounding and the document's number notation."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.catalog.printed import read_printed
from formula_engine.numbers import (
    format_decimal,
    format_indonesian,
    parse_indonesian,
    round_half_up,
)

decimals = st.decimals(min_value=-(10**12), max_value=10**12, places=4, allow_nan=False)


@given(value=decimals, places=st.integers(0, 3))
def test_round_half_up_agrees_with_decimal(value: Decimal, places: int) -> None:
    expected = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    assert round_half_up(Fraction(value), places) == Fraction(expected)


@given(
    value=st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**6),
    places=st.integers(0, 6),
)
def test_round_half_up_of_any_ratio_is_the_nearest_with_ties_away_from_zero(
    value: Fraction, places: int
) -> None:
    # an independent statement of the rule: floor(|x| x 10^p + 1/2), with x's sign
    scale = 10**places
    magnitude = math.floor(abs(value) * scale + Fraction(1, 2))
    expected = Fraction(magnitude if value >= 0 else -magnitude, scale)
    assert round_half_up(value, places) == expected
    plain = format_decimal(value, places)
    assert Fraction(plain) == expected
    assert plain.startswith("-") == (expected < 0)
    assert len(plain.partition(".")[2]) == places


@given(value=decimals, places=st.integers(0, 3))
def test_indonesian_notation_round_trips(value: Decimal, places: int) -> None:
    text = format_indonesian(Fraction(value), places)
    assert parse_indonesian(text) == round_half_up(Fraction(value), places)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("16,24", Fraction("16.24")),
        ("1.009", Fraction(1009)),
        ("4.489.798.475", Fraction(4489798475)),
        ("-731,00", Fraction(-731)),
        ("0,36", Fraction("0.36")),
    ],
)
def test_parse_indonesian(text: str, value: Fraction) -> None:
    assert parse_indonesian(text) == value


@pytest.mark.parametrize("text", ["1.5", "16,24,1", "4.4897.98", "abc", ""])
def test_parse_indonesian_rejects_other_notations(text: str) -> None:
    with pytest.raises(ValueError):
        parse_indonesian(text)


@pytest.mark.parametrize(
    ("text", "value", "grade", "problem"),
    [
        ("A (84,35)", Fraction("84.35"), "A", False),
        ("Baik 82,7", Fraction("82.7"), "Baik", False),
        ("7,37*)", Fraction("7.37"), None, False),
        ("10%", Fraction(10), None, False),
        ("7.04", Fraction("7.04"), None, True),
        ("18.792.409200", None, None, True),
        ("-", None, None, False),
        ("NA", None, None, False),
        ("Baik", None, "Baik", False),
    ],
)
def test_read_printed(text: str, value: Fraction | None, grade: str | None, problem: bool) -> None:
    reading = read_printed(text)
    assert (reading.value, reading.grade, reading.problem is not None) == (value, grade, problem)
