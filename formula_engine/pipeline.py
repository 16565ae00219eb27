"""parse -> resolve -> infer unit -> require unit: one function, used by `Model`, the
formula-file check (formula_engine.formula_file) and the catalog validation.

Parse and resolve errors raise (there is no tree to go on with); a unit error is
returned beside the bound tree, because each caller goes on differently: `Model` raises
it (unless the catalog accepts it as the document's own mistake), the check reports it,
and the validation also runs the symbolic checks on the tree.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import nodes
from .errors import CheckError
from .parser import parse
from .resolve import SymbolTable, resolve
from .units import UNKNOWN_UNIT, Kind, Unit, infer_unit, require_unit


@dataclass(frozen=True, slots=True)
class Checked:
    """A bound formula and its unit; `unit_error` when inference or the declared unit
    failed (E310-E313; `unit` is then what was inferred, or UNKNOWN_UNIT)."""

    tree: nodes.Expr
    unit: Kind
    unit_error: CheckError | None = None

    def required(self) -> Checked:
        """This, or its unit error raised."""
        if self.unit_error is not None:
            raise self.unit_error
        return self


def check_formula(text: str, table: SymbolTable, expected: Unit | None = None) -> Checked:
    """The formula parsed, resolved against `table`, its unit inferred and, when
    `expected` is given, required to be that unit."""
    tree = resolve(parse(text), table)
    try:
        unit = infer_unit(tree, lambda reference: table.by_id[reference.name].unit)
    except CheckError as error:
        return Checked(tree, UNKNOWN_UNIT, error)
    if expected is not None:
        try:
            require_unit(unit, expected, tree.span)
        except CheckError as error:
            return Checked(tree, unit, error)
    return Checked(tree, unit)
