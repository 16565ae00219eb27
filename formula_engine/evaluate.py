"""Stage 5, evaluate (exact): a bound formula + values per input per year -> a value.

Arithmetic is exact: `Fraction` throughout, Rupiah stay integers. A value that cannot be
computed is an explicit outcome, `NotComputable`, with a reason and the span of the
reference or division concerned; the formula's `Policy` may instead turn a missing value
or a zero denominator into 0, but only when it says so.

Periods: the year being computed is n. A relative reference that falls before the plan's
first year reads the baseline (`"awal"`); `[awal]` always does. A cumulative sum runs over
the plan years from the first up to its end year; one that ends before the first year is
the empty sum, 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal

from . import nodes
from .declarations import Plan, Policy
from .errors import EvaluationError, Span
from .printer import to_text

BASELINE: Literal["awal"] = "awal"
MISSING = "E401"  # the code of a NotComputable for a value that was not given
ZERO_DENOMINATOR = "E402"
YearKey = int | Literal["awal"]
Value = Fraction | bool


class NotComputable(EvaluationError):
    """The value cannot be computed; `reason` says why, for a person. The facade turns
    it into a Result with status "not_computable"; it never reaches a user as a crash."""

    def __init__(self, reason: str, span: Span, code: str) -> None:
        super().__init__(reason, span, code=code)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Step:
    """One evaluated sub-expression, for explain: the node, the year and its value."""

    expr: nodes.Expr
    year: int
    value: Value

    def text(self, label_of: Callable[[str], str] | None = None) -> str:
        """The sub-expression, with its references shown by label when `label_of` is given."""
        if label_of is None:
            return to_text(self.expr)
        return to_text(
            nodes.map_references(
                self.expr, lambda r: replace(r, name=label_of(r.name), quoted=True)
            )
        )


# Reads the value of a declared id for a year; raises NotComputable when it has none.
Lookup = Callable[[str, YearKey, nodes.Reference], Fraction]


@dataclass
class Evaluation:
    plan: Plan
    lookup: Lookup
    policy: Policy = field(default_factory=Policy)
    trace: list[Step] | None = None

    def run(self, expr: nodes.Expr, year: int) -> Value:
        value = self._eval(expr, year)
        if self.trace is not None and not isinstance(expr, nodes.Number | nodes.Percent):
            self.trace.append(Step(expr, year, value))
        return value

    def _eval(self, expr: nodes.Expr, year: int) -> Value:
        if isinstance(expr, nodes.Number | nodes.Percent):
            return expr.value
        if isinstance(expr, nodes.Reference):
            return self._read(expr, year)
        if isinstance(expr, nodes.Unary):
            return self._unary(expr, year)
        if isinstance(expr, nodes.Binary):
            return self._binary(expr, year)
        if isinstance(expr, nodes.Compare):
            return _compare(expr.op, self._number(expr.left, year), self._number(expr.right, year))
        if isinstance(expr, nodes.Cumulative):
            return self._cumulative(expr, year)
        return self._call(expr, year)

    def _number(self, expr: nodes.Expr, year: int) -> Fraction:
        value = self.run(expr, year)
        assert isinstance(value, Fraction), "the check stage guarantees numbers here"
        return value

    def _truth(self, expr: nodes.Expr, year: int) -> bool:
        value = self.run(expr, year)
        assert isinstance(value, bool), "the check stage guarantees conditions here"
        return value

    def _read(self, reference: nodes.Reference, year: int) -> Fraction:
        key = year_key(reference.period, year, self.plan)
        try:
            return self.lookup(reference.name, key, reference)
        except NotComputable as missing:
            if missing.code == MISSING and self.policy.missing == "zero":
                return Fraction(0)
            raise

    def _unary(self, expr: nodes.Unary, year: int) -> Value:
        if expr.op == "not":
            return not self._truth(expr.operand, year)
        value = self._number(expr.operand, year)
        return -value if expr.op == "-" else value

    def _binary(self, expr: nodes.Binary, year: int) -> Value:
        if expr.op == "and":
            return self._truth(expr.left, year) and self._truth(expr.right, year)
        if expr.op == "or":
            return self._truth(expr.left, year) or self._truth(expr.right, year)
        left, right = self._number(expr.left, year), self._number(expr.right, year)
        if expr.op == "+":
            return left + right
        if expr.op == "-":
            return left - right
        if expr.op == "*":
            return left * right
        if right == 0:
            if self.policy.zero_denominator == "zero":
                return Fraction(0)
            raise NotComputable(
                f"denominator is zero: {to_text(expr.right)} = 0 in {year}",
                expr.right.span,
                ZERO_DENOMINATOR,
            )
        return left / right

    def _cumulative(self, expr: nodes.Cumulative, year: int) -> Fraction:
        total = Fraction(0)
        for each_year in cumulative_years(expr, year, self.plan):
            total += self._number(expr.body, each_year)
        return total

    def _call(self, expr: nodes.Call, year: int) -> Value:
        if expr.function == "if":
            condition, then, otherwise = expr.args
            return self.run(then if self._truth(condition, year) else otherwise, year)
        values = [self._number(arg, year) for arg in expr.args]
        if expr.function == "sum":
            return sum(values, Fraction(0))
        if expr.function == "min":
            return min(values)
        if expr.function == "max":
            return max(values)
        return abs(values[0])


def year_key(period: nodes.Period, year: int, plan: Plan) -> YearKey:
    """The year (or the baseline) a period reads when the formula is computed for `year`."""
    if isinstance(period, nodes.Baseline):
        return BASELINE
    if isinstance(period, nodes.Year):
        return period.year
    target = year + period.offset
    return BASELINE if target < plan.first_year else target


def cumulative_years(expr: nodes.Cumulative, year: int, plan: Plan) -> range:
    """The years an akumulasi(...) sums when computed for `year`: first plan year to end."""
    until = expr.until
    end = year + until.offset if isinstance(until, nodes.Relative) else until.year
    return range(plan.first_year, end + 1)


def _compare(op: str, left: Fraction, right: Fraction) -> bool:
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]
