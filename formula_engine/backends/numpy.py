"""The numpy back-end: IR -> a straight-line program of float64 ufunc calls.

    program = NumpyProgram(root)
    values = program(columns, rows)                 # NaN where not computable
    values, reasons = program.with_reasons(columns, rows)   # int8: OK, ZERO, MISSING

Columns are keyed by (id, YearKey) like the exact back-end's values; an absent column
or a NaN is a missing value. The program visits each IR node once (shared nodes are
computed once), in operand order, so a run is linear in the IR size. Constants stay
Python scalars (broadcast, never full arrays); a temporary whose last use is the current
node is overwritten in place (`out=`), so a share `a / b x 100%` allocates one array.
No np.where(isnan) pass per reference: NaN propagates through the arithmetic by itself.

Semantics as the exact back-end: missing before zero (a NaN numerator over a zero
denominator stays NaN under zero_denominator=zero); `false and <missing>` is false;
`if` takes the chosen branch per row. Truth values are 1.0 and 0.0; comparisons of
a - b via np.heaviside keep NaN. The reason mask follows the exact path: over the
operands of one node a missing value wins over a zero denominator (MISSING > ZERO, so
the reason is the maximum); `and`/`or`/`if` decide from the left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import assert_never

import numpy as np
import numpy.typing as npt

from .. import functions, ir
from ..outcomes import YearKey

Array = npt.NDArray[np.float64]
Floats = Array | float
Reasons = npt.NDArray[np.int8] | int
Columns = Mapping[tuple[str, YearKey], Array]
OK, ZERO, MISSING = 0, 1, 2  # ordered: of two reasons, the larger wins
REASON_CODES = {MISSING: "E401", ZERO: "E402"}
Registers = list[Floats]
Step = Callable[[Registers, Columns], Floats]
ReasonStep = Callable[[Registers, list[Reasons], Columns], Reasons]
_OWNS = (ir.Mul, ir.Div, ir.Neg, ir.Compare, ir.Logic, ir.Not, ir.Cond)


class NumpyProgram:
    """One IR root compiled to a list of steps over registers (one per IR node)."""

    def __init__(self, root: ir.Node) -> None:
        self.order = ir.postorder(root)
        uses = ir.uses(self.order)
        self._index = {id(node): i for i, node in enumerate(self.order)}
        self._reusable = {i for i, n in enumerate(self.order) if _owns(n) and uses[id(n)] == 1}
        self.steps: list[Step] = [self._step(node, False) for node in self.order]
        self._reasoned: list[Step] | None = None
        self._reason_steps: list[ReasonStep] | None = None

    def __call__(self, columns: Columns, rows: int) -> Array:
        registers: Registers = []
        for step in self.steps:
            registers.append(step(registers, columns))
        return _column(registers[-1], rows, columns)

    def with_reasons(self, columns: Columns, rows: int) -> tuple[Array, npt.NDArray[np.int8]]:
        """Values and, per row, why a value is NaN (MISSING, ZERO; OK where computed)."""
        if self._reasoned is None or self._reason_steps is None:
            self._reasoned = [self._step(node, True) for node in self.order]
            self._reason_steps = [self._reason(node) for node in self.order]
        registers: Registers = []
        reasons: list[Reasons] = []
        for step, reason in zip(self._reasoned, self._reason_steps, strict=True):
            registers.append(step(registers, columns))
            reasons.append(reason(registers, reasons, columns))
        code = np.broadcast_to(np.asarray(reasons[-1], dtype=np.int8), (rows,)).copy()
        return _column(registers[-1], rows, columns), code

    def _operands(self, node: ir.Node) -> list[int]:
        return [self._index[id(child)] for child in ir.children(node)]

    def _step(self, node: ir.Node, keep: bool) -> Step:
        """The step computing `node`; `keep`: never overwrite an operand (reasons read them)."""
        at = self._operands(node)
        spare = next((i for i in at[:2] if i in self._reusable), None) if not keep else None
        match node:
            case ir.Const(value=value):
                constant = float(value)
                return lambda r, c: constant
            case ir.Slot():
                return _slot(node)
            case ir.Add(signs=signs):
                ufuncs = [np.add if sign > 0 else np.subtract for sign in signs[1:]]
                return _fold(at, ufuncs, spare) if ufuncs else lambda r, c: r[at[0]]
            case ir.Mul():
                return _fold(at, [np.multiply] * (len(at) - 1), spare)
            case ir.Div():
                return _divide(at[0], at[1], node.zero_if_zero, spare)
            case ir.Neg():
                return lambda r, c: np.negative(r[at[0]], out=_out(r, spare))
            case ir.Not():
                return lambda r, c: np.subtract(1.0, r[at[0]], out=_out(r, spare))
            case ir.Compare(op=op):
                return _compare(op, at[0], at[1], spare)
            case ir.Logic(op=op):
                return _logic(op, at)
            case ir.Cond():
                return _cond(at[0], at[1], at[2])
            case ir.Apply(function=name):
                apply: Callable[[list[Floats]], Floats] = functions.implementation(name, "numpy")
                return lambda r, c: apply([r[i] for i in at])
            case ir.Inline():
                return _inline(node, at[0])
            case _:
                assert_never(node)

    def _reason(self, node: ir.Node) -> ReasonStep:
        at = self._operands(node)
        match node:
            case ir.Const() | ir.Slot(zero_if_missing=True):
                return lambda r, q, c: OK
            case ir.Slot():
                key = (node.input, node.key)
                return lambda r, q, c: _missing(c.get(key))
            case ir.Div(zero_if_zero=zero):
                return _div_reason(at, zero)
            case ir.Logic(op=op):
                return _logic_reason(op, at)
            case ir.Cond():
                test, then, otherwise = at
                return lambda r, q, c: _first(
                    q[test], np.where(np.asarray(r[test]) == 1.0, q[then], q[otherwise])
                )
            case ir.Inline():
                given, body = (node.indicator, node.key), at[0]
                return lambda r, q, c: _inline_reason(c.get(given), q[body])
            case _:
                return lambda r, q, c: _worst([q[i] for i in at])


def _owns(node: ir.Node) -> bool:
    """Does the node's step produce a fresh array (which its only user may overwrite)?"""
    return isinstance(node, _OWNS) or (isinstance(node, ir.Add) and len(node.terms) > 1)


def _out(registers: Registers, spare: int | None) -> Array | None:
    if spare is None:
        return None
    buffer = registers[spare]
    return buffer if isinstance(buffer, np.ndarray) and buffer.ndim == 1 else None


def _column(value: Floats, rows: int, columns: Columns) -> Array:
    """The result as a fresh column of `rows` values (never one of the caller's arrays)."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return np.full(rows, float(value))
    if any(value is column for column in columns.values()):
        return value.copy()
    return value


def _slot(node: ir.Slot) -> Step:
    key, zero = (node.input, node.key), node.zero_if_missing
    absent = 0.0 if zero else np.nan

    def read(registers: Registers, columns: Columns) -> Floats:
        column = columns.get(key)
        if column is None:
            return absent
        if column.dtype != np.float64:
            column = column.astype(np.float64)
        return np.where(np.isnan(column), 0.0, column) if zero else column

    return read


def _fold(at: list[int], ufuncs: Sequence[np.ufunc], spare: int | None) -> Step:
    first, rest = at[0], list(zip(ufuncs, at[1:], strict=True))

    def fold(r: Registers, columns: Columns) -> Floats:
        (ufunc, second), *more = rest
        total = ufunc(r[first], r[second], out=_out(r, spare))
        for ufunc, index in more:
            total = ufunc(total, r[index], out=total if isinstance(total, np.ndarray) else None)
        return total  # type: ignore[no-any-return]

    return fold


def all_finite(values: Floats) -> bool:
    """No infinity and no NaN among `values`, in one read-only pass without a temporary:
    the sum is finite exactly then (or it overflows, which only makes the caller look
    closer). Not np.dot: BLAS threads spin on a busy machine."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        return values.size == 0 or math.isfinite(np.add.reduce(values))
    return math.isfinite(values)


def _divide(top: int, bottom: int, zero: bool, spare: int | None) -> Step:
    # zero_denominator=error: a quotient that is all finite had no zero denominator (any
    # x / 0 is ±inf or NaN), so the zero mask is built only when some value is not
    # finite, from the denominator, which is therefore never overwritten.
    if not zero and spare == bottom:
        spare = None

    def divide(r: Registers, columns: Columns) -> Floats:
        numerator, denominator = r[top], r[bottom]
        if zero:  # before `out` may overwrite an operand; only a known numerator over 0 gives 0
            by_zero = (np.asarray(denominator) == 0.0) & (np.asarray(numerator) == numerator)
        with np.errstate(divide="ignore", invalid="ignore"):
            quotient = np.divide(numerator, denominator, out=_out(r, spare))
        if not zero:
            if all_finite(quotient):
                return quotient
            by_zero = np.asarray(denominator) == 0.0
        if not by_zero.any():
            return quotient
        if not isinstance(quotient, np.ndarray) or quotient.ndim == 0:
            return 0.0 if zero else np.nan
        np.copyto(quotient, 0.0 if zero else np.nan, where=by_zero)  # faster than putmask
        return quotient

    return divide


# a > b is heaviside(a - b, 0): 1 above, 0 at and below, NaN for NaN; = and != use |a - b|.
_HEAVISIDE: dict[str, tuple[bool, float]] = {
    ">": (False, 0.0),
    ">=": (False, 1.0),
    "<": (True, 0.0),
    "<=": (True, 1.0),
}


def _compare(op: str, left: int, right: int, spare: int | None) -> Step:
    def compare(r: Registers, columns: Columns) -> Floats:
        a, b = r[left], r[right]
        if op in _HEAVISIDE:
            swap, at_zero = _HEAVISIDE[op]
            difference = np.subtract(*((b, a) if swap else (a, b)), out=_out(r, spare))
            return _inplace(np.heaviside, difference, at_zero)
        difference = np.subtract(a, b, out=_out(r, spare))
        if isinstance(difference, np.ndarray) and difference.ndim == 1 and all_finite(difference):
            equal = np.equal if op == "=" else np.not_equal  # no NaN to keep: 1.0 / 0.0 in place
            return equal(difference, 0.0, out=difference)
        distance = _inplace(np.abs, difference)
        if op == "!=":
            return _inplace(np.heaviside, distance, 0.0)
        return _inplace(np.heaviside, _inplace(np.negative, distance), 1.0)

    return compare


def _inplace(ufunc: np.ufunc, value: Floats, *args: float) -> Floats:
    if isinstance(value, np.ndarray) and value.ndim == 1:
        return ufunc(value, *args, out=value)  # type: ignore[no-any-return]
    return ufunc(value, *args)  # type: ignore[no-any-return]


def _logic(op: str, at: list[int]) -> Step:
    # and: where(acc == 1, next, acc): true goes on, false and NaN stay. or: where(acc == 0).
    going_on = 1.0 if op == "and" else 0.0

    def logic(r: Registers, columns: Columns) -> Floats:
        total = r[at[0]]
        for index in at[1:]:
            total = np.where(np.asarray(total) == going_on, r[index], total)
        return total

    return logic


def _cond(test: int, then: int, otherwise: int) -> Step:
    def cond(r: Registers, columns: Columns) -> Floats:
        condition = r[test]
        if not isinstance(condition, np.ndarray):
            if condition != condition:  # NaN
                return np.nan
            return r[then] if condition == 1.0 else r[otherwise]
        chosen = np.where(condition == 1.0, r[then], r[otherwise])
        if not all_finite(condition):  # a missing condition: NaN, whichever branch
            np.copyto(chosen, np.nan, where=np.isnan(condition))
        return chosen

    return cond


def _missing(column: Array | None) -> Reasons:
    return MISSING if column is None else np.isnan(column).view(np.int8) * np.int8(MISSING)


def _first(first: Reasons, then: Reasons) -> Reasons:
    """The first reason that is not OK (the first raise on the exact path)."""
    if isinstance(first, int) and isinstance(then, int):
        return first or then
    return np.where(np.asarray(first) != OK, first, then).astype(np.int8)


def _worst(reasons: list[Reasons]) -> Reasons:
    """Missing before zero over the operands of one node: the largest reason."""
    total: Reasons = OK
    for reason in reasons:
        if isinstance(total, int) and isinstance(reason, int):
            total = max(total, reason)
        else:
            total = np.maximum(total, reason).astype(np.int8)
    return total


def _div_reason(at: list[int], zero: bool) -> ReasonStep:
    def reason(r: Registers, q: list[Reasons], columns: Columns) -> Reasons:
        first = _worst([q[at[0]], q[at[1]]])
        if zero:
            return first
        by_zero = np.where(np.asarray(r[at[1]]) == 0.0, ZERO, OK)
        return _worst([first, by_zero])

    return reason


def _logic_reason(op: str, at: list[int]) -> ReasonStep:
    going_on = 1.0 if op == "and" else 0.0

    def reason(r: Registers, q: list[Reasons], columns: Columns) -> Reasons:
        total, why = r[at[0]], q[at[0]]
        for index in at[1:]:
            undecided = np.asarray(total) == going_on
            why = _first(why, np.where(undecided, q[index], OK))
            total = np.where(undecided, r[index], total)
        return why

    return reason


def _inline(node: ir.Inline, body: int) -> Step:
    """An indicator's value: a column given for it (id, year) where not NaN, else the
    computed one."""
    given = (node.indicator, node.key)

    def read(r: Registers, columns: Columns) -> Floats:
        column = columns.get(given)
        if column is None:
            return r[body]
        return np.where(np.isnan(column), r[body], column)

    return read


def _inline_reason(column: Array | None, body: Reasons) -> Reasons:
    if column is None:
        return body
    return np.where(np.isnan(column), body, OK).astype(np.int8)
