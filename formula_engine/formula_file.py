"""Checking a formula file: every problem at once, each with file, entry, line, column.

A formula file is YAML with a `plan`, `inputs` and `indicators` (formula_engine.
declarations). `check_file` validates the schema, then for each indicator parses,
resolves and unit-checks its formula and runs the symbolic checks; it reports cycles
between indicators and inputs that no formula uses. Unlike `Model`, which fails fast,
it collects everything and never raises for bad input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import nodes
from .checks import Subject, run_checks
from .declarations import Declarations, Indicator
from .errors import Diagnostic, FormulaError, ResolveError
from .loader import LoadError, YamlFile, parse_yaml, schema_diagnostics
from .model import Model
from .pipeline import check_formula
from .reading import ReadError, SourceText, read_source
from .resolve import SymbolTable, dependency_order, referenced_ids


def check_file(path: Path) -> list[Diagnostic]:
    return read_declarations(path)[1]


def read_declarations(path: Path) -> tuple[Declarations | None, list[Diagnostic]]:
    """The file's declarations (None when they do not validate) and every diagnostic,
    from one read and one validation of the file."""
    try:
        text = read_source(path)
    except ReadError as error:
        return None, [Diagnostic("error", error)]
    except OSError as error:
        return None, [Diagnostic("error", LoadError(f"cannot read {path}: {error.strerror}"))]
    return load_source(text)


def load_source(text: SourceText) -> tuple[Declarations | None, list[Diagnostic]]:
    """`read_declarations` for a file already read (the command line reads its
    --declarations once, to check it as an option, and parses that text)."""
    try:
        source = parse_yaml(text)
    except LoadError as error:
        return None, [Diagnostic("error", error)]
    try:
        declarations = Declarations.model_validate(source.data or {})
    except ValidationError as invalid:
        return None, schema_diagnostics(source, invalid, Declarations)
    return declarations, check_declarations(declarations, source)


def check_declarations(
    declarations: Declarations, source: YamlFile | None = None
) -> list[Diagnostic]:
    table = SymbolTable.from_declarations(declarations)
    compiler = Model.symbolic(declarations)
    diagnostics: list[Diagnostic] = []
    bound: dict[str, nodes.Expr] = {}
    for index, indicator in enumerate(declarations.indicators):
        located = _Located.formula(source, index, indicator)
        try:
            bound[indicator.id] = _bind_and_check(indicator, table)
        except FormulaError as error:
            diagnostics.append(Diagnostic("error", located.attach(error)))
            continue
        subject = Subject(bound[indicator.id], table, compiler, declarations.plan.last_year)
        diagnostics.extend(
            Diagnostic(d.severity, located.attach(d.error)) for d in run_checks(subject)
        )
    diagnostics.extend(_cycles(bound, source, declarations))
    diagnostics.extend(_unused_inputs(declarations, bound, source))
    return diagnostics


def _bind_and_check(indicator: Indicator, table: SymbolTable) -> nodes.Expr:
    return check_formula(indicator.formula, table, indicator.parsed_unit).required().tree


class _Located:
    """Attaches the formula text and its place in the file to an error."""

    def __init__(self, source: YamlFile | None, path: tuple[Any, ...], entry: str, text: str):
        self.source, self.path, self.entry, self.text = source, path, entry, text

    @classmethod
    def formula(cls, source: YamlFile | None, index: int, indicator: Indicator) -> _Located:
        path = ("indicators", index, "formula")
        return cls(source, path, indicator.id, indicator.formula)

    def attach(self, error: FormulaError) -> FormulaError:
        if self.source is None:
            return error.with_source(self.text)
        return error.with_source(self.text, self.source.text_location(self.path, self.entry))


def _cycles(
    bound: dict[str, nodes.Expr], source: YamlFile | None, declarations: Declarations
) -> list[Diagnostic]:
    try:
        dependency_order(bound, set(bound))
    except ResolveError as error:
        ids = [d.id for d in declarations.indicators]
        index = ids.index(error.location.entry or ids[0])
        located = _Located.formula(source, index, declarations.indicators[index])
        return [Diagnostic("error", located.attach(error))]
    return []


def _unused_inputs(
    declarations: Declarations, bound: dict[str, nodes.Expr], source: YamlFile | None
) -> list[Diagnostic]:
    used = set().union(*(referenced_ids(tree) for tree in bound.values())) if bound else set()
    findings = []
    for index, declared in enumerate(declarations.inputs):
        if declared.id in used or not bound:
            continue
        warning: FormulaError = ResolveError(
            f"input {declared.id!r} is declared but no formula uses it",
            code="W330",
            hint="remove it, or use it in a formula",
        )
        if source is not None:
            warning = source.error_at(("inputs", index, "id"), warning, declared.id)
        findings.append(Diagnostic("warning", warning))
    return findings
