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

An infinite value in a column read is E403, found with as few passes as possible (a
plan per program, `_plan`): where an infinity provably makes the result non-finite in
its row (`_propagates`), only the result's non-finite rows are looked at (`_settle`),
at a comparison its operands'; the other columns are read once, beside the run on
another core for long columns (BESIDE_ROWS). A division whose quotient reaches the
result only through such operators leaves its zero mask to the result as well.
`program(columns, rows, computed)` takes indicators computed before
(Model.evaluate_table) instead of running their bodies again.

Semantics as the exact back-end: missing before zero (a NaN numerator over a zero
denominator stays NaN under zero_denominator=zero); `false and <missing>` is false;
`if` takes the chosen branch per row. Truth values are 1.0 and 0.0; comparisons of
a - b via np.heaviside keep NaN. The reason mask follows the exact path: over the
operands of one node a missing value wins over a zero denominator (MISSING > ZERO, so
the reason is the maximum); `and`/`or`/`if` decide from the left.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import assert_never

import numpy as np
import numpy.typing as npt

from .. import functions, ir
from ..outcomes import YearKey
from .exact import InputError

Array = npt.NDArray[np.float64]
Floats = Array | float
Reasons = npt.NDArray[np.int8] | int
Columns = Mapping[tuple[str, YearKey], Array]
Shared = Mapping[tuple[str, int], Array]
SharedReasons = Mapping[tuple[str, int], npt.NDArray[np.int8]]
Fresh = Callable[[], Array | None]  # an empty column for a result, or None: allocate one
OK, ZERO, MISSING = 0, 1, 2  # ordered: of two reasons, the larger wins
REASON_CODES = {MISSING: "E401", ZERO: "E402"}
Registers = list[Floats]
Step = Callable[[Registers, Columns], Floats]
ReasonStep = Callable[[Registers, list[Reasons], Columns], Reasons]
Keys = tuple[tuple[str, YearKey], ...]
_FRESH = (ir.Mul, ir.Div, ir.Neg, ir.Compare, ir.Logic, ir.Not)
_OWNS = (*_FRESH, ir.Cond)
_ROOT = -2  # the checkpoint of the result (a Compare's is its own index)
_NONE: frozenset[tuple[str, int]] = frozenset()


@dataclass(frozen=True, slots=True)
class _Plan:
    """One way to run a program. `run`: the nodes computed, with their steps; `slots`:
    the registers of the columns read as given (no step: set before the run); `shared`:
    the registers of the indicators taken as computed before (no body run); `reads`:
    the columns the run reads; `up_front`: those checked for infinities before the run;
    `root`, `denominators`: the checks left to the result (see _settle): the columns,
    and the registers of the denominators of the divisions whose zero mask it sets."""

    run: list[tuple[int, Step]]
    slots: tuple[tuple[int, tuple[str, YearKey]], ...]  # the columns read as they are
    shared: tuple[tuple[int, tuple[str, int]], ...]
    reads: Keys
    checkpoints: dict[int, Keys]  # per comparison, the columns it checks
    up_front: Keys
    root: Keys
    denominators: tuple[int, ...]

    @property
    def settle(self) -> bool:
        return bool(self.root or self.denominators)


class NumpyProgram:
    """One IR root compiled to a list of steps over registers (one per IR node)."""

    def __init__(self, root: ir.Node) -> None:
        self.order = ir.postorder(root)
        self._uses = ir.uses(self.order)
        self._index = {id(node): i for i, node in enumerate(self.order)}
        self._reusable = {
            i for i, n in enumerate(self.order) if _owns(n) and self._uses[id(n)] == 1
        }
        self._given = tuple(
            dict.fromkeys((n.indicator, n.key) for n in self.order if isinstance(n, ir.Inline))
        )
        slots = {(n.input, n.key) for n in self.order if isinstance(n, ir.Slot)}
        self.reads: frozenset[tuple[str, YearKey]] = frozenset(slots | set(self._given))
        root_node = self.order[-1]
        # the root's step may hand back an operand (a caller's column) unless it makes its
        # own array (an n-ary +, x, /, -x, not, a comparison, and/or; an if: np.where, a
        # copy of its branch, or its truth-valued condition's own array, see _cond)
        self._fresh_root = _owns(root_node)
        self._plans: dict[tuple[frozenset[tuple[str, int]], frozenset[tuple[str, int]]], _Plan]
        self._plans = {}
        self._reasoned: dict[int, dict[int, Step]] = {}  # per plan (by id: plans are kept)
        self._reason_steps: list[ReasonStep] | None = None

    @property
    def nodes_run(self) -> int:
        """How many nodes a plain run (no indicator given or computed before) sets: its
        steps and the columns it reads."""
        plan = self._plan_for({}, None)
        return len(plan.run) + len(plan.slots)

    def __call__(self, columns: Columns, rows: int, computed: Shared | None = None) -> Array:
        """Values, NaN where not computable; an infinite value in a column read is E403.
        `computed`: values of indicators (id, year) computed before from these columns
        (by Model.evaluate_table): an inlined indicator found there is not computed again."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.run(columns, rows, computed)

    def run(
        self,
        columns: Columns,
        rows: int,
        computed: Shared | None = None,
        fresh: Fresh | None = None,
    ) -> Array:
        """As __call__, under the caller's `np.errstate(divide="ignore", invalid="ignore")`
        (Model.evaluate_table holds one over all its programs). `fresh`: where the result
        is a copy (of a column, say), an empty column to copy it into (None: allocate)."""
        return self._run(columns, rows, computed, fresh)[0]

    @property
    def copies(self) -> bool:
        """May the result be a copy (the root hands back an operand)?"""
        return not self._fresh_root

    def _run(
        self, columns: Columns, rows: int, computed: Shared | None, fresh: Fresh | None = None
    ) -> tuple[Array, npt.NDArray[np.intp] | None, bool]:
        """The values, and the rows where they are not finite (None: none) if the checks
        left to the result looked for them (the last item says whether they did)."""
        plan = self._plan_for(columns, computed)
        checking = None
        if plan.up_front and rows >= BESIDE_ROWS:  # read beside the run, on another core
            checking = _checker().submit(check_finite, columns, plan.up_front)
        elif plan.up_front:
            check_finite(columns, plan.up_front)
        registers: Registers = [0.0] * len(self.order)
        for index, key in plan.slots:
            registers[index] = _read(columns.get(key))
        for index, key in plan.shared:
            registers[index] = _given_or(columns.get(key), computed[key])  # type: ignore[index]
        try:
            for index, step in plan.run:
                registers[index] = step(registers, columns)
        finally:
            if checking is not None:  # its E403 first, as when it ran before the steps
                checking.result()
        value = self._column(registers[-1], rows, columns, computed, fresh)
        if plan.settle:
            return value, _settle(value, registers, columns, plan), True
        return value, None, False

    def with_reasons(
        self,
        columns: Columns,
        rows: int,
        computed: Shared | None = None,
        computed_reasons: SharedReasons | None = None,
    ) -> tuple[Array, npt.NDArray[np.int8]]:
        """Values and, per row, why a value is NaN (MISSING, ZERO; OK where computed).
        `computed`, `computed_reasons`: as in __call__, with their reasons (both or neither)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.run_with_reasons(columns, rows, computed, computed_reasons)

    def run_with_reasons(
        self,
        columns: Columns,
        rows: int,
        computed: Shared | None = None,
        computed_reasons: SharedReasons | None = None,
        fresh: Fresh | None = None,
    ) -> tuple[Array, npt.NDArray[np.int8]]:
        """As with_reasons, under the caller's np.errstate (see run, also for `fresh`). The
        values are the plain run's. A row's reason is not OK only where its value is not
        finite (every operator and function keeps NaN; `and`, `or`, `if` and a given
        column decide value and reason alike), so the reasons are worked out for those
        rows alone, gathered into a table of their own (`every_reason`), unless they are
        more than half of the rows: at 10^6 rows with a few NaN, 11 ms less per indicator."""
        shared = computed if computed_reasons is not None else None
        value, bad, seen = self._run(columns, rows, shared, fresh)
        if not seen:
            bad = _not_finite(value)
        if bad is None:
            return value, np.zeros(rows, dtype=np.int8)
        if 2 * bad.size > rows:
            return value, self.every_reason(columns, rows, shared, computed_reasons)[1]
        some = {key: columns[key][bad] for key in self.reads if key in columns}
        some_computed = some_reasons = None
        if shared is not None and computed_reasons is not None:
            some_computed = {key: shared[key][bad] for key in self._given if key in shared}
            some_reasons = {key: computed_reasons[key][bad] for key in some_computed}
        code = np.zeros(rows, dtype=np.int8)
        code[bad] = self.every_reason(some, bad.size, some_computed, some_reasons)[1]
        return value, code

    def every_reason(
        self,
        columns: Columns,
        rows: int,
        computed: Shared | None = None,
        computed_reasons: SharedReasons | None = None,
    ) -> tuple[Array, npt.NDArray[np.int8]]:
        """Values and reasons of every row, each node's reason beside its value (what
        run_with_reasons does for the rows whose value is not finite)."""
        if self._reason_steps is None:
            self._reason_steps = [self._reason(node) for node in self.order]
        why = self._reason_steps
        plan = self._plan_for(columns, computed if computed_reasons is not None else None)
        steps = self._reasoned.get(id(plan))
        if steps is None:  # every node's own array (reasons read operands), no mask left
            steps = self._reasoned[id(plan)] = {
                i: self._step(self.order[i], True, (False, plan.checkpoints.get(i, ())))
                for i, _ in plan.run
            }
        if plan.up_front:
            check_finite(columns, plan.up_front)
        registers: Registers = [0.0] * len(self.order)
        reasons: list[Reasons] = [OK] * len(self.order)
        for index, key in plan.slots:
            column = columns.get(key)
            registers[index], reasons[index] = _read(column), _missing(column)
        for index, key in plan.shared:
            given = columns.get(key)
            registers[index] = _given_or(given, computed[key])  # type: ignore[index]
            reasons[index] = _inline_reason(given, computed_reasons[key])  # type: ignore[index]
        for index, _ in plan.run:
            registers[index] = steps[index](registers, columns)
            reasons[index] = why[index](registers, reasons, columns)
        code = np.broadcast_to(np.asarray(reasons[-1], dtype=np.int8), (rows,)).copy()
        value = self._column(registers[-1], rows, columns, computed)
        if plan.root:
            not_finite = _not_finite(value)
            if not_finite is not None:
                _no_infinity(columns, plan.root, not_finite)
        return value, code

    def _plan_for(self, columns: Columns, computed: Shared | None) -> _Plan:
        if not self._given:
            present = shared = _NONE
        else:
            present = frozenset(k for k in self._given if k in columns)
            shared = frozenset(k for k in self._given if k in computed) if computed else _NONE
        return self._plans.get((present, shared)) or self._plan(present, shared)

    def _plan(
        self, present: frozenset[tuple[str, int]], shared: frozenset[tuple[str, int]]
    ) -> _Plan:
        """The steps and the checks of a run in which the indicators' columns `present`
        are given (a given column decides where its indicator's body shows) and the
        indicators `shared` were computed before (their bodies are not run)."""
        order, n = self.order, len(self.order)
        needed, taken = [False] * n, [False] * n
        needed[n - 1] = True
        for i in reversed(range(n)):
            node = order[i]
            if needed[i] and isinstance(node, ir.Inline) and (node.indicator, node.key) in shared:
                taken[i] = True
            elif needed[i]:
                for child in self._operands(node):
                    needed[child] = True
        # `owner[i]`: a checkpoint whose value is not finite in every row where node i is
        # not finite (the root _ROOT, or a Compare over its operands); -1: none.
        # `fully[i]`: every path from node i to the root keeps a non-finite value so.
        owner, fully = [-1] * n, [True] * n
        owner[n - 1] = _ROOT
        for i in reversed(range(n)):
            if not needed[i] or taken[i]:
                continue
            node = order[i]
            checkpoint = isinstance(node, ir.Compare)
            edges = _propagates(node, present)
            for child, keeps in zip(self._operands(node), edges, strict=True):
                if not (fully[i] and keeps):
                    fully[child] = False
                if owner[child] == -1:
                    if checkpoint:
                        owner[child] = i
                    elif keeps and owner[i] != -1:
                        owner[child] = owner[i]
        covers: dict[int, set[tuple[str, YearKey]]] = {}
        reads: dict[tuple[str, YearKey], None] = {}
        for i, node in enumerate(order):
            key: tuple[str, YearKey] | None = None
            if not needed[i]:
                continue
            if isinstance(node, ir.Slot):
                key = (node.input, node.key)
            elif isinstance(node, ir.Inline) and (node.indicator, node.key) in present:
                key = (node.indicator, node.key)
            if key is not None:
                reads[key] = None
                if owner[i] != -1:
                    covers.setdefault(owner[i], set()).add(key)
        covered = set().union(*covers.values()) if covers else set()
        deferred = {
            i
            for i, node in enumerate(order)
            if needed[i] and isinstance(node, ir.Div) and not node.zero_if_zero and fully[i]
        }
        read = {
            i: (node.input, node.key)
            for i, node in enumerate(order)
            if needed[i] and isinstance(node, ir.Slot) and not node.zero_if_missing
        }
        run = [
            (i, self._step(node, False, (i in deferred, tuple(covers.get(i, ())))))
            for i, node in enumerate(order)
            if needed[i] and not taken[i] and i not in read
        ]
        taken_keys = tuple(
            (i, (node.indicator, node.key))
            for i, node in enumerate(order)
            if taken[i] and isinstance(node, ir.Inline)
        )
        plan = _Plan(
            run,
            tuple(read.items()),
            taken_keys,
            tuple(reads),
            {i: tuple(keys) for i, keys in covers.items() if i != _ROOT},
            tuple(key for key in reads if key not in covered),
            tuple(covers.get(_ROOT, ())),
            tuple(self._operands(order[i])[1] for i in sorted(deferred)),
        )
        self._plans[(present, shared)] = plan
        return plan

    def _column(
        self,
        value: Floats,
        rows: int,
        columns: Columns,
        computed: Shared | None,
        fresh: Fresh | None = None,
    ) -> Array:
        """The result as a fresh column of `rows` values (never one of the caller's arrays,
        nor one computed before), copied into `fresh()` where it is a copy."""
        if not isinstance(value, np.ndarray) or value.ndim == 0:
            out = fresh() if fresh is not None else None
            if out is None:
                return np.full(rows, float(value))
            out.fill(float(value))
            return out
        if not self._fresh_root and (
            any(value is columns.get(key) for key in self.reads)
            or any(value is column for column in (computed or {}).values())
        ):
            out = fresh() if fresh is not None else None
            if out is None:
                return value.copy()
            np.copyto(out, value)
            return out
        return value

    def layout(self) -> tuple[tuple[object, ...], tuple[tuple[str, YearKey], ...]] | None:
        """The program's shape with its columns left out, and the column of each slot in
        postorder. Two programs of one shape compute alike from the columns at the same
        positions, so Model.evaluate_table runs an indicator's years as one program
        over their columns end to end. None: the program reads an indicator (its plan
        depends on the columns given for it)."""
        shape: list[object] = []
        keys: list[tuple[str, YearKey]] = []
        for node in self.order:
            match node:
                case ir.Inline():
                    return None
                case ir.Const(value=value):
                    fields: object = (type(value).__name__, value)
                case ir.Slot(zero_if_missing=zero):
                    fields = zero
                    keys.append((node.input, node.key))
                case ir.Add(signs=signs):
                    fields = signs
                case ir.Div(zero_if_zero=zero):
                    fields = zero
                case ir.Compare(op=op) | ir.Logic(op=op):
                    fields = op
                case ir.Apply(function=name):
                    fields = name
                case ir.Mul() | ir.Neg() | ir.Not() | ir.Cond():
                    fields = None
                case _:
                    assert_never(node)
            shape.append((type(node).__name__, fields, tuple(self._operands(node))))
        return tuple(shape), tuple(keys)

    def _operands(self, node: ir.Node) -> list[int]:
        return [self._index[id(child)] for child in ir.children(node)]

    def _step(self, node: ir.Node, keep: bool, plan: tuple[bool, Keys] | None) -> Step:
        """The step computing `node`; `keep`: never overwrite an operand (reasons read
        them). `plan`: (the zero mask is left to the root, the columns to check when the
        node's operands are not finite), None: neither (every column checked before)."""
        at = self._operands(node)
        spare = next((i for i in at[:2] if i in self._reusable), None) if not keep else None
        deferred, covered = plan or (False, ())
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
                if deferred:  # the root sets NaN where the denominator is 0 (see _settle)
                    top, bottom = at[0], at[1]
                    into = None if spare == bottom else spare
                    return lambda r, c: np.divide(r[top], r[bottom], out=_out(r, into))
                return _divide(at[0], at[1], node.zero_if_zero, spare)
            case ir.Neg():
                return lambda r, c: np.negative(r[at[0]], out=_out(r, spare))
            case ir.Not():
                return lambda r, c: np.subtract(1.0, r[at[0]], out=_out(r, spare))
            case ir.Compare(op=op):
                return _compare(op, at[0], at[1], spare, covered)
            case ir.Logic(op=op):
                return _logic(op, at)
            case ir.Cond():
                return self._cond(node, at, keep)
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

    def _cond(self, node: ir.Cond, at: list[int], keep: bool) -> Step:
        """if(c, 1, 0) of a truth value c (1.0, 0.0 or NaN) is c itself, if(c, 0, 1) is
        1 - c: no np.where (when c's array is this node's alone, or nothing is overwritten)."""
        test = at[0]
        then, otherwise = node.then, node.otherwise
        if (
            isinstance(then, ir.Const)
            and isinstance(otherwise, ir.Const)
            and _truth_valued(node.condition)
            and (keep or test in self._reusable)
        ):
            if then.value == 1 and otherwise.value == 0:
                return lambda r, c: r[test]
            if then.value == 0 and otherwise.value == 1:
                into = None if keep else test
                return lambda r, c: np.subtract(1.0, r[test], out=_out(r, into))
        return _cond(at[0], at[1], at[2])


# From this many rows the columns checked before the run (a denominator's infinities:
# x / inf = 0 hides them from the result) are read on another core while the run goes
# on (numpy lets go of the GIL in its loops); the result waits for that check, and its
# E403 comes first, as when it ran before. Measured in docs/performance.md (issue 9).
BESIDE_ROWS = 1 << 18
_executor: ThreadPoolExecutor | None = None


def _checker() -> ThreadPoolExecutor:
    """The one thread of those checks (started on first use)."""
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(1, thread_name_prefix="finite-check")
    return _executor


def _forget_checker() -> None:  # a forked child has none of its parent's threads
    global _executor
    _executor = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_checker)


def _owns(node: ir.Node) -> bool:
    """Does the node's step produce a fresh array (which its only user may overwrite)?"""
    return isinstance(node, _OWNS) or (isinstance(node, ir.Add) and len(node.terms) > 1)


def _out(registers: Registers, spare: int | None) -> Array | None:
    if spare is None:
        return None
    buffer = registers[spare]
    return buffer if isinstance(buffer, np.ndarray) and buffer.ndim == 1 else None


def _read(column: Array | None) -> Floats:
    """A column as a register: NaN for an absent one (a missing value), float64."""
    if column is None:
        return np.nan
    return column if column.dtype == np.float64 else column.astype(np.float64)


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
    if len(rest) == 1:  # a binary node: no loop
        ((binary, second),) = rest
        if spare is None:
            return lambda r, c: binary(r[first], r[second])
        return lambda r, c: binary(r[first], r[second], out=_out(r, spare))

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
    closer). A long contiguous column is summed by np.einsum, which does not pair its
    sums as np.add.reduce does (0.115 ms against 0.162 ms at 10^6 rows; slower on short
    or strided columns). Not np.dot: BLAS threads spin on a busy machine."""
    if isinstance(values, np.ndarray) and values.ndim == 1:
        if values.size >= EINSUM_ROWS and values.flags.c_contiguous:
            return math.isfinite(np.einsum("i->", values))
        return values.size == 0 or math.isfinite(np.add.reduce(values))
    return math.isfinite(values)


EINSUM_ROWS = 1 << 16


def _divide(top: int, bottom: int, zero: bool, spare: int | None) -> Step:
    """A quotient with its zero mask: any x / 0 is ±inf or NaN, so the rows where the
    denominator is zero are among the rows whose quotient is not finite, and only those
    are looked at. The denominator is never overwritten (nor, under zero_denominator=zero,
    the numerator: 0 / 0 and NaN / 0 are both NaN, only the numerator tells them apart)."""
    if spare == bottom or (zero and spare == top):
        spare = None
    fill = 0.0 if zero else np.nan

    def divide(r: Registers, columns: Columns) -> Floats:
        numerator, denominator = r[top], r[bottom]
        quotient = np.divide(numerator, denominator, out=_out(r, spare))
        if not isinstance(quotient, np.ndarray) or quotient.ndim == 0:
            if denominator != 0.0 or (zero and numerator != numerator):
                return quotient
            return fill
        rows = _not_finite(quotient)
        if rows is None:
            return quotient
        by_zero = _at(denominator, rows) == 0.0
        if zero:  # only a known numerator over 0 gives 0
            known = _at(numerator, rows)
            by_zero = by_zero & (known == known)
        _fill(quotient, rows, by_zero, fill)
        return quotient

    return divide


def _not_finite(values: Array) -> npt.NDArray[np.intp] | None:
    """The rows of a column that are not finite (None: every row is), in order. Such
    rows are few: the flags are read eight at a time (as 64-bit words, one pass over an
    eighth of the rows), and only the words with a flag set are looked into, which
    costs half of np.flatnonzero over every flag at 10^6 rows. Below WORDS_ROWS rows the
    extra calls cost more than they save (5.3 µs against 8.8 µs at 10^4 rows): there
    np.flatnonzero reads every flag."""
    finite = np.isfinite(values)
    if finite.all():
        return None
    bad = np.logical_not(finite, out=finite)
    if bad.size < WORDS_ROWS:
        return np.flatnonzero(bad)
    whole = bad.size - bad.size % 8
    words = np.flatnonzero(bad[:whole].view(np.uint64) != 0)
    rows = (words[:, np.newaxis] * 8 + _EIGHT).ravel()
    rows = rows[bad[rows]]
    if whole < bad.size:
        rows = np.concatenate([rows, whole + np.flatnonzero(bad[whole:])])
    return rows


_EIGHT = np.arange(8, dtype=np.intp)
WORDS_ROWS = 1 << 16


def _at(values: Floats, rows: npt.NDArray[np.intp]) -> Floats:
    """`values` at `rows` (a scalar stands for every row)."""
    return values[rows] if isinstance(values, np.ndarray) and values.ndim == 1 else values


def _fill(target: Array, rows: npt.NDArray[np.intp], where: object, value: float) -> None:
    if isinstance(where, np.ndarray) and where.ndim == 1:
        target[rows[where]] = value
    elif where:
        target[rows] = value


def _settle(
    value: Array, registers: Registers, columns: Columns, plan: _Plan
) -> npt.NDArray[np.intp] | None:
    """The checks left to the result. A value that is infinite in a column `plan.root`
    leaves the result not finite in its row (the lowering's operators keep a non-finite
    operand non-finite, see _propagates), so those columns are looked at only in the rows
    where the result is not finite, and so are the zero denominators of the divisions
    whose result reaches the root only through such operators: there the quotient's ±inf
    or NaN became the row's non-finite result, which is then NaN, as it would have been
    had the division set it. The rows where the result is not finite are given back
    (None: none), the same after that NaN."""
    rows = _not_finite(value)
    if rows is None:
        return None
    _no_infinity(columns, plan.root, rows)
    for index in plan.denominators:
        _fill(value, rows, _at(registers[index], rows) == 0.0, np.nan)
    return rows


def _propagates(node: ir.Node, present: frozenset[tuple[str, int]]) -> tuple[bool, ...]:
    """Per operand: does a non-finite operand (±inf or NaN) make the node's value
    non-finite in that row, whatever the other operands? inf + -inf and inf x 0 are NaN,
    inf / x is ±inf or NaN; not so x / inf (0), a comparison, a chosen branch, a
    function, zero_denominator=zero (inf / 0 gives 0), nor an indicator's body where a
    column gives the indicator (the given value shows where it is not NaN)."""
    count = len(ir.children(node))
    match node:
        case ir.Add() | ir.Mul() | ir.Neg() | ir.Not():
            return (True,) * count
        case ir.Div(zero_if_zero=zero):
            return (not zero, False)
        case ir.Inline(indicator=indicator, key=key):
            return ((indicator, key) not in present,)
        case _:
            return (False,) * count


def _truth_valued(node: ir.Node) -> bool:
    """Is every value of `node` 1.0, 0.0 or NaN (a comparison, and/or/not of them)?"""
    pending = [node]
    while pending:
        match pending.pop():
            case ir.Compare():
                pass
            case ir.Const(value=value) if isinstance(value, bool):
                pass
            case ir.Not(operand=operand):
                pending.append(operand)
            case ir.Logic(operands=operands):
                pending.extend(operands)
            case _:
                return False
    return True


def _infinite(key: tuple[str, YearKey]) -> InputError:
    return InputError(
        f"the column of {key[0]!r} for {key[1]} holds an infinite value",
        code="E403",
        hint="use NaN for a missing value",
    )


def check_finite(columns: Columns, keys: Iterable[tuple[str, YearKey]]) -> None:
    """E403 if a column of `keys` holds an infinite value (an absent column is missing)."""
    for key in keys:
        column = columns.get(key)
        if column is not None and not all_finite(column) and np.isinf(column).any():
            raise _infinite(key)


def _no_infinity(columns: Columns, keys: Keys, rows: npt.NDArray[np.intp]) -> None:
    """E403 if a column of `keys` holds an infinite value in one of `rows`."""
    for key in keys:
        column = columns.get(key)
        if column is not None and np.isinf(column[rows]).any():
            raise _infinite(key)


# a > b is heaviside(a - b, 0): 1 above, 0 at and below, NaN for NaN; = and != use |a - b|.
_HEAVISIDE: dict[str, tuple[bool, float]] = {
    ">": (False, 0.0),
    ">=": (False, 1.0),
    "<": (True, 0.0),
    "<=": (True, 1.0),
}
# Of finite operands: numpy's own comparison, which is exact there.
_TRUTH: dict[str, np.ufunc] = {
    "=": np.equal,
    "!=": np.not_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
}


def _compare(op: str, left: int, right: int, spare: int | None, covered: Keys) -> Step:
    """A comparison, 1.0 / 0.0, NaN where an operand is. Of finite operands (the usual
    case, one read of each to know it) it is numpy's comparison written as floats, one
    pass (a difference and heaviside are two, and heaviside is slow: a > b took four
    times as long at 10^6 rows). Otherwise it is the checkpoint of the columns `covered`
    (an infinity there leaves an operand, so the difference, not finite in its row):
    they are looked at only in the rows where the difference is not finite."""
    truth = _TRUTH[op]

    def compare(r: Registers, columns: Columns) -> Floats:
        a, b = r[left], r[right]
        if all_finite(b) and all_finite(a):  # no NaN to keep
            out = _out(r, spare)
            if out is None:
                out = _fresh(a, b)
            return truth(a, b, out=out) if out is not None else float(truth(a, b))
        if op in _HEAVISIDE:
            swap, at_zero = _HEAVISIDE[op]
            difference = np.subtract(*((b, a) if swap else (a, b)), out=_out(r, spare))
            _checkpoint(difference, covered, columns)
            return _inplace(np.heaviside, difference, at_zero)
        difference = np.subtract(a, b, out=_out(r, spare))
        _checkpoint(difference, covered, columns)
        distance = _inplace(np.abs, difference)
        if op == "!=":
            return _inplace(np.heaviside, distance, 0.0)
        return _inplace(np.heaviside, _inplace(np.negative, distance), 1.0)

    return compare


def _checkpoint(difference: Floats, covered: Keys, columns: Columns) -> None:
    if covered and isinstance(difference, np.ndarray) and difference.ndim == 1:
        rows = _not_finite(difference)
        if rows is not None:
            _no_infinity(columns, covered, rows)


def _fresh(a: Floats, b: Floats) -> Array | None:
    """A new column as long as the operand that is one (None: both are scalars)."""
    for value in (a, b):
        if isinstance(value, np.ndarray) and value.ndim == 1:
            return np.empty(value.shape[0])
    return None


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
            chosen = r[then] if condition == 1.0 else r[otherwise]  # a copy: this node's own
            return chosen.copy() if isinstance(chosen, np.ndarray) else chosen
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


def _given_or(column: Array | None, computed: Array) -> Floats:
    """An indicator's value from its given column where not NaN, else the computed one."""
    return computed if column is None else np.where(np.isnan(column), computed, column)


def _inline_reason(column: Array | None, body: Reasons) -> Reasons:
    if column is None:
        return body
    return np.where(np.isnan(column), body, OK).astype(np.int8)
