"""The batch's SQL, as sqlglot trees (never formatted strings), for DuckDB and Spark.

Tables the engines register: fe_plans, fe_definitions, fe_values (the layout,
scale/layout.py) and fe_groups (region, agency, grp: scale/plan.py's groups).
Each step is one SELECT; the engine materializes it under a name:

    computed   every indicator formula, per region, agency, year, period and kind
               (target, realisation): the SqlProgram of backends/sql.py over a pivot
               of the values the formula reads (columns `<id>__<year>`)
    capaian    T and R per indicator (the computed value, else the printed one), the
               achievement rule of its polarity (achievement.RULE_FORMULAS, compiled
               by the same SqlProgram), presented half-up to 2 decimals, its predikat
    rollups    quarters (TW1-TW4) or months to the year by the definition's rollup,
               and each budget row's children summed
    findings   the audit's arithmetic checks: a printed figure whose recomputation does
               not round to its printed digits (value, capaian, rollup)

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


def decimal(expression: exp.Expression, scale: int = SCALE) -> exp.Cast:
    return exp.Cast(this=expression, to=exp.DataType.build(f"DECIMAL({PRECISION}, {scale})"))


def bigint(expression: exp.Expression) -> exp.Cast:
    return exp.Cast(this=expression, to=exp.DataType.build("BIGINT"))


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


def whole_inputs() -> exp.Select:
    """Each id with a value, and whether every value of it is whole."""
    whole = exp.Case().when(equal(col("value"), exp.Floor(this=col("value"))), number(1))
    return (
        exp.select(col("indicator"), alias(exp.Min(this=whole.else_(number(0))), "whole"))
        .from_(table("fe_values"), copy=False)
        .where(exp.Not(this=exp.Is(this=col("value"), expression=exp.Null())), copy=False)
        .group_by(col("indicator"), copy=False)
    )


def job_source(job: Job, integers: frozenset[str]) -> exp.Select:
    return group_source([job], integers)


def group_source(jobs: Sequence[Job], integers: frozenset[str]) -> exp.Select:
    """The values the jobs' formulas read (jobs of one group), one row per region,
    agency, period and kind (target, realisation), one column `<id>__<year>` per slot
    (`<id>__awal`: the baseline of the plan's baseline year): one pass over the values
    for all the group's formulas."""
    job = jobs[0]
    slots = list(dict.fromkeys(slot for j in jobs for slot in j.slots()))
    yearly = [(i, k) for i, k in slots if k != BASELINE]
    baseline = [i for i, k in slots if k == BASELINE]
    ids = sorted({i for i, _ in slots})
    group = equal(col("grp", "g"), number(job.group))
    in_group = same_key("v", "g", ("region", "agency"))

    def cell(identifier: str, condition: exp.Expression, name: str) -> exp.Alias:
        picked = exp.Max(this=exp.Case().when(condition, col("value", "v")))
        return alias(bigint(picked) if identifier in integers else picked, name)

    pivot_columns = [
        cell(
            i,
            both(equal(col("indicator", "v"), string(i)), equal(col("year", "v"), number(int(k)))),
            column_name(i, k),
        )
        for i, k in yearly
    ]
    keys = [col(c, "v") for c in ("region", "agency", "period", "kind")]
    pivot = (
        exp.select(*keys, *pivot_columns)
        .from_(table("fe_values", "v"), copy=False)
        .join(table("fe_groups", "g"), on=in_group, copy=False)
        .where(
            both(
                group,
                among(col("kind", "v"), ("target", "realisation")),
                among(col("indicator", "v"), ids),
            ),
            copy=False,
        )
        .group_by(*[k.copy() for k in keys], copy=False)
    )
    four = ("region", "agency", "period", "kind")
    source = (
        exp.select(
            *[col(c, "f") for c in four],
            *[col(column_name(i, k), "pv") for i, k in yearly],
            *[col(column_name(i, BASELINE), "b") for i in baseline],
        )
        .from_(table("frame", "f"), copy=False)
        .join(
            exp.Subquery(this=pivot, alias=exp.TableAlias(this=exp.to_identifier("pv"))),
            on=same_key("f", "pv", four),
            join_type="left",
            copy=False,
        )
        .where(equal(col("grp", "f"), number(job.group)), copy=False)
    )
    if baseline:
        base_columns = [
            cell(i, equal(col("indicator", "v"), string(i)), column_name(i, BASELINE))
            for i in baseline
        ]
        base_keys = [col("region", "v"), col("agency", "v")]
        base = (
            exp.select(*base_keys, *base_columns)
            .from_(table("fe_values", "v"), copy=False)
            .join(table("fe_groups", "g"), on=in_group.copy(), copy=False)
            .join(table("fe_plans", "p"), on=same_key("v", "p", ("region", "agency")), copy=False)
            .where(
                both(
                    group.copy(),
                    equal(col("kind", "v"), string("baseline")),
                    equal(col("year", "v"), col("baseline_year", "p")),
                    among(col("indicator", "v"), baseline),
                ),
                copy=False,
            )
            .group_by(*[k.copy() for k in base_keys], copy=False)
        )
        source = source.join(
            exp.Subquery(this=base, alias=exp.TableAlias(this=exp.to_identifier("b"))),
            on=same_key("f", "b", ("region", "agency")),
            join_type="left",
            copy=False,
        )
    return source


def job_query(job: Job, integers: frozenset[str], source_table: str | None = None) -> exp.Query:
    """The job's formula for each of its years, by the SQL back-end, over its source
    (the table `source_table` made by group_source, or its own pivot)."""
    slots = job.slots()
    selects: list[exp.Query] = []
    for year, root in job.years.items():
        program = SqlProgram(root, integers=integers & {i for i, _ in slots})
        if program.final.kind == "bool":
            continue  # a condition is not an indicator's value (units rule this out)
        inner = program.query(source_table or "t", keep=["region", "agency", "period", "kind"])
        selects.append(
            exp.select(
                col("region"),
                col("agency"),
                alias(string(job.indicator), "indicator"),
                alias(number(year), "year"),
                col("period"),
                col("kind"),
                alias(decimal(col("value")), "value"),
                col("reason"),
            ).from_(
                exp.Subquery(this=inner, alias=exp.TableAlias(this=exp.to_identifier("p"))),
                copy=False,
            )
        )
    if not selects:
        return empty_computed()
    if source_table is not None:
        return union_all(selects)
    return union_all(selects).with_("t", as_=job_source(job, integers), copy=False)


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


def printed(kinds: Sequence[str], per_table: bool = False) -> exp.Select:
    """fe_values of `kinds`, one row per (key, kind), or per (key, kind, table) with
    `per_table`: the first by source."""
    partition = [col(c) for c in (*KEY, "kind", *(["table"] if per_table else []))]
    window = exp.Window(
        this=exp.RowNumber(),
        partition_by=partition,
        order=exp.Order(expressions=[exp.Ordered(this=col("source"))]),
    )
    ranked = (
        exp.select(exp.Star(), alias(window, "_n"))
        .from_(table("fe_values"), copy=False)
        .where(among(col("kind"), kinds), copy=False)
    )
    return (
        exp.select(
            *[
                col(c)
                for c in (*KEY, "kind", "value", "intended", "decimals", "text", "table", "source")
            ]
        )
        .from_(
            exp.Subquery(this=ranked, alias=exp.TableAlias(this=exp.to_identifier("r"))), copy=False
        )
        .where(equal(col("_n"), number(1)), copy=False)
    )


# 2. capaian.


def figures() -> exp.Select:
    """T and R per key: the computed value where computable, else the printed one."""
    keys = [exp.Coalesce(this=col(c, "c"), expressions=[col(c, "p")]) for c in (*KEY, "kind")]
    value = exp.Coalesce(this=col("value", "c"), expressions=[col("value", "p")])
    joined = (
        exp.select(
            *[alias(k, c) for k, c in zip(keys, (*KEY, "kind"), strict=True)], alias(value, "value")
        )
        .from_(table("computed", "c"), copy=False)
        .join(
            exp.Subquery(
                this=printed(("target", "realisation")),
                alias=exp.TableAlias(this=exp.to_identifier("p")),
            ),
            on=same_key("c", "p", (*KEY, "kind")),
            join_type="full",
            copy=False,
        )
    )
    pick = {
        name: exp.Max(this=exp.Case().when(equal(col("kind"), string(kind)), col("value")))
        for name, kind in (("t", "target"), ("r", "realisation"))
    }
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


def findings() -> exp.Query:
    """value: a printed T or R against its formula; capaian: a printed capaian against
    the rule; rollup: a printed yearly figure against its quarters or its children."""
    sources = (
        ("value", "computed", ("target", "realisation"), "value"),
        ("capaian", "capaian", ("achievement",), "capaian"),
        ("rollup", "rollups", ("target", "realisation", "budget"), "value"),
    )
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
                    this=printed(kinds), alias=exp.TableAlias(this=exp.to_identifier("p"))
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
    return union_all(selects)


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
