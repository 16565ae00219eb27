"""The functions of the formula language, in one table (after jmespath's functions.py).

Each entry holds what every stage needs of a function: its canonical name, the aliases
the grammar accepts, its arity, a one-line doc, its unit rule, and one implementation per
back-end (exact, numpy, sympy, sql). Adding a function is one entry here. `if` and
`akumulasi` are special forms: the lowering stage (formula_engine.lower) turns them into
IR nodes of their own (a lazy condition, an expanded sum), so they carry no
implementations, but they keep their entry for docs, arity and aliases.

A back-end asks for an implementation with `implementation(name, backend)`; a missing one
raises MissingImplementation (never a fall-through to another function). The table is
checked when this module is imported: every non-special entry has all four.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import sympy
from sqlglot import exp

Backend = Literal["exact", "numpy", "sympy", "sql"]
BACKENDS: tuple[Backend, ...] = ("exact", "numpy", "sympy", "sql")
# How the unit of a call follows from its arguments (read by unit inference):
#   same:      every argument has one unit (literal zeros fit any), which is the result's
#   condition: the first argument is a condition, the other two share the result's unit
#   body:      the result has the unit of the one argument (a sum over years)
UnitRule = Literal["same", "condition", "body"]

Exact = Fraction | int
Array = npt.NDArray[np.float64]
Floats = Array | float


class MissingImplementation(LookupError):
    """A back-end asked for a function the table does not implement for it (a bug in the
    engine, not in a formula: it must fail loudly, at import or in a test)."""


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    aliases: tuple[str, ...]
    min_args: int
    max_args: int | None  # None: any number from min_args on
    doc: str
    unit_rule: UnitRule
    special: bool = False  # handled by lowering (if, akumulasi)
    exact: Callable[..., Exact] | None = None
    numpy: Callable[[Sequence[Floats]], Floats] | None = None
    sympy: Callable[..., Any] | None = None
    sql: Callable[[Sequence[exp.Expression]], exp.Expression] | None = None

    def accepts(self, count: int) -> bool:
        return count >= self.min_args and (self.max_args is None or count <= self.max_args)


def _fold(ufunc: np.ufunc) -> Callable[[Sequence[Floats]], Floats]:
    def fold(args: Sequence[Floats]) -> Floats:
        result: Floats = args[0]
        for arg in args[1:]:
            result = ufunc(result, arg)
        return result

    return fold


def _sql_sum(args: Sequence[exp.Expression]) -> exp.Expression:
    return functools.reduce(lambda a, b: exp.Add(this=a, expression=b), args)


def _sql_extreme(kind: type[exp.Least] | type[exp.Greatest]) -> Callable[..., exp.Expression]:
    # LEAST and GREATEST skip NULLs in DuckDB and Spark; a missing argument must make the
    # result missing, as on the other back-ends. The SQL back-end passes column
    # references or literals here, so repeating an argument costs nothing.
    def extreme(args: Sequence[exp.Expression]) -> exp.Expression:
        if len(args) == 1:
            return args[0]
        nulls: list[exp.Expression] = [exp.Is(this=a.copy(), expression=exp.Null()) for a in args]
        any_null = functools.reduce(lambda a, b: exp.Or(this=a, expression=b), nulls)
        chosen = kind(this=args[0].copy(), expressions=[a.copy() for a in args[1:]])
        return exp.Case().when(any_null, exp.Null()).else_(chosen)

    return extreme


TABLE: tuple[Function, ...] = (
    Function(
        "sum", (), 1, None, "sum(a, b, ...): a + b + ...", "same",
        exact=lambda *args: sum(args, 0),
        numpy=_fold(np.add),
        sympy=lambda *args: sympy.Add(*args),
        sql=_sql_sum,
    ),
    Function(
        "min", (), 1, None, "min(a, b, ...): the smallest argument", "same",
        exact=lambda *args: min(args),
        numpy=_fold(np.minimum),  # np.minimum propagates NaN (np.fmin would not)
        sympy=lambda *args: sympy.Min(*args),
        sql=_sql_extreme(exp.Least),
    ),
    Function(
        "max", (), 1, None, "max(a, b, ...): the largest argument", "same",
        exact=lambda *args: max(args),
        numpy=_fold(np.maximum),
        sympy=lambda *args: sympy.Max(*args),
        sql=_sql_extreme(exp.Greatest),
    ),
    Function(
        "abs", (), 1, 1, "abs(a): the absolute value", "same",
        exact=lambda value: abs(value),
        numpy=lambda args: np.abs(args[0]),
        sympy=lambda value: sympy.Abs(value),
        sql=lambda args: exp.Abs(this=args[0]),
    ),
    Function(
        "if", ("jika",), 3, 3, "if(condition, then, otherwise): only the chosen branch counts",
        "condition", special=True,
    ),
    Function(
        "akumulasi", ("cumulative",), 1, 1,
        "akumulasi(a)[until]: a summed over the plan years from the first up to until (n)",
        "body", special=True,
    ),
)  # fmt: skip

FUNCTIONS: dict[str, Function] = {function.name: function for function in TABLE}
ALIASES: dict[str, str] = {alias: f.name for f in TABLE for alias in f.aliases}


def lookup(name: str) -> Function | None:
    """The entry for a canonical name or an alias."""
    return FUNCTIONS.get(ALIASES.get(name, name))


def implementation(name: str, backend: Backend, table: Sequence[Function] = TABLE) -> Any:
    """The implementation of function `name` for `backend`, or MissingImplementation."""
    entry = next((f for f in table if f.name == name), None)
    if entry is None or entry.special:
        raise MissingImplementation(f"{name!r} is not a function a back-end implements")
    found = getattr(entry, backend)
    if found is None:
        raise MissingImplementation(f"function {name!r} has no {backend} implementation")
    return found


def check_table(table: Sequence[Function] = TABLE) -> None:
    """Every non-special function has every back-end's implementation; names are unique."""
    names = [f.name for f in table] + [a for f in table for a in f.aliases]
    if len(names) != len(set(names)):
        raise MissingImplementation(f"a function name or alias is used twice: {names}")
    for entry in table:
        if not entry.special:
            for backend in BACKENDS:
                implementation(entry.name, backend, table)


check_table()
