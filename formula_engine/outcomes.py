"""What every back-end shares: periods (year keys, the years akumulasi sums), the
outcome of a value that cannot be computed (NotComputable, missing before zero), and
the explain Step. One implementation of each; the back-ends (formula_engine.backends)
and the lowering (formula_engine.lower) read them from here.

Periods: the year being computed is n. A relative reference that falls before the plan's
first year reads the baseline (`"awal"`); `[awal]` always does. A cumulative sum runs over
the plan years from the first up to its end year; one that ends before the first year is
the empty sum, 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from . import nodes
from .declarations import Plan
from .errors import EvaluationError, Span
from .printer import to_text

BASELINE: Literal["awal"] = "awal"
MISSING = "E401"  # the code of a NotComputable for a value that was not given
ZERO_DENOMINATOR = "E402"
YearKey = int | Literal["awal"]
Value = Fraction | bool
# The name of one input for one year, as a sympy symbol or an SQL column: only our ids.
SYMBOL_NAME = re.compile(r"[a-z][a-z0-9_]*__(\d{4}|awal)")


def symbol_name(identifier: str, key: YearKey) -> str:
    """`<id>__<year>` (or `<id>__awal`), checked against SYMBOL_NAME."""
    name = f"{identifier}__{key}"
    if not SYMBOL_NAME.fullmatch(name):
        raise ValueError(f"refusing to build a symbol or column named {name!r}")
    return name


def parse_symbol_name(name: str) -> tuple[str, YearKey]:
    identifier, _, key = name.rpartition("__")
    return identifier, (BASELINE if key == BASELINE else int(key))


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
