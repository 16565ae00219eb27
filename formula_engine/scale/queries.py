"""The batch's SQL, as sqlglot trees (never formatted strings), for DuckDB and Spark.

Tables the engines register: fe_plans, fe_definitions, fe_values (the layout,
scale/layout.py), fe_groups (region, agency, grp: scale/plan.py's groups), fe_slots
and fe_base_slots (the wide table's column names), fe_jobs (job, indicator, year).
Each step is one SELECT; the engine materializes it under a name:

    wide       one row per region, agency, period and kind, one column `<id>__<year>`
               per slot any formula reads: the values pivoted once (PIVOT)
    computed   every indicator formula, per region, agency, year, period and kind
               (target, realisation): the SqlPrograms of backends/sql.py of a group,
               merged into one SELECT over its wide rows, then UNPIVOT
    capaian    T and R per indicator (the computed value, else the printed one), the
               achievement rule of its polarity (achievement.RULE_FORMULAS, compiled
               by the same SqlProgram), presented half-up to 2 decimals, its predikat
    rollups    quarters (TW1-TW4) or months to the year by the definition's rollup,
               and each budget row's children summed
    findings   the audit's arithmetic checks: a printed figure whose recomputation does
               not round to its printed digits (value, capaian, rollup), or that
               another table prints with another value (cross_table), or whose
               grade is not its score's band (grade)

Exactness: values are DECIMAL(38, 12); ids whose unit is whole (Rupiah, counts) and
whose every value is whole are BIGINT; quotients are exact to 12 decimals (the SQL
back-end's rule); presentation rounds half-up (ties away from zero) by integer
arithmetic on the scaled value: sign(x) * floor(|x| * 10^d + 1/2), as
numbers.round_half_up.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from sqlglot import exp

from ..achievement import RULE_FORMULAS, _rule_formula
from ..backends.sql import SqlProgram, column_name
from ..bands import TABLE_IDS, band_table
from ..numbers import DEFAULT_DECIMALS
from ..outcomes import BASELINE
from .layout import PRECISION, SCALE, YEARLY, to_decimal
from .plan import Job

KEY = ("region", "agency", "indicator", "year", "period")
RULE_YEAR = 2000  # the achievement rules read no period (achievement._YEAR)
DECIMAL = f"DECIMAL({PRECISION}, {SCALE})"


def col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table)


def string(text: str) -> exp.Literal:
    return exp.Literal.string(text)


def number(value: int) -> exp.Expression:
    return exp.Literal.number(value)


_TYPES: dict[str, exp.DataType] = {}


def _type(text: str) -> exp.DataType:
    """exp.DataType.build(text), parsed once and copied per use."""
    if text not in _TYPES:
        _TYPES[text] = exp.DataType.build(text)
    return _TYPES[text].copy()


def decimal(expression: exp.Expression, scale: int = SCALE) -> exp.Cast:
    return exp.Cast(this=expression, to=_type(f"DECIMAL({PRECISION}, {scale})"))


def bigint(expression: exp.Expression) -> exp.Cast:
    return exp.Cast(this=expression, to=_type("BIGINT"))


def alias(expression: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expression, alias=exp.to_identifier(name))


def table(name: str, alias_name: str | None = None) -> exp.Table:
    found = exp.Table(this=exp.to_identifier(name))
    if alias_name:
        found.set("alias", exp.TableAlias(this=exp.to_identifier(alias_name)))
    return found


def equal(left: exp.Expression, right: exp.Expression) -> exp.EQ:
    return exp.EQ(this=left, expression=right)


def both(*conditions: exp.Expression) -> exp.Expression:
    result = conditions[0]
    for condition in conditions[1:]:
        result = exp.And(this=result, expression=condition)
    return result


def among(expression: exp.Expression, texts: Sequence[str]) -> exp.In:
    return exp.In(this=expression, expressions=[string(t) for t in texts])


def same_key(left: str, right: str, columns: Sequence[str]) -> exp.Expression:
    return both(*(equal(col(c, left), col(c, right)) for c in columns))


def union_all(selects: Sequence[exp.Query]) -> exp.Query:
    result = selects[0]
    for select in selects[1:]:
        result = exp.union(result, select, distinct=False, copy=False)
    return result


# 1. computed: the indicator formulas.


def whole_inputs(candidates: Sequence[str]) -> exp.Select:
    """Each id of `candidates` (inputs of a whole unit) with a value a formula reads (a
    target, realisation or baseline: the wide table's), and whether every such value of
    it is whole."""
    whole = exp.Case().when(equal(col("value"), exp.Floor(this=col("value"))), number(1))
    return (
        exp.select(col("indicator"), alias(exp.Min(this=whole.else_(number(0))), "whole"))
        .from_(table("fe_values"), copy=False)
        .where(
            both(
                among(col("indicator"), sorted(set(candidates))),
                among(col("kind"), ("target", "realisation", "baseline")),
                exp.Not(this=exp.Is(this=col("value"), expression=exp.Null())),
            ),
            copy=False,
        )
        .group_by(col("indicator"), copy=False)
    )


def slot_names(jobs: Sequence[Job]) -> tuple[list[tuple[str, int, str]], list[tuple[str, str]]]:
    """The columns of the wide table the jobs read: (id, year, column) for yearly slots,
    (id, column) for baselines (`<id>__awal`), each once, in a stable order."""
    slots = dict.fromkeys(slot for job in jobs for slot in job.slots())
    yearly = [(i, int(k), column_name(i, k)) for i, k in slots if k != BASELINE]
    baseline = [(i, column_name(i, BASELINE)) for i, k in slots if k == BASELINE]
    return yearly, baseline


def _pivot(source: exp.Query, names: Sequence[str], alias_name: str) -> exp.Subquery:
    """`source` (keys, name, value) as one row per key with a column per name:
    SELECT * FROM source PIVOT (MAX(value) FOR name IN (names)). DuckDB runs a pivot
    of many names as one aggregation into lists (linear in rows); Spark as PivotFirst."""
    pivot = exp.Pivot(
        expressions=[exp.Max(this=col("value"))],
        fields=[exp.In(this=col("name"), expressions=[string(n) for n in names])],
        unpivot=False,
    )
    inner = exp.Subquery(this=source, alias=exp.TableAlias(this=exp.to_identifier("s")))
    inner.set("pivots", [pivot])
    return exp.Subquery(
        this=exp.select(exp.Star()).from_(inner, copy=False),
        alias=exp.TableAlias(this=exp.to_identifier(alias_name)),
    )


def wide(
    yearly: Sequence[tuple[str, int, str]],
    baseline: Sequence[tuple[str, str]],
    integers: frozenset[str],
) -> exp.Select:
    """Every row of the frame (region, agency, period, kind, grp) with one column
    `<id>__<year>` per slot any formula reads and `<id>__awal` per baseline: the values
    pivoted once, in one pass, for every formula of every group (fe_slots and
    fe_base_slots name the columns: ids and years are data, never SQL text). The values
    are the printed figures (`printed`: a figure printed in several tables is its first
    by source, as for the checks). Ids of whole units whose values are all whole are
    BIGINT."""
    four = ("region", "agency", "period", "kind")

    def cell(identifier: str, name: str, source: str) -> exp.Expression:
        picked: exp.Expression = col(name, source)
        return alias(bigint(picked) if identifier in integers else picked, name)

    select = exp.select(*[col(c, "f") for c in (*four, "grp")]).from_(
        table("frame", "f"), copy=False
    )
    if yearly:
        values = (
            exp.select(*[col(c, "v") for c in four], col("name", "n"), col("value", "v"))
            .from_(table("printed", "v"), copy=False)
            .join(
                table("fe_slots", "n"),
                on=same_key("v", "n", ("indicator", "year")),
                copy=False,
            )
            .where(among(col("kind", "v"), ("target", "realisation")), copy=False)
        )
        select = select.select(*[cell(i, n, "y") for i, _, n in yearly], copy=False).join(
            _pivot(values, [n for _, _, n in yearly], "y"),
            on=same_key("f", "y", four),
            join_type="left",
            copy=False,
        )
    if baseline:
        base = (
            exp.select(col("region", "v"), col("agency", "v"), col("name", "n"), col("value", "v"))
            .from_(table("printed", "v"), copy=False)
            .join(table("fe_plans", "p"), on=same_key("v", "p", ("region", "agency")), copy=False)
            .join(table("fe_base_slots", "n"), on=same_key("v", "n", ("indicator",)), copy=False)
            .where(
                both(
                    equal(col("kind", "v"), string("baseline")),
                    equal(col("year", "v"), col("baseline_year", "p")),
                ),
                copy=False,
            )
        )
        select = select.select(*[cell(i, n, "b") for i, n in baseline], copy=False).join(
            _pivot(base, [n for _, n in baseline], "b"),
            on=same_key("f", "b", ("region", "agency")),
            join_type="left",
            copy=False,
        )
    return select


def group_formulas(group: int, programs: Sequence[tuple[str, SqlProgram]]) -> exp.Query:
    """Every formula of a group in ONE statement: the programs' CTE levels merged (each
    program's columns carry its own prefix), every (formula version, year) a pair of
    columns `_c<n>`, `_e<n>` (value, reason) of one SELECT over the wide rows of the
    group, then UNPIVOT to one row per formula and year, named by fe_jobs (job,
    indicator, year). Statements: one, whatever the number of formulas and rows."""
    levels: list[list[exp.Alias]] = []
    for _, program in programs:
        for depth, aliases in enumerate(program.levels):
            while len(levels) <= depth:
                levels.append([])
            levels[depth] += aliases  # each program is used once: no copies
    ctes: list[tuple[str, exp.Select]] = [
        (
            "_rows",
            exp.select(exp.Star())
            .from_(table("wide"), copy=False)
            .where(equal(col("grp"), number(group)), copy=False),
        )
    ]
    for depth, aliases in enumerate(levels, start=1):
        previous = ctes[-1][0]
        ctes.append((f"_level{depth}", exp.select(exp.Star(), *aliases).from_(table(previous))))
    four = ("region", "agency", "period", "kind")
    outputs: list[exp.Expression] = [col(c) for c in four]
    pairs: list[exp.Expression] = []
    for number_, (label, program) in enumerate(programs):
        value, reason = f"_c{number_}", f"_e{number_}"
        outputs.append(alias(decimal(program.final.value), value))
        reason_cast = exp.Cast(this=program.final.reason, to=_type("VARCHAR"))
        outputs.append(alias(reason_cast, reason))
        pairs.append(
            exp.PivotAlias(
                this=exp.Tuple(expressions=[col(value), col(reason)]),
                alias=exp.to_identifier(label),
            )
        )
    ctes.append(("_formulas", exp.select(*outputs).from_(table(ctes[-1][0]), copy=False)))
    unpivot = exp.Pivot(
        expressions=[
            exp.Tuple(expressions=[exp.to_identifier("value"), exp.to_identifier("reason")])
        ],
        fields=[exp.In(this=exp.to_identifier("job"), expressions=pairs)],
        unpivot=True,
        include_nulls=True,
    )
    formulas = table("_formulas")
    formulas.set("pivots", [unpivot])
    long = exp.Subquery(
        this=exp.select(exp.Star()).from_(formulas, copy=False),
        alias=exp.TableAlias(this=exp.to_identifier("u")),
    )
    query = (
        exp.select(
            col("region", "u"),
            col("agency", "u"),
            col("indicator", "j"),
            col("year", "j"),
            col("period", "u"),
            col("kind", "u"),
            alias(decimal(col("value", "u")), "value"),
            col("reason", "u"),
        )
        .from_(long, copy=False)
        .join(table("fe_jobs", "j"), on=equal(col("job", "u"), col("job", "j")), copy=False)
    )
    for name, select in ctes:
        query = query.with_(name, as_=select, copy=False)
    return query


def empty_computed() -> exp.Select:
    columns = [
        alias(exp.Cast(this=exp.Null(), to=exp.DataType.build(kind)), name)
        for name, kind in (
            ("region", "VARCHAR"),
            ("agency", "VARCHAR"),
            ("indicator", "VARCHAR"),
            ("year", "INT"),
            ("period", "VARCHAR"),
            ("kind", "VARCHAR"),
            ("value", DECIMAL),
            ("reason", "VARCHAR"),
        )
    ]
    return exp.select(*columns).where(exp.false(), copy=False)


def frame() -> exp.Select:
    """Every (region, agency, period, kind) with a target or realisation, and its group:
    the rows every formula is evaluated on (a formula whose values are all missing
    there is not computable there, E401)."""
    four = [col(c, "v") for c in ("region", "agency", "period", "kind")]
    return (
        exp.select(*four, col("grp", "g"))
        .distinct(copy=False)
        .from_(table("fe_values", "v"), copy=False)
        .join(table("fe_groups", "g"), on=same_key("v", "g", ("region", "agency")), copy=False)
        .where(among(col("kind", "v"), ("target", "realisation")), copy=False)
    )


# Printed figures: one per key and kind (the first source, by text), for the checks.


# A key without its year: the groups in which a key printed twice is looked for.
YEARLESS = tuple(c for c in (*KEY, "kind") if c != "year")


def _year_bit() -> exp.Expression:
    """A values row's year as one bit of 32 (a seam: a test gives every year the same
    bit). Two rows of one key set the same bit; years of one plan (a span of fewer than
    32) set different ones."""
    one = exp.Cast(this=number(1), to=exp.DataType.build("BIGINT"))
    position = exp.Paren(this=exp.BitwiseAnd(this=col("year"), expression=number(31)))
    return exp.BitwiseLeftShift(this=one, expression=position)


def repeated_groups(kinds: Sequence[str]) -> exp.Select:
    """The (region, agency, indicator, period, kind) of `kinds` with more rows in fe_values
    than bits set by their years (_year_bit): every key printed more than once is in one
    of them (its two rows set one bit), and perhaps a few others (two years 32 apart).
    One aggregation of a key's years: five times fewer groups than of the keys, a third
    of the time at 9 x 10^7 rows (a hash table of every key no longer fits in cache)."""
    keys = [col(c) for c in YEARLESS]
    bits = exp.Anonymous(this="BIT_COUNT", expressions=[exp.BitwiseOrAgg(this=_year_bit())])
    return (
        exp.select(*keys)
        .from_(table("fe_values"), copy=False)
        .where(among(col("kind"), kinds), copy=False)
        .group_by(*[k.copy() for k in keys], copy=False)
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=bits), copy=False)
    )


def repeated(kinds: Sequence[str], row: str = "rowid") -> exp.Select:
    """The (key, kind) of `kinds` with more than one row in fe_values (a figure printed
    in several tables), each with `_first`: its row of the smallest source. `row` is
    the engine's column that tells the values' rows apart (DuckDB's rowid; Spark's
    `_row`, added when the values are read), and that row's value and table. One
    aggregation, by their keys, of the rows of the groups in _repeated_groups
    (repeated_groups): exact."""
    keys = [col(c, "v") for c in (*KEY, "kind")]

    def first(column: str) -> exp.Expression:
        return exp.ArgMin(this=col(column, "v"), expression=col("source", "v"))

    return (
        exp.select(
            *keys,
            alias(first(row), "_first"),
            alias(first("value"), "_first_value"),  # for the cross-table check
            alias(first("table"), "_first_table"),
        )
        .from_(table("fe_values", "v"), copy=False)
        .join(table("_repeated_groups", "g"), on=same_key("v", "g", YEARLESS), copy=False)
        .where(among(col("kind", "v"), kinds), copy=False)
        .group_by(*[k.copy() for k in keys], copy=False)
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=number(1)), copy=False)
    )


PRINTED_COLUMNS = (*KEY, "kind", "value", "intended", "decimals", "text", "table", "source")


def printed(kinds: Sequence[str], row: str = "rowid", repeats: bool = True) -> exp.Select:
    """fe_values of `kinds`, one row per (key, kind): the first by source. Where a key
    `repeats` (the table _repeated of `repeated` has rows), its rows other than its
    first are left out by one join with _repeated (a key that does not repeat has no
    row there); where none does, the rows of `kinds` as they are."""
    select = (
        exp.select(*[col(c, "v") for c in PRINTED_COLUMNS])
        .from_(table("fe_values", "v"), copy=False)
        .where(among(col("kind", "v"), kinds), copy=False)
    )
    if not repeats:
        return select
    return select.join(
        table("_repeated", "r"),
        on=same_key("v", "r", (*KEY, "kind")),
        join_type="left",
        copy=False,
    ).where(
        exp.Or(
            this=exp.Is(this=col("_first", "r"), expression=exp.Null()),
            expression=equal(col(row, "v"), col("_first", "r")),
        ),
        copy=False,
    )


PRINTED_KINDS = ("target", "realisation", "baseline", "achievement", "budget")


def printed_rows(kinds: Sequence[str]) -> exp.Select:
    """The rows of `kinds` of the materialized table `printed` (printed(PRINTED_KINDS),
    shared by the figures and every check)."""
    return (
        exp.select(exp.Star())
        .from_(table("printed"), copy=False)
        .where(among(col("kind"), kinds), copy=False)
    )


# 2. capaian.


def figures(indicators: Sequence[str]) -> exp.Select:
    """T and R per key: the computed value where computable, else the printed one.
    One aggregation over the computed rows and the printed T and R of `indicators`
    (the ids of indicator entries: inputs' figures are not read), no outer join."""
    source = exp.column("_src")
    mine = [
        exp.select(*[col(c) for c in (*KEY, "kind", "value")], alias(number(n), "_src")).from_(
            rows, copy=False
        )
        for n, rows in (
            (1, table("computed")),
            (
                2,
                exp.Subquery(
                    this=printed_rows(("target", "realisation")).where(
                        among(col("indicator"), sorted(set(indicators))), copy=False
                    ),
                    alias=exp.TableAlias(this=exp.to_identifier("p")),
                ),
            ),
        )
    ]
    joined = union_all(mine)

    def first(kind: str) -> exp.Expression:
        picks = [
            exp.Max(
                this=exp.Case().when(
                    both(equal(col("kind"), string(kind)), equal(source.copy(), number(n))),
                    col("value"),
                )
            )
            for n in (1, 2)
        ]
        return exp.Coalesce(this=picks[0], expressions=[picks[1]])

    pick = {name: first(kind) for name, kind in (("t", "target"), ("r", "realisation"))}
    definitions = (
        exp.select(
            col("region"),
            col("agency"),
            col("indicator"),
            alias(exp.Max(this=col("polarity")), "polarity"),
            alias(exp.Max(this=col("band_table")), "band_table"),
        )
        .from_(table("fe_definitions"), copy=False)
        .where(equal(col("entry"), string("indicator")), copy=False)
        .group_by(col("region"), col("agency"), col("indicator"), copy=False)
    )
    grouped = (
        exp.select(
            *[col(c, "f") for c in KEY],
            *[alias(p, column_name(n, RULE_YEAR)) for n, p in pick.items()],
        )
        .from_(
            exp.Subquery(this=joined, alias=exp.TableAlias(this=exp.to_identifier("f"))), copy=False
        )
        .group_by(*[col(c, "f") for c in KEY], copy=False)
    )
    return (
        exp.select(
            *[col(c, "g") for c in KEY],
            col(column_name("t", RULE_YEAR), "g"),
            col(column_name("r", RULE_YEAR), "g"),
            col("polarity", "d"),
            col("band_table", "d"),
        )
        .from_(
            exp.Subquery(this=grouped, alias=exp.TableAlias(this=exp.to_identifier("g"))),
            copy=False,
        )
        .join(
            exp.Subquery(this=definitions, alias=exp.TableAlias(this=exp.to_identifier("d"))),
            on=same_key("g", "d", ("region", "agency", "indicator")),
            copy=False,
        )
    )


def capaian_raw() -> exp.Query:
    """The achievement rule of each indicator's polarity, by the SQL back-end."""
    keep = [*KEY, "band_table", column_name("t", RULE_YEAR), column_name("r", RULE_YEAR)]
    selects: list[exp.Query] = []
    inputs: list[tuple[str, exp.Select]] = []
    for rule in RULE_FORMULAS:
        formula = _rule_formula(rule)
        program = SqlProgram(formula.model.lower(formula, RULE_YEAR))
        name = f"tr_{rule}"
        inner = program.query(name, keep=keep)
        rows = (
            exp.select(exp.Star())
            .from_(table("figures"), copy=False)
            .where(equal(col("polarity"), string(rule)), copy=False)
        )
        inputs.append((name, rows))
        selects.append(
            exp.select(exp.Star()).from_(
                exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("q"))),
                copy=False,
            )
        )
    union = union_all(selects)
    for name, rows in inputs:
        union = union.with_(name, as_=rows, copy=False)
    return union


def half_up_scaled(value: exp.Expression, decimals: int) -> exp.Expression:
    """round_half_up(value, decimals) x 10^decimals, as an exact DECIMAL(38, 0)."""
    factor = decimal(number(10**decimals), 0)
    magnitude = exp.Floor(
        this=exp.Add(
            this=exp.Mul(this=exp.Abs(this=value.copy()), expression=factor),
            expression=decimal(exp.Literal.number("0.5"), 1),
        )
    )
    negative = exp.LT(this=value.copy(), expression=number(0))
    scaled = (
        exp.Case().when(negative, exp.Neg(this=exp.Paren(this=magnitude))).else_(magnitude.copy())
    )
    return decimal(scaled, 0)


def presented(scaled: exp.Expression, decimals: int) -> exp.Expression:
    """The rounded value itself: the scaled integer times 10^-decimals (exact)."""
    step = "0." + "0" * (decimals - 1) + "1" if decimals else "1"
    return decimal(
        exp.Mul(this=scaled, expression=decimal(exp.Literal.number(step), decimals)), decimals
    )


def scaled_name(places: int) -> str:
    return f"_scaled{places}"


def band_decimals() -> list[int]:
    """The rounding decimals of the band tables (each needs one scaled column)."""
    return sorted({band_table(table_id).rounding.decimals for table_id in TABLE_IDS})


def predikat() -> exp.Expression:
    """The band of the value in the row's band table, as bands.classify: rounded half-up
    to the table's decimals (the column `_scaled<d>`, the rounded value x 10^d), inside
    its domain, the first band that holds it."""
    outer = exp.Case()
    for table_id in TABLE_IDS:
        bands = band_table(table_id)
        places = bands.rounding.decimals
        factor = 10**places
        inner = exp.Case()
        limits = (bands.domain.lower, exp.GTE), (bands.domain.upper, exp.LTE)
        outside = [
            exp.Not(this=op(this=col(scaled_name(places)), expression=_literal(bound * factor)))
            for bound, op in limits
            if bound is not None
        ]
        if outside:
            inner = inner.when(exp.or_(*outside), exp.Null())
        for band in bands.bands:
            tests: list[exp.Expression] = []
            if band.lower is not None:
                above = exp.GTE if band.lower_closed else exp.GT
                bound = _literal(band.lower * factor)
                tests.append(above(this=col(scaled_name(places)), expression=bound))
            if band.upper is not None:
                below = exp.LTE if band.upper_closed else exp.LT
                bound = _literal(band.upper * factor)
                tests.append(below(this=col(scaled_name(places)), expression=bound))
            inner = inner.when(both(*tests) if tests else exp.true(), string(band.label))
        outer = outer.when(equal(col("band_table"), string(table_id)), inner)
    return outer


def with_scaled(rows: exp.Expression, value: str) -> exp.Select:
    """`rows` with a column `_scaled<d>` of the column `value`, for each band decimals."""
    scaled = [
        alias(half_up_scaled(col(value), places), scaled_name(places)) for places in band_decimals()
    ]
    return exp.select(exp.Star(), *scaled).from_(
        exp.Subquery(this=rows, alias=exp.TableAlias(this=exp.to_identifier("s"))), copy=False
    )


def _literal(value: Fraction) -> exp.Expression:
    if value.denominator == 1:
        return number(int(value))
    return decimal(exp.Literal.number(str(to_decimal(value, "a band bound"))))


def capaian() -> exp.Select:
    value = col("value")
    places = DEFAULT_DECIMALS
    rounded: exp.Expression
    if places in band_decimals():
        rounded = col(scaled_name(places))
    else:
        rounded = half_up_scaled(value, places)
    return exp.select(
        *[col(c) for c in KEY],
        alias(col(column_name("t", RULE_YEAR)), "target"),
        alias(col(column_name("r", RULE_YEAR)), "realisation"),
        alias(decimal(value.copy()), "capaian"),
        alias(presented(rounded, places), "capaian_rounded"),
        alias(predikat(), "predikat"),
        col("reason"),
    ).from_(
        exp.Subquery(
            this=with_scaled(exp.select(exp.Star()).from_(table("capaian_raw")), "value"),
            alias=exp.TableAlias(this=exp.to_identifier("c")),
        ),
        copy=False,
    )


# 3. rollups: periods to the year, budget rows to their parent.


def rollups() -> exp.Query:
    """Quarters or months to the year by the definition's rollup (sum, last, max, min),
    and each budget row with children: the sum of its children, per year and kind."""
    definitions = (
        exp.select(
            col("region"),
            col("agency"),
            col("indicator"),
            alias(exp.Max(this=col("rollup")), "rollup"),
        )
        .from_(table("fe_definitions"), copy=False)
        .group_by(col("region"), col("agency"), col("indicator"), copy=False)
    )
    parts = (
        exp.select(exp.Star())
        .from_(table("fe_values"), copy=False)
        .where(
            both(
                exp.NEQ(this=col("period"), expression=string(YEARLY)),
                exp.Not(this=exp.Is(this=col("value"), expression=exp.Null())),
            ),
            copy=False,
        )
    )
    by = [col(c, "v") for c in ("region", "agency", "indicator", "year", "kind", "table")]
    rule = col("rollup", "d")
    rolled = (
        exp.Case()
        .when(equal(rule, string("sum")), exp.Sum(this=col("value", "v")))
        .when(equal(rule, string("max")), exp.Max(this=col("value", "v")))
        .when(equal(rule, string("min")), exp.Min(this=col("value", "v")))
        .else_(exp.ArgMax(this=col("value", "v"), expression=col("period", "v")))
    )
    periods = (
        exp.select(
            *by,
            alias(string(YEARLY), "period"),
            alias(rule.copy(), "rollup"),
            alias(decimal(rolled), "value"),
            alias(exp.Count(this=exp.Star()), "parts"),
        )
        .from_(
            exp.Subquery(this=parts, alias=exp.TableAlias(this=exp.to_identifier("v"))), copy=False
        )
        .join(
            exp.Subquery(this=definitions, alias=exp.TableAlias(this=exp.to_identifier("d"))),
            on=same_key("v", "d", ("region", "agency", "indicator")),
            copy=False,
        )
        .group_by(*[b.copy() for b in by], rule.copy(), copy=False)
    )
    children = (
        exp.select(
            col("region", "d"),
            col("agency", "d"),
            alias(col("parent", "d"), "indicator"),
            col("year", "v"),
            col("kind", "v"),
            col("table", "v"),
            alias(string(YEARLY), "period"),
            alias(string("children"), "rollup"),
            alias(
                decimal(
                    exp.Sum(
                        this=exp.Coalesce(
                            this=col("intended", "v"), expressions=[col("value", "v")]
                        )
                    )
                ),
                "value",
            ),
            alias(exp.Count(this=exp.Star()), "parts"),
        )
        .from_(table("fe_definitions", "d"), copy=False)
        .join(
            table("fe_values", "v"),
            on=both(
                same_key("d", "v", ("region", "agency", "indicator")),
                equal(col("period", "v"), string(YEARLY)),
            ),
            copy=False,
        )
        .where(
            both(
                equal(col("entry", "d"), string("budget")),
                exp.Not(this=exp.Is(this=col("parent", "d"), expression=exp.Null())),
                among(col("kind", "v"), ("budget", "realisation")),
            ),
            copy=False,
        )
        .group_by(
            col("region", "d"),
            col("agency", "d"),
            col("parent", "d"),
            col("year", "v"),
            col("kind", "v"),
            col("table", "v"),
            copy=False,
        )
    )
    return union_all([periods, children])


# 4. findings: printed figures that their recomputation does not reproduce.

MAX_COMPARED_DECIMALS = 6  # printed with more decimals: compared at all 12


def rounds_to(recomputed: exp.Expression, printed_value: exp.Expression) -> exp.Expression:
    """round_half_up(recomputed, decimals) = printed, for the printed decimals 0..6."""
    check = exp.Case()
    for places in range(MAX_COMPARED_DECIMALS + 1):
        factor = decimal(number(10**places), 0)
        target = decimal(exp.Mul(this=printed_value.copy(), expression=factor), 0)
        check = check.when(
            equal(col("decimals", "p"), number(places)),
            equal(half_up_scaled(recomputed, places), target),
        )
    return check.else_(equal(decimal(recomputed.copy()), decimal(printed_value.copy())))


CROSS_KINDS = ("target", "realisation", "baseline")  # the cross-table check's figures


def _differs(value: exp.Expression, first: exp.Expression) -> exp.Expression:
    return both(
        exp.Not(this=exp.Is(this=value, expression=exp.Null())),
        exp.Not(this=exp.Is(this=first, expression=exp.Null())),
        exp.NEQ(this=value.copy(), expression=first.copy()),
    )


def _one_version(rows: str) -> tuple[exp.Expression, exp.Expression]:
    """The join and the condition that keep the rows `rows` of indicators with one
    formula version in their catalog (fe_versions: the group's ids with several)."""
    on = both(
        equal(col("grp", "m"), col("grp", "g")),
        equal(col("indicator", "m"), col("indicator", rows)),
    )
    return on, exp.Is(this=col("indicator", "m"), expression=exp.Null())


def cross_table(repeats: bool) -> list[exp.Select]:
    """The audit's "the same figure in different tables": a target, realisation or
    baseline printed again in another table than its first print (by source), with
    another value; a baseline of year Y and the realisation of Y are one quantity (the
    first printed of the two is the reference). Not for an indicator with several
    formula versions (its tables may compute it with different ones: the audit says
    not comparable). Compared by value, as read from each text. The same kind is looked
    for among the keys printed twice (_repeated, when any `repeats`); a baseline against
    the first realisation of its year (`printed`)."""
    columns = ["kind", "text", "value", "source"]

    def finding(rows: str, reference: exp.Expression) -> list[exp.Expression]:
        return [
            *[col(c, rows) for c in KEY],
            col("kind", rows),
            alias(string("cross_table"), "check"),
            alias(col("text", rows), "printed"),
            alias(col("value", rows), "printed_value"),
            alias(decimal(reference), "recomputed"),
            col("source", rows),
        ]

    def grouped(select: exp.Select, rows: str) -> exp.Select:
        on, kept = _one_version(rows)
        return (
            select.join(table("fe_groups", "g"), on=same_key(rows, "g", ("region", "agency")))
            .join(table("fe_versions", "m"), on=on, join_type="left")
            .where(kept, copy=False)
        )

    parts: list[exp.Select] = []
    if repeats:
        same = (
            exp.select(*finding("v", col("_first_value", "r")))
            .from_(table("fe_values", "v"), copy=False)
            .join(table("_repeated", "r"), on=same_key("v", "r", (*KEY, "kind")), copy=False)
            .where(
                both(
                    among(col("kind", "v"), CROSS_KINDS),
                    exp.NEQ(this=col("table", "v"), expression=col("_first_table", "r")),
                    _differs(col("value", "v"), col("_first_value", "r")),
                ),
                copy=False,
            )
        )
        parts.append(grouped(same, "v"))
    # a baseline and the realisation of its year: the later of the two by source is reported
    later = exp.GT(this=col("source", "b"), expression=col("source", "r"))

    def pick(column: str) -> exp.Expression:
        return alias(
            exp.Case().when(later.copy(), col(column, "b")).else_(col(column, "r")), column
        )

    def other(column: str) -> exp.Expression:
        return exp.Case().when(later.copy(), col(column, "r")).else_(col(column, "b"))

    pairs = (
        exp.select(
            *[col(c, "b") for c in KEY],
            *[pick(c) for c in columns],
            alias(other("value"), "_first_value"),
        )
        .from_(table("printed", "b"), copy=False)
        .join(
            table("printed", "r"),
            on=both(
                same_key("b", "r", KEY),
                equal(col("kind", "r"), string("realisation")),
            ),
            copy=False,
        )
        .where(
            both(
                equal(col("kind", "b"), string("baseline")),
                exp.NEQ(this=col("table", "b"), expression=col("table", "r")),
                _differs(col("value", "b"), col("value", "r")),
            ),
            copy=False,
        )
    )
    shown = exp.Subquery(this=pairs, alias=exp.TableAlias(this=exp.to_identifier("p")))
    parts.append(
        grouped(exp.select(*finding("p", col("_first_value", "p"))).from_(shown, copy=False), "p")
    )
    return parts


def graded_rows(indicators: Sequence[str]) -> exp.Select:
    """The printed figures of the indicators with a grade table (fe_graded: grp,
    indicator, grade_table; `indicators` their ids) whose text has a letter: the
    candidates of the audit's grade check ("A (84,96)": a grade and its score), read by
    batch._grades in Python with the audit's own reading of a printed text."""
    return (
        exp.select(
            *[col(c, "p") for c in (*KEY, "kind", "text", "value", "source")],
            col("grade_table", "m"),
        )
        .from_(table("printed", "p"), copy=False)
        .join(table("fe_groups", "g"), on=same_key("p", "g", ("region", "agency")), copy=False)
        .join(
            table("fe_graded", "m"),
            on=both(
                equal(col("grp", "m"), col("grp", "g")),
                equal(col("indicator", "m"), col("indicator", "p")),
            ),
            copy=False,
        )
        .where(
            both(  # the ids first: a test of a few small integers before the texts'
                among(col("indicator", "p"), sorted(set(indicators))),
                exp.RegexpLike(this=col("text", "p"), expression=string("[A-Za-z]")),
            ),
            copy=False,
        )
    )


FINDINGS_COLUMNS = (*KEY, "kind", "check", "printed", "printed_value", "recomputed", "source")


def findings(indicators: Sequence[str], repeats: bool = True, graded: bool = False) -> exp.Query:
    """value: a printed T or R against its formula; capaian: a printed capaian against
    the rule; rollup: a printed yearly figure against its quarters or its children;
    cross_table: a figure printed again in another table with another value
    (cross_table; the keys printed twice are looked at only where any `repeats`);
    grade: a printed grade that is not its score's band (the table _grades, where
    `graded`).
    The printed rows are narrowed before each join: to `indicators` (the ids of
    indicator entries) for the values, to the ids that have a rollup for the rollups."""
    sources = (
        ("value", "computed", ("target", "realisation"), "value"),
        ("capaian", "capaian", ("achievement",), "capaian"),
        ("rollup", "rollups", ("target", "realisation", "budget"), "value"),
    )
    rolled = exp.select(col("indicator")).distinct(copy=False).from_(table("rollups"), copy=False)
    narrowed: dict[str, exp.Expression] = {
        "value": among(col("indicator"), sorted(set(indicators))),
        "capaian": exp.true(),
        "rollup": exp.In(this=col("indicator"), query=exp.Subquery(this=rolled)),
    }
    selects: list[exp.Query] = []
    for check, name, kinds, column in sources:
        recomputed = col(column, "c")
        on = [*KEY] if check == "capaian" else [*KEY, "kind"]
        if check == "rollup":
            on.append("table")
        select = (
            exp.select(
                *[col(c, "p") for c in (*KEY, "kind")],
                alias(string(check), "check"),
                alias(col("text", "p"), "printed"),
                alias(col("value", "p"), "printed_value"),
                alias(decimal(recomputed), "recomputed"),
                col("source", "p"),
            )
            .from_(
                exp.Subquery(
                    this=printed_rows(kinds).where(narrowed[check], copy=False),
                    alias=exp.TableAlias(this=exp.to_identifier("p")),
                ),
                copy=False,
            )
            .join(table(name, "c"), on=same_key("p", "c", on), copy=False)
            .where(
                both(
                    exp.Not(this=exp.Is(this=recomputed.copy(), expression=exp.Null())),
                    exp.Or(
                        this=both(
                            exp.Not(this=exp.Is(this=col("value", "p"), expression=exp.Null())),
                            # equal: it holds (the cheap test first, the rounding after)
                            exp.NEQ(this=decimal(recomputed.copy()), expression=col("value", "p")),
                            exp.Not(this=exp.Paren(this=rounds_to(recomputed, col("value", "p")))),
                        ),
                        expression=both(  # not a figure as printed, but the catalog knows it
                            exp.Is(this=col("value", "p"), expression=exp.Null()),
                            exp.Not(this=exp.Is(this=col("intended", "p"), expression=exp.Null())),
                        ),
                    ),
                ),
                copy=False,
            )
        )
        selects.append(select)
    if graded:  # the grade check's findings, made in Python (batch._grades)
        selects.append(
            exp.select(*[col(c) for c in FINDINGS_COLUMNS]).from_(table("_grades"), copy=False)
        )
    return union_all([*selects, *cross_table(repeats)])


# Half-way ties: the one place where 12 decimals are not enough.

TIE_TOLERANCE = "0.000001"  # of a unit of the presented decimals


def near_ties() -> exp.Select:
    """capaian rows whose value is within a millionth of a unit of the presented decimals
    of a half-way tie: there the rounding of a value computed from rounded quotients
    (T = x / y x 100% to 12 decimals, then the rule) may fall on the wrong side, so the
    batch recomputes them on the exact path (batch._exact_ties)."""
    scaled = exp.Mul(
        this=exp.Abs(this=col("capaian")), expression=decimal(number(10**DEFAULT_DECIMALS), 0)
    )
    distance = exp.Abs(
        this=exp.Sub(
            this=exp.Sub(this=scaled, expression=exp.Floor(this=scaled.copy())),
            expression=decimal(exp.Literal.number("0.5"), 1),
        )
    )
    return (
        exp.select(*[col(c) for c in KEY], col("target"), col("realisation"))
        .from_(table("capaian_rules"), copy=False)
        .where(
            both(
                exp.Not(this=exp.Is(this=col("capaian"), expression=exp.Null())),
                exp.LT(this=distance, expression=decimal(exp.Literal.number(TIE_TOLERANCE), 6)),
            ),
            copy=False,
        )
    )


def tie_rows(slots: Sequence[str]) -> exp.Select:
    """The wide rows of the near ties' region, agency and period: their keys and the
    columns `slots` (the slot columns the ties' formulas read)."""
    keys = [col(c, "w") for c in ("region", "agency", "period", "kind")]
    return (
        exp.select(*keys, *[col(s, "w") for s in slots])
        .from_(table("wide", "w"), copy=False)
        .where(
            exp.Exists(
                this=exp.select(number(1))
                .from_(table("_tie_keys", "k"), copy=False)
                .where(same_key("w", "k", ("region", "agency", "period")), copy=False)
            ),
            copy=False,
        )
    )


def refined() -> exp.Select:
    """capaian with the exact path's values where it recomputed a near tie."""
    replaced = ("capaian", "capaian_rounded", "predikat")
    columns: list[exp.Expression] = []
    for name in ("target", "realisation", *replaced):
        if name in replaced:
            columns.append(
                alias(exp.Coalesce(this=col(name, "e"), expressions=[col(name, "c")]), name)
            )
        else:
            columns.append(col(name, "c"))
    return (
        exp.select(*[col(c, "c") for c in KEY], *columns, col("reason", "c"))
        .from_(table("capaian_rules", "c"), copy=False)
        .join(table("capaian_exact", "e"), on=same_key("c", "e", KEY), join_type="left", copy=False)
    )
