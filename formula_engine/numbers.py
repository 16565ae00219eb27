"""Exact numbers: rounding for presentation, and the document's number notation.

Values stay exact (`Fraction`) through evaluation. Rounding happens only when a value is
presented, by a declared rule: half-up (away from zero on a tie) to N decimals, the rule
the published figures follow. A recomputed value "matches" a printed figure when it
rounds to the printed digits (formula_engine.audit.figures.judge).

Indonesian notation: '.' groups thousands and ',' is the decimal mark: "16,24" is 16.24,
"4.489.798.475" is 4489798475.
"""

from __future__ import annotations

import re
from fractions import Fraction

DEFAULT_DECIMALS = 2


def round_half_up(value: Fraction, decimals: int = DEFAULT_DECIMALS) -> Fraction:
    """Round to `decimals` places, ties away from zero: 16.245 -> 16.25, -0.125 -> -0.13."""
    return Fraction(_units(value, decimals), 10**decimals)


def _units(value: Fraction, decimals: int) -> int:
    """`value` rounded half-up to `decimals` places, counted in units of 10**-decimals
    (integer arithmetic only: the quotient and remainder of |numerator| x 10**decimals
    by the denominator)."""
    numerator, denominator = value.numerator, value.denominator
    scale: int = 10**decimals
    whole, rest = divmod(abs(numerator) * scale, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return -whole if numerator < 0 else whole


def format_decimal(value: Fraction, decimals: int = DEFAULT_DECIMALS) -> str:
    """Plain notation after rounding: '16.24', '-731.00', '4489798475'."""
    units = _units(value, decimals)
    sign = "-" if units < 0 else ""
    whole, fraction = divmod(abs(units), 10**decimals)
    return f"{sign}{whole}.{fraction:0{decimals}d}" if decimals else f"{sign}{whole}"


def format_indonesian(value: Fraction, decimals: int = DEFAULT_DECIMALS) -> str:
    """Indonesian notation after rounding: '16,24', '4.489.798.475', '-731,00'."""
    return indonesian_of_plain(format_decimal(value, decimals))


def indonesian_of_plain(plain: str) -> str:
    """The Indonesian notation of a plain decimal that `format_decimal` wrote."""
    sign = "-" if plain.startswith("-") else ""
    whole, _, fraction = plain.lstrip("-").partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


_INDONESIAN = re.compile(r"-?\d{1,3}(\.\d{3})*(,\d+)?|-?\d+(,\d+)?")


def parse_indonesian(text: str) -> Fraction:
    """'16,24' -> 406/25; '4.489.798.475' -> 4489798475; '-731,00' -> -731.

    Raises ValueError for anything else (including '1.5', which is not this notation)."""
    cleaned = text.strip().replace("−", "-")
    if not _INDONESIAN.fullmatch(cleaned):
        raise ValueError(f"{text!r} is not a number in Indonesian notation")
    return Fraction(cleaned.replace(".", "").replace(",", "."))


MAX_PLAIN_DIGITS = 24  # digits in a value typed on a command line (as in a formula literal)

_PLAIN = re.compile(r"-?[0-9]+(?:_[0-9]+)*(?:\.[0-9]+)?(?:/[0-9]+(?:_[0-9]+)*)?", re.ASCII)
_PLAIN_FORMS = "write a plain decimal (16.24, -3, 4_489_798_475) or a fraction p/q (1/3)"


def parse_plain(text: str) -> Fraction:
    """A plain decimal as typed on a command line: '16.24', '-3', '4_489_798_475', '1/3'.

    Only ASCII digits; '.' is the decimal point; '_' may group digits; p/q needs q != 0.
    Raises ValueError, with what to write instead, for anything else."""
    cleaned = text.strip()
    if not _PLAIN.fullmatch(cleaned):
        raise ValueError(_not_plain(text, cleaned))
    if sum(char.isdigit() for char in cleaned) > MAX_PLAIN_DIGITS:
        raise ValueError(f"{text!r} has more than {MAX_PLAIN_DIGITS} digits")
    numerator, _, denominator = cleaned.replace("_", "").partition("/")
    if denominator and int(denominator) == 0:
        raise ValueError(f"{text!r} divides by zero: the q of p/q must not be 0")
    return Fraction(numerator) / int(denominator or 1)


def _not_plain(text: str, cleaned: str) -> str:
    if not cleaned:
        return f"the value is empty: {_PLAIN_FORMS}"
    foreign = next((c for c in cleaned if c.isdigit() and not c.isascii()), None)
    if foreign is not None:
        return f"{text!r} has the digit {foreign!r} (U+{ord(foreign):04X}): write ASCII digits 0-9"
    if "," in cleaned:
        return f"{text!r} is not a number (write 16.24, not 16,24)"
    return f"{text!r} is not a number: {_PLAIN_FORMS}"
