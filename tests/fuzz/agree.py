"""When must the fast (float64) path agree with the exact path, and how closely?

The exact evaluator's trace (every sub-expression with its year and exact value) gives a
first-order bound on the float error of every node, bottom-up: a literal or input that
float64 cannot hold exactly is off by half an ulp; + and - add the errors of their
operands (a cancellation makes them large relative to the result); x and / propagate
relative errors; a result float64 cannot hold is rounded once more. IEEE arithmetic is
correctly rounded, so a node whose operands are exact and whose result is representable
is exact in float64 too (0.5 + 0.25 = 0.75 exactly, a - a = 0 exactly).

A row is *unstable*, and skipped, when float64 could legitimately decide differently: a
comparison whose operands are within their error bounds of each other, a denominator
that is zero (or within its bound of zero) only in exact arithmetic, values out of
float range. Otherwise the paths must agree: the same truth value, NaN where the exact
path is not computable, and a number within a small multiple of the bound.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from formula_engine import Plan, nodes

EPS = 2.0**-53
FLOAT_RANGE = (Fraction(1, 10**290), Fraction(10**300))
INDICATOR_ERROR = 64 * EPS  # a referenced indicator is itself computed in floats
SLACK = 16  # the bound is first order: allow for the second-order terms


def representable(value: Fraction) -> bool:
    try:
        return Fraction(float(value)) == value
    except OverflowError:
        return False


def rounding(value: Fraction) -> float:
    return 0.0 if representable(value) else float(abs(value)) * EPS


@dataclass
class Verdict:
    agree: bool
    unstable: str | None = None  # why the row cannot be judged in float64
    detail: str = ""


class ErrorBounds:
    """Error bounds of every traced node of one exact evaluation."""

    def __init__(
        self, plan: Plan, tree: nodes.Expr, steps: Iterable[object], indicators: set[str]
    ) -> None:
        self.plan, self.indicators = plan, indicators
        self.values: dict[tuple[int, int], Fraction | bool] = {}
        self.traced: dict[tuple[int, int], tuple[nodes.Expr, int]] = {}
        for step in steps:
            key = (id(step.expr), step.year)  # type: ignore[attr-defined]
            self.values[key] = step.value  # type: ignore[attr-defined]
            self.traced[key] = (step.expr, step.year)  # type: ignore[attr-defined]
        self.unstable: str | None = None
        self._memo: dict[tuple[int, int], float] = {}
        self._check_range()
        if self.unstable:
            return
        for node, year in list(self.traced.values()):  # every comparison evaluated
            self.error(node, year)
        self._check_denominators(tree)

    def _check_denominators(self, tree: nodes.Expr) -> None:
        """A division that failed on a zero denominator is not traced, its denominator is."""
        traced_years: dict[int, list[int]] = {}
        for node_id, year in self.traced:
            traced_years.setdefault(node_id, []).append(year)
        for node in nodes.walk(tree):
            if not (isinstance(node, nodes.Binary) and node.op == "/"):
                continue
            for year in traced_years.get(id(node.right), []):
                value, bound = self.value(node.right, year), self.error(node.right, year)
                assert isinstance(value, Fraction)
                if bound > 0 and abs(value) <= bound * SLACK:
                    self.unstable = "denominator within float error of zero"

    def _check_range(self) -> None:
        low, high = FLOAT_RANGE
        for value in self.values.values():
            if isinstance(value, Fraction) and value and not low <= abs(value) <= high:
                self.unstable = "out of float range"

    def value(self, node: nodes.Expr, year: int) -> Fraction | bool | None:
        if isinstance(node, nodes.Number | nodes.Percent):
            return node.value
        return self.values.get((id(node), year))

    def children(self, node: nodes.Expr, year: int) -> list[tuple[nodes.Expr, int]]:
        if isinstance(node, nodes.Cumulative):
            until = node.until
            end = year + until.offset if isinstance(until, nodes.Relative) else until.year
            return [(node.body, each) for each in range(self.plan.first_year, end + 1)]
        return [(child, year) for child in nodes.children(node)]

    def error(self, root: nodes.Expr, year: int) -> float:
        """The bound for `root` at `year` (iterative: chains can be long)."""
        memo = self._memo
        stack: list[tuple[nodes.Expr, int, bool]] = [(root, year, False)]
        while stack:
            node, at, ready = stack.pop()
            if (id(node), at) in memo:
                continue
            kids = self.children(node, at) if self.value(node, at) is not None else []
            if not ready:
                stack.append((node, at, True))
                stack.extend((kid, kid_year, False) for kid, kid_year in kids)
                continue
            errors = [memo.get((id(kid), kid_year), math.inf) for kid, kid_year in kids]
            memo[(id(node), at)] = self._local(node, at, kids, errors)
        return memo[(id(root), year)]

    def _local(
        self,
        node: nodes.Expr,
        year: int,
        kids: list[tuple[nodes.Expr, int]],
        errors: list[float],
    ) -> float:
        value = self.value(node, year)
        if value is None:  # not evaluated (a branch not taken, or after a failure)
            return 0.0
        values = [self.value(kid, kid_year) for kid, kid_year in kids]
        if isinstance(node, nodes.Reference):
            assert isinstance(value, Fraction)
            extra = float(abs(value)) * INDICATOR_ERROR if node.name in self.indicators else 0
            return rounding(value) + extra
        if isinstance(node, nodes.Number | nodes.Percent):
            return rounding(node.value)
        if isinstance(node, nodes.Compare):
            return self._compare(values, errors)
        if isinstance(node, nodes.Unary | nodes.Binary) and node.op in ("not", "and", "or"):
            return 0.0
        if isinstance(node, nodes.Unary):
            return errors[0]
        if isinstance(node, nodes.Binary):
            return self._binary(node.op, value, values, errors)
        if isinstance(node, nodes.Call) and node.function == "if":
            chosen = 1 if values[0] is True else 2
            return errors[chosen] if values[0] is not None else math.inf
        if isinstance(node, nodes.Call) and node.function in ("min", "max", "abs"):
            return max(errors)
        return _sum(values, errors)  # sum(...) and akumulasi(...)

    def _compare(self, values: list[Fraction | bool | None], errors: list[float]) -> float:
        left, right = values
        bound = errors[0] + errors[1]
        assert isinstance(left, Fraction) and isinstance(right, Fraction)
        if bound > 0 and abs(left - right) <= bound * SLACK:
            self.unstable = "comparison within float error"
        return 0.0

    def _binary(
        self,
        op: str,
        value: Fraction | bool,
        values: list[Fraction | bool | None],
        errors: list[float],
    ) -> float:
        assert isinstance(value, Fraction)
        left, right = (abs(float(v)) for v in values)  # type: ignore[arg-type]
        err_left, err_right = errors
        if op in ("+", "-"):
            return err_left + err_right + rounding(value)
        if op == "*":
            return right * err_left + left * err_right + err_left * err_right + rounding(value)
        if right <= err_right * SLACK and err_right > 0:
            self.unstable = "denominator within float error of zero"
            return math.inf
        if right == 0:  # the policy zero_denominator: zero, in both paths
            return 0.0
        return (err_left + float(abs(value)) * err_right) / (right - err_right) + rounding(value)


def _sum(values: list[Fraction | bool | None], errors: list[float]) -> float:
    total, exact_partials = Fraction(0), True
    for value in values:
        assert isinstance(value, Fraction)
        total += value
        exact_partials = exact_partials and representable(total)
    magnitude = sum(float(abs(v)) for v in values if isinstance(v, Fraction))
    return sum(errors) + (0.0 if exact_partials else len(values) * EPS * magnitude)


def judge(
    root: nodes.Expr, year: int, exact: Fraction | bool | None, fast: float, bounds: ErrorBounds
) -> Verdict:
    """`exact` is None when the exact path said not computable."""
    if bounds.unstable:
        return Verdict(True, bounds.unstable)
    root_error = bounds.error(root, year)
    if bounds.unstable:
        return Verdict(True, bounds.unstable)
    if exact is None:
        return Verdict(math.isnan(fast), None, "exact: not computable")
    if isinstance(exact, bool):
        return Verdict(fast == float(exact), None, f"exact: {exact}")
    if not math.isfinite(fast):
        return Verdict(False, None, f"exact: {exact}")
    tolerance = SLACK * root_error + 1e-13 * float(abs(exact))
    return Verdict(abs(Fraction(fast) - exact) <= tolerance, None, f"exact: {exact}")
