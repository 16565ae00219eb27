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

The facade for embedding (formula_engine.api; docs/api.md), every result pydantic:
    load_catalog(path=None) -> CatalogHandle         bundled or a folder, checked
    evaluate_indicator / evaluate_batch / check_formula / check_fragment / equivalent
    tree, indicator_detail, audit_summary, findings, finding, set_target
    DiagnosticOut, achievement_out(Achievement) -> AchievementOut (JSON)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import (
        AchievementOut,
        CatalogHandle,
        DiagnosticOut,
        NotFound,
        StaleEdit,
        achievement_out,
        audit_summary,
        check_formula,
        check_fragment,
        equivalent,
        evaluate_batch,
        evaluate_indicator,
        finding,
        findings,
        indicator_detail,
        load_catalog,
        set_target,
        tree,
    )
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
    from .formula_file import check_file
    from .model import CompiledFormula, Model, Result
    from .nodes import Expr
    from .parser import parse
    from .printer import to_text

# Where each public name lives: imported on first use, so that a command that needs
# neither sympy nor numpy (`renstra check CATALOG`, `renstra audit`) does not pay for them.
API = (
    "AchievementOut",
    "CatalogHandle",
    "DiagnosticOut",
    "NotFound",
    "StaleEdit",
    "achievement_out",
    "audit_summary",
    "check_formula",
    "check_fragment",
    "equivalent",
    "evaluate_batch",
    "evaluate_indicator",
    "finding",
    "findings",
    "indicator_detail",
    "load_catalog",
    "set_target",
    "tree",
)
EXPORTS: dict[str, str] = {
    **dict.fromkeys(API, "api"),
    "check_file": "formula_file",
    **dict.fromkeys(("Declarations", "Indicator", "Input", "Plan", "Policy"), "declarations"),
    **dict.fromkeys(("Verdict", "equivalence"), "equivalence"),
    **dict.fromkeys(
        ("CheckError", "Diagnostic", "EvaluationError", "FormulaError", "LimitError"), "errors"
    ),
    **dict.fromkeys(("Location", "ParseError", "ResolveError", "Span"), "errors"),
    **dict.fromkeys(("CompiledFormula", "Model", "Result"), "model"),
    "Expr": "nodes",
    "parse": "parser",
    "to_text": "printer",
}


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module 'formula_engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *EXPORTS])


__all__ = [
    "AchievementOut",
    "CatalogHandle",
    "CheckError",
    "CompiledFormula",
    "Declarations",
    "Diagnostic",
    "DiagnosticOut",
    "EvaluationError",
    "Expr",
    "FormulaError",
    "Indicator",
    "Input",
    "LimitError",
    "Location",
    "Model",
    "NotFound",
    "ParseError",
    "Plan",
    "Policy",
    "ResolveError",
    "Result",
    "Span",
    "StaleEdit",
    "Verdict",
    "achievement_out",
    "audit_summary",
    "check_file",
    "check_formula",
    "check_fragment",
    "equivalence",
    "equivalent",
    "evaluate_batch",
    "evaluate_indicator",
    "finding",
    "findings",
    "indicator_detail",
    "load_catalog",
    "parse",
    "set_target",
    "to_text",
    "tree",
]
