"""The exact back-end: IR -> closures over ints and Fractions, compiled once per program.

    program = ExactProgram(root)            # root from formula_engine.lower
    program({("a", 2024): 1009, ("b", 2024): 6212})   -> Fraction(1009, 6212)
    program.run(values, trace=steps)        # also records explain Steps (outcomes.Step)

Same outcomes as docs/engine.md states: a missing value raises NotComputable (E401,
"<label> <year> missing", at the reference), a zero denominator E402 ("denominator is
zero: <text> = 0 in <year>", at the denominator), unless the reading formula's policy
says 0. Missing before zero: when an operand cannot be computed, the later operands are
still read, and the first missing one wins over any other outcome (`_settle`).
An inlined indicator that cannot be computed makes the reader not computable, whatever
the reader's policy, with the reason `<label> <year> not computable: <why>`.
`if` is lazy and `and`/`or` short-circuit.

Inputs may be int, Fraction, Decimal, float, numpy scalars or numeric text; None and NaN
are missing; an infinity or a non-number is rejected with InputError (E403). No
pydantic on this path: an evaluation is a handful of closure calls. A node shared by
several operands (an inlined indicator) is evaluated once per run.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, assert_never

from .. import functions, ir, nodes
from ..errors import EvaluationError
from ..outcomes import (
    BASELINE,
    MISSING,
    ZERO_DENOMINATOR,
    NotANumber,
    NotComputable,
    Step,
    YearKey,
    exact_number,
)

Number = int | Fraction
Value = Number | bool
ValuesIn = Mapping[tuple[str, YearKey], object]
Fn = Callable[["_Run"], Value]
NOT_A_NUMBER = "E403"  # as formula_engine.model.to_fraction: one code for every bad value
COMPARE: dict[str, Callable[[Any, Any], bool]] = {  # also the scalar back-end's
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class InputError(EvaluationError):
    """A given value is not a finite number or not a number at all (E403)."""


class _Run:
    """The state of one evaluation: the values, the trace, the memo of shared nodes."""

    __slots__ = ("memo", "trace", "values")

    def __init__(self, values: ValuesIn, trace: list[Step] | None) -> None:
        self.values, self.trace = values, trace
        self.memo: dict[int, Value | NotComputable] = {}


class ExactProgram:
    """One IR root compiled to closures; call it with values keyed by (id, YearKey)."""

    def __init__(self, root: ir.Node) -> None:
        self.root = root
        self.calls = 0  # closures built (tests count compile work with it)
        self._fn = self._compile(root, traced=False)
        self._traced: Fn | None = None
        self._plain: dict[int, Fn] = {}

    def __call__(self, values: ValuesIn) -> Fraction | bool:
        return _result(self._fn(_Run(values, None)))

    def run(self, values: ValuesIn, trace: list[Step] | None = None) -> Fraction | bool:
        if trace is None:
            return self(values)
        if self._traced is None:
            self._traced = self._compile(self.root, traced=True)
        return _result(self._traced(_Run(values, trace)))

    def _compile(self, root: ir.Node, traced: bool) -> Fn:
        order = ir.postorder(root)
        uses = ir.uses(order)
        fns: dict[int, Fn] = {}
        for node in order:
            if traced and isinstance(node, ir.Inline):
                body = self._plain_fn(node.body)
                fn = _node(node, [body], traced=False)
            elif isinstance(node, ir.Div) and _spine_link(node.numerator, uses):
                spine = _spine(node, uses)
                denominators = [fns[id(link.denominator)] for link in spine]
                fn = _divide_chain(spine, fns[id(spine[0].numerator)], denominators, traced)
            else:
                fn = _node(node, [fns[id(c)] for c in ir.children(node)], traced)
            if traced:
                fn = _traced(node, fn)
            elif uses[id(node)] > 1:
                fn = _memoised(id(node), fn)
            fns[id(node)] = fn
            self.calls += 1
        return fns[id(root)]

    def _plain_fn(self, body: ir.Node) -> Fn:
        """An inlined indicator, evaluated without tracing (as evaluate does)."""
        if id(body) not in self._plain:
            self._plain[id(body)] = _memoised(-1 - id(body), self._compile(body, traced=False))
        return self._plain[id(body)]


def _result(value: Value) -> Fraction | bool:
    return value if isinstance(value, bool | Fraction) else Fraction(value)


def _memoised(index: int, fn: Fn) -> Fn:  # index: a key unique to the node
    def memo(run: _Run) -> Value:
        if index in run.memo:
            known = run.memo[index]
            if isinstance(known, NotComputable):
                raise known
            return known
        try:
            value = fn(run)
        except NotComputable as reason:
            run.memo[index] = reason
            raise
        run.memo[index] = value
        return value

    return memo


def _traced(node: ir.Node, fn: Fn) -> Fn:
    origin = node.origin
    if origin is None or isinstance(origin.expr, nodes.Number | nodes.Percent):
        return fn
    expr, year = origin.expr, origin.year

    def traced(run: _Run) -> Value:
        value = fn(run)
        assert run.trace is not None
        run.trace.append(Step(expr, year, _result(value)))
        return value

    return traced


def _node(node: ir.Node, args: list[Fn], traced: bool) -> Fn:
    match node:
        case ir.Const(value=value):
            constant: Value = (
                int(value) if type(value) is Fraction and value.denominator == 1 else value
            )
            return lambda run: constant
        case ir.Slot():
            return _slot(node)
        case ir.Add() | ir.Mul() | ir.Logic():
            return _chain(node, args, traced)
        case ir.Div():
            return _divide(node, args[0], args[1])
        case ir.Neg():
            operand = args[0]
            return lambda run: -operand(run)
        case ir.Not():
            operand = args[0]
            return lambda run: not operand(run)
        case ir.Compare(op=op):
            compare, left, right = COMPARE[op], args[0], args[1]

            def relation(run: _Run) -> Value:
                try:
                    first = left(run)
                except NotComputable as failure:
                    raise _settle(run, failure, (right,)) from None
                return compare(first, right(run))

            return relation
        case ir.Cond():
            condition, then, otherwise = args
            return lambda run: then(run) if condition(run) else otherwise(run)
        case ir.Apply(function=name):
            apply: Callable[..., Value] = functions.implementation(name, "exact")
            return lambda run: apply(*_all(run, args))
        case ir.Inline():
            return _inline(node, args[0])
        case _:
            assert_never(node)


def _slot(node: ir.Slot) -> Fn:
    key, zero = (node.input, node.key), node.zero_if_missing
    when = "the baseline (awal)" if node.key == BASELINE else str(node.key)
    reason, span = f"{node.label} {when} missing", node.reference.span

    def read(run: _Run) -> Value:
        raw = run.values.get(key)
        kind = type(raw)
        if kind is int or kind is Fraction:
            return raw  # type: ignore[return-value]
        value = _number(raw, node.label, node.key, node.reference)
        if value is not None:
            return value
        if zero:
            return 0
        raise NotComputable(reason, span, MISSING)

    return read


def _number(raw: object, label: str, key: YearKey, reference: nodes.Expr) -> Number | None:
    """A given value as an exact number; None when it is missing (None, NaN)."""
    try:
        return exact_number(raw)
    except NotANumber as bad:
        message = f"the value of {label} {key} {bad}"
        raise InputError(message, reference.span, code=NOT_A_NUMBER, hint=bad.hint) from None


def _settle(run: _Run, failure: NotComputable, later: Sequence[Fn]) -> NotComputable:
    """Missing before zero: `failure` came from an operand; unless it is a missing value,
    the operands after it are read too and the first missing one wins (as evaluate)."""
    if failure.code == MISSING:
        return failure
    for operand in later:
        try:
            operand(run)
        except NotComputable as other:
            if other.code == MISSING:
                return other
    return failure


def _all(run: _Run, args: Sequence[Fn]) -> list[Value]:
    """Every operand's value, in order; when one cannot be computed, the outcome by
    precedence (missing before zero) is raised."""
    values: list[Value] = []
    try:
        for arg in args:
            values.append(arg(run))
    except NotComputable as failure:
        raise _settle(run, failure, args[len(values) + 1 :]) from None
    return values


def _divide(node: ir.Div, numerator: Fn, denominator: Fn) -> Fn:
    zero = node.zero_if_zero

    def divide(run: _Run) -> Value:
        try:  # both operands first: missing before zero
            top = numerator(run)
        except NotComputable as failure:
            raise _settle(run, failure, (denominator,)) from None
        bottom = denominator(run)
        if bottom == 0:
            if zero:
                return 0
            reason, span = ir.zero_reason(node)
            raise NotComputable(reason, span, ZERO_DENOMINATOR)
        if type(top) is int and type(bottom) is int:
            return Fraction(top, bottom)
        return top / bottom  # type: ignore[return-value]

    return divide


def _spine_link(node: ir.Node, uses: dict[int, int]) -> bool:
    return isinstance(node, ir.Div) and uses[id(node)] == 1


def _spine(node: ir.Div, uses: dict[int, int]) -> list[ir.Div]:
    """a / b / c / ...: the divisions of a left spine, innermost first."""
    spine = [node]
    while _spine_link(spine[-1].numerator, uses):
        numerator = spine[-1].numerator
        assert isinstance(numerator, ir.Div)
        spine.append(numerator)
    return spine[::-1]


def _divide_chain(spine: list[ir.Div], base: Fn, denominators: list[Fn], traced: bool) -> Fn:
    """A chain of divisions with a loop (a 1000-term chain does not recurse 1000 deep),
    with the precedence of nested divisions; traced, the inner quotients are Steps."""
    last = len(spine) - 1

    def chain(run: _Run) -> Value:
        try:
            value = base(run)
        except NotComputable as failure:
            raise _settle(run, failure, denominators) from None
        for index, link in enumerate(spine):
            try:
                bottom = denominators[index](run)
            except NotComputable as failure:
                raise _settle(run, failure, denominators[index + 1 :]) from None
            if bottom == 0:
                if not link.zero_if_zero:
                    reason, span = ir.zero_reason(link)
                    zero = NotComputable(reason, span, ZERO_DENOMINATOR)
                    raise _settle(run, zero, denominators[index + 1 :]) from None
                value = 0
            elif type(value) is int and type(bottom) is int:
                value = Fraction(value, bottom)
            else:
                value = value / bottom  # type: ignore[assignment]
            if traced and index < last and (origin := link.origin) is not None:
                assert run.trace is not None
                run.trace.append(Step(origin.expr, origin.year, _result(value)))
        return value

    return chain


def _inline(node: ir.Inline, body: Fn) -> Fn:
    """The indicator's value: the one given for it (id, year), else computed. When it
    cannot be computed, the reader cannot either (the reason names the indicator, at the
    reference; the reader's policy does not apply)."""
    label, key = node.label or node.indicator, node.key
    assert node.origin is not None, "the lowering gives every Inline its reference"
    reference = node.origin.expr
    span, given_key = reference.span, (node.indicator, node.key)

    def read(run: _Run) -> Value:
        raw = run.values.get(given_key)
        if raw is not None:
            kind = type(raw)
            given = raw if kind is int or kind is Fraction else _number(raw, label, key, reference)
            if given is not None:
                return given  # type: ignore[return-value]
        try:
            return body(run)
        except NotComputable as failure:
            reason = f"{label} {key} not computable: {failure.reason}"
            raise NotComputable(reason, span, failure.code) from None

    return read


def _chain(node: ir.Add | ir.Mul | ir.Logic, args: list[Fn], traced: bool) -> Fn:
    """n-ary sums, products, and/or; traced, also the partial results the source had."""
    if isinstance(node, ir.Logic):
        return _logic(node, args, traced)
    steps: list[Callable[[Value, Value], Value]]
    if isinstance(node, ir.Add):
        steps = [operator.add if sign > 0 else operator.sub for sign in node.signs[1:]]
    else:
        steps = [operator.mul] * (len(args) - 1)
    first, later = args[0], args[1:]
    rest = list(zip(steps, later, strict=True))
    if not traced and len(rest) == 1:
        step, second = rest[0]

        def pair(run: _Run) -> Value:
            try:
                left = first(run)
            except NotComputable as failure:
                raise _settle(run, failure, later) from None
            return step(left, second(run))

        return pair
    partials = _partials(node, traced)

    def fold(run: _Run) -> Value:
        read = 0  # operands read so far, minus one
        try:
            total = first(run)
            for read, (step, arg) in enumerate(rest, 1):
                total = step(total, arg(run))
                _record(run, partials, read - 1, total)
        except NotComputable as failure:
            raise _settle(run, failure, later[read:]) from None
        return total

    return fold


def _logic(node: ir.Logic, args: list[Fn], traced: bool) -> Fn:
    decides = node.op == "or"  # the value that decides: true for or, false for and
    partials = _partials(node, traced)

    def logic(run: _Run) -> Value:
        for index, arg in enumerate(args):
            if bool(arg(run)) is decides:
                for later in range(max(index - 1, 0), len(args) - 1):
                    _record(run, partials, later, decides)
                return decides
            if index:
                _record(run, partials, index - 1, not decides)
        return not decides

    return logic


def _partials(node: ir.Add | ir.Mul | ir.Logic, traced: bool) -> tuple[ir.Origin | None, ...]:
    return node.partials if traced else ()


def _record(run: _Run, partials: tuple[ir.Origin | None, ...], index: int, value: Value) -> None:
    if index < len(partials) and (origin := partials[index]) is not None:
        assert run.trace is not None
        run.trace.append(Step(origin.expr, origin.year, _result(value)))
