"""What a symbolic check looks at: one bound formula and the declarations it uses."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .. import nodes
from ..backends.sympy import SympyCompiler
from ..errors import CheckError, Diagnostic, Span
from ..resolve import SymbolTable


@dataclass(frozen=True)
class Subject:
    tree: nodes.Expr  # bound: references carry declared ids
    table: SymbolTable
    compiler: SympyCompiler
    year: int  # the year n the formula is compiled for (the plan's last year)

    def sympy(self, expr: nodes.Expr | None = None) -> sympy.Basic:
        return self.compiler.compile(self.tree if expr is None else expr, self.year)

    def label(self, identifier: str) -> str:
        return self.table.by_id[identifier].label


def warning(message: str, span: Span, code: str, hint: str | None = None) -> Diagnostic:
    return Diagnostic("warning", CheckError(message, span, code=code, hint=hint))
