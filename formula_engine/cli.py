"""The `renstra` command line: a thin shell over the package's facade.

Every command prints results on stdout and diagnostics on stderr, and exits with one of
the codes of exit_codes.ExitCode. Option values are checked by the parameter types of
cli_params (a bad one is a usage error, exit 2); output files by cli_output (exit 5).
No traceback reaches the user: each cause is handled where it arises, and the group's
last-resort handler only turns a bug into a one-line "internal error".
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from .catalog import CatalogRejected, bundled_catalog_path, cache, load_checked
from .cli_output import OutputError, check_outputs
from .cli_params import Folder, LimitedFile
from .exit_codes import MEANINGS, ExitCode

if TYPE_CHECKING:
    from . import api
    from .catalog import Catalog

# The formula commands (parse, fmt, eval, equiv) live in cli_formulas, which needs the
# compiler (sympy): it is imported only when one of them runs, or for --help.
FORMULA_COMMANDS = ("parse", "fmt", "eval", "equiv")
SCALE_COMMANDS = ("batch", "export", "synth", "verify")  # cli_scale (DuckDB, pyarrow, pyspark)


class Renstra(click.Group):
    """The group, with the last-resort handler: an exception that no command turned into
    a diagnostic is a bug; it is shown as one line (never a traceback), exit 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *FORMULA_COMMANDS, *SCALE_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in FORMULA_COMMANDS:
            from . import cli_formulas

            commands = cli_formulas.FORMULA_COMMANDS
            return next(command for command in commands if command.name == cmd_name)
        if cmd_name in SCALE_COMMANDS:
            from . import cli_scale

            return cli_scale.COMMANDS[cmd_name]
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
    """A Renstra's indicators: parse, check, evaluate and compare formulas; audit and
    explain; enter revised targets and realisations with their sources, the capaian table,
    planners' workbooks; serve over HTTP and the web; batches of many catalogs.

    A FORMULA argument may start with '-' ("-a + b"); after '--' every argument is a
    formula, even one that starts with '--'.
    """
    cache.switch_off(no_cache)  # set on every invocation, so it does not outlive one


__all__ = ["main"]

from .cli_serve import serve_command  # noqa: E402 - the command needs the group above

main.add_command(serve_command)


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
    from . import api

    errors = warnings = 0
    for path in paths:
        if path.is_dir():
            found, accepted = api.check_catalog(path)
            _show_checked(path, found, accepted, verbose)
        else:
            found = api.check_formula_file(path)
            _show_checked(path, found, [], verbose)
        errors, warnings = errors + found.errors, warnings + found.warnings
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
    from . import api

    try:
        handle = api.load_catalog(directory)
    except CatalogRejected as rejected:
        _rejected(directory or bundled_catalog_path(), rejected)
    for title, counts in api.catalog_stats(handle).items():
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
        _rejected(directory, rejected)
    return catalog


def _rejected(directory: Path, rejected: CatalogRejected) -> NoReturn:
    for diagnostic in rejected.diagnostics:
        click.echo(diagnostic.render() + "\n", err=True)
    click.echo(f"{directory}: {rejected.message}", err=True)
    sys.exit(ExitCode.CATALOG_REJECTED)


def _show_checked(
    path: Path, found: api.CheckOut, accepted: list[api.DiagnosticOut], verbose: bool
) -> None:
    for diagnostic in found.diagnostics:
        click.echo(diagnostic.rendered + "\n", err=True)
    if verbose:
        for diagnostic in accepted:
            click.echo("accepted (the document's own): " + diagnostic.rendered + "\n", err=True)
    if accepted:
        click.echo(
            f"{path}: {len(accepted)} problem(s) of the document accepted by the "
            "catalog (see --verbose; the audit reports them)"
        )


from . import cli_audit  # noqa: E402, F401  (audit, explain, catalog list)
from .cli_data import COMMANDS as DATA_COMMANDS  # noqa: E402  (set, add, capaian)

for _command in DATA_COMMANDS:
    main.add_command(_command)

from .cli_excel import COMMANDS as EXCEL_COMMANDS  # noqa: E402  (template, import, new)

for _command in EXCEL_COMMANDS:
    main.add_command(_command)

from . import cli_plan  # noqa: E402, F401  (template plan, import plan: on the groups above)
