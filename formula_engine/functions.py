"""The functions of the formula language, in one table (after jmespath's functions.py).

Each entry holds what every stage needs of a function: its canonical name, the aliases
the grammar accepts, its arity, a one-line doc, its unit rule, and one implementation per
back-end (exact, numpy, sympy, sql). Adding a function is one entry here. `if` and
`akumulasi` are special forms: the lowering stage (formula_engine.lower) turns them into
IR nodes of their own (a lazy condition, an expanded sum), so they carry no
implementations, but they keep their entry for docs, arity and aliases.

The parser (allow-list, arity), unit inference (the unit rule), the lowering and every
back-end read this table, through `lookup`, `names` and `implementation`, at the time
they need it: replacing `TABLE` (a test does, with a toy function) changes every stage.

A back-end asks for an implementation with `implementation(name, backend)`; a missing one
raises MissingImplementation (never a fall-through to another function). The table is
checked when this module is imported: every non-special entry has all four. sympy and
sqlglot are imported only when a sympy or SQL implementation runs (importing the
package, parsing and exact evaluation do not load them).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from .i18n import N_

if TYPE_CHECKING:
    from sqlglot import exp

Backend = Literal["exact", "numpy", "sympy", "sql"]
BACKENDS: tuple[Backend, ...] = ("exact", "numpy", "sympy", "sql")
# How the unit of a call follows from its arguments (read by unit inference):
#   same:      every argument has one unit (literal zeros fit any), which is the result's
#   condition: the first argument is a condition, the other two share the result's unit
#   body:      the result has the unit of the one argument (a sum over years)
UnitRule = Literal["same", "condition", "body"]

Exact = Fraction | int
Floats = Any  # a float64 array or a float (numpy is imported where a kernel runs)


class MissingImplementation(LookupError):
    """A back-end asked for a function the table does not implement for it (a bug in the
    engine, not in a formula: it must fail loudly, at import or in a test)."""


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    aliases: tuple[str, ...]
    min_args: int
    max_args: int | None  # None: any number from min_args on
    doc: str  # a message id (N_), shown as the hint of a call with the wrong arity
    unit_rule: UnitRule
    special: bool = False  # handled by lowering (if, akumulasi)
    exact: Callable[..., Exact] | None = None
    numpy: Callable[[Sequence[Floats]], Floats] | None = None
    sympy: Callable[..., Any] | None = None
    sql: Callable[[Sequence[exp.Expression]], exp.Expression] | None = None

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


def _fold(name: str) -> Callable[[Sequence[Floats]], Floats]:
    """numpy's ufunc `name` folded over the arguments; numpy is imported on first use, so
    that reading the table (the parser does) does not import numpy."""

    def fold(args: Sequence[Floats]) -> Floats:
        import numpy

        ufunc = getattr(numpy, name)
        result: Floats = args[0]
        for arg in args[1:]:
            result = ufunc(result, arg)
        return result

    return fold


def _absolute(args: Sequence[Floats]) -> Floats:
    import numpy

    return numpy.abs(args[0])


def _sympy(name: str) -> Callable[..., Any]:
    def build(*args: Any) -> Any:
        import sympy

        return getattr(sympy, name)(*args)

    return build


def _sql_sum(args: Sequence[exp.Expression]) -> exp.Expression:
    from sqlglot import exp

    return functools.reduce(lambda a, b: exp.Add(this=a, expression=b), args)


def _sql_abs(args: Sequence[exp.Expression]) -> exp.Expression:
    from sqlglot import exp

    return exp.Abs(this=args[0])


def _sql_extreme(name: Literal["Least", "Greatest"]) -> Callable[..., exp.Expression]:
    # LEAST and GREATEST skip NULLs in DuckDB and Spark; a missing argument must make the
    # result missing, as on the other back-ends. The SQL back-end passes column
    # references or literals here, so repeating an argument costs nothing.
    def extreme(args: Sequence[exp.Expression]) -> exp.Expression:
        from sqlglot import exp

        kind: type[exp.Func] = getattr(exp, name)
        if len(args) == 1:
            return args[0]
        nulls: list[exp.Expression] = [exp.Is(this=a.copy(), expression=exp.Null()) for a in args]
        any_null = functools.reduce(lambda a, b: exp.Or(this=a, expression=b), nulls)
        chosen = kind(this=args[0].copy(), expressions=[a.copy() for a in args[1:]])
        return exp.Case().when(any_null, exp.Null()).else_(chosen)

    return extreme


TABLE: tuple[Function, ...] = (
    Function(
        "sum", (), 1, None, N_("sum(a, b, ...): a + b + ..."), "same",
        exact=lambda *args: sum(args, 0),
        numpy=_fold("add"),
        sympy=_sympy("Add"),
        sql=_sql_sum,
    ),
    Function(
        "min", (), 1, None, N_("min(a, b, ...): the smallest argument"), "same",
        exact=lambda *args: min(args),
        numpy=_fold("minimum"),  # np.minimum propagates NaN (np.fmin would not)
        sympy=_sympy("Min"),
        sql=_sql_extreme("Least"),
    ),
    Function(
        "max", (), 1, None, N_("max(a, b, ...): the largest argument"), "same",
        exact=lambda *args: max(args),
        numpy=_fold("maximum"),
        sympy=_sympy("Max"),
        sql=_sql_extreme("Greatest"),
    ),
    Function(
        "abs", (), 1, 1, N_("abs(a): the absolute value"), "same",
        exact=lambda value: abs(value),
        numpy=_absolute,
        sympy=_sympy("Abs"),
        sql=_sql_abs,
    ),
    Function(
        "if", ("jika",), 3, 3, N_("if(condition, then, otherwise)"),
        "condition", special=True,
    ),
    Function(
        "akumulasi", ("cumulative",), 1, 1,
        N_("akumulasi(a): a summed from the plan's first year to n"),
        "body", special=True,
    ),
)  # fmt: skip

_INDEX: tuple[tuple[Function, ...], dict[str, Function]] = ((), {})


def _index() -> dict[str, Function]:
    """Every name and alias of the current TABLE -> its entry (rebuilt when TABLE is
    replaced; the cost of a lookup is one identity test and one dict read)."""
    global _INDEX
    if _INDEX[0] is not TABLE:
        by_name = {f.name: f for f in TABLE}
        by_name.update({alias: f for f in TABLE for alias in f.aliases})
        _INDEX = (TABLE, by_name)
    return _INDEX[1]


def lookup(name: str) -> Function | None:
    """The entry for a canonical name or an alias."""
    return _index().get(name)


def names() -> list[str]:
    """Every name and alias the language accepts, sorted (for "did you mean")."""
    return sorted(_index())


def implementation(name: str, backend: Backend, table: Sequence[Function] | None = None) -> Any:
    """The implementation of function `name` for `backend`, or MissingImplementation."""
    entry = next((f for f in (TABLE if table is None else table) if f.name == name), None)
    if entry is None or entry.special:
        raise MissingImplementation(f"{name!r} is not a function a back-end implements")
    found = getattr(entry, backend)
    if found is None:
        raise MissingImplementation(f"function {name!r} has no {backend} implementation")
    return found


def check_table(table: Sequence[Function] | None = None) -> None:
    """Every non-special function has every back-end's implementation; names are unique."""
    table = TABLE if table is None else table
    every = [f.name for f in table] + [a for f in table for a in f.aliases]
    if len(every) != len(set(every)):
        raise MissingImplementation(f"a function name or alias is used twice: {every}")
    for entry in table:
        if not entry.special:
            for backend in BACKENDS:
                implementation(entry.name, backend, table)


check_table()
