"""Reading a printed figure: "16,24", "4.489.798.475", "A (84,35)", "Baik 82,7", "-".

The catalog keeps the text as printed; this module reads the number (and the grade)
out of it, and says when the text is not a figure at all ("-", "NA") or is malformed.

Each text is read once: the readings are kept (`read_printed` is memoised, a `Reading` is
frozen), so the audit's thousands of look-ups of the same printed cells cost one parse
each; `READS.count` counts the parses (tests/test_audit.py checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from ..i18n import msg
from ..numbers import parse_indonesian

_FOOTNOTE = re.compile(r"\s*(\*+\))$")
_GRADE_SCORE = re.compile(r"^(?P<grade>[A-Za-z][A-Za-z ]*?)\s*\(?(?P<score>-?[\d.,]+)\)?$")
_DOT_DECIMAL = re.compile(r"^-?\d+\.\d{1,2}$")
_MISSING = {"-", "NA", "N/A", "", "–"}


@dataclass(frozen=True)
class Reading:
    """What a printed text says: a number (with its printed decimals), maybe a grade."""

    value: Fraction | None  # None: no figure ("-", "NA") or unreadable
    decimals: int = 0
    grade: str | None = None
    footnote: str | None = None  # "*)" markers
    problem: str | None = None  # set when the text is malformed

    @property
    def is_figure(self) -> bool:
        return self.value is not None


@dataclass
class _Reads:
    count: int = 0


READS = _Reads()


@lru_cache(maxsize=1 << 16)
def read_printed(text: str) -> Reading:
    """The figure in a printed text; never raises."""
    READS.count += 1
    stripped = text.strip()
    footnote_match = _FOOTNOTE.search(stripped)
    footnote = footnote_match.group(1) if footnote_match else None
    body = _FOOTNOTE.sub("", stripped).strip().removesuffix("%").strip()
    if body in _MISSING:
        return Reading(None, footnote=footnote)
    number = _number(body)
    if number is not None:
        return Reading(number[0], number[1], footnote=footnote, problem=number[2])
    graded = _GRADE_SCORE.match(body)
    if graded:
        score = _number(graded["score"])
        if score is not None:
            grade = graded["grade"].strip()
            return Reading(score[0], score[1], grade=grade, footnote=footnote, problem=score[2])
    if re.fullmatch(r"[A-Za-z][A-Za-z ]*", body):
        return Reading(None, grade=body, footnote=footnote)
    return Reading(
        None, footnote=footnote, problem=msg("cannot read {text} as a figure", text=repr(text))
    )


def _number(text: str) -> tuple[Fraction, int, str | None] | None:
    try:
        value = parse_indonesian(text)
    except ValueError:
        if _DOT_DECIMAL.match(text):
            point = msg("a point is used as decimal mark")
            return Fraction(text), len(text.partition(".")[2]), point
        return None
    return value, len(text.partition(",")[2]), None
