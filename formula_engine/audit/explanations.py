"""The most likely explanation of a finding, when one is evident.

Each guess compares the printed figure with the recomputed one (or with what other
readings would give) and names a common cause: a rounding rule other than half-up, two
adjacent digits swapped, one digit mistyped or doubled, a year left out of a sum, another
achievement rule. When no guess fits, the finding stands without one.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from math import floor

from ..catalog.printed import read_printed
from ..numbers import format_indonesian
from .messages import msg


def likely_cause(
    printed_text: str,
    recomputed: Fraction,
    alternatives: Iterable[tuple[str, Fraction]] = (),
    exact: bool = False,
) -> str | None:
    """A likely cause for printed != recomputed; `alternatives` are (cause, value) pairs
    computed another way (a year left out, another rule) that the printed may match.
    `exact` (Rupiah): a difference is never a matter of rounding."""
    reading = read_printed(printed_text)
    printed, decimals = reading.value, reading.decimals
    if printed is None:  # a malformed print: do its digits agree?
        return _digits(printed_text, recomputed, decimals)
    for cause, value in alternatives:
        if _rounds_to(value, decimals) == printed:
            return cause
    rounding = None if exact else _rounding(printed, recomputed, decimals)
    small = _small_amount(printed, recomputed) if exact else None
    return rounding or _digits(printed_text, recomputed, decimals) or small


def _small_amount(printed: Fraction, recomputed: Fraction) -> str | None:
    difference = printed - recomputed
    if 0 < abs(difference) < 10:
        return msg("a difference of {difference} Rupiah", difference=str(difference))
    return None


def _rounds_to(value: Fraction, decimals: int) -> Fraction:
    scale = 10**decimals
    scaled = abs(value) * scale
    whole = floor(scaled) + (1 if scaled - floor(scaled) >= Fraction(1, 2) else 0)
    return Fraction(whole if value >= 0 else -whole, scale)


def _rounding(printed: Fraction, recomputed: Fraction, decimals: int) -> str | None:
    scale = 10**decimals
    truncated = Fraction(int(recomputed * scale), scale)
    if truncated == printed:
        return msg(
            "rounding: the figure is truncated to {decimals} decimals instead of rounded",
            decimals=decimals,
        )
    if abs(printed - recomputed) <= Fraction(1, scale):
        return msg(
            "rounding: off by one in the last printed decimal ({decimals} decimals)",
            decimals=decimals,
        )
    return None


def _digits(printed_text: str, recomputed: Fraction, decimals: int) -> str | None:
    printed_digits = "".join(ch for ch in printed_text if ch.isdigit())
    expected = format_indonesian(recomputed, decimals)
    expected_digits = "".join(ch for ch in expected if ch.isdigit())
    if printed_digits == expected_digits:
        return msg(
            "separators: the digits agree with {expected}, the separators do not",
            expected=expected,
        )
    if len(printed_digits) == len(expected_digits):
        return _same_length(printed_digits, expected_digits, expected)
    if len(printed_digits) == len(expected_digits) + 1:
        for index in range(len(printed_digits)):
            if printed_digits[:index] + printed_digits[index + 1 :] == expected_digits:
                return msg(
                    "an extra digit: {expected} with one digit printed twice or added",
                    expected=expected,
                )
    if len(printed_digits) + 1 == len(expected_digits):
        for index in range(len(expected_digits)):
            if expected_digits[:index] + expected_digits[index + 1 :] == printed_digits:
                return msg("a digit left out: {expected} with one digit missing", expected=expected)
    return None


def _same_length(printed: str, expected: str, shown: str) -> str | None:
    differing = [i for i, (a, b) in enumerate(zip(printed, expected, strict=True)) if a != b]
    if (
        len(differing) == 2
        and differing[1] == differing[0] + 1
        and printed[differing[0]] == expected[differing[1]]
        and printed[differing[1]] == expected[differing[0]]
    ):
        return msg("a transposed digit: {shown} with two adjacent digits swapped", shown=shown)
    if len(differing) == 1:
        return msg("a mistyped digit: {shown} with one digit different", shown=shown)
    return None
