"""National scale (issue 13): `renstra batch` throughput on DuckDB, Spark local and numpy.

    .venv/bin/python bench/bench_scale.py                      # 10^5 and 10^6, every engine
    .venv/bin/python bench/bench_scale.py --sizes 100000 1000000 10000000 --engines duckdb

A base of synthetic regions (scale/synth.py, seed 7) is replicated under new region
names until the values table has the asked number of rows (realisations, targets,
baselines, budgets and printed capaian: every row the batch reads); each size is
written to Parquet once, then each engine runs the whole batch (every formula, capaian,
predikat, rollups, findings, the four result files written as `renstra batch -o`
writes them) and the wall time is taken. Figures: values rows per
second, indicator values (formula values + capaian) per second, and the growth from
one size to the next (1.0 per tenfold: linear); on DuckDB also the formulas' own
statement (every formula of every region: `computed`) and the values' read, timed
by the engine (BatchResult.seconds). The 90-million-row projection
extrapolates the largest size linearly. The CPU seconds (every thread of this
process: DuckDB's, numpy's; not Spark's JVM) vary less than the wall time on the
shared machine. `--verify` checks each result (not timed) with `renstra verify`: 20
regions on the exact path, and the findings against the planted misprints of every
copy (the dataset's manifest.json). Results go to docs/performance.md by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from formula_engine.scale import batch, layout, synth
from formula_engine.scale.verify import verify

BASE_REGIONS = 8
NATIONAL_ROWS = 90_000_000


def dataset(rows: int, folder: Path, repeated: float = 0.0) -> int:
    """A dataset of about `rows` values rows under `folder`; returns the rows written.
    `repeated`: that share of the targets and realisations printed a second time, in
    another table (as the bundled catalog repeats 4% of its keys), so the batch has
    first figures to choose."""
    base, manifest = synth.synthesize(BASE_REGIONS, 7)
    tables = {name: base.table(name) for name in layout.TABLES}
    copies = max(1, round(rows / tables["values"].num_rows))
    # the base's planted misprints in every copy, for `renstra verify` (--verify)
    planted = [
        {**m, "region": f"{m['region']}-{copy:05d}"}
        for copy in range(copies)
        for m in manifest.misprints
    ]
    (folder / "manifest.json").write_text(
        json.dumps({**manifest.to_dict(), "misprints": planted}, default=str), encoding="utf-8"
    )
    for name, table in tables.items():
        writer = None
        path = folder / name / "bench.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        for copy in range(copies):
            region = pc.binary_join_element_wise(
                table["region"], pa.scalar(f"-{copy:05d}"), pa.scalar("")
            )
            renamed = table.set_column(0, "region", region)
            if writer is None:
                writer = pq.ParquetWriter(path, renamed.schema, compression="zstd")
            writer.write_table(renamed)
        assert writer is not None
        writer.close()
    if repeated:
        _repeat(folder / "values", repeated)
    return sum(pq.read_metadata(f).num_rows for f in (folder / "values").glob("*.parquet"))


def _repeat(values: Path, share: float) -> None:
    """A second file of `values`: every 1/`share`-th of its target and realisation rows
    printed again in another table, "Tabel 0" (its source "Tabel 0 (salinan)" is read
    before the first by source). Not of budget rows: a budget row's children are summed
    per table, and a table of a few copied children would not add up to its parent."""
    table = pq.read_table(values / "bench.parquet")
    definitions = pq.read_table(values.parent / "definitions" / "bench.parquet")
    budget = pc.filter(definitions["indicator"], pc.equal(definitions["entry"], "budget"))
    printed = table.filter(
        pc.and_(
            pc.is_in(table["kind"], pa.array(["target", "realisation"])),
            pc.invert(pc.is_in(table["indicator"], pc.unique(budget))),
        )
    )
    step = max(1, round(1 / share))
    chosen = printed.take(pa.array(range(0, printed.num_rows, step)))
    for name, text in (("source", "Tabel 0 (salinan)"), ("table", "Tabel 0")):
        number = chosen.schema.get_field_index(name)
        chosen = chosen.set_column(number, name, pa.array([text] * chosen.num_rows, pa.string()))
    pq.write_table(chosen, values / "repeated.parquet", compression="zstd")


def load() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: state it beside
    every figure)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--engines", nargs="+", default=list(batch.ENGINES))
    parser.add_argument(
        "--repeated",
        type=float,
        default=0.0,
        help="share of targets and realisations printed twice (0.04: as the bundled catalog)",
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check each result (renstra verify: 20 regions on the exact path, the manifest)",
    )
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores (shared)")
    print(f"load average at start: {load()}")
    session = None
    if "spark" in args.engines and batch.java_missing() is None:
        session = batch.spark_session()
        session.sparkContext.setLogLevel("ERROR")
    results: dict[str, list[tuple[int, float, int]]] = {}
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="bench-scale-") as scratch:
            folder = Path(scratch)
            built = time.perf_counter()
            rows = dataset(size, folder, args.repeated)
            print(
                f"dataset: {rows:,} values rows in {time.perf_counter() - built:.1f} s", flush=True
            )
            for engine in args.engines:
                if engine == "spark" and session is None:
                    print(f"spark: skipped ({batch.java_missing()})")
                    continue
                start, cpu = time.perf_counter(), time.process_time()
                out = folder / f"result-{engine}"  # written as `renstra batch -o` does
                result = batch.run_batch([folder], engine, session=session, out=out)
                seconds = time.perf_counter() - start
                cpu = time.process_time() - cpu  # every thread of this process (DuckDB's)
                produced = result.counts["computed"] + result.counts["capaian"]
                results.setdefault(engine, []).append((rows, seconds, produced))
                print(
                    f"{engine:>6} {rows:>11,} rows {seconds:8.1f} s ({cpu:.1f} s CPU)"
                    f"  {rows / seconds:>11,.0f} rows/s"
                    f"  {produced / seconds:>10,.0f} indicator values/s"
                    f"  ({result.members} regions, {result.counts['findings']} findings,"
                    f" {result.statements} statements, load {load()})",
                    flush=True,
                )
                if args.verify:  # not timed
                    report = verify([folder], out, sample=20)
                    print(
                        f"{'':>6} verified: {report.values:,} values and {report.capaian:,} capaian"
                        f" of {report.checked} regions on the exact path, {report.different}"
                        f" different; {report.findings:,} findings for {report.planted:,}"
                        f" planted misprints, {len(report.missing)} not found,"
                        f" {len(report.extra)} not planted",
                        flush=True,
                    )
                formulas = result.seconds.get("computed")  # DuckDB: the formulas' statement
                if formulas:
                    print(
                        f"{'':>6} the formulas alone: {result.counts['computed']:,} values in"
                        f" {formulas:.2f} s, {result.counts['computed'] / formulas:,.0f} values/s;"
                        f" the values read in {result.seconds['fe_values']:.2f} s",
                        flush=True,
                    )
    for engine, runs in results.items():
        for (r0, s0, _), (r1, s1, _) in itertools.pairwise(runs):
            print(f"{engine}: {r0:,} -> {r1:,} rows: time x{s1 / s0:.1f} for rows x{r1 / r0:.1f}")
        rows, seconds, _ = runs[-1]
        projected = seconds * NATIONAL_ROWS / rows
        print(f"{engine}: 90 million rows, projected linearly from {rows:,}: {projected:,.0f} s")


if __name__ == "__main__":
    main()
