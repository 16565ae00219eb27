"""The facade: compile formulas once against declarations, evaluate them many times.

    model = Model(declarations)                  # parse, resolve, check every indicator
    formula = model.indicator("persentase_pmks") # or model.compile("a / b x 100%")
    result = formula.evaluate({"jumlah_pmks": {2022: 1009}, ...}, year=2022)
    result.value, result.display, result.status, result.reason

Stages composed here: parse (parser) -> resolve (resolve) -> check units (units) ->
evaluate exactly (evaluate) or fast (fast) or symbolically (compile).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Literal

import sympy
from pydantic import BaseModel, ConfigDict, PlainSerializer

from . import nodes
from .compile import SympyCompiler
from .declarations import Declarations, Indicator, Input, Plan, Policy
from .errors import CheckError, ResolveError
from .evaluate import BASELINE, MISSING, Evaluation, NotComputable, Step, YearKey
from .fast import Array, compile_fast
from .numbers import DEFAULT_DECIMALS, format_decimal, format_indonesian
from .parser import parse
from .printer import to_text
from .resolve import SymbolTable, dependency_order, resolve
from .units import (
    INDEX,
    PERCENT,
    RUPIAH,
    UNKNOWN_UNIT,
    Kind,
    Unit,
    infer_unit,
    parse_unit,
    require_unit,
)

Number = int | Fraction | Decimal | str | float
ValuesByName = Mapping[str, Mapping[int | str, Number]]
ExactFraction = Annotated[Fraction, PlainSerializer(str, return_type=str)]


class Result(BaseModel):
    """The outcome of evaluating a formula for one year: exact value or stated reason."""

    model_config = ConfigDict(frozen=True)

    formula: str
    indicator: str | None = None
    year: int
    status: Literal["ok", "not_computable"]
    value: ExactFraction | bool | None = None  # exact
    rounded: str | None = None  # half-up to `decimals`, plain notation: "16.24"
    display: str | None = None  # the same in Indonesian notation: "16,24"
    decimals: int = DEFAULT_DECIMALS
    unit: str
    reason: str | None = None
    code: str | None = None


def default_decimals(unit: Kind) -> int:
    """Rupiah and plain counts (orang, dokumen, ...) show whole numbers; percentages,
    indices, ratios and compound units show DEFAULT_DECIMALS."""
    if unit == RUPIAH:
        return 0
    is_count = isinstance(unit, Unit) and len(unit.factors) == 1 and unit.factors[0][1] == 1
    return 0 if is_count and unit not in (PERCENT, INDEX) else DEFAULT_DECIMALS


def to_fraction(value: Number) -> Fraction:
    """An exact value from what a caller passes; floats go through their shortest repr."""
    if isinstance(value, bool):
        raise TypeError("a truth value is not a number")
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


class Values:
    """Input values per declared id and year (or the baseline "awal"), exact."""

    def __init__(self, table: SymbolTable, values: ValuesByName) -> None:
        self._data: dict[tuple[str, YearKey], Fraction] = {}
        for name, by_year in values.items():
            symbol = table.lookup(nodes.Reference(name, quoted=name not in table.by_id))
            if symbol is None:
                raise ResolveError(
                    f"value given for an unknown input {name!r}",
                    None,
                    code="E203",
                    hint="use an input's id or label",
                )
            for year, value in by_year.items():
                key: YearKey = BASELINE if str(year) == BASELINE else int(year)
                self._data[(symbol.id, key)] = to_fraction(value)

    def get(self, identifier: str, key: YearKey) -> Fraction | None:
        return self._data.get((identifier, key))

    def columns(self) -> dict[tuple[str, YearKey], Fraction]:
        return dict(self._data)


class CompiledFormula:
    """A parsed, resolved and unit-checked formula, ready to evaluate many times."""

    def __init__(
        self,
        model: Model,
        tree: nodes.Expr,
        unit: Kind,
        policy: Policy,
        indicator: str | None = None,
    ) -> None:
        self.model, self.tree, self.unit, self.policy = model, tree, unit, policy
        self.indicator = indicator
        self.text = to_text(tree)

    def evaluate(
        self,
        values: ValuesByName | Values,
        year: int,
        decimals: int | None = None,
        trace: list[Step] | None = None,
    ) -> Result:
        table = values if isinstance(values, Values) else Values(self.model.table, values)
        places = default_decimals(self.unit) if decimals is None else decimals
        base: dict[str, Any] = {
            "formula": self.text,
            "indicator": self.indicator,
            "year": year,
            "unit": str(self.unit),
            "decimals": places,
        }
        try:
            value = self.model.run(self.tree, year, table, self.policy, trace)
        except NotComputable as reason:
            return Result(status="not_computable", reason=reason.reason, code=reason.code, **base)
        if isinstance(value, bool):
            return Result(status="ok", value=value, rounded=str(value).lower(), **base)
        return Result(
            status="ok",
            value=value,
            rounded=format_decimal(value, places),
            display=format_indonesian(value, places),
            **base,
        )

    def evaluate_many(
        self, columns: Mapping[tuple[str, YearKey], Array], year: int, rows: int
    ) -> Array:
        """The fast path: float64 values for `rows` rows at once (NaN: not computable)."""
        return compile_fast(self.tree, year, self.model.plan, self.policy)(columns, rows)

    def to_sympy(self, year: int) -> sympy.Basic:
        return self.model.sympy_compiler().compile(self.tree, year)


class Model:
    """Declarations compiled: every indicator parsed, resolved and unit-checked.

    Construction fails fast with the first FormulaError; `formula_engine.check` collects
    every problem of a file instead."""

    def __init__(self, declarations: Declarations) -> None:
        self.declarations = declarations
        self.plan: Plan = declarations.plan
        self.table = SymbolTable.from_declarations(declarations)
        self._inputs: dict[str, Input] = {i.id: i for i in declarations.inputs}
        self._indicators: dict[str, CompiledFormula] = {}
        trees = {d.id: self._bind(d) for d in declarations.indicators}
        self.order = dependency_order(trees, set(trees))
        for entry in declarations.indicators:
            self._indicators[entry.id] = self._checked(trees[entry.id], entry)

    def _bind(self, entry: Indicator) -> nodes.Expr:
        return resolve(parse(entry.formula), self.table)

    def _checked(self, tree: nodes.Expr, entry: Indicator) -> CompiledFormula:
        unit = infer_unit(tree, self.unit_of)
        require_unit(unit, entry.parsed_unit, tree.span)
        return CompiledFormula(self, tree, unit, entry.policy, entry.id)

    def unit_of(self, reference: nodes.Reference) -> Kind:
        return self.table.by_id[reference.name].unit

    def indicator(self, identifier: str) -> CompiledFormula:
        if identifier not in self._indicators:
            symbol = self.table.lookup(nodes.Reference(identifier, quoted=True))
            if symbol is None or symbol.id not in self._indicators:
                raise ResolveError(f"unknown indicator {identifier!r}", None, code="E204")
            identifier = symbol.id
        return self._indicators[identifier]

    def compile(
        self,
        text: str,
        policy: Policy | None = None,
        unit: str | None = None,
        accept: tuple[str, ...] = (),
    ) -> CompiledFormula:
        """A formula over this model's inputs and indicators (fails fast).

        `accept` lists unit-check codes (E310-E313) that a catalog accepts as the
        document's own mistake: the formula is then evaluated as printed, numbers only,
        and its unit is reported as unknown ("?")."""
        tree = resolve(parse(text), self.table)
        try:
            inferred = infer_unit(tree, self.unit_of)
        except CheckError as error:
            if error.code not in accept:
                raise
            return CompiledFormula(self, tree, UNKNOWN_UNIT, policy or Policy())
        if unit is not None:
            require_unit(inferred, parse_unit(unit), tree.span)
        return CompiledFormula(self, tree, inferred, policy or Policy())

    def evaluate(
        self, identifier: str, year: int, values: ValuesByName | Values, decimals: int | None = None
    ) -> Result:
        return self.indicator(identifier).evaluate(values, year, decimals)

    def run(
        self,
        tree: nodes.Expr,
        year: int,
        values: Values,
        policy: Policy,
        trace: list[Step] | None = None,
    ) -> Fraction | bool:
        cache: dict[tuple[str, YearKey], Fraction] = {}

        def lookup(identifier: str, key: YearKey, reference: nodes.Reference) -> Fraction:
            given = values.get(identifier, key)
            if given is not None:
                return given
            if identifier in self._indicators and key != BASELINE:
                if (identifier, key) not in cache:
                    dependency = self._indicators[identifier]
                    value = Evaluation(self.plan, lookup, dependency.policy).run(
                        dependency.tree, key
                    )
                    assert isinstance(value, Fraction)
                    cache[(identifier, key)] = value
                return cache[(identifier, key)]
            label = self.table.by_id[identifier].label
            when = "the baseline (awal)" if key == BASELINE else str(key)
            raise NotComputable(f"{label} {when} missing", reference.span, MISSING)

        return Evaluation(self.plan, lookup, policy, trace).run(tree, year)

    def sympy_compiler(self) -> SympyCompiler:
        return Model.symbolic(self.declarations)

    @staticmethod
    def symbolic(declarations: Declarations) -> SympyCompiler:
        """The sympy compiler for these declarations (with the inputs' domains)."""
        domains = {i.id: i.domain for i in declarations.inputs}
        return SympyCompiler(declarations.plan, domains)


def ad_hoc_declarations(
    text: str, units: Mapping[str, str] | None = None, plan: Plan | None = None
) -> Declarations:
    """Declarations for a lone formula: every name it references becomes an input
    (dimensionless unless `units` says otherwise). Used by `renstra eval` and `equiv`."""
    units = dict(units or {})
    inputs: dict[str, Input] = {}
    for reference in nodes.references(parse(text)):
        identifier = reference.name if not reference.quoted else _slug(reference.name)
        if identifier not in inputs:
            inputs[identifier] = Input(
                id=identifier,
                label=reference.name,
                unit=units.get(reference.name, "1"),
                domain="real",
            )
    return Declarations(plan=plan or Plan(), inputs=tuple(inputs.values()))


def _slug(label: str) -> str:
    words = re.findall(r"[a-z0-9]+", label.casefold())
    stem = "_".join(words)[:40].strip("_") or "label"
    if not stem[0].isalpha():
        stem = f"l_{stem}"
    return f"{stem}_{hashlib.sha1(label.encode()).hexdigest()[:6]}"
