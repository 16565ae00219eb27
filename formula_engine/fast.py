"""Stage 4b, compile to a fast numeric path: a bound formula -> a numpy function.

For evaluating one formula over many rows (for instance every kelurahan, or thousands of
simulated scenarios): the formula is compiled once into nested closures over numpy
arrays of float64, then applied to whole columns. It is the float twin of the exact
evaluator (formula_engine.evaluate) and agrees with it up to rounding (a hypothesis
property checks this for every formula of the catalog). Where the exact path says "not
computable" (a missing value, a zero denominator), the fast path gives NaN, under the
same policy. No sympy and no lambdify: nothing is generated as source code.

A formula that references other indicators is evaluated with `evaluate_with_indicators`:
each referenced indicator is computed, once per year it is read, by its own bound
formula under its own policy, in dependency order, into a column that the referencing
formula then reads (as the exact path computes a referenced indicator per year).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping

import numpy as np
import numpy.typing as npt

from . import nodes
from .declarations import Plan, Policy
from .evaluate import BASELINE, YearKey, cumulative_years, year_key

Array = npt.NDArray[np.float64]
Columns = Mapping[tuple[str, YearKey], Array]
Kernel = Callable[[Columns, int], Array]


def compile_fast(
    expr: nodes.Expr,
    year: int,
    plan: Plan,
    policy: Policy | None = None,
    computed: Collection[str] = (),
) -> Kernel:
    """A function (columns, rows) -> values of the formula for year n = `year`.

    `computed` names indicators whose columns hold computed outcomes (NaN: not
    computable under that indicator's own policy): those are read as they are, the
    formula's `missing` policy does not turn them into 0."""
    return _Compiler(plan, policy or Policy(), computed).compile(expr, year)


class _Compiler:
    def __init__(self, plan: Plan, policy: Policy, computed: Collection[str]) -> None:
        self.plan = plan
        self.missing = 0.0 if policy.missing == "zero" else np.nan
        self.by_zero = 0.0 if policy.zero_denominator == "zero" else np.nan
        self.computed = computed

    def compile(self, expr: nodes.Expr, year: int) -> Kernel:
        if isinstance(expr, nodes.Number | nodes.Percent):
            constant = float(expr.value)
            return lambda columns, rows: np.full(rows, constant)
        if isinstance(expr, nodes.Reference):
            return self._reference(expr, year)
        if isinstance(expr, nodes.Unary):
            return self._unary(expr, year)
        if isinstance(expr, nodes.Binary):
            return self._chain(expr, year)
        if isinstance(expr, nodes.Compare):
            return _relation(expr.op, self.compile(expr.left, year), self.compile(expr.right, year))
        if isinstance(expr, nodes.Cumulative):
            return self._cumulative(expr, year)
        return self._call(expr, year)

    def _reference(self, expr: nodes.Reference, year: int) -> Kernel:
        key = (expr.name, year_key(expr.period, year, self.plan))
        missing = np.nan if _is_computed(key, self.computed) else self.missing

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

    def _chain(self, expr: nodes.Binary, year: int) -> Kernel:
        """A chain a op b op c ... as one kernel that loops over its links (a sum may
        have thousands of terms: nested closures would recurse once per term)."""
        first, links = nodes.left_spine(expr)
        start = self.compile(first, year)
        steps = [(link.op, self.compile(link.right, year)) for link in links]
        by_zero = self.by_zero

        def chain(columns: Columns, rows: int) -> Array:
            value = start(columns, rows)
            for op, right in steps:
                value = _apply(op, value, right(columns, rows), by_zero)
            return value

        return chain

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
            return _choice(*args)
        if expr.function == "abs":
            return lambda c, r: np.abs(args[0](c, r))
        reduce = {"sum": np.add, "min": np.minimum, "max": np.maximum}[expr.function]

        def fold(columns: Columns, rows: int) -> Array:
            result = args[0](columns, rows)
            for arg in args[1:]:
                result = reduce(result, arg(columns, rows))
            return result

        return fold


def _is_computed(key: tuple[str, YearKey], computed: Collection[str]) -> bool:
    return key[0] in computed and key[1] != BASELINE


_ARITHMETIC = {"+": np.add, "-": np.subtract, "*": np.multiply}


def _apply(op: str, left: Array, right: Array, by_zero: float) -> Array:
    if op in ("and", "or"):  # as the exact path: false and <anything> is false
        return _short_circuit(left, 0.0 if op == "and" else 1.0, right)
    if op != "/":
        return _ARITHMETIC[op](left, right)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = left / right
    # Missing before zero: a numerator that is not computable (NaN) stays so, even over a
    # zero denominator under the policy zero_denominator: zero.
    return np.where((right == 0.0) & ~np.isnan(left), by_zero, quotient)


def _choice(condition: Kernel, then: Kernel, otherwise: Kernel) -> Kernel:
    def choose(columns: Columns, rows: int) -> Array:
        truth = condition(columns, rows)  # once: an if nested in a condition stays linear
        chosen = np.where(truth == 1.0, then(columns, rows), otherwise(columns, rows))
        return np.where(np.isnan(truth), np.nan, chosen)

    return choose


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


# Formulas that reference indicators.


class Dependency:
    """A referenced indicator: its bound formula and its own policy."""

    def __init__(self, tree: nodes.Expr, policy: Policy) -> None:
        self.tree, self.policy = tree, policy


def evaluate_with_indicators(
    expr: nodes.Expr,
    year: int,
    plan: Plan,
    policy: Policy,
    indicators: Mapping[str, Dependency],
    columns: Columns,
    rows: int,
) -> Array:
    """The formula over `rows` rows, with every indicator it reads (directly or through
    other indicators) computed first, once per (indicator, year), in dependency order.
    A given column of an indicator is used where it holds a value (not NaN)."""
    work: dict[tuple[str, YearKey], Array] = dict(columns)
    for identifier, key in _needed(expr, year, plan, indicators):
        dependency = indicators[identifier]
        assert isinstance(key, int)
        kernel = compile_fast(dependency.tree, key, plan, dependency.policy, indicators)
        value = kernel(work, rows)
        given = columns.get((identifier, key))
        work[(identifier, key)] = (
            value if given is None else np.where(np.isnan(given), value, given)
        )
    return compile_fast(expr, year, plan, policy, indicators)(work, rows)


def _reads(expr: nodes.Expr, year: int, plan: Plan) -> Iterator[tuple[str, YearKey]]:
    """The (id, year) of every value the formula reads for year n = `year`."""
    stack = [(expr, year)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, nodes.Reference):
            yield node.name, year_key(node.period, at, plan)
        elif isinstance(node, nodes.Cumulative):
            stack.extend((node.body, each) for each in cumulative_years(node, at, plan))
        else:
            stack.extend((child, at) for child in nodes.children(node))


def _needed(
    expr: nodes.Expr, year: int, plan: Plan, indicators: Mapping[str, Dependency]
) -> list[tuple[str, YearKey]]:
    """The computed indicator columns the formula needs, each after those it reads
    (iterative depth-first search; Model has already rejected cycles)."""
    order: list[tuple[str, YearKey]] = []
    seen: set[tuple[str, YearKey]] = set()
    stack: list[tuple[tuple[str, YearKey], Iterator[tuple[str, YearKey]]]] = []
    pending = _reads(expr, year, plan)
    while True:
        key = next((k for k in pending if _is_computed(k, indicators) and k not in seen), None)
        if key is not None:
            seen.add(key)
            stack.append((key, pending))
            assert isinstance(key[1], int)
            pending = _reads(indicators[key[0]].tree, key[1], plan)
        elif stack:
            done, pending = stack.pop()
            order.append(done)
        else:
            return order
