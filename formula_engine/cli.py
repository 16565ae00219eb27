"""The `renstra` command line: a thin shell over the package's facade.

Every command prints results on stdout and diagnostics on stderr, and exits non-zero
when there was an error. No traceback reaches the user for bad input.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from .errors import FormulaError, Location
from .nodes import to_dict
from .parser import parse
from .printer import to_text


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="formula-engine")
def main() -> None:
    """Formulas, targets and budgets of a Renstra: parse, check, evaluate, audit."""


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
