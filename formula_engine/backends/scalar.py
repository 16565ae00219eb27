"""The float scalar back-end: IR -> nested closures over plain Python floats.

    program = ScalarProgram(root)
    program.keys                      # (("a", 2024), ("b", 2024)): the arguments, in order
    program.function(1009.0, 6212.0)  # 16.2427...; NaN where the value is not computable
    program({("a", 2024): 1009.0, ("b", 2024): 6212.0})   # the same from a mapping

For an embedder that evaluates one row at a time: no numpy, no pydantic, no Fractions,
no reason (NaN says "not computable"; the exact back-end says why). The semantics are
the numpy back-end's, element by element: a NaN argument is a missing value; a zero
denominator gives NaN (0 under zero_denominator=zero, once the numerator is known);
missing=zero reads a NaN as 0; comparisons give 1.0 / 0.0 (NaN if an operand is NaN);
`and`/`or` decide from the left; `if` takes one branch. A function of
formula_engine.functions runs its exact implementation on floats (a NaN argument gives
NaN), so a new function needs no entry here.

The arguments are the slots the formula reads, then the indicators it inlines: a value
given for an indicator (not NaN) is used instead of its body, as on the other back-ends.

Speed: a reference is an `operator.itemgetter`, a constant operand is bound into its
parent's closure, so `a / b x 100%` is three closure calls. Nodes used more than once
(an indicator read twice) and inlined indicators are computed once per call, in
operand order, into registers after the arguments; so no call nests deeper than one
formula's own tree, and a doubling chain of indicators stays linear.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping, Sequence
from typing import SupportsFloat, assert_never

from .. import functions, ir
from ..outcomes import YearKey
from .exact import COMPARE

Regs = Sequence[float]
Fn = Callable[[Regs], float]
NAN = math.nan
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
}


class ScalarProgram:
    """One IR root compiled to closures over floats: `function(*values)` in `keys` order."""

    def __init__(self, root: ir.Node) -> None:
        order = ir.postorder(root)
        uses = ir.uses(order)
        keys: dict[tuple[str, YearKey], int] = {}
        for node in order:
            if isinstance(node, ir.Slot):
                keys.setdefault((node.input, node.key), len(keys))
        for node in order:
            if isinstance(node, ir.Inline):
                keys.setdefault((node.indicator, node.key), len(keys))
        self.keys: tuple[tuple[str, YearKey], ...] = tuple(keys)
        self._keys = keys
        compiled: dict[int, Fn | float] = {}
        prelude: list[Fn] = []
        for node in order:
            value = self._compile(node, compiled)
            registered = node is not root and (
                isinstance(node, ir.Inline)
                or (uses[id(node)] > 1 and callable(value) and not isinstance(node, ir.Slot))
            )
            if registered and callable(value):
                prelude.append(value)
                value = operator.itemgetter(len(keys) + len(prelude) - 1)
            compiled[id(node)] = value
        main = compiled[id(root)]
        self.function: Callable[..., float] = _entry(main, tuple(prelude))

    def __call__(self, values: Mapping[tuple[str, YearKey], SupportsFloat]) -> float:
        """The value from a mapping (id, year key) -> number (made a float); an absent key
        is missing."""
        return self.function(*(float(values.get(key, NAN)) for key in self.keys))

    def _compile(self, node: ir.Node, done: dict[int, Fn | float]) -> Fn | float:
        """A closure for `node` (or a float for a constant); operands are already in `done`."""
        operands = [done[id(child)] for child in ir.children(node)]
        match node:
            case ir.Const(value=value):
                return float(value)
            case ir.Slot():
                return _slot(self._keys[(node.input, node.key)], node.zero_if_missing)
            case ir.Add(signs=signs):
                return _fold(operands, ["+" if sign > 0 else "-" for sign in signs[1:]])
            case ir.Mul():
                return _fold(operands, ["*"] * (len(operands) - 1))
            case ir.Div(zero_if_zero=zero):
                return _divide(operands[0], operands[1], zero)
            case ir.Neg():
                return _unary(operands[0], operator.neg)
            case ir.Not():
                return _unary(operands[0], lambda x: 1.0 - x)
            case ir.Compare(op=op):
                return _compare(COMPARE[op], operands[0], operands[1])
            case ir.Logic(op=op):
                return _logic(1.0 if op == "and" else 0.0, operands)
            case ir.Cond():
                return _cond(*operands)
            case ir.Apply(function=name):
                return _apply(functions.implementation(name, "exact"), operands)
            case ir.Inline():
                return _inline(self._keys[(node.indicator, node.key)], operands[0])
            case _:
                assert_never(node)


def _entry(main: Fn | float, prelude: tuple[Fn, ...]) -> Callable[..., float]:
    if not callable(main):
        constant = main
        return lambda *values: constant
    if not prelude:

        def run(*values: float) -> float:
            return main(values)

        return run

    def run_with_registers(*values: float) -> float:
        registers = list(values)
        for step in prelude:
            registers.append(step(registers))
        return main(registers)

    return run_with_registers


def _fn(operand: Fn | float) -> Fn:
    if callable(operand):
        return operand
    return lambda v: operand


def _slot(index: int, zero_if_missing: bool) -> Fn:
    if not zero_if_missing:
        return operator.itemgetter(index)

    def read(v: Regs) -> float:
        x = v[index]
        return x if x == x else 0.0

    return read


def _fold(operands: list[Fn | float], ops: list[str]) -> Fn | float:
    if not ops:
        return operands[0]
    if len(ops) == 1:
        return _binary(_ARITHMETIC[ops[0]], operands[0], operands[1])
    first = _fn(operands[0])
    rest = [(_ARITHMETIC[op], _fn(operand)) for op, operand in zip(ops, operands[1:], strict=True)]

    def fold(v: Regs) -> float:
        total = first(v)
        for apply, operand in rest:
            total = apply(total, operand(v))
        return total

    return fold


def _binary(
    apply: Callable[[float, float], float], left: Fn | float, right: Fn | float
) -> Fn | float:
    """left op right; a constant operand is bound into the closure (the common `x 100%`)."""
    if not callable(left) and not callable(right):
        return apply(left, right)
    if not callable(right):
        f, c = _fn(left), right
        if apply is operator.mul:
            return lambda v: f(v) * c
        return lambda v: apply(f(v), c)
    if not callable(left):
        c, g = left, right
        if apply is operator.mul:
            return lambda v: c * g(v)
        return lambda v: apply(c, g(v))
    f, g = left, right
    if apply is operator.add:
        return lambda v: f(v) + g(v)
    if apply is operator.sub:
        return lambda v: f(v) - g(v)
    return lambda v: f(v) * g(v)


def _divide(top: Fn | float, bottom: Fn | float, zero: bool) -> Fn:
    numerator, denominator = _fn(top), _fn(bottom)

    def divide(v: Regs) -> float:
        b = denominator(v)
        if b:  # NaN is true: a / NaN is NaN
            return numerator(v) / b
        a = numerator(v)  # missing before zero: a missing numerator stays missing
        return 0.0 if zero and a == a else NAN

    return divide


def _unary(operand: Fn | float, apply: Callable[[float], float]) -> Fn:
    inner = _fn(operand)
    return lambda v: apply(inner(v))


def _compare(apply: Callable[[float, float], bool], left: Fn | float, right: Fn | float) -> Fn:
    first, second = _fn(left), _fn(right)

    def compare(v: Regs) -> float:
        a, b = first(v), second(v)
        if a != a or b != b:
            return NAN
        return 1.0 if apply(a, b) else 0.0

    return compare


def _logic(going_on: float, operands: list[Fn | float]) -> Fn:
    """and (going_on 1.0) / or (0.0) from the left: a decided or NaN value stays."""
    first, rest = _fn(operands[0]), [_fn(operand) for operand in operands[1:]]

    def logic(v: Regs) -> float:
        total = first(v)
        for operand in rest:
            if total != going_on:
                return total
            total = operand(v)
        return total

    return logic


def _cond(test: Fn | float, then: Fn | float, otherwise: Fn | float) -> Fn:
    condition, chosen, other = _fn(test), _fn(then), _fn(otherwise)

    def cond(v: Regs) -> float:
        c = condition(v)
        if c != c:
            return NAN
        return chosen(v) if c == 1.0 else other(v)

    return cond


def _apply(implementation: Callable[..., object], operands: list[Fn | float]) -> Fn:
    arguments = [_fn(operand) for operand in operands]

    def apply(v: Regs) -> float:
        values = [argument(v) for argument in arguments]
        if any(value != value for value in values):
            return NAN
        return float(implementation(*values))  # type: ignore[arg-type]

    return apply


def _inline(index: int, body: Fn | float) -> Fn:
    """An indicator's value: the one given for it where not NaN, else its body's."""
    computed = _fn(body)

    def read(v: Regs) -> float:
        given = v[index]
        return given if given == given else computed(v)

    return read
