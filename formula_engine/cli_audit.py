"""The audit's commands: `renstra audit`, `renstra explain`, `renstra catalog list`.

Registered on cli.main (and its catalog group) when cli is imported. The reports are in
Indonesian unless --lang en; the catalog is checked first (exit 4 when rejected).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .catalog import bundled_catalog_path
from .cli import _cannot_write, _load_catalog_or_fail, catalog_group, main
from .cli_output import OutputError, check_outputs, write_outputs
from .cli_params import YEAR, Folder, Subject
from .errors import FormulaError
from .exit_codes import ExitCode
from .i18n import DEFAULT_LANGUAGE, LANGUAGES

if TYPE_CHECKING:
    from .audit import AuditReport
    from .catalog import Catalog

# as explain.catalog_entries names them
KINDS = ("tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan", "indicator", "budget_line")

lang_option = click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default=DEFAULT_LANGUAGE,
    show_default=True,
    help="The language of the report: id (Bahasa Indonesia) or en (English).",
)


@main.command("audit")
@click.argument("directory", required=False, type=Folder())
@click.option("--markdown", metavar="FILE", help="Write the full report as Markdown to this file.")
@click.option(
    "--html",
    metavar="FILE",
    help="Write the full report as a self-contained HTML page (with charts).",
)
@click.option(
    "--json",
    "json_path",
    metavar="FILE",
    help="Write every figure as JSON to this file ('-' for stdout).",
)
@click.option("--no-fail", is_flag=True, help="Exit 0 even when there are findings.")
@lang_option
def audit_command(
    directory: Path | None,
    markdown: str | None,
    html: str | None,
    json_path: str | None,
    no_fail: bool,
    lang: str,
) -> None:
    """Recompute every derived figure the Renstra prints and report what does not hold.

    DIRECTORY is a catalog (default: the bundled catalog). Prints a summary that fits
    the terminal; exits 1 when there are findings (unless --no-fail), 4 when the catalog
    does not check, 5 when a report cannot be written (then none is written).
    """
    import shutil

    from .audit import run_audit
    from .audit.report import render_json, render_summary

    to_stdout = json_path == "-"
    files = {"--markdown": markdown, "--html": html, "--json": None if to_stdout else json_path}
    try:
        paths = check_outputs(files, stdout_option="--json")
    except OutputError as error:
        _cannot_write(error)
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    report = run_audit(catalog)
    width = shutil.get_terminal_size().columns
    summary = render_json(report) if to_stdout else render_summary(report, lang, width)
    click.echo(summary, nl=False)
    try:
        write_outputs(
            {
                option: (path, _render(option, report, catalog, lang))
                for option, path in paths.items()
            }
        )
    except OutputError as error:
        _cannot_write(error)
    if report.findings and not no_fail:
        sys.exit(ExitCode.FINDINGS)


def _render(option: str, report: AuditReport, catalog: Catalog, lang: str) -> str:
    from .audit.html import render_html
    from .audit.report import render_json, render_markdown

    if option == "--markdown":
        return render_markdown(report, lang)
    if option == "--html":
        return render_html(report, catalog, lang)
    return render_json(report)


@main.command("explain")
@click.argument("subject", type=Subject())
@click.option(
    "-y", "--year", type=YEAR, help="The year to explain, 1900-2200 (default: every year)."
)
@click.option(
    "--end-of-period",
    is_flag=True,
    help="Explain the end-of-period value (Kondisi Kinerja pada Akhir Periode).",
)
@click.option(
    "-c",
    "--catalog",
    "directory",
    type=Folder(),
    help="A catalog directory (default: the bundled catalog).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@lang_option
def explain_command(
    subject: str,
    year: int | None,
    end_of_period: bool,
    directory: Path | None,
    as_json: bool,
    lang: str,
) -> None:
    """Show how a value was computed: SUBJECT is anything an audit finding names.

    An indicator id or name, a row code (program, kegiatan, sub kegiatan), a tujuan or
    sasaran id, or a budget line of BAB II (renstra catalog list shows them all). Shows
    the formula (ours and as printed), the printed values with their seed lines, and
    every figure the audit computed: inputs, rule, steps, value and verdict.
    """
    from .audit import run_audit
    from .explain import explain

    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    try:
        explanation = explain(catalog, run_audit(catalog), subject, year, end_of_period, lang)
    except FormulaError as error:
        click.echo(
            f"error[{error.code}]: {error.message}"
            + (f"\n  hint: {error.hint}" if error.hint else ""),
            err=True,
        )
        sys.exit(ExitCode.FINDINGS)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(explanation.render(), nl=False)


@catalog_group.command("list")
@click.argument("directory", required=False, type=Folder())
@click.option("--kind", type=click.Choice(KINDS), help="Only entries of this kind.")
def catalog_list_command(directory: Path | None, kind: str | None) -> None:
    """List what explain can explain: kind, id (or code) and the printed name."""
    from .explain import catalog_entries

    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    for entry in catalog_entries(catalog, kind):
        click.echo(f"{entry.kind:<12} {entry.id:<60} {entry.name}")
