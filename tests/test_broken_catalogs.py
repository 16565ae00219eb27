"""The ways planners break a catalog (tests/fixtures/broken_catalogs/cases.yaml).

Each case mutates a copy of tests/fixtures/catalog and asserts (a) the located diagnostic
(code, file, line, column, message, a caret where there is text), (b) that nothing is
loaded, (c) that `renstra check` exits 1 and `renstra audit` exits 4 with the same errors
and no traceback, (d) that no file was changed.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from formula_engine import reading
from formula_engine.catalog import (
    CatalogRejected,
    bundled_catalog_path,
    load_catalog,
    load_checked,
    validate,
)
from formula_engine.cli import main
from formula_engine.exit_codes import ExitCode

HERE = Path(__file__).parent / "fixtures"
CASES: list[dict[str, Any]] = YAML(typ="safe").load(HERE / "broken_catalogs" / "cases.yaml")


def _encode(text: str, edit: dict[str, Any]) -> bytes:
    if "newline" in edit:
        text = text.replace("\n", edit["newline"])
    data = text.encode(edit.get("encoding", "utf-8"))
    return b"\xef\xbb\xbf" + data if edit.get("bom") else data


def _apply(root: Path, edit: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    path = root / edit["file"]
    if edit.get("delete"):
        path.unlink()
    elif "symlink" in edit:
        path.unlink(missing_ok=True)
        path.symlink_to(edit["symlink"])
    elif edit.get("mkdir"):
        path.mkdir()
    elif "copy" in edit:
        shutil.copyfile(root / edit["copy"], path)
    elif "size" in edit:
        line = b"# " + b"x" * 97 + b"\n"
        path.write_bytes(line * (edit["size"] // len(line) + 1))
    elif "bytes_hex" in edit:
        path.write_bytes(bytes.fromhex(edit["bytes_hex"]))
    elif "text" in edit:
        path.write_bytes(_encode(edit["text"], edit))
    elif edit.get("unreadable"):
        _make_unreadable(path, monkeypatch)
    else:
        text = path.read_text(encoding="utf-8")
        if "find" in edit:
            assert edit["find"] in text, f"the fixture changed: {edit['find']!r} not in {path}"
            text = text.replace(edit["find"], edit["replace"], 1)
        path.write_bytes(_encode(text, edit))


def _make_unreadable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 does not stop root, so the one read function is made to fail."""
    real = reading.read_bytes

    def read_bytes(target: Path, limit: int) -> bytes:
        if Path(target) == path:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        return real(target, limit)

    monkeypatch.setattr(reading, "read_bytes", read_bytes)


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and link under `root`: its bytes' digest, or where the link points."""
    found = {}
    for folder, folders, files in os.walk(root):
        for name in folders + files:
            path = Path(folder) / name
            key = str(path.relative_to(root))
            if path.is_symlink():
                found[key] = "link to " + os.readlink(path)
            elif path.is_dir():
                found[key] = "folder"
            else:
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture(params=CASES, ids=[case["name"] for case in CASES])
def broken(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, dict[str, Any]]:
    root = tmp_path / "catalog"
    shutil.copytree(HERE / "catalog", root)
    for edit in request.param["edits"]:
        _apply(root, edit, monkeypatch)
    return root, request.param


def _errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ": error[" in line]


def test_there_are_at_least_30_kinds_of_mistake() -> None:
    assert len({case["name"] for case in CASES}) == len(CASES) >= 30


def test_a_broken_catalog_is_refused_with_the_located_diagnostic(
    broken: tuple[Path, dict[str, Any]],
) -> None:
    root, case = broken
    expect = case["expect"]
    before = _snapshot(root)
    with pytest.raises(CatalogRejected) as rejected:
        load_checked(root)
    rendered = [d.render() for d in rejected.value.diagnostics]
    head = f"{root / expect['file']}:{expect['line']}:{expect['column']}: error[{expect['code']}]"
    matching = [r for r in rendered if r.startswith(head)]
    assert matching, "\n\n".join(rendered)
    first = matching[0]
    assert expect["message"] in first.splitlines()[0], first
    if expect.get("caret", True):
        assert "^" in first and "\r" not in first, first
    if "hint" in expect:
        assert f"hint: {expect['hint']}" in first, first
    assert "Traceback" not in first
    assert _snapshot(root) == before


def test_a_broken_catalogs_diagnostic_has_its_indonesian_text(
    broken: tuple[Path, dict[str, Any]],
) -> None:
    """A web page shows a catalog's refusal in the page's language: the message and hint
    of each mistake's diagnostic are messages of the catalog worded in Indonesian (by hand,
    renstra.po), and English is the text itself (what `renstra check` prints, above)."""
    from formula_engine.audit.messages import Msg, tr
    from formula_engine.i18n import translator

    root, case = broken
    indonesian, english = translator("id"), translator("en")
    with pytest.raises(CatalogRejected) as rejected:
        load_checked(root)
    found = [d.error for d in rejected.value.diagnostics if d.error.code == case["expect"]["code"]]
    assert found
    for error in found:
        message, hint = error.message, error.hint
        assert isinstance(message, Msg) and isinstance(hint, Msg | None), message
        assert tr(message, english) == message and tr(hint, english) == (hint or "")
        assert tr(message, indonesian) != message, message
        assert hint is None or tr(hint, indonesian) != hint, hint


def test_check_exits_1_and_audit_exits_4_with_the_same_errors(
    broken: tuple[Path, dict[str, Any]],
) -> None:
    root, case = broken
    before = _snapshot(root)
    checked = CliRunner().invoke(main, ["check", str(root)])
    audited = CliRunner().invoke(main, ["audit", str(root)])
    assert checked.exit_code == ExitCode.FINDINGS, checked.output
    assert audited.exit_code == ExitCode.CATALOG_REJECTED, audited.output
    for result in (checked, audited):
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
    assert _errors(checked.stderr) == _errors(audited.stderr) != []
    assert audited.stdout == ""  # nothing was computed
    assert any(f":{case['expect']['line']}:" in line for line in _errors(audited.stderr))
    assert _snapshot(root) == before


@pytest.mark.parametrize("command", [["catalog", "stats"], ["explain", "persentase_pmks", "-c"]])
def test_every_command_that_reads_a_catalog_refuses_a_broken_one(
    tmp_path: Path, command: list[str]
) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(HERE / "catalog", root)
    history = root / "history.yaml"
    history.write_text(
        history.read_text().replace("last_year: 2021", "last_year: 2016"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, [*command, str(root)])
    assert result.exit_code == ExitCode.CATALOG_REJECTED, result.output
    assert f"{history}:2:12: error[E534]" in result.stderr
    assert result.stdout == ""


def test_the_bundled_catalog_checks_with_the_documents_own_problems_accepted() -> None:
    catalog, report = load_checked(bundled_catalog_path())
    assert report.errors == [] and report.accepted != []
    assert catalog.programs


def test_a_yml_file_is_read_like_a_yaml_file(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(HERE / "catalog", root)
    (root / "programs" / "1.06.02.yaml").rename(root / "programs" / "1.06.02.yml")
    catalog, _ = load_checked(root)
    assert [p.entry.code for p in catalog.programs] == ["1.06.02"]
    assert catalog.programs[0].source.path.name == "1.06.02.yml"


def test_a_catalog_rejection_survives_pickling(tmp_path: Path) -> None:
    import pickle

    with pytest.raises(CatalogRejected) as rejected:
        load_checked(tmp_path)  # no renstra.yaml
    copy = pickle.loads(pickle.dumps(rejected.value))
    assert [d.render() for d in copy.diagnostics] == [
        d.render() for d in rejected.value.diagnostics
    ]


def test_the_gate_may_skip_the_symbolic_checks_because_they_only_warn() -> None:
    catalog, _ = load_catalog(bundled_catalog_path())
    assert catalog is not None
    full = validate(catalog)
    assert full.warnings, "the bundled catalog has symbolic warnings to compare"
    assert {d.code for d in full.warnings} <= {"W320", "W321", "W322", "W323"}
    fast = validate(catalog, symbolic=False)
    assert [d.render() for d in fast.errors] == [d.render() for d in full.errors]
