"""What a planner types into a number cell, read exactly.

Accepted: numbers stored as numbers; Indonesian notation ("1.234,5", "16,24"); plain
notation ("1234.5"); a trailing percent sign ("12,5 %", "12.5%") where the indicator's
unit is %. Refused, each with what to type instead: text, separators mixed up
("1,234.5", "1.234.5,6,7"), an ambiguous "1.234" (Indonesian 1234 or plain 1.234?).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..audit.messages import msg
from ..numbers import format_indonesian

MAX_CELL_CHARS = 40  # a number cell longer than this is not a number a planner typed

_INDONESIAN_GROUPED = re.compile(r"-?\d{1,3}(\.\d{3})+(,\d+)?")
_INDONESIAN_DECIMAL = re.compile(r"-?\d+,\d+")
_PLAIN = re.compile(r"-?\d+(\.\d+)?")
_AMBIGUOUS = re.compile(r"-?\d{1,3}\.\d{3}")  # 1.234: a thousand or one and a bit?
# 1,234.5 or 1,234,567; a lone "1,234" is Indonesian (1.234), as the document writes it
_ENGLISH_GROUPED = re.compile(r"-?\d{1,3}((,\d{3})+\.\d+|(,\d{3}){2,})")
FORMS = msg("a number: 1.234,5 or 1234.5 (a share may end in %: 12,5 %)")


@dataclass(frozen=True)
class NumberProblem:
    code: str
    message: str
    hint: str


@dataclass(frozen=True)
class Number:
    value: Fraction
    percent: bool  # typed with a % sign


def read_number(cell: object) -> Number | NumberProblem:
    """The number in a cell's value (as openpyxl or the CSV reader gives it)."""
    if isinstance(cell, bool):
        return NumberProblem(
            "E804", msg("{value} is a truth value, not a number", value=repr(cell)), _FORMS_HINT
        )
    if isinstance(cell, int):
        return Number(Fraction(cell), False)
    if isinstance(cell, float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            return NumberProblem("E804", msg("the cell is not a finite number"), _FORMS_HINT)
        return Number(Fraction(Decimal(repr(cell))), False)  # as Excel shows it: 0.1 is 1/10
    if not isinstance(cell, str):
        return NumberProblem(
            "E804", msg("a {kind} is not a number", kind=type(cell).__name__), _FORMS_HINT
        )
    return _read_text(cell)


_FORMS_HINT = msg("type the number alone, e.g. 1.234,5 or 1234.5")


def _read_text(text: str) -> Number | NumberProblem:
    body = text.strip().replace("\u00a0", " ").replace("−", "-")
    if len(body) > MAX_CELL_CHARS:
        return NumberProblem(
            "E804",
            msg("the cell has {count} characters: not a number", count=len(body)),
            _FORMS_HINT,
        )
    percent = body.endswith("%")
    body = body.removesuffix("%").strip()
    if _ENGLISH_GROUPED.fullmatch(body) or ("," in body and "." in body.rpartition(",")[2]):
        return NumberProblem(
            "E805",
            msg(
                "{text} mixes up the separators: ',' groups thousands and '.' is the "
                "decimal mark, the other way round from Indonesian notation",
                text=repr(text.strip()),
            ),
            msg(
                "in Indonesian notation '.' groups thousands and ',' is the decimal mark: "
                "write 1.234,5 (or 1234.5 without grouping)"
            ),
        )
    if _AMBIGUOUS.fullmatch(body):
        whole, _, part = body.partition(".")
        return NumberProblem(
            "E805",
            msg(
                "{text} is ambiguous: {thousand} in Indonesian notation or "
                "{decimal} with a decimal point",
                text=repr(text.strip()),
                thousand=f"{whole}{part}",
                decimal=f"{whole},{part}",
            ),
            msg(
                "write {thousand} for the thousand, or {decimal} for the decimal",
                thousand=f"{whole}{part}",
                decimal=f"{whole},{part}",
            ),
        )
    if _INDONESIAN_GROUPED.fullmatch(body) or _INDONESIAN_DECIMAL.fullmatch(body):
        return Number(Fraction(body.replace(".", "").replace(",", ".")), percent)
    if _PLAIN.fullmatch(body):
        return Number(Fraction(body), percent)
    if re.fullmatch(r"-?[\d.,]+", body):
        return NumberProblem(
            "E805",
            msg("{text} has its separators in the wrong places", text=repr(text.strip())),
            msg("group thousands by three with '.', and put one ',' before the decimals: 1.234,5"),
        )
    return NumberProblem(
        "E804", msg("{text} is text, not a number", text=repr(text.strip())), _FORMS_HINT
    )


def exact_indonesian(value: Fraction) -> str:
    """The exact decimal of a typed number in Indonesian notation: 1234.5 -> '1.234,5'.

    A typed number always has a finite decimal expansion (its denominator is 2^a 5^b)."""
    decimals = 0
    while (value * 10**decimals).denominator != 1:
        decimals += 1
    return format_indonesian(value, decimals)
