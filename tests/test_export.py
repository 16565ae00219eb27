"""`renstra export xlsx|csv`: the Renstra's tables in the document's layout.

The exported workbook is read back with openpyxl and compared with the *catalog* (the
programs' and plan's values, each citing its table), not with the exporter's rows: every
printed number of Tabel 6.1, 6.2 and 6.3 comes back exactly. Then the round trip with
the realisation template, the CSV files, the sheet of later values, and the failures.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import check_golden
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.catalog import Catalog, bundled_catalog_path, load_checked
from formula_engine.catalog.models import Kegiatan, Printed, Program, Sasaran, SubKegiatan
from formula_engine.catalog.printed import read_printed
from formula_engine.cli import main
from formula_engine.excel.export import ExportError, printed_cell, transcriptions
from formula_engine.excel.export_files import Export, csv_text
from formula_engine.numbers import format_indonesian

GOLDEN = Path(__file__).parent / "golden"

SIX = ("6.1", "6.2", "6.3")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_checked(bundled_catalog_path())[0]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("export") / "renstra.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "-o", str(path)])
    assert result.exit_code == 0, result.output
    return openpyxl.load_workbook(path)


# --- the columns of a sheet, by their printed headers -------------------------------


def headers(sheet: Any) -> list[str]:
    """Each column's header: the upper row (carried over its merged K and Rp) and the
    lower one ("2024 K"), or the one header of the column."""
    upper: list[str] = []
    current = ""
    for column in range(1, sheet.max_column + 1):
        top, low = sheet.cell(2, column).value, sheet.cell(3, column).value
        merged_top = any(
            r.min_row == 2 and r.max_row == 2 and r.min_col < column <= r.max_col
            for r in sheet.merged_cells.ranges
        )
        current = current if merged_top else (top or "")
        upper.append(f"{current} {low}" if low else current)
    return upper


# Which column of which table holds a catalog value: (table, kind, year) -> header.
COLUMNS = {
    ("6.1", "baseline", 2020, "K"): "Data Awal Tahun 2020",
    ("6.1", "target", 2022, "K"): "Target Kinerja Program, Kegiatan dan Sub Kegiatan Tahun 2022 K",
    (
        "6.1",
        "target",
        2022,
        "Rp",
    ): "Target Kinerja Program, Kegiatan dan Sub Kegiatan Tahun 2022 Rp",
    ("6.1", "realisation", 2022, "K"): "Realisasi Kinerja Program, Kegiatan dan Sub Kegiatan "
    "Tahun 2022 K",
    ("6.1", "realisation", 2022, "Rp"): "Realisasi Kinerja Program, Kegiatan dan Sub Kegiatan "
    "Tahun 2022 Rp",
    ("6.2", "target", 2023, "K"): "2023 K",
    ("6.2", "target", 2023, "Rp"): "2023 Rp",
    **{("6.3", "target", y, s): f"{y} {s}" for y in (2024, 2025, 2026) for s in ("K", "Rp")},
    ("6.3", "end_of_period", None, "K"): "Kondisi Kinerja pada Akhir Periode Renstra K",
    ("6.3", "end_of_period", None, "Rp"): "Kondisi Kinerja pada Akhir Periode Renstra Rp",
}


def sheet_lines(sheet: Any) -> Iterator[dict[str, Any]]:
    """The data lines of a sheet as {header: cell}, each with the code of its row
    carried down to the row's other indicators (the code stands on the first)."""
    names = headers(sheet)
    code = None
    for row in sheet.iter_rows(min_row=4):
        line = {name: cell for name, cell in zip(names, row, strict=True)}
        if all(cell.value is None for cell in row):
            break  # the empty line before the Sumber note
        if line["Kode"].value is not None or line[names[1]].value is not None:
            code = line["Kode"].value
        line["code"] = code
        yield line


def expect_cell(cell: Any, text: str, where: str) -> None:
    """A printed text as a cell: a figure is a number with the printed decimals in its
    format, anything else the printed text (read by the catalog's own reader)."""
    reading = read_printed(text)
    if reading.value is not None and reading.problem is None:
        assert isinstance(cell.value, int | float), where
        assert Fraction(Decimal(str(cell.value))) == reading.value, where
        assert cell.value == reading.value or isinstance(cell.value, float), where
        form = cell.number_format
        decimals = len(form.split(".")[1].split('"')[0]) if "." in form else 0
        assert decimals == reading.decimals, f"{where}: {form}"
    else:
        assert cell.value == text, where


def _printed_in(entry: Any, table: str, default: str) -> str:
    for printed in getattr(entry, "codes_printed", ()) or getattr(entry, "names_printed", ()):
        if printed.table == table:
            return str(printed.text)
    return default


def _catalog_values(catalog: Catalog) -> Iterator[tuple[str, str | None, str, Printed, str]]:
    """(table, printed code or None, printed indicator name or "", value, K|Rp) of every
    value of the catalog cited from Tabel 6.1-6.3."""
    for row in catalog.rows():
        entry = row.entry
        is_coded = isinstance(entry, Program | Kegiatan | SubKegiatan)
        for indicator in entry.indicators:
            for value in indicator.values:
                if value.table in SIX:
                    code = _printed_in(entry, value.table, entry.code) if is_coded else None
                    name = _printed_in(indicator, value.table, indicator.name)
                    yield value.table, code, name, value, "K"
        if is_coded:
            for value in entry.budget:
                if value.table in SIX:
                    yield value.table, _printed_in(entry, value.table, entry.code), "", value, "Rp"
        assert is_coded or isinstance(entry, Sasaran)


def _plain(text: object) -> str:
    return " ".join(str(text).casefold().split())


def _names(line: dict[str, Any], name: str) -> bool:
    """The line's indicator is the catalog's (as printed there, maybe after a label
    such as "Indikator 1 :")."""
    return _plain(line["Indikator"].value).endswith(_plain(name))


def _covers(line: dict[str, Any], seed_line: int, column: str = "Baris dokumen") -> bool:
    first, _, last = str(line[column].value).partition("-")
    return int(first) <= seed_line <= int(last or first)


def test_every_printed_number_of_tabel_6_comes_back_exactly(catalog: Catalog, book: Any) -> None:
    lines = {table: list(sheet_lines(book[f"Tabel {table}"])) for table in SIX}
    checked = 0
    for table, code, name, value, column in _catalog_values(catalog):
        header = COLUMNS[(table, value.kind, value.year, column)]
        where = f"Tabel {table} {code} {name!r} {header} (line {value.line})"
        within = [line for line in lines[table] if _covers(line, value.line)]
        cells = [
            line[header]
            for line in within
            if line["code"] == code
            and (line["Kode"].value == code if column == "Rp" else _names(line, name))
        ]
        assert len(cells) == 1, where
        expect_cell(cells[0], value.text, where)
        checked += 1
    assert checked > 600  # every value of the three tables, K and Rp


# Tabel 4.1, 4.2, 7.1-7.5: which column holds a catalog value, (kind, year) -> header.
_TARGETS = {("target", y): f"Target Kinerja {y}" for y in range(2022, 2027)}
OTHER_COLUMNS: dict[str, dict[tuple[str, int | None], str]] = {
    "4.1": {
        ("baseline", 2020): "Kondisi Kinerja Awal 2020",
        **{
            (kind, y): f"Target dan Realisasi Kinerja Tujuan / Sasaran {y} {word}"
            for y in (2022, 2023)
            for kind, word in (("target", "Target"), ("realisation", "Realisasi"))
        },
    },
    "4.2": {
        ("baseline", 2021): "Kondisi Kinerja Awal 2021",
        ("baseline", 2022): "Kondisi Kinerja Awal 2022",
        **{("target", y): f"Target Kinerja Tujuan / Sasaran {y}" for y in (2024, 2025, 2026)},
        ("end_of_period", None): "Kondisi Akhir Renstra",
    },
    "7.1": _TARGETS,
    "7.2": {**_TARGETS, ("end_of_period", None): "Akhir Periode Renstra"},
    "7.3": {("target", y): f"Target Capaian Kinerja {y}" for y in (2022, 2023)},
    "7.4": {**_TARGETS, ("end_of_period", None): "Kondisi Akhir Renstra"},
    "7.5": {
        ("baseline", 2020): "Kondisi awal (2020)",
        **{("target", y): f"Target Capaian Setiap tahun {y}" for y in range(2022, 2027)},
        ("end_of_period", None): "Kondisi Kinerja pada Akhir periode Renstra",
    },
}


def test_every_printed_value_of_bab_iv_and_vii_comes_back(catalog: Catalog, book: Any) -> None:
    checked = 0
    for table, columns in OTHER_COLUMNS.items():
        sheet = book[f"Tabel {table}"]
        names = headers(sheet)
        lines = [
            dict(zip(names, row, strict=True))
            for row in sheet.iter_rows(min_row=3 if sheet.cell(3, 1).value else 4)
            if row[0].value is None or not str(row[0].value).startswith("Sumber")
        ]
        lines = [line for line in lines if line[names[-1]].value is not None]
        for located in catalog.indicators():
            indicator = located.entry
            for value in indicator.values:
                if value.table != table:
                    continue
                header = columns[(value.kind, value.year)]
                name = _printed_in(indicator, table, indicator.name)
                where = f"Tabel {table} {name!r} {header} (line {value.line})"
                label = next(n for n in names if n.startswith("Indikator"))
                cells = [
                    line[header]
                    for line in lines
                    if _covers(line, value.line, names[-1])
                    and _plain(line[label].value).endswith(_plain(name))
                ]
                assert len(cells) == 1, where
                expect_cell(cells[0], value.text, where)
                checked += 1
    assert checked == 147  # every value the catalog cites from these tables


def test_each_sheet_is_a_table_as_the_document_titles_it(catalog: Catalog, book: Any) -> None:
    titles = {table.id: table.title for table in catalog.plan.tables}
    expected = ["4.1", "4.2", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5"]
    assert book.sheetnames == [f"Tabel {t}" for t in expected]
    for table in expected:
        sheet = book[f"Tabel {table}"]
        assert sheet["A1"].value == f"Tabel {table} {titles[table]}"
        two_rows = sheet.cell(3, 1).value is None  # headers merged over two rows
        assert sheet.freeze_panes == ("A4" if two_rows else "A3")
        note = sheet.cell(sheet.max_row, 1).value
        table_entry = next(t for t in catalog.plan.tables if t.id == table)
        assert note.startswith("Sumber: Perubahan Rencana Strategis Dinas Sosial Kota Blitar")
        assert f"Tabel {table}, baris {table_entry.first_line}-" in note


def test_the_headers_and_codes_are_the_documents(book: Any) -> None:
    sheet = book["Tabel 6.3"]
    assert headers(sheet)[:5] == [
        "Kode",
        "Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan/Sub Kegiatan",
        "Indikator",
        "Formulasi Perhitungan/Definisi Operasional",
        "Satuan",
    ]
    codes = [line["Kode"].value for line in sheet_lines(sheet) if line["Kode"].value]
    assert codes[:3] == ["1", "1.06", "1.06.01"]  # text, as printed: never 1.06 the number
    assert "1.06.01.2.01.0001" in codes
    six_one = [line["Kode"].value for line in sheet_lines(book["Tabel 6.1"])]
    assert "1.06.01.2.01.01" in six_one  # Tabel 6.1 prints two-digit sub kegiatan codes
    assert "1.06.04.2.02.135" in six_one  # a misprinted code stays as printed


@pytest.mark.parametrize(
    ("text", "kind", "value", "number_format"),
    [
        ("4.489.798.475", "rp", 4489798475, "#,##0"),
        ("16,24", "k", Decimal("16.24"), "#,##0.00"),
        ("83,70", "k", Decimal("83.70"), "#,##0.00"),
        ("1.009", "k", 1009, "#,##0"),
        ("Baik 82,7", "k", Decimal("82.7"), '"Baik "#,##0.0'),
        ("A (84,35)", "k", Decimal("84.35"), '"A ("#,##0.00")"'),
        ("16,24%", "k", Decimal("16.24"), '#,##0.00"%"'),
        ("0,24*)", "k", Decimal("0.24"), '#,##0.00"*)"'),
        ("-", "k", "-", None),
        ("NA", "k", "NA", None),
        ("7.04", "k", "7.04", None),  # a decimal point: a misprint, kept as text
        ("18.792.409200", "rp", "18.792.409200", None),
        ("16,5", "rp", "16,5", None),  # Rupiah are whole numbers
    ],
)
def test_a_printed_value_as_a_cell(
    text: str, kind: Any, value: object, number_format: str | None
) -> None:
    cell = printed_cell(text, kind)
    assert (cell.value, type(cell.value), cell.number_format) == (
        value,
        type(value),
        number_format,
    )


@given(
    st.fractions(min_value=0, max_value=10**12, max_denominator=1000),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["", "Baik ", "A (", "Sangat Baik "]),
)
def test_a_printed_figure_is_its_exact_digits(value: Fraction, decimals: int, word: str) -> None:
    """Any figure printed in Indonesian notation, with or without a grade's word, is a
    number cell of exactly the printed digits, its format showing the printed decimals."""
    digits = format_indonesian(value, decimals)
    text = word + digits + (")" if word == "A (" else "")
    cell = printed_cell(text, "k")
    assert isinstance(cell.value, int | Decimal)
    assert Fraction(cell.value) == read_printed(text).value
    form = str(cell.number_format)
    assert form.count(".") == (decimals > 0) and form.endswith(
        "0" * decimals + ('")"' if word == "A (" else "")
    )
    assert form.startswith(f'"{word}"' if word else "#")


@pytest.mark.parametrize("table", ["4.2", "6.2"])
def test_the_csv_of_a_table_is_its_golden_file(
    table: str, catalog: Catalog, update_goldens: bool
) -> None:
    (found,) = [t for t in Export.of(catalog).tables if t.id == table]
    name = f"export_{found.csv_name}"
    check_golden(GOLDEN / name, csv_text(found).replace("\r\n", "\n"), update_goldens)


def _csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, so Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8")), delimiter=";"))


def test_csv_files_hold_the_same_tables(tmp_path: Path, book: Any) -> None:
    result = CliRunner().invoke(main, ["export", "csv", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"tabel_{t}.csv" for t in ("4_1", "4_2", "6_1", "6_2", "6_3")] + [
        f"tabel_7_{n}.csv" for n in range(1, 6)
    ]
    rows = _csv(tmp_path / "out" / "tabel_6_3.csv")
    sheet = book["Tabel 6.3"]
    assert rows[0] == headers(sheet)
    data = [r for r in sheet.iter_rows(min_row=4, max_row=3 + len(rows) - 1)]
    assert len(rows) - 1 == len(list(sheet_lines(sheet)))
    for line, cells in zip(rows[1:], data, strict=True):
        for text, cell in zip(line, cells, strict=True):
            if isinstance(cell.value, int | float) and '"' not in cell.number_format:
                assert "." not in text  # no grouping; a decimal comma
                assert Decimal(text.replace(",", ".")) == Decimal(str(cell.value))
            elif cell.value is None:
                assert text == ""
    program = next(r for r in rows if r[0] == "1.06.01")
    assert program[5:8] == ["Baik 83,70", "4489798475", "Baik 84,03"]


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_path(), root)
    return root


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_round_trip_export_template_import_changes_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    root = _copy(tmp_path)
    source = ["--source", "LKjIP 2023", "--date", "2024-02-01", "--by", "Ani", "-c", str(root)]
    done = runner.invoke(main, ["set", "realisasi", "persentase_pmks", "2023", "7,1", *source])
    assert done.exit_code == 0, done.output
    before = _files(root)
    for args in (["xlsx", "-o", str(tmp_path / "r.xlsx")], ["csv", "-o", str(tmp_path / "c")]):
        done = runner.invoke(main, ["export", *args, "-c", str(root)])
        assert done.exit_code == 0, done.output
    template = tmp_path / "t.xlsx"
    done = runner.invoke(
        main, ["template", "realisasi", "-y", "2024", "-o", str(template), "-c", str(root)]
    )
    assert done.exit_code == 0, done.output
    imported = runner.invoke(main, ["import", "realisasi", str(template), *source])
    assert imported.exit_code == 0, imported.output
    assert "nothing to import" in imported.output
    assert _files(root) == before  # updates.yaml byte-identical, and every other file


def test_later_values_are_on_their_own_sheet_never_over_a_printed_cell(
    tmp_path: Path, catalog: Catalog
) -> None:
    runner = CliRunner()
    root = _copy(tmp_path)
    source = ["--source", "Perubahan Renstra 2025", "--date", "2025-03-01", "-c", str(root)]
    ind = "p_1_06_01_indeks_kepuasan_masyarakat"
    assert runner.invoke(main, ["set", "target", ind, "2025", "85", *source]).exit_code == 0
    source[3] = "2025-06-01"  # a second revision, later: it replaces the first
    assert runner.invoke(main, ["set", "target", ind, "2025", "84,5", *source]).exit_code == 0
    path = tmp_path / "r.xlsx"
    assert runner.invoke(main, ["export", "xlsx", "-o", str(path), "-c", str(root)]).exit_code == 0
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[-1] == "Nilai terkini"
    later = [[c.value for c in row] for row in book["Nilai terkini"].iter_rows(min_row=3)]
    assert later == [
        [
            "1.06.01",
            "Indeks Kepuasan Masyarakat (IKM)",
            "Indeks",
            2025,
            "Tahun",
            "Target (revisi)",
            85,
            "tidak (diganti)",
            "Perubahan Renstra 2025, 2025-03-01",
        ],
        [
            "1.06.01",
            "Indeks Kepuasan Masyarakat (IKM)",
            "Indeks",
            2025,
            "Tahun",
            "Target (revisi)",
            84.5,
            "ya",
            "Perubahan Renstra 2025, 2025-06-01",
        ],
    ]
    program = next(line for line in sheet_lines(book["Tabel 6.3"]) if line["code"] == "1.06.01")
    assert program["2025 K"].value == pytest.approx(84.03)  # as printed: "Baik 84,03"
    assert program["2025 K"].number_format == '"Baik "#,##0.00'


def test_a_row_sumber_is_stored_in_its_records_source(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    runner = CliRunner()
    root = _copy(tmp_path)
    template = tmp_path / "t.xlsx"
    args = ["template", "realisasi", "-y", "2024", "-o", str(template), "-c", str(root)]
    assert runner.invoke(main, args).exit_code == 0
    filled = openpyxl.load_workbook(template)
    sheet = filled["Realisasi"]
    assert sheet["A5"].value == "Tujuan 2" and sheet["I5"].value == "persentase_pmks"
    sheet["G5"], sheet["H5"] = 7.5, "LKjIP 2024 hal. 12"
    sheet["G6"] = 3  # no sumber: the source of the command alone
    filled.save(template)
    source = ["--source", "LKjIP 2024", "--date", "2025-02-01", "-c", str(root)]
    done = runner.invoke(main, ["import", "realisasi", str(template), *source])
    assert done.exit_code == 0, done.output
    records = YAML(typ="safe").load((root / "updates.yaml").read_text("utf-8"))["records"]
    assert [r["source"] for r in records] == [
        {"document": "LKjIP 2024", "date": "2025-02-01", "reference": "LKjIP 2024 hal. 12"},
        {"document": "LKjIP 2024", "date": "2025-02-01"},
    ]
    assert "persentase_pmks" not in done.output  # the planner sees the document's kode
    assert "Tujuan 2 2024 Tahun: 7,5" in done.output


def test_english_changes_our_words_only(tmp_path: Path) -> None:
    path = tmp_path / "en.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "-o", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path)["Tabel 6.2"]
    assert headers(sheet)[-1] == "Document lines" and headers(sheet)[5] == "2023 K"
    assert sheet.cell(sheet.max_row, 1).value.startswith("Source: Perubahan Rencana Strategis")


def test_an_output_that_cannot_be_written_writes_nothing(tmp_path: Path) -> None:
    runner = CliRunner()
    (tmp_path / "a folder.xlsx").mkdir()
    result = runner.invoke(main, ["export", "xlsx", "-o", str(tmp_path / "a folder.xlsx")])
    assert result.exit_code == 5 and "error[E601]" in result.output
    (tmp_path / "file").write_text("x")
    result = runner.invoke(main, ["export", "csv", "-o", str(tmp_path / "file")])
    assert result.exit_code == 5 and "error[E601]" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a folder.xlsx", "file"]
    assert list((tmp_path / "a folder.xlsx").iterdir()) == []


def test_without_a_transcription_the_plan_table_comes_from_the_catalog(
    tmp_path: Path, book: Any
) -> None:
    """Two routes to the same figures: the catalog's values (no transcription) and the
    transcription of Tabel 6.3 give the same 2024-2026 K and Rp cells."""
    root = _copy(tmp_path)
    shutil.rmtree(root / "transcription")
    out = tmp_path / "plan.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "-o", str(out), "-c", str(root)])
    assert result.exit_code == 0, result.output
    plan = openpyxl.load_workbook(out)
    assert plan.sheetnames == ["Rencana"]
    sheet = plan["Rencana"]
    assert sheet["A1"].value == (
        "Rencana Program, Kegiatan, dan Sub Kegiatan Dinas Sosial Kota Blitar 2022-2026"
    )
    printed = list(sheet_lines(book["Tabel 6.3"]))
    compared = 0
    for line in sheet_lines(sheet):
        for year in (2024, 2025, 2026):
            ours = line[f"Target {year} K"]
            if line["code"] is None or ours.value is None:
                continue
            same = [
                p[f"{year} K"]
                for p in printed
                if p["code"] == line["code"] and _names(p, line["Indikator"].value)
            ]
            if line["Kode"].value is not None and line[f"Target {year} Rp"].value is not None:
                (rupiah,) = [p[f"{year} Rp"] for p in printed if p["Kode"].value == line["code"]]
                assert rupiah.value == line[f"Target {year} Rp"].value, line["code"]
                compared += 1
            if same:
                assert (same[0].value, same[0].number_format) == (
                    ours.value,
                    ours.number_format,
                ), line["code"]
                compared += 1
    assert compared >= 250, compared  # 63 rows of Tabel 6.3: Rp and K of 2024-2026
    assert "Tabel 6.3 baris" in str(line["Sumber (tabel, baris)"].value)


def test_a_catalog_with_nothing_to_export_is_refused(tmp_path: Path) -> None:
    runner = CliRunner()
    new = ["new", str(tmp_path / "c"), "--agency", "Dinas Sosial Kota Malang"]
    assert runner.invoke(main, [*new, "--period", "2025-2029"]).exit_code == 0
    out = tmp_path / "r.xlsx"
    result = runner.invoke(main, ["export", "xlsx", "-o", str(out), "-c", str(tmp_path / "c")])
    assert result.exit_code == 4
    assert f"{tmp_path / 'c'}: error[E820]: nothing to export" in result.output
    assert "hint:" in result.output and not out.exists()


BROKEN = [
    ('table: "7.5"\nrows:\n  - level: [indikator\n', "is not valid YAML at line 4"),
    ('table: "7.5"\nrows: 3\n', "has no list of rows"),
    ('table: "7.5"\nfirst_line: abc\nrows: []\n', "first_line is 'abc', not a line number"),
    ('table: "7.5"\nrows:\n  - indicators: {name: x}\n', "rows[0].indicators is not a list"),
    (
        'table: "7.5"\nrows:\n  - indicators: [{values: [1]}]\n',
        "rows[0].indicators[0].values is not a mapping",
    ),
    ('table: "7.5"\ncolumns: [x]\nrows: []\n', "columns[0] is not {key, header}"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_a_broken_transcription_is_named_with_what_is_wrong(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "transcription").mkdir()
    broken = tmp_path / "transcription" / "tabel_7_5.yaml"
    broken.write_text(text, encoding="utf-8")
    with pytest.raises(ExportError) as raised:
        transcriptions(tmp_path)
    assert (raised.value.code, raised.value.location.where) == ("E821", str(broken))
    assert message in raised.value.message and raised.value.hint


def test_a_broken_transcription_stops_the_command(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    broken = root / "transcription" / "tabel_7_5.yaml"
    broken.write_text(BROKEN[0][0], encoding="utf-8")
    out = tmp_path / "r.xlsx"
    result = CliRunner().invoke(main, ["export", "xlsx", "-o", str(out), "-c", str(root)])
    assert result.exit_code == 4, result.output
    assert f"{broken}: error[E821]: the transcription is not valid YAML at line 4" in (
        result.output
    )
    assert "hint: " in result.output and not out.exists()


HOSTILE = '=HYPERLINK("http://example.invalid","klik")'


def test_no_text_becomes_a_formula_in_the_workbook_or_the_csv() -> None:
    from formula_engine.excel.export import Cell, Column, ExportTable
    from formula_engine.excel.export_files import workbook_bytes
    from formula_engine.excel.realisasi import TemplateRow, template_bytes

    columns = (Column("Indikator", None, "Indikator", "text"), Column("2024 K", None, "K", "k"))
    rows = ((Cell(HOSTILE), Cell(7)), (Cell("-"), Cell("+62 dan -x")))
    table = ExportTable("7.5", "Judul", columns, rows, "Sumber: x", ())
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes([table], [])))["Tabel 7.5"]
    assert (sheet["A3"].value, sheet["A3"].data_type) == (HOSTILE, "s")
    lines = list(csv.reader(io.StringIO(csv_text(table)), delimiter=";"))
    assert lines[1:] == [["'" + HOSTILE, "7"], ["-", "'+62 dan -x"]]
    row = TemplateRow(HOSTILE, HOSTILE, "%", 2024, "Tahun", None, "x")
    template = openpyxl.load_workbook(io.BytesIO(template_bytes([row])))["Realisasi"]
    assert [(c.value, c.data_type) for c in template[2][:2]] == [(HOSTILE, "s")] * 2
