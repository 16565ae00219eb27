"""The planners' commands: `renstra set target|realisasi`, `add indicator`, `capaian`.

`set` appends a record with its source to the catalog's updates.yaml (catalog/updates.py):
the whole catalog is checked with the change before anything is written; on any error
every file stays as it was and the located diagnostics are printed (exit 4). `capaian`
prints the evaluation table of a year (and quarter), and writes it as CSV, JSON or XLSX.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, get_args

import click

from .catalog import CatalogRejected, bundled_catalog_path, load_checked
from .catalog.models import Polarity, RecordSource, Rollup
from .cli_output import OutputError, check_outputs, write_outputs
from .cli_params import YEAR, Folder, source_options
from .exit_codes import ExitCode
from .numbers import parse_indonesian
from .writing import WriteError, write_atomically

_PERIOD = re.compile(
    r"^(?P<year>[0-9]{4})(?:-?(?:Q|TW)(?P<quarter>[1-4])|-M?(?P<month>[0-9]{1,2}))?$", re.ASCII
)
_CATALOG = click.option(
    "-c",
    "--catalog",
    "directory",
    type=Folder(),
    help="A catalog directory (default: the bundled catalog).",
)


_source_options = source_options(
    'The document the value comes from ("Renja 2025", "LKjIP 2024"; "entry" for a value typed in).',
    "Who entered the value.",
    "The source's date (default: today).",
    reference=True,
)


def _source(
    document: str, date: str | None, entered_by: str | None, reference: str | None
) -> RecordSource:
    from pydantic import ValidationError

    try:
        return RecordSource(
            document=document,
            date=date or datetime.date.today().isoformat(),
            entered_by=entered_by,
            reference=reference,
        )
    except ValidationError as invalid:
        problem = invalid.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else "source"
        option = {"document": "--source", "entered_by": "--by"}.get(field, f"--{field}")
        raise click.UsageError(f"{option}: {problem['msg']} (hint: a date is YYYY-MM-DD)") from None


def _rejected(rejected: CatalogRejected) -> NoReturn:
    for diagnostic in rejected.diagnostics:
        click.echo(diagnostic.render() + "\n", err=True)
    click.echo(f"{rejected.message}; no file was changed", err=True)
    sys.exit(ExitCode.CATALOG_REJECTED)


def _cannot_write(error: WriteError | OutputError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.CANNOT_WRITE)


@click.group("set")
def set_group() -> None:
    """Enter a later value (a revised target, a realisation) with its source."""


@set_group.command("target")
@click.argument("indicator")
@click.argument("year", type=YEAR)
@click.argument("value")
@_CATALOG
@_source_options
def set_target_command(indicator: str, year: int, value: str, **given: Any) -> None:
    """Revise INDICATOR's target of YEAR to VALUE (Indonesian notation: 12,5).

    The printed target stays; the revision is a record of updates.yaml with its source.
    """
    from .catalog.updates import set_target

    root, source = _root_and_source(**given)
    path = _written(lambda: set_target(root, indicator, year, value, source))
    click.echo(f"{path}: target {year} of {indicator} is {value} ({source.document})")


@set_group.command("realisasi")
@click.argument("indicator")
@click.argument("period", metavar="YEAR[Q]")
@click.argument("value")
@_CATALOG
@_source_options
def set_realisasi_command(indicator: str, period: str, value: str, **given: Any) -> None:
    """Enter INDICATOR's realisation of a year (2024), a quarter (2024Q3, 2024-TW3) or a
    month (2024-07), as VALUE (Indonesian notation: 12,5)."""
    from .catalog.updates import add_realisations

    year, when = parse_period(period)
    root, source = _root_and_source(**given)
    path = _written(lambda: add_realisations(root, [(indicator, year, when, value)], source))
    click.echo(f"{path}: realisation {period} of {indicator} is {value} ({source.document})")


def _root_and_source(
    directory: Path | None,
    document: str,
    date: str | None,
    entered_by: str | None,
    reference: str | None,
) -> tuple[Path, RecordSource]:
    return directory or bundled_catalog_path(), _source(document, date, entered_by, reference)


def _written(write: Callable[[], Path]) -> Path:
    """The file `write` wrote; its located errors (exit 4) or a write error (exit 5)."""
    try:
        return write()
    except CatalogRejected as rejected:
        _rejected(rejected)
    except WriteError as error:
        _cannot_write(error)


def parse_period(text: str) -> tuple[int, str | int | None]:
    """'2024' -> (2024, None); '2024Q3', '2024-TW3' -> (2024, 'TW3'); '2024-07' -> (2024, 7)."""
    match = _PERIOD.match(text.strip().upper())
    month = int(match["month"]) if match and match["month"] else None
    if match is None or not 1900 <= int(match["year"]) <= 2200 or not 1 <= (month or 1) <= 12:
        raise click.BadParameter(
            f"{text!r} is not a year, quarter or month (hint: 2024, 2024Q3, 2024-TW3 or 2024-07)",
            param_hint="YEAR[Q]",
        )
    quarter = f"TW{match['quarter']}" if match["quarter"] else None
    return int(match["year"]), quarter or month


@click.group("add")
def add_group() -> None:
    """Add an entry to the catalog."""


@add_group.command("indicator")
@click.argument("code")
@click.option("--id", "indicator_id", required=True, help="The new indicator's id (snake_case).")
@click.option("--name", required=True, help="The indicator's name, as the plan writes it.")
@click.option("--satuan", required=True, help="Its unit (Satuan): %, orang, dokumen, Rp, ...")
@click.option("--formula", required=True, help="Its formula, in the formula language.")
@click.option(
    "--polarity",
    type=click.Choice(get_args(Polarity)),
    default="higher_is_better",
    show_default=True,
    help="The achievement rule.",
)
@click.option(
    "--rollup", type=click.Choice(get_args(Rollup)), help="Periods -> year (default by unit)."
)
@click.option(
    "--end-of-period",
    type=click.Choice(["last_year", "sum", "not_printed"]),
    default="last_year",
    show_default=True,
    help="The end-of-period rule.",
)
@_CATALOG
def add_indicator_command(
    code: str,
    indicator_id: str,
    name: str,
    satuan: str,
    formula: str,
    polarity: str,
    rollup: str | None,
    end_of_period: str,
    directory: Path | None,
) -> None:
    """Add an indicator to the program, kegiatan or sub kegiatan CODE, its formula valid
    for the whole plan. The catalog is checked with it before anything is written."""
    from .catalog.updates import add_indicator

    root = directory or bundled_catalog_path()
    try:
        catalog, _ = load_checked(root)
        plan = catalog.plan.plan
        entry: dict[str, object] = {"id": indicator_id, "name": name, "unit": satuan}
        entry |= {"polarity": polarity, "end_of_period": {"rule": end_of_period}}
        if rollup:
            entry["rollup"] = rollup
        entry["formulas"] = [
            {
                "valid_from": plan.first_year,
                "valid_to": plan.last_year,
                "printed": "",
                "formula": formula,
            }
        ]
    except CatalogRejected as rejected:
        _rejected(rejected)
    path = _written(lambda: add_indicator(root, code, entry))
    click.echo(f"{path}: indicator {indicator_id} added to {code}")


HEADERS = {
    "id": (
        "Kode",
        "Indikator",
        "Satuan",
        "Target",
        "Realisasi",
        "Capaian (%)",
        "Predikat",
        "Keterangan",
    ),
    "en": (
        "Code",
        "Indicator",
        "Unit",
        "Target",
        "Realisation",
        "Achievement (%)",
        "Grade",
        "Note",
    ),
}


@click.command("capaian")
@click.option("-y", "--year", type=YEAR, required=True, help="The year, 1900-2200.")
@click.option("-q", "--quarter", type=click.IntRange(1, 4), help="Up to this quarter (1-4).")
@click.option("--csv", "csv_path", metavar="FILE", help="Write the table as CSV.")
@click.option("--json", "json_path", metavar="FILE", help="Write the table as JSON.")
@click.option("--xlsx", "xlsx_path", metavar="FILE", help="Write the table as an Excel sheet.")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", help="Language.")
@_CATALOG
def capaian_command(
    year: int,
    quarter: int | None,
    csv_path: str | None,
    json_path: str | None,
    xlsx_path: str | None,
    lang: str,
    directory: Path | None,
) -> None:
    """The evaluation table of YEAR: each indicator's target, realisation, capaian (%)
    and predikat (Permendagri 86/2017), or why it cannot be computed."""
    from .capaian import capaian_table, display_rows

    try:
        paths = check_outputs({"--csv": csv_path, "--json": json_path, "--xlsx": xlsx_path})
    except OutputError as error:
        _cannot_write(error)
    try:
        catalog, _ = load_checked(directory or bundled_catalog_path())
    except CatalogRejected as rejected:
        _rejected(rejected)
    table = capaian_table(catalog, year, quarter)
    rows = display_rows(table, lang)
    headers = HEADERS[lang]
    outputs: dict[str, tuple[Path, str]] = {}
    if "--csv" in paths:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerows([headers, *rows])
        outputs["--csv"] = (paths["--csv"], buffer.getvalue())
    if "--json" in paths:
        outputs["--json"] = (paths["--json"], table.model_dump_json(indent=2) + "\n")
    try:
        write_outputs(outputs)
        if "--xlsx" in paths:
            _write_xlsx(paths["--xlsx"], headers, rows, year, quarter)
    except OutputError as error:
        _cannot_write(error)
    except WriteError as error:
        _cannot_write(error)
    when = f"{year}" + (f" TW{quarter}" if quarter else "")
    title = "Capaian kinerja" if lang == "id" else "Performance achievement"
    click.echo(f"{title} {when}\n")
    click.echo(_aligned(headers, rows))


def _aligned(headers: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    shown = [
        tuple(cell if len(cell) <= 60 else cell[:57] + "..." for cell in row)
        for row in [headers, *rows]
    ]
    widths = [max(len(row[i]) for row in shown) for i in range(len(headers))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in shown
    )


def _write_xlsx(
    path: Path,
    headers: tuple[str, ...],
    rows: Sequence[tuple[str, ...]],
    year: int,
    quarter: int | None,
) -> None:
    """A plain sheet, header row frozen: the capaian a number cell (rounded half-up to two
    decimals, shown with Excel's number format), the other cells as text, as printed."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Capaian {year}" + (f" TW{quarter}" if quarter else "")
    sheet.append(list(headers))
    for number, row in enumerate(rows, start=2):
        sheet.append(list(row))
        if row[5] != "-":  # the capaian is a number cell, shown with two decimals
            cell = sheet.cell(number, 6)
            cell.value = float(parse_indonesian(row[5]))
            cell.number_format = "#,##0.00"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    write_atomically(path, buffer.getvalue())


COMMANDS = (set_group, add_group, capaian_command)
