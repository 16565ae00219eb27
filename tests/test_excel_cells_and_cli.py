"""Reading typed numbers (properties), the CSV variant, and the two commands end to end."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
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
        ("abc", "E704"),
        (True, "E704"),
        (float("nan"), "E704"),
        ("1,234.5", "E705"),
        ("1.234", "E705"),
        ("1..2", "E705"),
        ("9" * 41, "E704"),
    ],
)
def test_what_is_not_a_number(typed: object, code: str) -> None:
    problem = read_number(typed)
    assert isinstance(problem, NumberProblem) and problem.code == code


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_checked(bundled_catalog_path())[0]


def test_csv_cells_are_located_by_line_and_column(catalog: Catalog, tmp_path: Path) -> None:
    lines = template_csv(template_rows(catalog, 2024, 1)).splitlines()
    fields = lines[4].split(",")  # line 5: Persentase PMKS (the target "7,26" is quoted)
    assert fields[0] == "persentase_pmks" and fields[4] == "TW1"
    lines[4] = lines[4].removesuffix(",,") + ",tujuh,"
    lines[60] = lines[60].removesuffix(",,") + ',"1.234,5",Laporan TW1'
    path = tmp_path / "r.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found, problems = read_realisations(path, catalog)
    assert [p.render().splitlines()[0] for p in problems] == [
        f"{path}:5:7: error[E704]: 'tujuh' is text, not a number"
    ]
    lines[4] = lines[4].replace(",tujuh,", ',"7,5",')
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
    lines[1] = lines[1].removesuffix(",,") + ",86,LKjIP 2025"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    args = ["import", "realisasi", str(out), "--source", "LKjIP 2025", "--date", "2026-02-01"]
    result = runner.invoke(main, [*args, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "tujuan_tata_kelola_nilai_sakip 2025 Tahun: 86" in result.output
    calls: list[object] = []
    monkeypatch.setattr(realisasi, "add_to_catalog", lambda *a: calls.append(a))
    result = runner.invoke(main, [*args, "--by", "Ani"])
    assert result.exit_code == 0, result.output
    ((_, found, source),) = calls  # type: ignore[misc]
    assert [r.record() for r in found] == [("tujuan_tata_kelola_nilai_sakip", 2025, None, "86")]
    assert source == {"document": "LKjIP 2025", "date": "2026-02-01", "entered_by": "Ani"}


def test_a_bad_file_exits_1_and_imports_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.csv"
    path.write_text("kode,indikator\nx,y\n", encoding="utf-8")
    monkeypatch.setattr(realisasi, "add_to_catalog", lambda *a: pytest.fail("imported"))
    result = CliRunner().invoke(main, ["import", "realisasi", str(path), "--source", "X"])
    assert result.exit_code == 1
    assert "error[E702]: the header has no column 'satuan'" in result.output
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
    assert [p.code for p in problems] == ["E700"]


def test_without_the_updates_module_nothing_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    def missing(name: str) -> object:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    out = tmp_path / "r.csv"
    CliRunner().invoke(main, ["template", "realisasi", "--year", "2025", "-o", str(out)])
    lines = out.read_text("utf-8").splitlines()
    lines[1] = lines[1].removesuffix(",,") + ",86,"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    real = importlib.import_module
    monkeypatch.setattr(  # as before part A is merged
        importlib,
        "import_module",
        lambda n, *a: missing(n) if n.endswith(".updates") else real(n, *a),
    )
    result = CliRunner().invoke(main, ["import", "realisasi", str(out), "--source", "X"])
    assert result.exit_code == 1
    assert "cannot store realisations" in result.output


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
