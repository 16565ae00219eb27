"""The audit's checks of indicator figures: achievement ratios, Tabel 2.3.2
percentages, end-of-period values (K), grades against scores, and the same figure printed
in different tables."""

from __future__ import annotations

from fractions import Fraction

from ..achievement import RULE_FORMULAS, achievement
from ..bands import BandTable, band_table, classify
from ..catalog.load import Catalog
from ..catalog.models import CatalogInput, IndicatorEntry, Printed
from ..catalog.printed import read_printed
from ..declarations import Declarations, Input, Plan
from ..model import CompiledFormula, Model, Values
from ..nodes import references
from ..numbers import format_indonesian
from ..outcomes import Step
from ..rules import END_OF_PERIOD_RULES
from .common import (
    amount,
    find_value,
    judged,
    new_figure,
    place,
    term,
)
from .explanations import likely_cause
from .figures import Figure, Term, exact_text, judge
from .messages import (
    ACHIEVEMENT_REASONS,
    KIND_TEXTS,
    achievement_rule,
    band_name,
    end_of_period_rule,
    msg,
    where,
)
from .messages import table_number as _number

# 1. Achievement ratios (Tabel 2.3.1 and wherever a capaian is printed).


def achievement_ratios(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        indicator: IndicatorEntry = located.entry
        for value in indicator.values:
            if value.kind == "achievement":
                figures.append(_achievement(indicator, value))
    return figures


def _achievement(indicator: IndicatorEntry, value: Printed) -> Figure:
    rule = indicator.polarity or "higher_is_better"
    figure = new_figure(
        "achievement",
        indicator.id,
        indicator.name,
        value,
        achievement_rule(rule, RULE_FORMULAS[rule]),
    )
    target = find_value(indicator.values, "target", value.year, value.table)
    realisation = find_value(indicator.values, "realisation", value.year, value.table)
    figure.terms = [term("target (t)", v) for v in (target,) if v] + [
        term("realisasi (r)", v) for v in (realisation,) if v
    ]
    t = read_printed(target.text).value if target else None
    r = read_printed(realisation.text).value if realisation else None
    result = achievement(rule, t, r)
    figure.recomputed = result.value
    figure.reason = ACHIEVEMENT_REASONS.get(result.reason or "", result.reason)
    judge(figure)
    if figure.status == "finding" and t is not None and r is not None:
        others = [
            (
                msg(
                    "another achievement rule: {rule} reproduces it",
                    rule=achievement_rule(other, RULE_FORMULAS[other]),
                ),
                achievement(other, t, r).value,
            )
            for other in RULE_FORMULAS
            if other != rule
        ]
        assert figure.recomputed is not None
        figure.explanation = likely_cause(
            value.text, figure.recomputed, [(c, v) for c, v in others if v is not None]
        )
    return figure


# 2. Percentages from their numerator and denominator (Tabel 2.3.2).


def history_percentages(catalog: Catalog) -> list[Figure]:
    if catalog.history is None:
        return []
    history = catalog.history.entry
    inputs = [
        Input(**i.model_dump(exclude={"values", "notes"}))
        for i in (*catalog.all_inputs(), *history.inputs)
    ]
    model = Model(
        Declarations(
            plan=Plan(first_year=history.first_year, last_year=history.last_year),
            inputs=tuple(inputs),
        )
    )
    given = {i.id: i for i in history.inputs}
    figures = []
    for located in catalog.history_indicators():
        indicator: IndicatorEntry = located.entry
        for version in indicator.formulas:
            formula = model.compile(version.formula)
            for value in indicator.values:
                if value.table == "2.3.2" and value.kind == "realisation" and value.year:
                    figures.append(_percentage(indicator, value, formula, given, model))
    return figures


def _percentage(
    indicator: IndicatorEntry,
    value: Printed,
    formula: CompiledFormula,
    given: dict[str, CatalogInput],
    model: Model,
) -> Figure:
    def label_of(identifier: str) -> str:
        return model.table.by_id[identifier].label

    rule = Step(formula.tree, value.year or 0, False).text(label_of)
    figure = new_figure("percentage", indicator.id, indicator.name, value, rule)
    numbers: dict[str, dict[int | str, Fraction]] = {}
    for identifier in sorted({r.name for r in references(formula.tree)}):
        declared = given.get(identifier)
        printed = find_value(
            declared.values if declared else (), "realisation", value.year, "2.3.2"
        )
        count = amount(printed) if printed is not None else None
        if printed is not None and count is not None:
            figure.terms.append(term(label_of(identifier), printed))
            numbers[identifier] = {value.year or 0: count}
    trace: list[Step] = []
    result = formula.evaluate(Values(model.table, numbers), value.year or 0, trace=trace)
    figure.steps = [
        msg("{step} = {value}", step=step.text(label_of), value=_shown(step.value))
        for step in trace
    ]
    figure.recomputed = result.value if isinstance(result.value, Fraction) else None
    figure.reason = result.reason
    return judged(figure)


def _shown(value: Fraction | bool) -> object:
    return exact_text(value) if isinstance(value, Fraction) else str(value)


def end_of_period_values(catalog: Catalog) -> list[Figure]:
    figures = []
    namesakes: dict[str, list[tuple[str, IndicatorEntry]]] = {}
    for located in catalog.indicators():
        namesakes.setdefault(located.entry.name, []).append((located.owner, located.entry))
    for located in catalog.indicators():
        indicator: IndicatorEntry = located.entry
        others = [(o, i) for o, i in namesakes[indicator.name] if i is not indicator]
        for value in indicator.values:
            if value.kind == "end_of_period":
                figures.append(_end_of_period(indicator, value, catalog, others))
    return figures


def _end_of_period(
    indicator: IndicatorEntry,
    value: Printed,
    catalog: Catalog,
    namesakes: list[tuple[str, IndicatorEntry]],
) -> Figure:
    rule = indicator.end_of_period
    name = msg("no end-of-period rule")
    years = list(rule.years) if rule and rule.years else [catalog.plan.plan.last_year]
    figure = new_figure("end_of_period", indicator.id, indicator.name, value, name)
    if rule is None or rule.rule == "not_printed":
        figure.reason = msg("the catalog declares no end-of-period rule for it")
        return judge(figure)
    if rule.rule == "last_year":
        years = (
            [max(v.year for v in indicator.values if v.kind == "target" and v.year)]
            if any(v.kind == "target" and v.year for v in indicator.values)
            else years
        )
    targets = [(year, find_value(indicator.values, "target", year, value.table)) for year in years]
    figure.terms = [term(msg("target {year}", year=year), v) for year, v in targets if v]
    rates = [read_printed(v.text).value if v else None for _, v in targets]
    baseline = find_value(indicator.values, "baseline", None) or next(
        (v for v in indicator.values if v.kind == "baseline"), None
    )
    if any(r is None for r in rates):
        figure.reason = msg("a yearly target is missing or not a figure")
        return judge(figure)
    numbers = [r for r in rates if r is not None]
    figure.rule = end_of_period_rule(rule.rule, years)
    figure.recomputed = _apply(rule.rule, numbers, baseline, figure)
    readings = _other_rules(numbers, baseline)
    if rule.rule in ("sum", "last_year"):
        readings += _shifted(indicator, rule.rule, years, value.table)
    if rule.rule == "sum":
        readings += _neighbours(numbers, years, namesakes)
    return judged(figure, readings)


def _shifted(
    indicator: IndicatorEntry, rule: str, years: list[int], table: str
) -> list[tuple[str, Fraction]]:
    """The same rule over the years one earlier or one later (a shifted column)."""
    readings: list[tuple[str, Fraction]] = []
    for shift in (-1, 1):
        moved = [year + shift for year in years]
        found = [find_value(indicator.values, "target", year, table) for year in moved]
        rates = [read_printed(v.text).value if v else None for v in found]
        if any(r is None for r in rates):
            continue
        numbers = [r for r in rates if r is not None]
        value = numbers[-1] if rule == "last_year" else sum(numbers, Fraction(0))
        readings.append(
            (
                msg(
                    "a shifted year: the same rule one year {direction}, {rule}, reproduces it",
                    direction=msg("earlier") if shift < 0 else msg("later"),
                    rule=end_of_period_rule(rule, moved),
                ),
                value,
            )
        )
    return readings


def _neighbours(
    rates: list[Fraction], years: list[int], namesakes: list[tuple[str, IndicatorEntry]]
) -> list[tuple[str, Fraction]]:
    """One year's target taken from another row's indicator of the same name."""
    readings: list[tuple[str, Fraction]] = []
    total = sum(rates, Fraction(0))
    for index, year in enumerate(years):
        for owner, other in namesakes:
            printed = find_value(other.values, "target", year)
            value = read_printed(printed.text).value if printed else None
            if printed is None or value is None or value == rates[index]:
                continue
            readings.append(
                (
                    msg(
                        "a neighbouring row's value: with {value}, the {year} target of the "
                        "same indicator of {owner} ({where}), in place of {own}, the sum "
                        "reproduces it",
                        value=printed.text,
                        year=year,
                        owner=owner,
                        where=where(place(printed)),
                        own=format_indonesian(rates[index], read_printed(printed.text).decimals),
                    ),
                    total - rates[index] + value,
                )
            )
    return readings


def _apply(
    rule: str, rates: list[Fraction], baseline: Printed | None, figure: Figure
) -> Fraction | None:
    entry = END_OF_PERIOD_RULES[rule]
    assert entry.apply is not None
    base = read_printed(baseline.text).value if baseline else None
    if entry.needs_baseline:
        if baseline is not None:
            figure.terms.insert(0, term(msg("baseline"), baseline))
        if base is None:
            figure.reason = msg("the baseline is missing")
            return None
    return entry.apply(rates, base)


def _other_rules(rates: list[Fraction], baseline: Printed | None) -> list[tuple[str, Fraction]]:
    others: list[tuple[str, Fraction]] = [
        (msg("the last year's target reproduces it"), rates[-1]),
        (msg("the sum of the yearly targets reproduces it"), sum(rates, Fraction(0))),
    ]
    if len(rates) > 1:
        others.append(
            (msg("the sum without the first year reproduces it"), sum(rates[1:], Fraction(0)))
        )
    return others


# 6. Grades against scores ("A (84,35)", "Baik 82,7").


def grades(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.indicators():
        indicator: IndicatorEntry = located.entry
        if indicator.grade_table is None:
            continue
        table = band_table(indicator.grade_table)
        for value in indicator.values:
            reading = read_printed(value.text)
            if reading.grade is None:
                continue
            figures.append(_grade(indicator, value, table))
    return figures


def _grade(indicator: IndicatorEntry, value: Printed, table: BandTable) -> Figure:
    reading = read_printed(value.text)
    rule = msg("the grade of the score in the band table {table}", table=band_name(table))
    figure = new_figure("grade", indicator.id, indicator.name, value, rule)
    if reading.value is None:
        figure.reason = msg("a grade without a score")
        return judge(figure)
    band = classify(table, reading.value)
    names = {band.band.label, band.band.grade} if band.band else set()
    figure.terms = [Term(msg("score"), value.text, reading.value, place(value))]
    figure.recomputed = reading.value
    figure.status = "holds" if reading.grade in names else "finding"
    if figure.status == "finding":
        figure.explanation = msg(
            "the score {score} is in band {band}",
            score=value.text,
            band=band.label or band.reason or "-",
        )
    return figure


# 7. The same indicator and year printed in different tables.


# A baseline (kondisi awal) of year Y and a realisation of year Y are the same quantity:
# the condition actually reached in Y. Targets and end-of-period figures compare as such.
_SAME_QUANTITY = {"baseline": "actual", "realisation": "actual"}


def cross_table(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.indicators():
        indicator: IndicatorEntry = located.entry
        groups: dict[tuple[str, int | None], list[Printed]] = {}
        for value in indicator.values:
            groups.setdefault((_SAME_QUANTITY.get(value.kind, value.kind), value.year), []).append(
                value
            )
        for (kind, year), values in groups.items():
            if len({v.table for v in values}) > 1:
                figures += _agreement(indicator, kind, year, values, groups)
    return figures


def _agreement(
    indicator: IndicatorEntry,
    kind: str,
    year: int | None,
    values: list[Printed],
    groups: dict[tuple[str, int | None], list[Printed]],
) -> list[Figure]:
    first, *others = sorted(values, key=lambda v: (v.table, v.line))
    figures = []
    for value in others:
        if value.table == first.table:
            continue
        what = msg(KIND_TEXTS[value.kind]) if value.kind in KIND_TEXTS else value.kind
        rule = msg(
            "the same figure ({what}) as Tabel {table} prints it ({kind})",
            what=msg("{what} {year}", what=what, year=year) if year else what,
            table=_number(first.table),
            kind=msg(KIND_TEXTS[first.kind]) if first.kind in KIND_TEXTS else first.kind,
        )
        figure = new_figure("cross_table", indicator.id, indicator.name, value, rule)
        figure.terms = [term(f"Tabel {_number(first.table)}", first)]
        a, b = read_printed(first.text), read_printed(value.text)
        figure.recomputed = a.value
        if _version(indicator, first.table) != _version(indicator, value.table):
            figure.recomputed = None
            figure.reason = msg(
                "Tabel {one} and Tabel {other} compute it with different formula versions: "
                "not comparable",
                one=_number(value.table),
                other=_number(first.table),
            )
            judge(figure)
        elif a.value is None or b.value is None:
            figure.reason = msg("one of them is not a figure")
            judge(figure)
        elif (a.value, a.grade) == (b.value, b.grade):
            figure.status = "holds"
        else:
            figure.status = "finding"
            figure.explanation = _year_shift(value, first.table, kind, year, groups)
        figures.append(figure)
    return figures


# The plan years each table of the seed is about: a figure printed in a table is computed
# with the formula version valid in those years.
TABLE_FIRST_YEAR = {
    "4.1": 2022,
    "6.1": 2022,
    "6.2": 2023,
    "7.1": 2022,
    "7.3": 2022,
    "4.2": 2024,
    "6.3": 2024,
    "7.2": 2024,
    "7.4": 2024,
}


def _version(indicator: IndicatorEntry, table: str) -> int | None:
    year = TABLE_FIRST_YEAR.get(table)
    for index, version in enumerate(indicator.formulas):
        if year is not None and version.valid_from <= year <= version.valid_to:
            return index
    return None


def _year_shift(
    value: Printed,
    table: str,
    kind: str,
    year: int | None,
    groups: dict[tuple[str, int | None], list[Printed]],
) -> str | None:
    """Does the figure match what the other table prints for the year before or after?"""
    if year is None:
        return None
    reading = read_printed(value.text)
    for other_year in (year - 1, year + 1):
        for other in groups.get((kind, other_year), []):
            printed = read_printed(other.text)
            if other.table == table and (printed.value, printed.grade) == (
                reading.value,
                reading.grade,
            ):
                return msg(
                    "a year shift: Tabel {table} prints {printed} for {year} ({where})",
                    table=_number(table),
                    printed=other.text,
                    year=other_year,
                    where=where(place(other)),
                )
    return None
