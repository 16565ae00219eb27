"""The facade for programs that embed the engine: the catalog, its models, the audit, edits.

    from formula_engine import api
    plan = api.load_catalog()                       # the bundled catalog (or a folder)
    api.evaluate("a / b x 100%", {"a": {2023: 3}, "b": {2023: 4}}, year=2023)
    api.evaluate_indicator(plan, "persentase_pmks", values, year=2024)
    api.audit_summary(plan).counts, api.findings(plan)[0].place
    api.check_formula("a / / b").diagnostics[0].caret

Everything returned is a pydantic model (`.model_dump_json()`); errors are `FormulaError`s
(`diagnostic_of(error)` turns one into a `DiagnosticOut`), or `NotFound` for an unknown id
(with suggestions), or `StaleEdit` for an edit made against an older version. The command
line (`renstra check`, `renstra catalog stats`) and the HTTP service (`renstra serve`) call
these functions; none of their behaviour is reachable only from them.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from .catalog import Catalog, CatalogRejected, bundled_catalog_path, load_checked
from .catalog import load_catalog as _load_files
from .catalog.checked import checked_report
from .catalog.load import declare_plan
from .declarations import Declarations, Indicator, Input, Plan
from .errors import (
    Diagnostic,
    FormulaError,
    Location,
    ResolveError,
    line_and_column,
    render_diagnostic,
)
from .i18n import msg

if TYPE_CHECKING:
    from .achievement import Achievement
    from .audit import AuditReport
    from .audit.figures import Figure
    from .capaian import CapaianRow, CapaianTable
    from .catalog.models import IndicatorEntry, RecordSource
    from .model import CompiledFormula, Model, Result, ValuesByName
    from .reading import SourceText

_T = TypeVar("_T")
MAX_FORMULA = 10_000  # characters of a formula given to the facade (the language allows more)
MAX_FRAGMENT = 1024 * 1024  # characters of a catalog fragment
MAX_ROWS = 100_000  # rows of one batch evaluation
MAX_FORMULA_EDIT = 2_000  # characters of a formula written into the catalog (updates.yaml)


class Out(BaseModel):
    model_config = ConfigDict(frozen=True)


# Diagnostics


class SpanOut(Out):
    start: int
    end: int


class DiagnosticOut(Out):
    """A located problem: what `renstra check` prints, as fields."""

    severity: Literal["error", "warning"]
    code: str
    stage: str
    message: str
    where: str = Field(description="the file, or <formula> for a formula given as text")
    entry: str | None = None
    line: int
    column: int
    span: SpanOut | None = None
    hint: str | None = None
    caret: str | None = Field(None, description="the source line and a caret under the problem")
    rendered: str


def diagnostic_of(error: FormulaError, severity: str = "error", lang: str = "en") -> DiagnosticOut:
    """The fields of a located error (line and column in the file, as rendered); the
    message and the hint in `lang` ("en" or "id": the parser's, the resolver's and the
    units' messages are translated, names and ids quoted from the formula stay as
    written). `rendered` is the CLI's text, in English."""
    source = error.source or ""
    offset = error.span.start if error.span else 0
    line, column = line_and_column(source, offset) if source else (1, 1)
    location = error.location
    rendered = render_diagnostic(error, severity)
    lines = rendered.splitlines()
    caret = "\n".join(lines[1:3]) if source and len(lines) >= 3 else None
    return DiagnosticOut(
        severity="warning" if severity == "warning" else "error",
        code=error.code,
        stage=error.stage,
        message=in_language(error.message, lang),
        where=location.where,
        entry=location.entry,
        line=location.line + line - 1,
        column=(location.column + column - 1) if line == 1 else column,
        span=SpanOut(start=error.span.start, end=error.span.end) if error.span else None,
        hint=None if error.hint is None else in_language(error.hint, lang),
        caret=caret,
        rendered=rendered,
    )


def in_language(text: str, lang: str) -> str:
    """A message (`msg`) in `lang` ("en" or "id"); English is the text itself."""
    if lang == "en":
        return str(text)
    from .audit.messages import tr
    from .i18n import translator

    return tr(text, translator(lang))


def diagnostics_of(found: Sequence[Diagnostic]) -> list[DiagnosticOut]:
    return [diagnostic_of(d.error, d.severity) for d in found]


class CheckOut(Out):
    ok: bool = Field(description="true when there is no error (warnings allowed)")
    errors: int
    warnings: int
    unit: str | None = Field(None, description="the formula's unit, when it checks")
    diagnostics: list[DiagnosticOut]


def _check_out(found: list[DiagnosticOut], unit: str | None = None) -> CheckOut:
    errors = sum(d.severity == "error" for d in found)
    return CheckOut(
        ok=not errors,
        errors=errors,
        warnings=len(found) - errors,
        unit=unit if not errors else None,
        diagnostics=found,
    )


class NotFound(FormulaError, LookupError):
    """An id that names nothing (a catalog, an indicator, a finding); `suggestions` are
    the nearest ids."""

    code = "E701"
    stage = "service"

    def __init__(self, what: str, given: str, known: Sequence[str]) -> None:
        self.suggestions = difflib.get_close_matches(given, list(known), n=5, cutoff=0.5)
        kind = _KINDS.get(what, what)
        message = msg("no {what} {name}", what=kind, name=repr(given))
        if self.suggestions:
            near = ", ".join(self.suggestions)
            message = msg("{message}; did you mean {names}?", message=message, names=near)
        super().__init__(
            message,
            hint=msg("the tree (GET /v1/catalogs/NAME/tree) lists every {what}", what=kind),
            location=Location(what),
        )


# What a NotFound names (the message's noun, translated).
_KINDS = {
    "indicator": msg("indicator"),
    "finding": msg("finding"),
    "indicator or code": msg("indicator or code"),
    "catalog": msg("catalog"),
}


class StaleEdit(FormulaError, ValueError):
    """An edit made against a version of the resource that is no longer the current one."""

    code = "E702"
    stage = "service"

    def __init__(self, given: str, current: str) -> None:
        super().__init__(
            f"the resource changed since it was read (If-Match {given}, now {current})",
            hint="read it again (GET), then repeat the edit with the new ETag",
        )
        self.current = current


def _bounded(text: str, limit: int, what: str) -> None:
    from .errors import LimitError

    if len(text) > limit:
        raise LimitError(
            msg(
                "the {what} has {count} characters; the limit is {limit}",
                what=_WHAT[what],
                count=len(text),
                limit=limit,
            ),
            code="E120",
            hint=msg("send a shorter {what}", what=_WHAT[what]),
        )


_WHAT = {"formula": msg("formula"), "fragment": msg("fragment")}  # what _bounded bounds


# Formulas


class ParsedOut(Out):
    canonical: str
    ast: dict[str, Any] = Field(description="the tree with source spans (docs/formula-language.md)")


class FormattedOut(Out):
    canonical: str
    changed: bool = Field(description="false when the text was already canonical")


def parse_formula(text: str) -> ParsedOut:
    """The formula's canonical text and tree, or a located ParseError. A chain of a few
    hundred terms nests deeper than pydantic serialises: `parsed_json` gives the same
    fields as JSON text for any tree the parser builds."""
    from .nodes import to_dict
    from .printer import to_text

    tree = _parsed(text)
    return ParsedOut(canonical=to_text(tree), ast=to_dict(tree))


def parsed_json(text: str, indent: int | None = None) -> str:
    """ParsedOut's fields (canonical, ast) as JSON text, or a located ParseError."""
    from .nodes import to_json

    return to_json(_parsed(text), indent)


def format_formula(text: str) -> FormattedOut:
    from .printer import to_text

    canonical = to_text(_parsed(text))
    return FormattedOut(canonical=canonical, changed=canonical != text)


def _parsed(text: str) -> Any:
    from .parser import parse

    _bounded(text, MAX_FORMULA, "formula")
    return _located(parse, text)


def _located(function: Any, text: str, *arguments: Any, location: Location | None = None) -> Any:
    """`function(text, ...)`, with the formula text (and `location`, where it was given)
    attached to a FormulaError it raises."""
    try:
        return function(text, *arguments)
    except FormulaError as error:
        raise (error.with_source(text, location) if error.source is None else error) from None


def model_for(
    text: str,
    units: Mapping[str, str] | None = None,
    *,
    declarations: Declarations | None = None,
    first_year: int | None = None,
    location: Location | None = None,
    limit: int | None = MAX_FORMULA,
) -> Model:
    """A model for a lone formula: each name it references is an input (dimensionless
    unless `units` gives its unit), or, with `declarations` (a formula file's, see
    `declarations_of`), their inputs and indicators. `first_year` starts the plan period
    (to 2026 at least). A located error names `location` (default: <formula>); `limit`
    bounds the formula's length (None: the language's own limit, as `renstra eval`)."""
    from .model import Model, ad_hoc_declarations

    if limit is not None:
        _bounded(text, limit, "formula")
    plan = Plan(first_year=first_year, last_year=max(first_year, 2026)) if first_year else None
    if declarations is not None:
        return Model(declarations.model_copy(update={"plan": plan}) if plan else declarations)
    found = _located(ad_hoc_declarations, text, dict(units or {}), plan, location=location)
    return Model(found)


def declarations_of(source: SourceText) -> Declarations:
    """A formula file's declarations (plan, inputs, indicators), or its first located
    error (the text read once by the caller; parsed and validated once)."""
    from .formula_file import load_source

    declarations, diagnostics = load_source(source)
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors or declarations is None:
        raise errors[0].error
    return declarations


def check_formula(
    text: str,
    units: Mapping[str, str] | None = None,
    catalog: CatalogHandle | None = None,
    lang: str = "en",
) -> CheckOut:
    """Every problem of one formula (parse, names, units): against a catalog's inputs and
    indicators, or with its names as inputs; the messages and hints in `lang` ("en" or
    "id", see `diagnostic_of`)."""
    try:
        if catalog is not None:
            _bounded(text, MAX_FORMULA, "formula")
            compiled = _located(catalog.model(catalog.first_year).compile, text)
        else:
            compiled = _located(model_for(text, units).compile, text)
    except FormulaError as error:
        return _check_out([diagnostic_of(error, lang=lang)])
    return _check_out([], str(compiled.unit))


FragmentKind = Literal["renstra", "inputs", "program", "history", "formulas"]


def check_fragment(text: str, kind: FragmentKind, name: str = "<fragment>") -> CheckOut:
    """A catalog file (or a formula file) given as text: YAML, its schema, and for a
    formula file every formula; each problem located in the text."""
    from .catalog.models import HistoryFile, InputsFile, PlanFile, ProgramFile
    from .loader import parse_yaml, schema_diagnostics
    from .reading import SourceText

    _bounded(text, MAX_FRAGMENT, "fragment")
    models: dict[str, type[BaseModel]] = {
        "renstra": PlanFile,
        "inputs": InputsFile,
        "program": ProgramFile,
        "history": HistoryFile,
        "formulas": Declarations,
    }
    model = models[kind]
    source = SourceText(Path(name), text)
    try:
        parsed = parse_yaml(source)
    except FormulaError as error:
        return _check_out([diagnostic_of(error)])
    from pydantic import ValidationError

    try:
        declarations = model.model_validate(parsed.data if parsed.data is not None else {})
    except ValidationError as invalid:
        return _check_out(diagnostics_of(schema_diagnostics(parsed, invalid, model)))
    if isinstance(declarations, Declarations):
        from .formula_file import check_declarations

        return _check_out(diagnostics_of(check_declarations(declarations, parsed)))
    return _check_out([])


def evaluate(
    text: str,
    values: ValuesByName,
    year: int,
    units: Mapping[str, str] | None = None,
    decimals: int | None = None,
) -> Result:
    """One formula for one year, exactly: the Result says the value or why not."""
    return compiled_formula(text, units).evaluate(values, year, decimals)


def compiled_formula(text: str, units: Mapping[str, str] | None = None) -> CompiledFormula:
    """A lone formula compiled (as `model_for`); the last 256 asked for are kept, by
    text and units, so that a formula sent again is not compiled again."""
    _bounded(text, MAX_FORMULA, "formula")
    return _compiled(text, tuple(sorted((units or {}).items())))


@functools.lru_cache(maxsize=256)
def _compiled(text: str, units: tuple[tuple[str, str], ...]) -> CompiledFormula:
    compiled: CompiledFormula = _located(model_for(text, dict(units)).compile, text)
    return compiled


class BatchOut(Out):
    formula: str
    year: int
    unit: str
    rows: int
    status: list[Literal["ok", "not_computable"]]
    value: list[str | None] = Field(description="exact values (fractions as 'p/q')")
    rounded: list[str | None]
    reason: list[str | None]


class OverBudget(FormulaError, TimeoutError):
    """Work stopped because it went past the deadline it was given."""

    code = "E705"
    stage = "service"

    def __init__(self, what: str, seconds: float | None = None) -> None:
        budget = f" of {seconds:g} s" if seconds is not None else ""
        super().__init__(
            f"{what} went past its time budget{budget} and was stopped",
            hint="send less work per request (fewer rows, a shorter formula)",
        )


def evaluate_batch(
    formula: CompiledFormula,
    columns: Mapping[str, Sequence[Any]],
    year: int,
    deadline: float | None = None,
) -> BatchOut:
    """A compiled formula over columns of rows, exactly (each row as `evaluate` would).

    A column is named `name` (the year asked) or `name@YEAR` / `name@awal`; None (or a
    missing column) is a missing value. With a `deadline` (time.monotonic()), the rows
    stop at it with OverBudget, checked every 64 rows."""
    import time

    from .errors import EvaluationError
    from .model import Values, year_key_of

    lengths = {len(column) for column in columns.values()}
    if len(lengths) > 1:
        raise EvaluationError(
            f"the columns have different lengths: {sorted(lengths)}",
            code="E403",
            hint="send the same number of rows in every column",
        )
    rows = lengths.pop() if lengths else 0
    if rows > MAX_ROWS:
        raise EvaluationError(
            f"{rows} rows; the limit is {MAX_ROWS}", code="E403", hint="split the batch"
        )
    keyed: dict[str, tuple[str, int | str]] = {}
    for name in columns:
        label, _, when = name.partition("@")
        keyed[name] = (label, year_key_of(when, f"the column {name!r}") if when else year)
    out: dict[str, list[Any]] = {"status": [], "value": [], "rounded": [], "reason": []}
    for row in range(rows):
        if deadline is not None and row % 64 == 0 and time.monotonic() > deadline:
            raise OverBudget(f"the batch (at row {row} of {rows})")
        by_name: dict[str, dict[int | str, Any]] = {}
        for name, column in columns.items():
            if column[row] is not None:
                label, key = keyed[name]
                by_name.setdefault(label, {})[key] = column[row]
        result = formula.evaluate(Values(formula.model.table, by_name), year)
        out["status"].append(result.status)
        out["value"].append(None if result.value is None else _exact(result.value))
        out["rounded"].append(result.rounded)
        out["reason"].append(result.reason)
    return BatchOut(formula=formula.text, year=year, unit=str(formula.unit), rows=rows, **out)


def _exact(value: Fraction | bool) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class CounterexampleOut(Out):
    year: int
    inputs: dict[str, dict[str, str]] = Field(description="label -> year -> exact value")
    left: str
    right: str


class EquivalenceOut(Out):
    status: Literal["equivalent", "not_equivalent", "not_proven"]
    left_unit: str
    right_unit: str
    units_agree: bool
    counterexample: CounterexampleOut | None = None


def equivalent(
    left: str,
    right: str,
    units: Mapping[str, str] | None = None,
    *,
    declarations: Declarations | None = None,
    location: Location | None = None,
    limit: int | None = MAX_FORMULA,
) -> EquivalenceOut:
    """Whether two formulas are the same function of their inputs, with a counterexample
    when they are not: over the `declarations` given (a formula file's), or with each
    name an input, nonnegative (its unit from `units`). A located error names the formula
    it is in, and `location` (default: <formula>); `limit` as for `model_for`."""
    from .equivalence import equivalence

    declared: dict[str, Input] = {}
    for text in (left, right):  # each checked on its own first: an error names its formula
        model = model_for(text, units, declarations=declarations, location=location, limit=limit)
        _located(model.compile, text, location=location)
        for item in model.declarations.inputs:
            declared[item.id] = item.model_copy(update={"domain": "nonnegative"})
    over = declarations or Declarations(inputs=tuple(declared.values()))
    verdict = equivalence(left, right, over)
    example = verdict.counterexample
    return EquivalenceOut(
        status=verdict.status,
        left_unit=str(verdict.left_unit),
        right_unit=str(verdict.right_unit),
        units_agree=verdict.units_agree,
        counterexample=None
        if example is None
        else CounterexampleOut(
            year=example.year,
            inputs={k: {str(y): str(v) for y, v in ys.items()} for k, ys in example.inputs.items()},
            left=example.left,
            right=example.right,
        ),
    )


class AchievementOut(Out):
    """`achievement.Achievement` as JSON: exact value as text, the band's name."""

    rule: str
    formula: str
    status: Literal["ok", "not_computable"]
    value: str | None = None
    rounded: str | None = None
    negative: bool = False
    reason: str | None = None
    band: dict[str, Any] | None = None


def achievement_out(achieved: Achievement) -> AchievementOut:
    from .numbers import format_decimal

    band = None
    if achieved.band is not None:
        band = {
            "value": str(achieved.band.value),
            "label": achieved.band.label,
            "reason": achieved.band.reason,
        }
    return AchievementOut(
        rule=achieved.rule,
        formula=achieved.formula,
        status=achieved.status,
        value=None if achieved.value is None else str(achieved.value),
        rounded=None if achieved.value is None else format_decimal(achieved.value, 2),
        negative=achieved.negative,
        reason=achieved.reason,
        band=band,
    )


# The catalog


@dataclass
class _State:
    """What one version of the catalog's files gives (rebuilt after each edit)."""

    catalog: Catalog
    diagnostics: list[DiagnosticOut]
    accepted: list[DiagnosticOut]
    fingerprint: tuple[tuple[str, int, int, int], ...]
    indicators: dict[str, Any] = field(default_factory=dict)  # id -> located entry
    models: dict[int, Model] = field(default_factory=dict)
    formulas: dict[tuple[str, int], CompiledFormula] = field(default_factory=dict)
    audit: AuditReport | None = None
    etag: str | None = None
    kept: dict[str, Any] = field(default_factory=dict)  # answers of this version


class CatalogHandle:
    """A catalog directory, loaded and checked (`catalog.load_checked`), with its models
    (one per year), its audit and its edits; safe to share between threads.

    Readers never wait for an edit: an edit builds the next version of the state (the
    files read and checked again) and then puts it in place; until then readers see the
    previous one. `lock` serialises the edits."""

    def __init__(self, root: Path, name: str = "renstra") -> None:
        self.root = root
        self.name = name
        self.lock = threading.RLock()  # edits are serialised per catalog
        self._building = threading.RLock()  # the state, a year's model, the audit
        self._state: _State | None = None

    def _loaded(self) -> _State:
        state = self._state
        if state is None:
            with self._building:
                if self._state is None:
                    self.reload()
                state = self._state
                assert state is not None
        declare_plan(state.catalog.plan)  # its units and band tables, in this context
        return state

    def reload(self) -> None:
        """Read and check the files now (CatalogRejected if they do not check: the
        previous version stays). The models of the years the previous version had
        compiled are compiled again, so that no reader pays for it."""
        from .model import Model

        fingerprint = _fingerprint(self.root)  # before reading: a later change is seen
        catalog, report = load_checked(self.root)
        state = _State(
            catalog,
            diagnostics_of(report.diagnostics),
            diagnostics_of(report.accepted),
            fingerprint,
        )
        for located in [*catalog.indicators(), *catalog.history_indicators()]:
            state.indicators.setdefault(located.entry.id, located)
        previous = self._state
        for year in previous.models if previous is not None else ():
            state.models[year] = Model(_declarations(catalog, year))
        with self._building:
            self._state = state

    def refresh(self) -> bool:
        """Reload when a file of the catalog changed (or was added or removed) since
        it was read, by name, size, modification time and inode; True if it reloaded."""
        state = self._state
        if state is not None and state.fingerprint == _fingerprint(self.root):
            return False
        self.reload()
        return True

    @property
    def catalog(self) -> Catalog:
        return self._loaded().catalog

    @property
    def first_year(self) -> int:
        return self.catalog.plan.plan.first_year

    @property
    def etag(self) -> str:
        """The version of the whole catalog: a digest of its files' contents."""
        state = self._loaded()
        if state.etag is None:
            digest = hashlib.sha256()
            for located in _sources(state.catalog):
                digest.update(located)
            state.etag = digest.hexdigest()[:32]
        return state.etag

    def model(self, year: int) -> Model:
        """The inputs and the indicators whose formula holds in `year`, compiled."""
        from .model import Model

        state = self._loaded()
        model = state.models.get(year)
        if model is not None:
            return model
        with self._building:
            if year not in state.models:
                state.models[year] = Model(_declarations(state.catalog, year))
            return state.models[year]

    def indicator(self, identifier: str) -> IndicatorEntry:
        entry: IndicatorEntry = self._located(identifier).entry
        return entry

    def _located(self, identifier: str) -> Any:
        """The indicator's entry with its file, owner and position; NotFound if none."""
        state = self._loaded()
        located = state.indicators.get(identifier)
        if located is None:
            raise NotFound("indicator", identifier, list(state.indicators))
        return located

    def _indicators(self) -> Iterator[Any]:
        yield from self._loaded().indicators.values()

    def formula(self, identifier: str, year: int) -> CompiledFormula:
        """The indicator's formula for `year` (a formula the catalog accepts as the
        document's own mistake is evaluated as printed, its unit unknown); kept."""
        state = self._loaded()
        compiled = state.formulas.get((identifier, year))
        if compiled is None:
            compiled = state.formulas[identifier, year] = self._formula(identifier, year)
        return compiled

    def _formula(self, identifier: str, year: int) -> CompiledFormula:
        entry = self.indicator(identifier)
        version = next(
            (v for v in entry.formulas if v.valid_from <= year <= v.valid_to and v.formula), None
        )
        if version is None:
            spans = ", ".join(f"{v.valid_from}-{v.valid_to}" for v in entry.formulas) or "none"
            raise ResolveError(
                f"{identifier} has no formula for {year} (its formulas hold for: {spans})",
                code="E204",
                hint="ask for a year its formulas hold for",
            )
        model = self.model(year)
        if version.accepts:
            return model.compile(version.formula, unit=entry.unit, accept=version.accepts)
        return model.indicator(identifier)

    def audit_report(self) -> AuditReport:
        """The audit of this version of the catalog, run here once (see `unaudited`)."""
        from .audit import run_audit

        state = self._loaded()
        if state.audit is not None:
            return state.audit
        with self._building:
            if state.audit is None:
                state.audit = run_audit(state.catalog)
            return state.audit

    def kept(self, key: str, compute: Callable[[], _T]) -> _T:
        """`compute()`, once per version of the files: an answer that depends on them
        only (the tree, the audit's summary), kept until an edit or a reload."""
        state = self._loaded()
        if key not in state.kept:
            state.kept[key] = compute()
        answer: _T = state.kept[key]
        return answer

    def unaudited(self) -> Catalog | None:
        """The catalog, when its audit has not been run yet (None when it has): a
        program that runs the audit elsewhere (the service: in a process killed at the
        request's deadline) gives the report back with `keep_audit`."""
        state = self._loaded()
        return state.catalog if state.audit is None else None

    def keep_audit(self, catalog: Catalog, report: AuditReport) -> None:
        """Keep the audit `report` of `catalog`, if that is still the current version."""
        with self._building:
            state = self._state
            if state is not None and state.catalog is catalog and state.audit is None:
                state.audit = report


def _fingerprint(root: Path) -> tuple[tuple[str, int, int, int], ...]:
    """Name, size, modification time and inode of every YAML file under `root`."""
    rows = []
    for path in sorted(root.rglob("*.y*ml")):
        info = path.stat()
        rows.append((str(path.relative_to(root)), info.st_size, info.st_mtime_ns, info.st_ino))
    return tuple(rows)


def _sources(catalog: Catalog) -> list[bytes]:
    files = {catalog.plan_source.path: catalog.plan_source.text}
    for located in [*catalog.inputs, *catalog.programs, catalog.history]:
        if located is not None:
            files[located.source.path] = located.source.text
    updates = getattr(catalog, "updates", None)  # issue 10's file of later values
    if updates is not None:
        files[updates.source.path] = updates.source.text
    return [str(path).encode() + b"\0" + text.encode() for path, text in sorted(files.items())]


def _declarations(catalog: Catalog, year: int) -> Declarations:
    plan = catalog.plan.plan
    inputs = tuple(
        Input(**item.model_dump(exclude={"values", "notes"})) for item in catalog.all_inputs()
    )
    indicators = []
    for located in catalog.indicators():
        entry = located.entry
        for version in entry.formulas:
            holds = version.valid_from <= year <= version.valid_to
            if holds and version.formula and not version.accepts:
                indicators.append(
                    Indicator(
                        id=entry.id, label=entry.name, unit=entry.unit, formula=version.formula
                    )
                )
    return Declarations(
        plan=Plan(first_year=plan.first_year, last_year=plan.last_year),
        inputs=inputs,
        indicators=tuple(indicators),
    )


_HANDLES: dict[Path, CatalogHandle] = {}
_HANDLES_LOCK = threading.Lock()


def load_catalog(path: Path | str | None = None, name: str = "renstra") -> CatalogHandle:
    """The catalog under `path` (default: the bundled one), checked; one handle per
    directory, whose files are read (and checked) again at each call, so that a change
    made outside is seen (a CatalogRejected, exit 4 in the CLI, if it does not check)."""
    root = Path(path).resolve() if path is not None else bundled_catalog_path()
    with _HANDLES_LOCK:
        handle = _HANDLES.get(root)
        if handle is None:
            handle = CatalogHandle(root, name)
        handle.reload()
        handle.catalog  # noqa: B018 - load now: a rejected catalog fails here
        _HANDLES[root] = handle
    return handle


def check_catalog(path: Path | str) -> tuple[CheckOut, list[DiagnosticOut]]:
    """What `renstra check DIR` reports: the problems (with the symbolic checks'
    warnings), and those the catalog accepts as the document's own."""
    catalog, found = _load_files(Path(path))
    if catalog is None:
        return _check_out(diagnostics_of(found)), []
    report = checked_report(catalog)
    return _check_out(diagnostics_of(report.diagnostics)), diagnostics_of(report.accepted)


def check_formula_file(path: Path | str) -> CheckOut:
    """What `renstra check FILE` reports for a formula file (plan, inputs, indicators)."""
    from .formula_file import check_file

    return _check_out(diagnostics_of(check_file(Path(path))))


def catalog_stats(handle: CatalogHandle) -> dict[str, dict[str, int]]:
    """Counts by level, by table and by kind of formula (`renstra catalog stats`)."""
    from .catalog.stats import catalog_stats as stats

    return {title: dict(counts) for title, counts in stats(handle.catalog).items()}


def evaluate_indicator(
    handle: CatalogHandle,
    identifier: str,
    values: ValuesByName,
    year: int,
    decimals: int | None = None,
) -> Result:
    """An indicator of the catalog for one year, from the values given (the catalog's
    inputs, by id or label; other indicators are computed from theirs)."""
    return handle.formula(identifier, year).evaluate(values, year, decimals)


class IndicatorRef(Out):
    id: str
    name: str
    unit: str


class TreeNode(Out):
    level: Literal["tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan"]
    key: str = Field(description="the id of a tujuan or sasaran, the code of a program row")
    name: str
    indicators: list[IndicatorRef] = []
    children: list[TreeNode] = []


class TreeOut(Out):
    name: str
    opd: str
    first_year: int
    last_year: int
    tujuan: list[TreeNode]
    programs_without_sasaran: list[TreeNode] = []


def tree(handle: CatalogHandle) -> TreeOut:
    """Tujuan -> sasaran -> program -> kegiatan -> sub kegiatan, each with its indicators."""
    return handle.kept("tree", lambda: _tree(handle))


def _tree(handle: CatalogHandle) -> TreeOut:
    catalog = handle.catalog
    programs = [located.entry for located in catalog.programs]
    linked: set[str] = set()

    def node(entry: Any, level: Any, key: str, children: list[TreeNode]) -> TreeNode:
        refs = [IndicatorRef(id=i.id, name=i.name, unit=i.unit) for i in entry.indicators]
        return TreeNode(level=level, key=key, name=entry.name, indicators=refs, children=children)

    def program_node(program: Any) -> TreeNode:
        kegiatan = [
            node(
                k, "kegiatan", k.code, [node(s, "sub_kegiatan", s.code, []) for s in k.sub_kegiatan]
            )
            for k in program.kegiatan
        ]
        return node(program, "program", program.code, kegiatan)

    tujuan = []
    for t in catalog.plan.tujuan:
        sasaran = []
        for s in t.sasaran:
            serving = [p for p in programs if s.id in p.sasaran]
            linked.update(p.code for p in serving)
            sasaran.append(node(s, "sasaran", s.id, [program_node(p) for p in serving]))
        tujuan.append(node(t, "tujuan", t.id, sasaran))
    plan = catalog.plan.plan
    return TreeOut(
        name=plan.name,
        opd=plan.opd,
        first_year=plan.first_year,
        last_year=plan.last_year,
        tujuan=tujuan,
        programs_without_sasaran=[program_node(p) for p in programs if p.code not in linked],
    )


class IndicatorOut(Out):
    row: str = Field(description="the code or id of the row the indicator belongs to")
    file: str
    line: int
    etag: str
    indicator: dict[str, Any] = Field(description="the catalog entry (docs/catalog.md)")


def indicator_detail(handle: CatalogHandle, identifier: str) -> IndicatorOut:
    located = handle._located(identifier)  # NotFound with suggestions
    line, _ = located.source.position(located.path)
    return IndicatorOut(
        row=located.owner,
        file=str(Path(located.source.path).relative_to(handle.root)),
        line=line,
        etag=indicator_etag(handle, located.entry),
        indicator=located.entry.model_dump(mode="json"),
    )


def indicator_etag(handle: CatalogHandle, entry: IndicatorEntry) -> str:
    """The indicator's version: its entry and, when the catalog records later values
    (issue 10's updates file), that file too (a revision changes the ETag)."""
    digest = hashlib.sha256(entry.model_dump_json().encode())
    updates = getattr(handle.catalog, "updates", None)
    if updates is not None:
        digest.update(updates.source.text.encode())
    return digest.hexdigest()[:32]


# The audit


class PlaceOut(Out):
    table: str
    line: int
    last_line: int | None = None
    title: str | None = None
    row: str | None = None
    column: str | None = None


class TermOut(Out):
    label: str
    text: str
    value: str | None = None
    place: str | None = None


class FindingOut(Out):
    """One recomputed figure of the audit (a finding when status is 'finding')."""

    id: str
    check: str
    subject: str
    label: str
    year: int | None
    printed: str
    place: PlaceOut
    rule: str
    terms: list[TermOut]
    steps: list[str]
    recomputed: str | None
    recomputed_rounded: str | None
    difference: str | None
    status: Literal["holds", "finding", "not_recomputable"]
    reason: str | None
    explanation: str | None
    note: str | None
    intended: str | None
    finding_class: str | None = None
    severity: str | None = None
    weight: int | None = None
    rules: list[str] = []


class SectionOut(Out):
    title: str
    counts: dict[str, int]


class AuditSummaryOut(Out):
    title: str
    counts: dict[str, int] = Field(description="checked, holds, finding, not_recomputable")
    sections: list[SectionOut]
    etag: str


def figure_out(
    figure: Figure, identifier: str, report: AuditReport | None = None, lang: str = "en"
) -> FindingOut:
    from .audit.report import figure_to_dict

    data = figure_to_dict(figure, report, lang)  # the place as the reports give it
    return FindingOut(id=identifier, finding_class=data.pop("class"), **data)


def _figure_ids(report: AuditReport) -> list[tuple[str, Figure]]:
    """Each figure with an id that says what it is: check, subject, year, seed line."""
    seen: dict[str, int] = {}
    out = []
    for figure in report.figures:
        stem = f"{figure.check}.{figure.subject}.{figure.year or 'period'}.{figure.place.line}"
        seen[stem] = seen.get(stem, 0) + 1
        out.append((stem if seen[stem] == 1 else f"{stem}.{seen[stem]}", figure))
    return out


def audit_summary(handle: CatalogHandle) -> AuditSummaryOut:
    """The audit's counts, overall and per section, and the catalog's ETag."""
    return handle.kept("audit_summary", lambda: _audit_summary(handle))


def _audit_summary(handle: CatalogHandle) -> AuditSummaryOut:
    report = handle.audit_report()
    counts = report.counts()
    statuses = ("holds", "finding", "not_recomputable")
    return AuditSummaryOut(
        title=report.title,
        counts={"checked": len(report.figures), **{s: counts[s] for s in statuses}},
        sections=[
            SectionOut(title=s.title, counts={k: s.counts()[k] for k in statuses})
            for s in report.sections
        ],
        etag=handle.etag,
    )


def findings(
    handle: CatalogHandle, every_figure: bool = False, lang: str = "en"
) -> list[FindingOut]:
    """The audit's findings (or, with `every_figure`, every recomputed figure), their
    words in `lang` ("en" or "id")."""
    report = handle.audit_report()
    return [
        figure_out(figure, identifier, report, lang)
        for identifier, figure in _figure_ids(report)
        if every_figure or figure.status == "finding"
    ]


def finding(handle: CatalogHandle, identifier: str, lang: str = "en") -> FindingOut:
    report = handle.audit_report()
    known = _figure_ids(report)
    for name, figure in known:
        if name == identifier:
            return figure_out(figure, name, report, lang)
    raise NotFound("finding", identifier, [name for name, _ in known])


class ExplanationSection(Out):
    heading: str
    lines: list[str]


class ExplanationOut(Out):
    title: str
    sections: list[ExplanationSection]
    figures: list[FindingOut]
    text: str = Field(description="the explanation as `renstra explain` prints it")


def explain(
    handle: CatalogHandle,
    subject: str,
    year: int | None = None,
    end_of_period: bool = False,
    lang: str = "id",
) -> ExplanationOut:
    """How a value was computed (an indicator id or name, or a row's code), in `lang`."""
    from .explain import explain as explained

    report = handle.audit_report()
    try:
        explanation = explained(handle.catalog, report, subject, year, end_of_period, lang)
    except ResolveError:
        known = [i.entry.id for i in handle._indicators()]
        known += [r.entry.code for r in handle.catalog.rows() if hasattr(r.entry, "code")]
        raise NotFound("indicator or code", subject, known) from None
    ids = {id(figure): name for name, figure in _figure_ids(report)}
    return ExplanationOut(
        title=explanation.title,
        sections=[ExplanationSection(heading=h, lines=lines) for h, lines in explanation.sections],
        figures=[figure_out(f, ids.get(id(f), f.check), report) for f in explanation.figures],
        text=explanation.render(),
    )


# Edits


class EditSource(Out):
    """Where a new value comes from: every value after the seed carries its own source
    (the fields of issue 10's `RecordSource`)."""

    document: str = Field(min_length=1, max_length=300, description="e.g. 'Renstra Perubahan 2024'")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="ISO date of the document")
    entered_by: str | None = Field(None, max_length=300)
    reference: str | None = Field(None, max_length=300)
    page: str | None = Field(None, max_length=40)


class EditOut(Out):
    catalog: str
    indicator: str
    kind: str
    year: int
    text: str
    previous: str
    file: str
    source: EditSource = Field(description="the source, as recorded with the value in `file`")
    etag: str = Field(description="the indicator's new ETag")


@contextmanager
def _editing(handle: CatalogHandle, deadline: float | None, what: str) -> Iterator[None]:
    """Hold the catalog's edit lock, waiting for it no longer than `deadline`."""
    import time

    wait = -1.0 if deadline is None else max(0.0, deadline - time.monotonic())
    if not handle.lock.acquire(timeout=wait):
        raise OverBudget(f"{what} (waiting for the other edits of {handle.name})")
    try:
        yield
    finally:
        handle.lock.release()


def _in_time(deadline: float | None, what: str) -> None:
    import time

    if deadline is not None and time.monotonic() >= deadline:
        raise OverBudget(what)


def _record_source(source: EditSource) -> RecordSource:
    from .catalog.models import RecordSource

    return RecordSource(**source.model_dump(exclude_none=True))


def _first_error(rejected: CatalogRejected) -> Exception:
    """The located error that made an edit's would-be catalog fail its check."""
    first = next((d for d in rejected.diagnostics if d.severity == "error"), None)
    return first.error if first is not None else rejected


def set_target(
    handle: CatalogHandle,
    identifier: str,
    year: int,
    text: str,
    source: EditSource,
    if_match: str | None = None,
    deadline: float | None = None,
) -> EditOut:
    """Set the indicator's target for `year`, with its source: a revision recorded in
    `updates.yaml` (`catalog.updates.set_target`), the printed value kept; serialised with
    the other edits of this catalog, written atomically, refused whole if the catalog
    would no longer check; StaleEdit if `if_match` is not the indicator's current ETag.
    With a `deadline` (time.monotonic()), OverBudget if it passes before the edit is
    written (waiting for the other edits included): then nothing is written."""
    from .catalog import updates

    with _editing(handle, deadline, "the edit"):
        handle.refresh()  # the files may have changed outside this process
        entry = handle.indicator(identifier)
        current = indicator_etag(handle, entry)
        if if_match is not None and if_match.strip('"') != current:
            raise StaleEdit(if_match, current)
        in_force = updates.targets(handle.catalog, entry, year)
        previous = in_force[-1].text if in_force else ""
        _in_time(deadline, "the edit")
        try:
            path = updates.set_target(handle.root, identifier, year, text, _record_source(source))
        except CatalogRejected as rejected:  # nothing was written: say the first error
            raise _first_error(rejected) from None
        handle.reload()
        return EditOut(
            catalog=handle.name,
            indicator=identifier,
            kind="target",
            year=year,
            text=text,
            previous=previous,
            file=str(path.relative_to(handle.root)),
            source=source,
            etag=indicator_etag(handle, handle.indicator(identifier)),
        )


class RealisationIn(Out):
    indicator: str = Field(max_length=300)
    year: int = Field(ge=1900, le=2200)
    period: Literal["TW1", "TW2", "TW3", "TW4"] | None = Field(None, description="a quarter")
    month: int | None = Field(None, ge=1, le=12)
    text: str = Field(min_length=1, max_length=40, description='as typed: "12,5"')


class RealisationsOut(Out):
    catalog: str
    file: str
    count: int
    etag: str = Field(description="the catalog's new ETag")


def add_realisations(
    handle: CatalogHandle,
    values: Sequence[RealisationIn],
    source: EditSource,
    deadline: float | None = None,
) -> RealisationsOut:
    """Add realisations with their source through `catalog.updates.add_realisations`,
    serialised with the other edits, all or nothing (a `deadline` as for set_target)."""
    from .catalog import updates

    records = [(v.indicator, v.year, v.period or v.month, v.text) for v in values]
    with _editing(handle, deadline, "the edit"):
        handle.refresh()
        _in_time(deadline, "the edit")
        try:
            path = updates.add_realisations(handle.root, records, _record_source(source))
        except CatalogRejected as rejected:
            raise _first_error(rejected) from None
        handle.reload()
        return RealisationsOut(
            catalog=handle.name,
            file=str(path.relative_to(handle.root)),
            count=len(records),
            etag=handle.etag,
        )


def capaian(handle: CatalogHandle, year: int, quarter: int | None = None) -> CapaianTable:
    """The capaian table of a year (or up to a quarter): target and realisation in force,
    capaian and predikat of every indicator, or why it cannot be computed."""
    from .capaian import capaian_table

    return capaian_table(handle.catalog, year, quarter)


def indicator_capaian(
    handle: CatalogHandle, identifier: str, periods: Sequence[tuple[int, int | None]]
) -> dict[tuple[int, int | None], CapaianRow]:
    """One indicator's capaian row for each (year, quarter or None) of `periods`, in one
    call and from one catalog snapshot: only that indicator is computed (`capaian` computes
    the whole plan's table). Empty if no row of the plan holds the indicator."""
    from .capaian import indicator_capaian as one

    catalog = handle.catalog
    for row in catalog.rows():
        entry = row.entry
        for indicator in entry.indicators:
            if indicator.id == identifier:
                kode = getattr(entry, "code", None) or (
                    f"{catalog.level_of(entry).title()} {entry.number}"
                )
                return {(y, q): one(catalog, indicator, y, q, kode) for y, q in periods}
    return {}


class FormulaEditOut(Out):
    catalog: str
    indicator: str
    valid_from: int
    old: str
    new: str
    files: list[str] = Field(description="the files written: the formula's file, updates.yaml")
    source: EditSource
    etag: str = Field(description="the indicator's new ETag")


def set_formula(
    handle: CatalogHandle,
    identifier: str,
    version: int,
    text: str,
    source: EditSource,
    if_match: str | None = None,
) -> FormulaEditOut:
    """Change the formula of the indicator's version valid from `version` (a year) to
    `text`, with its source: the formula is rewritten in its file (comments and layout
    kept) and the change (old, new, source) recorded in updates.yaml
    (`catalog.formula_edits.set_formula`); serialised with the other edits, refused whole if
    the catalog would no longer check (the located error of the formula is raised);
    StaleEdit if `if_match` is not the indicator's current ETag. The handle reloads, so
    the audit after it reflects the change."""
    from .catalog import formula_edits

    _bounded(text, MAX_FORMULA_EDIT, "formula")
    with handle.lock:
        handle.reload()
        entry = handle.indicator(identifier)
        current = indicator_etag(handle, entry)
        if if_match is not None and if_match.strip('"') != current:
            raise StaleEdit(if_match, current)
        old = next((v.formula for v in entry.formulas if v.valid_from == version), "")
        try:
            paths = formula_edits.set_formula(
                handle.root, identifier, version, text, _record_source(source)
            )
        except CatalogRejected as rejected:
            raise _first_error(rejected) from None
        handle.reload()
        return FormulaEditOut(
            catalog=handle.name,
            indicator=identifier,
            valid_from=version,
            old=old,
            new=text,
            files=[str(p.relative_to(handle.root)) for p in paths],
            source=source,
            etag=indicator_etag(handle, handle.indicator(identifier)),
        )


class BudgetOut(Out):
    """A budget figure of a program, kegiatan or sub kegiatan (Rupiah, as printed)."""

    code: str
    kind: str = Field(description="target (pagu indikatif), realisation, end_of_period")
    year: int | None
    text: str
    table: str
    line: int


def budgets(handle: CatalogHandle) -> dict[str, list[BudgetOut]]:
    """The printed budgets of every program, kegiatan and sub kegiatan, by code."""
    found: dict[str, list[BudgetOut]] = {}
    for row in handle.catalog.rows():
        code = getattr(row.entry, "code", None)
        if not isinstance(code, str):
            continue
        for value in getattr(row.entry, "budget", ()):
            found.setdefault(code, []).append(
                BudgetOut(
                    code=code,
                    kind=value.kind,
                    year=value.year,
                    text=value.text,
                    table=value.table,
                    line=value.line,
                )
            )
    return found


class CellProblemOut(Out):
    where: str = Field(description="sheet!cell, e.g. Realisasi!G17")
    code: str
    message: str
    expected: str | None = None
    hint: str | None = None
    text: str | None = None


class WorkbookOut(Out):
    """A filled-in realisation template, checked: its values when it has no problem
    (nothing is saved), else every problem, each at its cell."""

    values: list[RealisationIn]
    problems: list[CellProblemOut]


MAX_WORKBOOK = 5 * 1024 * 1024  # bytes of an uploaded workbook


def check_realisation_workbook(
    handle: CatalogHandle, data: bytes, name: str = "realisasi.xlsx", lang: str = "en"
) -> WorkbookOut:
    """Read the template of `renstra template realisasi` (`excel.realisasi`) from bytes
    (a CSV file when `name` ends in .csv, else a workbook): every bad cell (a workbook's
    as sheet!cell, a CSV file's as name:line:column; the message, expected, hint, in
    `lang`: "en" or "id") or the values it would import. Saves nothing:
    `add_realisations` does, with a source."""
    import tempfile

    from .audit.messages import tr
    from .i18n import translator

    _ = translator(lang)

    from .excel.realisasi import read_realisations

    if len(data) > MAX_WORKBOOK:
        problem = CellProblemOut(
            where=name,
            code="E721",
            message=_("the file has {size} bytes; the limit is {limit}").format(
                size=len(data), limit=MAX_WORKBOOK
            ),
            hint=_("upload the template of one year"),
        )
        return WorkbookOut(values=[], problems=[problem])
    shown = Path(name).name[:200] or "realisasi.xlsx"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / (
            "unggahan.csv" if shown.lower().endswith(".csv") else "unggahan.xlsx"
        )
        path.write_bytes(data)
        found, problems = read_realisations(path, handle.catalog)
    prefix = str(path) + "!"  # a workbook's cell is sheet!cell; a CSV's, file:line:column
    return WorkbookOut(
        values=[
            RealisationIn(indicator=r.indicator_id, year=r.year, period=r.period, text=r.value_text)
            for r in found
        ],
        problems=[
            CellProblemOut(
                where=p.where.removeprefix(prefix).replace(str(path), shown),
                code=p.code,
                message=tr(p.message, _),
                expected=None if p.expected is None else tr(p.expected, _),
                hint=None if p.hint is None else tr(p.hint, _),
                text=p.text,
            )
            for p in problems
        ],
    )


__all__ = [
    "MAX_FORMULA",
    "MAX_FRAGMENT",
    "MAX_ROWS",
    "AchievementOut",
    "AuditSummaryOut",
    "BatchOut",
    "BudgetOut",
    "CatalogHandle",
    "CellProblemOut",
    "CheckOut",
    "DiagnosticOut",
    "EditOut",
    "EditSource",
    "EquivalenceOut",
    "ExplanationOut",
    "FindingOut",
    "FormattedOut",
    "FormulaEditOut",
    "IndicatorOut",
    "NotFound",
    "OverBudget",
    "ParsedOut",
    "RealisationIn",
    "RealisationsOut",
    "StaleEdit",
    "TreeOut",
    "WorkbookOut",
    "achievement_out",
    "add_realisations",
    "audit_summary",
    "budgets",
    "capaian",
    "catalog_stats",
    "check_catalog",
    "check_formula",
    "check_formula_file",
    "check_fragment",
    "check_realisation_workbook",
    "compiled_formula",
    "declarations_of",
    "diagnostic_of",
    "equivalent",
    "evaluate",
    "evaluate_batch",
    "evaluate_indicator",
    "explain",
    "finding",
    "findings",
    "format_formula",
    "indicator_capaian",
    "indicator_detail",
    "load_catalog",
    "model_for",
    "parse_formula",
    "parsed_json",
    "set_formula",
    "set_target",
    "tree",
]
