"""Stage 2, resolve: AST + declarations -> bound AST.

Every reference, by snake_case id or by quoted label (compared without case and with
whitespace collapsed), is rewritten to the id of the declared input or indicator it
names. Unknown names raise ResolveError (E201) with a "did you mean". Indicators that
reference indicators are put in dependency order; a cycle raises E202 naming it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from . import nodes
from .declarations import Declarations
from .errors import Location, ResolveError
from .i18n import either, msg
from .units import Unit, parse_unit


@dataclass(frozen=True, slots=True)
class Symbol:
    """A declared name a formula can reference."""

    id: str
    label: str
    unit: Unit
    kind: str  # "input" or "indicator"
    domain: str = "real"
    part_of: str | None = None


def normal_label(label: str) -> str:
    return " ".join(label.split()).casefold()


class SymbolTable:
    """Ids and labels (and aliases) of the declared inputs and indicators."""

    def __init__(self, symbols: Iterable[Symbol], aliases: Mapping[str, str] | None = None):
        self.by_id: dict[str, Symbol] = {}
        self._by_label: dict[str, str] = {}
        for symbol in symbols:
            self.by_id[symbol.id] = symbol
            self._by_label.setdefault(normal_label(symbol.label), symbol.id)
        for alias, target in (aliases or {}).items():
            self._by_label.setdefault(normal_label(alias), target)

    @classmethod
    def from_declarations(cls, declarations: Declarations) -> SymbolTable:
        symbols = [
            Symbol(i.id, i.label, parse_unit(i.unit), "input", i.domain, i.part_of)
            for i in declarations.inputs
        ] + [
            Symbol(d.id, d.label, parse_unit(d.unit), "indicator") for d in declarations.indicators
        ]
        aliases = {alias: i.id for i in declarations.inputs for alias in i.aliases}
        aliases.update({a: d.id for d in declarations.indicators for a in d.aliases})
        return cls(symbols, aliases)

    def lookup(self, reference: nodes.Reference) -> Symbol | None:
        if not reference.quoted and reference.name in self.by_id:
            return self.by_id[reference.name]
        target = self._by_label.get(normal_label(reference.name))
        return self.by_id.get(target) if target else None

    def suggestions(self, name: str) -> list[str]:
        candidates = {normal_label(label): label for label in self._labels()}
        candidates.update({identifier: identifier for identifier in self.by_id})
        close = difflib.get_close_matches(normal_label(name), list(candidates), n=3, cutoff=0.6)
        return [candidates[c] for c in close]

    def _labels(self) -> list[str]:
        return [symbol.label for symbol in self.by_id.values()]


def resolve(expr: nodes.Expr, table: SymbolTable) -> nodes.Expr:
    """The formula with every reference rewritten to a declared id (spans kept)."""
    return nodes.map_references(
        expr, lambda ref: replace(ref, name=_bind(ref, table).id, quoted=False)
    )


def _bind(reference: nodes.Reference, table: SymbolTable) -> Symbol:
    symbol = table.lookup(reference)
    if symbol is not None:
        return symbol
    shown = f'"{reference.name}"' if reference.quoted else reference.name
    close = table.suggestions(reference.name)
    hint = (
        msg("did you mean {names}?", names=either(repr(c) for c in close))
        if close
        else msg("declare it as an input (id, label, unit) or check the spelling")
    )
    raise ResolveError(
        msg("unknown input or indicator {name}", name=shown), reference.span, code="E201", hint=hint
    )


CYCLE_HINT = msg("one of these formulas must use inputs instead of the indicator")


def referenced_ids(expr: nodes.Expr) -> set[str]:
    return {reference.name for reference in nodes.references(expr)}


def dependency_order(formulas: Mapping[str, nodes.Expr], indicator_ids: set[str]) -> list[str]:
    """Indicator ids, each after the indicators its (bound) formula references.

    Raises ResolveError (E202) naming the whole cycle when indicators reference each
    other in a loop."""
    order: list[str] = []
    state: dict[str, str] = {}  # "visiting" or "done"
    for start in sorted(formulas):
        if state.get(start) == "done":
            continue
        stack: list[tuple[str, list[str]]] = [(start, _deps(start, formulas, indicator_ids))]
        state[start] = "visiting"
        while stack:
            current, pending = stack[-1]
            if not pending:
                stack.pop()
                state[current] = "done"
                order.append(current)
                continue
            nxt = pending.pop()
            if state.get(nxt) == "visiting":
                path = [name for name, _ in stack]
                cycle = [*path[path.index(nxt) :], nxt]
                raise ResolveError(
                    msg(
                        "indicators reference each other in a cycle: {cycle}",
                        cycle=" -> ".join(cycle),
                    ),
                    formulas[current].span,
                    code="E202",
                    hint=CYCLE_HINT,
                    location=Location(entry=current),  # the formula that closes the cycle
                )
            if state.get(nxt) is None:
                state[nxt] = "visiting"
                stack.append((nxt, _deps(nxt, formulas, indicator_ids)))
    return order


def _deps(name: str, formulas: Mapping[str, nodes.Expr], indicator_ids: set[str]) -> list[str]:
    if name not in formulas:
        return []
    return sorted(referenced_ids(formulas[name]) & indicator_ids, reverse=True)
