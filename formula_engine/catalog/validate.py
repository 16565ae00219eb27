"""Validating a loaded catalog: every problem at once, each with file, entry, line, column.

The checks after the schema: duplicate and orphan codes, a parent whose code is not a
prefix, duplicate ids, links to undefined sasaran or inputs, formulas that do not parse,
resolve or unit-check (against the indicator's unit), overlapping formula versions,
printed values that are not figures, missing achievement or end-of-period rules, and
the later values of updates.yaml (catalog/updates.py).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import declarations as decl
from .. import nodes
from ..errors import CheckError, Diagnostic, FormulaError, ResolveError
from ..i18n import Msg, msg
from ..resolve import SymbolTable, dependency_order
from ..rules import END_OF_PERIOD_RULES
from ..units import UNKNOWN_UNIT, Unit, infer_unit, parse_unit
from .load import Catalog, Located
from .models import CatalogInput, FormulaVersion, IndicatorEntry, Kegiatan, Program
from .updates import update_diagnostics
from .values import periods, printed_values

if TYPE_CHECKING:  # the compiler and the symbolic checks need sympy: imported when used
    from ..backends.sympy import SympyCompiler


@dataclass(frozen=True)
class Report:
    """The outcome of `validate`: diagnostics, and those the catalog accepts."""

    diagnostics: list[Diagnostic]
    accepted: list[Diagnostic]

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]


def validate(catalog: Catalog, symbolic: bool = True) -> Report:
    found: list[Diagnostic] = []
    accepted: list[Diagnostic] = []
    found += _duplicate_codes(catalog)
    found += _parent_prefixes(catalog)
    found += _duplicate_ids(catalog)
    found += _links(catalog)
    found += _rules(catalog)
    found += _declared(catalog)
    dated = periods(catalog)
    found += dated
    if dated:  # formulas and values cannot be dated in a period that ends before it starts
        return Report(found, accepted)
    found += printed_values(catalog)
    found += update_diagnostics(catalog)  # later values, with their sources
    for diagnostic, accepts in _formulas(catalog, symbolic):
        (accepted if diagnostic.code in accepts else found).append(diagnostic)
    return Report(found, accepted)


def _error(
    located: Located,
    key: tuple[str | int, ...],
    message: str,
    code: str,
    hint: str | None = None,
) -> Diagnostic:
    return located.diagnostic(key, message, code, hint)


# Codes and ids.


def _coded_rows(catalog: Catalog) -> list[Located]:
    return [
        r
        for r in catalog.rows()
        if isinstance(r.entry, Program | Kegiatan) or catalog.level_of(r.entry) == "sub_kegiatan"
    ]


def _duplicates(entries: list[Located], key: str, code: str, hint: Msg) -> list[Diagnostic]:
    """One error per entry whose `key` (code or id) another entry also has."""
    counts = Counter(getattr(e.entry, key) for e in entries)
    return [
        _error(
            e,
            (key,),
            msg(
                "{key} {value} is used {count} times",
                key=key,
                value=repr(getattr(e.entry, key)),
                count=counts[getattr(e.entry, key)],
            ),
            code,
            hint,
        )
        for e in entries
        if counts[getattr(e.entry, key)] > 1
    ]


def _duplicate_codes(catalog: Catalog) -> list[Diagnostic]:
    return _duplicates(
        _coded_rows(catalog),
        "code",
        "E510",
        msg("each program, kegiatan and sub kegiatan has its own code"),
    )


def _parent_prefixes(catalog: Catalog) -> list[Diagnostic]:
    found = []
    for located in catalog.programs:
        program: Program = located.entry
        for k_index, kegiatan in enumerate(program.kegiatan):
            k_path = (*located.path, "kegiatan", k_index)
            if not kegiatan.code.startswith(program.code + "."):
                found.append(_orphan(located, k_path, kegiatan.code, program.code))
            for s_index, sub in enumerate(kegiatan.sub_kegiatan):
                if not sub.code.startswith(kegiatan.code + "."):
                    found.append(
                        _orphan(
                            located, (*k_path, "sub_kegiatan", s_index), sub.code, kegiatan.code
                        )
                    )
    return found


def _orphan(located: Located, path: tuple[str | int, ...], code: str, parent: str) -> Diagnostic:
    child = Located(None, located.source, path, code)
    return _error(
        child,
        ("code",),
        msg(
            "code {code} does not start with its parent's code {parent}",
            code=repr(code),
            parent=repr(parent),
        ),
        "E512",
        msg("move the entry under its parent, or fix the code"),
    )


def _duplicate_ids(catalog: Catalog) -> list[Diagnostic]:
    entries = [*catalog.indicators(), *catalog.history_indicators(), *_all_inputs(catalog)]
    entries += [r for r in catalog.rows() if hasattr(r.entry, "id")]
    return _duplicates(entries, "id", "E511", msg("ids are unique across the whole catalog"))


def _links(catalog: Catalog) -> list[Diagnostic]:
    sasaran = {s.id for t in catalog.plan.tujuan for s in t.sasaran}
    found = []
    for located in catalog.programs:
        for index, link in enumerate(located.entry.sasaran):
            if link not in sasaran:
                found.append(
                    _error(
                        located,
                        ("sasaran", index),
                        msg("unknown sasaran {name}", name=repr(link)),
                        "E513",
                        msg("the sasaran are: {names}", names=", ".join(sorted(sasaran))),
                    )
                )
    inputs = {i.id for i in catalog.all_inputs()} | _history_input_ids(catalog)
    for located in _all_inputs(catalog):
        part_of = located.entry.part_of
        if part_of is not None and part_of not in inputs:
            found.append(
                _error(
                    located, ("part_of",), msg("unknown input {name}", name=repr(part_of)), "E514"
                )
            )
    return found


def _history_input_ids(catalog: Catalog) -> set[str]:
    return {i.id for i in catalog.history.entry.inputs} if catalog.history else set()


def _all_inputs(catalog: Catalog) -> list[Located]:
    located = list(catalog.inputs)
    if catalog.history is not None:
        located += [
            Located(i, catalog.history.source, ("inputs", n), i.id)
            for n, i in enumerate(catalog.history.entry.inputs)
        ]
    return located


def _rules(catalog: Catalog) -> list[Diagnostic]:
    found = []
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        indicator: IndicatorEntry = located.entry
        here = Located(indicator, located.source, located.path, indicator.id)
        if indicator.polarity is None:
            found.append(
                _error(
                    here,
                    ("id",),
                    msg("no achievement rule (polarity)"),
                    "E530",
                    msg(
                        "add polarity: higher_is_better, lower_is_better_difference "
                        "or lower_is_better_ratio"
                    ),
                )
            )
        if indicator.end_of_period is None:
            found.append(
                _error(
                    here,
                    ("id",),
                    msg("no end-of-period rule"),
                    "E531",
                    msg(
                        "add end_of_period: {{rule: last_year}} (or {rules})",
                        rules=", ".join(list(END_OF_PERIOD_RULES)[1:]),
                    ),
                )
            )
    return found


# Declared units and band tables (renstra.yaml `units:`, `bands:`).


def _declared(catalog: Catalog) -> list[Diagnostic]:
    import difflib

    from ..bands import TABLE_IDS, lint, table_ids
    from ..units import UNIT_NAMES, declared_spellings

    plan = catalog.plan
    found: list[Diagnostic] = []
    seen: dict[str, str] = {}
    for index, unit in enumerate(plan.units):
        here = Located(unit, catalog.plan_source, ("units", index), unit.name)
        for key, spelling in (
            (("name",), unit.name),
            *((("aliases", n), a) for n, a in enumerate(unit.aliases)),
        ):
            lower = " ".join(spelling.split()).lower()
            if lower in UNIT_NAMES:
                found.append(
                    here.diagnostic(
                        key,
                        msg(
                            "{name} is already the bundled unit {unit}",
                            name=repr(spelling),
                            unit=repr(UNIT_NAMES[lower]),
                        ),
                        "E591",
                        msg("use the bundled unit, or declare another name"),
                    )
                )
            elif lower in seen:
                found.append(
                    here.diagnostic(
                        key,
                        msg(
                            "{name} is declared twice (also by {other})",
                            name=repr(spelling),
                            other=repr(seen[lower]),
                        ),
                        "E591",
                        msg("each unit name and alias is declared once"),
                    )
                )
            seen.setdefault(lower, unit.name)
    _, unknown = declared_spellings((u.name, u.dimension, u.aliases) for u in plan.units)
    for index, unit in enumerate(plan.units):
        if unit.name in unknown and unit.dimension is not None:
            here = Located(unit, catalog.plan_source, ("units", index), unit.name)
            known = [*UNIT_NAMES, *seen]
            close = difflib.get_close_matches(unit.dimension.lower(), known, 1, 0.6)
            found.append(
                here.diagnostic(
                    ("dimension",),
                    msg("the dimension {name} is no unit", name=repr(unit.dimension)),
                    "E592",
                    msg("did you mean {names}?", names=repr(close[0]))
                    if close
                    else msg("name a bundled unit, or a unit declared above this one"),
                )
            )
    ids = [t.id for t in plan.bands]
    for index, table in enumerate(plan.bands):
        here = Located(table, catalog.plan_source, ("bands", index), table.id)
        if table.id in TABLE_IDS or ids.count(table.id) > 1:
            found.append(
                here.diagnostic(
                    ("id",),
                    msg("the band table {name} is a bundled one", name=repr(table.id))
                    if table.id in TABLE_IDS
                    else msg("the band table {name} is declared twice", name=repr(table.id)),
                    "E593",
                    msg("give the declared table an id of its own"),
                )
            )
        if not table.bands:
            found.append(here.diagnostic(("bands",), msg("the table has no band"), "E595"))
            continue
        for finding in lint(table):
            if finding.kind == "overlap":
                found.append(
                    here.diagnostic(
                        ("bands",),
                        msg("bands overlap: {overlap}", overlap=finding.message),
                        "E595",
                        msg(
                            "a capaian falls in one band only: make one bound open "
                            "(lower_closed / upper_closed: false)"
                        ),
                    )
                )
    chosen = plan.plan.capaian_bands
    if chosen is not None and chosen not in table_ids():
        here = Located(plan.plan, catalog.plan_source, ("plan",), "plan")
        close = difflib.get_close_matches(chosen, list(table_ids()), 1, 0.6)
        found.append(
            here.diagnostic(
                ("capaian_bands",),
                msg("no band table {name}", name=repr(chosen)),
                "E594",
                msg("did you mean {names}?", names=repr(close[0]))
                if close
                else msg("the tables are {names}", names=", ".join(table_ids())),
            )
        )
    return found


# Formulas.


def _formulas(catalog: Catalog, symbolic: bool) -> Iterator[tuple[Diagnostic, tuple[str, ...]]]:
    plan_inputs = catalog.all_inputs()
    history_inputs = list(catalog.history.entry.inputs) if catalog.history else []
    plan_indicators = [located.entry for located in catalog.indicators()]
    history_indicators = [located.entry for located in catalog.history_indicators()]
    groups = (
        (
            catalog.indicators(),
            _table(plan_inputs, plan_indicators),
            _compiler(catalog, plan_inputs),
        ),
        (
            catalog.history_indicators(),
            _table(plan_inputs + history_inputs, history_indicators),
            _compiler(catalog, plan_inputs + history_inputs),
        ),
    )
    for indicators, table, compiler in groups:
        bound: dict[str, list[tuple[FormulaVersion, nodes.Expr]]] = {}
        listed = list(indicators)
        for located in listed:
            versions = bound.setdefault(located.entry.id, [])
            yield from _indicator_formulas(located, table, compiler, versions, symbolic)
        yield from ((d, ()) for d in _cycles(listed, bound))


def _cycles(
    indicators: list[Located], bound: dict[str, list[tuple[FormulaVersion, nodes.Expr]]]
) -> Iterator[Diagnostic]:
    """A cycle between indicators, in any year (each year has its own formula versions)."""
    years = sorted({y for versions in bound.values() for v, _ in versions for y in _years(v)})
    for year in years:
        trees = {i: t for i, versions in bound.items() for v, t in versions if year in _years(v)}
        try:
            dependency_order(trees, set(trees))
        except ResolveError as error:
            closing = next(x for x in indicators if x.entry.id == error.location.entry)
            index, version = next(
                (n, v) for n, v in enumerate(closing.entry.formulas) if year in _years(v)
            )
            path = (*closing.path, "formulas", index, "formula")
            location = closing.source.text_location(path, closing.entry.id)
            yield Diagnostic("error", error.with_source(version.formula, location))
            return


def _years(version: FormulaVersion) -> range:
    return range(version.valid_from, version.valid_to + 1)


def _table(inputs: list[CatalogInput], indicators: list[IndicatorEntry]) -> SymbolTable:
    declared_indicators = [
        decl.Indicator(id=i.id, label=i.name, unit=i.unit, formula="0")
        for i in indicators
        if _known_unit(i.unit)
    ]
    return SymbolTable.from_declarations(
        decl.Declarations(inputs=tuple(inputs), indicators=tuple(declared_indicators))
    )


def _compiler(catalog: Catalog, inputs: list[CatalogInput]) -> SympyCompiler:
    from ..backends.sympy import SympyCompiler

    plan = decl.Plan(first_year=catalog.plan.plan.first_year, last_year=catalog.plan.plan.last_year)
    return SympyCompiler(plan, {i.id: i.domain for i in inputs})


def _known_unit(text: str) -> bool:
    try:
        parse_unit(text)
    except CheckError:
        return False
    return True


def _indicator_formulas(
    located: Located,
    table: SymbolTable,
    compiler: SympyCompiler,
    bound: list[tuple[FormulaVersion, nodes.Expr]],
    symbolic: bool,
) -> Iterator[tuple[Diagnostic, tuple[str, ...]]]:
    indicator: IndicatorEntry = located.entry
    here = Located(indicator, located.source, located.path, indicator.id)
    try:
        unit = parse_unit(indicator.unit)
    except CheckError as error:
        yield _error(here, ("unit",), error.message, "E301", error.hint), ()
        return
    yield from ((d, ()) for d in _overlaps(here, indicator.formulas))
    for index, version in enumerate(indicator.formulas):
        path = ("formulas", index, "formula")
        location = here.source.text_location((*here.path, *path), indicator.id)
        for problem in _formula_problems(version, unit, table, compiler, bound, symbolic):
            if problem.code == "E313" and _unit_is_the_mistake(indicator, bound[-1][1], table):
                yield _unit_mismatch(here, indicator), version.accepts
                continue
            located_error = problem.error.with_source(version.formula, location)
            yield Diagnostic(problem.severity, located_error), version.accepts


def _unit_is_the_mistake(indicator: IndicatorEntry, tree: nodes.Expr, table: SymbolTable) -> bool:
    """The formula gives the printed Satuan: the declared unit is the odd one out."""
    try:
        printed = parse_unit(indicator.unit_printed)
    except CheckError:
        return False
    return infer_unit(tree, lambda r: table.by_id[r.name].unit) == printed


def _unit_mismatch(here: Located, indicator: IndicatorEntry) -> Diagnostic:
    """The formula and the printed Satuan agree and the declared unit does not: the
    mistake is the unit, so the error stands there."""
    printed = indicator.unit_printed
    return _error(
        here,
        ("unit",),
        msg(
            "unit {unit} is neither what the formula gives nor the printed Satuan {printed}",
            unit=repr(indicator.unit),
            printed=repr(printed),
        ),
        "E313",
        msg("write unit: {printed}", printed=repr(printed)),
    )


def _formula_problems(
    version: FormulaVersion,
    unit: Unit,
    table: SymbolTable,
    compiler: SympyCompiler,
    bound: list[tuple[FormulaVersion, nodes.Expr]],
    symbolic: bool,
) -> list[Diagnostic]:
    from ..pipeline import check_formula  # the grammar is loaded when a formula is checked

    try:
        checked = check_formula(version.formula, table, unit)
    except FormulaError as error:
        return [Diagnostic("error", error)]
    if checked.unit_error is not None and checked.unit is UNKNOWN_UNIT:
        return [Diagnostic("error", checked.unit_error)]  # inference failed: no unit
    tree = checked.tree
    bound.append((version, tree))
    problems = []
    if checked.unit_error is not None:
        problems.append(Diagnostic("error", checked.unit_error))
    if symbolic:
        from ..checks import Subject, run_checks

        problems += run_checks(Subject(tree, table, compiler, version.valid_to))
    return problems


def _overlaps(here: Located, versions: tuple[FormulaVersion, ...]) -> Iterator[Diagnostic]:
    spans = sorted((v.valid_from, v.valid_to, i) for i, v in enumerate(versions))
    for start, end, index in spans:
        if end < start:
            yield _error(
                here,
                ("formulas", index, "valid_to"),
                msg("valid_to {end} is before valid_from {start}", end=end, start=start),
                "E515",
            )
    for (_, end, _), (start, _, index) in itertools.pairwise(spans):
        if start <= end:
            yield _error(
                here,
                ("formulas", index, "valid_from"),
                msg("formula versions overlap in {year}", year=start),
                "E515",
                msg("each year has at most one formula"),
            )
