"""Lowering: a bound AST + the year n + the plan + the other indicators -> IR (formula_engine.ir).

What the back-ends then need not know: periods become concrete (input, year) slots
(relative years before the plan's first year read the baseline, as evaluate.year_key
says); `akumulasi` is expanded over evaluate.cumulative_years (an empty sum is 0);
left-associative chains of + and -, of x, of `and`, of `or` become one n-ary node each;
a reference to another indicator is inlined as that indicator's own bound tree, lowered
for the referenced year under ITS policy, once per (indicator, year) however often it is
referenced, so chains of indicators stay linear.

The walk is iterative (an explicit stack), so neither a 1000-term chain nor a deep
inlining recurses. The expansion is bounded: past `max_nodes` IR nodes (a nested
akumulasi built without the parser, say) it stops with LoweringError (E405) instead of
running away.

Indicators come through a mapping id -> (bound tree, policy), so the Model can pass its
own. A `Lowering` caches what it lowered per (tree, year, policy).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

from . import functions, ir, nodes
from .declarations import Plan, Policy
from .errors import EvaluationError, ResolveError
from .outcomes import BASELINE, cumulative_years, year_key

MAX_NODES = 200_000
Indicators = Mapping[str, tuple[nodes.Expr, Policy]]


class LoweringError(EvaluationError):
    """The formula expands beyond the bound of the lowering (E405)."""

    code = "E405"


@dataclass(frozen=True, slots=True)
class _Context:
    """The policy of the formula being lowered (the top formula or an inlined indicator)."""

    zero_if_missing: bool
    zero_if_zero: bool

    @staticmethod
    def of(policy: Policy) -> _Context:
        return _Context(policy.missing == "zero", policy.zero_denominator == "zero")


@dataclass(frozen=True, slots=True)
class _Visit:
    expr: nodes.Expr
    year: int
    context: _Context


@dataclass(frozen=True, slots=True)
class _Build:
    count: int  # how many results (operands) to take
    make: Callable[[Sequence[ir.Node]], ir.Node]


@dataclass(frozen=True, slots=True)
class _Finish:
    """An indicator's body for (id, key) is on the results: memoise it, wrap it."""

    key: tuple[str, int]
    reference: nodes.Reference
    year: int


_Task: TypeAlias = _Visit | _Build | _Finish


class Lowering:
    """Lowers bound trees for one plan and one set of indicators; caches its results."""

    def __init__(
        self,
        plan: Plan,
        indicators: Indicators | None = None,
        label_of: Callable[[str], str] | None = None,
        max_nodes: int = MAX_NODES,
    ) -> None:
        self.plan = plan
        self.indicators: Indicators = indicators or {}
        self.label_of = label_of or (lambda identifier: identifier)
        self.max_nodes = max_nodes
        self.visited = 0  # AST nodes visited, over every call (tests count work with it)
        self._made = 0
        self._cache: dict[tuple[int, int, _Context], tuple[nodes.Expr, ir.Node]] = {}
        self._bodies: dict[tuple[str, int], ir.Node] = {}

    def lower(self, tree: nodes.Expr, year: int, policy: Policy | None = None) -> ir.Node:
        """The IR of `tree` for year n = `year` under `policy` (cached)."""
        context = _Context.of(policy or Policy())
        key = (id(tree), year, context)
        cached = self._cache.get(key)
        if cached is not None and cached[0] is tree:
            return cached[1]
        root = self._run(tree, year, context)
        self._cache[key] = (tree, root)
        return root

    def _run(self, tree: nodes.Expr, year: int, context: _Context) -> ir.Node:
        self._made, self._tree = 0, tree
        results: list[ir.Node] = []
        stack: list[_Task] = [_Visit(tree, year, context)]
        pending: set[tuple[str, int]] = set()
        self._stack, self._results, self._pending = stack, results, pending
        while stack:
            task = stack.pop()
            if isinstance(task, _Visit):
                self.visited += 1
                self._visit(task)
            elif isinstance(task, _Build):
                operands = results[len(results) - task.count :]
                del results[len(results) - task.count :]
                results.append(self._new(task.make(operands)))
            else:
                self._bodies[task.key] = results.pop()
                pending.discard(task.key)
                results.append(self._inline(task.key, task.reference, task.year))
        (root,) = results
        return root

    def _new(self, node: ir.Node) -> ir.Node:
        self._made += 1
        if self._made > self.max_nodes:
            raise LoweringError(
                f"the formula expands to more than {self.max_nodes} operations",
                self._tree.span,
                hint="a nested akumulasi or a long chain of indicators; simplify the formula",
            )
        return node

    def _inline(self, key: tuple[str, int], reference: nodes.Reference, year: int) -> ir.Node:
        origin = ir.Origin(reference, year)
        body, label = self._bodies[key], self.label_of(key[0])
        return self._new(ir.Inline(key[0], key[1], body, label, origin))

    def _visit(self, task: _Visit) -> None:
        expr, year, context = task.expr, task.year, task.context
        stack, results = self._stack, self._results
        origin = ir.Origin(expr, year)
        match expr:
            case nodes.Number(value=value) | nodes.Percent(value=value):
                results.append(self._new(ir.Const(value, origin)))
            case nodes.Reference():
                self._reference(task)
            case nodes.Unary(op="not", operand=operand):
                self._push(stack, [operand], task, lambda a: ir.Not(a[0], origin))
            case nodes.Unary(op="-", operand=operand):
                self._push(stack, [operand], task, lambda a: ir.Neg(a[0], origin))
            case nodes.Unary(operand=operand):  # unary plus: a one-term sum, for explain
                self._push(stack, [operand], task, lambda a: ir.Add((a[0],), (1,), (), origin))
            case nodes.Binary(op="/", left=left, right=right):
                zero = context.zero_if_zero
                make = lambda a: ir.Div(a[0], a[1], zero, origin)  # noqa: E731
                self._push(stack, [left, right], task, make)
            case nodes.Binary():
                self._chain(expr, task, stack)
            case nodes.Compare(op=op, left=left, right=right):
                self._push(stack, [left, right], task, lambda a: ir.Compare(op, a[0], a[1], origin))
            case nodes.Call(function="if", args=args):
                self._push(stack, list(args), task, lambda a: ir.Cond(a[0], a[1], a[2], origin))
            case nodes.Call(function=name, args=args):
                entry = functions.lookup(name)
                assert entry is not None and not entry.special, f"unknown function {name}"
                canonical = entry.name
                self._push(stack, list(args), task, lambda a: ir.Apply(canonical, tuple(a), origin))
            case nodes.Cumulative():
                self._cumulative(expr, year, context, stack)

    def _push(
        self,
        stack: list[_Task],
        operands: Sequence[nodes.Expr],
        task: _Visit,
        make: Callable[[Sequence[ir.Node]], ir.Node],
        years: Sequence[int] | None = None,
    ) -> None:
        stack.append(_Build(len(operands), make))
        for index in reversed(range(len(operands))):
            year = task.year if years is None else years[index]
            stack.append(_Visit(operands[index], year, task.context))

    def _chain(self, expr: nodes.Binary, task: _Visit, stack: list[_Task]) -> None:
        """a + b - c + ... (or x, and, or) as one n-ary node, without recursion."""
        same = ("+", "-") if expr.op in ("+", "-") else (expr.op,)
        links: list[nodes.Binary] = []
        node: nodes.Expr = expr
        while isinstance(node, nodes.Binary) and node.op in same:
            links.append(node)
            node = node.left
        links.reverse()  # innermost first: links[i] is the partial result after term i + 1
        operands = [node, *(link.right for link in links)]
        year = task.year
        partials = tuple(ir.Origin(link, year) for link in links[:-1])
        origin = ir.Origin(expr, year)
        make: Callable[[Sequence[ir.Node]], ir.Node]
        if expr.op in ("+", "-"):
            signs = (1, *(1 if link.op == "+" else -1 for link in links))
            make = lambda a: ir.Add(tuple(a), signs, partials, origin)  # noqa: E731
        elif expr.op == "*":
            make = lambda a: ir.Mul(tuple(a), partials, origin)  # noqa: E731
        else:
            op: Literal["and", "or"] = "and" if expr.op == "and" else "or"
            make = lambda a: ir.Logic(op, tuple(a), partials, origin)  # noqa: E731
        self._push(stack, operands, task, make)

    def _cumulative(
        self, expr: nodes.Cumulative, year: int, context: _Context, stack: list[_Task]
    ) -> None:
        years = list(cumulative_years(expr, year, self.plan))
        origin = ir.Origin(expr, year)
        if not years:
            stack.append(_Build(0, lambda a: ir.Const(Fraction(0), origin)))
            return
        signs, partials = (1,) * len(years), (None,) * (len(years) - 1)
        make = lambda a: ir.Add(tuple(a), signs, partials, origin)  # noqa: E731
        self._push(stack, [expr.body] * len(years), _Visit(expr, year, context), make, years)

    def _reference(self, task: _Visit) -> None:
        stack, results, pending = self._stack, self._results, self._pending
        reference = task.expr
        assert isinstance(reference, nodes.Reference)
        key = year_key(reference.period, task.year, self.plan)
        name, context = reference.name, task.context
        if name not in self.indicators or key == BASELINE:
            label = self.label_of(name)
            origin = ir.Origin(reference, task.year)
            slot = ir.Slot(name, key, reference, label, context.zero_if_missing, origin)
            results.append(self._new(slot))
            return
        assert isinstance(key, int)
        body_key = (name, key)
        if body_key in self._bodies:
            results.append(self._inline(body_key, reference, task.year))
            return
        if body_key in pending:
            raise ResolveError(
                f"indicators reference each other in a cycle at {name} for {key}",
                reference.span,
                code="E202",
                hint="one of these formulas must use inputs instead of the indicator",
            )
        pending.add(body_key)
        tree, policy = self.indicators[name]
        stack.append(_Finish(body_key, reference, task.year))
        stack.append(_Visit(tree, key, _Context.of(policy)))
