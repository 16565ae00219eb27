"""Stage 4b, compile to a fast numeric path: a bound formula -> a numpy function.

For evaluating one formula over many rows (for instance every kelurahan, or thousands of
simulated scenarios): the formula is compiled once into nested closures over numpy
arrays of float64, then applied to whole columns. It is the float twin of the exact
evaluator (formula_engine.evaluate) and agrees with it up to rounding (a hypothesis
property checks this for every formula of the catalog). Where the exact path says "not
computable" (a missing value, a zero denominator), the fast path gives NaN, under the
same policy. No sympy and no lambdify: nothing is generated as source code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

from . import nodes
from .declarations import Plan, Policy
from .evaluate import YearKey, cumulative_years, year_key

Array = npt.NDArray[np.float64]
Columns = Mapping[tuple[str, YearKey], Array]
Kernel = Callable[[Columns, int], Array]


def compile_fast(expr: nodes.Expr, year: int, plan: Plan, policy: Policy | None = None) -> Kernel:
    """A function (columns, rows) -> values of the formula for year n = `year`."""
    return _Compiler(plan, policy or Policy()).compile(expr, year)


class _Compiler:
    def __init__(self, plan: Plan, policy: Policy) -> None:
        self.plan = plan
        self.missing = 0.0 if policy.missing == "zero" else np.nan
        self.by_zero = 0.0 if policy.zero_denominator == "zero" else np.nan

    def compile(self, expr: nodes.Expr, year: int) -> Kernel:
        if isinstance(expr, nodes.Number | nodes.Percent):
            constant = float(expr.value)
            return lambda columns, rows: np.full(rows, constant)
        if isinstance(expr, nodes.Reference):
            return self._reference(expr, year)
        if isinstance(expr, nodes.Unary):
            return self._unary(expr, year)
        if isinstance(expr, nodes.Binary):
            return self._binary(expr, year)
        if isinstance(expr, nodes.Compare):
            return _relation(expr.op, self.compile(expr.left, year), self.compile(expr.right, year))
        if isinstance(expr, nodes.Cumulative):
            return self._cumulative(expr, year)
        return self._call(expr, year)

    def _reference(self, expr: nodes.Reference, year: int) -> Kernel:
        key = (expr.name, year_key(expr.period, year, self.plan))
        missing = self.missing

        def read(columns: Columns, rows: int) -> Array:
            column = columns.get(key)
            if column is None:
                return np.full(rows, missing)
            return np.where(np.isnan(column), missing, column)

        return read

    def _unary(self, expr: nodes.Unary, year: int) -> Kernel:
        operand = self.compile(expr.operand, year)
        if expr.op == "not":
            return lambda c, r: 1.0 - operand(c, r)
        if expr.op == "-":
            return lambda c, r: -operand(c, r)
        return operand

    def _binary(self, expr: nodes.Binary, year: int) -> Kernel:
        left, right = self.compile(expr.left, year), self.compile(expr.right, year)
        if expr.op in ("and", "or"):  # as the exact path: false and <anything> is false
            decided = 0.0 if expr.op == "and" else 1.0
            return lambda c, r: _short_circuit(left(c, r), decided, right(c, r))
        if expr.op == "/":
            return self._divide(left, right)
        operation = {"+": np.add, "-": np.subtract, "*": np.multiply}[expr.op]
        return lambda c, r: operation(left(c, r), right(c, r))

    def _divide(self, left: Kernel, right: Kernel) -> Kernel:
        by_zero = self.by_zero

        def divide(columns: Columns, rows: int) -> Array:
            numerator, denominator = left(columns, rows), right(columns, rows)
            with np.errstate(divide="ignore", invalid="ignore"):
                quotient = numerator / denominator
            return np.where(denominator == 0.0, by_zero, quotient)

        return divide

    def _cumulative(self, expr: nodes.Cumulative, year: int) -> Kernel:
        terms = [self.compile(expr.body, y) for y in cumulative_years(expr, year, self.plan)]

        def total(columns: Columns, rows: int) -> Array:
            result = np.zeros(rows)
            for term in terms:
                result = result + term(columns, rows)
            return result

        return total

    def _call(self, expr: nodes.Call, year: int) -> Kernel:
        args = [self.compile(arg, year) for arg in expr.args]
        if expr.function == "if":
            condition, then, otherwise = args
            return lambda c, r: np.where(
                condition(c, r) == 1.0,
                then(c, r),
                np.where(condition(c, r) == 0.0, otherwise(c, r), np.nan),
            )
        if expr.function == "abs":
            return lambda c, r: np.abs(args[0](c, r))
        reduce = {"sum": np.add, "min": np.minimum, "max": np.maximum}[expr.function]

        def fold(columns: Columns, rows: int) -> Array:
            result = args[0](columns, rows)
            for arg in args[1:]:
                result = reduce(result, arg(columns, rows))
            return result

        return fold


def _short_circuit(left: Array, decided: float, right: Array) -> Array:
    return np.where(np.isnan(left), np.nan, np.where(left == decided, decided, right))


def _relation(op: str, left: Kernel, right: Kernel) -> Kernel:
    compare = {
        "=": np.equal,
        "!=": np.not_equal,
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
    }[op]

    def relation(columns: Columns, rows: int) -> Array:
        a, b = left(columns, rows), right(columns, rows)
        truth = compare(a, b).astype(np.float64)
        return np.where(np.isnan(a) | np.isnan(b), np.nan, truth)

    return relation
