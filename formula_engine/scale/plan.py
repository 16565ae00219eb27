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
from typing import TYPE_CHECKING, Any

from .. import ir
from ..declarations import Declarations, Input, Plan
from ..errors import FormulaError, Location
from ..model import CompiledFormula, Model
from ..outcomes import BASELINE, YearKey
from .layout import RESERVED, LayoutError, is_integer_unit

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


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
            raise _no_plan(member)
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


def grouped_tables(plans: pa.Table, definitions: pa.Table) -> list[Group]:
    """grouped_in over these tables, in a DuckDB of its own (in process)."""
    import duckdb

    connection = duckdb.connect()
    try:
        connection.from_arrow(plans).create("fe_plans")
        connection.from_arrow(definitions).create("fe_definitions")
        return grouped_in(connection)
    finally:
        connection.close()


# Where a definitions row was read (DuckDB's read_parquet columns, kept by the engine's
# table): a group's definitions come in their files' order without the table having to
# keep its rows in the order read. Never part of a catalog's signature.
READ_ORDER = RESERVED["definitions"]


def grouped_in(connection: duckdb.DuckDBPyConnection) -> list[Group]:
    """groups_of for tables of any size, the tables fe_plans and fe_definitions of a
    DuckDB `connection` (the engine's, or grouped_tables'): each (region, agency)'s
    definitions reduced in SQL to one signature: its number of rows and the sum of
    DuckDB's 64-bit hash of each row without region and agency (one linear pass; two
    different catalogs share it with a probability of the order of 2^-64 per pair, and
    one more linear statement makes sure they did not: _differing); only one member's
    definitions per group reach Python, in the order read (READ_ORDER, else rowid).
    Otherwise the same groups, numbers and members as groups_of."""
    import pyarrow as pa
    from sqlglot import exp

    names = connection.table("fe_definitions").columns
    placed = [c for c in READ_ORDER if c in names]  # else the table is in the read order
    columns = [c for c in names if c not in ("region", "agency", *READ_ORDER)]
    row = exp.Struct(
        expressions=[
            exp.PropertyEQ(this=exp.to_identifier(c), expression=exp.column(c)) for c in columns
        ]
    )
    # the multiset of its rows: the sum of 64-bit row hashes (as HUGEINT) and the count
    hashed = exp.Cast(this=_row_hash(row), to=exp.DataType.build("HUGEINT"))
    keys = [exp.column("region"), exp.column("agency")]
    query = (
        exp.select(
            *keys,
            exp.alias_(exp.Sum(this=hashed), "signature"),
            exp.alias_(exp.Count(this=exp.Star()), "rows"),
        )
        .from_("fe_definitions")
        .group_by(*[k.copy() for k in keys])
    )
    signed = connection.execute(query.sql(dialect="duckdb")).fetchall()
    signature_of = {(str(r), str(a)): (sign, n) for r, a, sign, n in signed}
    plans = connection.table("fe_plans").to_arrow_table().to_pylist()
    plan_of = {(p["region"], p["agency"]): p for p in plans}
    found: dict[tuple[Any, ...], Group] = {}
    first: dict[int, tuple[str, str]] = {}
    for member in sorted(set(signature_of) | set(plan_of)):
        plan = plan_of.get(member)
        if plan is None:
            raise _no_plan(member)
        years = (plan["first_year"], plan["last_year"], plan["baseline_year"])
        key = (years, signature_of.get(member))
        group = found.get(key)
        if group is None:
            group = found[key] = Group(len(found), [], plan, [])
            first[group.number] = member
        group.members.append(member)
    representatives = pa.Table.from_pylist(
        [{"region": r, "agency": a} for r, a in first.values()],
        schema=pa.schema([("region", pa.string()), ("agency", pa.string())]),
    )
    connection.register("fe_first", representatives)
    every = exp.Star(except_=[exp.column(c) for c in placed]) if placed else exp.Star()
    rows = (
        exp.select(exp.Column(this=every, table=exp.to_identifier("d")))
        .from_("fe_definitions AS d")
        .join("fe_first AS f", on="d.region = f.region AND d.agency = f.agency")
        .order_by(*[exp.column(c, "d") for c in placed or ["rowid"]])
    )
    picked: pa.Table = connection.sql(rows.sql(dialect="duckdb")).to_arrow_table()
    members = pa.Table.from_pylist(
        [{"region": r, "agency": a, "grp": g.number} for g in found.values() for r, a in g.members],
        schema=pa.schema([("region", pa.string()), ("agency", pa.string()), ("grp", pa.int64())]),
    )
    connection.register("fe_members", members)
    differing = connection.execute(_differing(row).sql(dialect="duckdb")).fetchall()
    if differing:
        raise _collision([(region, agency) for region, agency in differing])
    number_of = {member: number for number, member in first.items()}
    groups = list(found.values())
    for definition in picked.to_pylist():
        groups[number_of[(definition["region"], definition["agency"])]].definitions.append(
            definition
        )
    return groups


def _row_hash(row: Any) -> Any:
    """DuckDB's 64-bit hash of one definitions row (a seam: a test forces collisions)."""
    from sqlglot import exp

    return exp.Anonymous(this="hash", expressions=[row])


def _differing(row: Any) -> Any:
    """The members whose definitions are not, row for row, their group representative's
    (a collision of the 64-bit signature): one linear statement. The representatives'
    distinct rows, numbered, with their counts, are a small table; every member's row
    is looked up in its group's (one hash join, no grouping by the rows themselves),
    then counted by number: a row that is none of them, or a count that differs, names
    the member. As the row counts are equal (they are in the signature), equal counts
    of every row found mean equal multisets."""
    from sqlglot import exp

    members, of_member = "fe_members AS m", "d.region = m.region AND d.agency = m.agency"
    representative = (
        exp.select(
            "m.grp",
            exp.alias_(row.copy(), "body"),
            exp.alias_(exp.Count(this=exp.Star()), "n"),
            exp.alias_(exp.Window(this=exp.RowNumber()), "id"),
        )
        .from_("fe_definitions AS d")
        .join("fe_first AS f", on="d.region = f.region AND d.agency = f.agency")
        .join(members, on=of_member)
        .group_by("m.grp", "body")
    )
    on = exp.and_(
        exp.EQ(this=exp.column("grp", "m"), expression=exp.column("grp", "r")),
        exp.NullSafeEQ(this=row.copy(), expression=exp.column("body", "r")),
    )
    matched = (
        exp.select("d.region", "d.agency", "r.id", "r.n")
        .from_("fe_definitions AS d")
        .join(members, on=of_member)
        .join("representative AS r", on=on, join_type="left")
    )
    counted = (
        exp.select(
            "region",
            "agency",
            "id",
            exp.alias_(exp.Count(this=exp.Star()), "c"),
            exp.alias_(exp.Max(this=exp.column("n")), "n"),
        )
        .from_("matched")
        .group_by("region", "agency", "id")
    )
    return (
        exp.select("region", "agency")
        .distinct()
        .from_("counted")
        .where("id IS NULL OR c <> n")
        .with_("representative", as_=representative)
        .with_("matched", as_=matched)
        .with_("counted", as_=counted)
        .order_by("region", "agency")
    )


class SignatureCollision(LayoutError):
    """Two catalogs with different definitions share one 64-bit signature."""

    code = "E581"


def _collision(members: list[tuple[str, str]]) -> SignatureCollision:
    shown = ", ".join(f"{r} / {a}" for r, a in members[:5])
    return SignatureCollision(
        f"the definitions of {shown} differ from those of the catalog they were grouped"
        " with: their 64-bit signatures collide",
        hint="report this dataset to the engine's maintainers; no result was written",
        location=Location("definitions", entry=f"{members[0][0]} / {members[0][1]}"),
    )


def _no_plan(member: tuple[str, str]) -> LayoutError:
    return LayoutError(
        f"{member[0]} / {member[1]} has definitions but no row in the plans table",
        hint="export the catalog again: every catalog has one plans row",
        location=Location("plans"),
    )


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
