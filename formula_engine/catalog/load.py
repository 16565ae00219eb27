"""Loading the catalog directory: every file parsed with positions and validated.

All or nothing: `load_catalog` returns a `Catalog` only when every file is valid YAML and
matches its model; otherwise it returns the located diagnostics of every file and no
catalog, so a broken file never yields a partly loaded catalog.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from ..bands import declare_tables, declared_tables
from ..errors import Diagnostic, Location
from ..i18n import msg
from ..loader import LoadError, YamlFile, parse_yaml, schema_diagnostics
from ..reading import ReadError, SourceText, read_source
from ..units import declare_units, declared_spellings, declared_units
from ..writing import remove_stale_temporaries
from . import cache

if TYPE_CHECKING:
    from ..bands import BandTable

from .models import (
    CatalogInput,
    HistoryFile,
    IndicatorEntry,
    InputsFile,
    Kegiatan,
    PlanFile,
    Program,
    ProgramFile,
    Sasaran,
    SubKegiatan,
    Tujuan,
    UpdatesFile,
)

# Which model each file of the catalog must match (a file ends in .yaml or .yml).
LAYOUT: tuple[tuple[str, type[BaseModel]], ...] = (
    ("renstra", PlanFile),
    ("inputs/*", InputsFile),
    ("programs/*", ProgramFile),
    ("history", HistoryFile),
    ("updates", UpdatesFile),  # later values with their sources (catalog/updates.py)
)
SUFFIXES = (".yaml", ".yml")
Loaded = cache.Loaded  # each file: its text and positions, its model (one alias, cache.py)


@dataclass(frozen=True)
class Located:
    """An entry with the file and the path of keys where it stands."""

    entry: Any
    source: YamlFile
    path: tuple[str | int, ...]
    owner: str  # the code or id of the row the entry belongs to

    def diagnostic(
        self,
        key: tuple[str | int, ...],
        message: str,
        code: str,
        hint: str | None = None,
        severity: str = "error",
    ) -> Diagnostic:
        """A diagnostic located at the value `key` of this entry, with a caret under it."""
        error = LoadError(message, code=code, hint=hint)
        return Diagnostic(severity, self.source.error_at((*self.path, *key), error, self.owner))


@dataclass
class Catalog:
    root: Path
    plan: PlanFile
    plan_source: YamlFile
    inputs: list[Located] = field(default_factory=list)
    programs: list[Located] = field(default_factory=list)
    history: Located | None = None
    updates: Located | None = None  # updates.yaml, when there is one
    cache_key: str | None = field(default=None, compare=False)  # the files' (cache.py)

    def rows(self) -> Iterator[Located]:
        """Every tujuan, sasaran, program, kegiatan and sub kegiatan, parents first."""
        for index, tujuan in enumerate(self.plan.tujuan):
            path: tuple[str | int, ...] = ("tujuan", index)
            yield Located(tujuan, self.plan_source, path, tujuan.id)
            for s_index, sasaran in enumerate(tujuan.sasaran):
                yield Located(sasaran, self.plan_source, (*path, "sasaran", s_index), sasaran.id)
        for located in self.programs:
            program: Program = located.entry
            yield located
            for k_index, kegiatan in enumerate(program.kegiatan):
                k_path = (*located.path, "kegiatan", k_index)
                yield Located(kegiatan, located.source, k_path, kegiatan.code)
                for s_index, sub in enumerate(kegiatan.sub_kegiatan):
                    s_path = (*k_path, "sub_kegiatan", s_index)
                    yield Located(sub, located.source, s_path, sub.code)

    def indicators(self) -> Iterator[Located]:
        """Every indicator of the plan (not of the history), with its row."""
        for row in self.rows():
            for index, indicator in enumerate(row.entry.indicators):
                yield Located(indicator, row.source, (*row.path, "indicators", index), row.owner)

    def history_indicators(self) -> Iterator[Located]:
        if self.history is not None:
            history: HistoryFile = self.history.entry
            for index, indicator in enumerate(history.indicators):
                yield Located(indicator, self.history.source, ("indicators", index), "history")

    def all_inputs(self) -> list[CatalogInput]:
        return [located.entry for located in self.inputs]

    def level_of(self, entry: Any) -> str:
        if isinstance(entry, Tujuan):
            return "tujuan"
        if isinstance(entry, Sasaran):
            return "sasaran"
        if isinstance(entry, Program):
            return "program"
        if isinstance(entry, Kegiatan):
            return "kegiatan"
        if isinstance(entry, SubKegiatan):
            return "sub_kegiatan"
        return "indicator" if isinstance(entry, IndicatorEntry) else "entry"


def load_catalog(root: Path) -> tuple[Catalog | None, list[Diagnostic]]:
    """The catalog under `root`, or None and every problem found in its files."""
    loaded: Loaded = {}
    declare_plan(None)  # no other catalog's units or band tables
    if not catalog_files(root, "renstra"):
        missing = LoadError(
            msg("{root} has no renstra.yaml: is it a catalog directory?", root=root),
            code="E505",
            hint=msg("a catalog holds renstra.yaml, inputs/, programs/ and history.yaml"),
        )
        missing.with_source("", Location(str(root / "renstra.yaml")))
        return None, [Diagnostic("error", missing)]
    for directory in (root, root / "inputs", root / "programs"):
        remove_stale_temporaries(directory)
    layout = [(pattern, model, catalog_files(root, pattern)) for pattern, model in LAYOUT]
    read = {path: _read(path) for _, _, paths in layout for path in paths}
    sources = [
        (text, model)
        for _, model, paths in layout
        for path in paths
        if isinstance(text := read[path], SourceText)
    ]
    if len(sources) < len(read) or any(_one_of_each(p, paths) for p, _, paths in layout):
        return None, _parsed(layout, read, loaded)  # the diagnostics of the real parse
    key = cache.catalog_key(root, sources)
    cached = cache.load(key, sources)
    if cached is not None:
        return _assemble(root, cached, key), []
    diagnostics = _parsed(layout, read, loaded)
    if diagnostics:
        return None, diagnostics
    cache.store(key, loaded)
    return _assemble(root, loaded, key), []


def _parsed(
    layout: list[tuple[str, type[BaseModel], list[Path]]],
    read: dict[Path, SourceText | ReadError],
    loaded: Loaded,
) -> list[Diagnostic]:
    """Every file parsed and validated (into `loaded`); the diagnostics, in file order."""
    diagnostics: list[Diagnostic] = []
    for pattern, model, paths in layout:
        diagnostics += _one_of_each(pattern, paths)
        for path in paths:
            result = _load_file(read[path], model)
            if isinstance(result, list):
                diagnostics.extend(result)
            else:
                loaded[path] = result
                if isinstance(result[1], PlanFile):  # its units, for the inputs' units
                    declare_plan(result[1])
    return diagnostics


def declare_plan(plan: BaseModel | None) -> None:
    """The plan's declared units and band tables (renstra.yaml `units:`, `bands:`) are
    the ones in use (beside the bundled ones) while this catalog is used; None: none.
    A plan's declarations are made once and kept (`_DECLARATIONS`): declaring a plan
    already in use in this context is two identity checks (the service's hot path)."""
    kept = _DECLARATIONS.get(id(plan))
    if kept is None or kept[0] is not plan:
        units = plan.units if isinstance(plan, PlanFile) else ()
        spellings, _ = declared_spellings((u.name, u.dimension, u.aliases) for u in units)
        declare_units(spellings)
        declare_tables(plan.bands if isinstance(plan, PlanFile) else ())
        if len(_DECLARATIONS) >= 64:  # a bound: the oldest plan is forgotten
            _DECLARATIONS.pop(next(iter(_DECLARATIONS)), None)
        _DECLARATIONS[id(plan)] = (plan, declared_units(), declared_tables())
        return
    _, units_in_use, tables_in_use = kept
    if declared_units() is not units_in_use:
        declare_units(units_in_use)
    if declared_tables() is not tables_in_use:
        declare_tables(tables_in_use)


# id(plan) -> (the plan, kept so that its id is not reused, its units, its band tables)
_DECLARATIONS: dict[int, tuple[object, Mapping[str, str], Mapping[str, BandTable]]] = {}


def _read(path: Path) -> SourceText | ReadError:
    try:
        return read_source(path)
    except ReadError as error:
        return error


def catalog_files(root: Path, pattern: str) -> list[Path]:
    """The files of `pattern` (a layout entry), .yaml or .yml; hidden files are not."""
    found = [path for suffix in SUFFIXES for path in root.glob(pattern + suffix)]
    return sorted(path for path in found if not path.name.startswith("."))


def _one_of_each(pattern: str, paths: list[Path]) -> list[Diagnostic]:
    if "*" in pattern or len(paths) < 2:
        return []
    both = LoadError(
        msg(
            "both {first} and {second}: the catalog has one {name} file",
            first=paths[0].name,
            second=paths[1].name,
            name=pattern,
        ),
        code="E551",
        hint=msg("keep one of them (the usual name is {name}.yaml)", name=pattern),
    )
    both.with_source("", Location(str(paths[1])))
    return [Diagnostic("error", both)]


def _load_file(
    read: SourceText | ReadError, model: type[BaseModel]
) -> tuple[YamlFile, BaseModel] | list[Diagnostic]:
    if isinstance(read, ReadError):
        return [Diagnostic("error", read)]
    try:
        source = parse_yaml(read)
    except LoadError as error:
        return [Diagnostic("error", error)]
    path = read.path
    if source.data is None:
        what = msg("only comments") if source.text.strip() else msg("nothing")
        empty = LoadError(
            msg("the file is empty (it holds {what})", what=what),
            code="E506",
            hint=msg(
                "write the {model} entries (see docs/catalog.md), or remove the file",
                model=model.__name__,
            ),
        )
        empty.with_source("", Location(str(path)))
        return [Diagnostic("error", empty)]
    try:
        return source, model.model_validate(source.data)
    except ValidationError as invalid:
        return schema_diagnostics(source, invalid, model)


def _assemble(root: Path, loaded: Loaded, key: str | None) -> Catalog:
    plan_source, plan = next(pair for pair in loaded.values() if isinstance(pair[1], PlanFile))
    assert isinstance(plan, PlanFile)
    declare_plan(plan)
    catalog = Catalog(root, plan, plan_source, cache_key=key)
    for path, (source, model) in loaded.items():
        if isinstance(model, InputsFile):
            for index, declared in enumerate(model.inputs):
                catalog.inputs.append(Located(declared, source, ("inputs", index), declared.id))
        elif isinstance(model, ProgramFile):
            catalog.programs.append(
                Located(model.program, source, ("program",), model.program.code)
            )
        elif isinstance(model, HistoryFile):
            catalog.history = Located(model, source, (), "history")
        elif isinstance(model, UpdatesFile):
            catalog.updates = Located(model, source, (), "updates")
        del path
    catalog.programs.sort(key=lambda located: located.entry.code)
    return catalog
