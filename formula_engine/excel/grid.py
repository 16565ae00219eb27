"""A sheet of a workbook, or a CSV file, as a grid of located cells.

Reading is bounded (file size, uncompressed size of a workbook, rows, columns) and
finds the structural mistakes of a sheet at once: no sheet of the expected name, formula
cells, merged cells, hidden columns or rows. The reader never evaluates a formula.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ..audit.messages import msg
from .diagnostics import CellProblem

MAX_FILE_BYTES = 10 * 1024 * 1024  # a workbook or CSV file as stored
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a workbook's parts once unzipped (a zip bomb stops)
MAX_ROWS = 20_000  # the catalog has a few hundred indicators; 4 periods each
MAX_COLUMNS = 50


@dataclass(frozen=True)
class Cell:
    where: str
    value: object  # None, str, int, float, bool, datetime (as the reader gives it)
    formula: bool = False

    @property
    def text(self) -> str:
        return "" if self.value is None else str(self.value).strip()


@dataclass
class Grid:
    name: str  # the file's name as given
    rows: list[list[Cell]]  # rows[0] is the header row
    row_numbers: list[int]  # the sheet's row number (or CSV line) of each row
    problems: list[CellProblem] = field(default_factory=list)
    hidden_columns: set[int] = field(default_factory=set)  # 0-based


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def read_grid(path: Path, sheet: str) -> Grid:
    """The sheet `sheet` of a workbook (.xlsx) or the CSV file at `path`."""
    name = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _broken(
                name,
                msg(
                    "the file has {size} bytes, over the limit of {limit}",
                    size=f"{size:,}",
                    limit=f"{MAX_FILE_BYTES:,}",
                ),
            )
        data = path.read_bytes()
    except OSError as error:
        return _broken(name, msg("cannot read the file: {reason}", reason=error.strerror or error))
    if path.suffix.lower() == ".csv":
        return _read_csv(name, data)
    return _read_xlsx(name, data, sheet)


def _broken(name: str, message: str, hint: str | None = None) -> Grid:
    problem = CellProblem(
        name,
        "E800",
        message,
        msg("an .xlsx workbook or a UTF-8 .csv file"),
        hint or msg("save the file again from the template (Excel: Save As, Excel Workbook)"),
    )
    return Grid(name, [], [], [problem])


def _read_csv(name: str, data: bytes) -> Grid:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return _broken(
            name,
            msg("the file is not UTF-8 text (byte {byte})", byte=error.start),
            msg("save as 'CSV UTF-8 (Comma delimited)'"),
        )
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","  # Excel in id-ID writes ;
    rows: list[list[Cell]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            line = reader.line_num
            if len(rows) >= MAX_ROWS or len(values) > MAX_COLUMNS:
                return _broken(
                    name,
                    msg(
                        "line {line}: over the limit of {rows} rows or {columns} columns",
                        line=line,
                        rows=MAX_ROWS,
                        columns=MAX_COLUMNS,
                    ),
                )
            if not any(v.strip() for v in values):
                continue
            rows.append(
                [
                    Cell(f"{name}:{line}:{i + 1}", v, v.lstrip().startswith("="))
                    for i, v in enumerate(values)
                ]
            )
            numbers.append(line)
    except csv.Error as error:
        return _broken(
            name, msg("line {line}: not CSV: {error}", line=reader.line_num, error=error)
        )
    grid = Grid(name, rows, numbers)
    grid.problems += [_formula(cell) for row in rows for cell in row if cell.formula]
    return grid


def _formula(cell: Cell) -> CellProblem:
    return CellProblem(
        cell.where,
        "E812",
        msg("the cell holds a formula"),
        msg("a value typed in"),
        msg("type the value itself (copy, then Paste Special > Values)"),
        str(cell.value),
    )


def _read_xlsx(name: str, data: bytes, sheet: str) -> Grid:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        return _broken(name, msg("the file is not an .xlsx workbook (not a zip archive)"))
    if unpacked > MAX_UNPACKED_BYTES:
        return _broken(
            name,
            msg(
                "the workbook unpacks to {size} bytes, over {limit}",
                size=f"{unpacked:,}",
                limit=f"{MAX_UNPACKED_BYTES:,}",
            ),
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        return _broken(name, msg("the workbook cannot be read ({kind})", kind=type(error).__name__))
    if sheet not in book.sheetnames:
        near = next((s for s in book.sheetnames if s.strip().lower() == sheet.lower()), None)
        hint = (
            msg("rename the sheet {near} to {sheet}", near=repr(near), sheet=repr(sheet))
            if near
            else msg(
                "the template's sheet is named {sheet}; rename yours (sheets: {sheets})",
                sheet=repr(sheet),
                sheets=", ".join(repr(s) for s in book.sheetnames),
            )
        )
        problem = CellProblem(
            name,
            "E801",
            msg("no sheet named {sheet}", sheet=repr(sheet)),
            msg("a sheet {sheet}", sheet=repr(sheet)),
            hint,
        )
        return Grid(name, [], [], [problem])
    work = book[sheet]
    prefix = f"{name}!{sheet}!"
    if work.max_row > MAX_ROWS or work.max_column > MAX_COLUMNS:
        return _broken(
            name,
            msg(
                "the sheet has {rows} rows and {columns} columns, "
                "over the limit of {max_rows} rows or {max_columns} columns",
                rows=work.max_row,
                columns=work.max_column,
                max_rows=MAX_ROWS,
                max_columns=MAX_COLUMNS,
            ),
        )
    grid = Grid(name, [], [])
    for merged in work.merged_cells.ranges:
        grid.problems.append(
            CellProblem(
                f"{prefix}{merged.coord.split(':')[0]}",
                "E813",
                msg("merged cells {cells}", cells=merged.coord),
                msg("one value in each cell"),
                msg("unmerge the cells (Home > Merge & Center > Unmerge)"),
            )
        )
    for dimension in work.column_dimensions.values():
        if dimension.hidden:
            low, high = dimension.min or 1, dimension.max or 1
            grid.hidden_columns.update(range(low - 1, min(high, MAX_COLUMNS)))
    for values in work.iter_rows():
        number = (values[0].row or 0) if values else 0
        cells = [Cell(f"{prefix}{c.coordinate}", c.value, c.data_type == "f") for c in values]
        if not any(c.text for c in cells):
            continue
        if work.row_dimensions[number].hidden:
            grid.problems.append(
                CellProblem(
                    f"{prefix}A{number}",
                    "E803",
                    msg("row {row} is hidden", row=number),
                    msg("every row visible"),
                    msg(
                        "unhide it (select the rows around it, right-click > Unhide), or delete it"
                    ),
                )
            )
        grid.rows.append(cells)
        grid.row_numbers.append(number)
        grid.problems += [_formula(c) for c in cells if c.formula]
    return grid
