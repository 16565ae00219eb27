"""The `renstra` command line: a thin shell over the package's facade.

Every command prints results on stdout and diagnostics on stderr, and exits non-zero
when there was an error. No traceback reaches the user for bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import click

from .audit import run_audit
from .audit.html import render_html
from .audit.report import render_json, render_markdown, render_summary
from .catalog import (
    Catalog,
    CatalogRejected,
    bundled_catalog_path,
    load_catalog,
    load_checked,
    validate,
)
from .catalog.schema import write_schemas
from .catalog.stats import catalog_stats
from .check import check_file
from .declarations import Declarations, Plan
from .equivalence import TRIALS, equivalence
from .errors import FormulaError, Location
from .exit_codes import ExitCode
from .explain import explain
from .loader import load_yaml
from .model import Model, ad_hoc_declarations
from .nodes import to_dict
from .numbers import parse_plain
from .parser import parse
from .printer import to_text
from .writing import write_atomically


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formula-engine")
def main() -> None:
    """A Renstra's indicators: parse, check, evaluate and compare formulas; audit and explain."""


# Formulas may start with '-' ("-a + b"): such arguments are formulas, not options.
FORMULA_ARGUMENTS = {"ignore_unknown_options": True}


@main.command("parse", context_settings=FORMULA_ARGUMENTS)
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


@main.command("fmt", context_settings=FORMULA_ARGUMENTS)
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
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read formulas from FILE, one per line ('#' starts a comment line).",
)
def fmt_command(sources: tuple[str, ...], check: bool, files: tuple[Path, ...]) -> None:
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
        sys.exit(1)


def _formula_lines(
    sources: tuple[str, ...], files: tuple[Path, ...]
) -> Iterator[tuple[Location, str]]:
    for index, source in enumerate(sources, start=1):
        yield Location(f"<argument {index}>"), source
    for path in files:
        yield from _numbered(str(path), path.read_text(encoding="utf-8").splitlines())
    if not sources and not files:
        yield from _numbered("<stdin>", (line.rstrip("\n") for line in sys.stdin))


def _numbered(where: str, lines: Iterable[str]) -> Iterator[tuple[Location, str]]:
    for number, line in enumerate(lines, start=1):
        yield Location(where, line=number), line


def _fail(error: FormulaError) -> None:
    click.echo(error.render(), err=True)
    sys.exit(1)


@main.command("eval", context_settings=FORMULA_ARGUMENTS)
@click.argument("formula")
@click.option(
    "-i",
    "--input",
    "inputs",
    multiple=True,
    metavar="NAME=VALUE[@YEAR]",
    help='A value of an input: jumlah_pmks=1009@2022, or "Jumlah PMKS=1009@2022"; '
    "@awal for the baseline; no @ means the --year. Repeat for each value.",
)
@click.option("-y", "--year", type=int, required=True, help="The year n to compute.")
@click.option(
    "-u",
    "--unit",
    "units",
    multiple=True,
    metavar="NAME=UNIT",
    help="The unit of an input (default: dimensionless), e.g. jumlah_pmks=orang.",
)
@click.option(
    "-d",
    "--declarations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A formula file declaring the inputs (ids, labels, units) and indicators.",
)
@click.option("--decimals", type=int, default=None, help="Decimals of the rounded value.")
@click.option("--first-year", type=int, default=None, help="First year of the plan period.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def eval_command(
    formula: str,
    inputs: tuple[str, ...],
    year: int,
    units: tuple[str, ...],
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
    try:
        model = _model_for(formula, units, declarations, first_year)
        compiled = model.compile(formula)
        values = _parse_values(inputs, year)
        result = compiled.evaluate(values, year, decimals)
    except FormulaError as error:
        _fail(error if error.source else error.with_source(formula, Location("<argument>")))
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    if as_json:
        click.echo(result.model_dump_json(indent=2))
    elif result.status == "ok":
        click.echo(f"{result.rounded} {_unit_suffix(result.unit)}".rstrip())
        click.echo(f"  exact:   {result.value}")
        if result.display:
            click.echo(f"  display: {result.display} (half-up, {result.decimals} decimals)")
    else:
        click.echo(f"not computable: {result.reason}", err=True)
        sys.exit(3)


def _unit_suffix(unit: str) -> str:
    return "" if unit == "1" else unit


def _model_for(
    formula: str, units: tuple[str, ...], declarations: Path | None, first_year: int | None
) -> Model:
    plan = Plan(first_year=first_year, last_year=max(first_year, 2026)) if first_year else Plan()
    if declarations is not None:
        loaded = load_declarations(declarations)
        return Model(loaded.model_copy(update={"plan": plan}) if first_year else loaded)
    unit_map = dict(_split(item, "=", "--unit") for item in units)
    return Model(ad_hoc_declarations(formula, unit_map, plan))


def _split(item: str, separator: str, option: str) -> tuple[str, str]:
    name, found, value = item.rpartition(separator)
    if not found or not name.strip():
        raise ValueError(f"{option} {item!r}: expected NAME{separator}VALUE")
    return name.strip().strip('"'), value.strip()


def _parse_values(items: tuple[str, ...], year: int) -> dict[str, dict[int | str, Fraction]]:
    values: dict[str, dict[int | str, Fraction]] = {}
    for item in items:
        name, value = _split(item, "=", "--input")
        number, _, at = value.partition("@")
        when: int | str = year if not at else ("awal" if at == "awal" else int(at))
        values.setdefault(name, {})[when] = parse_plain(number)
    return values


@main.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
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
        sys.exit(1)


@main.command("equiv", context_settings=FORMULA_ARGUMENTS)
@click.argument("left")
@click.argument("right")
@click.option(
    "-d",
    "--declarations",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A formula file declaring the inputs (units, domains); otherwise inputs are "
    "dimensionless and nonnegative.",
)
def equiv_command(left: str, right: str, declarations: Path | None) -> None:
    """Say whether formulas LEFT and RIGHT are the same function of their inputs.

    Exit 0 when equivalent, 1 when not (with a counterexample), 2 when not proven.
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
        sys.exit(2)
    example = verdict.counterexample
    assert example is not None
    click.echo(f"not equivalent: they differ in year {example.year} for these inputs:")
    for label, years in example.inputs.items():
        shown = ", ".join(f"{value}@{key}" for key, value in years.items())
        click.echo(f"  {label} = {shown}")
    click.echo(f"  left:  {left}\n         = {example.left}")
    click.echo(f"  right: {right}\n         = {example.right}")
    sys.exit(1)


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
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def catalog_stats_command(directory: Path | None) -> None:
    """Counts by level, by table and by kind of formula."""
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    for title, counts in catalog_stats(catalog).items():
        click.echo(f"{title}:")
        for name, count in sorted(counts.items()):
            click.echo(f"  {name:<40} {count:>6}")


@catalog_group.command("schema")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def catalog_schema_command(directory: Path) -> None:
    """Write the JSON Schema of each catalog file kind into DIRECTORY."""
    for name, path in write_schemas(directory).items():
        click.echo(f"{name}: {path}")


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
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report as Markdown to this file.",
)
@click.option(
    "--html",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the full report as a self-contained HTML page (with charts).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every figure as JSON to this file ('-' for stdout).",
)
@click.option("--no-fail", is_flag=True, help="Exit 0 even when there are findings.")
def audit_command(
    directory: Path | None,
    markdown: Path | None,
    html: Path | None,
    json_path: Path | None,
    no_fail: bool,
) -> None:
    """Recompute every derived figure the Renstra prints and report what does not hold.

    DIRECTORY is a catalog (default: the bundled catalog). Prints a summary; exits 1
    when there are findings (unless --no-fail), 4 when the catalog does not check.
    """
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    report = run_audit(catalog)
    if json_path is not None and str(json_path) == "-":
        click.echo(render_json(report), nl=False)
    else:
        click.echo(render_summary(report), nl=False)
        if json_path is not None:
            write_atomically(json_path, render_json(report))
    if markdown is not None:
        write_atomically(markdown, render_markdown(report))
    if html is not None:
        write_atomically(html, render_html(report, catalog))
    if report.findings and not no_fail:
        sys.exit(1)


@main.command("explain")
@click.argument("subject")
@click.option("-y", "--year", type=int, help="The year to explain (default: every year).")
@click.option(
    "--end-of-period",
    is_flag=True,
    help="Explain the end-of-period value (Kondisi Kinerja pada Akhir Periode).",
)
@click.option(
    "-c",
    "--catalog",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
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
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    try:
        explanation = explain(catalog, run_audit(catalog), subject, year, end_of_period)
    except FormulaError as error:
        click.echo(
            f"error[{error.code}]: {error.message}"
            + (f"\n  hint: {error.hint}" if error.hint else ""),
            err=True,
        )
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(explanation.render(), nl=False)
