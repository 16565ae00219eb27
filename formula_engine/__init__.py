"""formula_engine: the performance indicators of a Renstra, stated exactly and checked.

The public API (everything else is internal and may change):

    parse(text) -> Expr          formula text -> typed AST (raises ParseError)
    to_text(expr) -> str         AST -> canonical formula text
    FormulaError and subclasses  diagnostics with code, span, hint; .render()
"""

from .errors import (
    CheckError,
    EvaluationError,
    FormulaError,
    LimitError,
    Location,
    ParseError,
    ResolveError,
    Span,
)
from .nodes import Expr
from .parser import parse
from .printer import to_text

__all__ = [
    "CheckError",
    "EvaluationError",
    "Expr",
    "FormulaError",
    "LimitError",
    "Location",
    "ParseError",
    "ResolveError",
    "Span",
    "parse",
    "to_text",
]
