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
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO, NoReturn

import click

from .audit import AuditReport, run_audit
from .audit.html import render_html
from .audit.report import render_json, render_markdown, render_summary
from .catalog import Catalog, bundled_catalog_path, load_catalog, validate
from .catalog.schema import write_schemas
from .catalog.stats import catalog_stats
from .check import check_file
from .cli_output import OutputError, check_outputs, write_outputs
from .cli_params import (
    DECIMALS,
    YEAR,
    Folder,
    FormulaCommand,
    GivenValue,
    InputValue,
    LimitedFile,
    Source,
    Subject,
    TextFile,
    UnitOf,
    UnreadableInput,
    decode,
    read_bounded,
)
from .declarations import Declarations, Plan
from .equivalence import TRIALS, equivalence
from .errors import FormulaError, Location
from .exit_codes import MEANINGS, ExitCode
from .explain import explain
from .loader import load_yaml
from .model import Model, ad_hoc_declarations
from .nodes import Reference, to_dict
from .parser import parse
from .printer import to_text


class Renstra(click.Group):
    """The group, with the last-resort handler: an exception that no command turned into
    a diagnostic is a bug; it is shown as one line (never a traceback), exit 1."""

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
def main() -> None:
    """A Renstra's indicators: parse, check, evaluate and compare formulas; audit and explain.

    A FORMULA argument may start with '-' ("-a + b"); after '--' every argument is a
    formula, even one that starts with '--'.
    """


@main.command("parse", cls=FormulaCommand)
@click.argument("formula")
@click.option("--json", "as_json", is_flag=True, help="Print the AST with source spans as JSON.")
def parse_command(formula: str, as_json: bool) -> None:
    """Parse FORMULA and print it in canonical form (or its AST with --json)."""
    try:
        tree = parse(formula)
    except FormulaError as error:
        _fail(error.with_source(formula, Location("<argument>")))
    if as_json:
        click.echo(json.dumps({"canonical": to_text(tree), "ast": to_dict(tree)}, indent=2))
    else:
        click.echo(to_text(tree))


@main.command("fmt", cls=FormulaCommand)
@click.argument("sources", nargs=-1)
@click.option(
    "--check",
    is_flag=True,
    help="Print nothing; exit 1 if a formula is not already in canonical form.",
)
@click.option(
    "-f",
    "--file",
    "files",
    multiple=True,
    type=TextFile(),
    help="Read formulas from FILE, one per line ('#' starts a comment line); UTF-8, at most 1 MiB.",
)
def fmt_command(sources: tuple[str, ...], check: bool, files: tuple[Source, ...]) -> None:
    """Print each formula in canonical form.

    Formulas come from the SOURCES arguments, from --file, or else from stdin, one per
    line. Blank lines and lines starting with '#' are passed through unchanged.
    """
    failures = 0
    for location, line in _formula_lines(sources, files):
        if not line.strip() or line.lstrip().startswith("#"):
            if not check:
                click.echo(line)
            continue
        try:
            canonical = to_text(parse(line))
        except FormulaError as error:
            failures += 1
            click.echo(error.with_source(line, location).render(), err=True)
            continue
        if check and canonical != line:
            failures += 1
            click.echo(f"{location.where}:{location.line}: not canonical: {canonical}", err=True)
        elif not check:
            click.echo(canonical)
    if failures:
        sys.exit(ExitCode.FINDINGS)


def _formula_lines(
    sources: tuple[str, ...], files: tuple[Source, ...]
) -> Iterator[tuple[Location, str]]:
    for index, source in enumerate(sources, start=1):
        yield Location(f"<argument {index}>"), source
    for file in files or (() if sources else (_stdin(),)):
        yield from _numbered(file.where, file.text.splitlines())


def _stdin() -> Source:
    try:
        return Source("<stdin>", decode("<stdin>", read_bounded("<stdin>", _binary_stdin())))
    except UnreadableInput as error:
        raise click.UsageError(str(error)) from None


def _binary_stdin() -> BinaryIO:
    return sys.stdin.buffer


def _numbered(where: str, lines: Iterable[str]) -> Iterator[tuple[Location, str]]:
    for number, line in enumerate(lines, start=1):
        yield Location(where, line=number), line


def _fail(error: FormulaError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.FINDINGS)


DECLARATIONS_HELP = "A formula file declaring the inputs (ids, labels, units) and indicators"


@main.command("eval", cls=FormulaCommand)
@click.argument("formula")
@click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    type=InputValue(),
    help='A value of an input: jumlah_pmks=1009@2022, or "Jumlah PMKS=1009@2022"; '
    "@awal for the baseline; no @ means the --year. VALUE: 16.24, -3, 4_489_798_475 or "
    "1/3 (ASCII digits). Repeat for each value; each name and year once.",
)
@click.option("-y", "--year", type=YEAR, required=True, help="The year n to compute (1900-2200).")
@click.option(
    "-u",
    "--unit",
    "units",
    multiple=True,
    type=UnitOf(),
    help="The unit of an input (default: dimensionless), e.g. jumlah_pmks=orang.",
)
@click.option(
    "-d", "--declarations", type=LimitedFile(), help=f"{DECLARATIONS_HELP} (at most 1 MiB)."
)
@click.option(
    "--decimals", type=DECIMALS, default=None, help="Decimals of the rounded value (0-12)."
)
@click.option(
    "--first-year", type=YEAR, default=None, help="First year of the plan period (1900-2200)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_command(
    formula: str,
    inputs: tuple[GivenValue, ...],
    year: int,
    units: tuple[tuple[str, str], ...],
    declarations: Path | None,
    decimals: int | None,
    first_year: int | None,
    as_json: bool,
) -> None:
    """Evaluate FORMULA exactly for --year with the given input values.

    Prints the rounded value with its unit, the exact value and the Indonesian
    presentation. Exit 3 (with the reason) when the value is not computable: a missing
    value or a zero denominator is never turned into 0.
    """
    _check_eval_options(year, first_year, units, declarations)
    try:
        model = _model_for(formula, units, declarations, first_year)
        compiled = model.compile(formula)
        values = _values(inputs, year, model)
        result = compiled.evaluate(values, year, decimals)
    except FormulaError as error:
        _fail(error if error.source else error.with_source(formula, Location("<argument>")))
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif result.status == "ok":
        click.echo(f"{result.rounded} {_unit_suffix(result.unit)}".rstrip())
        click.echo(f"  exact:   {result.value}")
        if result.display:
            click.echo(f"  display: {result.display} (half-up, {result.decimals} decimals)")
    else:
        click.echo(f"not computable: {result.reason}", err=True)
        sys.exit(ExitCode.NOT_COMPUTABLE)


def _unit_suffix(unit: str) -> str:
    return "" if unit == "1" else unit


def _check_eval_options(
    year: int,
    first_year: int | None,
    units: tuple[tuple[str, str], ...],
    declarations: Path | None,
) -> None:
    if first_year is not None and year < first_year:
        raise click.BadParameter(
            f"{year} is before --first-year {first_year} (hint: compute a year of the plan "
            "period, from its first year on)",
            param_hint="'-y' / '--year'",
        )
    if units and declarations is not None:
        raise click.UsageError(
            "--unit and --declarations cannot be combined: the file declares the units "
            "(hint: give the units in the file, or leave out --declarations)"
        )
    _once(((f"the unit of {name}", f"{name}={unit}") for name, unit in units), "'-u' / '--unit'")


def _once(given: Iterable[tuple[str, str]], option: str) -> None:
    """A usage error naming both when two (what, as typed) give the same thing."""
    seen: dict[str, str] = {}
    for what, text in given:
        earlier = seen.setdefault(what, text)
        if earlier is not text:
            raise click.BadParameter(
                f"{earlier!r} and {text!r} both give {what} (hint: give it once)",
                param_hint=option,
            )


def _model_for(
    formula: str,
    units: tuple[tuple[str, str], ...],
    declarations: Path | None,
    first_year: int | None,
) -> Model:
    plan = Plan(first_year=first_year, last_year=max(first_year, 2026)) if first_year else Plan()
    if declarations is not None:
        loaded = load_declarations(declarations)
        return Model(loaded.model_copy(update={"plan": plan}) if first_year else loaded)
    return Model(ad_hoc_declarations(formula, dict(units), plan))


def _values(
    given: tuple[GivenValue, ...], year: int, model: Model
) -> dict[str, dict[int | str, Fraction]]:
    """The --input values by name and year; the same input (by id, label or alias) and
    year given twice is a usage error naming both."""

    def what(item: GivenValue) -> str:
        symbol = model.table.lookup(Reference(item.name, quoted=item.name not in model.table.by_id))
        when = year if item.year is None else item.year
        return f"the value of {symbol.id if symbol else item.name} for {when}"

    _once(((what(item), item.text) for item in given), "'-i' / '--input'")
    values: dict[str, dict[int | str, Fraction]] = {}
    for item in given:
        values.setdefault(item.name, {})[year if item.year is None else item.year] = item.value
    return values


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
        for diagnostic in check_file(path):
            click.echo(diagnostic.render() + "\n", err=True)
            errors += diagnostic.severity == "error"
            warnings += diagnostic.severity == "warning"
    click.echo(f"{len(paths)} path(s) checked: {errors} error(s), {warnings} warning(s)")
    if errors or (strict and warnings):
        sys.exit(ExitCode.FINDINGS)


@main.command("equiv", cls=FormulaCommand)
@click.argument("left")
@click.argument("right")
@click.option(
    "-d",
    "--declarations",
    type=LimitedFile(),
    help=f"{DECLARATIONS_HELP} (at most 1 MiB); otherwise inputs are dimensionless and "
    "nonnegative.",
)
def equiv_command(left: str, right: str, declarations: Path | None) -> None:
    """Say whether formulas LEFT and RIGHT are the same function of their inputs.

    Exit 0 when equivalent, 1 when not (with a counterexample), 3 when not proven.
    """
    try:
        verdict = equivalence(left, right, _equiv_declarations(left, right, declarations))
    except FormulaError as error:
        where = left if error.source is None and _fails(left) else right
        _fail(error if error.source else error.with_source(where, Location("<argument>")))
    if not verdict.units_agree:
        click.echo(f"note: the units differ: {verdict.left_unit} and {verdict.right_unit}")
    if verdict.status == "equivalent":
        click.echo(
            "equivalent: the two formulas are the same function of their inputs "
            "(where both are defined)"
        )
        return
    if verdict.status == "not_proven":
        click.echo(
            "not proven: sympy could not show the formulas equal, and no "
            f"counterexample was found in {TRIALS} trials per year"
        )
        sys.exit(ExitCode.NOT_COMPUTABLE)
    example = verdict.counterexample
    assert example is not None
    click.echo(f"not equivalent: they differ in year {example.year} for these inputs:")
    for label, years in example.inputs.items():
        shown = ", ".join(f"{value}@{key}" for key, value in years.items())
        click.echo(f"  {label} = {shown}")
    click.echo(f"  left:  {left}\n         = {example.left}")
    click.echo(f"  right: {right}\n         = {example.right}")
    sys.exit(ExitCode.FINDINGS)


def _fails(text: str) -> bool:
    try:
        parse(text)
    except FormulaError:
        return True
    return False


def _equiv_declarations(left: str, right: str, path: Path | None) -> Declarations:
    if path is not None:
        return load_declarations(path)
    inputs = {}
    for text in (left, right):
        for declared in ad_hoc_declarations(text).inputs:
            inputs[declared.id] = declared.model_copy(update={"domain": "nonnegative"})
    return Declarations(inputs=tuple(inputs.values()))


def load_declarations(path: Path) -> Declarations:
    """A formula file's declarations, or a located LoadError."""
    diagnostics = [d for d in check_file(path) if d.severity == "error"]
    if diagnostics:
        raise diagnostics[0].error
    return Declarations.model_validate(load_yaml(path).data)


@main.group("catalog")
def catalog_group() -> None:
    """The bundled catalog of the Renstra (or another catalog directory)."""


@catalog_group.command("stats")
@click.argument("directory", required=False, type=Folder())
def catalog_stats_command(directory: Path | None) -> None:
    """Counts by level, by table and by kind of formula."""
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path(), ExitCode.CATALOG_REJECTED)
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
    try:
        return write_schemas(folder)
    except OSError as error:
        raise OutputError("DIRECTORY", str(folder), error.strerror or str(error)) from None


def _cannot_write(error: OutputError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.CANNOT_WRITE)


def _load_catalog_or_fail(directory: Path, exit_code: int = 1) -> Catalog:
    catalog, diagnostics = load_catalog(directory)
    for diagnostic in diagnostics:
        click.echo(diagnostic.render() + "\n", err=True)
    if catalog is None:
        click.echo(f"{directory}: not loaded ({len(diagnostics)} error(s))", err=True)
        sys.exit(exit_code)
    return catalog


def _check_catalog(directory: Path, verbose: bool) -> tuple[int, int]:
    catalog, diagnostics = load_catalog(directory)
    if catalog is None:
        for diagnostic in diagnostics:
            click.echo(diagnostic.render() + "\n", err=True)
        return len(diagnostics), 0
    report = validate(catalog)
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
    when there are findings (unless --no-fail), 4 when the catalog does not load, 5
    when a report cannot be written (then none is written).
    """
    to_stdout = json_path == "-"
    files = {"--markdown": markdown, "--html": html, "--json": None if to_stdout else json_path}
    try:
        paths = check_outputs(files, stdout_option="--json")
    except OutputError as error:
        _cannot_write(error)
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path(), ExitCode.CATALOG_REJECTED)
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
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path(), ExitCode.CATALOG_REJECTED)
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
