"""Reading typed numbers (properties), the CSV variant, and the two commands end to end."""

from __future__ import annotations

import csv
import io
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.catalog import Catalog, bundled_catalog_path, load_checked
from formula_engine.cli import main
from formula_engine.excel import realisasi
from formula_engine.excel.cells import Number, NumberProblem, exact_indonesian, read_number
from formula_engine.excel.realisasi import read_realisations, template_csv, template_rows
from formula_engine.numbers import format_indonesian, parse_indonesian

decimals = st.decimals(min_value=0, max_value=10**12, places=3, allow_nan=False)


@given(decimals)
def test_indonesian_notation_reads_back_exactly(value: object) -> None:
    exact = Fraction(str(value))
    text = format_indonesian(exact, 3)
    assert read_number(text) == Number(exact, False)


@given(decimals)
def test_exact_indonesian_is_exact(value: object) -> None:
    exact = Fraction(str(value))
    assert parse_indonesian(exact_indonesian(exact)) == exact


@given(st.integers(min_value=0, max_value=10**15))
def test_a_number_stored_as_a_number_is_that_number(value: int) -> None:
    assert read_number(value) == Number(Fraction(value), False)
    assert read_number(float(value) / 4) == Number(Fraction(value) / 4, False) or value > 2**50


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("abc", "E804"),
        (True, "E804"),
        (float("nan"), "E804"),
        ("1,234.5", "E805"),
        ("1.234", "E805"),
        ("1..2", "E805"),
        ("9" * 41, "E804"),
    ],
)
def test_what_is_not_a_number(typed: object, code: str) -> None:
    problem = read_number(typed)
    assert isinstance(problem, NumberProblem) and problem.code == code


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_checked(bundled_catalog_path())[0]


def _filled(lines: list[str], line: int, value: str, sumber: str = "") -> None:
    """Fill in realisasi and sumber (columns 7 and 8) of the CSV line `line` (from 1)."""
    (fields,) = csv.reader([lines[line - 1]])
    assert fields[6:8] == ["", ""]
    fields[6:8] = [value, sumber]
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    lines[line - 1] = out.getvalue()


def test_csv_cells_are_located_by_line_and_column(catalog: Catalog, tmp_path: Path) -> None:
    template = template_csv(template_rows(catalog, 2024, 1)).splitlines()
    (fields,) = csv.reader([template[4]])  # line 5: Persentase PMKS
    assert fields[0] == "Tujuan 2" and fields[4] == "TW1" and fields[8] == "persentase_pmks"
    lines = list(template)
    _filled(lines, 5, "tujuh")
    _filled(lines, 61, "1.234,5", "Laporan TW1")
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found, problems = read_realisations(path, catalog)
    assert [p.render().splitlines()[0] for p in problems] == [
        f"{path}:5:7: error[E804]: 'tujuh' is text, not a number"
    ]
    lines[4] = template[4]
    _filled(lines, 5, "7,5")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found, problems = read_realisations(path, catalog)
    assert problems == []
    assert [r.record() for r in found] == [
        ("persentase_pmks", 2024, "TW1", "7,5"),
        ("s_1_06_04_2_02_0013_jumlah_orang_layanan_rujukan", 2024, "TW1", "1.234,5"),
    ]
    assert found[1].sumber == "Laporan TW1"


def test_template_then_import_dry_run_and_real(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    out = tmp_path / "r.csv"
    result = runner.invoke(main, ["template", "realisasi", "--year", "2025", "-o", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text("utf-8").splitlines()
    _filled(lines, 2, "86", "LKjIP 2025")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["import", "realisasi", str(out), "--source", "LKjIP 2025", "--date", "2026-02-01"]
    result = runner.invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{out}:2:7: Tujuan 1 2025 Tahun: 86" in result.output
    assert not (bundled_catalog_path() / "updates.yaml").exists()  # a dry run writes nothing


def _capaian_of(root: Path, tmp_path: Path) -> object:
    out = tmp_path / f"{root.name}.json"
    result = CliRunner().invoke(
        main, ["capaian", "-y", "2025", "-c", str(root), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text("utf-8"))


def test_a_realisation_by_command_by_csv_and_by_xlsx_gives_the_same_state(
    tmp_path: Path,
) -> None:
    """Issue 10: the same realisation entered three ways gives the same records and the
    same capaian table; the printed catalog files are untouched."""
    import openpyxl

    runner = CliRunner()
    roots = {}
    for way in ("command", "csv", "xlsx"):
        roots[way] = tmp_path / way
        shutil.copytree(bundled_catalog_path(), roots[way])
    source = ["--source", "LKjIP 2025", "--date", "2026-02-01", "--by", "Ani"]
    ind = "tujuan_tata_kelola_nilai_sakip"
    done = runner.invoke(
        main, ["set", "realisasi", ind, "2025", "86", *source, "-c", str(roots["command"])]
    )
    assert done.exit_code == 0, done.output
    csv_file, xlsx_file = tmp_path / "r.csv", tmp_path / "r.xlsx"
    for path in (csv_file, xlsx_file):
        made = runner.invoke(main, ["template", "realisasi", "--year", "2025", "-o", str(path)])
        assert made.exit_code == 0, made.output
    lines = csv_file.read_text("utf-8").splitlines()
    assert lines[1].startswith("Tujuan 1,") and lines[1].endswith("," + ind)
    _filled(lines, 2, "86")
    csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    book = openpyxl.load_workbook(xlsx_file)
    sheet = book["Realisasi"]
    assert sheet["A2"].value == "Tujuan 1" and sheet["G1"].value == "realisasi"
    assert sheet["I2"].value == ind and sheet.column_dimensions["I"].hidden
    sheet["G2"] = 86  # typed as a number, as a planner does
    book.save(xlsx_file)
    for way, path in (("csv", csv_file), ("xlsx", xlsx_file)):
        done = runner.invoke(
            main, ["import", "realisasi", str(path), *source, "-c", str(roots[way])]
        )
        assert done.exit_code == 0, done.output
    records = {
        way: yaml.safe_load((root / "updates.yaml").read_text("utf-8"))
        for way, root in roots.items()
    }
    assert records["command"] == records["csv"] == records["xlsx"]
    (record,) = records["command"]["records"]
    assert (record["indicator"], record["year"], record["text"]) == (ind, 2025, "86")
    assert record["source"]["document"] == "LKjIP 2025"
    tables = {way: _capaian_of(root, tmp_path) for way, root in roots.items()}
    assert tables["command"] == tables["csv"] == tables["xlsx"]
    for root in roots.values():  # the printed catalog stays as printed
        for path in bundled_catalog_path().rglob("*.yaml"):
            assert (
                root / path.relative_to(bundled_catalog_path())
            ).read_bytes() == path.read_bytes()


def test_a_bad_file_exits_1_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("kode,indikator\nx,y\n", encoding="utf-8")
    monkeypatch.setattr(realisasi, "add_to_catalog", lambda *a: pytest.fail("imported"))
    result = CliRunner().invoke(main, ["import", "realisasi", str(path), "--source", "X"])
    assert result.exit_code == 1
    assert "error[E802]: the header has no column 'satuan'" in result.output
    assert "nothing imported" in result.output


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--year", "2031", "-o", "x.xlsx"], 2),
        (["--year", "2024", "-o", ""], 5),
        (["--year", "2024", "-q", "5", "-o", "x.xlsx"], 2),
    ],
)
def test_template_refuses_bad_options(
    args: list[str], code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["template", "realisasi", *args])
    assert result.exit_code == code, result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_not_a_workbook(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(b"not a zip")
    _, problems = read_realisations(path, catalog)
    assert [p.code for p in problems] == ["E800"]


def test_new_makes_a_catalog_that_checks(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["new", str(tmp_path / "c"), "--agency", "Dinas Sosial Kota Malang"]
    assert runner.invoke(main, [*args, "--period", "2025-2029"]).exit_code == 0
    catalog, report = load_checked(tmp_path / "c")
    assert (catalog.plan.plan.first_year, catalog.plan.plan.last_year) == (2025, 2029)
    assert catalog.plan.plan.opd == "Dinas Sosial Kota Malang" and not report.errors
    assert runner.invoke(main, ["check", str(tmp_path / "c")]).exit_code == 0
    before = (tmp_path / "c" / "renstra.yaml").read_bytes()
    assert runner.invoke(main, [*args, "--period", "2026-2030"]).exit_code == 5  # not empty
    assert (tmp_path / "c" / "renstra.yaml").read_bytes() == before
    for period in ("2029-2025", "2025", "2025-2049"):
        result = runner.invoke(
            main, ["new", str(tmp_path / "d"), "--agency", "X", "--period", period]
        )
        assert result.exit_code == 2 and not (tmp_path / "d").exists()
