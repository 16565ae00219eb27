"""Are two formulas the same function of their inputs? (`renstra equiv A B`)

For every year of the plan, both formulas are compiled to sympy over the same symbols
and their difference is simplified: zero in every year proves them equivalent (where
both are defined). Otherwise concrete inputs are searched for, evaluated exactly with the
evaluator (not sympy), until the two results differ: that counterexample is reported
with the input values and both results. If sympy cannot prove it and no counterexample
turns up, the answer says so ("not proven") instead of guessing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction

import sympy

from . import nodes
from .backends.sympy import parse_symbol
from .declarations import Declarations, Input
from .model import Model, Result, Values
from .outcomes import YearKey
from .units import Kind

TRIALS = 300


@dataclass(frozen=True)
class Counterexample:
    year: int
    inputs: dict[str, dict[YearKey, Fraction]]  # label -> year -> value
    left: str  # result, as the evaluator states it
    right: str


@dataclass(frozen=True)
class Verdict:
    status: str  # "equivalent", "not_equivalent", "not_proven"
    left_unit: Kind
    right_unit: Kind
    counterexample: Counterexample | None = None

    @property
    def units_agree(self) -> bool:
        return self.left_unit == self.right_unit


def equivalence(left_text: str, right_text: str, declarations: Declarations) -> Verdict:
    model = Model(declarations)
    left, right = model.compile(left_text), model.compile(right_text)
    proved = all(_difference_is_zero(left.to_sympy(y), right.to_sympy(y)) for y in model.plan.years)
    if proved:
        return Verdict("equivalent", left.unit, right.unit)
    counterexample = _search(model, left_text, right_text, declarations)
    status = "not_equivalent" if counterexample else "not_proven"
    return Verdict(status, left.unit, right.unit, counterexample)


def _difference_is_zero(left: sympy.Basic, right: sympy.Basic) -> bool:
    if not (isinstance(left, sympy.Expr) and isinstance(right, sympy.Expr)):
        return bool(left == right)
    difference = sympy.cancel(sympy.together(left - right))
    if difference == 0:
        return True
    # min, max and abs become piecewise functions, which simplify compares case by case.
    return bool(sympy.simplify(difference.rewrite(sympy.Piecewise)) == 0)


def _search(
    model: Model, left_text: str, right_text: str, declarations: Declarations
) -> Counterexample | None:
    generator = random.Random(20211226)  # reproducible: the same pair gives the same example
    left, right = model.compile(left_text), model.compile(right_text)
    inputs = {i.id: i for i in declarations.inputs}
    for year in model.plan.years:
        keys = _keys(model, [left.tree, right.tree], year)
        for trial in range(TRIALS):
            by_name: dict[str, dict[int | str, Fraction]] = {}
            for identifier, key in keys:
                by_name.setdefault(identifier, {})[key] = _draw(
                    generator, inputs[identifier], trial
                )
            values = Values(model.table, by_name)
            a, b = left.evaluate(values, year), right.evaluate(values, year)
            if a.status != b.status or a.value != b.value:
                return Counterexample(year, _labelled(model, by_name), _show(a), _show(b))
    return None


def _keys(model: Model, trees: list[nodes.Expr], year: int) -> list[tuple[str, YearKey]]:
    keys: set[tuple[str, YearKey]] = set()
    for tree in trees:
        for symbol in model.sympy_compiler().compile(tree, year).free_symbols:
            keys.add(parse_symbol(symbol))
    return sorted(keys, key=str)


def _draw(generator: random.Random, declared: Input, trial: int) -> Fraction:
    # Early trials use small integers (readable examples, and zeros); later ones wider.
    low = 1 if declared.domain == "positive" else (0 if declared.domain == "nonnegative" else -5)
    high = 5 if trial < 50 else 1000
    if declared.domain == "real" and trial >= 50:
        low = -1000
    return Fraction(generator.randint(low, high))


def _labelled(
    model: Model, by_name: dict[str, dict[int | str, Fraction]]
) -> dict[str, dict[YearKey, Fraction]]:
    labelled: dict[str, dict[YearKey, Fraction]] = {}
    for identifier, years in sorted(by_name.items()):
        labelled[model.table.by_id[identifier].label] = {
            ("awal" if k == "awal" else int(k)): v for k, v in years.items()
        }
    return labelled


def _show(result: Result) -> str:
    if result.status == "ok":
        return f"{result.display or result.rounded} (exactly {result.value})"
    return str(result.reason)
