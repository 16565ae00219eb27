"""The catalog loader and validator on a small catalog, and on the ways planners break it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from formula_engine.catalog import load_catalog, validate
from formula_engine.catalog.edit import set_value_text
from formula_engine.catalog.schema import write_schemas
from formula_engine.cli import main
from formula_engine.errors import FormulaError

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
    assert set(written) == {"renstra", "inputs", "program", "history"}
    schema = json.loads(written["program"].read_text())
    assert schema["required"] == ["program"]
    assert "Indicator" in schema["$defs"] and "Printed" in schema["$defs"]


def test_the_published_json_schemas_are_up_to_date(tmp_path: Path) -> None:
    published = Path(__file__).resolve().parent.parent / "docs" / "schema"
    for path in write_schemas(tmp_path).values():
        assert (published / path.name).read_text() == path.read_text(), (
            f"docs/schema/{path.name} is stale: run `renstra catalog schema docs/schema`"
        )
