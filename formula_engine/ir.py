"""The intermediate representation every back-end consumes (built by formula_engine.lower).

A formula for one year n becomes a small DAG of typed nodes in which nothing depends on
the year any more: a reference is a concrete (input, year) `Slot`, `akumulasi` is an
expanded `Add`, `[n-1]` in the plan's first year already reads the baseline, and a
reference to another indicator is an `Inline` of that indicator's own IR (shared: one
node per (indicator, year), however often it is referenced).

Nodes are frozen, slotted dataclasses compared by identity (`eq=False`), so back-ends can
memoise by node and a shared sub-DAG is compiled once. Associative chains are n-ary
(`Add` with signs, `Mul`, `Logic`), so a 1000-term sum is one node, not 1000 levels.
Every node keeps its `origin` (the source AST node and the year n it was lowered for),
from which the exact back-end builds explain Steps (evaluate.Step).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias, assert_never

from . import nodes
from .errors import Span
from .outcomes import YearKey
from .printer import to_text


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a node comes from: an AST node of some formula, lowered for year n."""

    expr: nodes.Expr
    year: int


@dataclass(frozen=True, slots=True, eq=False)
class Const:
    value: Fraction | bool
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Slot:
    """The value of a declared id for a year (or the baseline). `label` names it in the
    reason of a missing value; `zero_if_missing` is the reading formula's policy."""

    input: str
    key: YearKey
    reference: nodes.Reference
    label: str
    zero_if_missing: bool = False
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Add:
    """terms[0] ± terms[1] ± ...: signs[i] is +1 or -1 (subtraction is a negated term).
    `partials[i]` is the origin of the partial result after terms[i + 1] (for explain),
    None where the source had no such node (an expanded akumulasi)."""

    terms: tuple[Node, ...]
    signs: tuple[int, ...]
    partials: tuple[Origin | None, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Mul:
    factors: tuple[Node, ...]
    partials: tuple[Origin | None, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Div:
    """numerator / denominator. Missing before zero: a missing operand makes the quotient
    missing; only then does a zero denominator give E402 (see `zero_reason`) or 0
    (`zero_if_zero`). `origin` is required: its `a / b` and year n state that reason."""

    numerator: Node
    denominator: Node
    zero_if_zero: bool
    origin: Origin


def zero_reason(node: Div) -> tuple[str, Span]:
    """The reason and span of a zero denominator, as the engine states them (docs/engine.md)
    (built only when needed: printing a long denominator is not free)."""
    source = node.origin.expr
    assert isinstance(source, nodes.Binary), source  # the lowering makes a Div of `a / b`
    divisor = source.right
    return f"denominator is zero: {to_text(divisor)} = 0 in {node.origin.year}", divisor.span


@dataclass(frozen=True, slots=True, eq=False)
class Neg:
    operand: Node
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Compare:
    op: nodes.CompareOp
    left: Node
    right: Node
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Logic:
    """a and b and ... (or: a or b or ...), short-circuit from the left: once an operand
    decides (false for and, true for or) the rest do not matter, even if missing."""

    op: Literal["and", "or"]
    operands: tuple[Node, ...]
    partials: tuple[Origin | None, ...] = ()
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Not:
    operand: Node
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Cond:
    """if(condition, then, otherwise): lazy, only the chosen branch counts."""

    condition: Node
    then: Node
    otherwise: Node
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Apply:
    """A function of formula_engine.functions, applied to evaluated arguments."""

    function: str
    args: tuple[Node, ...]
    origin: Origin | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Inline:
    """Another indicator's value for a year: its own IR `body` (with its own policy).
    When the body cannot be computed, neither can the reader, whatever the reader's
    `missing` policy (the engine's rule, docs/engine.md): the reason names the indicator,
    `<label> <key> not computable: <the body's reason>`, at the reference."""

    indicator: str
    key: int
    body: Node
    label: str = ""
    origin: Origin | None = None


Node: TypeAlias = (
    Const | Slot | Add | Mul | Div | Neg | Compare | Logic | Not | Cond | Apply | Inline
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct operands of a node, in evaluation order."""
    match node:
        case Const() | Slot():
            return ()
        case Add(terms=terms):
            return terms
        case Mul(factors=factors):
            return factors
        case Div(numerator=numerator, denominator=denominator):
            return (numerator, denominator)
        case Neg(operand=operand) | Not(operand=operand):
            return (operand,)
        case Compare(left=left, right=right):
            return (left, right)
        case Logic(operands=operands):
            return operands
        case Cond(condition=condition, then=then, otherwise=otherwise):
            return (condition, then, otherwise)
        case Apply(args=args):
            return args
        case Inline(body=body):
            return (body,)
        case _:
            assert_never(node)


def postorder(root: Node) -> list[Node]:
    """Every distinct node once, operands before the nodes that use them (iterative)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, Iterator[Node]]] = [(root, iter(children(root)))]
    seen.add(id(root))
    while stack:
        node, pending = stack[-1]
        child = next(pending, None)
        if child is None:
            stack.pop()
            order.append(node)
        elif id(child) not in seen:
            seen.add(id(child))
            stack.append((child, iter(children(child))))
    return order


def uses(order: list[Node]) -> dict[int, int]:
    """How many times each node (by id) is an operand of another node of `order`."""
    count: dict[int, int] = {id(node): 0 for node in order}
    for node in order:
        for child in children(node):
            count[id(child)] += 1
    return count


def slots(root: Node) -> list[Slot]:
    """The distinct slots a formula reads, in evaluation order."""
    found: dict[tuple[str, YearKey], Slot] = {}
    for node in postorder(root):
        if isinstance(node, Slot):
            found.setdefault((node.input, node.key), node)
    return list(found.values())
