"""The typed AST of the formula language.

Every node is a frozen, slotted dataclass with a source span. Spans are excluded from
equality, so `parse(to_text(tree)) == tree` compares structure, not layout. Numbers are
exact (`fractions.Fraction`); nothing here knows about lark, sympy or units.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal, TypeAlias

from .errors import Span

NO_SPAN = Span(0, 0)


# Periods: which year a reference reads, relative to the year being evaluated (n).


@dataclass(frozen=True, slots=True)
class Relative:
    """Year n + offset: [n] is offset 0, [n-1] is offset -1."""

    offset: int = 0


@dataclass(frozen=True, slots=True)
class Year:
    """An absolute calendar year: [2022]."""

    year: int


@dataclass(frozen=True, slots=True)
class Baseline:
    """The plan's baseline (kondisi awal): [awal]."""


Period: TypeAlias = Relative | Year | Baseline
CURRENT_YEAR = Relative(0)


# Expressions.


@dataclass(frozen=True, slots=True)
class Number:
    """A literal number, exact: 16.24 is Fraction(406, 25)."""

    value: Fraction
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Percent:
    """A literal percentage: 100% is Percent(100), a hundred percent points."""

    value: Fraction
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reference:
    """A declared input or indicator, by snake_case name or by quoted label."""

    name: str
    quoted: bool = False
    period: Period = CURRENT_YEAR
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


UnaryOp: TypeAlias = Literal["-", "+", "not"]
BinaryOp: TypeAlias = Literal["+", "-", "*", "/", "and", "or"]
CompareOp: TypeAlias = Literal["=", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Unary:
    op: UnaryOp
    operand: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Binary:
    """A binary operation. `a + b + c` is a left-leaning chain ((a + b) + c) that may be
    as long as the formula: equality, hashing and repr walk it without recursion."""

    op: BinaryOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        mine: object = self
        while isinstance(mine, Binary) and isinstance(other, Binary):
            if mine.op != other.op or mine.right != other.right:
                return False
            mine, other = mine.left, other.left
        return type(mine) is type(other) and mine == other

    def __hash__(self) -> int:
        first, links = left_spine(self)
        return hash((hash(first), tuple((link.op, link.right) for link in links)))

    def __repr__(self) -> str:
        first, links = left_spine(self)
        opening = [f"Binary(op={link.op!r}, left=" for link in reversed(links)]
        closing = [f", right={link.right!r})" for link in links]
        return "".join([*opening, repr(first), *closing])


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Call:
    """A call of an allow-listed function (sum, min, max, abs, if)."""

    function: str
    args: tuple[Expr, ...]
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Cumulative:
    """akumulasi(body)[until]: body summed over the plan years from the first year of the
    plan period up to `until` (n by default)."""

    body: Expr
    until: Relative | Year = CURRENT_YEAR
    span: Span = field(default=NO_SPAN, compare=False, repr=False)


Expr: TypeAlias = Number | Percent | Reference | Unary | Binary | Compare | Call | Cumulative


def children(node: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, Unary):
        return (node.operand,)
    if isinstance(node, Binary | Compare):
        return (node.left, node.right)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Cumulative):
        return (node.body,)
    return ()


def left_spine(node: Expr) -> tuple[Expr, list[Binary]]:
    """A chain `a op b op c ...` as its first operand and its operations, innermost first.

    Binary operators are left-associative, so a long sum is a long left spine; walkers
    fold over it with a loop instead of recursing once per term."""
    links: list[Binary] = []
    while isinstance(node, Binary):
        links.append(node)
        node = node.left
    links.reverse()
    return node, links


def walk(node: Expr) -> list[Expr]:
    """Every node of the tree, parents before children (iterative: no recursion limit)."""
    order: list[Expr] = []
    stack = [node]
    while stack:
        current = stack.pop()
        order.append(current)
        stack.extend(reversed(children(current)))
    return order


def references(node: Expr) -> list[Reference]:
    """The references of a formula, in source order."""
    return [n for n in walk(node) if isinstance(n, Reference)]


def map_references(expr: Expr, change: Callable[[Reference], Reference]) -> Expr:
    """The tree with every reference replaced by `change(reference)`; spans kept."""
    if isinstance(expr, Reference):
        return change(expr)
    if isinstance(expr, Unary):
        return replace(expr, operand=map_references(expr.operand, change))
    if isinstance(expr, Binary):
        first, links = left_spine(expr)
        folded = map_references(first, change)
        for link in links:
            folded = replace(link, left=folded, right=map_references(link.right, change))
        return folded
    if isinstance(expr, Compare):
        left, right = map_references(expr.left, change), map_references(expr.right, change)
        return replace(expr, left=left, right=right)
    if isinstance(expr, Call):
        return replace(expr, args=tuple(map_references(a, change) for a in expr.args))
    if isinstance(expr, Cumulative):
        return replace(expr, body=map_references(expr.body, change))
    return expr


def to_dict(node: Expr) -> dict[str, object]:
    """A JSON-ready view of the tree, with spans (depth is bounded by the parser)."""
    if isinstance(node, Binary):
        first, links = left_spine(node)
        folded = to_dict(first)
        for link in links:
            right = to_dict(link.right)
            span = [link.span.start, link.span.end]
            folded = {"node": "Binary", "op": link.op, "left": folded, "right": right, "span": span}
        return folded
    data: dict[str, object] = {"node": type(node).__name__}
    if isinstance(node, Number | Percent):
        data["value"] = str(node.value)
    elif isinstance(node, Reference):
        data.update(name=node.name, quoted=node.quoted, period=_period_dict(node.period))
    elif isinstance(node, Unary):
        data.update(op=node.op, operand=to_dict(node.operand))
    elif isinstance(node, Compare):
        data.update(op=node.op, left=to_dict(node.left), right=to_dict(node.right))
    elif isinstance(node, Call):
        data.update(function=node.function, args=[to_dict(arg) for arg in node.args])
    elif isinstance(node, Cumulative):
        data.update(body=to_dict(node.body), until=_period_dict(node.until))
    data["span"] = [node.span.start, node.span.end]
    return data


def to_json(node: Expr, indent: int | None = 2) -> str:
    """`{"canonical": ..., "ast": to_dict(node)}` as JSON text, for any tree the parser builds.

    A chain of n terms nests n Binary objects (the tree is left-associative); json's
    encoder recurses once per level, so the recursion limit is raised for this call only,
    within the bound the parser's length limit puts on n."""
    from .printer import to_text  # the printer imports this module

    data = {"canonical": to_text(node), "ast": to_dict(node)}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * _text_bound(node) + 1_000))
    try:
        return json.dumps(data, indent=indent, ensure_ascii=False)
    finally:
        sys.setrecursionlimit(limit)


def _text_bound(node: Expr) -> int:
    """An upper bound of the tree's depth: its source length (each level has a character)."""
    return max(node.span.end - node.span.start, 64)


def _period_dict(period: Period) -> dict[str, object]:
    if isinstance(period, Relative):
        return {"kind": "relative", "offset": period.offset}
    if isinstance(period, Year):
        return {"kind": "year", "year": period.year}
    return {"kind": "baseline"}
