"""What every audit check shares: reading printed terms, and judging a recomputed figure.

A check is a function (catalog) -> list[Figure]. It cites the place of every figure and
of every term it uses; `judged` sets the verdict and the likely explanation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction

from ..catalog.models import Printed
from ..catalog.printed import read_printed
from ..numbers import round_half_up
from .explanations import likely_cause
from .figures import Cell, Figure, Place, Term, judge
from .messages import joined, msg, where


def place(value: Printed) -> Place:
    return Place(value.table, value.line, value.last_line)


def cell(value: Printed) -> Cell:
    return (value.table, value.line, value.kind, value.year)


def amount(value: Printed) -> Fraction | None:
    """The figure of a printed term; a malformed print is read as the catalog's `intended`
    reading (shown in the term), so one misprint does not hide the figures that use it."""
    reading = read_printed(value.text)
    if reading.value is None and value.intended is not None:
        return read_printed(value.intended).value
    return reading.value


def term(label: str, value: Printed) -> Term:
    text = value.text
    if read_printed(text).value is None and value.intended is not None:
        text = msg(
            "{text} (malformed; read as the intended {intended})",
            text=text,
            intended=value.intended,
        )
    return Term(label, text, amount(value), place(value), cell(value))


def new_figure(check: str, subject: str, label: str, value: Printed, rule: str) -> Figure:
    return Figure(
        check,
        subject,
        label,
        value.year,
        value.text,
        place(value),
        rule,
        note=value.note,
        intended=value.intended,
        cell=cell(value),
    )


def find_value(
    values: Iterable[Printed], kind: str, year: int | None, table: str | None = None
) -> Printed | None:
    matches = [v for v in values if v.kind == kind and v.year == year]
    preferred = [v for v in matches if v.table == table]
    with_figure = [v for v in preferred or matches if read_printed(v.text).value is not None]
    candidates = with_figure or preferred or matches
    return candidates[0] if candidates else None


def judged(
    figure: Figure, alternatives: Iterable[tuple[str, Fraction]] = (), rupiah: bool = False
) -> Figure:
    judge(figure, rupiah=rupiah)
    if figure.status == "finding" and figure.recomputed is not None:
        figure.explanation = _notation(figure) or likely_cause(
            figure.printed, figure.recomputed, alternatives, rupiah
        )
    return figure


# What catalog/printed.py says of a malformed print, as messages.
_PROBLEMS = {"a point is used as decimal mark": msg("a point is used as decimal mark")}


def _notation(figure: Figure) -> str | None:
    """A figure whose value holds but whose notation is wrong ("7.04" for "7,04")."""
    reading = read_printed(figure.printed)
    if not reading.problem or reading.value is None or figure.recomputed is None:
        return None
    if round_half_up(figure.recomputed, reading.decimals) == reading.value:
        problem = _PROBLEMS.get(reading.problem, reading.problem)
        return msg("notation: {problem}; the value holds", problem=problem)
    return None


def rupiah_amount(value: Printed) -> Fraction | None:
    """A budget cell: "-" is nil (Rp 0); a malformed print is read as the intended one."""
    if value.text.strip() in ("-", "–"):
        return Fraction(0)
    return amount(value)


def settle_sum(
    figure: Figure,
    printed_terms: list[Printed],
    alternatives: Sequence[tuple[str, Fraction]],
) -> Figure:
    """Judge a sum of Rupiah. When it fails only because a term is misprinted (a misprint
    the catalog records, and the audit reports as a finding of its own), the sum holds
    with the term's intended reading: it is not counted a second time."""
    judge(figure, rupiah=True)
    if figure.status != "finding" or figure.recomputed is None:
        return figure
    misprinted = [v for v in printed_terms if v.intended]
    if misprinted:
        corrected = sum(
            (
                read_printed(v.intended or v.text).value or rupiah_amount(v) or Fraction(0)
                for v in printed_terms
            ),
            Fraction(0),
        )
        if corrected == figure.printed_value:
            shown = joined(
                ", ",
                (
                    msg(
                        "{text} -> {intended} ({where})",
                        text=v.text,
                        intended=v.intended,
                        where=where(place(v)),
                    )
                    for v in misprinted
                ),
            )
            figure.status = "holds"
            figure.explanation = msg(
                "holds with the intended reading of {shown}; that misprint is a finding of its own",
                shown=shown,
            )
            return figure
    figure.explanation = _notation(figure) or likely_cause(
        figure.printed, figure.recomputed, alternatives, exact=True
    )
    return figure


def same_cell(values: Iterable[Printed], like: Printed) -> Printed | None:
    for value in values:
        if (value.kind, value.year, value.table) == (like.kind, like.year, like.table):
            return value
    return None
