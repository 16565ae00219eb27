"""What the audit produces: one `Figure` per derived figure the document prints.

A figure holds when its recomputed exact value rounds (half-up) to the printed digits;
Rupiah must be equal to the Rupiah. Otherwise it is a finding, with the difference and,
when one is evident, the most likely explanation. A figure the catalog cannot recompute
(an input missing, a figure printed as "-") is listed as not recomputable, never skipped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from ..catalog.printed import read_printed
from ..numbers import format_indonesian, round_half_up

Status = Literal["holds", "finding", "not_recomputable"]
# The class of a finding (issue 11): an arithmetic error, a misprinted code, a matter of
# notation only (the value holds), a formula inconsistent with its own printed figures,
# or a figure that cannot be checked.
FindingClass = Literal["arithmetic", "code", "notation", "formula_vs_figures", "not_checkable"]
Severity = Literal["high", "medium", "low"]
# A printed cell: its table, first seed line, kind of figure and year. Two figures that
# name the same cell speak of the same printed number (blame.py).
Cell = tuple[str, int, str, int | None]


@dataclass(frozen=True)
class Place:
    table: str
    line: int
    last_line: int | None = None
    title: str | None = None  # the table's title as the document prints it
    row: str | None = None  # the row's code and name, as printed
    column: str | None = None  # e.g. "2023, Rp, target" or "realisasi 2022"

    def __str__(self) -> str:
        lines = f"{self.line}-{self.last_line}" if self.last_line else f"{self.line}"
        # the number the document prints ("2.3.2" for both of its tables numbered 2.3.2)
        return f"Tabel {self.table.split('-', 1)[0]}, line {lines}"


@dataclass(frozen=True)
class Term:
    """One input of a recomputation, as printed, with its place."""

    label: str
    text: str
    value: Fraction | None
    place: Place | None = None
    cell: Cell | None = None


@dataclass
class Figure:
    check: str  # achievement, percentage, budget_ratio, budget_growth, budget_parts,
    #             rollup, end_of_period, end_of_period_rp, grade, cross_table, code,
    #             formula_vs_figures, literal_reading
    subject: str  # indicator id, row code or budget line id
    label: str  # the document's wording
    year: int | None
    printed: str
    place: Place
    rule: str  # how it is recomputed, in words and formula
    terms: list[Term] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # intermediate results, in order
    recomputed: Fraction | None = None
    status: Status = "not_recomputable"
    reason: str | None = None  # why it is not recomputable
    explanation: str | None = None  # the most likely cause of a finding
    note: str | None = None  # the catalog's note on the printed figure
    intended: str | None = None  # the reading the catalog believes intended
    finding_class: FindingClass | None = None  # for findings and not-recomputable figures
    severity: Severity | None = None
    weight: int | None = None  # the Rupiah at stake, for money
    rules: list[str] = field(default_factory=list)  # every rule the cell breaks
    cell: Cell | None = None  # the printed cell the figure judges

    @property
    def decimals(self) -> int:
        return read_printed(self.printed).decimals

    @property
    def printed_value(self) -> Fraction | None:
        return read_printed(self.printed).value

    @property
    def difference(self) -> Fraction | None:
        if self.recomputed is None or self.printed_value is None:
            return None
        return self.printed_value - round_half_up(self.recomputed, self.decimals)

    def recomputed_text(self) -> str:
        if self.recomputed is None:
            return "-"
        return format_indonesian(self.recomputed, self.decimals)


def exact_text(value: Fraction | None) -> str:
    """The exact value when it is short ("exactly 275/3"), else its first decimals."""
    from .messages import msg

    if value is None:
        return msg("not computed")
    if len(str(value)) <= 24:
        return msg("exactly {value}", value=str(value))
    return msg("{value}... to 6 decimals", value=format_indonesian(value, 6))


def judge(figure: Figure, rupiah: bool = False) -> Figure:
    """Set the status of a figure whose `recomputed` value (or reason) is known."""
    printed = figure.printed_value
    reading = read_printed(figure.printed)
    if figure.recomputed is not None and reading.problem:
        figure.status = "finding"  # the print itself is malformed: the document's mistake
        return figure
    if figure.recomputed is None or printed is None:
        figure.status = "not_recomputable"
        if figure.reason is None:
            from .messages import msg

            figure.reason = msg("printed {printed} is not a figure", printed=repr(figure.printed))
        return figure
    places = 0 if rupiah else figure.decimals
    holds = round_half_up(figure.recomputed, places) == printed
    figure.status = "holds" if holds else "finding"
    return figure
