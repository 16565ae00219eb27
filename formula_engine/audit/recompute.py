"""The audit's checks: each recomputes one kind of printed figure from the catalog.

A check is a function (catalog) -> list[Figure]; `CHECKS` runs them in the order of the
report. Every figure cites its place; every recomputation cites its terms.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from fractions import Fraction
from itertools import pairwise
from math import prod
from typing import Any

from ..achievement import RULE_FORMULAS, achievement
from ..bands import BandTable, band_table, classify
from ..catalog.load import Catalog, Located
from ..catalog.models import BudgetLine, CatalogInput, Indicator, Printed
from ..catalog.printed import read_printed
from ..declarations import Declarations, Input, Plan
from ..evaluate import Step
from ..model import CompiledFormula, Model, Values
from ..nodes import references
from ..numbers import round_half_up
from .explanations import explain
from .figures import Figure, Place, Term, exact_text, judge

Check = Callable[[Catalog], list[Figure]]


def place(value: Printed) -> Place:
    return Place(value.table, value.line, value.last_line)


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
        text = f"{text} (malformed; read as the intended {value.intended})"
    return Term(label, text, amount(value), place(value))


def _figure(check: str, subject: str, label: str, value: Printed, rule: str) -> Figure:
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
    )


def _find(
    values: Iterable[Printed], kind: str, year: int | None, table: str | None = None
) -> Printed | None:
    matches = [v for v in values if v.kind == kind and v.year == year]
    preferred = [v for v in matches if v.table == table]
    with_figure = [v for v in preferred or matches if read_printed(v.text).value is not None]
    candidates = with_figure or preferred or matches
    return candidates[0] if candidates else None


# 1. Achievement ratios (Tabel 2.3.1 and wherever a capaian is printed).


def achievement_ratios(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        indicator: Indicator = located.entry
        for value in indicator.values:
            if value.kind == "achievement":
                figures.append(_achievement(indicator, value))
    return figures


def _achievement(indicator: Indicator, value: Printed) -> Figure:
    rule = indicator.polarity or "higher_is_better"
    figure = _figure(
        "achievement", indicator.id, indicator.name, value, f"{rule}: {RULE_FORMULAS[rule]}"
    )
    target = _find(indicator.values, "target", value.year, value.table)
    realisation = _find(indicator.values, "realisation", value.year, value.table)
    figure.terms = [term("target (t)", v) for v in (target,) if v] + [
        term("realisasi (r)", v) for v in (realisation,) if v
    ]
    t = read_printed(target.text).value if target else None
    r = read_printed(realisation.text).value if realisation else None
    result = achievement(rule, t, r)
    figure.recomputed, figure.reason = result.value, result.reason
    judge(figure)
    if figure.status == "finding" and t is not None and r is not None:
        others = [
            (
                f"another achievement rule: {other} ({RULE_FORMULAS[other]}) reproduces it",
                achievement(other, t, r).value,
            )
            for other in RULE_FORMULAS
            if other != rule
        ]
        assert figure.recomputed is not None
        figure.explanation = explain(
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
        indicator: Indicator = located.entry
        for version in indicator.formulas:
            formula = model.compile(version.formula)
            for value in indicator.values:
                if value.table == "2.3.2" and value.kind == "realisation" and value.year:
                    figures.append(_percentage(indicator, value, formula, given, model))
    return figures


def _percentage(
    indicator: Indicator,
    value: Printed,
    formula: CompiledFormula,
    given: dict[str, CatalogInput],
    model: Model,
) -> Figure:
    def label_of(identifier: str) -> str:
        return model.table.by_id[identifier].label

    rule = Step(formula.tree, value.year or 0, False).text(label_of)
    figure = _figure("percentage", indicator.id, indicator.name, value, rule)
    numbers: dict[str, dict[int | str, Fraction]] = {}
    for identifier in sorted({r.name for r in references(formula.tree)}):
        declared = given.get(identifier)
        printed = _find(declared.values if declared else (), "realisation", value.year, "2.3.2")
        count = amount(printed) if printed is not None else None
        if printed is not None and count is not None:
            figure.terms.append(term(label_of(identifier), printed))
            numbers[identifier] = {value.year or 0: count}
    trace: list[Step] = []
    result = formula.evaluate(Values(model.table, numbers), value.year or 0, trace=trace)
    figure.steps = [f"{step.text(label_of)} = {_shown(step.value)}" for step in trace]
    figure.recomputed = result.value if isinstance(result.value, Fraction) else None
    figure.reason = result.reason
    return _judged_with_explanation(figure)


def _shown(value: Fraction | bool) -> str:
    return exact_text(value) if isinstance(value, Fraction) else str(value)


def _judged_with_explanation(
    figure: Figure, alternatives: Iterable[tuple[str, Fraction]] = (), rupiah: bool = False
) -> Figure:
    judge(figure, rupiah=rupiah)
    if figure.status == "finding" and figure.recomputed is not None:
        figure.explanation = _notation(figure) or explain(
            figure.printed, figure.recomputed, alternatives, rupiah
        )
    return figure


def _notation(figure: Figure) -> str | None:
    """A figure whose value holds but whose notation is wrong ("7.04" for "7,04")."""
    reading = read_printed(figure.printed)
    if not reading.problem or reading.value is None or figure.recomputed is None:
        return None
    if round_half_up(figure.recomputed, reading.decimals) == reading.value:
        return f"notation: {reading.problem}; the value holds"
    return None


# 3. The budget table of BAB II: ratios, parts, average growth.


def budget_table(catalog: Catalog) -> list[Figure]:
    if catalog.history is None:
        return []
    lines = {line.id: line for line in catalog.history.entry.budget}
    figures: list[Figure] = []
    for line in lines.values():
        figures += _budget_ratios(line)
        figures += _budget_parts(line, lines)
        figures += _budget_growth(line)
    return figures


def _budget_ratios(line: BudgetLine) -> Iterator[Figure]:
    for value in line.values:
        if value.kind != "achievement":
            continue
        figure = _figure("budget_ratio", line.id, line.name, value, "realisasi / anggaran x 100%")
        budget = _find(line.values, "target", value.year)
        spent = _find(line.values, "realisation", value.year)
        figure.terms = [term("anggaran", v) for v in (budget,) if v] + [
            term("realisasi", v) for v in (spent,) if v
        ]
        b = amount(budget) if budget else None
        s = amount(spent) if spent else None
        if b and s is not None:
            figure.recomputed = s / b * 100
        else:
            figure.reason = "the budget is zero" if b == 0 else "a figure is missing"
        yield _judged_with_explanation(figure)


def _budget_parts(line: BudgetLine, lines: dict[str, BudgetLine]) -> Iterator[Figure]:
    if not line.parts:
        return
    parts = [lines[p] for p in line.parts if p in lines]
    for value in line.values:
        if value.kind not in ("target", "realisation"):
            continue
        rule = f"{line.name} = " + " + ".join(p.name for p in parts)
        figure = _figure("budget_parts", line.id, line.name, value, rule)
        terms = [_find(p.values, value.kind, value.year) for p in parts]
        figure.terms = [term(p.name, t) for p, t in zip(parts, terms, strict=True) if t]
        amounts = [amount(t) if t else None for t in terms]
        if all(a is not None for a in amounts):
            figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        else:
            figure.reason = "a part is not printed"
        yield _judged_with_explanation(figure, rupiah=True)


def _budget_growth(line: BudgetLine) -> Iterator[Figure]:
    for value in line.values:
        if value.kind not in ("growth_budget", "growth_realisation"):
            continue
        kind = "target" if value.kind == "growth_budget" else "realisation"
        figure = _figure(
            "budget_growth",
            line.id,
            line.name,
            value,
            "mean of the yearly growth rates (x[y] - x[y-1]) / x[y-1] x 100%, 2018-2021",
        )
        series = sorted((v.year, v) for v in line.values if v.kind == kind and v.year)
        figure.terms = [
            term(f"{'anggaran' if kind == 'target' else 'realisasi'} {y}", v) for y, v in series
        ]
        amounts = [amount(v) for _, v in series]
        rates = [(b - a) / a * 100 for a, b in pairwise(amounts) if a and b is not None]
        if len(rates) == len(amounts) - 1 and rates:
            figure.recomputed = sum(rates, Fraction(0)) / len(rates)
        else:
            figure.reason = "a year's amount is zero or missing"
        compound = _compound_growth(amounts)
        alternatives = (
            [("a compound (geometric) average growth reproduces it", compound)] if compound else []
        )
        yield _judged_with_explanation(figure, alternatives)


def _compound_growth(amounts: list[Fraction | None]) -> Fraction | None:
    if len(amounts) < 2 or not amounts[0] or amounts[-1] is None or amounts[-1] <= 0:
        return None
    ratio = float(amounts[-1] / amounts[0])
    return Fraction((ratio ** (1 / (len(amounts) - 1)) - 1) * 100).limit_denominator(10**6)


# 4. Budget rollups of Tabel 6.1-6.3: kegiatan = sum of sub kegiatan, program = sum of kegiatan.


def budget_rollups(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.programs:
        program = located.entry
        figures += _rollup(program.code, program.name, program.budget, program.kegiatan)
        for kegiatan in program.kegiatan:
            figures += _rollup(kegiatan.code, kegiatan.name, kegiatan.budget, kegiatan.sub_kegiatan)
    return figures


def _rollup(
    code: str, name: str, budget: tuple[Printed, ...], children: tuple[Any, ...]
) -> list[Figure]:
    figures = []
    for value in budget:
        rule = f"{code} = sum of its {len(children)} children in Tabel {value.table}"
        figure = _figure("rollup", code, name, value, rule)
        printed_terms: list[Printed] = []
        amounts: list[Fraction | None] = []
        for child in children:
            same = _same(child.budget, value)
            if same is not None:
                printed_terms.append(same)
                figure.terms.append(term(f"{child.code} {child.name}", same))
                amounts.append(rupiah_amount(same))
            elif value.kind == "end_of_period":
                implied = _implied_end_of_period(child)
                if implied is not None:
                    figure.terms.append(
                        Term(
                            f"{child.code} {child.name}",
                            "no end-of-period figure printed: the sum of its yearly targets",
                            implied,
                        )
                    )
                    amounts.append(implied)
        if amounts and all(a is not None for a in amounts):
            figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        else:
            figure.reason = (
                "no child prints this figure" if not amounts else "a child's figure is not readable"
            )
        alternatives = [
            (f"the total leaves out {t.label.split()[0]}", (figure.recomputed or 0) - a)
            for t, a in zip(figure.terms, amounts, strict=True)
            if a
        ]
        figures.append(_settle_sum(figure, printed_terms, alternatives))
    return figures


def _implied_end_of_period(child: Any) -> Fraction | None:
    """A row printed only in some years (no end-of-period figure): its yearly targets."""
    targets = [rupiah_amount(v) for v in child.budget if v.kind == "target"]
    if not targets or any(t is None for t in targets):
        return None
    return sum((t for t in targets if t is not None), Fraction(0))


def rupiah_amount(value: Printed) -> Fraction | None:
    """A budget cell: "-" is nil (Rp 0); a malformed print is read as the intended one."""
    if value.text.strip() in ("-", "–"):
        return Fraction(0)
    return amount(value)


def _settle_sum(
    figure: Figure, printed_terms: list[Printed], alternatives: list[tuple[str, Fraction]]
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
            shown = ", ".join(f"{v.text} -> {v.intended} ({place(v)})" for v in misprinted)
            figure.status = "holds"
            figure.explanation = (
                f"holds with the intended reading of {shown}; that misprint is a finding of its own"
            )
            return figure
    figure.explanation = _notation(figure) or explain(
        figure.printed, figure.recomputed, alternatives, exact=True
    )
    return figure


def _same(values: Iterable[Printed], like: Printed) -> Printed | None:
    for value in values:
        if (value.kind, value.year, value.table) == (like.kind, like.year, like.table):
            return value
    return None


# 5. End-of-period values: Rp (sum of the yearly targets) and K (the indicator's rule).


def end_of_period_budgets(catalog: Catalog) -> list[Figure]:
    figures = []
    first, last = catalog.plan.plan.first_year, catalog.plan.plan.last_year
    for row in catalog.rows():
        for value in getattr(row.entry, "budget", ()):
            if value.kind == "end_of_period":
                figures.append(_sum_of_targets(row, value, range(first, last + 1)))
    return figures


def _sum_of_targets(row: Located, value: Printed, years: range) -> Figure:
    entry = row.entry
    rule = f"sum of the yearly budget targets {years.start}-{years.stop - 1}"
    figure = _figure("end_of_period_rp", row.owner, entry.name, value, rule)
    targets = [(year, _find(entry.budget, "target", year)) for year in years]
    printed_terms = [v for _, v in targets if v is not None]
    figure.terms = [term(f"target {year}", v) for year, v in targets if v]
    amounts = [rupiah_amount(v) if v else None for _, v in targets]
    if not any(a is not None for a in amounts):
        figure.reason = "no yearly target printed"
    else:
        figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        missing = [str(y) for (y, _), a in zip(targets, amounts, strict=True) if a is None]
        if missing:
            figure.rule += f" (no target printed for {', '.join(missing)})"
    alternatives = [
        (f"the sum leaves out {year}", (figure.recomputed or 0) - a)
        for (year, _), a in zip(targets, amounts, strict=True)
        if a
    ]
    return _settle_sum(figure, printed_terms, alternatives)


def end_of_period_values(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.indicators():
        indicator: Indicator = located.entry
        for value in indicator.values:
            if value.kind == "end_of_period":
                figures.append(_end_of_period(indicator, value, catalog))
    return figures


def _end_of_period(indicator: Indicator, value: Printed, catalog: Catalog) -> Figure:
    rule = indicator.end_of_period
    name = rule.rule if rule else "no rule"
    years = list(rule.years) if rule and rule.years else [catalog.plan.plan.last_year]
    figure = _figure("end_of_period", indicator.id, indicator.name, value, name)
    if rule is None or rule.rule == "not_printed":
        figure.reason = "the catalog declares no end-of-period rule for it"
        return judge(figure)
    if rule.rule == "last_year":
        years = (
            [max(v.year for v in indicator.values if v.kind == "target" and v.year)]
            if any(v.kind == "target" and v.year for v in indicator.values)
            else years
        )
    targets = [(year, _find(indicator.values, "target", year, value.table)) for year in years]
    figure.terms = [term(f"target {year}", v) for year, v in targets if v]
    rates = [read_printed(v.text).value if v else None for _, v in targets]
    baseline = _find(indicator.values, "baseline", None) or next(
        (v for v in indicator.values if v.kind == "baseline"), None
    )
    if any(r is None for r in rates):
        figure.reason = "a yearly target is missing or not a figure"
        return judge(figure)
    numbers = [r for r in rates if r is not None]
    figure.rule = _describe(rule.rule, years)
    figure.recomputed = _apply(rule.rule, numbers, baseline, figure)
    return _judged_with_explanation(figure, _other_rules(numbers, baseline))


def _describe(rule: str, years: list[int]) -> str:
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    return {
        "last_year": f"last_year: the target of {span}",
        "sum": f"sum: the targets {span} added",
        "compounded_rate": f"compounded_rate: 1 - prod(1 - r/100) over {span}",
        "compounded_increase": f"compounded_increase: prod(1 + r/100) - 1 over {span}",
        "baseline_plus_sum": f"baseline_plus_sum: the baseline plus the targets {span}",
    }[rule]


def _apply(
    rule: str, rates: list[Fraction], baseline: Printed | None, figure: Figure
) -> Fraction | None:
    if rule == "last_year":
        return rates[-1]
    if rule == "sum":
        return sum(rates, Fraction(0))
    if rule == "compounded_rate":
        return (1 - prod((1 - r / 100 for r in rates), start=Fraction(1))) * 100
    if rule == "compounded_increase":
        return (prod((1 + r / 100 for r in rates), start=Fraction(1)) - 1) * 100
    base = read_printed(baseline.text).value if baseline else None
    if baseline is not None:
        figure.terms.insert(0, term("baseline", baseline))
    if base is None:
        figure.reason = "the baseline is missing"
        return None
    return base + sum(rates, Fraction(0))


def _other_rules(rates: list[Fraction], baseline: Printed | None) -> list[tuple[str, Fraction]]:
    others = [
        ("the last year's target reproduces it", rates[-1]),
        ("the sum of the yearly targets reproduces it", sum(rates, Fraction(0))),
    ]
    if len(rates) > 1:
        others.append(("the sum without the first year reproduces it", sum(rates[1:], Fraction(0))))
    return others


# 6. Grades against scores ("A (84,35)", "Baik 82,7").


def grades(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.indicators():
        indicator: Indicator = located.entry
        if indicator.grade_table is None:
            continue
        table = band_table(indicator.grade_table)
        for value in indicator.values:
            reading = read_printed(value.text)
            if reading.grade is None:
                continue
            figures.append(_grade(indicator, value, table))
    return figures


def _grade(indicator: Indicator, value: Printed, table: BandTable) -> Figure:
    reading = read_printed(value.text)
    rule = f"the grade of the score in {table.id}"
    figure = _figure("grade", indicator.id, indicator.name, value, rule)
    if reading.value is None:
        figure.reason = "a grade without a score"
        return judge(figure)
    band = classify(table, reading.value)
    names = {band.band.label, band.band.grade} if band.band else set()
    figure.terms = [Term("score", value.text, reading.value, place(value))]
    figure.recomputed = reading.value
    figure.status = "holds" if reading.grade in names else "finding"
    if figure.status == "finding":
        figure.explanation = f"the score {value.text} is in band {band.label or band.reason}"
    return figure


# 7. The same indicator and year printed in different tables.


# A baseline (kondisi awal) of year Y and a realisation of year Y are the same quantity:
# the condition actually reached in Y. Targets and end-of-period figures compare as such.
_SAME_QUANTITY = {"baseline": "actual", "realisation": "actual"}


def cross_table(catalog: Catalog) -> list[Figure]:
    figures = []
    for located in catalog.indicators():
        indicator: Indicator = located.entry
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
    indicator: Indicator,
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
        what = f"{value.kind} {year}" if year else value.kind
        rule = f"the same figure ({what}) as Tabel {first.table} prints it ({first.kind})"
        figure = _figure("cross_table", indicator.id, indicator.name, value, rule)
        figure.terms = [term(f"Tabel {first.table}", first)]
        a, b = read_printed(first.text), read_printed(value.text)
        figure.recomputed = a.value
        if _version(indicator, first.table) != _version(indicator, value.table):
            figure.recomputed = None
            figure.reason = (
                f"Tabel {value.table} and Tabel {first.table} compute it with "
                "different formula versions: not comparable"
            )
            judge(figure)
        elif a.value is None or b.value is None:
            figure.reason = "one of them is not a figure"
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


def _version(indicator: Indicator, table: str) -> int | None:
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
                return (
                    f"a year shift: Tabel {table} prints {other.text} for {other_year} "
                    f"({place(other)})"
                )
    return None


CHECKS: tuple[tuple[str, Check], ...] = (
    ("Achievement ratios (capaian)", achievement_ratios),
    ("Percentages from numerator and denominator (Tabel 2.3.2)", history_percentages),
    ("The budget table of BAB II (ratios, parts, average growth)", budget_table),
    ("Budget rollups (Tabel 6.1-6.3)", budget_rollups),
    ("End-of-period budgets (Rp)", end_of_period_budgets),
    ("End-of-period values (K)", end_of_period_values),
    ("Grades against scores", grades),
    ("The same figure in different tables", cross_table),
)
