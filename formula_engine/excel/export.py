"""The Renstra's tables in the document's own layout, as `ExportTable`s; written as a
workbook (a sheet per table) or CSV files by export_files.py; a catalog without a
transcription gets its plan's table from export_catalog.py.

Input: a catalog and its transcription (`transcription/tabel_*.yaml`, the seed's tables
cell by cell with their seed lines). Output: `ExportTable`s (what a table prints: its
title, its columns as printed, one row per printed indicator line, the seed lines of each
row and a "Sumber" note). Nothing is recomputed and
nothing corrected: a cell holds what the document prints. A well-formed Indonesian
number becomes a number cell (an int for Rupiah, the exact printed decimal digits for K,
with an Excel number format of the printed decimals; the words of "Baik 82,7" or
"A (84,35)" go into the format, so the cell is still the number), anything else ("-",
"NA", a misprint such as "18.792.409200") stays the printed text. Values entered later
(updates.yaml) go to their own sheet, "Nilai terkini", never over a printed cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
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
PLAN_TABLE = "Rencana"  # the sheet of a catalog's own table (export_catalog.plan_table)
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
        "lines": "Baris dokumen",
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
        "lines": "Document lines",
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


def grouped(columns: list[Column]) -> list[Column]:
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
    values = grouped(values)
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


def drop_empty(
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
    """Every table of TABLES the catalog's transcription holds, in the document's order
    (none without a transcription: see export_catalog.plan_table)."""
    found = transcriptions(catalog.root)
    plan = catalog.plan.plan
    declared = {t.id: t for t in catalog.plan.tables}
    tables = []
    for table in TABLES:
        if table not in found:
            continue
        parts = [data for _, data in found[table]]
        columns, keys = _columns(table, parts, lang)
        shown, rows = drop_empty(columns, list(_rows(table, parts, keys)))
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
