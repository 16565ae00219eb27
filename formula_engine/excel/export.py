"""The Renstra's tables in the document's own layout: a workbook (a sheet per table) or
one CSV file per table.

Input: a catalog and its transcription (`transcription/tabel_*.yaml`, the seed's tables
cell by cell with their seed lines). Output: `ExportTable`s (what a table prints: its
title, its columns as printed, one row per printed indicator line, the seed lines of each
row and a "Sumber" note), then bytes (xlsx) or text (CSV). Nothing is recomputed and
nothing corrected: a cell holds what the document prints. A well-formed Indonesian
number becomes a number cell (an int for Rupiah, the exact printed decimal digits for K,
with an Excel number format of the printed decimals; the words of "Baik 82,7" or
"A (84,35)" go into the format, so the cell is still the number), anything else ("-",
"NA", a misprint such as "18.792.409200") stays the printed text. Values entered later
(updates.yaml) go to their own sheet, "Nilai terkini", never over a printed cell.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import FormulaError, Location
from ..numbers import parse_indonesian

if TYPE_CHECKING:
    from ..catalog import Catalog

TABLES = ("4.1", "4.2", "6.1", "6.2", "6.3", "7.1", "7.2", "7.3", "7.4", "7.5")
MAX_TRANSCRIPTION_BYTES = 4_000_000  # one transcription file (the largest is ~200 KB)
SHEET_NAME_MAX = 31  # Excel's limit
LATER_SHEET = "Nilai terkini"
RUPIAH_FORMAT = "#,##0"  # shown 4.489.798.475 by an Indonesian Excel

Field = Literal[
    "number",
    "code",
    "row",
    "tujuan",
    "sasaran",
    "section",
    "indicator",
    "definition",
    "formula",
    "formula_or_definition",
    "unit",
    "unit_kerja",
    "lokasi",
]

Described = tuple[tuple[str, Field], ...]  # (the printed header, what the column holds)

# The descriptive columns of each kind of table, with the headers the document prints;
# the value columns (K, Rp, years) come from the transcription's own `columns`.
_SIX: Described = (
    ("Kode", "code"),
    ("Urusan/Bidang Urusan Pemerintahan Daerah dan Program/Kegiatan/Sub Kegiatan", "row"),
    ("Indikator", "indicator"),
    ("Formulasi Perhitungan/Definisi Operasional", "formula_or_definition"),
    ("Satuan", "unit"),
)
_SIX_AFTER: Described = (("Unit Kerja PD Penanggung Jawab", "unit_kerja"), ("Lokasi", "lokasi"))
_FOUR: Described = (
    ("No", "number"),
    ("Tujuan", "tujuan"),
    ("Sasaran", "sasaran"),
    ("Indikator Tujuan/Sasaran", "indicator"),
    ("Definisi Operasional", "definition"),
    ("Rumus Perhitungan", "formula"),
    ("Satuan", "unit"),
)
_RPJMD: Described = (
    ("No", "number"),
    ("Sasaran RPJMD", "section"),
    ("Tujuan dan Sasaran Renstra", "row"),
    ("Indikator", "indicator"),
    ("Satuan", "unit"),
)
_IKU: Described = (
    ("No", "number"),
    ("Indikator Kinerja Utama", "indicator"),
    ("Definisi Operasional", "definition"),
    ("Formulasi Perhitungan", "formula"),
    ("Satuan", "unit"),
)
_IKK: Described = (("No", "number"), ("Indikator", "indicator"), ("Satuan", "unit"))
LAYOUTS: Mapping[str, tuple[Described, Described]] = {  # before and after the values
    "4.1": (_FOUR, ()),
    "4.2": (_FOUR, ()),
    "6.1": (_SIX, _SIX_AFTER),
    "6.2": (_SIX, _SIX_AFTER),
    "6.3": (_SIX, _SIX_AFTER),
    "7.1": (_RPJMD, ()),
    "7.2": (_RPJMD, ()),
    "7.3": (_IKU, ()),
    "7.4": (_IKU, ()),
    "7.5": (_IKK, ()),
}
_LABELS = {"tujuan": "Tujuan", "sasaran": "Sasaran"}

# The words that are ours, not the document's (the document's titles, headers and names
# stay as printed in either language).
WORDS: Mapping[str, Mapping[str, str]] = {
    "id": {
        "lines": "Baris seed",
        "source": "Sumber: {plan}, Tabel {table}, baris {first}-{last} dokumen {seed} "
        "(transkripsi sel demi sel; nilai sebagaimana tercetak)",
        "later": "Nilai terkini: nilai yang dicatat setelah Renstra terbit (updates.yaml), "
        "masing-masing dengan sumbernya; nilai tercetak ada di sheet tabelnya",
        "revision": "Target (revisi)",
        "realisation": "Realisasi",
        "year": "Tahun",
        "yes": "ya",
        "no": "tidak (diganti)",
        "cited": "Sumber (tabel, baris)",
        "line": "baris",
        "plan_source": "Sumber: {plan}, nilai sebagaimana tercetak, dari katalog (setiap "
        "nilai dengan tabel dan barisnya; katalog ini tidak menyimpan transkripsi tabelnya)",
    },
    "en": {
        "lines": "Seed lines",
        "source": "Source: {plan}, Tabel {table}, lines {first}-{last} of the document "
        "{seed} (transcribed cell by cell; values as printed)",
        "later": "Values in force: values recorded after the Renstra was published "
        "(updates.yaml), each with its source; the printed values are on the table's sheet",
        "revision": "Target (revision)",
        "realisation": "Realisation",
        "year": "Year",
        "yes": "yes",
        "no": "no (replaced)",
        "cited": "Source (table, lines)",
        "line": "lines",
        "plan_source": "Source: {plan}, values as printed, from the catalog (each value with "
        "its table and line; this catalog keeps no transcription of its tables)",
    },
}
LATER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "id": (
        "Kode",
        "Indikator",
        "Satuan",
        "Tahun",
        "Periode",
        "Jenis",
        "Nilai",
        "Berlaku",
        "Sumber",
    ),
    "en": ("Kode", "Indicator", "Satuan", "Year", "Period", "Kind", "Value", "In force", "Source"),
}


class ExportError(FormulaError, ValueError):
    """A table that cannot be exported: no transcription, or one that cannot be read."""

    code = "E820"
    stage = "import"


Value = str | int | Decimal | None


@dataclass(frozen=True)
class Cell:
    value: Value
    number_format: str | None = None  # for a number cell
    printed: str | None = None  # a number cell's printed text, when words surround it


@dataclass(frozen=True)
class Column:
    header: str  # the whole header, as the transcription gives it ("2024 K")
    group: str | None  # the upper header row ("2024"), when the column has a K/Rp split
    leaf: str  # the lower header row ("K"), or the whole header
    kind: Literal["text", "k", "rp"]


@dataclass(frozen=True)
class ExportTable:
    id: str  # "6.3"
    title: str  # "Rencana Program, ..." as printed
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    source: str  # the "Sumber" note
    files: tuple[str, ...]  # the transcription files it is read from

    @property
    def printed(self) -> bool:
        """A table the document numbers ("6.3"), not the plan's table of the catalog."""
        return self.id != PLAN_TABLE

    @property
    def sheet(self) -> str:
        return (f"Tabel {self.id}" if self.printed else self.id)[:SHEET_NAME_MAX]

    @property
    def heading(self) -> str:
        return f"Tabel {self.id} {self.title}" if self.printed else self.title

    @property
    def csv_name(self) -> str:
        return "tabel_" + self.id.replace(".", "_") + ".csv" if self.printed else "rencana.csv"


# --- reading the transcription ------------------------------------------------------


def _text(cell: Any) -> str:
    """The printed text of a transcription cell (a mapping, or a list of pieces)."""
    if isinstance(cell, dict):
        return str(cell.get("text", ""))
    if isinstance(cell, list):
        return " ".join(_text(piece) for piece in cell)
    return "" if cell is None else str(cell)


def _lines(node: Any) -> Iterator[int]:
    if isinstance(node, dict):
        for key in ("line", "last_line"):
            if isinstance(node.get(key), int):
                yield node[key]
        for key, value in node.items():
            if key != "notes":
                yield from _lines(value)
    elif isinstance(node, list):
        for item in node:
            yield from _lines(item)


def _load(path: Path) -> dict[str, Any]:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    def fail(message: str, hint: str) -> ExportError:
        error = ExportError(message, code="E821", hint=hint)
        error.with_source("", Location(str(path)))
        return error

    try:
        size = path.stat().st_size
        if size > MAX_TRANSCRIPTION_BYTES:
            raise fail(
                f"the transcription is {size:,} bytes, more than {MAX_TRANSCRIPTION_BYTES:,}",
                "split the table into parts (tabel_6_3_a.yaml, tabel_6_3_b.yaml, ...)",
            )
        data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read the transcription: {error}", "check the file") from None
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise fail(
            f"the transcription is not valid YAML{where}",
            "check it with: python tools/check_transcription.py",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise fail(
            "the transcription has no list of rows",
            "a transcription is a mapping with table, title, columns and rows "
            "(catalog/transcription/README.md)",
        )
    problem = _layout_problem(data)
    if problem:
        raise fail(
            f"the transcription does not have the documented layout: {problem}",
            "rows are mappings (level, code, name, indicators: a list, budget: a mapping), "
            "columns {key, header}, first_line and last_line whole numbers "
            "(catalog/transcription/README.md)",
        )
    return data


def _layout_problem(data: dict[str, Any]) -> str | None:
    """What in a transcription the export cannot read, or None."""
    for key in ("first_line", "last_line"):
        if key in data and not (isinstance(data[key], int) and not isinstance(data[key], bool)):
            return f"{key} is {data[key]!r}, not a line number"
    for index, column in enumerate(data.get("columns") or []):
        if not (isinstance(column, dict) and "key" in column and "header" in column):
            return f"columns[{index}] is not {{key, header}}"
    for index, row in enumerate(data["rows"]):
        if not isinstance(row, dict):
            return f"rows[{index}] is not a mapping"
        indicators = row.get("indicators")
        if indicators is not None and not isinstance(indicators, list):
            return f"rows[{index}].indicators is not a list"
        if row.get("budget") is not None and not isinstance(row["budget"], dict):
            return f"rows[{index}].budget is not a mapping"
        for number, indicator in enumerate(indicators or []):
            if not isinstance(indicator, dict):
                return f"rows[{index}].indicators[{number}] is not a mapping"
            values = indicator.get("values")
            if values is not None and not isinstance(values, dict):
                return f"rows[{index}].indicators[{number}].values is not a mapping"
    return None


def transcriptions(root: Path) -> dict[str, list[tuple[Path, dict[str, Any]]]]:
    """The transcription files of the catalog at `root`, by table id, in part order."""
    folder = root / "transcription"
    found: dict[str, list[tuple[Path, dict[str, Any]]]] = {}
    for path in sorted(folder.glob("tabel_*.yaml")) if folder.is_dir() else []:
        data = _load(path)
        table = str(data.get("table", ""))
        if table in TABLES:
            found.setdefault(table, []).append((path, data))
    return found


# --- one table ----------------------------------------------------------------------


_LEAVES = re.compile(r"^(?P<group>.+\S)\s+(?P<leaf>K|Rp|Target|Realisasi|(?:19|20)[0-9]{2})$")


def _is_rupiah(key: str) -> bool:
    """A value column of Rupiah: the transcription's keys end in _rp (target_2024_rp)."""
    return key.endswith("_rp")


def _split(header: str) -> tuple[str | None, str]:
    """ "2024 K" -> ("2024", "K"); "Target Kinerja ... 2024" -> ("Target Kinerja ...",
    "2024"): the two header rows the document prints."""
    match = _LEAVES.match(header)
    return (match["group"], match["leaf"]) if match else (None, header)


def _grouped(columns: list[Column]) -> list[Column]:
    """A column keeps its upper header only when a neighbour shares it."""
    groups = [None, *(column.group for column in columns), None]
    return [
        column
        if column.group and column.group in (groups[index], groups[index + 2])
        else Column(column.header, None, column.header, column.kind)
        for index, column in enumerate(columns)
    ]


def _columns(table: str, parts: list[dict[str, Any]], lang: str) -> tuple[list[Column], list[str]]:
    before, after = LAYOUTS[table]
    keys: list[str] = []
    values: list[Column] = []
    for part in parts:
        for column in part.get("columns") or []:
            if column["key"] not in keys:
                keys.append(str(column["key"]))
                group, leaf = _split(str(column["header"]))
                kind: Literal["k", "rp"] = "rp" if _is_rupiah(str(column["key"])) else "k"
                values.append(Column(str(column["header"]), group, leaf, kind))
    values = _grouped(values)
    text = [Column(h, None, h, "text") for h, _ in before]
    tail = [Column(h, None, h, "text") for h, _ in after]
    lines = WORDS[lang]["lines"]
    line_column = Column(lines, None, lines, "text")
    return [*text, *values, *tail, line_column], keys


# A printed K value: a number with, around it, words a grade or a mark is printed with
# ("Baik 82,7", "A (84,35)", "16,24%", "0,24*)"): these stay the number format's text.
_AFFIXED = re.compile(
    r"(?P<before>[A-Za-z][A-Za-z ]*?\s*\(?\s*|)(?P<number>-?[0-9][0-9.,]*)(?P<after>\s*[%)*]*)"
)


def printed_cell(text: str, kind: Literal["k", "rp"]) -> Cell:
    """A printed value as a cell: a number when the text is a well-formed Indonesian
    number (an int for Rupiah; for K the exact printed digits, with what is printed
    around it kept in the number format: "Baik "#,##0.0 shows Baik 82,7), else the text
    as printed ("-", "NA", a misprint such as "18.792.409200")."""
    body = text.strip()
    match = _AFFIXED.fullmatch(body) if kind == "k" else None
    before, digits, after = (
        (match["before"], match["number"], match["after"]) if match else ("", body, "")
    )
    try:
        parse_indonesian(digits)
    except ValueError:
        return Cell(text)
    plain = digits.replace(".", "").replace(",", ".")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    if kind == "rp":
        return Cell(int(plain), RUPIAH_FORMAT) if decimals == 0 else Cell(text)
    number: int | Decimal = Decimal(plain) if decimals else int(plain)
    shape = "#,##0" + ("." + "0" * decimals if decimals else "")
    quoted = [f'"{part}"' if part else "" for part in (before, after)]
    return Cell(number, quoted[0] + shape + quoted[1], text if before or after else None)


def _field(
    name: Field, table: str, row: dict[str, Any], indicator: dict[str, Any], first: bool
) -> str:
    level = str(row.get("level", ""))
    if name == "number":
        return _text(row.get("number")) if first else ""
    if name == "code":
        return _text(row.get("code")) if first else ""
    if name == "row":
        if not first:
            return ""
        label = _LABELS.get(level) if table.startswith("6.") else None
        number = _text(row.get("number"))
        prefix = f"{label} {number} : " if label and number else ""
        return prefix + _text(row.get("name"))
    if name in ("tujuan", "sasaran"):
        return _text(row.get("name")) if first and level == name else ""
    if name == "section":
        return _text(row.get("section")) if first else ""
    if name == "indicator":
        return _text(indicator.get("name"))
    if name == "formula_or_definition":
        both = [_text(indicator.get(k)) for k in ("formula", "definition") if indicator.get(k)]
        return " / ".join(both)
    if name in ("unit_kerja", "lokasi"):
        own = _text(indicator.get(name))
        return own or (_text(row.get(name)) if first else "")
    return _text(indicator.get(name))


def _rows(table: str, parts: list[dict[str, Any]], keys: list[str]) -> Iterator[tuple[Cell, ...]]:
    before, after = LAYOUTS[table]
    for part in parts:
        for row in part["rows"]:
            indicators = [i for i in row.get("indicators") or [] if isinstance(i, dict)] or [{}]
            printed_budget = row.get("budget")
            budget: dict[str, Any] = printed_budget if isinstance(printed_budget, dict) else {}
            for index, indicator in enumerate(indicators):
                first = index == 0
                found = indicator.get("values")
                values: dict[str, Any] = found if isinstance(found, dict) else {}
                cells: list[Cell] = [
                    Cell(_field(f, table, row, indicator, first)) for _, f in before
                ]
                for key in keys:
                    cell = values.get(key) or (budget.get(key) if first else None)
                    kind: Literal["k", "rp"] = "rp" if _is_rupiah(key) else "k"
                    cells.append(printed_cell(_text(cell), kind) if cell else Cell(None))
                cells += [Cell(_field(f, table, row, indicator, first)) for _, f in after]
                seen = list(_lines(indicator))  # a row's own cells stand on its first line
                if first:
                    own = ("number", "code", "name", "section", "unit_kerja", "lokasi")
                    seen += list(_lines([budget, *(row.get(key) for key in own)]))
                cells.append(Cell(f"{min(seen)}-{max(seen)}" if seen else ""))
                yield tuple(Cell(None) if c.value == "" else c for c in cells)


def _drop_empty(
    columns: list[Column], rows: list[tuple[Cell, ...]]
) -> tuple[tuple[Column, ...], tuple[tuple[Cell, ...], ...]]:
    """Leave out a descriptive column the table's transcription has no cell in."""
    keep = [
        index
        for index, column in enumerate(columns)
        if column.kind != "text" or any(row[index].value is not None for row in rows)
    ]
    return (
        tuple(columns[i] for i in keep),
        tuple(tuple(row[i] for i in keep) for row in rows),
    )


def export_tables(catalog: Catalog, lang: str = "id") -> list[ExportTable]:
    """Every table of TABLES the catalog's transcription holds, in the document's order;
    without a transcription, the plan's one table built from the catalog (plan_table);
    ExportError (E820) when the catalog has neither a transcription nor any row."""
    found = transcriptions(catalog.root)
    if not found:
        if not any(True for _ in catalog.rows()):
            error = ExportError(
                "nothing to export: the catalog has no transcription of the Renstra's "
                "tables and no tujuan, sasaran or program",
                hint="add the plan's rows and indicators first (renstra add indicator), "
                "or export a catalog with transcription/tabel_*.yaml",
            )
            error.with_source("", Location(str(catalog.root)))
            raise error
        return [plan_table(catalog, lang)]
    plan = catalog.plan.plan
    declared = {t.id: t for t in catalog.plan.tables}
    tables = []
    for table in TABLES:
        if table not in found:
            continue
        parts = [data for _, data in found[table]]
        columns, keys = _columns(table, parts, lang)
        shown, rows = _drop_empty(columns, list(_rows(table, parts, keys)))
        first = min(int(p.get("first_line", 0)) for p in parts)
        last = max(int(p.get("last_line", 0)) for p in parts)
        if table in declared:  # the table's own lines, as the catalog declares them
            first, last = declared[table].first_line, declared[table].last_line
        source = WORDS[lang]["source"].format(
            plan=plan.name, table=table, first=first, last=last, seed=plan.seed
        )
        title = declared[table].title if table in declared else str(parts[0].get("title", ""))
        files = tuple(path.name for path, _ in found[table])
        tables.append(ExportTable(table, title, shown, rows, source, files))
    return tables


# --- a catalog without a transcription: the plan's table from the catalog --------------

PLAN_TABLE = "Rencana"  # its sheet (there is no printed table number to name it by)
_KINDS = {"baseline": 0, "target": 1, "realisation": 2, "end_of_period": 3}


def _column_of(kind: str, year: int | None, rupiah: bool) -> Column:
    group = {
        "baseline": f"Kondisi Awal {year}",
        "target": f"Target {year}",
        "realisation": f"Realisasi {year}",
        "end_of_period": "Kondisi Kinerja pada Akhir Periode Renstra",
    }[kind]
    leaf = "Rp" if rupiah else "K"
    return Column(f"{group} {leaf}", group, leaf, "rp" if rupiah else "k")


def plan_table(catalog: Catalog, lang: str = "id") -> ExportTable:
    """The plan's rows (tujuan, sasaran, program, kegiatan, sub kegiatan), in the layout
    of Tabel 6.x, from the catalog's printed values (each cited by its table and line):
    K and Rp per year, for a catalog that keeps no transcription of its tables."""
    from ..catalog.models import Sasaran, Tujuan

    keys: set[tuple[str, int | None, bool]] = set()
    lines: list[tuple[Any, Any, bool]] = []  # (row entry, indicator or None, first)
    for located in catalog.rows():
        entry = located.entry
        indicators = list(entry.indicators) or [None]
        for index, indicator in enumerate(indicators):
            lines.append((entry, indicator, index == 0))
            for value in indicator.values if indicator else ():
                if value.kind in _KINDS:
                    keys.add((value.kind, value.year, False))
        for value in getattr(entry, "budget", ()):
            if value.kind in _KINDS:
                keys.add((value.kind, value.year, True))
    order = sorted(keys, key=lambda k: (_KINDS[k[0]] == 3, k[1] or 0, _KINDS[k[0]], k[2]))
    values = _grouped([_column_of(kind, year, rupiah) for kind, year, rupiah in order])
    before, after = LAYOUTS["6.3"]
    sumber = WORDS[lang]["cited"]
    columns = [
        *(Column(h, None, h, "text") for h, _ in before),
        *values,
        *(Column(h, None, h, "text") for h, _ in after),
        Column(sumber, None, sumber, "text"),
    ]
    rows = []
    for entry, indicator, first in lines:
        is_row = isinstance(entry, Sasaran)
        label = ("Tujuan" if isinstance(entry, Tujuan) else "Sasaran") if is_row else ""
        name = f"{label} {entry.number} : {entry.name}" if is_row else entry.name
        formulas = indicator.formulas if indicator else ()
        printed: dict[tuple[str, int | None, bool], Any] = {}
        for value in indicator.values if indicator else ():  # the first of each is shown
            printed.setdefault((value.kind, value.year, False), value)
        for value in getattr(entry, "budget", ()) if first else ():
            printed.setdefault((value.kind, value.year, True), value)
        shown = [printed.get(key) for key in order]
        cited = sorted({(v.table, v.line) for v in shown if v is not None})
        cells = [
            Cell(None if is_row or not first else entry.code),
            Cell(name if first else None),
            Cell(indicator.name if indicator else None),
            Cell(formulas[-1].printed if formulas and formulas[-1].printed else None),
            Cell((indicator.unit_printed or indicator.unit) if indicator else None),
            *(
                printed_cell(v.text, "rp" if key[2] else "k") if v else Cell(None)
                for key, v in zip(order, shown, strict=True)
            ),
            Cell(getattr(entry, "unit_kerja", None) if first else None),
            Cell(getattr(entry, "lokasi", None) if first else None),
            Cell(_citations(cited, lang) or None),
        ]
        rows.append(tuple(cells))
    shown_columns, shown_rows = _drop_empty(columns, rows)
    plan = catalog.plan.plan
    title = (
        f"Rencana Program, Kegiatan, dan Sub Kegiatan {plan.opd} {plan.first_year}-{plan.last_year}"
    )
    note = WORDS[lang]["plan_source"].format(plan=plan.name)
    return ExportTable(PLAN_TABLE, title, shown_columns, shown_rows, note, ())


def _citations(cited: list[tuple[str, int]], lang: str) -> str:
    by_table: dict[str, list[int]] = {}
    for table, line in cited:
        by_table.setdefault(table, []).append(line)
    word = WORDS[lang]["line"]
    return "; ".join(
        f"Tabel {table} {word} {min(found)}"
        + (f"-{max(found)}" if max(found) != min(found) else "")
        for table, found in by_table.items()
    )


# --- values entered later -----------------------------------------------------------


def later_rows(catalog: Catalog, lang: str = "id") -> list[tuple[Cell, ...]]:
    """The values of updates.yaml (target revisions, realisations), each with its source
    and whether it is the value in force (the latest of its year, or of its period); the
    printed values are not repeated here."""
    from ..catalog.updates import realisations, targets
    from .realisasi import printed_codes

    if catalog.updates is None:
        return []
    plan = catalog.plan.plan
    codes = printed_codes(catalog)
    found: list[tuple[Cell, ...]] = []
    for located in catalog.indicators():
        indicator = located.entry
        for year in range(plan.first_year, plan.last_year + 1):
            values = (*targets(catalog, indicator, year), *realisations(catalog, indicator, year))
            for index, value in enumerate(values):
                if value.printed:
                    continue
                replaced = any(
                    v.kind == value.kind and v.period == value.period for v in values[index + 1 :]
                )
                kind = WORDS[lang]["revision" if value.kind == "target" else "realisation"]
                found.append(
                    (
                        Cell(codes.get(indicator.id, "")),
                        Cell(indicator.name),
                        Cell(indicator.unit_printed or indicator.unit),
                        Cell(year, "0"),
                        Cell(value.period or WORDS[lang]["year"]),
                        Cell(kind),
                        printed_cell(value.text, "k"),
                        Cell(WORDS[lang]["no" if replaced else "yes"]),
                        Cell(value.source),
                    )
                )
    return found


# --- writing ------------------------------------------------------------------------


def _width(column: Column) -> float:
    if column.kind == "rp":
        return 16
    if column.kind == "k":
        return 11
    wide = {"Indikator", "Indikator Tujuan/Sasaran", "Indikator Kinerja Utama"}
    if column.header in wide or column.header.startswith("Urusan/"):
        return 45
    if column.header in ("Kode", "No", "Satuan", *(w["lines"] for w in WORDS.values())):
        return 12 if column.header != "Kode" else 18
    return 30


_FORMULA_START = ("=", "+", "@", "\t", "\r")


def put(sheet: Any, row: int, column: int, value: Value) -> Any:
    """Write a value into a cell; a text stays text even when it starts with "=" (which
    openpyxl would store as a formula): no catalog or planner text becomes a formula."""
    cell = sheet.cell(row, column, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def inert(text: str) -> str:
    """A text for a CSV cell that no spreadsheet reads as a formula ("=...", "+...",
    "@...", "-x"): such a text gets a leading apostrophe; a printed "-" stays."""
    risky = text.startswith(_FORMULA_START) or (
        text.startswith("-") and len(text) > 1 and not text[1].isdigit()
    )
    return "'" + text if risky else text


def workbook_bytes(
    tables: Iterable[ExportTable], later: list[tuple[Cell, ...]], lang: str = "id"
) -> bytes:
    """The workbook: a sheet per table (title, header rows frozen, the rows, the Sumber
    note), and "Nilai terkini" when there are later values."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    default = book.active
    assert default is not None
    book.remove(default)
    bold, grey = Font(bold=True), PatternFill("solid", fgColor="DDDDDD")
    wrap = Alignment(wrap_text=True, vertical="top")
    centre = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for table in tables:
        sheet = book.create_sheet(table.sheet)
        put(sheet, 1, 1, table.heading).font = Font(bold=True, size=12)
        two = any(c.group for c in table.columns)
        header_rows = 2 if two else 1
        for index, column in enumerate(table.columns, start=1):
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = _width(column)
            top = put(sheet, 2, index, column.group or column.leaf)
            cells = [top]
            if two:
                if column.group:
                    cells.append(put(sheet, 3, index, column.leaf))
                else:
                    sheet.merge_cells(start_row=2, start_column=index, end_row=3, end_column=index)
            for cell in cells:
                cell.font, cell.fill, cell.alignment = bold, grey, centre
        if two:  # one upper header over its K and Rp
            index = 1
            while index <= len(table.columns):
                group = table.columns[index - 1].group
                end = index
                while group and end < len(table.columns) and table.columns[end].group == group:
                    end += 1
                if group and end > index:
                    sheet.merge_cells(start_row=2, start_column=index, end_row=2, end_column=end)
                index = end + 1
        first_data = 2 + header_rows
        for offset, row in enumerate(table.rows):
            for index, item in enumerate(row, start=1):
                if item.value is None:
                    continue
                cell = put(sheet, first_data + offset, index, item.value)
                if item.number_format:
                    cell.number_format = item.number_format
                elif isinstance(item.value, str):
                    cell.alignment = wrap
        note = first_data + len(table.rows) + 1
        put(sheet, note, 1, table.source).font = Font(italic=True)
        sheet.freeze_panes = sheet.cell(first_data, 1).coordinate
        sheet.print_title_rows = f"2:{first_data - 1}"  # the header on every printed page
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if later:
        sheet = book.create_sheet(LATER_SHEET)
        put(sheet, 1, 1, WORDS[lang]["later"]).font = Font(bold=True)
        for index, name in enumerate(LATER_COLUMNS[lang], start=1):
            cell = put(sheet, 2, index, name)
            cell.font, cell.fill = bold, grey
            sheet.column_dimensions[get_column_letter(index)].width = 45 if index in (2, 9) else 14
        for offset, row in enumerate(later):
            for index, item in enumerate(row, start=1):
                cell = put(sheet, 3 + offset, index, item.value)
                if item.number_format:
                    cell.number_format = item.number_format
        sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_value(cell: Cell) -> str:
    """A cell in a CSV for an Indonesian Excel: a plain number with ',' as the decimal
    mark and no grouping (1234,5), a number printed with words ("Baik 82,7", "16,24%")
    and any text as printed."""
    value = cell.value
    if value is None:
        return ""
    if isinstance(value, str):
        return inert(value)
    return cell.printed or str(value).replace(".", ",")


LATER_CSV = "nilai_terkini.csv"
CSV_DELIMITER = ";"  # what an Indonesian Excel expects ("," is its decimal mark)


def csv_text(table: ExportTable) -> str:
    """The table as CSV: one header row (the whole printed header of each column), the
    rows; UTF-8 with a BOM is added when it is written (`csv_bytes`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([inert(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(cell) for cell in row])
    return buffer.getvalue()


def csv_bytes(table: ExportTable) -> bytes:
    return b"\xef\xbb\xbf" + csv_text(table).encode("utf-8")


def later_csv_bytes(later: list[tuple[Cell, ...]], lang: str = "id") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(LATER_COLUMNS[lang])
    for row in later:
        writer.writerow([csv_value(cell) for cell in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


@dataclass
class Export:
    """What `renstra export xlsx|csv` writes, built once from the catalog."""

    tables: list[ExportTable]
    later: list[tuple[Cell, ...]] = field(default_factory=list)
    lang: str = "id"

    @classmethod
    def of(cls, catalog: Catalog, lang: str = "id") -> Export:
        return cls(export_tables(catalog, lang), later_rows(catalog, lang), lang)

    def workbook(self) -> bytes:
        return workbook_bytes(self.tables, self.later, self.lang)

    def csv_files(self) -> dict[str, bytes]:
        """File name -> content: tabel_6_3.csv, ..., and nilai_terkini.csv."""
        files = {table.csv_name: csv_bytes(table) for table in self.tables}
        if self.later:
            files[LATER_CSV] = later_csv_bytes(self.later, self.lang)
        return files
