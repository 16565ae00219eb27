"""Validating the catalog's years and printed values, each problem located.

Periods: the plan's and the history's first year is not after their last; the baseline
year is not after the plan's first year. Printed values: readable as figures (or marked
as the document's mistake with `intended`), Rupiah whole and not negative, in the
indicator's unit, with a year when their kind is yearly, and that year within the period
of the part of the catalog they belong to. Formula versions and the validity of tujuan
and sasaran lie within the period too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import Diagnostic
from ..i18n import Msg, msg
from .load import Catalog, Located
from .models import IndicatorEntry
from .printed import read_printed

# Kinds of printed value that belong to one year (the others are for the whole period).
YEARLY_KINDS = frozenset({"baseline", "target", "realisation", "achievement"})
# Kinds of a BAB II budget line that are Rupiah amounts (the others are percentages);
# every value of a row's budget is.
RUPIAH_KINDS = frozenset({"target", "realisation"})
EVERY_KIND = frozenset({*YEARLY_KINDS, "end_of_period", "growth_budget", "growth_realisation"})


@dataclass(frozen=True)
class Period:
    """The years a part of the catalog may cite: `first`..`last`, baselines from
    `earliest_baseline`."""

    name: str
    first: int
    last: int
    earliest_baseline: int

    def allows(self, kind: str, year: int) -> bool:
        start = self.earliest_baseline if kind == "baseline" else self.first
        end = self.first if kind == "baseline" else self.last
        return start <= year <= end

    def describe(self, kind: str) -> Msg:
        name = _PERIOD_NAMES.get(self.name, self.name)
        if kind == "baseline":
            return msg(
                "{first}-{last} (a baseline of the {name})",
                first=self.earliest_baseline,
                last=self.first,
                name=name,
            )
        return msg("{first}-{last} (the {name})", first=self.first, last=self.last, name=name)


_PERIOD_NAMES = {"plan period": msg("plan period"), "previous period": msg("previous period")}


def periods(catalog: Catalog) -> list[Diagnostic]:
    """Years given in the wrong order; when there are any, nothing else can be dated."""
    plan = Located(catalog.plan.plan, catalog.plan_source, ("plan",), "plan")
    found = list(_ordered(plan, "first_year", "last_year"))
    found += _ordered(plan, "baseline_year", "first_year")
    if catalog.history is not None:
        found += _ordered(catalog.history, "first_year", "last_year")
    return found


def _ordered(located: Located, earlier: str, later: str) -> Iterator[Diagnostic]:
    first, last = getattr(located.entry, earlier), getattr(located.entry, later)
    if first > last:
        yield located.diagnostic(
            (later,),
            msg(
                "{later} {last} is before {earlier} {first}",
                later=later,
                last=last,
                earlier=earlier,
                first=first,
            ),
            "E534",
            msg("swap them? {earlier} comes first", earlier=earlier),
        )


def plan_period(catalog: Catalog) -> Period:
    plan = catalog.plan.plan
    earliest = catalog.history.entry.first_year if catalog.history else plan.baseline_year - 1
    return Period("plan period", plan.first_year, plan.last_year, min(earliest, plan.first_year))


def history_period(catalog: Catalog) -> Period | None:
    if catalog.history is None:
        return None
    history = catalog.history.entry
    return Period("previous period", history.first_year, history.last_year, history.first_year)


def printed_values(catalog: Catalog) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    plan, history = plan_period(catalog), history_period(catalog)
    for located in catalog.indicators():
        found += _readable(located, "values", located.entry.values, plan)
        found += _formula_years(located, plan)
    for row in catalog.rows():
        found += _readable(row, "budget", getattr(row.entry, "budget", ()), plan, EVERY_KIND)
        if hasattr(row.entry, "valid_from"):
            found += _within(row, ("valid_from",), "formula", row.entry.valid_from, plan)
            found += _within(row, ("valid_to",), "formula", row.entry.valid_to, plan)
    for located in catalog.inputs:
        found += _readable(located, "values", located.entry.values, plan)
    if catalog.history is not None and history is not None:
        found += _history_values(catalog, history)
    return found


def _history_values(catalog: Catalog, history: Period) -> Iterator[Diagnostic]:
    assert catalog.history is not None
    source = catalog.history.source
    for located in catalog.history_indicators():
        yield from _readable(located, "values", located.entry.values, history)
        yield from _formula_years(located, history)
    for index, declared in enumerate(catalog.history.entry.inputs):
        where = Located(declared, source, ("inputs", index), declared.id)
        yield from _readable(where, "values", declared.values, history)
    for index, line in enumerate(catalog.history.entry.budget):
        where = Located(line, source, ("budget", index), line.id)
        yield from _readable(where, "values", line.values, history, RUPIAH_KINDS)


def _formula_years(located: Located, period: Period) -> Iterator[Diagnostic]:
    here = Located(located.entry, located.source, located.path, located.entry.id)
    for index, version in enumerate(located.entry.formulas):
        for key in ("valid_from", "valid_to"):
            yield from _within(
                here, ("formulas", index, key), "formula", getattr(version, key), period
            )


def _within(
    located: Located, key: tuple[str | int, ...], kind: str, year: int, period: Period
) -> Iterator[Diagnostic]:
    if not period.allows(kind, year):
        yield located.diagnostic(
            key,
            msg("{year} is outside {period}", year=year, period=period.describe(kind)),
            "E533",
            msg("check the year (a typo?) or the period's first_year and last_year"),
        )


def _readable(
    located: Located,
    key: str,
    values: Iterable[Any],
    period: Period,
    rupiah_kinds: frozenset[str] = frozenset(),
) -> Iterator[Diagnostic]:
    owner = getattr(located.entry, "id", located.owner)
    for index, value in enumerate(values):
        here = Located(value, located.source, (*located.path, key, index), owner)
        yield from _dated(here, value, period)
        reading = read_printed(value.text)
        rupiah = value.kind in rupiah_kinds
        if reading.problem and value.intended is None:
            yield here.diagnostic(
                ("text",),
                msg("printed {text}: {problem}", text=repr(value.text), problem=reading.problem),
                "E520",
                msg("if the document prints it so, keep it and add note and intended"),
            )
        elif rupiah and reading.value is not None and reading.value < 0:
            yield here.diagnostic(
                ("text",),
                msg("a budget cannot be negative: {text}", text=repr(value.text)),
                "E524",
                msg("remove the '-' (a budget is an amount of Rupiah)"),
            )
        elif rupiah and reading.value is not None and reading.value.denominator != 1:
            yield here.diagnostic(
                ("text",),
                msg("a Rupiah amount must be whole: {text}", text=repr(value.text)),
                "E521",
            )
        elif isinstance(located.entry, IndicatorEntry):
            yield from _fits_unit(here, value.text, located.entry)


def _dated(here: Located, value: Any, period: Period) -> Iterator[Diagnostic]:
    if value.year is None and value.kind in YEARLY_KINDS:
        yield here.diagnostic(
            ("kind",),
            msg("a {kind} value without a year", kind=value.kind),
            "E532",
            msg("add year: (the year of the column the figure stands in)"),
        )
    elif value.year is not None:
        yield from _within(here, ("year",), value.kind, value.year, period)


def _fits_unit(here: Located, text: str, indicator: IndicatorEntry) -> Iterator[Diagnostic]:
    """A printed figure must be a figure of the indicator's unit (Satuan)."""
    reading = read_printed(text)
    if text.strip().endswith("%") and indicator.unit != "%":
        yield here.diagnostic(
            ("text",),
            msg(
                "{text} is printed in % but the unit is {unit}",
                text=repr(text),
                unit=repr(indicator.unit),
            ),
            "E522",
            msg("check the indicator's unit"),
        )
    if reading.grade is not None and indicator.grade_table is None:
        yield here.diagnostic(
            ("text",),
            msg("{text} is a grade, but the indicator names no grade table", text=repr(text)),
            "E523",
            msg(
                "add grade_table: sakip_permenpanrb_88_2021 or "
                "ikm_permenpanrb_14_2017, or check the value"
            ),
        )
