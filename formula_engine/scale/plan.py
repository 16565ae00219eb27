"""What a batch computes: the dataset's catalogs grouped, each formula compiled once.

Regions and agencies whose definitions and plan years are the same form one group
(a national dataset of one template has one group); each group's formulas are
compiled once with the engine's own pipeline (Model: parse, resolve, unit check,
lower) into one IR per (indicator, version, year). Every engine evaluates these:
the SQL engines through backends/sql.py's SqlProgram, the numpy engine through
Model's numpy programs (CompiledFormula.evaluate_many).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import ir
from ..declarations import Declarations, Input, Plan
from ..errors import FormulaError, Location
from ..model import CompiledFormula, Model
from ..outcomes import BASELINE, YearKey
from .layout import LayoutError, is_integer_unit


@dataclass
class Job:
    """One indicator formula version of one group, lowered for each year it is valid."""

    group: int
    indicator: str
    version: int
    formula: CompiledFormula
    years: dict[int, ir.Node]
    integers: frozenset[str]

    def slots(self) -> list[tuple[str, YearKey]]:
        found: dict[tuple[str, YearKey], None] = {}
        for root in self.years.values():
            for slot in ir.slots(root):
                found[(slot.input, slot.key)] = None
        return list(found)

    def reads_baseline(self) -> bool:
        return any(key == BASELINE for _, key in self.slots())


@dataclass
class Group:
    number: int
    members: list[tuple[str, str]]  # (region, agency)
    plan: dict[str, Any]
    definitions: list[dict[str, Any]]
    jobs: list[Job] = field(default_factory=list)


def groups_of(plans: list[dict[str, Any]], definitions: list[dict[str, Any]]) -> list[Group]:
    """(region, agency) pairs with the same plan years and definitions, grouped."""
    by_member: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in definitions:
        by_member.setdefault((row["region"], row["agency"]), []).append(row)
    plan_of = {(p["region"], p["agency"]): p for p in plans}
    found: dict[tuple[Any, ...], Group] = {}
    for member in sorted(set(by_member) | set(plan_of)):
        plan = plan_of.get(member)
        if plan is None:
            raise LayoutError(
                f"{member[0]} / {member[1]} has definitions but no row in the plans table",
                hint="export the catalog again: every catalog has one plans row",
                location=Location("plans"),
            )
        rows = by_member.get(member, [])
        stripped = sorted(
            tuple(
                (k, tuple(v) if isinstance(v, list) else v)
                for k, v in row.items()
                if k not in ("region", "agency")
            )
            for row in rows
        )
        years = (plan["first_year"], plan["last_year"], plan["baseline_year"])
        signature = (years, tuple(stripped))
        group = found.get(signature)
        if group is None:
            group = found[signature] = Group(len(found), [], plan, rows)
        group.members.append(member)
    return list(found.values())


def compile_group(group: Group) -> Group:
    """The group's jobs: every indicator version with a formula, for its plan years."""
    plan = Plan(first_year=group.plan["first_year"], last_year=group.plan["last_year"])
    region, agency = group.members[0]
    inputs = [row for row in group.definitions if row["entry"] == "input"]
    try:
        declarations = Declarations(
            plan=plan,
            inputs=tuple(
                Input(
                    id=row["indicator"],
                    label=row["name"],
                    unit=row["unit"],
                    domain=row["domain"] or "nonnegative",
                    part_of=row["part_of"],
                    aliases=tuple(row["aliases"] or ()),
                )
                for row in inputs
            ),
        )
    except ValueError as error:
        raise LayoutError(
            f"the inputs of {region} / {agency} are not valid declarations: {error}",
            location=Location("definitions", entry=f"{region} / {agency}"),
        ) from None
    model = Model(declarations)
    integers = frozenset(row["indicator"] for row in inputs if is_integer_unit(row["unit"]))
    for row in group.definitions:
        if row["entry"] != "indicator" or not row["formula"]:
            continue
        accepts = tuple(filter(None, (row["accepts"] or "").split(",")))
        try:
            formula = model.compile(row["formula"], unit=row["unit"], accept=accepts)
            first = max(row["valid_from"], plan.first_year)
            last = min(row["valid_to"], plan.last_year)
            years = {year: model.lower(formula, year) for year in range(first, last + 1)}
        except FormulaError as error:
            where = f"{region} / {agency} / {row['indicator']} version {row['version']}"
            error.with_source(row["formula"], Location("definitions", entry=where))
            raise
        job = Job(group.number, row["indicator"], row["version"], formula, years, integers)
        group.jobs.append(job)
    return group


def compiled_groups(
    plans: list[dict[str, Any]], definitions: list[dict[str, Any]]
) -> Sequence[Group]:
    return [compile_group(group) for group in groups_of(plans, definitions)]
