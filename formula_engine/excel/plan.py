"""A plan from scratch: the workbook a planner fills in, and its all-or-nothing import.

`template_bytes()` writes the workbook: sheets Tujuan, Sasaran, Program (program,
kegiatan and sub kegiatan with their parent's code), Input, Indikator (owner's code, id,
name, satuan, formula in the language, polarity, roll-up, end-of-period rule) and Target
(indicator, year, target K), with Indonesian headers, locked header rows and lists of
the allowed values (a hidden sheet "Daftar"). `read_plan()` reads it back with the
engine's own checks: every formula through `pipeline.check_formula` (parse, resolve,
unit), every parent code, unit, year and duplicate; every problem at once, each at its
cell (`plan.xlsx!Indikator!E7`), a formula's caret under the offending part.
`import_plan()` writes the catalog's files only when the workbook has no problem and the
catalog made of it loads and validates (`catalog.checked.load_checked`).

Provenance: nothing of a workbook is a printed figure of the seed. Each row (tujuan,
sasaran, program, kegiatan, sub kegiatan) cites its cell as a `WorkbookSource`
(workbook, sheet, cell, the planner's `--source` document, date, who); each target is a
record of updates.yaml whose source is that document with the cell as its reference.
docs/planners-excel.md, "Rencana baru dari Excel".
"""

from __future__ import annotations

import difflib
import io
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..i18n import msg
from ..names import SNAKE_CASE
from .cells import FORMS, Number, exact_indonesian, read_number
from .diagnostics import CellProblem
from .grid import Cell, Grid, column_letter, read_grid

MAX_TEMPLATE_ROWS = 500  # rows unlocked and validated under each header
MAX_NAME_CHARS = 300
MAX_FORMULA_CHARS = 2000
NUMBER = re.compile(r"^[0-9A-Za-z]{1,10}(\.[0-9A-Za-z]{1,10}){0,4}$", re.ASCII)  # tujuan 1, 1.2
CODE = re.compile(r"^\d+(\.\d+)*$", re.ASCII)
CODE_PARTS = {"program": 3, "kegiatan": 5, "sub_kegiatan": 6}  # 1.06.01 / .2.01 / .0001
CODE_EXAMPLES = {
    "program": "1.06.01",
    "kegiatan": "1.06.01.2.01",
    "sub_kegiatan": "1.06.01.2.01.0001",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    width: int
    choices: str | None = None  # a list of the sheet "Daftar"


SHEETS: dict[str, tuple[Column, ...]] = {
    "Tujuan": (Column("nomor", "Nomor", True, 10), Column("nama", "Tujuan", True, 80)),
    "Sasaran": (
        Column("nomor", "Nomor", True, 10),
        Column("nama", "Sasaran", True, 80),
        Column("tujuan", "Nomor Tujuan", True, 14),
    ),
    "Program": (
        Column("tingkat", "Tingkat", True, 14, "tingkat"),
        Column("kode", "Kode", True, 22),
        Column("nama", "Nama", True, 70),
        Column("induk", "Kode Induk", True, 22),
    ),
    "Input": (
        Column("id", "ID", True, 34),
        Column("nama", "Nama", True, 60),
        Column("satuan", "Satuan", True, 14, "satuan"),
    ),
    "Indikator": (
        Column("pemilik", "Kode Pemilik", True, 22),
        Column("id", "ID", True, 34),
        Column("nama", "Nama Indikator", True, 60),
        Column("satuan", "Satuan", True, 14, "satuan"),
        Column("rumus", "Rumus", False, 60),
        Column("polaritas", "Polaritas", True, 36, "polaritas"),
        Column("agregasi", "Agregasi", False, 14, "agregasi"),
        Column("akhir", "Akhir Periode", True, 22, "akhir"),
    ),
    "Target": (
        Column("indikator", "ID Indikator", True, 34),
        Column("tahun", "Tahun", True, 8),
        Column("target", "Target", True, 14),
    ),
}

# The lists: what the planner picks (Indonesian) -> the catalog's value.
LEVELS = {"Program": "program", "Kegiatan": "kegiatan", "Sub Kegiatan": "sub_kegiatan"}
POLARITIES = {
    "Semakin tinggi semakin baik": "higher_is_better",
    "Semakin rendah semakin baik (selisih)": "lower_is_better_difference",
    "Semakin rendah semakin baik (rasio)": "lower_is_better_ratio",
}
ROLLUPS = {"Jumlah": "sum", "Terakhir": "last", "Maksimum": "max", "Minimum": "min"}
END_RULES = {
    "Tahun terakhir": "last_year",
    "Jumlah semua tahun": "sum",
    "Tidak ada": "not_printed",
}
TEXT_COLUMNS = ("nomor", "tujuan", "kode", "induk", "pemilik")
LISTS: dict[str, dict[str, str]] = {
    "tingkat": LEVELS,
    "polaritas": POLARITIES,
    "agregasi": ROLLUPS,
    "akhir": END_RULES,
}

GUIDE = (
    ("Tujuan", "Nomor (1, 2, ...) dan rumusan tujuan."),
    ("Sasaran", "Nomor (1.1, ...), rumusan sasaran, dan nomor tujuan induknya."),
    (
        "Program",
        "Tingkat (Program, Kegiatan, Sub Kegiatan), kode (1.06.01, 1.06.01.2.01, "
        "1.06.01.2.01.0001), nama, dan kode induk: untuk program nomor sasaran "
        "(beberapa dipisah koma), untuk kegiatan kode program, untuk sub kegiatan kode "
        "kegiatan.",
    ),
    (
        "Input",
        "Data yang dibaca rumus: ID (huruf kecil dan garis bawah, mis. jumlah_ppks), nama, satuan.",
    ),
    (
        "Indikator",
        "Kode pemilik (nomor tujuan/sasaran atau kode program/kegiatan/sub kegiatan), ID, "
        "nama, satuan, rumus dalam bahasa rumus (mis. ppks_terlayani / jumlah_ppks x 100%), "
        "polaritas, agregasi triwulan (kosong: menurut satuan), dan kondisi akhir periode.",
    ),
    ("Target", "ID indikator, tahun (dalam periode rencana) dan target (K), mis. 12,5."),
)


# --- the template -------------------------------------------------------------------


def template_bytes(units: list[str], first_year: int | None, last_year: int | None) -> bytes:
    """The workbook: a guide sheet, the six sheets with locked, frozen header rows and
    lists of the allowed values; `units` are the satuan offered (others may be typed)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    guide = book.active
    assert guide is not None
    guide.title = "Petunjuk"
    guide.append(["Lembar", "Isian"])
    for line in GUIDE:
        guide.append(list(line))
    guide.column_dimensions["A"].width = 14
    guide.column_dimensions["B"].width = 120
    lists = book.create_sheet("Daftar")
    columns: dict[str, str] = {}
    values: dict[str, list[str]] = {**{k: list(v) for k, v in LISTS.items()}, "satuan": units}
    for index, (name, items) in enumerate(values.items()):
        letter = column_letter(index)
        lists.cell(1, index + 1, name)
        for number, item in enumerate(items, start=2):
            lists.cell(number, index + 1, item)
        columns[name] = f"Daftar!${letter}$2:${letter}${len(items) + 1}"
    lists.sheet_state = "hidden"
    for title, spec in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append([column.header for column in spec])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
        last = MAX_TEMPLATE_ROWS + 1
        for position, column in enumerate(spec, start=1):
            letter = column_letter(position - 1)
            sheet.column_dimensions[letter].width = column.width
            text = column.key in TEXT_COLUMNS  # Excel keeps 1.10 and 1.06.01 as typed
            for number in range(2, last + 1):
                cell = sheet.cell(number, position)
                cell.protection = Protection(locked=False)
                if text:
                    cell.number_format = "@"
            area = f"{letter}2:{letter}{last}"
            if column.choices:
                strict = column.choices != "satuan"  # a declared unit may be typed
                validation = DataValidation(
                    type="list",
                    formula1=columns[column.choices],
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorStyle="stop" if strict else "warning",
                    errorTitle="Pilih dari daftar",
                    error=f"Pilih {column.header} dari daftar.",
                )
                validation.add(area)
                sheet.add_data_validation(validation)
            elif column.key == "tahun":
                low, high = first_year or 2001, last_year or 2100
                validation = DataValidation(
                    type="whole",
                    operator="between",
                    formula1=str(low),
                    formula2=str(high),
                    showErrorMessage=True,
                    errorTitle="Bukan tahun rencana",
                    error=f"Isikan tahun {low}-{high}.",
                )
                validation.add(area)
                sheet.add_data_validation(validation)
            elif column.key == "target":
                sheet.column_dimensions[letter].number_format = "#,##0.##"
        sheet.freeze_panes = "A2"
        sheet.protection.sheet = True  # no password: the header row is guarded from slips
        sheet.protection.formatColumns = False
        sheet.protection.insertRows = False
        sheet.protection.deleteRows = False
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- reading ------------------------------------------------------------------------


@dataclass
class Row:
    """One filled row of a sheet: its cells by column key."""

    sheet: str
    number: int
    cells: dict[str, Cell]

    def text(self, key: str) -> str:
        return " ".join(self.cells[key].text.split())


@dataclass
class Plan:
    """The workbook, read and checked: the catalog's entries as plain data."""

    tujuan: list[dict[str, Any]] = field(default_factory=list)
    programs: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        sasaran = sum(len(t["sasaran"]) for t in self.tujuan)
        indicators = sum(len(e.get("indicators", ())) for e in _entries(self))
        return {
            "tujuan": len(self.tujuan),
            "sasaran": sasaran,
            "program": len(self.programs),
            "input": len(self.inputs),
            "indikator": indicators,
            "target": len(self.targets),
        }


def _entries(plan: Plan) -> Iterator[dict[str, Any]]:
    for tujuan in plan.tujuan:
        yield tujuan
        yield from tujuan["sasaran"]
    for program in plan.programs:
        yield program
        for kegiatan in program["kegiatan"]:
            yield kegiatan
            yield from kegiatan["sub_kegiatan"]


@dataclass(frozen=True)
class Provenance:
    """Where the workbook's values come from (the planner's `--source` and the import)."""

    workbook: str  # the file's name
    document: str
    date: str
    entered_by: str | None = None

    def row_source(self, cell: Cell) -> dict[str, str]:
        _, sheet, ref = cell.where.rsplit("!", 2)
        source = {
            "workbook": self.workbook,
            "sheet": sheet,
            "cell": ref,
            "document": self.document,
            "date": self.date,
        }
        if self.entered_by:
            source["entered_by"] = self.entered_by
        return source

    def record_source(self, cell: Cell) -> dict[str, str]:
        _, sheet, ref = cell.where.rsplit("!", 2)
        source = {
            "document": self.document,
            "date": self.date,
            "reference": f"{self.workbook}!{sheet}!{ref}",
        }
        if self.entered_by:
            source["entered_by"] = self.entered_by
        return source


class _Reader:
    def __init__(self, path: Path, first: int, last: int, provenance: Provenance) -> None:
        self.path = path
        self.first, self.last = first, last
        self.provenance = provenance
        self.problems: list[CellProblem] = []
        self.unreadable: set[str] = set()  # sheets whose header row is broken

    def add(
        self,
        cell: Cell | str,
        code: str,
        message: str,
        expected: str | None,
        hint: str | None,
        text: bool = True,
        span: tuple[int, int] | None = None,
    ) -> None:
        where = cell if isinstance(cell, str) else cell.where
        shown = cell.text if isinstance(cell, Cell) and text else None
        self.problems.append(CellProblem(where, code, message, expected, hint, shown or None, span))

    # sheets and headers

    def sheet(self, name: str) -> list[Row]:
        grid = read_grid(self.path, name)
        self.problems += grid.problems
        if not grid.rows:
            if not grid.problems:
                self.add(
                    f"{grid.name}!{name}!A1",
                    "E802",
                    msg("the sheet {name} has no header row", name=repr(name)),
                    _header_row(", ".join(c.header for c in SHEETS[name])),
                    _COPY_HEADER,
                )
            return []
        columns = self.header(grid, name)
        if columns is None:
            self.unreadable.add(name)
            return []
        rows = []
        for cells, number in zip(grid.rows[1:], grid.row_numbers[1:], strict=True):
            found: dict[str, Cell] = {}
            for key, index in columns.items():
                letter = column_letter(index)
                found[key] = (
                    cells[index]
                    if index < len(cells)
                    else Cell(f"{grid.name}!{name}!{letter}{number}", None)
                )
            for position, cell in enumerate(cells):
                headed = position < len(grid.rows[0]) and grid.rows[0][position].text
                if position not in columns.values() and cell.text and not headed:
                    self.add(
                        cell,
                        "E803",
                        msg("a value in a column without a header"),
                        msg("values only under the headers of the template"),
                        msg("delete it, or move it into its column"),
                    )
            # (a value under an extra header is that header's problem, reported once)
            if not any(c.formula for c in found.values()):  # a formula is reported already
                rows.append(Row(name, number, found))
        return rows

    def header(self, grid: Grid, name: str) -> dict[str, int] | None:
        spec = SHEETS[name]
        wanted = {_folded(c.header): c for c in spec}
        columns: dict[str, int] = {}
        extras: dict[int, Cell] = {}  # headers that are no column (or a column twice)
        for index, cell in enumerate(grid.rows[0]):
            column = wanted.get(_folded(cell.text))
            if column is not None and column.key not in columns:
                columns[column.key] = index
                if index in grid.hidden_columns:
                    self.add(
                        cell,
                        "E803",
                        msg("the column {name} is hidden", name=repr(column.header)),
                        msg("every column visible"),
                        msg("unhide it (select the columns around it, right-click > Unhide)"),
                    )
            elif cell.text:
                extras[index] = cell
        headers = [c.text for c in grid.rows[0] if c.text]
        listed = ", ".join(c.header for c in spec)
        for position, column in enumerate(spec):
            if column.key in columns:
                continue
            renamed = extras.get(position)  # the template's place of the column
            if renamed is not None and _folded(renamed.text) not in wanted:
                del extras[position]
                self.add(
                    renamed,
                    "E802",
                    msg(
                        "the header {header} stands where the column {name} belongs",
                        header=repr(renamed.text),
                        name=repr(column.header),
                    ),
                    _header_row(listed),
                    _rename(renamed.text, column.header),
                )
                continue
            near = difflib.get_close_matches(column.header, headers, 1, 0.6)
            self.add(
                f"{grid.name}!{name}!1",
                "E802",
                msg("the header has no column {name}", name=repr(column.header)),
                _header_row(listed),
                _rename(near[0], column.header) if near else _COPY_HEADER,
            )
        for _, cell in sorted(extras.items()):
            twice = _folded(cell.text) in wanted
            self.add(
                cell,
                "E803",
                msg("the column {name} is there twice", name=repr(cell.text))
                if twice
                else msg("an extra column {name}", name=repr(cell.text)),
                msg("only the columns {columns}", columns=listed),
                msg("delete the column"),
            )
        return columns if all(c.key in columns for c in spec) else None

    # cells

    def required(self, row: Row) -> bool:
        """Every required cell of the row is filled (else E839 for each empty one)."""
        ok = True
        for column in SHEETS[row.sheet]:
            cell = row.cells[column.key]
            if column.required and not cell.text:
                self.add(
                    cell,
                    "E839",
                    msg("the required cell {name} is empty", name=repr(column.header)),
                    msg("the {name} of the row", name=column.header),
                    msg("fill it in, or delete the row"),
                    text=False,
                )
                ok = False
            elif cell.text and len(cell.text) > (
                MAX_FORMULA_CHARS if column.key == "rumus" else MAX_NAME_CHARS
            ):
                self.add(
                    cell,
                    "E844",
                    msg(
                        "{name} has {count} characters",
                        name=repr(column.header),
                        count=len(cell.text),
                    ),
                    msg(
                        "at most {limit}",
                        limit=MAX_FORMULA_CHARS if column.key == "rumus" else MAX_NAME_CHARS,
                    ),
                    msg("shorten it"),
                    text=False,
                )
                ok = False
        return ok

    def choice(self, row: Row, key: str) -> str | None:
        cell = row.cells[key]
        column = next(c for c in SHEETS[row.sheet] if c.key == key)
        assert column.choices is not None
        options = LISTS[column.choices]
        folded = {_folded(label): value for label, value in options.items()}
        folded.update({value: value for value in options.values()})
        value = folded.get(_folded(cell.text))
        if value is None:
            near = difflib.get_close_matches(cell.text, list(options), 1, 0.5)
            self.add(
                cell,
                "E836",
                msg(
                    "{text} is not in the list of {name}",
                    text=repr(cell.text),
                    name=column.header,
                ),
                msg("one of: {choices}", choices="; ".join(options)),
                _did_you_mean(near[0]) if near else msg("pick it from the cell's list"),
            )
        return value

    def identifier(self, cell: Cell) -> bool:
        if SNAKE_CASE.fullmatch(cell.text) and len(cell.text) <= 80:
            return True
        suggestion = re.sub(r"[^0-9a-z]+", "_", cell.text.lower()).strip("_")
        if suggestion[:1].isdigit():
            suggestion = "i_" + suggestion
        self.add(
            cell,
            "E840",
            msg("{text} is not an ID", text=repr(cell.text)),
            msg("lower-case letters, digits and '_', starting with a letter (at most 80)"),
            msg("write {text}", text=repr(suggestion))
            if suggestion
            else msg("write e.g. jumlah_ppks"),
        )
        return False

    def unit(self, cell: Cell) -> str | None:
        from ..errors import CheckError
        from ..units import parse_unit

        try:
            parse_unit(cell.text)
        except CheckError as error:
            self.add(
                cell,
                "E834",
                msg("unknown satuan {text}", text=repr(cell.text)),
                msg("a unit of the list (or one the catalog declares under units:)"),
                error.hint,
            )
            return None
        return cell.text

    def unknown(self, cell: Cell, what: str, known: list[str], hint: str) -> None:
        near = difflib.get_close_matches(cell.text, known, 1, 0.6)
        self.add(
            cell,
            "E833",
            msg("no {what} {text} in the workbook", what=what, text=repr(cell.text)),
            msg("the {what} of a row of the workbook", what=what),
            _did_you_mean(near[0]) if near else hint,
        )

    def duplicate(self, cell: Cell, what: str, first: Cell) -> None:
        self.add(
            cell,
            "E832",
            msg("the {what} {text} is used twice", what=what, text=repr(cell.text)),
            msg("each {what} once", what=what),
            msg("the first is at {place}; change or delete one of them", place=_place(first)),
        )


_COPY_HEADER = msg("copy the header row from `renstra template plan`")


def _header_row(columns: str) -> str:
    return msg("the header row: {columns}", columns=columns)


def _rename(header: str, name: str) -> str:
    return msg("rename {header} back to {name}", header=repr(header), name=repr(name))


def _did_you_mean(name: str) -> str:
    return msg("did you mean {name}?", name=repr(name))


def _folded(text: str) -> str:
    return " ".join(text.split()).lower()


def _place(cell: Cell) -> str:
    """'Sasaran!A3' of 'plan.xlsx!Sasaran!A3'."""
    parts = cell.where.rsplit("!", 2)
    return "!".join(parts[1:]) if len(parts) == 3 else cell.where


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_")


def read_plan(
    path: Path, first: int, last: int, provenance: Provenance
) -> tuple[Plan | None, list[CellProblem]]:
    """The workbook's plan, or None and every problem found in it."""
    if path.suffix.lower() != ".xlsx":
        problem = CellProblem(
            str(path),
            "E800",
            msg("a plan is read from an .xlsx workbook (it has several sheets)"),
            msg("the workbook of `renstra template plan`"),
            msg("save it as Excel Workbook (.xlsx)"),
        )
        return None, [problem]
    reader = _Reader(path, first, last, provenance)
    plan = _Builder(reader).build()
    if reader.problems:
        return None, reader.problems
    return plan, []


KEYS = (
    ("Tujuan", "nomor"),
    ("Sasaran", "nomor"),
    ("Program", "kode"),
    ("Input", "id"),
    ("Indikator", "id"),
)
OWNERS = ("Tujuan", "Sasaran", "Program")


class _Builder:
    def __init__(self, reader: _Reader) -> None:
        self.r = reader
        self.sheets = {name: reader.sheet(name) for name in SHEETS}
        self.owners: dict[str, dict[str, Any]] = {}  # a number or code -> its entry
        self.owner_cells: dict[str, Cell] = {}

    def unknown(
        self, cell: Cell, what: str, known: list[str], hint: str, sheets: tuple[str, ...]
    ) -> None:
        """E833, unless `cell` names a row of `sheets` left out for a problem already
        reported (a broken row, or a sheet whose header is broken): one mistake, one
        diagnostic."""
        if not self.left_out(cell.text, sheets):
            self.r.unknown(cell, what, known, hint)

    def left_out(self, text: str, sheets: tuple[str, ...]) -> bool:
        if not self.r.problems:  # nothing reported yet: nothing can explain it
            return False
        return any(sheet in self.r.unreadable for sheet in sheets) or any(
            row.text(key) == text
            for sheet, key in KEYS
            if sheet in sheets
            for row in self.sheets[sheet]
        )

    def build(self) -> Plan:
        plan = Plan()
        plan.tujuan = self.tujuan()
        plan.programs = self.programs()
        plan.inputs = self.inputs()
        indicators = self.indicators(plan.inputs)
        plan.targets = self.targets(indicators)
        return plan

    def own(self, key: str, entry: dict[str, Any], cell: Cell) -> bool:
        if key in self.owners:
            self.r.duplicate(cell, msg("number or code"), self.owner_cells[key])
            return False
        self.owners[key], self.owner_cells[key] = entry, cell
        return True

    def row_entry(self, row: Row, kind: str, number: str) -> dict[str, Any]:
        return {
            "id": f"{kind}_{_slug(number)}",
            "number": number,
            "name": row.text("nama"),
            "valid_from": self.r.first,
            "valid_to": self.r.last,
            "source": self.r.provenance.row_source(row.cells["nama"]),
        }

    def number(self, row: Row) -> str | None:
        cell = row.cells["nomor"]
        if NUMBER.fullmatch(cell.text):
            return cell.text
        self.r.add(
            cell,
            "E831",
            msg("{text} is not a number of a tujuan or sasaran", text=repr(cell.text)),
            msg("digits or letters, parts joined by '.': 1, 2, 1.1, 1.2"),
            msg("write the number as the Renstra numbers it (e.g. 1.2)"),
        )
        return None

    def tujuan(self) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for row in self.sheets["Tujuan"]:
            if not self.r.required(row) or (number := self.number(row)) is None:
                continue
            entry = {**self.row_entry(row, "tujuan", number), "sasaran": []}
            if self.own(number, entry, row.cells["nomor"]):
                found[number] = entry
        for row in self.sheets["Sasaran"]:
            if not self.r.required(row) or (number := self.number(row)) is None:
                continue
            parent = found.get(row.text("tujuan"))
            if parent is None:
                self.unknown(
                    row.cells["tujuan"],
                    msg("tujuan"),
                    list(found),
                    msg("add it to Tujuan"),
                    ("Tujuan",),
                )
                continue
            entry = self.row_entry(row, "sasaran", number)
            if self.own(number, entry, row.cells["nomor"]):
                parent["sasaran"].append(entry)
        return list(found.values())

    def programs(self) -> list[dict[str, Any]]:
        rows: dict[str, list[tuple[Row, str, dict[str, Any]]]] = {
            "program": [],
            "kegiatan": [],
            "sub_kegiatan": [],
        }
        for row in self.sheets["Program"]:
            if not self.r.required(row):
                continue
            level = self.r.choice(row, "tingkat")
            code = self.code(row, level)
            if level is None or code is None:
                continue
            entry: dict[str, Any] = {
                "code": code,
                "name": row.text("nama"),
                "source": self.r.provenance.row_source(row.cells["nama"]),
            }
            if self.own(code, entry, row.cells["kode"]):
                rows[level].append((row, code, entry))
        sasaran = {s["number"]: s for t in self.owners.values() for s in t.get("sasaran", ())}
        programs: dict[str, dict[str, Any]] = {}
        for row, code, entry in rows["program"]:
            links = []
            for part in (p.strip() for p in row.text("induk").split(",")):
                if part in sasaran:
                    links.append(sasaran[part]["id"])
                else:
                    cell = Cell(row.cells["induk"].where, part)
                    self.unknown(
                        cell,
                        msg("sasaran"),
                        list(sasaran),
                        msg("a program's parent is a sasaran"),
                        ("Sasaran",),
                    )
            programs[code] = {**entry, "sasaran": links, "kegiatan": []}
            self.owners[code] = programs[code]
        kegiatan: dict[str, dict[str, Any]] = {}
        for row, code, entry in rows["kegiatan"]:
            parent = self.parent(row, code, programs, msg("program"))
            if parent is not None:
                kegiatan[code] = {**entry, "sub_kegiatan": []}
                self.owners[code] = kegiatan[code]
                parent["kegiatan"].append(kegiatan[code])
        for row, code, entry in rows["sub_kegiatan"]:
            parent = self.parent(row, code, kegiatan, msg("kegiatan"))
            if parent is not None:
                parent["sub_kegiatan"].append(entry)
        return [programs[code] for code in sorted(programs)]

    def code(self, row: Row, level: str | None) -> str | None:
        cell = row.cells["kode"]
        text = cell.text
        parts = CODE_PARTS.get(level or "")
        if CODE.fullmatch(text) and (parts is None or text.count(".") + 1 == parts):
            return text if level is not None else None
        example = CODE_EXAMPLES.get(level or "", "1.06.01")
        self.r.add(
            cell,
            "E831",
            msg(
                "{text} is not the code of a {level}",
                text=repr(text),
                level=row.text("tingkat") or msg("row"),
            ),
            msg("digits joined by '.', e.g. {example}", example=example),
            msg("type the code as text (a cell formatted as Text keeps 1.06.01)")
            if not CODE.fullmatch(text)
            else msg(
                "a {level} code has {parts} parts, like {example}",
                level=row.text("tingkat"),
                parts=parts,
                example=example,
            ),
        )
        return None

    def parent(
        self, row: Row, code: str, parents: dict[str, dict[str, Any]], what: str
    ) -> dict[str, Any] | None:
        cell = row.cells["induk"]
        parent = parents.get(cell.text)
        if parent is None:
            self.unknown(
                cell,
                what,
                list(parents),
                msg("add the {what} to Program first", what=what),
                ("Program",),
            )
            return None
        if not code.startswith(cell.text + "."):
            self.r.add(
                row.cells["kode"],
                "E842",
                msg(
                    "the code {code} does not start with its parent's code {parent}",
                    code=repr(code),
                    parent=repr(cell.text),
                ),
                msg("a code {parent}.…", parent=cell.text),
                msg("fix the code or the Kode Induk"),
            )
            return None
        return parent

    def inputs(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        self.ids: dict[str, Cell] = {}
        for row in self.sheets["Input"]:
            if not self.r.required(row):
                continue
            cell = row.cells["id"]
            unit = self.r.unit(row.cells["satuan"])
            if not self.r.identifier(cell) or unit is None or not self.new_id(cell):
                continue
            found.append({"id": cell.text, "label": row.text("nama"), "unit": unit})
        return found

    def new_id(self, cell: Cell) -> bool:
        if cell.text in self.ids:
            self.r.duplicate(cell, msg("ID"), self.ids[cell.text])
            return False
        self.ids[cell.text] = cell
        return True

    def indicators(self, inputs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        formulas: list[tuple[Row, dict[str, Any]]] = []
        for row in self.sheets["Indikator"]:
            if not self.r.required(row):
                continue
            cell = row.cells["id"]
            owner = self.owners.get(row.text("pemilik"))
            if owner is None:
                self.unknown(
                    row.cells["pemilik"],
                    msg("tujuan, sasaran, program, kegiatan or sub kegiatan"),
                    list(self.owners),
                    msg("write the number of a tujuan or sasaran, or the code of a program row"),
                    OWNERS,
                )
            unit = self.r.unit(row.cells["satuan"])
            polarity = self.r.choice(row, "polaritas")
            rollup = self.r.choice(row, "agregasi") if row.cells["agregasi"].text else None
            rule = self.r.choice(row, "akhir")
            named = self.r.identifier(cell) and self.new_id(cell)
            if owner is None or unit is None or None in (polarity, rule) or not named:
                continue
            if row.cells["agregasi"].text and rollup is None:
                continue
            assert rule is not None
            entry: dict[str, Any] = {
                "id": cell.text,
                "name": row.text("nama"),
                "unit": unit,
                "unit_printed": row.text("satuan"),
                "polarity": polarity,
                "end_of_period": {"rule": rule}
                if rule != "sum"
                else {"rule": "sum", "years": list(range(self.r.first, self.r.last + 1))},
            }
            if rollup is not None:
                entry["rollup"] = rollup
            owner.setdefault("indicators", []).append(entry)
            found[cell.text] = entry
            if row.cells["rumus"].text:
                formulas.append((row, entry))
        self.formulas(inputs, list(found.values()), formulas)
        return found

    def formulas(
        self,
        inputs: list[dict[str, Any]],
        indicators: list[dict[str, Any]],
        rows: list[tuple[Row, dict[str, Any]]],
    ) -> None:
        """Each formula through the engine's pipeline (parse, resolve, unit)."""
        from .. import declarations as decl
        from ..errors import FormulaError
        from ..pipeline import check_formula
        from ..resolve import SymbolTable
        from ..units import parse_unit

        table = SymbolTable.from_declarations(
            decl.Declarations(
                inputs=tuple(decl.Input(**i) for i in inputs),
                indicators=tuple(
                    decl.Indicator(id=i["id"], label=i["name"], unit=i["unit"], formula="0")
                    for i in indicators
                ),
            )
        )
        for row, entry in rows:
            cell = row.cells["rumus"]
            text = cell.text
            error: FormulaError | None
            try:
                checked = check_formula(text, table, parse_unit(entry["unit"]))
                error = checked.unit_error
            except FormulaError as raised:
                error = raised
            if error is not None:
                span = (error.span.start, error.span.end) if error.span else None
                name = text[span[0] : span[1]] if span else ""
                if error.code.startswith("E2") and self.left_out(name, ("Input", "Indikator")):
                    continue  # it names a row left out for its own problem
                self.r.add(
                    cell,
                    "E835",
                    msg(
                        "the formula does not check: {message} [{code}]",
                        message=error.message,
                        code=error.code,
                    ),
                    msg("a formula of the language over the IDs of Input and Indikator"),
                    error.hint,
                    span=span,
                )
                continue
            entry["formulas"] = [
                {
                    "valid_from": self.r.first,
                    "valid_to": self.r.last,
                    "printed": "",
                    "formula": text,
                }
            ]

    def targets(self, indicators: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        seen: dict[tuple[str, int], Cell] = {}
        for row in self.sheets["Target"]:
            if not self.r.required(row):
                continue
            kode, tahun, value = (row.cells[k] for k in ("indikator", "tahun", "target"))
            indicator = indicators.get(kode.text)
            if indicator is None:
                self.unknown(
                    kode,
                    msg("indicator ID"),
                    list(indicators),
                    msg("add it to Indikator"),
                    ("Indikator",),
                )
            year = self.year(tahun)
            number = self.target(value, indicator)
            if indicator is None or year is None or number is None:
                continue
            key = (kode.text, year)
            if key in seen:
                self.r.add(
                    kode,
                    "E832",
                    msg("a second target for {indicator} {year}", indicator=kode.text, year=year),
                    msg("one target per indicator and year"),
                    msg("the first is at {place}; delete one of them", place=_place(seen[key])),
                )
                continue
            seen[key] = kode
            found.append(
                {
                    "kind": "target_revision",
                    "indicator": kode.text,
                    "year": year,
                    "text": exact_indonesian(number),
                    "unit": indicator["unit"],
                    "source": self.r.provenance.record_source(value),
                }
            )
        return found

    def year(self, cell: Cell) -> int | None:
        value = cell.value
        year = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, float) and value.is_integer():
            year = int(value)
        if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
            year = int(value)
        if year is None or not self.r.first <= year <= self.r.last:
            self.r.add(
                cell,
                "E837",
                msg("{text} is not a year of the plan", text=repr(cell.text)),
                msg("a year from {first} to {last}", first=self.r.first, last=self.r.last),
                msg("the plan's period is the catalog's (renstra new --period)"),
            )
            return None
        return year

    def target(self, cell: Cell, indicator: dict[str, Any] | None) -> Fraction | None:
        number = read_number(cell.value)
        if not isinstance(number, Number):
            self.r.add(cell, number.code, number.message, FORMS, number.hint)
            return None
        unit = indicator["unit"] if indicator else None
        if number.percent and unit is not None and unit.strip() not in ("%", "persen"):
            self.r.add(
                cell,
                "E806",
                msg("a % sign on a target in {unit}", unit=repr(unit)),
                msg("a number of {unit}", unit=unit),
                msg("remove the % sign: the unit is the indicator's satuan"),
            )
            return None
        if unit is not None and unit.lower() in ("rp", "rupiah") and number.value.denominator != 1:
            self.r.add(
                cell,
                "E846",
                msg("a Rupiah target must be whole"),
                msg("a whole number of Rupiah"),
                msg("round it to the Rupiah as the plan states it"),
            )
            return None
        return number.value


# --- the import ---------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    files: tuple[Path, ...]
    counts: dict[str, int]


class PlanRejected(Exception):
    """The catalog made of the workbook does not check; `rendered` are its diagnostics,
    located in the catalog's own files."""

    code = "E843"

    def __init__(self, rendered: list[str]) -> None:
        super().__init__(f"{len(rendered)} problem(s)")
        self.rendered = rendered


def catalog_files(root: Path, plan: Plan) -> dict[Path, str]:
    """The files the import writes (renstra.yaml keeps its comments and layout)."""
    from ..catalog.updates import round_trip_yaml

    yaml = round_trip_yaml()

    def dumped(data: Any, header: str = "") -> str:
        out = io.StringIO()
        yaml.dump(data, out)
        return header + out.getvalue()

    plan_path = root / "renstra.yaml"
    data = yaml.load(plan_path.read_text(encoding="utf-8"))
    data["tujuan"] = plan.tujuan
    files = {plan_path: dumped(data)}
    for program in plan.programs:
        schema = "# yaml-language-server: $schema=../../docs/schema/program.schema.json\n"
        files[root / "programs" / f"{program['code']}.yaml"] = dumped(
            {"program": program},
            schema + "# Imported from a plan workbook (renstra import plan).\n",
        )
    if plan.inputs:
        files[root / "inputs" / "plan.yaml"] = dumped(
            {"inputs": plan.inputs}, "# Imported from a plan workbook (renstra import plan).\n"
        )
    if plan.targets:
        header = (
            "# The plan's targets, imported from a plan workbook (renstra import plan):\n"
            "# each record cites its workbook cell and the document the planner named.\n"
        )
        files[root / "updates.yaml"] = dumped({"records": plan.targets}, header)
    return files


def empty_catalog_problem(root: Path, has_tujuan: bool) -> CellProblem | None:
    """A problem when the catalog at `root` already holds a plan (the import adds one)."""
    from ..catalog.load import catalog_files as existing

    taken = [
        p for pattern in ("inputs/*", "programs/*", "updates") for p in existing(root, pattern)
    ]
    if taken or has_tujuan:
        return CellProblem(
            str(taken[0] if taken else root / "renstra.yaml"),
            "E845",
            msg("the catalog already holds tujuan, programs, inputs or later values"),
            msg("an empty catalog made by `renstra new`"),
            msg("import into a new catalog: renstra new DIR --agency ... --period ..."),
        )
    return None


def import_plan(root: Path, plan: Plan) -> Imported:
    """Write the plan into the catalog at `root` only if the catalog made of it loads and
    validates (PlanRejected otherwise, nothing written); each file atomically, and the
    files written before a failing write are put back."""
    from ..catalog.checked import CatalogRejected, load_checked
    from ..writing import write_atomically

    files = catalog_files(root, plan)
    with tempfile.TemporaryDirectory(prefix="renstra-plan-") as scratch:
        trial = Path(scratch) / "catalog"
        shutil.copytree(root, trial, ignore=shutil.ignore_patterns(".*"))
        for path, text in files.items():
            target = trial / path.relative_to(root)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        try:
            load_checked(trial)
        except CatalogRejected as rejected:
            raise PlanRejected(
                [d.render().replace(str(trial), str(root)) for d in rejected.diagnostics]
            ) from None
        finally:
            from ..catalog.load import load_catalog

            load_catalog(root)  # the catalog in use again (its declared units, bands)
    before = {path: path.read_bytes() if path.exists() else None for path in files}
    made = [d for d in dict.fromkeys(path.parent for path in files) if not d.exists()]
    written: list[Path] = []
    try:
        for folder in made:
            folder.mkdir(parents=True)
        for path, text in files.items():
            write_atomically(path, text)
            written.append(path)
    except OSError:
        for path in written:  # put back what was written, remove what was made
            old = before[path]
            if old is None:
                path.unlink(missing_ok=True)
            else:
                write_atomically(path, old)
        for folder in made:
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()
        raise
    return Imported(tuple(written), plan.counts)
