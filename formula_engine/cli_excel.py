"""`renstra template ...`, `renstra import ...`: the sheets planners fill in (Excel, CSV);
`renstra export xlsx|csv`: the Renstra's tables in the document's layout.

Registered on the group by cli.py (COMMANDS); the export commands join the `export`
group of cli_scale (beside `export parquet`). openpyxl is imported only when a command
reads or writes a workbook.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .catalog import bundled_catalog_path
from .cli_output import OutputError, check_outputs
from .cli_params import YEAR, Folder, source_options
from .cli_scale import export_group
from .exit_codes import ExitCode
from .i18n import DEFAULT_LANGUAGE, LANGUAGES

if TYPE_CHECKING:
    from .excel.export_files import Export

CATALOG_OPTION = click.option(
    "-c",
    "--catalog",
    "directory",
    type=Folder(),
    help="A catalog directory (default: the bundled catalog).",
)


@click.group("template")
def template_group() -> None:
    """Write a sheet a planner fills in (Excel .xlsx, or .csv by the file's name)."""


@template_group.command("realisasi")
@click.option("-y", "--year", type=YEAR, required=True, help="The year of the realisations.")
@click.option(
    "-q",
    "--quarter",
    type=click.IntRange(1, 4),
    help="A quarter (triwulan) 1-4: rows TW1..TW4; default: the whole year.",
)
@click.option("-o", "--output", required=True, metavar="FILE", help="The .xlsx (or .csv) to write.")
@CATALOG_OPTION
def template_realisasi_command(
    year: int, quarter: int | None, output: str, directory: Path | None
) -> None:
    """A sheet "Realisasi": one row per indicator for the year (or quarter), to fill in.

    Columns kode, indikator, satuan, tahun, periode, target, realisasi, sumber; the key
    columns are locked (sheet protection without a password), realisasi accepts numbers
    only, the header is frozen. Read it back with `renstra import realisasi`.
    """
    from .cli import _load_catalog_or_fail
    from .excel.realisasi import template_bytes, template_csv, template_rows

    path = _output(output)
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    plan = catalog.plan.plan
    if not plan.first_year <= year <= plan.last_year:
        raise click.BadParameter(
            f"{year} is not a year of the plan ({plan.first_year}-{plan.last_year})",
            param_hint="'--year'",
        )
    rows = template_rows(catalog, year, quarter)
    is_csv = path.suffix.lower() == ".csv"
    _write(path, template_csv(rows) if is_csv else template_bytes(rows))
    click.echo(f"{path}: {len(rows)} row(s) to fill in (sheet Realisasi)")


@click.group("import")
def import_group() -> None:
    """Read a sheet a planner filled in; nothing is imported unless the whole file is valid."""


@import_group.command("realisasi")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@source_options(
    "The document the values come from (e.g. 'Laporan TW1 2024').", "Who entered the values."
)
@click.option("--dry-run", is_flag=True, help="Check and list the values; change nothing.")
@CATALOG_OPTION
def import_realisasi_command(
    file: Path,
    document: str,
    date: str | None,
    entered_by: str | None,
    dry_run: bool,
    directory: Path | None,
) -> None:
    """Import the realisations of a filled-in template (.xlsx, or .csv with the same columns).

    Every bad cell is reported (FILE!Realisasi!G17, or FILE.csv:17:7) with what was
    expected and a hint; then nothing is imported (exit 1).
    """
    from .cli import _load_catalog_or_fail
    from .excel.realisasi import add_to_catalog, printed_codes, read_realisations

    day = _date(date)
    root = directory or bundled_catalog_path()
    catalog = _load_catalog_or_fail(root)
    found, problems = read_realisations(file, catalog)
    for problem in problems:
        click.echo(problem.render() + "\n", err=True)
    if problems:
        click.echo(f"{file}: {len(problems)} problem(s); nothing imported", err=True)
        sys.exit(ExitCode.FINDINGS)
    if not found:  # an unchanged template: no file is touched
        click.echo(f"{file}: nothing to import (no realisasi cell is filled in)")
        return
    codes = printed_codes(catalog)
    for item in found:
        period = item.period or "Tahun"
        kode = codes.get(item.indicator_id, "")
        click.echo(f"{item.where}: {kode} {item.year} {period}: {item.value_text}")
    if dry_run:
        click.echo(f"{file}: {len(found)} value(s) valid; nothing imported (--dry-run)")
        return
    from .catalog import CatalogRejected
    from .catalog.models import RecordSource

    source = RecordSource(document=document, date=day, entered_by=entered_by)
    try:
        add_to_catalog(root, found, source)
    except CatalogRejected as rejected:  # the catalog with these values does not check
        for diagnostic in rejected.diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        click.echo(f"{file}: {rejected.message}; nothing imported", err=True)
        sys.exit(ExitCode.CATALOG_REJECTED)
    click.echo(f"{file}: {len(found)} value(s) imported into {root}")


def _date(text: str | None) -> str:
    if text is None:
        return datetime.date.today().isoformat()
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a date (hint: write YYYY-MM-DD, e.g. 2024-04-15)",
            param_hint="'--date'",
        ) from None


def _output(text: str) -> Path:
    try:
        return check_outputs({"--output": text})["--output"]
    except OutputError as error:
        _cannot_write(error)


def _write(path: Path, content: str | bytes) -> None:
    from .writing import write_atomically

    try:
        write_atomically(path, content)
    except OSError as error:
        _cannot_write(OutputError("--output", str(path), getattr(error, "message", str(error))))


def _cannot_write(error: OutputError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.CANNOT_WRITE)


@click.command("new")
@click.argument("directory")
@click.option("--agency", required=True, help="The agency (OPD), e.g. 'Dinas Sosial Kota Blitar'.")
@click.option("--period", required=True, metavar="FIRST-LAST", help="The plan's years: 2025-2029.")
def new_command(directory: str, agency: str, period: str) -> None:
    """Start an empty catalog in DIRECTORY (new or empty) that `renstra check` accepts.

    Targets for every year of the period; the baseline is the year before.
    """
    from .catalog.new import MAX_AGENCY_CHARS, new_catalog, parse_period

    try:
        first, last = parse_period(period)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'--period'") from None
    name = " ".join(agency.split())
    if not name or len(name) > MAX_AGENCY_CHARS or not name.isprintable():
        raise click.BadParameter(
            f"the agency is a name of 1 to {MAX_AGENCY_CHARS} printable characters",
            param_hint="'--agency'",
        )
    try:
        folder = check_outputs({"DIRECTORY": directory}, folders=True)["DIRECTORY"]
    except OutputError as error:
        _cannot_write(error)
    try:
        written = new_catalog(folder, name, first, last)
    except FileExistsError:
        _cannot_write(OutputError("DIRECTORY", directory, "it exists and is not empty"))
    except OSError as error:
        _cannot_write(OutputError("DIRECTORY", directory, getattr(error, "message", str(error))))
    click.echo(f"{written}: a new catalog {first}-{last}; check it with: renstra check {directory}")


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The language of what is not the document's (notes, the sheet Nilai terkini).",
)


def _export(directory: Path | None, lang: str) -> Export:
    from .cli import _load_catalog_or_fail
    from .excel.export import ExportError
    from .excel.export_files import Export

    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    try:
        return Export.of(catalog, lang)
    except ExportError as error:
        click.echo(f"{error.location.where}: error[{error.code}]: {error.message}", err=True)
        click.echo(f"  hint: {error.hint}", err=True)
        sys.exit(ExitCode.CATALOG_REJECTED)


def _summary(export: Export) -> str:
    tables = ", ".join(table.sheet for table in export.tables)
    english = export.lang == "en"
    later = f"; {len(export.later)} {'later value(s)' if english else 'nilai terkini'}"
    return f"{len(export.tables)} {'table(s)' if english else 'tabel'} ({tables})" + (
        later if export.later else ""
    )


@export_group.command("xlsx")
@click.option("-o", "--output", required=True, metavar="FILE", help="The .xlsx to write.")
@CATALOG_OPTION
@LANG_OPTION
def export_xlsx_command(output: str, directory: Path | None, lang: str) -> None:
    """The Renstra's tables in the document's layout: a sheet per table.

    Tabel 4.1, 4.2, 6.1, 6.2, 6.3, 7.1-7.5 with the title, codes, names, indicators,
    satuan and the K and Rp columns as printed; numbers stay numbers (Rupiah as whole
    numbers, K with the printed decimals) in Excel number formats; header rows frozen;
    a Sumber note under each table. Values entered later (updates.yaml) are on their
    own sheet, "Nilai terkini"; no printed cell is overwritten.
    """
    path = _output(output)
    export = _export(directory, lang)
    _write(path, export.workbook())
    click.echo(f"{path}: {_summary(export)}")


@export_group.command("csv")
@click.option("-o", "--output", required=True, metavar="DIR", help="The folder to write into.")
@CATALOG_OPTION
@LANG_OPTION
def export_csv_command(output: str, directory: Path | None, lang: str) -> None:
    """The same tables as `export xlsx`, one CSV file per table (tabel_6_3.csv, ...).

    UTF-8 with a BOM, ';' between cells and ',' as the decimal mark (what an Indonesian
    Excel expects), one header row; every path is checked before any file is written.
    """
    try:
        folder = check_outputs({"--output": output}, folders=True)["--output"]
    except OutputError as error:
        _cannot_write(error)
    export = _export(directory, lang)
    files = export.csv_files()
    try:
        paths = check_outputs({name: str(folder / name) for name in files})
    except OutputError as error:
        _cannot_write(OutputError("--output", output, f"{error.option}: {error.reason}"))
    for name, content in files.items():
        _write(paths[name], content)
    files_word = "CSV file(s)" if lang == "en" else "file CSV"
    click.echo(f"{folder}: {_summary(export)}; {len(files)} {files_word}")


COMMANDS = (template_group, import_group, new_command)
