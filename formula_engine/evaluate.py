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

from collections.abc import Callable, Iterable
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
    it into a Result with status "not_computable"; it never reaches a user as a crash.

    `computed` is true when the outcome is that of an indicator the formula references
    (computed under that indicator's own policy): the referencing formula's policy does
    not turn it into 0."""

    def __init__(self, reason: str, span: Span, code: str, computed: bool = False) -> None:
        super().__init__(reason, span, code=code)
        self.reason = reason
        self.computed = computed


def first_outcome(failures: Iterable[NotComputable | None]) -> NotComputable | None:
    """Missing before zero: of the operands that cannot be computed, the first missing one,
    else the first other one (a zero denominator). The order of operands does not matter
    for which kind wins, so the exact and the fast path agree."""
    present = [failure for failure in failures if failure is not None]
    missing = [failure for failure in present if failure.code == MISSING]
    chosen = missing or present
    return chosen[0] if chosen else None


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
            left, right = self._numbers([(expr.left, year), (expr.right, year)])
            return _compare(expr.op, left, right)
        if isinstance(expr, nodes.Cumulative):
            return self._cumulative(expr, year)
        return self._call(expr, year)

    def _number(self, expr: nodes.Expr, year: int) -> Fraction:
        value = self.run(expr, year)
        assert isinstance(value, Fraction), "the check stage guarantees numbers here"
        return value

    def _numbers(self, exprs: Iterable[tuple[nodes.Expr, int]]) -> list[Fraction]:
        """Every operand evaluated (each at its year); when some cannot be computed, the
        outcome by precedence (missing before zero) is raised."""
        values: list[Fraction] = []
        failures: list[NotComputable] = []
        for expr, year in exprs:
            try:
                values.append(self._number(expr, year))
            except NotComputable as failure:
                failures.append(failure)
        outcome = first_outcome(failures)
        if outcome is not None:
            raise outcome
        return values

    def _truth(self, expr: nodes.Expr, year: int) -> bool:
        value = self.run(expr, year)
        assert isinstance(value, bool), "the check stage guarantees conditions here"
        return value

    def _read(self, reference: nodes.Reference, year: int) -> Fraction:
        key = year_key(reference.period, year, self.plan)
        try:
            return self.lookup(reference.name, key, reference)
        except NotComputable as missing:
            if missing.code == MISSING and not missing.computed and self.policy.missing == "zero":
                return Fraction(0)
            raise

    def _unary(self, expr: nodes.Unary, year: int) -> Value:
        if expr.op == "not":
            return not self._truth(expr.operand, year)
        value = self._number(expr.operand, year)
        return -value if expr.op == "-" else value

    def _binary(self, expr: nodes.Binary, year: int) -> Value:
        """A chain a op b op c ... folded with a loop; the steps of its inner links are
        traced as the recursive evaluation would trace them."""
        first, links = nodes.left_spine(expr)
        value = self._attempt(first, year)
        for link in links:
            value = self._link(link, value, year)
            if self.trace is not None and link is not expr and isinstance(value, Value):
                self.trace.append(Step(link, year, value))  # run() traces the whole chain
        if isinstance(value, NotComputable):
            raise value
        return value

    def _attempt(self, expr: nodes.Expr, year: int) -> Value | NotComputable:
        try:
            return self.run(expr, year)
        except NotComputable as failure:
            return failure

    def _link(
        self, link: nodes.Binary, left: Value | NotComputable, year: int
    ) -> Value | NotComputable:
        if link.op in ("and", "or"):  # false and ..., true or ...: the right is not needed
            if isinstance(left, NotComputable) or left != (link.op == "and"):
                return left
            return self._attempt(link.right, year)
        right = self._attempt(link.right, year)
        if isinstance(left, NotComputable) or isinstance(right, NotComputable):
            failures = [f for f in (left, right) if isinstance(f, NotComputable)]
            return first_outcome(failures) or failures[0]
        assert isinstance(left, Fraction) and isinstance(right, Fraction), "checked: numbers"
        if link.op == "+":
            return left + right
        if link.op == "-":
            return left - right
        if link.op == "*":
            return left * right
        if right != 0:
            return left / right
        if self.policy.zero_denominator == "zero":
            return Fraction(0)
        return NotComputable(
            f"denominator is zero: {to_text(link.right)} = 0 in {year}",
            link.right.span,
            ZERO_DENOMINATOR,
        )

    def _cumulative(self, expr: nodes.Cumulative, year: int) -> Fraction:
        years = cumulative_years(expr, year, self.plan)
        return sum(self._numbers((expr.body, each) for each in years), Fraction(0))

    def _call(self, expr: nodes.Call, year: int) -> Value:
        if expr.function == "if":
            condition, then, otherwise = expr.args
            return self.run(then if self._truth(condition, year) else otherwise, year)
        values = self._numbers((arg, year) for arg in expr.args)
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


# How far outside the plan period an akumulasi(...) may end: its cost is the number of
# years it sums, so a year such as 10**9 is an error, not a loop over a billion years.
YEAR_MARGIN = 50


def cumulative_years(expr: nodes.Cumulative, year: int, plan: Plan) -> range:
    """The years an akumulasi(...) sums when computed for `year`: first plan year to end.

    Raises EvaluationError (E404) when the end lies more than YEAR_MARGIN years outside
    the plan period."""
    until = expr.until
    end = year + until.offset if isinstance(until, nodes.Relative) else until.year
    low, high = plan.first_year - YEAR_MARGIN, plan.last_year + YEAR_MARGIN
    if not low <= end <= high:
        raise EvaluationError(
            f"akumulasi(...) would sum up to the year {end}, far outside the plan period "
            f"{plan.first_year}-{plan.last_year}",
            expr.span,
            code="E404",
            hint=f"compute it for a year from {low} to {high}",
        )
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
