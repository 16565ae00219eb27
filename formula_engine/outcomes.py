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

import math
import numbers
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
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


class NotANumber(ValueError):
    """A given value is not a finite number; `hint` says what to give instead. Callers
    turn it into their located E403 (model.to_fraction, the exact back-end's slots)."""

    def __init__(self, value: object, hint: str) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:40] + "…"
        super().__init__(f"is not a finite number: {shown}")
        self.hint = hint


def exact_number(value: object) -> int | Fraction | None:
    """A value a caller gives as an exact number, or None when it is missing (None, NaN).

    Integers (also numpy's) and fractions are exact; floats (also numpy's) and Decimals
    are read by their shortest repr / exactly; decimal text such as "16.24" (or 4_489)
    exactly. A truth value, an infinity or anything else raises NotANumber. numpy is not
    imported here: a numpy scalar can only exist once numpy is."""
    numpy = sys.modules.get("numpy")
    if value is None:
        return None
    if isinstance(value, bool) or (numpy is not None and isinstance(value, numpy.bool_)):
        raise NotANumber(value, "a truth value is not a number")
    if isinstance(value, int | Fraction):
        return value
    if isinstance(value, numbers.Integral):  # numpy's integers
        return int(value)
    if isinstance(value, float | Decimal) or (
        numpy is not None and isinstance(value, numpy.floating)
    ):
        if value != value:  # NaN: the value is missing, as NaN is on the fast path
            return None
        if value in (math.inf, -math.inf):
            raise NotANumber(value, "an infinite value cannot be computed with; leave it out")
        return Fraction(value) if isinstance(value, Decimal) else Fraction(repr(float(value)))
    if isinstance(value, str):
        try:
            return Fraction(value.strip().replace("_", ""))
        except (ValueError, ZeroDivisionError):
            raise NotANumber(value, "write a decimal number such as 16.24") from None
    raise NotANumber(value, "give a number (int, float, Fraction, Decimal or text)")


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
