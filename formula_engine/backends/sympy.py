"""The sympy back-end: IR -> a sympy expression with one symbol per slot.

Symbols are built only by `symbol_for` (`<id>__<year>`, checked against the name rule
of formula_engine.outcomes, with the input's domain as assumptions); constants by
explicit constructors. No text reaches sympify. `SympyCompiler(plan, domains)` lowers a
bound tree (its references as symbols, indicators not inlined) and builds the plain
form: what the symbolic checks and equivalence read.

Two shapes. `guarded=False` (for symbolic checks): a division is num * den**-1 and
and/or/if are plain sympy logic. `guarded=True`
(the default, for evaluation): the engine's semantics are kept under substitution, so
`evaluate` gives the exact back-end's outcome: a division is `_Quotient(num, den)`,
which stays unevaluated until the denominator is a number and is then num/den, or nan
for a zero one (not computable), `and`/`or`
decide from the left (but `<missing> and false` simplifies to false: sympy drops a
condition whose branches agree, a known difference), and under zero_denominator=zero
the 0 waits for the numerator to be known. Missing before zero: a result that is not a
number is E401 when some value was not given, else E402 (so a missing value in a
branch `if` did not take counts too: sympy only says "not computable" exactly there).
An inlined indicator
is its body (the reader's missing=zero does not reach inside it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, assert_never

import sympy

from .. import functions, ir, nodes
from ..declarations import Plan
from ..lower import Lowering
from ..outcomes import MISSING, ZERO_DENOMINATOR, YearKey, parse_symbol_name, symbol_name

_ASSUMPTIONS = {
    "nonnegative": {"nonnegative": True},
    "positive": {"positive": True},
    "real": {"real": True},
}
_RELATIONS = {
    "=": sympy.Eq,
    "!=": sympy.Ne,
    "<": sympy.Lt,
    "<=": sympy.Le,
    ">": sympy.Gt,
    ">=": sympy.Ge,
}


def symbol_for(identifier: str, key: YearKey, domain: str = "real") -> sympy.Symbol:
    return sympy.Symbol(symbol_name(identifier, key), **_ASSUMPTIONS[domain])


def parse_symbol(symbol: sympy.Symbol) -> tuple[str, YearKey]:
    return parse_symbol_name(symbol.name)


def rational(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


class SympyCompiler:
    """Bound trees (or sub-trees) for a year -> the plain sympy form, over the inputs'
    domains; every reference is a symbol (an indicator too: the checks look at one
    formula). Lowered once per (tree, year)."""

    def __init__(self, plan: Plan, domains: Mapping[str, str]) -> None:
        self.plan, self.domains = plan, domains
        self._lowering = Lowering(plan)

    def compile(self, expr: nodes.Expr, year: int) -> sympy.Basic:
        root = self._lowering.lower(expr, year)
        return to_sympy(root, self.domains, guarded=False).expr


class Unsupported(NotImplementedError):
    """The IR uses a construct this back-end cannot express."""


class _ZeroOnceKnown(sympy.Function):  # type: ignore[misc]
    """0 once its argument is a number; unevaluated (so: not computable) while it is not."""

    @classmethod
    def eval(cls, value: sympy.Basic) -> sympy.Basic | None:
        return sympy.Integer(0) if value.is_number else None


class _Quotient(sympy.Function):  # type: ignore[misc]
    """numerator / denominator once the denominator is a number: nan for 0 (or, when the
    third argument is true, 0 once the numerator is a number too). Unevaluated before,
    so comparisons and min/max over it wait for the values (no nan comparison)."""

    @classmethod
    def eval(
        cls, numerator: sympy.Basic, denominator: sympy.Basic, zero: sympy.Basic
    ) -> sympy.Basic | None:
        if not denominator.is_number:
            return None
        if denominator.is_zero:
            if zero is not sympy.true or numerator is sympy.nan:
                return sympy.nan
            return sympy.Integer(0) if numerator.is_number else None
        if denominator is sympy.nan or numerator is sympy.nan:
            return sympy.nan
        return sympy.Mul(numerator, sympy.Pow(denominator, sympy.Integer(-1)))


class _Given(sympy.Function):  # type: ignore[misc]
    """An inlined indicator: its given value (the symbol `<id>__<year>` substituted by a
    number) or, when none is given (substituted by nan), its body."""

    @classmethod
    def eval(cls, given: sympy.Basic, body: sympy.Basic) -> sympy.Basic | None:
        if given is sympy.nan:
            return body
        return given if given.is_number else None


@dataclass(frozen=True)
class Symbolic:
    """A formula as sympy: `expr`, the symbols read as 0 when no value is given, and the
    symbols of inlined indicators (`evaluate` gives each its value or its body)."""

    expr: sympy.Basic
    zero_when_missing: frozenset[sympy.Symbol]
    indicators: frozenset[sympy.Symbol] = frozenset()


def to_sympy(
    root: ir.Node, domains: Mapping[str, str] | None = None, guarded: bool = True
) -> Symbolic:
    """The sympy form of an IR root; `domains` maps ids to nonnegative/positive/real."""
    domains = domains or {}
    built: dict[int, Any] = {}
    zero: set[sympy.Symbol] = set()
    strict: set[sympy.Symbol] = set()
    indicators: set[sympy.Symbol] = set()
    for node in ir.postorder(root):
        args = [built[id(child)] for child in ir.children(node)]
        if isinstance(node, ir.Slot):
            symbol = symbol_for(node.input, node.key, domains.get(node.input, "real"))
            (zero if node.zero_if_missing else strict).add(symbol)
            built[id(node)] = symbol
        elif isinstance(node, ir.Inline) and guarded:  # a value given for it wins
            symbol = symbol_for(node.indicator, node.key)
            indicators.add(symbol)
            built[id(node)] = _Given(symbol, args[0])
        else:
            built[id(node)] = _node(node, args, guarded)
    return Symbolic(built[id(root)], frozenset(zero - strict), frozenset(indicators))


def _node(node: ir.Node, args: list[Any], guarded: bool) -> Any:
    match node:
        case ir.Const(value=value):
            return (
                sympy.true if value is True else sympy.false if value is False else rational(value)
            )
        case ir.Slot():
            raise AssertionError("slots are built by to_sympy")
        case ir.Add(signs=signs):
            return sympy.Add(*[a if s > 0 else -a for a, s in zip(args, signs, strict=True)])
        case ir.Mul():
            return _keep_unknowns(sympy.Mul(*args), args) if guarded else sympy.Mul(*args)
        case ir.Div():
            return _divide(node, args[0], args[1], guarded)
        case ir.Neg():
            return -args[0]
        case ir.Not():
            return sympy.Not(args[0])
        case ir.Compare(op=op):
            return _RELATIONS[op](args[0], args[1])
        case ir.Logic(op=op):
            return _logic(op, args, guarded)
        case ir.Cond():
            return sympy.Piecewise((args[1], args[0]), (args[2], True))
        case ir.Apply(function=name):
            return functions.implementation(name, "sympy")(*args)
        case ir.Inline():
            return args[0]
        case _:
            assert_never(node)


def _divide(node: ir.Div, numerator: Any, denominator: Any, guarded: bool) -> Any:
    quotient = sympy.Mul(numerator, sympy.Pow(denominator, sympy.Integer(-1)))
    if not guarded:
        return quotient
    zero = sympy.true if node.zero_if_zero else sympy.false
    return _Quotient(numerator, denominator, zero)


def _keep_unknowns(product: Any, factors: list[Any]) -> Any:
    """0 x <missing> is missing, not 0: each factor stays in the expression (as a term
    that is 0 once the factor is a number) so that sympy cannot cancel it."""
    return sympy.Add(product, *[_ZeroOnceKnown(f) for f in factors if not f.is_number])


def _logic(op: str, args: list[Any], guarded: bool) -> Any:
    if not guarded:
        return sympy.And(*args) if op == "and" else sympy.Or(*args)
    total = args[0]
    for arg in args[1:]:  # decided from the left: the left operand must be known first
        if op == "and":
            chosen = sympy.Piecewise((arg, total), (sympy.false, True))
        else:
            chosen = sympy.Piecewise((sympy.true, total), (arg, True))
        total = chosen
    return total


def evaluate(
    formula: Symbolic, values: Mapping[tuple[str, YearKey], Fraction]
) -> Fraction | bool | str:
    """The value for exact `values`, or the code why not (E401 missing, E402 zero)."""
    expr = formula.expr
    if formula.indicators:  # first each indicator: its given value, or its body (nan)
        chosen = {s: _value_or(values, s, sympy.nan) for s in formula.indicators}
        expr = expr.xreplace(chosen)
    substitution: dict[sympy.Symbol, sympy.Basic] = {}
    for symbol in expr.free_symbols:
        given = values.get(parse_symbol(symbol))
        if given is not None:
            substitution[symbol] = rational(given)
        elif symbol in formula.zero_when_missing:
            substitution[symbol] = sympy.Integer(0)
    not_computable = MISSING if expr.free_symbols - set(substitution) else ZERO_DENOMINATOR
    try:
        value = expr.xreplace(substitution) if substitution else expr
    except (TypeError, ValueError):  # nan compared or in min/max: not computable
        return not_computable
    if value.free_symbols or value.has(_ZeroOnceKnown, _Quotient):
        return MISSING
    if value is sympy.true or value is sympy.false:
        return bool(value)
    if value.has(sympy.nan, sympy.zoo):
        return not_computable
    number = sympy.Rational(value)
    return Fraction(int(number.p), int(number.q))


def _value_or(
    values: Mapping[tuple[str, YearKey], Fraction], symbol: sympy.Symbol, absent: sympy.Basic
) -> sympy.Basic:
    given = values.get(parse_symbol(symbol))
    return absent if given is None else rational(given)
