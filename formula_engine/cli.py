"""The `renstra` command line: a thin shell over the package's facade.

Every command prints results on stdout and diagnostics on stderr, and exits with one of
the codes of exit_codes.ExitCode. Option values are checked by the parameter types of
cli_params (a bad one is a usage error, exit 2); output files by cli_output (exit 5).
No traceback reaches the user: each cause is handled where it arises, and the group's
last-resort handler only turns a bug into a one-line "internal error".
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .catalog import CatalogRejected, bundled_catalog_path, cache, load_catalog, load_checked
from .catalog.checked import checked_report
from .cli_output import OutputError, check_outputs, write_outputs
from .cli_params import YEAR, Folder, LimitedFile, Subject
from .errors import FormulaError
from .exit_codes import MEANINGS, ExitCode

if TYPE_CHECKING:
    from .audit import AuditReport
    from .catalog import Catalog

# The formula commands (parse, fmt, eval, equiv) live in cli_formulas, which needs the
# compiler (sympy): it is imported only when one of them runs, or for --help.
FORMULA_COMMANDS = ("parse", "fmt", "eval", "equiv")


class Renstra(click.Group):
    """The group, with the last-resort handler: an exception that no command turned into
    a diagnostic is a bug; it is shown as one line (never a traceback), exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *FORMULA_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in FORMULA_COMMANDS:
            from . import cli_formulas

            commands = cli_formulas.FORMULA_COMMANDS
            return next(command for command in commands if command.name == cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:  # the safety net: see the docstring
            first_line = (str(error).splitlines() or [""])[0][:200]
            click.echo(
                f"renstra: internal error ({type(error).__name__}: {first_line}); this is "
                "a bug: please report it with the command line that caused it",
                err=True,
            )
            ctx.exit(ExitCode.FINDINGS)


EPILOG = "\b\nExit codes:\n" + "\n".join(
    f"  {int(code)}  {meaning}" for code, meaning in MEANINGS.items()
)


@click.group(cls=Renstra, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EPILOG)
@click.version_option(package_name="formula-engine")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Parse the catalog from its files, without the cache (as RENSTRA_CACHE=0).",
)
def main(no_cache: bool) -> None:
    """A Renstra's indicators: parse, check, evaluate and compare formulas; audit and explain.

    A FORMULA argument may start with '-' ("-a + b"); after '--' every argument is a
    formula, even one that starts with '--'.
    """
    cache.switch_off(no_cache)  # set on every invocation, so it does not outlive one


__all__ = ["main"]


@main.command("check")
@click.argument("paths", nargs=-1, required=True, type=LimitedFile(dir_okay=True))
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
@click.option("-v", "--verbose", is_flag=True, help="Also list the problems a catalog accepts.")
def check_command(paths: tuple[Path, ...], strict: bool, verbose: bool) -> None:
    """Check formula files, or catalog directories, and report every problem at once.

    A file is a formula file (plan, inputs, indicators); a directory is a catalog
    (renstra.yaml, inputs/, programs/, history.yaml). Schema, codes and parents, names,
    units, symbolic checks; each problem with file, entry, line and column.
    """
    errors = warnings = 0
    for path in paths:
        if path.is_dir():
            found_errors, found_warnings = _check_catalog(path, verbose)
            errors, warnings = errors + found_errors, warnings + found_warnings
            continue
        from .formula_file import check_file  # the symbolic checks (sympy): for formula files

        for diagnostic in check_file(path):
            click.echo(diagnostic.render() + "\n", err=True)
            errors += diagnostic.severity == "error"
            warnings += diagnostic.severity == "warning"
    click.echo(f"{len(paths)} path(s) checked: {errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        sys.exit(ExitCode.FINDINGS)


@main.group("catalog")
def catalog_group() -> None:
    """The bundled catalog of the Renstra (or another catalog directory)."""


@catalog_group.command("stats")
@click.argument("directory", required=False, type=Folder())
def catalog_stats_command(directory: Path | None) -> None:
    """Counts by level, by table and by kind of formula."""
    from .catalog.stats import catalog_stats

    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    for title, counts in catalog_stats(catalog).items():
        click.echo(f"{title}:")
        for name, count in sorted(counts.items()):
            click.echo(f"  {name:<40} {count:>6}")


@catalog_group.command("schema")
@click.argument("directory")
def catalog_schema_command(directory: str) -> None:
    """Write the JSON Schema of each catalog file kind into DIRECTORY."""
    try:
        folder = check_outputs({"DIRECTORY": directory}, folders=True)["DIRECTORY"]
        written = _schemas(folder)
    except OutputError as error:
        _cannot_write(error)
    for name, path in written.items():
        click.echo(f"{name}: {path}")


def _schemas(folder: Path) -> dict[str, Path]:
    from .catalog.schema import write_schemas

    try:
        return write_schemas(folder)
    except OSError as error:
        raise OutputError("DIRECTORY", str(folder), error.strerror or str(error)) from None


def _cannot_write(error: OutputError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.CANNOT_WRITE)


def _load_catalog_or_fail(directory: Path) -> Catalog:
    """The catalog, checked as `renstra check` checks it; else its errors and exit 4."""
    try:
        catalog, _ = load_checked(directory)
    except CatalogRejected as rejected:
        for diagnostic in rejected.diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        click.echo(f"{directory}: {rejected.message}", err=True)
        sys.exit(ExitCode.CATALOG_REJECTED)
    return catalog


def _check_catalog(directory: Path, verbose: bool) -> tuple[int, int]:
    catalog, diagnostics = load_catalog(directory)
    if catalog is None:
        for diagnostic in diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        return len(diagnostics), 0
    report = checked_report(catalog)
    for diagnostic in report.diagnostics:
        click.echo(diagnostic.render() + "\n", err=True)
    if verbose:
        for diagnostic in report.accepted:
            click.echo("accepted (the document's own): " + diagnostic.render() + "\n", err=True)
    if report.accepted:
        click.echo(
            f"{directory}: {len(report.accepted)} problem(s) of the document accepted by the "
            "catalog (see --verbose; the audit reports them)"
        )
    return len(report.errors), len(report.warnings)


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
def audit_command(
    directory: Path | None,
    markdown: str | None,
    html: str | None,
    json_path: str | None,
    no_fail: bool,
) -> None:
    """Recompute every derived figure the Renstra prints and report what does not hold.

    DIRECTORY is a catalog (default: the bundled catalog). Prints a summary; exits 1
    when there are findings (unless --no-fail), 4 when the catalog does not check, 5
    when a report cannot be written (then none is written).
    """
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
    click.echo(render_json(report) if to_stdout else render_summary(report), nl=False)
    try:
        write_outputs(
            {option: (path, _render(option, report, catalog)) for option, path in paths.items()}
        )
    except OutputError as error:
        _cannot_write(error)
    if report.findings and not no_fail:
        sys.exit(ExitCode.FINDINGS)


def _render(option: str, report: AuditReport, catalog: Catalog) -> str:
    from .audit.html import render_html
    from .audit.report import render_json, render_markdown

    if option == "--markdown":
        return render_markdown(report)
    if option == "--html":
        return render_html(report, catalog)
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
def explain_command(
    subject: str, year: int | None, end_of_period: bool, directory: Path | None, as_json: bool
) -> None:
    """Show how a value was computed: SUBJECT is an indicator id (or name) or a code.

    For an indicator: the formula (ours and as printed), the printed values with their
    seed lines, the achievement (rule, steps, rounding, band) and every audited figure.
    For a program, kegiatan or sub kegiatan: its budget rollup and end-of-period sum.
    """
    from .audit import run_audit
    from .explain import explain

    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    try:
        explanation = explain(catalog, run_audit(catalog), subject, year, end_of_period)
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


from .cli_excel import COMMANDS as _EXCEL_COMMANDS  # noqa: E402 (the Excel commands)

for _command in _EXCEL_COMMANDS:
    main.add_command(_command)
