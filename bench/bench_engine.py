"""Side-by-side figures for the engine: batch, single evaluation, cold start.

    python bench/bench_engine.py                 # every section, 10^4..10^6 rows
    python bench/bench_engine.py --rows 100000   # one size
    python bench/bench_engine.py --section batch --out docs/bench-output.md

Everything is timed in this one process, round-robin (each contender once per round,
in alternating order; short runs repeated to about 10^6 rows per sample), and reported
as medians over rounds and as ratios to a baseline measured in the same rounds (the
batch and table ratios: the median of the per-round ratios, which a burst of load from
other processes on a shared machine disturbs less than a ratio of medians):
hand-written numpy for the batch path, a Python lambda for a single evaluation, bare
`import sympy, lark, pydantic` for cold start. numexpr, polars and duckdb are optional
contenders (`pip install -e '.[bench]'`); a missing one is reported, not faked.

Every contender computes the same values as our exact semantics (NaN where a denominator
is zero); the script checks that before it times anything.
"""

from __future__ import annotations

import argparse
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from formula_engine import Declarations, Indicator, Input, Model, Plan
from formula_engine.model import Values

Array = np.ndarray[Any, np.dtype[np.float64]]
ROOT = Path(__file__).resolve().parent.parent
YEAR = 2024
PLAN = Plan(first_year=2022, last_year=2026)


@dataclass
class Kind:
    """One kind of formula, and the same computation written by hand for each contender."""

    name: str
    formula: str
    inputs: dict[str, str]  # id -> unit
    columns: list[tuple[str, int]]  # the (input, year) columns the formula reads
    numpy: Callable[[dict[str, Array]], Array]
    numexpr: str  # over column names c0, c1, ...
    polars: Callable[[Any], Any]  # polars namespace -> expression over c0, c1, ...
    sql: str  # over columns c0, c1, ... of table t
    zeros_in: list[int] = field(default_factory=list)  # columns that get some zeros


def _share(c: dict[str, Array]) -> Array:
    a, b = c["c0"], c["c1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b * 100.0
    out[b == 0.0] = np.nan
    return out


def _change(c: dict[str, Array]) -> Array:
    before, now = c["c0"], c["c1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (before - now) / before * 100.0
    out[before == 0.0] = np.nan
    return out


def _cumulative(c: dict[str, Array]) -> Array:
    total = c["c0"] + c["c1"] + c["c2"]
    b = c["c3"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = total / b * 100.0
    out[b == 0.0] = np.nan
    return out


def _polarity(c: dict[str, Array]) -> Array:
    t, r = c["c0"], c["c1"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (2.0 * t - r) / t * 100.0
    out[t == 0.0] = np.nan
    return out


def _rollup(c: dict[str, Array]) -> Array:
    parts = c["c1"] + c["c2"] + c["c3"] + c["c4"] + c["c5"]
    return (c["c0"] == parts).astype(np.float64)


def _kinds() -> list[Kind]:
    cumulative_years = [(2022, "c0"), (2023, "c1"), (2024, "c2")]
    return [
        Kind(
            "share",
            "a / b x 100%",
            {"a": "orang", "b": "orang"},
            [("a", YEAR), ("b", YEAR)],
            _share,
            "where(c1 == 0, nan, c0 / c1 * 100)",
            lambda pl: (
                pl.when(pl.col("c1") == 0).then(None).otherwise(pl.col("c0") / pl.col("c1") * 100)
            ),
            "SELECT CASE WHEN c1 = 0 THEN NULL ELSE c0 / c1 * 100 END FROM t",
            zeros_in=[1],
        ),
        Kind(
            "change vs n-1",
            "(a[n-1] - a) / a[n-1] x 100%",
            {"a": "orang"},
            [("a", YEAR - 1), ("a", YEAR)],
            _change,
            "where(c0 == 0, nan, (c0 - c1) / c0 * 100)",
            lambda pl: (
                pl.when(pl.col("c0") == 0)
                .then(None)
                .otherwise((pl.col("c0") - pl.col("c1")) / pl.col("c0") * 100)
            ),
            "SELECT CASE WHEN c0 = 0 THEN NULL ELSE (c0 - c1) / c0 * 100 END FROM t",
            zeros_in=[0],
        ),
        Kind(
            "cumulative share",
            "akumulasi(a) / b x 100%",
            {"a": "orang", "b": "orang"},
            [("a", year) for year, _ in cumulative_years] + [("b", YEAR)],
            _cumulative,
            "where(c3 == 0, nan, (c0 + c1 + c2) / c3 * 100)",
            lambda pl: (
                pl.when(pl.col("c3") == 0)
                .then(None)
                .otherwise((pl.col("c0") + pl.col("c1") + pl.col("c2")) / pl.col("c3") * 100)
            ),
            "SELECT CASE WHEN c3 = 0 THEN NULL ELSE (c0 + c1 + c2) / c3 * 100 END FROM t",
            zeros_in=[3],
        ),
        Kind(
            "polarity achievement",
            "(2 x t - r) / t x 100%",
            {"t": "1", "r": "1"},
            [("t", YEAR), ("r", YEAR)],
            _polarity,
            "where(c0 == 0, nan, (2 * c0 - c1) / c0 * 100)",
            lambda pl: (
                pl.when(pl.col("c0") == 0)
                .then(None)
                .otherwise((2 * pl.col("c0") - pl.col("c1")) / pl.col("c0") * 100)
            ),
            "SELECT CASE WHEN c0 = 0 THEN NULL ELSE (2 * c0 - c1) / c0 * 100 END FROM t",
            zeros_in=[0],
        ),
        Kind(
            "budget rollup equality",
            "p = s1 + s2 + s3 + s4 + s5",
            {name: "Rp" for name in ("p", "s1", "s2", "s3", "s4", "s5")},
            [("p", YEAR)] + [(f"s{i}", YEAR) for i in range(1, 6)],
            _rollup,
            "where(c0 == c1 + c2 + c3 + c4 + c5, 1.0, 0.0)",
            lambda pl: (
                pl.col("c0")
                == pl.col("c1") + pl.col("c2") + pl.col("c3") + pl.col("c4") + pl.col("c5")
            ).cast(pl.Float64),
            "SELECT CAST(c0 = c1 + c2 + c3 + c4 + c5 AS DOUBLE) FROM t",
        ),
    ]


def _data(kind: Kind, rows: int, seed: int = 7) -> dict[str, Array]:
    generator = np.random.default_rng(seed)
    data: dict[str, Array] = {}
    for index in range(len(kind.columns)):
        column = generator.integers(0, 10_000, rows).astype(np.float64)
        if index not in kind.zeros_in:
            column[column == 0.0] = 1.0
        data[f"c{index}"] = column
    if kind.name == "budget rollup equality":  # half the rows add up
        parts = sum(data[f"c{i}"] for i in range(1, 6))
        data["c0"] = np.where(generator.random(rows) < 0.5, parts, parts + 1.0)
    return data


def _model(kind: Kind) -> Model:
    inputs = [Input(id=i, label=i, unit=unit, domain="real") for i, unit in kind.inputs.items()]
    return Model(Declarations(plan=PLAN, inputs=tuple(inputs)))


def _round_robin(
    contenders: dict[str, Callable[[], object]], rounds: int, repeat: int = 1
) -> dict[str, list[float]]:
    """Seconds per run of each contender, one sample per round: each round runs every
    contender once (`repeat` times back to back, for short runs), in alternating order
    (forward, then backward), so that contenders of a round share the machine's state."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for index in range(rounds):
        for name in names if index % 2 == 0 else names[::-1]:
            run = contenders[name]
            start = time.perf_counter()
            for _ in range(repeat):
                run()
            times[name].append((time.perf_counter() - start) / repeat)
    return times


def _medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in times.items()}


def _ratios(times: dict[str, list[float]], base: str) -> dict[str, float]:
    """Per contender, the median over rounds of its time / the baseline's time in the
    same round: a burst of load from other processes slows both sides of one round."""
    return {
        name: statistics.median(t / b for t, b in zip(values, times[base], strict=True))
        for name, values in times.items()
    }


def _fastest(times: dict[str, list[float]], name: str, base: str) -> float:
    """The fastest sample of `name` over the fastest of `base`: the cost of the work when
    no other process interrupted either (timeit's advice), beside the medians."""
    return min(times[name]) / min(times[base])


def _repeat(rows: int) -> int:
    """Runs per sample: about 10^6 rows' worth, so a sample is not a few microseconds."""
    return max(1, 1_000_000 // rows)


def _optional(name: str) -> Any:
    try:
        return __import__(name)
    except ImportError:
        return None


def _same(name: str, expected: Array, actual: object) -> None:
    values = np.asarray(actual, dtype=np.float64).reshape(-1)
    if not np.allclose(values, expected, rtol=1e-12, equal_nan=True):
        raise SystemExit(f"{name} does not compute the same values as hand-written numpy")


def _bandwidth_floor(columns: int, rows: int) -> float:
    """Seconds to read `columns` float64 columns and write one, at this machine's copy speed."""
    source, target = np.ones(8_000_000), np.empty(8_000_000)
    best = min(_timed(lambda: np.copyto(target, source)) for _ in range(5))
    bytes_per_second = 2 * source.nbytes / best
    return (columns + 1) * 8 * rows / bytes_per_second


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def bench_batch(sizes: list[int], rounds: int) -> list[str]:
    numexpr, polars, duckdb = _optional("numexpr"), _optional("polars"), _optional("duckdb")
    lines = [
        "| kind | rows | engine (ms) | numpy (ms) | engine/numpy | fastest: engine/numpy "
        "| numexpr/numpy | polars/numpy | duckdb/numpy | floor/numpy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in _kinds():
        formula = _model(kind).compile(kind.formula)
        for rows in sizes:
            data = _data(kind, rows)
            columns = {key: data[f"c{i}"] for i, key in enumerate(kind.columns)}
            expected = kind.numpy(data)
            contenders: dict[str, Callable[[], object]] = {
                "engine": lambda f=formula, c=columns, n=rows: f.evaluate_many(c, YEAR, n),
                "numpy": lambda k=kind, d=data: k.numpy(d),
            }
            if numexpr is not None:
                contenders["numexpr"] = lambda k=kind, d=data: numexpr.evaluate(
                    k.numexpr, local_dict={**d, "nan": np.nan}
                )
            if polars is not None:
                frame = polars.DataFrame(data)
                contenders["polars"] = lambda k=kind, f=frame: f.select(
                    k.polars(polars)
                ).to_series()
            if duckdb is not None:
                connection = duckdb.connect()
                connection.register("t", polars.DataFrame(data) if polars else data)
                contenders["duckdb"] = lambda k=kind, c=connection: c.execute(k.sql).fetchnumpy()
            for name, run in contenders.items():
                result = run()
                if name == "duckdb":
                    assert isinstance(result, dict)
                    result = np.ma.filled(next(iter(result.values())).astype(float), np.nan)
                elif name == "polars":
                    result = result.to_numpy()  # type: ignore[attr-defined]
                _same(name, expected, result)
            times = _round_robin(contenders, rounds, _repeat(rows))
            medians, ratios = _medians(times), _ratios(times, "numpy")
            base = medians["numpy"]

            def ratio(name: str, ratios: dict[str, float] = ratios) -> str:
                return f"{ratios[name]:.2f}×" if name in ratios else "n/a"

            floor = _bandwidth_floor(len(kind.columns), rows) / base
            lines.append(
                f"| {kind.name} | {rows:,} | {medians['engine'] * 1e3:.3f} | {base * 1e3:.3f} "
                f"| {ratio('engine')} | {_fastest(times, 'engine', 'numpy'):.2f}× "
                f"| {ratio('numexpr')} | {ratio('polars')} "
                f"| {ratio('duckdb')} | {floor:.2f}× |"
            )
    return lines


def _catalog_of_kinds() -> tuple[Model, list[tuple[Kind, dict[str, str]]]]:
    """One Model whose indicators are the five kinds, each over its own inputs
    (`k<i>_<input>`), as a small catalog."""
    kinds, inputs, indicators = _kinds(), [], []
    renamed: list[tuple[Kind, dict[str, str]]] = []
    for index, kind in enumerate(kinds):
        names = {name: f"k{index}_{name}" for name in kind.inputs}
        formula = re.sub(r"\b(\w+)\b", lambda m, n=names: n.get(m[1], m[1]), kind.formula)
        inputs += [Input(id=names[i], label=names[i], unit=u) for i, u in kind.inputs.items()]
        unit = "%"
        if "=" in formula:  # an indicator has a unit, not a truth value: 1 where it holds
            formula, unit = f"if({formula}, 1, 0)", "1"
        indicators.append(Indicator(id=f"k{index}", label=kind.name, unit=unit, formula=formula))
        renamed.append((kind, names))
    declarations = Declarations(plan=PLAN, inputs=tuple(inputs), indicators=tuple(indicators))
    return Model(declarations), renamed


def bench_table(sizes: list[int], rounds: int) -> list[str]:
    """Model.evaluate_table over every indicator of a model, against the sum of the
    hand-written numpy of the same formulas on the same rows; and with the reasons of the
    values that are not computable (the default), which hand-written numpy does not give."""
    model, kinds = _catalog_of_kinds()
    lines = [
        "| rows | engine (ms) | sum of numpy (ms) | engine/numpy | fastest: engine/numpy "
        "| µs per 1,000 rows | with reasons (ms) | with reasons/numpy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in sizes:
        table: dict[str, Array] = {}
        datas = []
        for kind, names in kinds:
            data = _data(kind, rows)
            datas.append((kind, data))
            for j, (name, year) in enumerate(kind.columns):
                table[f"{names[name]}__{year}"] = data[f"c{j}"]
        result = model.evaluate_table(table, [YEAR], reasons=False)
        for index, (kind, data) in enumerate(datas):
            computed = result.values[(f"k{index}", YEAR)]
            _same(f"evaluate_table {kind.name}", kind.numpy(data), computed)

        def by_hand(datas: list[tuple[Kind, dict[str, Array]]] = datas) -> list[Array]:
            # every result kept until all are computed, as evaluate_table keeps them
            # (dropping each at once lets the next reuse its memory: no page faults)
            return [kind.numpy(data) for kind, data in datas]

        contenders: dict[str, Callable[[], object]] = {
            "engine": lambda t=table: model.evaluate_table(t, [YEAR], reasons=False),
            "numpy": by_hand,
            "reasons": lambda t=table: model.evaluate_table(t, [YEAR]),  # the default
        }
        times = _round_robin(contenders, rounds, _repeat(rows))
        medians, ratios = _medians(times), _ratios(times, "numpy")
        engine, base = medians["engine"], medians["numpy"]
        lines.append(
            f"| {rows:,} | {engine * 1e3:.3f} | {base * 1e3:.3f} | {ratios['engine']:.2f}× "
            f"| {_fastest(times, 'engine', 'numpy'):.2f}× | {engine / rows * 1e9:.1f} "
            f"| {medians['reasons'] * 1e3:.3f} | {ratios['reasons']:.2f}× |"
        )
    return lines


YEARS = [2023, 2024, 2025, 2026]  # the plan's years with a year before them (n-1)


def _cumulative_of(c: dict[str, Array]) -> Array:
    """akumulasi(a) / b x 100% over any number of years: c0 ... the a's, the last one b."""
    *terms, b = (c[f"c{index}"] for index in range(len(c)))
    total = terms[0] + terms[1] if len(terms) > 1 else terms[0].copy()
    for term in terms[2:]:
        total += term
    with np.errstate(divide="ignore", invalid="ignore"):
        out = total / b * 100.0
    out[b == 0.0] = np.nan
    return out


def _columns_of(kind: Kind, year: int) -> list[tuple[str, int]]:
    """The (input, year) columns of `kind` for `year`: each column as many years on."""
    if kind.name == "cumulative share":
        return [("a", each) for each in range(PLAN.first_year, year + 1)] + [("b", year)]
    return [(name, at + year - YEAR) for name, at in kind.columns]


def bench_years(sizes: list[int], rounds: int) -> list[str]:
    """Model.evaluate_table over the five kinds for every year of YEARS at once (R rows x
    years, as a whole catalog is evaluated), against hand-written numpy of every kind
    for every year on the same columns."""
    model, kinds = _catalog_of_kinds()
    lines = [
        "| rows | years | engine (ms) | sum of numpy (ms) | engine/numpy "
        "| fastest: engine/numpy | with reasons (ms) | with reasons/numpy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in sizes:
        generator = np.random.default_rng(7)
        table: dict[str, Array] = {}
        work: list[tuple[Callable[[dict[str, Array]], Array], dict[str, Array], str]] = []
        for index, (kind, names) in enumerate(kinds):
            for year in YEARS:
                data: dict[str, Array] = {}
                for place, (name, at) in enumerate(_columns_of(kind, year)):
                    column = f"{names[name]}__{at}"
                    if column not in table:
                        table[column] = generator.integers(0, 10_000, rows).astype(np.float64)
                    data[f"c{place}"] = table[column]
                if kind.name == "budget rollup equality":  # half the rows add up
                    parts = sum(data[f"c{i}"] for i in range(1, 6))
                    data["c0"] = np.where(generator.random(rows) < 0.5, parts, parts + 1.0)
                    table[f"{names['p']}__{year}"] = data["c0"]
                hand = _cumulative_of if kind.name == "cumulative share" else kind.numpy
                work.append((hand, data, f"k{index}"))
        result = model.evaluate_table(table, YEARS, reasons=False)
        for position, (hand, data, identifier) in enumerate(work):
            year = YEARS[position % len(YEARS)]
            _same(
                f"evaluate_table {identifier} {year}", hand(data), result.values[(identifier, year)]
            )

        def by_hand(work: list[Any] = work) -> list[Array]:
            return [hand(data) for hand, data, _ in work]

        contenders: dict[str, Callable[[], object]] = {
            "engine": lambda t=table: model.evaluate_table(t, YEARS, reasons=False),
            "numpy": by_hand,
            "reasons": lambda t=table: model.evaluate_table(t, YEARS),
        }
        times = _round_robin(contenders, rounds, _repeat(rows * len(YEARS)))
        medians, ratios = _medians(times), _ratios(times, "numpy")
        lines.append(
            f"| {rows:,} | {len(YEARS)} | {medians['engine'] * 1e3:.3f} "
            f"| {medians['numpy'] * 1e3:.3f} | {ratios['engine']:.2f}× "
            f"| {_fastest(times, 'engine', 'numpy'):.2f}× | {medians['reasons'] * 1e3:.3f} "
            f"| {ratios['reasons']:.2f}× |"
        )
    return lines


def bench_catalog(sizes: list[int], rounds: int) -> list[str]:
    """The bundled catalog's Model (its indicators of 2024, for every year of the plan)
    over R rows of random inputs (0-999, so some denominators are zero): evaluate_table,
    plain and with reasons, against our compiled float function of each formula called
    row by row on prepared Python floats (`CompiledFormula.scalar`, as fast as a Python
    lambda, see One evaluation)."""
    from formula_engine import ir
    from formula_engine.api import load_catalog

    model = load_catalog(ROOT / "catalog").model(YEAR)
    years = list(range(PLAN.first_year, PLAN.last_year + 1))
    programs = [(i, y, model.indicator(i).scalar(y)) for y in years for i in model.order]
    keys = sorted(
        {(s.input, s.key) for i in model.order for y in years
         for s in ir.slots(model.lower(model.indicator(i), y))},
        key=str,
    )  # fmt: skip
    lines = [
        f"{len(model.order)} indicators x {len(years)} years, {len(keys)} input columns",
        "",
        "| rows | engine (ms) | with reasons (ms) | scalar per row (ms) | engine/scalar "
        "| with reasons/scalar | ns per value |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for rows in sizes:
        generator = np.random.default_rng(7)
        table = {
            f"{name}__{year}": generator.integers(0, 1000, rows).astype(np.float64)
            for name, year in keys
        }
        floats = {key: table[f"{key[0]}__{key[1]}"].tolist() for key in keys}
        nan = float("nan")
        prepared = [
            (identifier, year, program.function,
             list(zip(*(floats.get(key, [nan] * rows) for key in program.keys), strict=True)))
            for identifier, year, program in programs
        ]  # fmt: skip

        def by_row(prepared: list[Any] = prepared) -> dict[tuple[str, int], list[float]]:
            return {(i, y): [function(*row) for row in args] for i, y, function, args in prepared}

        result = model.evaluate_table(table, years, reasons=False)
        for key, values in by_row().items():
            _same(f"the catalog's {key}", np.array(values), result.values[key])
        contenders: dict[str, Callable[[], object]] = {
            "engine": lambda t=table: model.evaluate_table(t, years, reasons=False),
            "reasons": lambda t=table: model.evaluate_table(t, years),
            "scalar": by_row,
        }
        times = _round_robin(contenders, rounds)
        medians, ratios = _medians(times), _ratios(times, "scalar")
        per_value = medians["engine"] / (rows * len(programs)) * 1e9
        lines.append(
            f"| {rows:,} | {medians['engine'] * 1e3:.2f} | {medians['reasons'] * 1e3:.2f} "
            f"| {medians['scalar'] * 1e3:.1f} | {ratios['engine']:.3f}× "
            f"| {ratios['reasons']:.3f}× | {per_value:.1f} |"
        )
    return lines


def bench_single(rounds: int) -> list[str]:
    kind = _kinds()[0]
    formula = _model(kind).compile(kind.formula)
    values = {"a": {YEAR: 1009}, "b": {YEAR: 6212}}
    given = Values(formula.model.table, values)  # converted once, as a caller may keep it
    floats, fractions = {"a": 1009.0, "b": 6212.0}, {"a": Fraction(1009), "b": Fraction(6212)}
    program = formula.scalar(YEAR)  # the float scalar path: one float per key, in order
    scalar, row = program.function, tuple(floats[name] for name, _ in program.keys)

    def share(a: Any, b: Any) -> Any:
        return a / b * 100

    assert scalar(*row) == share(**floats)

    repeat = 2_000
    contenders: dict[str, Callable[[], object]] = {
        "engine exact": lambda: [formula.evaluate(values, YEAR) for _ in range(repeat)],
        "engine evaluate_value": lambda: [
            formula.evaluate_value(given, YEAR) for _ in range(repeat)
        ],
        "engine scalar f(*v)": lambda: [scalar(*row) for _ in range(repeat)],
        "Python lambda f(**d)": lambda: [share(**floats) for _ in range(repeat)],
        "Fraction lambda f(**d)": lambda: [share(**fractions) for _ in range(repeat)],
    }
    medians = _medians(_round_robin(contenders, rounds))
    base = medians["Python lambda f(**d)"]
    lines = ["| contender | µs per evaluation | ratio to lambda |", "|---|---:|---:|"]
    for name, seconds in medians.items():
        lines.append(f"| {name} | {seconds / repeat * 1e6:.2f} | {seconds / base:.1f}× |")
    return lines


def bench_cold(rounds: int) -> list[str]:
    python = sys.executable
    renstra = [python, "-m", "formula_engine"]
    contenders = {
        "bare import sympy, lark, pydantic": [python, "-c", "import sympy, lark, pydantic"],
        "renstra check catalog": [*renstra, "check", str(ROOT / "catalog")],
        "renstra audit": [*renstra, "audit", "--no-fail"],
    }

    def run(command: list[str]) -> Callable[[], object]:
        return lambda: subprocess.run(command, capture_output=True, check=False, cwd=ROOT)

    medians = _medians(_round_robin({name: run(cmd) for name, cmd in contenders.items()}, rounds))
    base = medians["bare import sympy, lark, pydantic"]
    lines = ["| command | seconds | ratio to bare imports |", "|---|---:|---:|"]
    for name, seconds in medians.items():
        lines.append(f"| {name} | {seconds:.2f} | {seconds / base:.2f}× |")
    return lines


def machine() -> str:
    import os

    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}"
    )


def _load() -> float:
    """The 1-minute load average (other processes share the machine: say how many)."""
    import os

    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, action="append", help="batch sizes (repeatable)")
    parser.add_argument("--rounds", type=int, default=11, help="round-robin rounds (median)")
    parser.add_argument(
        "--section",
        choices=["batch", "table", "catalog", "single", "cold", "all"],
        default="all",
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    arguments = parser.parse_args()
    sizes = arguments.rows or [10_000, 100_000, 1_000_000]
    start_load = _load()
    out = [f"Machine: {machine()}", ""]
    if arguments.section in ("batch", "all"):
        out += ["### Batch (median of round-robin runs, ratio to hand-written numpy)", ""]
        out += [*bench_batch(sizes, arguments.rounds), ""]
    if arguments.section in ("table", "all"):
        out += ["### Whole model (`Model.evaluate_table`, the five kinds as indicators)", ""]
        out += [*bench_table(sizes, arguments.rounds), ""]
        out += ["Every year of the plan with a year before it, in one call:", ""]
        out += [*bench_years(sizes, arguments.rounds), ""]
    if arguments.section in ("catalog", "all"):
        out += ["### The bundled catalog (`Model.evaluate_table`, 514 rows: the regions)", ""]
        out += [*bench_catalog([514, 10_000], arguments.rounds), ""]
    if arguments.section in ("single", "all"):
        out += ["### One evaluation", "", *bench_single(arguments.rounds), ""]
    if arguments.section in ("cold", "all"):
        out += ["### Cold start (whole processes)", ""]
        out += [*bench_cold(max(3, arguments.rounds // 2)), ""]
    out += [f"Load average (1 min) at the start: {start_load:.1f}, at the end: {_load():.1f}", ""]
    text = "\n".join(out)
    print(text)
    if arguments.out:
        arguments.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
