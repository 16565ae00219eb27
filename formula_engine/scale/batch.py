"""`renstra batch`: every indicator of every region and period of a dataset, on an engine.

    result = run_batch([Path("data")], engine="duckdb")   # or "spark", "numpy"
    result.tables["findings"]                             # pyarrow Tables
    write_result(result, Path("out"))                     # one Parquet file per table
    run_batch([Path("data")], out=Path("out"))            # the engine writes them (the CLI)

The steps (scale/queries.py), each one set-based statement whatever the number of
formulas and regions: frame -> printed (the first figure by source per key) -> wide
(the printed figures pivoted once) -> computed (every formula a column of one SELECT
per catalog group, then UNPIVOT) -> figures -> capaian_raw (the achievement rules) ->
capaian (presentation, predikat) -> rollups -> findings. DuckDB (embedded) and Spark
(local mode, or any master given by SPARK_MASTER) run the same sqlglot trees printed in
their dialect. The numpy engine evaluates the formulas and the achievement rules with
the Model's numpy programs (float64: not exact; see
docs/scale.md) and leaves the pivots, rollups and checks to DuckDB.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from sqlglot import exp

from ..backends.sql import SqlProgram
from ..errors import FormulaError, Location
from ..outcomes import YearKey
from ..writing import write_together
from . import queries
from .layout import SCALE, check_dataset, is_integer_unit, parquet_bytes
from .plan import Group, Job, compile_group, grouped_in, grouped_tables

if TYPE_CHECKING:
    import pyarrow as pa

EngineName = Literal["duckdb", "spark", "numpy"]
ENGINES: tuple[EngineName, ...] = ("duckdb", "spark", "numpy")
OUTPUTS = ("computed", "capaian", "rollups", "findings")


class EngineUnavailable(FormulaError, RuntimeError):
    """The engine cannot start here (no pyspark, no Java)."""

    code = "E406"
    stage = "evaluate"


class EngineFailed(FormulaError, RuntimeError):
    """The engine's own error on the dataset (a SQL error), said once and located."""

    code = "E407"
    stage = "evaluate"


class Engine(Protocol):
    dialect: str
    row: str  # the column of fe_values that tells its rows apart

    def register(self, files: Mapping[str, Sequence[Path]]) -> None: ...
    def register_arrow(self, name: str, data: pa.Table) -> None: ...
    def groups(self, files: Mapping[str, Sequence[Path]]) -> list[Group]: ...
    def create(self, name: str, parts: Sequence[exp.Query]) -> None: ...
    def view(self, name: str, query: exp.Query) -> None: ...
    def count(self, name: str) -> int: ...
    def arrow(self, name: str, keys: Sequence[str] | None = None) -> pa.Table: ...
    def write(self, name: str, keys: Sequence[str], path: Path) -> None: ...
    def drop(self, name: str, view: bool = False) -> None: ...
    def close(self) -> None: ...


class DuckDb:
    dialect = "duckdb"
    row = "rowid"  # a table's own row number

    def __init__(self) -> None:
        import duckdb

        # where DuckDB spills what does not fit in its memory limit (80% of the RAM): a
        # folder of our own, removed on close (its default, `.tmp`, is in the user's cwd)
        # and rows in any order (15-20% less time at 10^7 values rows): every step is
        # set-based, every output sorted, a values row's rowid only tells it apart, a
        # definitions row keeps where it was read (plan.READ_ORDER, for grouped_in)
        self.spill = tempfile.mkdtemp(prefix="renstra-duckdb-")
        self.connection = duckdb.connect(
            config={"temp_directory": self.spill, "preserve_insertion_order": False}
        )
        self.statements = 0  # counted work: SQL statements run
        self.seconds: dict[str, float] = {}  # each table made (create): its statements' time
        self.enums: dict[str, list[str]] = {}  # each ENUM of ENUMS: its values, sorted

    def _run(self, statement: exp.Expression) -> None:
        self.statements += 1
        self.connection.execute(statement.sql(dialect=self.dialect, copy=False))

    def register(self, files: Mapping[str, Sequence[Path]]) -> None:
        """The dataset's tables `fe_<name>` as tables, not views (every step scans them;
        Parquet is decoded once), their key columns as ENUMs of the values found: the
        joins, groupings and sorts of every step then compare small integers, not
        strings (the same values and order: an ENUM's values are sorted)."""
        columns: dict[str, list[str]] = {}
        for name, paths in files.items():
            placed = name == "definitions"  # where each row was read (plan.READ_ORDER)
            relation = self.connection.read_parquet(
                [str(f) for f in paths], filename=placed, file_row_number=placed
            )
            relation.create_view(f"_raw_fe_{name}")
            columns[f"fe_{name}"] = list(relation.columns)
        for enum, shared in ENUMS.items():
            places = [
                (f"_raw_{t}", c) for t, names in columns.items() for c in names if c in shared
            ]
            self.enums[enum] = self._values(places) if places else []
        for name, names in columns.items():
            start = time.perf_counter()
            self._run(
                exp.Create(
                    this=queries.table(name),
                    kind="TABLE",
                    expression=self._keyed(names).from_(queries.table(f"_raw_{name}")),
                    replace=True,
                )
            )
            self.seconds[name] = time.perf_counter() - start

    def groups(self, files: Mapping[str, Sequence[Path]]) -> list[Group]:
        """The dataset's catalogs grouped (plan.grouped_in), on the tables read."""
        return grouped_in(self.connection)

    def _values(self, places: Sequence[tuple[str, str]]) -> list[str]:
        """The distinct texts of the columns `places` (table, column), sorted."""
        parts = [
            exp.select(queries.alias(queries.col(column), "x")).from_(queries.table(name))
            for name, column in places
        ]
        query = (
            exp.select(queries.col("x"))
            .distinct()
            .from_(exp.Subquery(this=queries.union_all(parts), alias=exp.TableAlias(this="u")))
            .where(exp.Not(this=exp.Is(this=queries.col("x"), expression=exp.Null())))
            .order_by(queries.col("x"))
        )
        self.statements += 1
        rows = self.connection.execute(query.sql(dialect=self.dialect)).fetchall()
        return [str(row[0]) for row in rows]

    def _keyed(self, names: Sequence[str], values: pa.Table | None = None) -> exp.Select:
        """SELECT of the columns `names`, the key columns cast to their ENUM (for an
        arrow table `values`: only where every value of the column is in it)."""
        selected: list[exp.Expression] = []
        for name in names:
            column: exp.Expression = exp.column(name, quoted=True)
            known = self.enums.get(ENUM_OF.get(name, ""), [])
            if known and (values is None or _within(values[name], known)):
                enum = exp.DataType(
                    this=exp.DataType.Type.ENUM, expressions=[queries.string(v) for v in known]
                )
                column = queries.alias(exp.Cast(this=column, to=enum), name)
            selected.append(column)
        return exp.select(*selected)

    def register_arrow(self, name: str, data: pa.Table) -> None:
        self.connection.register(f"_raw_{name}", data)
        select = self._keyed(data.column_names, data).from_(queries.table(f"_raw_{name}"))
        self._run(
            exp.Create(this=queries.table(name), kind="TABLE", expression=select, replace=True)
        )

    def create(self, name: str, parts: Sequence[exp.Query]) -> None:
        target = queries.table(name)
        start = time.perf_counter()
        self._run(exp.Create(this=target, kind="TABLE", expression=parts[0], replace=True))
        for part in parts[1:]:  # one statement each: DuckDB plans big unions slowly
            self._run(exp.Insert(this=target.copy(), expression=part))
        self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start

    def view(self, name: str, query: exp.Query) -> None:
        """`query` named, not stored: each statement that reads it runs it."""
        self._run(exp.Create(this=queries.table(name), kind="VIEW", expression=query, replace=True))

    def count(self, name: str) -> int:
        """The rows of the table `name`."""
        self.statements += 1
        query = exp.select(exp.Count(this=exp.Star())).from_(queries.table(name))
        found = self.connection.execute(query.sql(dialect=self.dialect)).fetchone()
        return int(found[0]) if found else 0

    def _select(self, name: str, keys: Sequence[str] | None) -> exp.Select:
        """Every row of the table `name`; with `keys`, ordered (_ordered)."""
        query = exp.select(exp.Star()).from_(queries.table(name))
        if keys is None:
            return query
        order = _ordered(keys, self.connection.table(name).columns)
        return query.order_by(*[exp.column(c, quoted=True) for c in order])

    def arrow(self, name: str, keys: Sequence[str] | None = None) -> pa.Table:
        """The table `name`, its ENUMs as texts; with `keys`, ordered (_ordered)."""
        import pyarrow as pa

        query = self._select(name, keys)
        self.statements += 1
        found = self.connection.sql(query.sql(dialect=self.dialect)).to_arrow_table()
        for number, column in enumerate(found.schema):
            if pa.types.is_dictionary(column.type):
                found = found.set_column(number, column.name, found[number].cast(pa.string()))
        return found

    def write(self, name: str, keys: Sequence[str], path: Path) -> None:
        """The table `name`, ordered (_ordered), as the Parquet file `path`, written by
        DuckDB itself: no copy in Python's memory, ENUMs written as texts."""
        self._run(
            exp.Copy(
                this=exp.Subquery(this=self._select(name, keys)),
                kind=False,
                files=[queries.string(str(path))],
                params=[
                    exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var("parquet")),
                    exp.CopyParameter(this=exp.var("COMPRESSION"), expression=exp.var("zstd")),
                    # `path` is already a temporary (writing.write_together): no other
                    exp.CopyParameter(this=exp.var("USE_TMP_FILE"), expression=exp.false()),
                ],
            )
        )

    def drop(self, name: str, view: bool = False) -> None:
        """The table (or `view`) `name` is read no more: its memory is given back."""
        kind = "VIEW" if view else "TABLE"
        self._run(exp.Drop(tables=[queries.table(name)], kind=kind, exists=True))

    def close(self) -> None:
        self.connection.close()
        shutil.rmtree(self.spill, ignore_errors=True)


# The key columns read as ENUMs (DuckDb.register): each ENUM and the columns sharing it.
ENUMS = {
    "region": ("region",),
    "agency": ("agency",),
    "indicator": ("indicator", "parent"),
    "period": ("period",),
    "kind": ("kind",),
    "table": ("table",),  # the document's tables: a few names per catalog, shared
}
ENUM_OF = {column: enum for enum, columns in ENUMS.items() for column in columns}


def _within(values: pa.ChunkedArray, known: Sequence[str]) -> bool:
    """Whether every text of `values` is one of `known` (nulls aside)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_string(values.type):
        return False
    present = pc.is_in(values, value_set=pa.array(known, pa.string()))
    return bool(pc.all(pc.or_(present, pc.is_null(values))).as_py())


def java_missing() -> str | None:
    """Why Spark cannot run here, or None."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed: pip install -e '.[spark]'"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return (
            "Spark needs a Java runtime and none was found (no `java` on PATH, no "
            "JAVA_HOME): install one, e.g. apt-get install default-jre-headless"
        )
    return None


class Spark:
    dialect = "spark"
    row = "_row"  # added to the values when they are read (register)

    def __init__(self, session: Any | None = None) -> None:
        reason = java_missing()
        if reason is not None:
            raise EngineUnavailable(reason, hint="or run with --engine duckdb")
        self.session = session or spark_session()
        self.statements = 0
        self.scratch: str | None = None

    def _sql(self, query: exp.Query) -> Any:
        self.statements += 1
        return self.session.sql(query.sql(dialect=self.dialect, copy=False))

    def register(self, files: Mapping[str, Sequence[Path]]) -> None:
        from pyspark.sql import functions

        for name, paths in files.items():
            frame = self.session.read.parquet(*[str(f) for f in paths])
            if name == "values":
                # cached: the ids are drawn once, whichever step reads them
                frame = frame.withColumn(self.row, functions.monotonically_increasing_id()).cache()
            frame.createOrReplaceTempView(f"fe_{name}")

    def groups(self, files: Mapping[str, Sequence[Path]]) -> list[Group]:
        """The dataset's catalogs grouped (plan.grouped_tables: in DuckDB, in process)."""
        import pyarrow.parquet as pq

        return grouped_tables(*(pq.read_table(files[name]) for name in ("plans", "definitions")))

    def register_arrow(self, name: str, data: pa.Table) -> None:
        self.session.createDataFrame(data).createOrReplaceTempView(name)

    def create(self, name: str, parts: Sequence[exp.Query]) -> None:
        """One part: a cached view. Many (one per catalog group): unions of CHUNK parts
        appended to Parquet in a temporary folder, so no plan grows with the groups."""
        if len(parts) == 1:
            self._sql(parts[0]).cache().createOrReplaceTempView(name)
            return
        folder = str(Path(self._scratch()) / name)
        for start in range(0, len(parts), CHUNK):
            frame = self._sql(_chunk(parts[start : start + CHUNK])).coalesce(1)
            frame.write.mode("append").parquet(folder)
        self.session.read.parquet(folder).createOrReplaceTempView(name)

    def view(self, name: str, query: exp.Query) -> None:
        self._sql(query).createOrReplaceTempView(name)

    def count(self, name: str) -> int:
        return int(self.session.table(name).count())

    def _scratch(self) -> str:
        if self.scratch is None:
            self.scratch = tempfile.mkdtemp(prefix="renstra-spark-")
        return self.scratch

    def arrow(self, name: str, keys: Sequence[str] | None = None) -> pa.Table:
        frame = self.session.table(name)
        if keys is not None:
            frame = frame.orderBy(*_ordered(keys, frame.columns))
        return frame.toArrow()

    def write(self, name: str, keys: Sequence[str], path: Path) -> None:
        import pyarrow.parquet as pq

        pq.write_table(self.arrow(name, keys), path, compression="zstd")

    def drop(self, name: str, view: bool = False) -> None:
        """Nothing: a step's view is lazy, a later one may still be computed through it
        (close drops them all)."""

    def close(self) -> None:
        for name in ("fe_plans", "fe_definitions", "fe_values", "fe_groups", *STEPS):
            self.session.catalog.dropTempView(name)
        self.session.catalog.clearCache()
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)


def _chunk(parts: Sequence[exp.Query]) -> exp.Query:
    """Several formulas' queries as one UNION ALL (each keeps its own WITH)."""
    return queries.union_all(
        [
            exp.select(exp.Star()).from_(
                exp.Subquery(this=part, alias=exp.TableAlias(this=exp.to_identifier("j")))
            )
            for part in parts
        ]
    )


def spark_session() -> Any:
    """A local Spark session for exact decimals: no precision loss (a DECIMAL(38, 12)
    stays one), ANSI errors on overflow; SPARK_MASTER picks another master."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]"))
        .appName("renstra batch")
        .config("spark.sql.decimalOperations.allowPrecisionLoss", "false")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


CHUNK = 16  # parts (the computed rows of a catalog group) per Spark statement
STEPS = (
    "fe_versions",
    "fe_graded",
    "_graded_rows",
    "_grades",
    "_whole",
    "_repeated_groups",
    "_repeated",
    "frame",
    "fe_slots",
    "fe_base_slots",
    "wide",
    "printed",
    "fe_jobs",
    "_ties",
    "_tie_keys",
    "_tie_rows",
    "capaian_exact",
    "computed",
    "figures",
    "capaian_raw",
    "capaian_rules",
    "capaian",
    "rollups",
    "findings",
)


@dataclass
class BatchResult:
    engine: str
    tables: dict[str, pa.Table]
    groups: int
    jobs: int
    statements: int = 0
    members: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    # DuckDB: the wall seconds of each step's table (`computed`: the formulas); Spark
    # computes its steps lazily, when a later one reads them: none
    seconds: dict[str, float] = field(default_factory=dict)


def open_engine(name: EngineName, session: Any | None = None) -> Engine:
    if name == "spark":
        return Spark(session)
    return DuckDb()


def run_batch(
    roots: Sequence[Path],
    engine: EngineName = "duckdb",
    session: Any | None = None,
    out: Path | None = None,
) -> BatchResult:
    """Evaluate the dataset(s) under `roots` (concatenated) on `engine`. With `out`, the
    output tables are written there as Parquet by the engine itself, all or none
    (writing.write_together), and `tables` is empty: the results of a national dataset
    need not fit in Python's memory beside the engine's."""
    files = check_dataset(roots)
    runner = open_engine(engine, session)
    try:
        runner.register(files)
        groups = [compile_group(g) for g in runner.groups(files)]
        runner.register_arrow("fe_groups", _groups_table(groups))
        runner.register_arrow("fe_versions", _versions_table(groups))
        integers = _integers(runner, [d for group in groups for d in group.definitions])
        runner.create("frame", [queries.frame()])
        jobs = [job for group in groups for job in group.jobs]
        yearly, baseline = queries.slot_names(jobs)
        runner.register_arrow(
            "fe_slots",
            _arrow(
                [dict(zip(("indicator", "year", "name"), s, strict=True)) for s in yearly],
                (("indicator", "text"), ("year", "int"), ("name", "text")),
            ),
        )
        runner.register_arrow(
            "fe_base_slots",
            _arrow(
                [dict(zip(("indicator", "name"), s, strict=True)) for s in baseline],
                (("indicator", "text"), ("name", "text")),
            ),
        )
        runner.create("_repeated_groups", [queries.repeated_groups(queries.PRINTED_KINDS)])
        runner.create("_repeated", [queries.repeated(queries.PRINTED_KINDS, runner.row)])
        repeats = runner.count("_repeated") > 0
        if repeats:
            runner.create("printed", [queries.printed(queries.PRINTED_KINDS, runner.row)])
        else:  # the values' own rows: nothing to choose, nothing to copy
            runner.view("printed", queries.printed(queries.PRINTED_KINDS, repeats=False))
        runner.create("wide", [queries.wide(yearly, baseline, integers)])
        for name in ("frame", "_repeated_groups"):
            runner.drop(name)
        if engine == "numpy":
            _numpy_steps(runner, groups)
        else:
            programs, labels = _programs(groups, integers)
            runner.register_arrow("fe_jobs", labels)
            parts = [queries.group_formulas(number, found) for number, found in programs if found]
            # one group: one statement (in Spark a cached view, no scratch Parquet)
            runner.create("computed", parts or [queries.empty_computed()])
            runner.create("figures", [queries.figures(_indicator_ids(groups))])
            runner.create("capaian_raw", [queries.capaian_raw()])
        runner.create("capaian_rules", [queries.capaian()])
        for name in ("figures", "capaian_raw"):  # each table dropped once read for the last
            runner.drop(name)  # time: a national dataset's steps fit in one machine's memory
        runner.register_arrow("capaian_exact", _exact_ties(runner, groups))
        runner.create("capaian", [queries.refined()])
        for name in ("wide", "capaian_rules", "capaian_exact"):
            runner.drop(name)
        runner.create("rollups", [queries.rollups()])
        graded = _graded_table(groups)
        if graded.num_rows:
            runner.register_arrow("fe_graded", graded)
            graded_ids = graded.column("indicator").to_pylist()
            runner.create("_graded_rows", [queries.graded_rows(graded_ids)])
            runner.register_arrow("_grades", _grades(runner.arrow("_graded_rows")))
        ids = _indicator_ids(groups)
        runner.create("findings", [queries.findings(ids, repeats, graded.num_rows > 0)])
        runner.drop("printed", view=not repeats)
        runner.drop("fe_values")
        tables: dict[str, pa.Table] = {}
        if out is None:
            tables = {name: _sorted(runner, name) for name in OUTPUTS}
            counts = {name: table.num_rows for name, table in tables.items()}
        else:
            counts = {name: runner.count(name) for name in OUTPUTS}
            write_together(
                [
                    (out / f"{name}.parquet", partial(runner.write, name, SORT_KEYS))
                    for name in OUTPUTS
                ]
            )
        statements = getattr(runner, "statements", 0)
        seconds = dict(getattr(runner, "seconds", {}))
    finally:
        runner.close()
    members = sum(len(g.members) for g in groups)
    return BatchResult(engine, tables, len(groups), len(jobs), statements, members, counts, seconds)


def _programs(
    groups: Sequence[Group], integers: frozenset[str]
) -> tuple[list[tuple[int, list[tuple[str, SqlProgram]]]], pa.Table]:
    """Each group's formula versions and years as SQL programs (backends/sql.py), each
    with its label `j<n>` and its own column prefix; and fe_jobs: label -> indicator,
    year (the rows of the UNPIVOT). A condition (bool) is no indicator's value."""
    found: list[tuple[int, list[tuple[str, SqlProgram]]]] = []
    labels: list[dict[str, Any]] = []
    for group in groups:
        programs: list[tuple[str, SqlProgram]] = []
        for job in group.jobs:
            read = integers & {i for i, _ in job.slots()}
            for year, root in job.years.items():
                label = f"j{len(labels)}"
                program = SqlProgram(root, integers=read, prefix=f"{label}_")
                if program.final.kind == "bool":
                    continue
                labels.append({"job": label, "indicator": job.indicator, "year": year})
                programs.append((label, program))
        found.append((group.number, programs))
    columns = (("job", "text"), ("indicator", "text"), ("year", "int"))
    return found, _arrow(labels, columns)


def _indicator_ids(groups: Sequence[Group]) -> list[str]:
    found = {d["indicator"] for g in groups for d in g.definitions if d["entry"] == "indicator"}
    return sorted(found)


SORT_KEYS = (*queries.KEY, "kind", "check")  # an output's order (_ordered)


def _sorted(runner: Engine, name: str) -> pa.Table:
    """An output table sorted by the engine, by its keys (_ordered)."""
    return runner.arrow(name, SORT_KEYS)


def _ordered(keys: Sequence[str], columns: Sequence[str]) -> list[str]:
    """The `keys` a table has, then its other columns: one order on every engine and
    run (rows equal in every column are the same row)."""
    first = [c for c in keys if c in columns]
    return [*first, *(c for c in columns if c not in first)]


def _groups_table(groups: Sequence[Group]) -> pa.Table:
    rows = [
        {"region": region, "agency": agency, "grp": group.number}
        for group in groups
        for region, agency in group.members
    ]
    return _arrow(rows, (("region", "text"), ("agency", "text"), ("grp", "int")))


def _versions_table(groups: Sequence[Group]) -> pa.Table:
    """(grp, indicator): the ids with more than one formula version in a group's
    catalog (the cross-table check leaves them out: queries.cross_table)."""
    rows = []
    for group in groups:
        versions: dict[str, set[Any]] = {}
        for row in group.definitions:
            versions.setdefault(row["indicator"], set()).add(row.get("version"))
        rows += [
            {"grp": group.number, "indicator": i}
            for i, seen in sorted(versions.items())
            if len(seen) > 1
        ]
    return _arrow(rows, (("grp", "int"), ("indicator", "text")))


def _graded_table(groups: Sequence[Group]) -> pa.Table:
    """(grp, indicator, grade_table): the indicators of each group with a grade table."""
    rows = {
        (group.number, row["indicator"]): row["grade_table"]
        for group in groups
        for row in group.definitions
        if row["entry"] == "indicator" and row.get("grade_table")
    }
    return _arrow(
        [{"grp": g, "indicator": i, "grade_table": t} for (g, i), t in sorted(rows.items())],
        (("grp", "int"), ("indicator", "text"), ("grade_table", "text")),
    )


def _grades(candidates: pa.Table) -> pa.Table:
    """The audit's grade check (audit.indicators.grades) on the printed texts with a
    letter of the graded indicators: a grade with its score ("A (84,96)") that is not
    the label or grade of the score's band in the indicator's grade table. A grade
    without a score is not recomputable (no finding), as in the audit."""
    from ..bands import band_table, classify
    from ..catalog.printed import read_printed
    from .layout import to_decimal

    found = []
    for row in candidates.to_pylist():
        reading = read_printed(row["text"])
        if reading.grade is None or reading.value is None:
            continue
        band = classify(band_table(row["grade_table"]), reading.value).band
        if band is not None and reading.grade in {band.label, band.grade}:
            continue
        found.append(
            {
                **{c: row[c] for c in (*queries.KEY, "kind")},
                "check": "grade",
                "printed": row["text"],
                "printed_value": row["value"],
                "recomputed": to_decimal(reading.value, row["source"]),
                "source": row["source"],
            }
        )
    return _arrow(found, _FINDINGS_TYPES)


_TYPES = {"year": "int", "printed_value": "decimal", "recomputed": "decimal"}  # else text
_FINDINGS_TYPES = tuple((c, _TYPES.get(c, "text")) for c in queries.FINDINGS_COLUMNS)


def _integers(runner: Engine, definitions: list[dict[str, Any]]) -> frozenset[str]:
    """Ids read as BIGINT: a whole unit (Rupiah, a count) and every value read whole."""
    units = {row["indicator"]: row["unit"] for row in definitions if row["entry"] == "input"}
    candidates = [i for i, unit in units.items() if is_integer_unit(unit)]
    if not candidates:
        return frozenset()
    runner.create("_whole", [queries.whole_inputs(candidates)])
    whole = {row["indicator"] for row in runner.arrow("_whole").to_pylist() if row["whole"] == 1}
    return frozenset(i for i in candidates if i in whole)


def _exact_ties(runner: Engine, groups: Sequence[Group]) -> pa.Table:
    """The near ties of queries.near_ties recomputed on the exact path: T and R from
    their inputs by the exact back-end (the printed figure where the indicator has no
    formula there), then achievement.achievement and bands.classify. Ties with the same
    formula, inputs and rule (copies of one catalog) are computed once."""

    from ..backends.sql import column_name

    runner.create("_ties", [queries.near_ties()])
    ties = runner.arrow("_ties").to_pylist()
    columns = (*_KEY_COLUMNS, ("capaian", "decimal"), ("capaian_rounded", "rounded"))
    if not ties:
        return _arrow([], (*columns, ("predikat", "text")))
    group_of = {member: group for group in groups for member in group.members}
    jobs = {
        (group.number, job.indicator, year): job
        for group in groups
        for job in group.jobs
        for year in job.years
    }
    rules = {
        (group.number, d["indicator"]): (d["polarity"], d["band_table"])
        for group in groups
        for d in group.definitions
        if d["entry"] == "indicator"
    }
    numbers = [group_of[(t["region"], t["agency"])].number for t in ties]
    tie_jobs = [
        jobs.get((n, t["indicator"], t["year"])) for n, t in zip(numbers, ties, strict=True)
    ]
    # the wide rows of the ties (one statement for all of them), only the slots they read
    keys = {(t["region"], t["agency"], t["period"]) for t in ties}
    slots = {column_name(i, key): None for job in tie_jobs if job for i, key in job.slots()}
    runner.register_arrow(
        "_tie_keys",
        _arrow(
            [dict(zip(("region", "agency", "period"), k, strict=True)) for k in sorted(keys)],
            (("region", "text"), ("agency", "text"), ("period", "text")),
        ),
    )
    runner.create("_tie_rows", [queries.tie_rows(list(slots))])
    wide = {
        (row["region"], row["agency"], row["period"], row["kind"]): row
        for row in runner.arrow("_tie_rows").to_pylist()
    }
    known: dict[tuple[Any, ...], dict[str, Any] | None] = {}
    rows = []
    for tie, number, job in zip(ties, numbers, tie_jobs, strict=True):
        cells = tuple(
            _cells(wide, job, tie, kind) if job is not None else None
            for kind in ("target", "realisation")
        )
        memo = (number, tie["indicator"], tie["year"], tie["target"], tie["realisation"], cells)
        if memo not in known:
            known[memo] = _exact_tie(job, tie, cells, rules[(number, tie["indicator"])])
        found = known[memo]
        if found is not None:
            rows.append({**{c: tie[c] for c in queries.KEY}, **found})
    return _arrow(rows, (*columns, ("predikat", "text")))


Cells = tuple[tuple[str, YearKey, Any], ...]  # a formula's slots and their values


def _cells(
    wide: dict[tuple[Any, ...], dict[str, Any]], job: Job, tie: dict[str, Any], kind: str
) -> Cells | None:
    """The job's slots and their values in the tie's row of `kind`; None: no such row."""
    from ..backends.sql import column_name

    row = wide.get((tie["region"], tie["agency"], tie["period"], kind))
    if row is None:
        return None
    return tuple((i, key, row[column_name(i, key)]) for i, key in job.slots())


def _exact_tie(
    job: Job | None,
    tie: dict[str, Any],
    cells: tuple[Cells | None, ...],
    rule: tuple[str, str],
) -> dict[str, Any] | None:
    """One near tie's capaian, capaian_rounded and predikat on the exact path (None when
    the rule gives no value)."""
    from ..achievement import achievement
    from ..bands import band_table, classify
    from ..numbers import round_half_up
    from .layout import to_decimal

    figures = [Fraction(tie["target"]), Fraction(tie["realisation"])]
    if job is not None:
        exact = [_exact_value(job, tie["year"], kind_cells) for kind_cells in cells]
        figures = [e if e is not None else f for e, f in zip(exact, figures, strict=True)]
    outcome = achievement(rule[0], figures[0], figures[1])
    if outcome.value is None:
        return None
    return {
        "capaian": to_decimal(round_half_up(outcome.value, SCALE)),
        "capaian_rounded": to_decimal(round_half_up(outcome.value, 2)),
        "predikat": classify(band_table(rule[1]), outcome.value).label,
    }


def _exact_value(job: Job, year: int, cells: Cells | None) -> Fraction | None:
    """The job's formula on the exact back-end from the values `cells` (_cells) of the
    tie's row of one kind; None where there is no such row or no value."""
    from ..outcomes import BASELINE, NotComputable

    if cells is None:
        return None
    values: dict[str, dict[int | str, Fraction]] = {}
    for identifier, key, cell in cells:
        if cell is not None:
            values.setdefault(identifier, {})["awal" if key == BASELINE else key] = Fraction(cell)
    outcome = job.formula.evaluate_value(values, year)
    return None if isinstance(outcome, NotComputable | bool) else outcome


# The numpy engine: the formulas and rules by the Model's numpy programs.

_NUMPY_REASONS = {1: "E402", 2: "E401"}  # backends/numpy.py: ZERO, MISSING


def _numpy_steps(runner: Engine, groups: Sequence[Group]) -> None:
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..achievement import RULE_FORMULAS, _rule_formula
    from ..backends.sql import column_name

    computed: list[dict[str, Any]] = []
    wide = runner.arrow("wide")  # one read: every formula's columns, every group's rows
    for group in groups:
        source = wide.filter(pc.equal(wide["grp"], group.number))
        for job in group.jobs:
            for year in job.years:
                computed += _numpy_rows(job.formula, year, source, job.indicator, year)
    runner.register_arrow("computed", _computed_table(computed))
    runner.create("figures", [queries.figures(_indicator_ids(groups))])
    figures = runner.arrow("figures")
    rows: list[dict[str, Any]] = []
    t, r = column_name("t", queries.RULE_YEAR), column_name("r", queries.RULE_YEAR)
    for rule in RULE_FORMULAS:
        mask = pa.compute.equal(figures["polarity"], rule)
        part = figures.filter(mask)
        for row, (value, reason) in zip(
            part.select([*queries.KEY, "band_table", t, r]).to_pylist(),
            _numpy_values(_rule_formula(rule), queries.RULE_YEAR, part),
            strict=True,
        ):
            rows.append({**row, "value": value, "reason": reason})
    runner.register_arrow("capaian_raw", _capaian_raw_table(rows, t, r))


def _numpy_values(formula: Any, year: int, source: pa.Table) -> list[tuple[Decimal | None, Any]]:
    import numpy as np

    from ..backends.sql import column_name
    from ..model import fast_columns
    from ..outcomes import BASELINE

    rows = source.num_rows
    model = formula.model
    columns: dict[tuple[str, Any], Any] = {}
    for slot in _slots(formula, year):
        name = column_name(slot[0], slot[1])
        data = source[name].to_numpy(zero_copy_only=False) if name in source.column_names else None
        columns[(slot[0], slot[1] if slot[1] != BASELINE else "awal")] = (
            np.full(rows, np.nan) if data is None else np.asarray(data, dtype=np.float64)
        )
    keyed = fast_columns(model.table, columns, rows, model.column_names)
    values, reasons = formula.numpy_program(year).with_reasons(keyed, rows)
    quantum = Decimal(1).scaleb(-SCALE)
    return [
        (None, _NUMPY_REASONS.get(int(code), "E401"))
        if np.isnan(value)
        else (Decimal(repr(float(value))).quantize(quantum), None)
        for value, code in zip(values.tolist(), reasons.tolist(), strict=True)
    ]


def _slots(formula: Any, year: int) -> list[tuple[str, Any]]:
    from .. import ir

    return [(s.input, s.key) for s in ir.slots(formula.model.lower(formula, year))]


def _numpy_rows(
    formula: Any, year: int, source: pa.Table, indicator: str, at: int
) -> list[dict[str, Any]]:
    keys = source.select(["region", "agency", "period", "kind"]).to_pylist()
    return [
        {**key, "indicator": indicator, "year": at, "value": value, "reason": reason}
        for key, (value, reason) in zip(keys, _numpy_values(formula, year, source), strict=True)
    ]


_KEY_TYPES = (*((c, "text") for c in ("region", "agency", "indicator")), ("year", "int"))
_KEY_COLUMNS = (*_KEY_TYPES, ("period", "text"))


def _arrow(rows: list[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> pa.Table:
    """`rows` as a table of `columns` (name, "text" | "int" | "decimal" | "rounded")."""
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "int": pa.int32(),
        "decimal": pa.decimal128(38, SCALE),
        "rounded": pa.decimal128(38, 2),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in columns])
    return pa.Table.from_pylist(rows, schema=schema)


def _computed_table(rows: list[dict[str, Any]]) -> pa.Table:
    columns = (*_KEY_COLUMNS, ("kind", "text"), ("value", "decimal"), ("reason", "text"))
    return _arrow(rows, columns)


def _capaian_raw_table(rows: list[dict[str, Any]], t: str, r: str) -> pa.Table:
    numbers = ((t, "decimal"), (r, "decimal"), ("value", "decimal"))
    return _arrow(rows, (*_KEY_COLUMNS, ("band_table", "text"), *numbers, ("reason", "text")))


def write_result(result: BatchResult, out: Path) -> list[Path]:
    """Each output table as `out/<name>.parquet`, written atomically (all computed first)."""
    from ..writing import write_atomically

    contents = [(out / f"{name}.parquet", parquet_bytes(result.tables[name])) for name in OUTPUTS]
    return [write_atomically(path, data) for path, data in contents]


def describe_failure(error: Exception, roots: Sequence[Path]) -> EngineFailed:
    """An engine's own error (a SQL error) as our error, naming the dataset."""
    failure = EngineFailed(
        f"the engine failed: {(str(error).splitlines() or [''])[0][:300]}",
        hint="check the dataset with `renstra batch --engine duckdb`; report it if it persists",
    )
    failure.location = Location(str(roots[0]))
    return failure
