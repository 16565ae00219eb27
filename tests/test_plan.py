"""A plan from scratch (renstra template plan, renstra import plan) and the units and
band tables a catalog declares (renstra.yaml `units:`, `bands:`).

The plan workbook is the real template filled in with openpyxl (tests/plan_workbooks.py);
the catalog it makes must pass `renstra check`, `renstra audit` and `renstra capaian`.
Expected figures are worked out by hand in the comments.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from plan_workbooks import plan_copy, write_plan

from formula_engine.capaian import capaian_table
from formula_engine.catalog import load_checked
from formula_engine.catalog.checked import CatalogRejected
from formula_engine.catalog.models import WorkbookSource
from formula_engine.catalog.updates import targets as targets_of
from formula_engine.cli import main
from formula_engine.errors import CheckError
from formula_engine.exit_codes import ExitCode
from formula_engine.units import parse_unit

HEADERS = {  # as the planner reads them (the brief's Indonesian column names)
    "Tujuan": ["Nomor", "Tujuan"],
    "Sasaran": ["Nomor", "Sasaran", "Nomor Tujuan"],
    "Program": ["Tingkat", "Kode", "Nama", "Kode Induk"],
    "Input": ["ID", "Nama", "Satuan"],
    "Indikator": [
        "Kode Pemilik",
        "ID",
        "Nama Indikator",
        "Satuan",
        "Rumus",
        "Polaritas",
        "Agregasi",
        "Akhir Periode",
    ],
    "Target": ["ID Indikator", "Tahun", "Target"],
}


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def new_catalog(tmp_path: Path, name: str = "dinsos") -> Path:
    made = run("new", str(tmp_path / name), "--agency", "Dinas Contoh", "--period", "2025-2029")
    assert made.exit_code == 0, made.output
    return tmp_path / name


def imported(tmp_path: Path, plan: dict[str, list[list[object]]] | None = None) -> Path:
    root = new_catalog(tmp_path)
    workbook = write_plan(tmp_path / "plan.xlsx", plan or plan_copy())
    result = run(
        "import",
        "plan",
        str(workbook),
        "-c",
        str(root),
        "--source",
        "Rancangan Renstra 2025-2029",
        "--date",
        "2026-11-30",
        "--by",
        "Sari",
    )
    assert result.exit_code == 0, result.output
    return root


def test_the_template_has_indonesian_headers_locked_and_lists(tmp_path: Path) -> None:
    root = new_catalog(tmp_path)
    result = run("template", "plan", "-c", str(root), "-o", str(tmp_path / "t.xlsx"))
    assert result.exit_code == 0, result.output
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["Petunjuk", "Daftar", *HEADERS]
    assert book["Daftar"].sheet_state == "hidden"
    for name, headers in HEADERS.items():
        sheet = book[name]
        assert [c.value for c in sheet[1]] == headers
        assert sheet.protection.sheet and sheet.freeze_panes == "A2"
        assert sheet["A1"].protection.locked and not sheet["A2"].protection.locked
    lists = {str(v.sqref): v.formula1 for v in book["Indikator"].data_validations.dataValidation}
    polarity = book["Daftar"]["B2":"B4"]
    assert [row[0].value for row in polarity] == [
        "Semakin tinggi semakin baik",
        "Semakin rendah semakin baik (selisih)",
        "Semakin rendah semakin baik (rasio)",
    ]
    assert lists["F2:F501"] == "Daftar!$B$2:$B$4"
    years = book["Target"].data_validations.dataValidation[0]
    assert (years.type, years.formula1, years.formula2) == ("whole", "2025", "2029")


def test_an_imported_plan_is_a_catalog_that_check_audit_and_capaian_accept(
    tmp_path: Path,
) -> None:
    root = imported(tmp_path)
    assert run("check", str(root)).exit_code == 0
    audit = run("audit", str(root))
    assert audit.exit_code == 0, audit.output
    catalog, _ = load_checked(root)
    assert [t.name for t in catalog.plan.tujuan] == ["Meningkatnya kesejahteraan sosial masyarakat"]
    assert [p.entry.code for p in catalog.programs] == ["1.06.02"]
    sub = catalog.programs[0].entry.kegiatan[0].sub_kegiatan[0]
    assert sub.code == "1.06.02.2.01.0001" and sub.indicators[0].rollup == "sum"
    entered = run(
        "set", "realisasi", "persen_ppks_tertangani", "2026", "66", "-c", str(root),
        "--source", "LKjIP 2026", "--date", "2027-02-01",
    )  # fmt: skip
    assert entered.exit_code == 0, entered.output
    out = tmp_path / "capaian.json"
    shown = run("capaian", "-y", "2026", "-c", str(root), "--json", str(out))
    assert shown.exit_code == 0, shown.output
    rows = {r["indicator"]: r for r in json.loads(out.read_text())["rows"]}
    # 66 / 82,5 x 100 = 80,00: Tinggi (76 <= 80 < 91)
    assert rows["persen_ppks_tertangani"]["target"] == "82,5"
    assert rows["persen_ppks_tertangani"]["capaian_display"] == "80,00"
    assert rows["persen_ppks_tertangani"]["predikat"] == "Tinggi"
    assert rows["jumlah_kube"]["target"] == "12"
    assert rows["jumlah_kube"]["status"] == "not_computable"


def test_imported_values_cite_the_workbook_and_the_planners_source(tmp_path: Path) -> None:
    root = imported(tmp_path)
    catalog, _ = load_checked(root)
    tujuan = catalog.plan.tujuan[0]
    assert tujuan.source == WorkbookSource(
        workbook="plan.xlsx",
        sheet="Tujuan",
        cell="B2",
        document="Rancangan Renstra 2025-2029",
        date="2026-11-30",
        entered_by="Sari",
    )
    assert tujuan.sasaran[0].source.cell == "B2"  # type: ignore[union-attr]
    records = yaml.safe_load((root / "updates.yaml").read_text())["records"]
    kube_2026 = next(r for r in records if (r["indicator"], r["year"]) == ("jumlah_kube", 2026))
    assert kube_2026["source"]["reference"] == "plan.xlsx!Target!C6"
    assert "table" not in kube_2026["source"] and "line" not in kube_2026["source"]
    explained = run(
        "explain", "persen_ppks_tertangani", "--year", "2026", "-c", str(root), "--lang", "en"
    )
    assert (
        "target 2026: 82,5 (Rancangan Renstra 2025-2029, 2026-11-30, plan.xlsx!Target!C3, "
        "entered by Sari) [in force]"
    ) in explained.output


def test_a_catalog_the_workbook_breaks_is_refused_and_nothing_written(tmp_path: Path) -> None:
    plan = plan_copy()
    plan["Indikator"][1][1] = "sasaran_1_1"  # the id of the sasaran the import derives
    plan["Target"] = [["sasaran_1_1", 2025, 10]]
    root = new_catalog(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    workbook = write_plan(tmp_path / "plan.xlsx", plan)
    result = run("import", "plan", str(workbook), "-c", str(root), "--source", "Rancangan")
    assert result.exit_code == ExitCode.CATALOG_REJECTED, result.output
    assert "error[E511]: sasaran_1_1: id 'sasaran_1_1' is used 2 times" in result.stderr
    assert "error[E843]: the catalog made of the workbook does not check" in result.stderr
    assert "renstra-plan-" not in result.stderr  # located in DIR's files, not the scratch copy
    assert f"{root}/renstra.yaml:24:13: error[E511]" in result.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_a_catalog_that_holds_a_plan_is_not_imported_into(tmp_path: Path) -> None:
    root = imported(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    again = run("import", "plan", str(tmp_path / "plan.xlsx"), "-c", str(root), "--source", "X")
    assert again.exit_code == 1 and "error[E845]" in again.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = new_catalog(tmp_path)
    workbook = write_plan(tmp_path / "plan.xlsx", plan_copy())
    result = run("import", "plan", str(workbook), "-c", str(root), "--source", "R", "--dry-run")
    assert result.exit_code == 0 and "nothing written" in result.output
    assert sorted(p.name for p in root.iterdir()) == ["renstra.yaml"]


# Declared units and band tables.

DECLARED = """
units:
  - {name: sekolah, aliases: [skl]}
  - {name: siswa, dimension: orang}
bands:
  - id: capaian_dinas_contoh
    title: Kriteria capaian Dinas Contoh
    source: "Peraturan Bupati Contoh 12/2025 (a test table)"
    version: 1
    unit: "%"
    domain: {lower: null, upper: null}
    rounding: {decimals: 2, rule: half_up}
    bands:
      - {label: Memuaskan, lower: 87.5, upper: null}
      - {label: Belum Memuaskan, lower: null, upper: 87.5, upper_closed: false}
"""


def declare(root: Path, text: str = DECLARED, bands: str = "capaian_dinas_contoh") -> None:
    plan = root / "renstra.yaml"
    body = plan.read_text().replace("plan:\n", f"plan:\n  capaian_bands: {bands}\n")
    plan.write_text(body + text)


def test_a_declared_unit_and_band_table_are_used_by_import_and_capaian(tmp_path: Path) -> None:
    root = new_catalog(tmp_path)
    declare(root)
    plan = plan_copy()
    plan["Input"].append(["sekolah_inklusi", "Jumlah sekolah inklusi", "skl"])
    plan["Input"][1][2] = "siswa"  # jumlah_ppks in siswa: the same dimension as orang
    plan["Indikator"].append(
        ["1.1", "sekolah_inklusi_baru", "Sekolah inklusi", "sekolah", "sekolah_inklusi",
         "Semakin tinggi semakin baik", "Jumlah", "Jumlah semua tahun"]
    )  # fmt: skip
    plan["Target"].append(["sekolah_inklusi_baru", 2026, 8])
    workbook = write_plan(tmp_path / "plan.xlsx", plan)
    result = run("import", "plan", str(workbook), "-c", str(root), "--source", "R")
    assert result.exit_code == 0, result.output
    run("set", "realisasi", "sekolah_inklusi_baru", "2026", "7", "-c", str(root), "--source", "e")
    catalog, _ = load_checked(root)
    table = capaian_table(catalog, 2026)
    row = {r.indicator: r for r in table.rows}["sekolah_inklusi_baru"]
    # 7 / 8 x 100 = 87,50: the declared table's Memuaskan (from 87,5 up)
    assert table.bands == "capaian_dinas_contoh"
    assert (row.capaian_display, row.predikat) == ("87,50", "Memuaskan")
    with pytest.raises(CheckError) as unknown:
        parse_unit("sekolh")
    assert unknown.value.hint == "did you mean 'sekolah'?"


def test_the_template_lists_the_declared_units(tmp_path: Path) -> None:
    root = new_catalog(tmp_path)
    declare(root)
    assert run("template", "plan", "-c", str(root), "-o", str(tmp_path / "t.xlsx")).exit_code == 0
    book = load_workbook(tmp_path / "t.xlsx")
    units = [c.value for c in book["Daftar"]["E"] if c.value is not None]
    assert units[0] == "satuan" and "sekolah" in units and "orang" in units


@pytest.mark.parametrize(
    ("declared", "bands", "expected"),
    [
        ("units:\n  - {name: Orang}\n", None, "E591: 'Orang' is already the bundled unit 'orang'"),
        (
            "units:\n  - {name: sekolah}\n  - {name: skl, aliases: [Sekolah]}\n",
            None,
            "E591: 'Sekolah' is declared twice (also by 'sekolah')",
        ),
        ("units:\n  - {name: murid, dimension: orng}\n", None, "E592: the dimension 'orng'"),
        (DECLARED.replace("capaian_dinas_contoh", "capaian_interpretasi"), "capaian_interpretasi",
         "E593: the band table 'capaian_interpretasi' is a bundled one"),
        ("", "capaian_dinas_contoh", "E594: no band table 'capaian_dinas_contoh'"),
        (DECLARED.replace("upper_closed: false", "upper_closed: true"), "capaian_dinas_contoh",
         "E595: bands overlap"),
    ],
)  # fmt: skip
def test_declared_units_and_bands_are_validated(
    tmp_path: Path, declared: str, bands: str | None, expected: str
) -> None:
    root = new_catalog(tmp_path)
    plan = root / "renstra.yaml"
    body = plan.read_text()
    if bands is not None:
        body = body.replace("plan:\n", f"plan:\n  capaian_bands: {bands}\n")
    plan.write_text(body + declared)
    with pytest.raises(CatalogRejected) as refused:
        load_checked(root)
    rendered = [d.render() for d in refused.value.diagnostics]
    code, _, message = expected.partition(": ")
    assert any(f"error[{code}]: " in text and message in text for text in rendered), rendered
    assert all(text.startswith(f"{plan}:") for text in rendered), rendered


def test_a_write_that_fails_halfway_puts_every_file_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formula_engine import writing

    root = new_catalog(tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    workbook = write_plan(tmp_path / "plan.xlsx", plan_copy())
    real = writing.write_atomically
    calls: list[Path] = []

    def failing(path: Path, content: str | bytes) -> Path:
        calls.append(path)
        if len(calls) == 3:  # renstra.yaml and programs/1.06.02.yaml are written by then
            raise OSError(28, "No space left on device")
        return real(path, content)

    monkeypatch.setattr(writing, "write_atomically", failing)
    result = run("import", "plan", str(workbook), "-c", str(root), "--source", "R")
    assert result.exit_code == ExitCode.CANNOT_WRITE, result.output
    assert "No space left on device" in result.stderr and "nothing imported" in result.stderr
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in root.iterdir()) == ["renstra.yaml"]  # no empty folder left


def test_the_realisation_template_of_an_imported_plan_gives_its_capaian(tmp_path: Path) -> None:
    root = imported(tmp_path)
    sheet_path = tmp_path / "r.xlsx"
    made = run("template", "realisasi", "-c", str(root), "--year", "2026", "-o", str(sheet_path))
    assert made.exit_code == 0, made.output
    book = load_workbook(sheet_path)
    sheet = book["Realisasi"]
    rows = [row[:6] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert rows == [  # the owners' codes as typed; the targets in force, as the plan sets them
        ("Sasaran 1.1", "Persentase PPKS yang tertangani", "%", 2026, "Tahun", 82.5),
        ("1.06.02.2.01.0001", "Jumlah KUBE yang dibina", "KUBE", 2026, "Tahun", 12),
    ]
    sheet["G2"], sheet["G3"] = "70", 11
    book.save(sheet_path)
    entered = run("import", "realisasi", str(sheet_path), "-c", str(root), "--source", "LKjIP")
    assert entered.exit_code == 0, entered.output
    catalog, _ = load_checked(root)
    table = {r.indicator: r for r in capaian_table(catalog, 2026).rows}
    # 70 / 82,5 x 100 = 84,848... -> 84,85 (Tinggi); 11 / 12 x 100 = 91,666... -> 91,67
    assert (
        table["persen_ppks_tertangani"].capaian_display,
        table["jumlah_kube"].capaian_display,
    ) == (
        "84,85",
        "91,67",
    )
    assert table["jumlah_kube"].predikat == "Sangat Tinggi"


def test_a_program_serves_the_sasaran_its_parent_cell_lists(tmp_path: Path) -> None:
    plan = plan_copy()
    plan["Sasaran"].append(["1.2", "Meningkatnya pemberdayaan keluarga miskin", "1"])
    plan["Program"][0][3] = "1.1, 1.2"
    root = imported(tmp_path, plan)
    catalog, _ = load_checked(root)
    assert catalog.programs[0].entry.sasaran == ("sasaran_1_1", "sasaran_1_2")
    assert [s.number for s in catalog.plan.tujuan[0].sasaran] == ["1.1", "1.2"]


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sasaran=st.integers(1, 3),
    programs=st.integers(1, 3),
    targets=st.lists(
        st.tuples(st.integers(2025, 2029), st.integers(0, 10_000), st.integers(0, 99)),
        max_size=5,
        unique_by=lambda t: t[0],
    ),
)
def test_any_valid_plan_imports_as_typed(
    tmp_path_factory: pytest.TempPathFactory,
    sasaran: int,
    programs: int,
    targets: list[tuple[int, int, int]],
) -> None:
    """Random shapes of a valid plan: the catalog has exactly the rows typed, and each
    target exactly as typed (Indonesian notation: 1234,5 is stored as 1.234,5)."""
    tmp_path = tmp_path_factory.mktemp("plan")
    plan = plan_copy()
    plan["Sasaran"] = [[f"1.{n}", f"Sasaran {n}", "1"] for n in range(1, sasaran + 1)]
    plan["Program"] = [
        ["Program", f"1.06.{n:02d}", f"Program {n}", f"1.{1 + n % sasaran}"]
        for n in range(1, programs + 1)
    ]
    plan["Indikator"] = [plan["Indikator"][0]]
    plan["Target"] = [
        ["persen_ppks_tertangani", year, f"{whole},{part:02d}"] for year, whole, part in targets
    ]
    root = imported(tmp_path, plan)
    catalog, _ = load_checked(root)
    assert [s.number for s in catalog.plan.tujuan[0].sasaran] == [
        f"1.{n}" for n in range(1, sasaran + 1)
    ]
    assert [p.entry.code for p in catalog.programs] == [
        f"1.06.{n:02d}" for n in range(1, programs + 1)
    ]
    indicator = catalog.plan.tujuan[0].sasaran[0].indicators[0]
    for year, whole, part in targets:
        (value,) = [v for v in targets_of(catalog, indicator, year)]
        hand = f"{whole:,}".replace(",", ".") + (f",{part:02d}".rstrip("0") if part else "")
        assert value.text == hand
        assert value.value == Fraction(whole) + Fraction(part, 100)


def test_a_shared_catalog_handle_uses_its_declared_units_in_any_context(tmp_path: Path) -> None:
    """The service answers each request in its own context: a handle loaded in one
    still compiles formulas over its declared units in another."""
    import contextvars

    from formula_engine.api import CatalogHandle

    root = new_catalog(tmp_path)
    declare(root)
    plan = plan_copy()
    plan["Input"].append(["sekolah_inklusi", "Jumlah sekolah inklusi", "skl"])
    plan["Indikator"].append(
        ["1.1", "sekolah_inklusi_baru", "Sekolah inklusi", "sekolah", "sekolah_inklusi",
         "Semakin tinggi semakin baik", "Jumlah", "Jumlah semua tahun"]
    )  # fmt: skip
    workbook = write_plan(tmp_path / "plan.xlsx", plan)
    assert run("import", "plan", str(workbook), "-c", str(root), "--source", "R").exit_code == 0
    handle = CatalogHandle(root)
    contextvars.Context().run(lambda: handle.catalog)  # loaded in another context
    model = contextvars.Context().run(lambda: handle.model(2026))  # used in a fresh one
    assert "sekolah_inklusi_baru" in [i.id for i in model.declarations.indicators]


def test_a_catalog_whose_inputs_use_a_declared_unit_is_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formula_engine.catalog import load as load_module

    root = new_catalog(tmp_path)
    declare(root)
    (root / "inputs").mkdir()
    (root / "inputs" / "a.yaml").write_text(
        "inputs:\n  - {id: sekolah_inklusi, label: Jumlah sekolah inklusi, unit: skl}\n"
    )
    first, problems = load_module.load_catalog(root)
    assert first is not None, [d.render() for d in problems]

    def parsed_again(*args: object) -> object:
        raise AssertionError("the cached catalog was parsed again")

    monkeypatch.setattr(load_module, "_parsed", parsed_again)
    second, _ = load_module.load_catalog(root)  # from the cache: the unit is declared in time
    assert second is not None and second.all_inputs()[0].unit == "skl"
