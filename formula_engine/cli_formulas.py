"""The formula commands of `renstra`: parse, fmt, eval and equiv.

Their arguments are formulas (cli_params.FormulaCommand: '-a + b' is a formula, a
misspelt '--option' is a usage error, '--' passes the rest as formulas); their option
values are checked by the parameter types of cli_params before they run.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from fractions import Fraction
from typing import BinaryIO, NoReturn

import click

from . import api
from .cli_params import (
    DECIMALS,
    YEAR,
    FormulaCommand,
    GivenValue,
    InputValue,
    Source,
    SourceFile,
    TextFile,
    UnitOf,
    UnreadableInput,
    decode,
    read_bounded,
)
from .equivalence import TRIALS
from .errors import FormulaError, Location
from .exit_codes import ExitCode
from .model import Model
from .nodes import Reference, to_json
from .parser import parse
from .printer import to_text
from .reading import SourceText


@click.command("parse", cls=FormulaCommand)
@click.argument("formula")
@click.option("--json", "as_json", is_flag=True, help="Print the AST with source spans as JSON.")
def parse_command(formula: str, as_json: bool) -> None:
    """Parse FORMULA and print it in canonical form (or its AST with --json)."""
    try:
        tree = parse(formula)
    except FormulaError as error:
        _fail(error.with_source(formula, Location("<argument>")))
    if as_json:
        click.echo(to_json(tree))
    else:
        click.echo(to_text(tree))


@click.command("fmt", cls=FormulaCommand)
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


ARGUMENT = Location("<argument>")
DECLARATIONS_HELP = "A formula file declaring the inputs (ids, labels, units) and indicators"


@click.command("eval", cls=FormulaCommand)
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
    "-d", "--declarations", type=SourceFile(), help=f"{DECLARATIONS_HELP} (at most 1 MiB)."
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
    declarations: SourceText | None,
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
        loaded = api.declarations_of(declarations) if declarations is not None else None
        model = api.model_for(
            formula,
            dict(units),
            declarations=loaded,
            first_year=first_year,
            location=ARGUMENT,
            limit=None,  # the language's own limit (the facade's is for services)
        )
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
    declarations: SourceText | None,
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


@click.command("equiv", cls=FormulaCommand)
@click.argument("left")
@click.argument("right")
@click.option(
    "-d",
    "--declarations",
    type=SourceFile(),
    help=f"{DECLARATIONS_HELP} (at most 1 MiB); otherwise inputs are dimensionless and "
    "nonnegative.",
)
def equiv_command(left: str, right: str, declarations: SourceText | None) -> None:
    """Say whether formulas LEFT and RIGHT are the same function of their inputs.

    Exit 0 when equivalent, 1 when not (with a counterexample), 3 when not proven.
    """
    try:
        loaded = api.declarations_of(declarations) if declarations is not None else None
        verdict = api.equivalent(left, right, declarations=loaded, location=ARGUMENT, limit=None)
    except FormulaError as error:
        where = left if error.source is None and _fails(left) else right
        _fail(error if error.source else error.with_source(where, ARGUMENT))
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


FORMULA_COMMANDS = (parse_command, fmt_command, eval_command, equiv_command)
