"""Stage 4, compile: a bound formula, for one year n -> a sympy expression.

Only explicit sympy constructors are used (Rational, Symbol, Add, Mul, Pow, ...); no text
is ever handed to sympify or parse_expr. Each reference becomes a symbol per year,
`<id>__<year>` or `<id>__awal` for the baseline; symbol names are checked against that
pattern before use, so nothing but our own ids can reach sympy. Cumulative sums expand
over the plan years. Symbols carry the inputs' admissible domains (nonnegative,
positive, real), which the symbolic checks rely on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction

import sympy

from . import nodes
from .declarations import Plan
from .evaluate import YearKey, cumulative_years, year_key

SYMBOL_NAME = re.compile(r"[a-z][a-z0-9_]*__(\d{4}|awal)")
_ASSUMPTIONS = {
    "nonnegative": {"nonnegative": True},
    "positive": {"positive": True},
    "real": {"real": True},
}


def symbol_for(identifier: str, key: YearKey, domain: str = "real") -> sympy.Symbol:
    name = f"{identifier}__{key}"
    if not SYMBOL_NAME.fullmatch(name):
        raise ValueError(f"refusing to build a sympy symbol named {name!r}")
    return sympy.Symbol(name, **_ASSUMPTIONS[domain])


def parse_symbol(symbol: sympy.Symbol) -> tuple[str, YearKey]:
    identifier, _, key = symbol.name.rpartition("__")
    return identifier, ("awal" if key == "awal" else int(key))


def rational(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


class SympyCompiler:
    """Compiles bound formulas; `domains` maps ids to their admissible domain."""

    def __init__(self, plan: Plan, domains: Mapping[str, str]) -> None:
        self.plan = plan
        self.domains = domains

    def compile(self, expr: nodes.Expr, year: int) -> sympy.Basic:
        if isinstance(expr, nodes.Number | nodes.Percent):
            return rational(expr.value)
        if isinstance(expr, nodes.Reference):
            key = year_key(expr.period, year, self.plan)
            return symbol_for(expr.name, key, self.domains.get(expr.name, "real"))
        if isinstance(expr, nodes.Unary):
            operand = self.compile(expr.operand, year)
            if expr.op == "not":
                return sympy.Not(operand)
            return sympy.Mul(sympy.Integer(-1), operand) if expr.op == "-" else operand
        if isinstance(expr, nodes.Binary):
            return self._binary(expr, year)
        if isinstance(expr, nodes.Compare):
            return _RELATIONS[expr.op](
                self.compile(expr.left, year), self.compile(expr.right, year)
            )
        if isinstance(expr, nodes.Cumulative):
            terms = [self.compile(expr.body, y) for y in cumulative_years(expr, year, self.plan)]
            return sympy.Add(*terms) if terms else sympy.Integer(0)
        return self._call(expr, year)

    def _binary(self, expr: nodes.Binary, year: int) -> sympy.Basic:
        """A chain folded with a loop; each run of links of one kind (+ and -, x and /,
        and, or) becomes one sympy constructor call, so a sum of a thousand terms is built
        once instead of being flattened again at every term."""
        first, links = nodes.left_spine(expr)
        kind, operands = None, [self.compile(first, year)]
        for link in links:
            link_kind = _RUN[link.op]
            if link_kind != kind and len(operands) > 1:
                operands = [_build(kind, operands)]
            kind = link_kind
            operands.append(_operand(link.op, self.compile(link.right, year)))
        return _build(kind, operands)

    def _call(self, expr: nodes.Call, year: int) -> sympy.Basic:
        args = [self.compile(arg, year) for arg in expr.args]
        if expr.function == "if":
            condition, then, otherwise = args
            return sympy.Piecewise((then, condition), (otherwise, True))
        if expr.function == "sum":
            return sympy.Add(*args)
        if expr.function == "min":
            return sympy.Min(*args)
        if expr.function == "max":
            return sympy.Max(*args)
        return sympy.Abs(args[0])


_RUN = {"+": "add", "-": "add", "*": "mul", "/": "mul", "and": "and", "or": "or"}
_CONSTRUCTORS = {"add": sympy.Add, "mul": sympy.Mul, "and": sympy.And, "or": sympy.Or}


def _operand(op: str, value: sympy.Basic) -> sympy.Basic:
    if op == "-":
        return sympy.Mul(sympy.Integer(-1), value)
    if op == "/":
        return sympy.Pow(value, sympy.Integer(-1))
    return value


def _build(kind: str | None, operands: list[sympy.Basic]) -> sympy.Basic:
    return operands[0] if kind is None else _CONSTRUCTORS[kind](*operands)


_RELATIONS = {
    "=": sympy.Eq,
    "!=": sympy.Ne,
    "<": sympy.Lt,
    "<=": sympy.Le,
    ">": sympy.Gt,
    ">=": sympy.Ge,
}
