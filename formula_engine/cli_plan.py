"""`renstra template plan` and `renstra import plan`: a new agency's plan from a workbook.

Registered on the `template` and `import` groups of cli_excel.py; openpyxl is imported
only when a command reads or writes a workbook (formula_engine/excel/plan.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .cli_excel import _date, _output, _write, import_group, template_group
from .cli_params import Folder, source_options
from .exit_codes import ExitCode

MAX_WORKBOOK_NAME = 150  # a reference "NAME!Sheet!C17" stays within a source's 200


@template_group.command("plan")
@click.option("-o", "--output", required=True, metavar="FILE", help="The .xlsx to write.")
@click.option(
    "-c",
    "--catalog",
    "directory",
    type=Folder(),
    help="A catalog (from `renstra new`): its period bounds the years, its units are listed.",
)
def template_plan_command(output: str, directory: Path | None) -> None:
    """A workbook for a new plan: sheets Tujuan, Sasaran, Program, Input, Indikator and
    Target (Indonesian headers, locked header rows, lists of satuan, polaritas, agregasi
    and akhir periode). Read it back with `renstra import plan`.
    """
    from .excel.plan import template_bytes
    from .units import UNIT_NAMES, unit_names

    path = _output(output)
    if path.suffix.lower() != ".xlsx":
        raise click.BadParameter("a plan workbook is an .xlsx file", param_hint="'--output'")
    first = last = None
    if directory is not None:
        from .cli import _load_catalog_or_fail

        plan = _load_catalog_or_fail(directory).plan.plan
        first, last = plan.first_year, plan.last_year
    names = unit_names()
    units = list(dict.fromkeys([*UNIT_NAMES.values(), *names.values()]))
    _write(path, template_bytes(units, first, last))
    click.echo(f"{path}: a plan workbook to fill in (sheets Tujuan ... Target)")


@import_group.command("plan")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "-c",
    "--catalog",
    "directory",
    type=Folder(),
    required=True,
    help="The catalog to fill: an empty one made by `renstra new DIR`.",
)
@source_options(
    "The document the plan comes from (e.g. 'Rancangan Renstra 2025-2029').",
    "Who entered the plan.",
)
@click.option("--dry-run", is_flag=True, help="Check the workbook; write nothing.")
def import_plan_command(
    file: Path,
    directory: Path,
    document: str,
    date: str | None,
    entered_by: str | None,
    dry_run: bool,
) -> None:
    """Build the catalog's tujuan, sasaran, programs, inputs, indicators and targets from
    a filled-in plan workbook. Every bad cell is reported (FILE!Indikator!E7) with what
    was expected and a hint, all at once; then nothing is written (exit 1).
    """
    from .cli import _load_catalog_or_fail
    from .excel.plan import PlanRejected, Provenance, empty_catalog_problem, import_plan, read_plan

    day = _date(date)
    if len(file.name) > MAX_WORKBOOK_NAME:  # it is cited with every imported value
        raise click.BadParameter(
            f"the file's name has {len(file.name)} characters, over {MAX_WORKBOOK_NAME} "
            "(hint: rename it, e.g. rencana.xlsx)",
            param_hint="'FILE'",
        )
    for name, value in (("--source", document), ("--by", entered_by)):
        if value is not None and not 1 <= len(value.strip()) <= 200:
            raise click.BadParameter("1 to 200 characters", param_hint=f"'{name}'")
    catalog = _load_catalog_or_fail(directory)
    plan_entry = catalog.plan.plan
    occupied = empty_catalog_problem(directory, bool(catalog.plan.tujuan))
    if occupied is not None:
        click.echo(occupied.render(), err=True)
        sys.exit(ExitCode.FINDINGS)
    provenance = Provenance(file.name, document.strip(), day, entered_by and entered_by.strip())
    plan, problems = read_plan(file, plan_entry.first_year, plan_entry.last_year, provenance)
    for problem in problems:
        click.echo(problem.render() + "\n", err=True)
    if plan is None:
        click.echo(f"{file}: {len(problems)} problem(s); nothing imported", err=True)
        sys.exit(ExitCode.FINDINGS)
    counts = ", ".join(f"{n} {what}" for what, n in plan.counts.items())
    if dry_run:
        click.echo(f"{file}: valid ({counts}); nothing written (--dry-run)")
        return
    try:
        imported = import_plan(directory, plan)
    except PlanRejected as rejected:
        for text in rejected.rendered:
            click.echo(text + "\n", err=True)
        click.echo(
            f"{file}: error[{PlanRejected.code}]: the catalog made of the workbook does not check; "
            "nothing imported",
            err=True,
        )
        sys.exit(ExitCode.CATALOG_REJECTED)
    except OSError as error:
        click.echo(f"{directory}: cannot write: {error}; nothing imported", err=True)
        sys.exit(ExitCode.CANNOT_WRITE)
    click.echo(f"{file}: imported into {directory} ({counts}); {len(imported.files)} file(s)")
