"""Formulas against the document's own figures, and against their printed wording.

1. What a formula version implies. Some years' values follow from the catalog's reading
   of a formula alone, whatever the data: `akumulasi` sums from the plan's first year, so
   before it the accumulation is 0 (the empty sum) and a ratio over it has no value. The
   check evaluates each version, for every year with a printed figure in a table that
   version serves, on two unrelated sets of positive data; where both give the same
   value (or both no value for a zero denominator), the printed figure must agree. When
   it does not, the version is flagged, once, with every figure that contradicts it:
   the document computed it another way (a stock before the plan, another start year).
2. The literal reading. A printed wording "(A tahun n) – (A tahun n-1) ----- x 100%
   A tahun n-1" read on one line is "(A n) – (A n-1) / A n-1 x 100%", which divides only
   the second term; the catalog reads the bar as dividing the whole difference. Where
   the two readings differ, a notation finding states the catalog's choice (once per
   indicator, however many versions print the same layout).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from functools import cache
from random import Random

from ..catalog.load import Catalog
from ..catalog.models import FormulaVersion, IndicatorEntry, Printed
from ..catalog.printed import read_printed
from ..declarations import Declarations, Input, Plan
from ..errors import FormulaError
from ..model import CompiledFormula, Model, Values
from ..nodes import Binary, Call, Cumulative, Expr, Unary, references
from ..numbers import format_indonesian
from ..outcomes import BASELINE, NotComputable, YearKey
from .common import new_figure, term
from .figures import Figure
from .indicators import TABLE_FIRST_YEAR
from .messages import KIND_TEXTS, Msg, msg

# The kinds of printed figure a formula computes (a capaian or an end-of-period figure is
# derived from them by other rules).
COMPUTED_KINDS = ("baseline", "target", "realisation")
# "(a) – (b) ----- x 100% c": a difference over a fraction bar (dashes or underscores).
_DIFFERENCE_OVER = re.compile(
    r"^\((?P<a>[^()]+)\)\s*[–-]\s*\((?P<b>[^()]+)\)\s*[-_]{3,}\s*x\s*100\s*%\s*(?P<c>.+)$"
)
_ZERO = "denominator is zero"


def formula_checks(catalog: Catalog) -> list[Figure]:
    inputs = [Input(**i.model_dump(exclude={"values", "notes"})) for i in catalog.all_inputs()]
    plan = catalog.plan.plan
    model = Model(
        Declarations(
            plan=Plan(first_year=plan.first_year, last_year=plan.last_year),
            inputs=tuple(inputs),
        )
    )
    figures: list[Figure] = []
    trial = _Trial(model)
    for located in catalog.indicators():
        indicator: IndicatorEntry = located.entry
        for version in indicator.formulas:
            figures += _implied(indicator, version, trial)
        figures += _literal_reading(indicator)
    return figures


def _table_version(indicator: IndicatorEntry, table: str) -> FormulaVersion | None:
    year = TABLE_FIRST_YEAR.get(table)
    for version in indicator.formulas:
        if year is not None and version.valid_from <= year <= version.valid_to:
            return version
    return None


@cache
def _data(identifiers: tuple[str, ...], which: int) -> dict[tuple[str, YearKey], Fraction]:
    """Positive data for every input and year, keyed as the exact back-end reads them:
    two fixed pseudo-random sets (unrelated, so that no relation between inputs holds in
    both by chance)."""
    chance = Random(which)
    values: dict[tuple[str, YearKey], Fraction] = {}
    for identifier in identifiers:
        for year in range(2000, 2101):
            values[(identifier, year)] = Fraction(chance.randint(10, 10**6))
        values[(identifier, BASELINE)] = Fraction(chance.randint(10, 10**6))
    return values


class _Trial:
    """The two data sets of a model, made once for each set of inputs a formula reads."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self._values: dict[tuple[tuple[str, ...], int], Values] = {}

    def values(self, identifiers: tuple[str, ...], which: int) -> Values:
        key = (identifiers, which)
        if key not in self._values:
            # every year a formula may read, 2000-2100 (a year not given is missing:
            # then the value depends on the data, and nothing is concluded)
            self._values[key] = Values.of_exact(_data(identifiers, which))
        return self._values[key]

    def outcome(self, formula: CompiledFormula, year: int) -> tuple[str, Fraction | None]:
        """('value', v) when both data sets give v; ('none', None) when both give no
        value for a zero denominator; ('data', None) when the value depends on the data."""
        identifiers = tuple(sorted({r.name for r in references(formula.tree)}))
        results = [formula.evaluate_value(self.values(identifiers, w), year) for w in (0, 1)]
        values = [r if isinstance(r, Fraction) else None for r in results]
        if all(not isinstance(r, NotComputable) for r in results) and values[0] == values[1]:
            return "value", values[0]
        if all(isinstance(r, NotComputable) and r.reason.startswith(_ZERO) for r in results):
            return "none", None
        return "data", None


def _implied(indicator: IndicatorEntry, version: FormulaVersion, trial: _Trial) -> Iterator[Figure]:
    model = trial.model
    try:
        formula = model.compile(version.formula, accept=version.accepts)
    except FormulaError:
        return  # the catalog check reports it
    contradicting: list[tuple[Printed, Msg, Fraction | None]] = []
    first_year = model.declarations.plan.first_year
    cumulative = _has_cumulative(formula.tree)
    for value in indicator.values:
        if value.kind not in COMPUTED_KINDS or value.year is None:
            continue
        if _table_version(indicator, value.table) is not version:
            continue
        printed = read_printed(value.text).value
        if printed is None:
            continue
        if value.year < first_year and not cumulative:
            continue  # before the plan every year reads the baseline: nothing to learn
        kind, implied = trial.outcome(formula, value.year)
        if kind == "data":
            continue
        if kind == "value" and implied is not None:
            decimals = read_printed(value.text).decimals
            if format_indonesian(implied, decimals) == format_indonesian(printed, decimals):
                continue
            gives = msg("gives {value}", value=format_indonesian(implied, decimals))
            contradicting.append((value, gives, implied))
        else:
            contradicting.append((value, msg("gives no value (its denominator is 0)"), None))
    if not contradicting:
        return
    first, said, implied = contradicting[0]
    span = (
        f"{version.valid_from}"
        if version.valid_from == version.valid_to
        else f"{version.valid_from}-{version.valid_to}"
    )
    rule = msg(
        "the catalog's formula ({span}) {formula}, whatever the data",
        span=span,
        formula=version.formula,
    )
    figure = new_figure("formula_vs_figures", indicator.id, indicator.name, first, rule)
    figure.terms = [
        term(msg("printed {kind} {year}", kind=msg(KIND_TEXTS[v.kind]), year=v.year or ""), v)
        for v, _, _ in contradicting
    ]
    figure.steps = [
        msg(
            "for {year}, the formula {gives}; the document prints {printed} (Tabel {table})",
            year=v.year or "",
            gives=what,
            printed=v.text,
            table=v.table,
        )
        for v, what, _ in contradicting
    ]
    figure.recomputed = implied
    figure.status = "finding"
    figure.rules = [
        msg("{rule}: for {year} it {gives}", rule=rule, year=v.year or "", gives=what)
        for v, what, _ in contradicting
    ]
    figure.explanation = msg(
        "the version {span} contradicts the document's own figures: akumulasi and [n-1] "
        "count from the plan's first year, so for {year} the formula {gives}, but the "
        "document prints {printed}; the document computed it another way (e.g. a stock "
        "built before the plan). The catalog's reading is kept; the version is flagged",
        span=span,
        year=first.year or "",
        gives=said,
        printed=first.text,
    )
    yield figure


def _has_cumulative(tree: Expr) -> bool:
    match tree:
        case Cumulative():
            return True
        case Binary(left=left, right=right):
            return _has_cumulative(left) or _has_cumulative(right)
        case Unary(operand=operand):
            return _has_cumulative(operand)
        case Call(args=args):
            return any(_has_cumulative(a) for a in args)
        case _:
            return False


def _divides_a_difference(tree: Expr) -> bool:
    match tree:
        case Binary(op="/", left=Binary(op="-")):
            return True
        case Binary(left=left, right=right):
            return _divides_a_difference(left) or _divides_a_difference(right)
        case _:
            return False


def _literal_reading(indicator: IndicatorEntry) -> Iterator[Figure]:
    for version in indicator.formulas:
        match = _DIFFERENCE_OVER.match(version.printed.strip())
        if match is None or version.source is None:
            continue
        from ..parser import parse

        try:
            tree = parse(version.formula)
        except FormulaError:
            continue
        if not _divides_a_difference(tree):
            continue
        a, b, c = (match[k].strip() for k in "abc")
        source = version.source
        printed = Printed(
            kind="target",
            text=version.printed,
            table=source.table,
            line=source.line,
            last_line=source.last_line,
        )
        rule = msg("the printed wording, read on one line, and the catalog's formula agree")
        figure = new_figure("literal_reading", indicator.id, indicator.name, printed, rule)
        figure.cell = (source.table, source.line, "formula", None)
        figure.place = replace(figure.place, row=indicator.name, column="formula (rumus)")
        figure.status = "finding"
        figure.rules = [rule]
        figure.steps = [
            msg(
                "read on one line: ({a}) – ({b}) / {c} x 100%, which divides only ({b})",
                a=a,
                b=b,
                c=c,
            ),
            msg(
                "the catalog: (({a}) – ({b})) / {c} x 100%: {formula}",
                a=a,
                b=b,
                c=c,
                formula=version.formula,
            ),
        ]
        figure.explanation = msg(
            "notation: the fraction bar is read as dividing the whole difference (({a}) – "
            "({b})) by {c}, as the layout shows; the one-line reading ({a}) – ({b}) / {c} "
            "would divide only the second term. The catalog follows the layout",
            a=a,
            b=b,
            c=c,
        )
        yield figure
        return  # once per indicator
