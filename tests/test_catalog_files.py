"""The catalog loader and validator on a small catalog, and on the ways planners break it."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formula_engine import writing
from formula_engine.catalog import load_catalog, validate
from formula_engine.catalog.edit import set_value_text
from formula_engine.catalog.schema import write_schemas
from formula_engine.cli import main
from formula_engine.errors import FormulaError
from formula_engine.writing import WriteError, remove_stale_temporaries, write_atomically

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(FIXTURE, target)
    return target


def test_the_fixture_catalog_is_valid() -> None:
    catalog, diagnostics = load_catalog(FIXTURE)
    assert diagnostics == [] and catalog is not None
    report = validate(catalog)
    assert [d.render() for d in report.diagnostics] == []


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# (file, text to replace, replacement, expected code, expected file line, stage)
BREAKAGES = [
    ("programs/1.06.02.yaml", '  code: "1.06.02"', "  code: 1.06", "E504", 3, "load"),
    (
        "programs/1.06.02.yaml",
        '  name: "Program Pemberdayaan sosial"',
        "  name: [unclosed",
        "E500",
        5,
        "load",
    ),
    ("programs/1.06.02.yaml", "  unit_kerja:", "  unit_kerjaa:", "E502", 7, "load"),
    (
        "programs/1.06.02.yaml",
        "      polarity: higher_is_better\n",
        "      polarity: up\n",
        "E501",
        13,
        "load",
    ),
    ("renstra.yaml", "  first_year: 2022", "  first_year: dua ribu", "E501", 5, "load"),
    ("inputs/base.yaml", "  - id: jumlah_pmks", "  - id: Jumlah PMKS", "E501", 2, "load"),
    (
        "programs/1.06.02.yaml",
        '    - code: "1.06.02.2.03"',
        '    - code: "1.06.03.2.03"',
        "E512",
        25,
        "validate",
    ),
    (
        "programs/1.06.02.yaml",
        '        - code: "1.06.02.2.03.0004"',
        '        - code: "1.06.02.2.03"',
        "E510",
        25,
        "validate",
    ),
    (
        "programs/1.06.02.yaml",
        "  sasaran: [sasaran_penanganan_ppks]",
        "  sasaran: [sasaran_lain]",
        "E513",
        5,
        "validate",
    ),
    (
        "programs/1.06.02.yaml",
        '\'"Jumlah PSKS yang aktif" / "Jumlah PSKS" x 100%\'',
        '\'"Jumlah PSKS yang aktif" / / "Jumlah PSKS" x 100%\'',
        "E104",
        19,
        "validate",
    ),
    (
        "programs/1.06.02.yaml",
        '\'"Jumlah PSKS yang aktif" / "Jumlah PSKS" x 100%\'',
        '\'"Jumlah PSKS aktif" / "Jumlah PSKS" x 100%\'',
        "E201",
        19,
        "validate",
    ),
    (
        "programs/1.06.02.yaml",
        '\'"Jumlah PSKS yang aktif" / "Jumlah PSKS" x 100%\'',
        '\'"Jumlah PSKS yang aktif" / "Jumlah PSKS"\'',
        "E313",
        19,
        "validate",
    ),
    ("programs/1.06.02.yaml", "      polarity: higher_is_better\n", "", "E530", 9, "validate"),
    (
        "programs/1.06.02.yaml",
        'text: "1.408.587.847", table: "6.3", line: 11214',
        'text: "1.408.587,5", table: "6.3", line: 11214',
        "E521",
        23,
        "validate",
    ),
    ("programs/1.06.02.yaml", 'text: "100"', 'text: "1OO"', "E520", 21, "validate"),
    (
        "inputs/base.yaml",
        "    part_of: jumlah_psks",
        "    part_of: jumlah_psk",
        "E514",
        13,
        "validate",
    ),
    (
        "renstra.yaml",
        "  - id: tujuan_kesejahteraan_ppks",
        "  - id: jumlah_pmks",
        "E511",
        12,
        "validate",
    ),
]


@pytest.mark.parametrize(
    ("name", "old", "new", "code", "line", "stage"),
    BREAKAGES,
    ids=[f"{b[3]} {b[0]}" for b in BREAKAGES],
)
def test_broken_catalog_gives_a_located_error(
    catalog_dir: Path, name: str, old: str, new: str, code: str, line: int, stage: str
) -> None:
    _replace(catalog_dir / name, old, new)
    catalog, diagnostics = load_catalog(catalog_dir)
    if stage == "load":
        assert catalog is None, "a broken file must not load partially"
    else:
        assert catalog is not None and diagnostics == []
        diagnostics = validate(catalog).errors
    rendered = [d.render() for d in diagnostics if d.code == code]
    at_line = [r for r in rendered if r.startswith(f"{catalog_dir / name}:{line}:")]
    assert at_line, rendered or [d.render() for d in diagnostics]
    assert "^" in at_line[0]


def test_cli_check_of_a_broken_catalog_exits_non_zero_with_every_error(catalog_dir: Path) -> None:
    _replace(
        catalog_dir / "programs/1.06.02.yaml",
        "  sasaran: [sasaran_penanganan_ppks]",
        "  sasaran: [sasaran_lain]",
    )
    _replace(catalog_dir / "programs/1.06.02.yaml", "      polarity: higher_is_better\n", "")
    result = CliRunner().invoke(main, ["check", str(catalog_dir)])
    assert result.exit_code == 1
    assert "error[E513]" in result.stderr and "error[E530]" in result.stderr
    assert result.stdout.endswith("1 path(s) checked: 2 error(s), 0 warning(s)\n")


def test_edit_changes_one_line_and_keeps_comments(catalog_dir: Path) -> None:
    path = catalog_dir / "programs/1.06.02.yaml"
    before = path.read_text(encoding="utf-8").splitlines()
    set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, "99,5")
    after = path.read_text(encoding="utf-8").splitlines()
    changed = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert len(changed) == 1
    assert 'text: "99,5"' in changed[0][1] and "# as printed" in changed[0][1]
    catalog, _ = load_catalog(catalog_dir)
    assert catalog is not None


def test_edit_with_a_bad_figure_leaves_the_file_untouched(catalog_dir: Path) -> None:
    path = catalog_dir / "programs/1.06.02.yaml"
    before = path.read_bytes()
    with pytest.raises(FormulaError) as caught:
        set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, "99,5,1")
    assert caught.value.code == "E520"
    with pytest.raises(FormulaError):
        set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2031, "1")
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["1.06.02.yaml"]  # no temp file left


def test_json_schemas_are_written_and_describe_the_files(tmp_path: Path) -> None:
    written = write_schemas(tmp_path)
    assert set(written) == {"renstra", "inputs", "program", "history", "updates"}
    schema = json.loads(written["program"].read_text())
    assert schema["required"] == ["program"]
    assert "IndicatorEntry" in schema["$defs"] and "Printed" in schema["$defs"]


def test_the_published_json_schemas_are_up_to_date(tmp_path: Path) -> None:
    published = Path(__file__).resolve().parent.parent / "docs" / "schema"
    for path in write_schemas(tmp_path).values():
        assert (published / path.name).read_text() == path.read_text(), (
            f"docs/schema/{path.name} is stale: run `renstra catalog schema docs/schema`"
        )


# Faithful edits: the value edited changes, and not one other byte.

VALUE = b'text: "100"'


@pytest.mark.parametrize(
    ("newline", "bom", "trailing"),
    [(b"\r\n", False, True), (b"\n", True, True), (b"\r\n", True, False), (b"\n", False, False)],
    ids=["crlf", "bom", "crlf-bom-no-final-newline", "no-final-newline"],
)
def test_an_edit_changes_the_value_and_not_one_other_byte(
    catalog_dir: Path, newline: bytes, bom: bool, trailing: bool
) -> None:
    path = catalog_dir / "programs/1.06.02.yaml"
    data = path.read_bytes().replace(b"\n", newline)
    data = (b"\xef\xbb\xbf" if bom else b"") + (data if trailing else data.rstrip(b"\r\n"))
    path.write_bytes(data)
    set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, "99,5")
    assert data.count(VALUE) == 1
    assert path.read_bytes() == data.replace(VALUE, b'text: "99,5"')


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(whole=st.integers(0, 10**9), decimals=st.text("0123456789", max_size=3))
def test_any_figure_is_written_as_exactly_that_figure(
    catalog_dir: Path, whole: int, decimals: str
) -> None:
    figure = f"{whole:,}".replace(",", ".") + (f",{decimals}" if decimals else "")
    path = catalog_dir / "programs/1.06.02.yaml"
    before = path.read_bytes()
    set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, figure)
    assert path.read_bytes() == before.replace(VALUE, f'text: "{figure}"'.encode())
    path.write_bytes(before)


def test_an_edit_through_a_symlink_writes_its_target_and_keeps_the_link(catalog_dir: Path) -> None:
    link = catalog_dir / "programs/1.06.02.yaml"
    real = catalog_dir.parent / "elsewhere" / "program.yaml"
    real.parent.mkdir()
    link.rename(real)
    link.symlink_to(real)
    before = real.read_bytes()
    set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, "99,5")
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() == before.replace(VALUE, b'text: "99,5"')
    assert sorted(p.name for p in real.parent.iterdir()) == ["program.yaml"]


# Atomic writes: killed mid-way, the target is old or new, and the temporary goes.

KILLED_WRITER = """
import os, sys, time
from pathlib import Path
from formula_engine import writing

def stall(source, target):  # the temporary is written; stop before the rename
    print("written", flush=True)
    time.sleep(60)

if sys.argv[2] == "stall":
    writing.os.replace = stall
    writing.write_atomically(Path(sys.argv[1]), b"new" * 100_000)
else:
    for n in range(10_000):
        writing.write_atomically(Path(sys.argv[1]), (b"a" if n % 2 else b"b") * 300_000)
        print("written", flush=True)
"""


def _writer(target: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(target), mode],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_write_killed_before_the_rename_leaves_the_old_file_and_a_temporary_the_next_run_removes(
    catalog_dir: Path,
) -> None:
    target = catalog_dir / "programs/1.06.02.yaml"
    before = target.read_bytes()
    writer = _writer(target, "stall")
    assert writer.stdout is not None and writer.stdout.readline() == "written\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert target.read_bytes() == before
    left = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert len(left) == 1 and left[0].startswith(".1.06.02.yaml.tmp-"), left
    catalog, _ = load_catalog(catalog_dir)  # the next run
    assert catalog is not None
    assert [p.name for p in target.parent.iterdir()] == ["1.06.02.yaml"]


def test_a_writer_killed_at_any_moment_leaves_a_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"a" * 300_000)
    writer = _writer(target, "loop")
    assert writer.stdout is not None
    for _ in range(5):
        writer.stdout.readline()
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert target.read_bytes() in (b"a" * 300_000, b"b" * 300_000)
    remove_stale_temporaries(tmp_path)  # the next run
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_temporary_of_a_running_write_is_left_alone(tmp_path: Path) -> None:
    ours = tmp_path / f".x.yaml.tmp-{os.getpid()}-abcd1234"
    gone = tmp_path / ".x.yaml.tmp-999999999-abcd1234"  # no such process
    ours.write_text("")
    gone.write_text("")
    assert remove_stale_temporaries(tmp_path) == [gone]
    assert ours.exists() and not gone.exists()


def test_an_unwritable_target_is_a_write_error_and_changes_nothing(
    catalog_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = catalog_dir / "a-file"
    blocker.write_text("x")
    with pytest.raises(WriteError) as caught:
        write_atomically(blocker / "report.md", "text")
    assert caught.value.code == "E560" and caught.value.location.where == str(blocker / "report.md")
    path = catalog_dir / "programs/1.06.02.yaml"
    before = path.read_bytes()

    def disk_full(source: object, target: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.os, "replace", disk_full)
    with pytest.raises(WriteError) as full:
        set_value_text(catalog_dir, "p_1_06_02_psks_aktif", "target", 2024, "99,5")
    assert "No space left on device" in full.value.message
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["1.06.02.yaml"]


def test_files_written_together_by_writers_are_all_or_none(tmp_path: Path) -> None:
    """A file's content may be a writer given the temporary's path (a database writing
    its own Parquet): its file is renamed into place with the others; a writer's own
    error (not an OSError) leaves every file as it was and no temporary behind."""
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    first.write_bytes(b"old a")
    second.write_bytes(b"old b")
    seen: list[Path] = []

    def writer(path: Path) -> None:
        seen.append(path)
        path.write_bytes(b"new a")

    class EngineError(Exception):
        pass

    def failing(path: Path) -> None:
        path.write_bytes(b"half")
        raise EngineError("IO Error: the database failed")

    with pytest.raises(EngineError):
        writing.write_together([(first, writer), (second, failing)])
    assert first.read_bytes() == b"old a" and second.read_bytes() == b"old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]
    assert seen[0].parent == tmp_path and seen[0].name.startswith(".a.parquet.tmp-")
    written = writing.write_together([(first, writer), (second, b"new b")])
    assert written == [first, second]
    assert first.read_bytes() == b"new a" and second.read_bytes() == b"new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet"]
