"""The catalog cache (formula_engine/catalog/cache.py): a hit is the same catalog and the
same diagnostics as a fresh parse, without parsing; any change of any file, a damaged
entry or RENSTRA_CACHE=0 means a fresh parse; a broken catalog is never stored.

Work is counted (calls of the YAML parser and of the validator), never timed.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from test_broken_catalogs import CASES as BROKEN
from test_broken_catalogs import _apply

from formula_engine.catalog import (
    Catalog,
    CatalogRejected,
    bundled_catalog_path,
    load,
    load_catalog,
    load_checked,
)
from formula_engine.catalog import cache as catalog_cache
from formula_engine.catalog.checked import checked_report
from formula_engine.cli import main
from formula_engine.errors import Diagnostic
from formula_engine.loader import YamlFile

validate_module = importlib.import_module("formula_engine.catalog.validate")
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
CORRUPT: list[dict[str, Any]] = YAML(typ="safe").load(
    Path(__file__).parent / "fixtures" / "cache" / "corrupt.yaml"
)


class Counter:
    """Counts the calls of a function it replaces (and still calls it)."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function, self.calls = function, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.function(*args, **kwargs)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RENSTRA_CACHE_DIR", str(folder))
    monkeypatch.delenv("RENSTRA_CACHE", raising=False)
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(load.parse_yaml)
    monkeypatch.setattr(load, "parse_yaml", counter)
    return counter


@pytest.fixture
def validations(monkeypatch: pytest.MonkeyPatch) -> Counter:
    counter = Counter(validate_module.validate)
    monkeypatch.setattr(validate_module, "validate", counter)
    return counter


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE, copy)
    return copy


def cold(root: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Catalog | None, list[Diagnostic]]:
    """The catalog as a fresh parse gives it, with the cache off."""
    with monkeypatch.context() as off:
        off.setenv("RENSTRA_CACHE", "0")
        return load_catalog(root)


def rendered(diagnostics: list[Diagnostic]) -> list[tuple[str, str, str, str]]:
    return [(d.severity, d.code, type(d.error).__name__, d.render()) for d in diagnostics]


def entries(folder: Path, kind: str = "catalog") -> list[Path]:
    return sorted(folder.glob(f"{kind}-*.json")) if folder.is_dir() else []


def sources(catalog: Catalog) -> dict[Path, YamlFile]:
    located = [*catalog.inputs, *catalog.programs, *([catalog.history] if catalog.history else [])]
    found = {catalog.plan_source.path: catalog.plan_source}
    return found | {entry.source.path: entry.source for entry in located}


def assert_same(catalog: Catalog | None, fresh: Catalog | None) -> None:
    """The same catalog: every model, every file's text, data and positions table."""
    assert catalog is not None and fresh is not None
    assert catalog == fresh
    ours, theirs = sources(catalog), sources(fresh)
    assert list(ours) == list(theirs) and len(ours) >= 4
    for path, source in ours.items():
        assert source.text == theirs[path].text
        assert source.marks == theirs[path].marks
        assert source.marks.values, "a positions table that is empty proves nothing"


# A hit is the same catalog, the same diagnostics, and no parse.


@pytest.fixture(scope="module")
def bundled_three_ways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The bundled catalog loaded with the cache off, then stored (a miss), then a hit."""
    folder = tmp_path_factory.mktemp("bundled-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RENSTRA_CACHE_DIR", str(folder))
        patch.setenv("RENSTRA_CACHE", "0")
        fresh, _ = load_catalog(bundled_catalog_path())
        patch.delenv("RENSTRA_CACHE")
        stored, _ = load_catalog(bundled_catalog_path())
        counter = Counter(load.parse_yaml)
        patch.setattr(load, "parse_yaml", counter)
        hit, _ = load_catalog(bundled_catalog_path())
        yield {"fresh": fresh, "stored": stored, "hit": hit, "parses": counter.calls}


def test_a_hit_of_the_bundled_catalog_is_the_catalog_a_fresh_parse_gives(
    bundled_three_ways: dict[str, Any],
) -> None:
    assert bundled_three_ways["parses"] == 0
    assert_same(bundled_three_ways["stored"], bundled_three_ways["fresh"])
    assert_same(bundled_three_ways["hit"], bundled_three_ways["fresh"])


def test_a_hit_of_the_bundled_catalog_validates_to_the_same_diagnostics(
    bundled_three_ways: dict[str, Any],
) -> None:
    hit, fresh = bundled_three_ways["hit"], bundled_three_ways["fresh"]
    for symbolic in (False, True):
        ours = validate_module.validate(hit, symbolic)
        theirs = validate_module.validate(fresh, symbolic)
        assert ours.diagnostics or ours.accepted, "no diagnostic: the test would prove nothing"
        assert rendered(ours.diagnostics) == rendered(theirs.diagnostics)
        assert rendered(ours.accepted) == rendered(theirs.accepted)


def test_a_second_load_does_not_parse_and_gives_the_same_catalog(
    root: Path, cache_dir: Path, parses: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, _ = load_catalog(root)
    assert parses.calls == 4 and len(entries(cache_dir)) == 1
    second, diagnostics = load_catalog(root)
    assert parses.calls == 4 and diagnostics == []
    assert_same(second, cold(root, monkeypatch)[0])
    assert_same(second, first)


def test_the_report_is_kept_and_is_the_report_validate_gives(
    root: Path, cache_dir: Path, validations: Counter, monkeypatch: pytest.MonkeyPatch
) -> None:
    program = root / "programs" / "1.06.02.yaml"  # a formula that cancels: a warning
    text = program.read_text(encoding="utf-8")
    active = '"Jumlah PSKS yang aktif"'
    assert f"formula: '{active} /" in text
    cancelling = f'formula: \'({active} - {active} + "Jumlah PSKS") /'
    program.write_text(text.replace(f"formula: '{active} /", cancelling), encoding="utf-8")
    catalog, _ = load_catalog(root)
    assert catalog is not None
    reports = [checked_report(catalog, symbolic) for symbolic in (True, False, True, False)]
    assert validations.calls == 2  # one per kind; the second of each is the cache's
    fresh = cold(root, monkeypatch)[0]
    assert fresh is not None
    assert reports[0].warnings, "no warning: the test would prove nothing"
    for report, symbolic in zip(reports, (True, False, True, False), strict=True):
        expected = validations.function(fresh, symbolic)
        assert rendered(report.diagnostics) == rendered(expected.diagnostics)
        assert rendered(report.accepted) == rendered(expected.accepted)


def test_the_gate_in_front_of_a_command_uses_the_cache(
    root: Path, cache_dir: Path, parses: Counter, validations: Counter
) -> None:
    load_checked(root)
    load_checked(root)
    assert (parses.calls, validations.calls) == (4, 1)


# Any change of any file is a fresh parse, and the catalog of the changed files.


@pytest.mark.parametrize(
    "name", ["renstra.yaml", "inputs/base.yaml", "programs/1.06.02.yaml", "history.yaml"]
)
def test_a_comment_added_to_any_file_is_a_fresh_parse(
    root: Path, cache_dir: Path, parses: Counter, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_catalog(root)
    path = root / name
    path.write_bytes(path.read_bytes() + b"# one byte more\n")
    catalog, _ = load_catalog(root)
    assert parses.calls == 8
    assert_same(catalog, cold(root, monkeypatch)[0])
    assert catalog is not None and sources(catalog)[path].text.endswith("# one byte more\n")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_changing_any_byte_of_any_file_never_gives_the_old_catalog(
    root: Path, cache_dir: Path, data: st.DataObject
) -> None:
    load_catalog(root)
    files = sorted(path for path in root.rglob("*.yaml"))
    path = data.draw(st.sampled_from(files))
    original = path.read_bytes()
    offset = data.draw(st.integers(0, len(original) - 1))
    byte = data.draw(st.integers(0, 255).filter(lambda b: b != original[offset]))
    path.write_bytes(original[:offset] + bytes([byte]) + original[offset + 1 :])
    try:
        changed, changed_diagnostics = load_catalog(root)
        with pytest.MonkeyPatch.context() as off:
            off.setenv("RENSTRA_CACHE", "0")
            fresh, fresh_diagnostics = load_catalog(root)
        assert rendered(changed_diagnostics) == rendered(fresh_diagnostics)
        assert changed == fresh
    finally:
        path.write_bytes(original)


def test_a_file_added_to_the_catalog_is_a_fresh_parse(
    root: Path, cache_dir: Path, parses: Counter
) -> None:
    before, _ = load_catalog(root)
    shutil.copyfile(root / "inputs" / "base.yaml", root / "inputs" / "more.yaml")
    after, _ = load_catalog(root)
    assert parses.calls == 4 + 5
    assert before is not None and after is not None
    assert len(after.inputs) == 2 * len(before.inputs) > 0


# A damaged or foreign entry is ignored and replaced.


def _damage(entry: Path, case: dict[str, Any]) -> None:
    data = entry.read_bytes()
    header, _, body = data.partition(b"\n")
    key = header.split(b" ")[2].decode()

    def signed(new_body: bytes) -> bytes:
        return f"renstra-cache 1 {key} {hashlib.sha256(new_body).hexdigest()}\n".encode() + new_body

    if "text" in case:
        entry.write_text(case["text"], encoding="utf-8")
    elif "truncate" in case:
        entry.write_bytes(data[: case["truncate"]])
    elif "flip" in case:
        at = case["flip"] % len(data)
        entry.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :])
    elif "header" in case:
        checksum = hashlib.sha256(body).hexdigest()
        line = case["header"].format(key=key, checksum=checksum)
        entry.write_bytes(line.encode() + b"\n" + body)
    elif "body" in case or "body_hex" in case:
        new = case["body"].encode() if "body" in case else bytes.fromhex(case["body_hex"])
        entry.write_bytes(signed(new))
    else:
        stored = json.loads(body)
        for file in stored["files"]:
            file[case["tamper"]] = {"bogus": 1} if case["tamper"] == "data" else "[[1]]"
        entry.write_bytes(signed(json.dumps(stored).encode()))


@pytest.mark.parametrize("case", CORRUPT, ids=[case["name"] for case in CORRUPT])
def test_a_damaged_entry_is_ignored_and_replaced(
    root: Path,
    cache_dir: Path,
    parses: Counter,
    case: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    load_catalog(root)
    [entry] = entries(cache_dir)
    _damage(entry, case)
    damaged = entry.read_bytes()
    catalog, diagnostics = load_catalog(root)
    reparsed = parses.calls == 8
    if case.get("tamper") != "marks":  # a table that is not one is found when read
        assert reparsed and entry.read_bytes() != damaged  # replaced by a good one
        load_catalog(root)
        assert parses.calls == 8
    assert diagnostics == []
    assert_same(catalog, cold(root, monkeypatch)[0])


# A broken catalog is never stored, and its diagnostics are those of the real parse.


@pytest.mark.parametrize("case", BROKEN, ids=[case["name"] for case in BROKEN])
def test_a_broken_catalog_is_never_stored_and_is_located_as_without_the_cache(
    root: Path, cache_dir: Path, case: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    load_checked(root)  # the good catalog and its report are stored first
    stored = {kind: entries(cache_dir, kind) for kind in ("catalog", "report")}
    for edit in case["edits"]:
        _apply(root, edit, monkeypatch)
    refusals = []
    for environment in ({}, {}, {"RENSTRA_CACHE": "0"}):  # a miss, a second run, no cache
        with monkeypatch.context() as patch, pytest.raises(CatalogRejected) as rejected:
            for name, value in environment.items():
                patch.setenv(name, value)
            load_checked(root)
        refusals.append(rendered(rejected.value.diagnostics))
    assert refusals[0] and refusals[0] == refusals[1] == refusals[2]
    catalog, _ = load_catalog(root)
    if catalog is None:  # it does not load: nothing of it is stored
        assert entries(cache_dir) == stored["catalog"]
    assert entries(cache_dir, "report") == stored["report"]  # a refused report is not kept


# Where the cache is, and how it is turned off.


def test_renstra_cache_0_turns_it_off(
    root: Path,
    cache_dir: Path,
    parses: Counter,
    validations: Counter,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("RENSTRA_CACHE", "0")
    for _ in range(2):
        load_checked(root)
    assert (parses.calls, validations.calls) == (8, 2)
    assert not cache_dir.exists()


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"RENSTRA_CACHE_DIR": "/somewhere/else"}, "/somewhere/else"),
        ({"XDG_CACHE_HOME": "/xdg"}, "/xdg/formula_engine"),
        ({"XDG_CACHE_HOME": "relative"}, "/home/planner/.cache/formula_engine"),
        ({}, "/home/planner/.cache/formula_engine"),
        ({"RENSTRA_CACHE": "0", "RENSTRA_CACHE_DIR": "/somewhere/else"}, None),
        ({"RENSTRA_CACHE": "off"}, None),
    ],
)
def test_where_the_cache_is(
    environment: dict[str, str], expected: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("RENSTRA_CACHE", "RENSTRA_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", "/home/planner")
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert catalog_cache.cache_dir() == (None if expected is None else Path(expected))


def test_the_cache_is_never_inside_the_catalog(root: Path, cache_dir: Path) -> None:
    before = sorted(root.rglob("*"))
    load_checked(root)
    assert sorted(root.rglob("*")) == before and entries(cache_dir)


def test_a_cache_that_cannot_be_written_is_not_used_and_the_command_goes_on(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("RENSTRA_CACHE_DIR", str(blocker / "cache"))
    catalog, report = load_checked(root)
    assert_same(catalog, cold(root, monkeypatch)[0])
    assert not report.errors


def test_the_cache_keeps_only_the_newest_entries(root: Path, cache_dir: Path) -> None:
    path = root / "renstra.yaml"
    for number in range(catalog_cache.KEEP + 3):
        path.write_text(path.read_text(encoding="utf-8") + f"# {number}\n", encoding="utf-8")
        load_catalog(root)
    assert len(entries(cache_dir)) == catalog_cache.KEEP


def test_renstra_check_prints_the_same_with_and_without_the_cache(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    catalog = str(bundled_catalog_path())
    runs = [runner.invoke(main, ["check", catalog], env={"RENSTRA_CACHE": "0"})]
    runs += [runner.invoke(main, ["check", catalog]) for _ in range(2)]  # a miss, a hit
    outputs = {(run.exit_code, run.stdout, run.stderr) for run in runs}
    assert len(outputs) == 1, outputs
    assert "warning[" in runs[0].stderr and len(entries(cache_dir, "report")) == 1


@pytest.mark.parametrize(
    "row",
    [
        {"severity": "warning", "kind": "builtins.Exception", "state": {"message": "x"}},
        {"severity": "warning", "kind": "os.system", "state": {"message": "x"}},
        {"severity": "warning", "kind": "formula_engine.errors.CheckError", "state": {}},
        {"severity": "warning", "kind": "formula_engine.errors.CheckError", "state": "x"},
    ],
    ids=["not ours", "not an error", "no message", "not a state"],
)
def test_a_report_entry_that_names_something_else_is_ignored(
    root: Path, cache_dir: Path, validations: Counter, row: dict[str, Any]
) -> None:
    catalog, _ = load_catalog(root)
    assert catalog is not None and catalog.cache_key is not None
    expected = rendered(checked_report(catalog).diagnostics)
    [entry] = entries(cache_dir, "report")
    body = json.dumps([[row], []]).encode()
    header = f"renstra-cache 1 {catalog.cache_key} {hashlib.sha256(body).hexdigest()}\n"
    entry.write_bytes(header.encode() + body)
    assert rendered(checked_report(catalog).diagnostics) == expected
    assert validations.calls == 2


def test_renstra_no_cache_turns_it_off_for_that_run_only(
    root: Path, cache_dir: Path, parses: Counter
) -> None:
    runner = CliRunner()
    for _ in range(2):
        assert runner.invoke(main, ["--no-cache", "check", str(root)]).exit_code == 0
    assert parses.calls == 8 and entries(cache_dir) == []
    assert runner.invoke(main, ["check", str(root)]).exit_code == 0
    assert parses.calls == 12 and len(entries(cache_dir)) == 1
