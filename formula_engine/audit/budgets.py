"""The audit's checks of budget figures: the BAB II budget table (ratios, parts, average
growth), the rollups of Tabel 6.1-6.3, and the end-of-period Rp."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from itertools import pairwise
from typing import Any

from ..catalog.load import Catalog, Located
from ..catalog.models import BudgetLine, Printed
from .common import (
    amount,
    find_value,
    judged,
    new_figure,
    rupiah_amount,
    same_cell,
    settle_sum,
    term,
)
from .figures import Figure, Term
from .messages import msg

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
        figure = new_figure(
            "budget_ratio", line.id, line.name, value, msg("realisasi / anggaran x 100%")
        )
        budget = find_value(line.values, "target", value.year)
        spent = find_value(line.values, "realisation", value.year)
        figure.terms = [term("anggaran", v) for v in (budget,) if v] + [
            term("realisasi", v) for v in (spent,) if v
        ]
        b = amount(budget) if budget else None
        s = amount(spent) if spent else None
        if b and s is not None:
            figure.recomputed = s / b * 100
        else:
            figure.reason = msg("the budget is zero") if b == 0 else msg("a figure is missing")
        yield judged(figure)


def _budget_parts(line: BudgetLine, lines: dict[str, BudgetLine]) -> Iterator[Figure]:
    if not line.parts:
        return
    parts = [lines[p] for p in line.parts if p in lines]
    for value in line.values:
        if value.kind not in ("target", "realisation"):
            continue
        rule = f"{line.name} = " + " + ".join(p.name for p in parts)
        figure = new_figure("budget_parts", line.id, line.name, value, rule)
        terms = [find_value(p.values, value.kind, value.year) for p in parts]
        figure.terms = [term(p.name, t) for p, t in zip(parts, terms, strict=True) if t]
        amounts = [amount(t) if t else None for t in terms]
        if all(a is not None for a in amounts):
            figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        else:
            figure.reason = msg("a part is not printed")
        yield judged(figure, rupiah=True)


def _budget_growth(line: BudgetLine) -> Iterator[Figure]:
    for value in line.values:
        if value.kind not in ("growth_budget", "growth_realisation"):
            continue
        kind = "target" if value.kind == "growth_budget" else "realisation"
        figure = new_figure(
            "budget_growth",
            line.id,
            line.name,
            value,
            msg("mean of the yearly growth rates (x[y] - x[y-1]) / x[y-1] x 100%, 2018-2021"),
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
            figure.reason = msg("a year's amount is zero or missing")
        compound = _compound_growth(amounts)
        alternatives = (
            [(msg("a compound (geometric) average growth reproduces it"), compound)]
            if compound
            else []
        )
        if len(rates) > 1:
            alternatives.append(
                (
                    msg(
                        "a sum instead of a mean: the {count} yearly growth rates added "
                        "(the division by {count} left out) reproduce it",
                        count=len(rates),
                    ),
                    sum(rates, Fraction(0)),
                )
            )
        yield judged(figure, alternatives)


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
        rule = msg(
            "{code} = sum of its {count} children in Tabel {table}",
            code=code,
            count=len(children),
            table=value.table,
        )
        figure = new_figure("rollup", code, name, value, rule)
        printed_terms: list[Printed] = []
        amounts: list[Fraction | None] = []
        for child in children:
            same = same_cell(child.budget, value)
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
                            msg("no end-of-period figure printed: the sum of its yearly targets"),
                            implied,
                        )
                    )
                    amounts.append(implied)
        if amounts and all(a is not None for a in amounts):
            figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        else:
            figure.reason = (
                msg("no child prints this figure")
                if not amounts
                else msg("a child's figure is not readable")
            )
        alternatives = [
            (
                msg("the total leaves out {child}", child=t.label.split()[0]),
                (figure.recomputed or 0) - a,
            )
            for t, a in zip(figure.terms, amounts, strict=True)
            if a
        ]
        figures.append(settle_sum(figure, printed_terms, alternatives))
    return figures


def _implied_end_of_period(child: Any) -> Fraction | None:
    """A row printed only in some years (no end-of-period figure): its yearly targets."""
    targets = [rupiah_amount(v) for v in child.budget if v.kind == "target"]
    if not targets or any(t is None for t in targets):
        return None
    return sum((t for t in targets if t is not None), Fraction(0))


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
    span = f"{years.start}-{years.stop - 1}"
    rule = msg("sum of the yearly budget targets {span}", span=span)
    figure = new_figure("end_of_period_rp", row.owner, entry.name, value, rule)
    targets = [(year, find_value(entry.budget, "target", year)) for year in years]
    printed_terms = [v for _, v in targets if v is not None]
    figure.terms = [term(msg("target {year}", year=year), v) for year, v in targets if v]
    amounts = [rupiah_amount(v) if v else None for _, v in targets]
    if not any(a is not None for a in amounts):
        figure.reason = msg("no yearly target printed")
    else:
        figure.recomputed = sum((a for a in amounts if a is not None), Fraction(0))
        missing = [str(y) for (y, _), a in zip(targets, amounts, strict=True) if a is None]
        if missing:
            figure.rule = msg(
                "sum of the yearly budget targets {span} (no target printed for {years})",
                span=span,
                years=", ".join(missing),
            )
    alternatives = [
        (msg("the sum leaves out {year}", year=year), (figure.recomputed or 0) - a)
        for (year, _), a in zip(targets, amounts, strict=True)
        if a
    ]
    return settle_sum(figure, printed_terms, alternatives)
