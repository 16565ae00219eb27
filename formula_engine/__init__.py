"""formula_engine: the performance indicators of a Renstra, stated exactly and checked.

The public API (everything else is internal and may change):

    parse(text) -> Expr              formula text -> typed AST (raises ParseError)
    to_text(expr) -> str             AST -> canonical formula text
    Declarations, Plan, Input,       what formulas are resolved and checked against
      Indicator, Policy              (pydantic models; read from YAML formula files)
    Model(declarations)              compile once: parse, resolve, unit-check indicators
      .indicator(id) / .compile(text) -> CompiledFormula
    CompiledFormula.evaluate(values, year) -> Result     exact, many times
    CompiledFormula.evaluate_many(columns, year, rows)   fast numpy path
    Result                           pydantic: value (exact), rounded, display, unit,
                                     status, reason
    check_file(path) -> [Diagnostic] every problem of a formula file, located
    equivalence(a, b, declarations)  are two formulas the same function? (+ counterexample)
    FormulaError and subclasses      diagnostics with code, span, hint; .render()
"""

from .check import check_file
from .declarations import Declarations, Indicator, Input, Plan, Policy
from .equivalence import Verdict, equivalence
from .errors import (
    CheckError,
    Diagnostic,
    EvaluationError,
    FormulaError,
    LimitError,
    Location,
    ParseError,
    ResolveError,
    Span,
)
from .model import CompiledFormula, Model, Result
from .nodes import Expr
from .parser import parse
from .printer import to_text

__all__ = [
    "CheckError",
    "CompiledFormula",
    "Declarations",
    "Diagnostic",
    "EvaluationError",
    "Expr",
    "FormulaError",
    "Indicator",
    "Input",
    "LimitError",
    "Location",
    "Model",
    "ParseError",
    "Plan",
    "Policy",
    "ResolveError",
    "Result",
    "Span",
    "Verdict",
    "check_file",
    "equivalence",
    "parse",
    "to_text",
]
