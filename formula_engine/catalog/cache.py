"""The catalog cache: a catalog that loaded, kept as plain JSON so that the next run does
not parse its YAML again, and the validation reports of that catalog.

Where: `$RENSTRA_CACHE_DIR`, else `$XDG_CACHE_HOME/formula_engine`, else
`~/.cache/formula_engine`; never inside the catalog. `RENSTRA_CACHE=0` (or
`renstra --no-cache`) turns it off.

The key is the SHA-256 of: the cache format, the package version, a fingerprint of the
package's own files, the catalog path as given, and the name and SHA-256 of the bytes of
every catalog file, as read in this run. Any change of any byte, any file added or
removed, or another version of the code gives another key: an entry is never used for
files other than those it was made from.

An entry is one file: a header line (`MAGIC`, the format, the key, the SHA-256 of the
rest) and a JSON body of plain data: per file, the data YAML read and its positions
table (`marks.py`); the models are rebuilt with `model_validate`, so they are exactly
those of a fresh load. A file that is truncated, corrupt, of another format or another
key is ignored (and replaced by the next store). Only a catalog that loaded is stored:
the diagnostics of a broken catalog always come from the real parse. Writes are atomic
(`writing.write_atomically`); a cache that cannot be written is silently not used.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import Diagnostic, FormulaError, Location, Span
from ..loader import YamlFile
from ..reading import SourceText
from ..writing import WriteError, write_atomically
from .models import HistoryFile, InputsFile, PlanFile, ProgramFile, UpdatesFile

MAGIC, FORMAT = "renstra-cache", 1
KEEP = 16  # entries of each kind kept in the cache folder (the newest)
MODELS: dict[str, type[BaseModel]] = {
    model.__name__: model for model in (PlanFile, InputsFile, ProgramFile, HistoryFile, UpdatesFile)
}
FIELDS = frozenset({"message", "span", "hint", "code", "source", "location"})
PACKAGE = Path(__file__).resolve().parent.parent

Loaded = dict[Path, tuple[YamlFile, BaseModel]]


class NotCacheable(Exception):
    """Data the cache does not store (it is then simply not cached)."""


_switched_off = False  # by `renstra --no-cache`


def switch_off(off: bool = True) -> None:
    """Turn the cache off (or on again) for this process, as `RENSTRA_CACHE=0` does."""
    global _switched_off
    _switched_off = off


def cache_dir() -> Path | None:
    """The folder of the cache, or None when the cache is off."""
    if _switched_off or os.environ.get("RENSTRA_CACHE", "1").strip().lower() in (
        "0",
        "off",
        "no",
        "false",
    ):
        return None
    if os.environ.get("RENSTRA_CACHE_DIR"):
        return Path(os.environ["RENSTRA_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "formula_engine"
    try:
        return Path.home() / ".cache" / "formula_engine"
    except RuntimeError:  # no home directory: no cache
        return None


def catalog_key(root: Path, sources: list[tuple[SourceText, type[BaseModel]]]) -> str:
    """The key of the catalog made of exactly these file contents."""
    files = [[str(source.path), source.digest, model.__name__] for source, model in sources]
    parts = [FORMAT, _version(), code_fingerprint(), str(root), files]
    return hashlib.sha256(json.dumps(parts).encode("utf-8")).hexdigest()


def code_fingerprint() -> str:
    """Name, size and modification time of the package's files: an edited module (in a
    development checkout) gives another key, as another version does."""
    rows = [sys.version]
    for folder, dirs, names in os.walk(PACKAGE):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".lark", ".yaml")):
                info = os.stat(os.path.join(folder, name))
                rows.append(f"{folder}/{name}:{info.st_size}:{info.st_mtime_ns}")
    return hashlib.sha256("\n".join(rows).encode("utf-8")).hexdigest()


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("formula-engine")
    except metadata.PackageNotFoundError:
        return "source"


# The catalog.


def load(key: str, sources: list[tuple[SourceText, type[BaseModel]]]) -> Loaded | None:
    """The files and models stored under `key`, or None (absent, corrupt, foreign)."""
    body = read_entry(f"catalog-{key}.json", key)
    if body is None:
        return None
    try:
        files = json.loads(body)["files"]
        if len(files) != len(sources):
            return None
        loaded: Loaded = {}
        for (source, model), stored in zip(sources, files, strict=True):
            if stored["model"] != model.__name__ or stored["path"] != str(source.path):
                return None
            yaml_file = YamlFile(source.path, source.text, stored["data"], stored["marks"])
            loaded[source.path] = (yaml_file, model.model_validate(stored["data"]))
            if source is sources[0][0]:  # renstra.yaml: its declared units, for the inputs'
                from .load import declare_plan

                declare_plan(loaded[source.path][1])
    except (ValueError, KeyError, TypeError):  # a body of the right checksum but not ours
        return None
    return loaded


def store(key: str, loaded: Loaded) -> None:
    """Keep a catalog that loaded (nothing when it holds data JSON cannot keep)."""
    try:
        files = [
            {
                "path": str(path),
                "model": type(model).__name__,
                "data": plain(source.data),
                "marks": source.marks.encode(),
            }
            for path, (source, model) in loaded.items()
        ]
    except NotCacheable:
        return
    write_entry(f"catalog-{key}.json", key, json.dumps({"files": files}, ensure_ascii=False))


def plain(node: Any, depth: int = 0) -> Any:
    """YAML's data as JSON's: mappings with text keys, lists, text, numbers, booleans."""
    if depth > 100:
        raise NotCacheable("too deep")
    if isinstance(node, dict):
        if not all(isinstance(key, str) for key in node):
            raise NotCacheable("a key that is not text")
        return {str(key): plain(value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [plain(value, depth + 1) for value in node]
    from ruamel.yaml.scalarbool import ScalarBoolean

    if isinstance(node, ScalarBoolean):  # an anchored boolean, which is an int
        return bool(node)
    for kind in (bool, str, int, float):  # bool before int: True is an int
        if isinstance(node, kind):
            return kind(node)
    if node is None:
        return None
    raise NotCacheable(type(node).__name__)


# The validation reports.


Parts = tuple[list[Diagnostic], ...]


def cached_diagnostics(
    key: str | None, kind: str, compute: Callable[[], Parts], keep: Callable[[Parts], bool]
) -> Parts:
    """The lists of diagnostics stored for the catalog `key` under `kind`, or `compute()`
    (then stored if `keep` says so)."""
    name = f"report-{key}-{kind}.json"
    body = read_entry(name, key) if key is not None else None
    if body is not None:
        try:
            return tuple([_diagnostic(row) for row in rows] for rows in json.loads(body))
        except (ValueError, KeyError, TypeError, IndexError):
            pass
    computed = compute()
    if key is not None and keep(computed):
        try:
            rows = [[_row(diagnostic) for diagnostic in part] for part in computed]
        except NotCacheable:
            return computed
        write_entry(name, key, json.dumps(rows, ensure_ascii=False))
    return computed


def _row(diagnostic: Diagnostic) -> dict[str, Any]:
    """A diagnostic as plain data: its severity, the error's class and attributes."""
    error = diagnostic.error
    state = dict(vars(error))
    if _error_kinds().get(_kind_name(type(error))) is not type(error) or set(state) - FIELDS:
        raise NotCacheable(type(error).__name__)
    span, where = state.pop("span", None), state.pop("location")
    state["span"] = None if span is None else [span.start, span.end]
    state["location"] = [where.where, where.entry, where.line, where.column]
    return {"severity": diagnostic.severity, "kind": _kind_name(type(error)), "state": state}


def _diagnostic(row: dict[str, Any]) -> Diagnostic:
    """The diagnostic `_row` wrote: an error of one of our classes, rebuilt as unpickling
    does (`errors._rebuild_error`), never a class named by the file alone."""
    kind, state = _error_kinds()[row["kind"]], dict(row["state"])
    if set(state) - FIELDS:
        raise ValueError("not a diagnostic")
    span, where = state.pop("span"), Location(*state.pop("location"))
    error = kind.__new__(kind)
    Exception.__init__(error, state["message"])
    error.__dict__.update(state, span=None if span is None else Span(*span), location=where)
    return Diagnostic(row["severity"], error)


def _kind_name(kind: type[FormulaError]) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _error_kinds() -> dict[str, type[FormulaError]]:
    """Our error classes (FormulaError and every subclass loaded), by name."""
    kinds: dict[str, type[FormulaError]] = {}
    stack = [FormulaError]
    while stack:
        kind = stack.pop()
        kinds[_kind_name(kind)] = kind
        stack += kind.__subclasses__()
    return kinds


# Entries: a header line with the format, the key and the checksum of the body.


def read_entry(name: str, key: str) -> str | None:
    """The body of the entry `name` made under `key`, or None (absent, foreign, corrupt)."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = (folder / name).read_bytes()
    except OSError:
        return None
    header, _, body = data.partition(b"\n")
    expected = f"{MAGIC} {FORMAT} {key} {hashlib.sha256(body).hexdigest()}"
    if header != expected.encode("ascii"):
        return None  # another format, another key, or a body that changed
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def write_entry(name: str, key: str, body: str) -> None:
    """Keep `body` as the entry `name` under `key` (atomically; nothing if it cannot)."""
    folder = cache_dir()
    if folder is None:
        return
    data = body.encode("utf-8")
    header = f"{MAGIC} {FORMAT} {key} {hashlib.sha256(data).hexdigest()}\n"
    try:
        write_atomically(folder / name, header.encode("ascii") + data)
        _prune(folder, name.split("-", 1)[0])
    except (WriteError, OSError):
        return  # a cache that cannot be written is not used; the command goes on


def _prune(folder: Path, kind: str) -> None:
    """Remove all but the newest `KEEP` entries of `kind` (catalog, report or audit)."""
    entries = sorted(folder.glob(f"{kind}-*.json"), key=lambda path: path.stat().st_mtime_ns)
    for old in entries[:-KEEP]:
        old.unlink(missing_ok=True)
