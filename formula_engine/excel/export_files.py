"""Writing the exported tables (excel/export.py): the workbook, a sheet per table, and
the CSV files, one per table.

Input: `ExportTable`s and the later values' rows. Output: bytes, written by the command
atomically. Number cells keep their Excel number formats; no text becomes a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .export import (
    LATER_COLUMNS,
    LATER_SHEET,
    WORDS,
    Cell,
    Column,
    ExportTable,
    Value,
    export_tables,
)
from .export_catalog import later_rows, plan_table

if TYPE_CHECKING:
    from ..catalog import Catalog


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
        tables = export_tables(catalog, lang) or [plan_table(catalog, lang)]
        return cls(tables, later_rows(catalog, lang), lang)

    def workbook(self) -> bytes:
        return workbook_bytes(self.tables, self.later, self.lang)

    def csv_files(self) -> dict[str, bytes]:
        """File name -> content: tabel_6_3.csv, ..., and nilai_terkini.csv."""
        files = {table.csv_name: csv_bytes(table) for table in self.tables}
        if self.later:
            files[LATER_CSV] = later_csv_bytes(self.later, self.lang)
        return files
