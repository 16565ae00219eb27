"""The sheet "Realisasi": a template a planner fills in, and its import.

One row per indicator and period (the year, or a quarter TW1-TW4), columns
kode, indikator, satuan, tahun, periode, target, realisasi, sumber, id. `kode` is the
code the document prints for the indicator's row ("1.06.01.2.01.0001", or "Tujuan 1",
"Sasaran 2" for the indicators of a tujuan or sasaran), which several indicators may
share; `id`, hidden and locked, names the catalog's indicator for the import. The key
columns (every one but realisasi and sumber) are locked; the import checks that they
still say what the catalog says. A row's `sumber` goes into its record's source (the
reference of the document given with --source). The import reports every bad cell at
once and returns records only for a file without problems (all or nothing).
"""

from __future__ import annotations

import difflib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..audit.messages import msg
from ..catalog.printed import read_printed
from .cells import FORMS, Number, exact_indonesian, read_number
from .diagnostics import CellProblem
from .grid import Cell, Grid, column_letter, read_grid

if TYPE_CHECKING:
    from ..catalog import Catalog
    from ..catalog.models import IndicatorEntry, RecordSource
    from ..catalog.updates import Value

SHEET = "Realisasi"
COLUMNS = (
    "kode",
    "indikator",
    "satuan",
    "tahun",
    "periode",
    "target",
    "realisasi",
    "sumber",
    "id",
)
KEYS = ("kode", "indikator", "satuan", "tahun", "periode", "target", "id")  # locked
HIDDEN = ("id",)  # the catalog's indicator id: for the import, not for the planner
QUARTERS = ("TW1", "TW2", "TW3", "TW4")
YEAR_PERIOD = "Tahun"  # the row of the whole year
MAX_SOURCE_CHARS = 500
WIDTHS = {"kode": 20, "indikator": 60, "satuan": 12, "tahun": 8, "periode": 9, "sumber": 30}


@dataclass(frozen=True)
class TemplateRow:
    kode: str  # the code the document prints for the indicator's row
    indikator: str
    satuan: str
    tahun: int
    periode: str
    target: Fraction | str | None  # the printed target: a number, or the text ("-")
    id: str  # the indicator's id in the catalog (the hidden column)


@dataclass(frozen=True)
class Realisation:
    """A validated row: what add_realisations takes, and where it came from."""

    indicator_id: str
    year: int
    period: str | None  # TW1..TW4, or None for the year
    value_text: str  # exact, in Indonesian notation: "1.234,5"
    where: str  # the realisasi cell
    sumber: str

    def record(self) -> tuple[str, int, str | None, str]:
        return (self.indicator_id, self.year, self.period, self.value_text)


def printed_codes(catalog: Catalog) -> dict[str, str]:
    """indicator id -> the code the document prints for its row: the row's code, or
    "Tujuan 1" / "Sasaran 2" (Tabel 6.x print "Tujuan 1 :" before a tujuan's name)."""
    from ..catalog.models import Sasaran, Tujuan

    codes = {}
    for row in catalog.rows():
        entry = row.entry
        if isinstance(entry, Tujuan):
            code = f"Tujuan {entry.number}"
        elif isinstance(entry, Sasaran):
            code = f"Sasaran {entry.number}"
        else:
            code = entry.code
        for indicator in entry.indicators:
            codes[indicator.id] = code
    return codes


def _satuan(indicator: IndicatorEntry) -> str:
    return indicator.unit_printed or indicator.unit


def _target(indicator: IndicatorEntry, year: int, catalog: Catalog) -> Fraction | str | None:
    for value in indicator.values:
        if value.kind == "target" and value.year == year:
            reading = read_printed(value.intended or value.text)
            return reading.value if reading.value is not None else value.text
    entered = _entered_targets(catalog, indicator, year)  # a plan imported from a workbook
    if entered:
        return entered[-1].value if entered[-1].value is not None else entered[-1].text
    return None


def _entered_targets(catalog: Catalog, indicator: IndicatorEntry, year: int) -> list[Value]:
    from ..catalog.updates import targets

    return [v for v in targets(catalog, indicator, year) if not v.printed]


def _active(indicator: IndicatorEntry, year: int, catalog: Catalog) -> bool:
    return (
        any(v.valid_from <= year <= v.valid_to for v in indicator.formulas)
        or any(v.year == year for v in indicator.values)
        or bool(_entered_targets(catalog, indicator, year))
    )


def template_rows(catalog: Catalog, year: int, quarter: int | None) -> list[TemplateRow]:
    """The rows of the template: every indicator of the plan active in `year`."""
    period = QUARTERS[quarter - 1] if quarter else YEAR_PERIOD
    codes = printed_codes(catalog)
    return [
        TemplateRow(
            codes.get(located.entry.id, located.owner),
            located.entry.name,
            _satuan(located.entry),
            year,
            period,
            _target(located.entry, year, catalog),
            located.entry.id,
        )
        for located in catalog.indicators()
        if _active(located.entry, year, catalog)
    ]


def _is_share(satuan: str) -> bool:
    return satuan.strip() == "%"


def number_format(satuan: str) -> str:
    """Excel's format: shown with the reader's separators (1.234,5 in an Indonesian Excel)."""
    return "#,##0.00" if _is_share(satuan) or satuan.lower() == "indeks" else "#,##0.##"


def template_bytes(rows: list[TemplateRow]) -> bytes:
    """The workbook: sheet "Realisasi", frozen header, key columns locked (sheet
    protection without a password), realisasi validated as a number >= 0."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    for row in rows:
        target = float(row.target) if isinstance(row.target, Fraction) else row.target
        sheet.append(
            [
                row.kode,
                row.indikator,
                row.satuan,
                row.tahun,
                row.periode,
                target,
                None,
                None,
                row.id,
            ]
        )
        for cell in sheet[sheet.max_row]:  # a catalog text is text, even one starting "="
            if isinstance(cell.value, str):
                cell.data_type = "s"
    last = len(rows) + 1
    for index, row in enumerate(rows, start=2):
        sheet.cell(index, 6).number_format = number_format(row.satuan)
        for column in (7, 8):
            sheet.cell(index, column).protection = Protection(locked=False)
        sheet.cell(index, 7).number_format = number_format(row.satuan)
    validation = DataValidation(
        type="decimal",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Bukan angka",
        error="Isikan angka realisasi (0 atau lebih), misalnya 1.234,5",
    )
    validation.add(f"G2:G{max(last, 2)}")
    sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True  # no password: it guards the key columns against slips
    sheet.protection.formatColumns = False  # widths may change
    for index, name in enumerate(COLUMNS):
        sheet.column_dimensions[column_letter(index)].width = WIDTHS.get(name, 16)
        sheet.column_dimensions[column_letter(index)].hidden = name in HIDDEN
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def template_csv(rows: list[TemplateRow]) -> str:
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        target = row.target
        shown = exact_or_text(target)
        writer.writerow(
            [row.kode, row.indikator, row.satuan, row.tahun, row.periode, shown, "", "", row.id]
        )
    return buffer.getvalue()


def exact_or_text(value: Fraction | str | None) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else exact_indonesian(value)


# --- the import ---------------------------------------------------------------------


class _Checker:
    def __init__(self, catalog: Catalog, grid: Grid) -> None:
        self.grid = grid
        self.catalog = catalog
        self.problems: list[CellProblem] = list(grid.problems)
        self.indicators = {located.entry.id: located.entry for located in catalog.indicators()}
        plan = catalog.plan.plan
        self.first, self.last = plan.first_year, plan.last_year
        self.columns: dict[str, int] = {}
        self.codes = printed_codes(catalog)

    def add(
        self, cell: Cell | str, code: str, message: str, expected: str, hint: str, text: bool = True
    ) -> None:
        where = cell if isinstance(cell, str) else cell.where
        shown = cell.text if isinstance(cell, Cell) and text else None
        self.problems.append(CellProblem(where, code, message, expected, hint, shown or None))

    def header(self) -> bool:
        grid = self.grid
        if not grid.rows:
            if not self.problems:
                self.add(
                    grid.name,
                    "E802",
                    msg("the sheet is empty: no header row"),
                    msg("a header row: {columns}", columns=", ".join(COLUMNS)),
                    msg("start from `renstra template realisasi`"),
                )
            return False
        names = [c.text.lower() for c in grid.rows[0]]
        for index, cell in enumerate(grid.rows[0]):
            name = names[index]
            if name in COLUMNS and name not in self.columns:
                self.columns[name] = index
                if index in grid.hidden_columns and name not in HIDDEN:
                    self.add(
                        cell,
                        "E803",
                        msg("the column {name} is hidden", name=repr(name)),
                        msg("every column visible"),
                        msg("unhide it (select the columns around it, right-click > Unhide)"),
                    )
            elif name:
                self.add(
                    cell,
                    "E803",
                    msg("an extra column {name}", name=repr(cell.text)),
                    msg("only the columns {columns}", columns=", ".join(COLUMNS)),
                    msg("delete the column; notes belong in 'sumber'")
                    if name not in COLUMNS
                    else msg("the column {name} is there twice", name=repr(name)),
                )
        for name in COLUMNS:
            if name not in self.columns:
                near = difflib.get_close_matches(name, [n for n in names if n], 1, 0.6)
                first = grid.rows[0][0]
                where = (
                    first.where.rsplit("!", 1)[0] + "!1"
                    if "!" in first.where
                    else (first.where.rsplit(":", 1)[0])
                )
                self.add(
                    where,
                    "E802",
                    msg("the header has no column {name}", name=repr(name)),
                    msg("the header row: {columns}", columns=", ".join(COLUMNS)),
                    _missing_hint(name, near),
                )
        for row in grid.rows[1:]:  # data cells under no header
            for position, cell in enumerate(row):
                headless = position >= len(names) or not names[position]
                if headless and cell.text:
                    self.add(
                        cell,
                        "E803",
                        msg("a value in a column without a header"),
                        msg("values only under the columns {columns}", columns=", ".join(COLUMNS)),
                        msg("delete it, or move it into 'sumber'"),
                    )
        return all(name in self.columns for name in COLUMNS)

    def cell(self, row: list[Cell], name: str) -> Cell:
        index = self.columns[name]
        if index < len(row):
            return row[index]
        first = row[0].where
        if "!" in first:
            where = f"{first.rsplit('!', 1)[0]}!{column_letter(index)}{_row_of(first)}"
        else:
            where = f"{first.rsplit(':', 1)[0]}:{index + 1}"
        return Cell(where, None)

    def rows(self) -> Iterator[Realisation]:
        seen: dict[tuple[str, int, str], str] = {}
        for row in self.grid.rows[1:]:
            found = self.row(row)
            if found is None:
                continue
            key = (found.indicator_id, found.year, found.period or YEAR_PERIOD)
            kode = self.cell(row, "kode")
            if key in seen:
                self.add(
                    kode,
                    "E811",
                    msg(
                        "a second row for {code} {name} {year} {period}",
                        code=self.codes.get(key[0], key[0]),
                        name=repr(self.indicators[key[0]].name),
                        year=key[1],
                        period=key[2],
                    ),
                    msg("one row per indicator and period"),
                    msg("the first is at {where}; delete one of them", where=seen[key]),
                )
                continue
            seen[key] = kode.where
            yield found

    def row(self, row: list[Cell]) -> Realisation | None:
        before = len(self.problems)
        ident, kode = self.cell(row, "id"), self.cell(row, "kode")
        tahun, periode = self.cell(row, "tahun"), self.cell(row, "periode")
        value, sumber = self.cell(row, "realisasi"), self.cell(row, "sumber")
        for cell, what in (
            (kode, msg("the indicator's kode")),
            (ident, msg("the indicator's id (the hidden column)")),
            (tahun, msg("the year")),
            (periode, msg("the period")),
        ):
            if not cell.text:
                self.add(
                    cell,
                    "E815",
                    msg("the required cell {what} is empty", what=what),
                    what,
                    msg("copy the row again from the template"),
                    text=False,
                )
        indicator = self.indicator(ident) if ident.text else None
        year = self.year(tahun) if tahun.text else None
        period = self.period(periode) if periode.text else None
        if indicator is not None:
            self.keys(row, indicator, year)
        if len(sumber.text) > MAX_SOURCE_CHARS:
            self.add(
                sumber,
                "E816",
                msg("'sumber' has {count} characters", count=len(sumber.text)),
                msg("at most {count}", count=MAX_SOURCE_CHARS),
                msg("name the document briefly"),
                text=False,
            )
        if not value.text:
            if sumber.text:
                self.add(
                    value,
                    "E815",
                    msg("'sumber' is filled but 'realisasi' is empty"),
                    msg("the realisation the source gives"),
                    msg("type the value, or clear 'sumber'"),
                    text=False,
                )
            return None
        if value.formula:  # reported with the sheet's problems
            return None
        number = self.value(value, indicator)
        if len(self.problems) > before or number is None or indicator is None:
            return None
        assert year is not None and period is not None
        return Realisation(
            indicator.id,
            year,
            None if period == YEAR_PERIOD else period,
            exact_indonesian(number),
            value.where,
            sumber.text,
        )

    def indicator(self, cell: Cell) -> IndicatorEntry | None:
        indicator = self.indicators.get(cell.text)
        if indicator is None:
            near = difflib.get_close_matches(cell.text, list(self.indicators), 1, 0.6)
            self.add(
                cell,
                "E808",
                msg("no indicator of the catalog has the id {id}", id=repr(cell.text)),
                msg("an id of the template (its hidden last column)"),
                msg("did you mean {name}?", name=repr(near[0]))
                if near
                else msg("copy the row from the template"),
            )
        return indicator

    def year(self, cell: Cell) -> int | None:
        value = cell.value
        year = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdecimal() and value.strip().isascii():
            year = int(value)
        if isinstance(value, float) and value.is_integer():
            year = int(value)
        if year is None or not self.first <= year <= self.last:
            self.add(
                cell,
                "E809",
                msg("{text} is not a year of the plan", text=repr(cell.text)),
                msg("a year from {first} to {last}", first=self.first, last=self.last),
                msg("make a template for that year: renstra template realisasi --year YEAR"),
            )
            return None
        return year

    def period(self, cell: Cell) -> str | None:
        text = cell.text.upper().replace(" ", "")
        if text in QUARTERS:
            return text
        if text == YEAR_PERIOD.upper():
            return YEAR_PERIOD
        self.add(
            cell,
            "E810",
            msg("{text} is not a period", text=repr(cell.text)),
            msg("TW1, TW2, TW3, TW4 (a quarter) or {year} (the whole year)", year=YEAR_PERIOD),
            msg("write TW1 for the first quarter (triwulan), not Q1 or I"),
        )
        return None

    def keys(self, row: list[Cell], indicator: IndicatorEntry, year: int | None) -> None:
        expected: dict[str, str] = {
            "kode": self.codes.get(indicator.id, ""),
            "indikator": indicator.name,
            "satuan": _satuan(indicator),
        }
        for name, wanted in expected.items():
            cell = self.cell(row, name)
            if name == "kode" and not cell.text:
                continue  # reported as an empty required cell
            if " ".join(cell.text.split()) != " ".join(wanted.split()):
                self.add(
                    cell,
                    "E814",
                    msg("the key column {name} was changed", name=repr(name)),
                    msg("{wanted}, as the catalog says for this row", wanted=repr(wanted)),
                    msg(
                        "key columns are locked: undo the change, or copy the row again "
                        "from the template"
                    ),
                )
        if year is None:
            return
        cell = self.cell(row, "target")
        wanted_target = _target(indicator, year, self.catalog)
        if isinstance(wanted_target, Fraction):
            number = read_number(cell.value) if cell.text else None
            same = cell.text == exact_indonesian(wanted_target) or (
                isinstance(number, Number)
                and abs(number.value - wanted_target) < Fraction(1, 10**9)
            )  # the workbook stores the target as Excel's float; a CSV as the template wrote it
        else:
            same = cell.text == (wanted_target or "")
        if not same:
            self.add(
                cell,
                "E814",
                msg("the key column 'target' was changed"),
                msg(
                    "{target}, the catalog's target for {year}",
                    target=exact_or_text(wanted_target) or msg("an empty cell"),
                    year=year,
                ),
                msg("the target is the plan's: undo the change"),
            )

    def value(self, cell: Cell, indicator: IndicatorEntry | None) -> Fraction | None:
        number = read_number(cell.value)
        if not isinstance(number, Number):
            self.add(cell, number.code, number.message, FORMS, number.hint)
            return None
        satuan = _satuan(indicator) if indicator else ""
        if number.percent and indicator is not None and not _is_share(satuan):
            self.add(
                cell,
                "E806",
                msg("a % sign on a value in {unit}", unit=repr(satuan)),
                msg("a number of {unit}", unit=satuan),
                msg("remove the % sign: the unit is the row's satuan"),
            )
            return None
        if number.value < 0:
            self.add(
                cell,
                "E807",
                msg("a negative realisation"),
                msg("a value of 0 or more ({unit})", unit=satuan or msg("the row satuan")),
                msg("a count or a share cannot be below 0: check the sign"),
            )
            return None
        return number.value


def _missing_hint(name: str, near: list[str]) -> str:
    if name in HIDDEN:
        return msg(
            "the hidden column {name} is the template's last column; a template made "
            "before it existed has none: make a new one (renstra template realisasi) "
            "and copy the realisasi values into it",
            name=repr(name),
        )
    if near:
        return msg("rename {near} back to {name}", near=repr(near[0]), name=repr(name))
    return msg("copy the header row from the template")


def _row_of(where: str) -> str:
    return "".join(ch for ch in where.rsplit("!", 1)[1] if ch.isdigit())


def read_realisations(path: Path, catalog: Catalog) -> tuple[list[Realisation], list[CellProblem]]:
    """Every realisation of the file, and every problem; records only if there are none."""
    grid = read_grid(path, SHEET)
    checker = _Checker(catalog, grid)
    if not checker.header():
        return [], checker.problems
    found = list(checker.rows())
    if checker.problems:
        return [], checker.problems
    return found, []


def add_to_catalog(root: Path, realisations: list[Realisation], source: RecordSource) -> Path:
    """Store the realisations, all or nothing, with their source (each row's `sumber`
    as the source's reference), through the catalog's updates
    (`catalog.updates.add_realisations`); the file written."""
    from ..catalog.updates import add_realisations

    references = [r.sumber or None for r in realisations]
    return add_realisations(root, [r.record() for r in realisations], source, references)
