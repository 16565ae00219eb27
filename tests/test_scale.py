"""National scale (issue 13): the columnar layout, `renstra batch` on DuckDB and numpy,
the synthetic generator. The Spark engine: tests/test_scale_spark.py.

The references are independent of the SQL: the exact path (the Model's exact back-end,
achievement.achievement, bands.classify, numbers.round_half_up: scale/verify.py's
Reference) recomputed from the dataset's own rows, the audit of the bundled catalog,
and the generator's manifest.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlglot import exp

from formula_engine.audit.budgets import budget_rollups
from formula_engine.audit.indicators import cross_table, grades
from formula_engine.bands import TABLE_IDS, band_table, classify
from formula_engine.catalog import bundled_catalog_path, load_checked
from formula_engine.cli import main
from formula_engine.numbers import format_indonesian, round_half_up
from formula_engine.scale import batch, layout, queries, synth
from formula_engine.scale.plan import compiled_groups, grouped_tables, groups_of
from formula_engine.scale.verify import VALUE_KEY, Reference

SEED = 11
RATES = synth.Rates(missing=0.03, zero=0.02, misprint=0.03)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, synth.Manifest]:
    folder = tmp_path_factory.mktemp("synth")
    dataset, manifest = synth.synthesize(3, SEED, RATES)
    layout.write_dataset(dataset, folder, "synth")
    return folder, manifest


@pytest.fixture(scope="module")
def duck(synthetic: tuple[Path, synth.Manifest]) -> batch.BatchResult:
    return batch.run_batch([synthetic[0]], "duckdb")


def planted(manifest: synth.Manifest) -> set[tuple[Any, ...]]:
    return {
        (m["region"], m["indicator"], m["year"], m["kind"], m["check"]) for m in manifest.misprints
    }


def found(result: batch.BatchResult) -> set[tuple[Any, ...]]:
    return {
        (f["region"], f["indicator"], f["year"], f["kind"], f["check"])
        for f in result.tables["findings"].to_pylist()
    }


# The layout.


def test_two_regions_exported_side_by_side_are_one_dataset(tmp_path: Path) -> None:
    runner = CliRunner()
    for region in ("Kota Blitar", "Kota Contoh"):
        outcome = runner.invoke(main, ["export", "parquet", str(tmp_path), "--region", region])
        assert outcome.exit_code == 0, outcome.output
    assert len(layout.table_files(tmp_path, "values")) == 2
    result = batch.run_batch([tmp_path])
    catalog, _ = load_checked(bundled_catalog_path())
    # the audit's budget rollups that do not hold, by code and year (end-of-period aside)
    expected = {
        (figure.subject, figure.year)
        for figure in budget_rollups(catalog)
        if figure.status == "finding" and figure.year is not None
    }
    assert expected
    for region in ("Kota Blitar", "Kota Contoh"):
        rollups = {
            (f["indicator"], f["year"])
            for f in result.tables["findings"].to_pylist()
            if f["region"] == region and f["check"] == "rollup"
        }
        assert rollups == expected
    # and its figures printed again in another table with another value, as the audit
    # finds them (its "not comparable", different formula versions, are not findings)
    crossed = {
        (figure.subject, figure.year, figure.printed)
        for figure in cross_table(catalog)
        if figure.status == "finding"
    }
    assert crossed
    for region in ("Kota Blitar", "Kota Contoh"):
        found = {
            (f["indicator"], f["year"], f["printed"])
            for f in result.tables["findings"].to_pylist()
            if f["region"] == region and f["check"] == "cross_table"
        }
        assert found == crossed


def printed_again(
    tmp_path: Path, changes: Sequence[dict[str, Any]], versions: int = 1
) -> list[dict[str, Any]]:
    """The cross-table findings of a one-region dataset whose first indicator's figures
    are printed again as `changes` say (a copy of its row of `kind` and year 2023, with
    the columns given)."""
    data, _ = synth.synthesize(1, SEED, synth.Rates(0.0, 0.0, 0.0), indicators=2)
    identifier = next(d["indicator"] for d in data.definitions if d["entry"] == "indicator")
    values = list(data.values)
    for change in changes:
        kind = change.get("copy", change.get("kind", "target"))
        row = next(
            v
            for v in data.values
            if (v["indicator"], v["kind"], v["year"]) == (identifier, kind, 2023)
        )
        values.append({**row, **{k: v for k, v in change.items() if k != "copy"}})
    definitions = list(data.definitions)
    if versions > 1:  # the same formula as a second version from 2025
        first = next(d for d in definitions if d["indicator"] == identifier)
        definitions.append({**first, "version": 2, "valid_from": 2025})
    layout.write_dataset(layout.Dataset(data.plans, definitions, values), tmp_path, "x")
    found = batch.run_batch([tmp_path]).tables["findings"].to_pylist()
    return [f for f in found if f["check"] == "cross_table"]


def test_a_figure_printed_again_in_another_table_with_another_value_is_found(
    tmp_path: Path,
) -> None:
    # "tabel 9" sorts after the synthetic rows' source "sintetis": the copy is the later
    again = {"table": "Tabel 9", "source": "tabel 9, baris 1", "value": Decimal("1.5")}
    (finding,) = printed_again(tmp_path / "other", [{**again, "text": "1,5"}])
    assert (finding["kind"], finding["year"], finding["printed"]) == ("target", 2023, "1,5")
    assert finding["source"] == "tabel 9, baris 1" and finding["recomputed"] != Decimal("1.5")
    # the same value in another table, another value in the same table: nothing
    row_value = {"table": "Tabel 9", "source": "tabel 9, baris 1"}
    assert printed_again(tmp_path / "same", [row_value]) == []
    assert printed_again(tmp_path / "one", [{"source": "sintetis 2", "value": 1}]) == []
    # an indicator with two formula versions: not compared (the audit: not comparable)
    assert printed_again(tmp_path / "versions", [{**again, "text": "1,5"}], versions=2) == []


def test_a_baseline_and_the_realisation_of_its_year_are_one_figure(tmp_path: Path) -> None:
    baseline = {"copy": "realisation", "kind": "baseline", "table": "Tabel 9"}
    later = {**baseline, "source": "tabel 9, baris 1", "value": Decimal("2.5"), "text": "2,5"}
    (finding,) = printed_again(tmp_path / "later", [later])  # the baseline is printed later
    assert (finding["kind"], finding["printed"]) == ("baseline", "2,5")
    earlier = {**later, "source": "Tabel 0, baris 1"}  # before "sintetis": the realisation is
    (finding,) = printed_again(tmp_path / "earlier", [earlier])  # then the later one
    assert finding["kind"] == "realisation" and finding["recomputed"] == Decimal("2.5")
    assert printed_again(tmp_path / "equal", [{**baseline, "source": "tabel 9"}]) == []


def test_a_printed_grade_that_is_not_its_scores_band_is_found(tmp_path: Path) -> None:
    """The audit's grade check: "A (84,96)" holds where 84,96 is in band A of the
    indicator's grade table; the same score printed "C (84,96)" is a finding; a grade
    without a score, or a score alone, is not checked."""
    catalog, _ = load_checked(bundled_catalog_path())
    assert not [f for f in grades(catalog) if f.status == "finding"]
    data = layout.from_catalog(catalog, "Kota Blitar")
    graded = {d["indicator"] for d in data.definitions if d["grade_table"]}
    rows = [v for v in data.values if v["indicator"] in graded and "(" in v["text"]]
    assert len(rows) > 10  # "A (84,96)" and the like
    changed = rows[0]
    wrong = "C" if not changed["text"].startswith("C") else "A"
    alone = rows[1]  # a grade without its score: not checked (the audit: not recomputable)
    values = [
        {**v, "text": wrong + v["text"][v["text"].index(" ") :]}
        if v is changed
        else {**v, "text": wrong}
        if v is alone
        else v
        for v in data.values
    ]
    layout.write_dataset(layout.Dataset(data.plans, data.definitions, values), tmp_path, "x")
    found = [
        f
        for f in batch.run_batch([tmp_path]).tables["findings"].to_pylist()
        if f["check"] == "grade"
    ]
    assert [(f["indicator"], f["year"], f["kind"], f["source"]) for f in found] == [
        (changed["indicator"], changed["year"], changed["kind"], changed["source"])
    ]
    assert found[0]["printed"].startswith(wrong + " (")
    assert found[0]["recomputed"] == found[0]["printed_value"]  # the score, as the audit


def test_every_printed_value_of_the_catalog_is_kept_with_its_source() -> None:
    catalog, _ = load_checked(bundled_catalog_path())
    dataset = layout.from_catalog(catalog, "Kota Blitar")
    table = dataset.table("values")
    assert table.schema == layout.schema("values")
    printed = sum(
        v.kind in ("target", "realisation", "baseline", "achievement")
        for located in catalog.indicators()
        for v in located.entry.values
    )
    budgets = sum(
        v.kind in ("target", "realisation")
        for row in catalog.rows()
        for v in getattr(row.entry, "budget", ())
    )
    assert table.num_rows == printed + budgets
    assert all(row["source"].startswith("Tabel ") for row in dataset.values)
    sakip = next(r for r in dataset.values if r["text"] == "A (83,94)")
    assert sakip["value"] == layout.to_decimal(Fraction(8394, 100)) and sakip["decimals"] == 2


def test_a_definitions_column_the_batch_reserves_is_refused_naming_the_file(
    tmp_path: Path,
) -> None:
    catalog, _ = load_checked(bundled_catalog_path())
    layout.write_dataset(layout.from_catalog(catalog, "A"), tmp_path, "a")
    path = tmp_path / "definitions" / "a.parquet"
    table = pq.read_table(path)
    pq.write_table(table.append_column("filename", pa.array(["x"] * table.num_rows)), path)
    with pytest.raises(layout.LayoutError) as refused:
        batch.run_batch([tmp_path])
    assert refused.value.location.where == str(path)
    assert "a column named filename" in refused.value.message


def test_a_value_without_twelve_decimals_is_refused() -> None:
    with pytest.raises(layout.LayoutError) as refused:
        layout.to_decimal(Fraction(1, 3), "x 2022")
    assert refused.value.code == "E580" and "x 2022" in refused.value.message


def test_a_folder_without_the_tables_is_refused_naming_it(tmp_path: Path) -> None:
    outcome = CliRunner().invoke(main, ["batch", str(tmp_path), "-o", str(tmp_path / "out")])
    assert outcome.exit_code == 4
    assert f"{tmp_path}: error[E580]: no plans table" in outcome.output
    assert not (tmp_path / "out").exists()


def test_a_table_with_a_wrong_column_is_refused_naming_the_file(tmp_path: Path) -> None:
    catalog, _ = load_checked(bundled_catalog_path())
    layout.write_dataset(layout.from_catalog(catalog, "A"), tmp_path, "a")
    wrong = tmp_path / "values" / "a.parquet"
    pq.write_table(pq.read_table(wrong).drop(["source"]), wrong)
    with pytest.raises(layout.LayoutError) as refused:
        batch.run_batch([tmp_path])
    assert refused.value.location.where == str(wrong) and "source" in refused.value.message


def test_rollup_defaults_follow_the_unit() -> None:
    assert [layout.default_rollup(u) for u in ("Rp", "orang", "%", "indeks")] == [
        "sum",
        "sum",
        "last",
        "last",
    ]
    assert layout.default_rollup("%", "sum") == "sum"


# The batch against the manifest and the exact path.


def test_the_planted_misprints_are_all_found_and_none_extra(
    synthetic: tuple[Path, synth.Manifest], duck: batch.BatchResult
) -> None:
    manifest = synthetic[1]
    checks = {m["check"] for m in manifest.misprints}
    assert checks == {"value", "capaian", "rollup"}  # each kind of check is exercised
    assert found(duck) == planted(manifest)


def test_a_tie_reached_through_a_rounded_quotient_is_decided_exactly(tmp_path: Path) -> None:
    """Seed 23 makes T = 16000/193 (82,9015544041... to 12 decimals) and R = 100 for a
    lower-is-better indicator: capaian = 2 - R/T = 79,375 exactly, a tie, which the
    12-decimal T puts at 79,37499...; the batch recomputes it on the exact path."""
    data, manifest = synth.synthesize(2, 23, synth.Rates(0.05, 0.03, 0.05), indicators=8)
    layout.write_dataset(data, tmp_path, "synth")
    result = batch.run_batch([tmp_path])
    tie = next(
        r
        for r in result.tables["capaian"].to_pylist()
        if (r["region"], r["indicator"], r["year"]) == ("Wilayah 0002", "persentase_pmks", 2022)
    )
    assert (
        Fraction(tie["capaian"]) == Fraction(79375, 1000) and str(tie["capaian_rounded"]) == "79.38"
    )
    assert found(result) == planted(manifest)


def test_duckdb_equals_the_exact_path(
    synthetic: tuple[Path, synth.Manifest], duck: batch.BatchResult
) -> None:
    """Every formula value and capaian against the exact path (scale/verify.py's
    Reference: the Model's exact back-end, achievement, classify on the dataset's own
    rows), stricter than `renstra verify`: ratios to 10^-10, not only as presented."""
    rows = {name: pq.read_table(synthetic[0] / name).to_pylist() for name in layout.TABLES}
    reference = Reference(rows["plans"], rows["definitions"], rows["values"])
    expected = reference.computed()
    computed = {tuple(r[c] for c in VALUE_KEY): r for r in duck.tables["computed"].to_pylist()}
    integers = 0
    for key, value in expected.items():
        row = computed.pop(key)
        if isinstance(value, str):
            assert (row["value"], row["reason"]) == (None, value), key
        elif value.denominator == 1:  # counts (and Rupiah): exactly
            integers += 1
            assert Fraction(row["value"]) == value, key
        else:  # ratios: exact to 12 decimals, hence to the presented 2
            assert abs(Fraction(row["value"]) - value) < Fraction(1, 10**10), key
            assert round_half_up(Fraction(row["value"]), 2) == round_half_up(value, 2), key
    assert integers > 100 and computed == {}
    capaian = {tuple(r[c] for c in VALUE_KEY[:5]): r for r in duck.tables["capaian"].to_pylist()}
    for key, (value, table) in reference.capaian(expected).items():
        row = capaian[key]
        if value is None:
            assert row["capaian"] is None and row["reason"] in ("E401", "E402"), key
            continue
        assert table == "capaian_interpretasi"  # the definitions' (layout.from_catalog)
        assert Fraction(row["capaian_rounded"]) == round_half_up(value, 2), key
        assert row["predikat"] == classify(band_table(table), value).label, key


def first_by_source(values: list[dict[str, Any]]) -> dict[tuple[Any, ...], tuple[Any, ...]]:
    """The reference for `printed`: per (key, kind) the row of the smallest source."""
    first: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in values:
        if row["kind"] not in queries.PRINTED_KINDS:
            continue
        key = tuple(row[c] for c in (*queries.KEY, "kind"))
        if key not in first or row["source"] < first[key]["source"]:
            first[key] = row
    return {k: (r["source"], r["text"], r["value"]) for k, r in first.items()}


@pytest.mark.parametrize("bits", ["a bit per year", "every year one bit"])
@pytest.mark.parametrize("origin", ["bundled", "synthetic"])
def test_printed_is_the_first_figure_by_source_whether_or_not_keys_repeat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, origin: str, bits: str
) -> None:
    """The bundled catalog prints some figures in two tables: of each, every row but
    the first by source is left out. Synthetic values never repeat: their rows are read
    as they are. Both against a reference in Python; and with every year given the same
    bit (every group of more than one year a candidate), the repeated keys found are
    still exactly those."""
    if bits != "a bit per year":
        monkeypatch.setattr(queries, "_year_bit", lambda: exp.Literal.number(1))
    if origin == "bundled":
        catalog, _ = load_checked(bundled_catalog_path())
        dataset = layout.from_catalog(catalog, "Kota Blitar")
    else:
        dataset, _ = synth.synthesize(2, SEED, RATES, indicators=5)
    layout.write_dataset(dataset, tmp_path, "one")
    expected = first_by_source(dataset.values)
    keys = Counter(
        tuple(r[c] for c in (*queries.KEY, "kind"))
        for r in dataset.values
        if r["kind"] in queries.PRINTED_KINDS
    )
    runner = batch.DuckDb()
    try:
        runner.register(layout.check_dataset([tmp_path]))
        runner.create("_repeated_groups", [queries.repeated_groups(queries.PRINTED_KINDS)])
        runner.create("_repeated", [queries.repeated(queries.PRINTED_KINDS)])
        repeats = runner.count("_repeated")
        assert repeats == sum(n > 1 for n in keys.values())
        assert (repeats > 0) == (origin == "bundled")
        runner.create("printed", [queries.printed(queries.PRINTED_KINDS, "rowid", repeats > 0)])
        rows = runner.arrow("printed").to_pylist()
    finally:
        runner.close()
    got = {
        tuple(r[c] for c in (*queries.KEY, "kind")): (r["source"], r["text"], r["value"])
        for r in rows
    }
    assert len(rows) == len(got) == len(expected)
    assert got == expected


def test_a_figure_printed_twice_is_read_by_the_formulas_from_its_first_source(
    tmp_path: Path,
) -> None:
    """An input's target printed a second time with another value: the formulas read the
    copy whose source comes first, as the checks do. A copy sorting before the original
    gives the results of a dataset where the figure has the copy's value; one sorting
    after changes nothing."""
    dataset, _ = synth.synthesize(1, SEED, RATES, indicators=3)
    inputs = {d["indicator"] for d in dataset.definitions if d["entry"] == "input"}
    row = next(
        v
        for v in dataset.values
        if v["indicator"] in inputs and v["kind"] == "target" and v["value"]
    )
    other = {**row, "value": row["value"] * 2 + 1}
    assert row["source"] == synth.SOURCE

    def computed(values: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
        folder = tmp_path / name
        layout.write_dataset(
            layout.Dataset(dataset.plans, dataset.definitions, values), folder, name
        )
        return batch.run_batch([folder]).tables["computed"].to_pylist()

    original = computed(dataset.values, "original")
    changed = computed([other if v is row else v for v in dataset.values], "changed")
    assert changed != original
    before = computed([*dataset.values, {**other, "source": "Tabel 0 (salinan)"}], "before")
    after = computed([*dataset.values, {**other, "source": "zz (salinan)"}], "after")
    assert before == changed
    assert after == original


def test_budget_rollups_are_exact_sums_of_the_printed_children(
    synthetic: tuple[Path, synth.Manifest], duck: batch.BatchResult
) -> None:
    folder = synthetic[0]
    parent = {
        (d["region"], d["indicator"]): d["parent"]
        for d in pq.read_table(folder / "definitions").to_pylist()
        if d["entry"] == "budget"
    }
    sums: dict[tuple[Any, ...], int] = {}
    for row in pq.read_table(folder / "values").to_pylist():
        up = parent.get((row["region"], row["indicator"]))
        if up is not None and row["kind"] in ("budget", "realisation"):
            key = (row["region"], up, row["year"], row["kind"])
            sums[key] = sums.get(key, 0) + int(row["value"])
    rolled = {
        (r["region"], r["indicator"], r["year"], r["kind"]): r["value"]
        for r in duck.tables["rollups"].to_pylist()
        if r["rollup"] == "children"
    }
    assert rolled == sums  # Decimal == int: exact, no rounding anywhere


def test_numpy_engine_agrees_with_duckdb_to_the_presented_decimals(
    synthetic: tuple[Path, synth.Manifest], duck: batch.BatchResult
) -> None:
    fast = batch.run_batch([synthetic[0]], "numpy")

    def shown(result: batch.BatchResult) -> dict[tuple[Any, ...], Any]:
        return {
            (r["region"], r["indicator"], r["year"], r["kind"]): (
                r["reason"],
                None if r["value"] is None else round_half_up(Fraction(r["value"]), 2),
            )
            for r in result.tables["computed"].to_pylist()
        }

    assert shown(fast) == shown(duck)
    assert fast.counts == duck.counts


def test_the_same_seed_gives_the_same_dataset() -> None:
    first, manifest = synth.synthesize(1, 5, indicators=5)
    again, manifest_again = synth.synthesize(1, 5, indicators=5)
    assert first.values == again.values and manifest.to_dict() == manifest_again.to_dict()
    other, _ = synth.synthesize(1, 6, indicators=5)
    assert other.values != first.values


# The exact rounding and banding in SQL, against numbers.round_half_up and bands.classify.

TWELVE = st.fractions(min_value=-1000, max_value=1000).map(
    lambda f: Fraction(round(f * 10**12), 10**12)
)
TIES = st.integers(-(10**6), 10**6).map(lambda n: Fraction(2 * n + 1, 200))  # x.xx5


CONNECTION = duckdb.connect()


def run(query: exp.Select) -> Any:
    row = CONNECTION.execute(query.sql(dialect="duckdb")).fetchone()
    assert row is not None
    return row[0]


@settings(max_examples=60, deadline=None)
@given(st.one_of(TWELVE, TIES), st.integers(0, 4))
def test_sql_half_up_is_round_half_up(value: Fraction, places: int) -> None:
    literal = queries.decimal(exp.Literal.number(str(layout.to_decimal(value))))
    scaled = run(exp.select(queries.half_up_scaled(literal, places)))
    assert Fraction(scaled) == round_half_up(value, places) * 10**places


@settings(max_examples=60, deadline=None)
@given(st.one_of(TWELVE, TIES), st.sampled_from(TABLE_IDS))
def test_sql_predikat_is_classify(value: Fraction, table_id: str) -> None:
    literal = queries.decimal(exp.Literal.number(str(layout.to_decimal(value))))
    row = exp.select(
        queries.alias(literal, "v"), queries.alias(queries.string(table_id), "band_table")
    )
    labelled = exp.select(queries.predikat()).from_(queries.with_scaled(row, "v").subquery("x"))
    label = run(labelled)
    assert label == classify(band_table(table_id), value).label


@settings(max_examples=100, deadline=None)
@given(st.fractions(min_value=-(10**9), max_value=10**9), st.integers(0, 3))
def test_the_generators_rounding_is_the_engines(value: Fraction, places: int) -> None:
    scaled = synth.scaled_half_up(value, places)
    assert Fraction(scaled, 10**places) == round_half_up(value, places)
    assert synth.indonesian(scaled, places) == format_indonesian(value, places)


# The command line.


def test_synth_and_batch_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    data, out = tmp_path / "data", tmp_path / "out"
    made = runner.invoke(
        main, ["synth", "--regions", "2", "--seed", "3", "--indicators", "6", "-o", str(data)]
    )
    assert made.exit_code == 0, made.output
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["regions"] == 2 and manifest["seed"] == 3
    done = runner.invoke(main, ["batch", str(data), "-o", str(out), "--json"])
    summary = json.loads(done.output)
    assert done.exit_code == (1 if manifest["misprints"] else 0)
    assert summary["findings"] == len(manifest["misprints"])
    assert sorted(p.name for p in out.iterdir()) == [f"{n}.parquet" for n in sorted(batch.OUTPUTS)]
    # the files, written by DuckDB, hold the tables of the in-memory run, in its order
    kept = batch.run_batch([data])
    for name in batch.OUTPUTS:
        written = pq.read_table(out / f"{name}.parquet")
        assert written.num_rows == summary[name] == kept.counts[name]
        assert [(f.name, f.type) for f in written.schema] == [
            (f.name, f.type) for f in kept.tables[name].schema
        ]
        assert written.to_pylist() == kept.tables[name].to_pylist()


def test_a_failed_output_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data, out = tmp_path / "data", tmp_path / "out"
    layout.write_dataset(synth.synthesize(2, SEED, RATES)[0], data, "synth")
    out.mkdir()
    for name in batch.OUTPUTS:
        (out / f"{name}.parquet").write_bytes(b"old " + name.encode())
    written = batch.DuckDb.write

    def write(self: batch.DuckDb, name: str, keys: Sequence[str], path: Path) -> None:
        if name == "rollups":  # the third of four: two temporaries are written by then
            raise OSError(28, "No space left on device")
        written(self, name, keys, path)

    monkeypatch.setattr(batch.DuckDb, "write", write)
    outcome = CliRunner().invoke(main, ["batch", str(data), "-o", str(out)])
    assert outcome.exit_code == 5, outcome.output
    assert "No space left on device" in outcome.output and "rollups.parquet" in outcome.output
    assert sorted(p.name for p in out.iterdir()) == [f"{n}.parquet" for n in sorted(batch.OUTPUTS)]
    for name in batch.OUTPUTS:
        assert (out / f"{name}.parquet").read_bytes() == b"old " + name.encode()


def test_bad_options_are_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    outcome = runner.invoke(main, ["synth", "--regions", "0", "-o", str(tmp_path)])
    assert (
        outcome.exit_code == 2
        and "'0' is not a number of regions from 1 to 100000" in outcome.output
    )
    outcome = runner.invoke(
        main, ["batch", str(tmp_path), "-o", str(tmp_path), "--engine", "pandas"]
    )
    assert outcome.exit_code == 2


def test_spark_without_java_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    reason = batch.java_missing()
    assert reason is not None and "Java runtime" in reason
    with pytest.raises(batch.EngineUnavailable) as refused:
        batch.Spark()
    assert refused.value.code == "E406" and refused.value.hint == "or run with --engine duckdb"


# Work counting: the statements a batch runs do not grow with formulas or regions.


def statements_for(folder: Path, regions: int, indicators: int | None) -> batch.BatchResult:
    data, _ = synth.synthesize(regions, SEED, RATES, indicators=indicators)
    layout.write_dataset(data, folder, "synth")
    return batch.run_batch([folder], "duckdb")


def test_the_statements_run_do_not_grow_with_formulas_or_regions(tmp_path: Path) -> None:
    small = statements_for(tmp_path / "small", 1, 3)
    large = statements_for(tmp_path / "large", 4, None)
    assert large.jobs > 40 * small.jobs and large.members == 4 * small.members
    # near ties cost three statements more (their keys, their wide rows, the rows'
    # read), whatever their number; the rest is the dataset's registration (ENUM values
    # and tables), the steps, the drops of the tables read for the last time (nine)
    # and the outputs' reads (or writes); the grade check four (its indicators, their
    # texts with a letter made and read, its findings) where a catalog has a grade table
    assert abs(large.statements - small.statements) <= 3
    assert large.statements <= 52


def test_each_table_the_engine_makes_is_timed(tmp_path: Path) -> None:
    """The steps' seconds (the bench's rate of the formulas: `computed`): every table
    the dataset is read into and every step made, within the whole run's time."""
    data, _ = synth.synthesize(1, SEED, RATES, indicators=3)
    layout.write_dataset(data, tmp_path, "synth")
    start = time.perf_counter()
    result = batch.run_batch([tmp_path], "duckdb")
    whole = time.perf_counter() - start
    read = {f"fe_{name}" for name in layout.TABLES}
    steps = {"_whole", "frame", "wide", "computed", "figures", "capaian", "findings"}
    assert read | steps <= set(result.seconds) <= read | set(batch.STEPS)
    assert all(seconds >= 0 for seconds in result.seconds.values())
    assert sum(result.seconds.values()) <= whole


def renamed(dataset: layout.Dataset, prefix: str) -> layout.Dataset:
    def rename(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**row, "region": prefix + row["region"]} for row in rows]

    return layout.Dataset(
        rename(dataset.plans), rename(dataset.definitions), rename(dataset.values)
    )


def test_two_catalogs_are_two_groups_and_one_statement_more(tmp_path: Path) -> None:
    one, _ = synth.synthesize(2, SEED, RATES, indicators=3)
    other, _ = synth.synthesize(1, SEED, RATES, indicators=5)
    layout.write_dataset(one, tmp_path / "one", "one")
    layout.write_dataset(one, tmp_path / "two", "one")
    layout.write_dataset(renamed(other, "Lain "), tmp_path / "two", "other")
    tables = {name: pq.read_table(tmp_path / "two" / name) for name in ("plans", "definitions")}
    in_sql = grouped_tables(tables["plans"], tables["definitions"])
    in_python = groups_of(tables["plans"].to_pylist(), tables["definitions"].to_pylist())
    assert len(in_sql) == 2
    runner = batch.DuckDb()  # the engine's own tables: read in any order, rows placed
    try:
        files = layout.check_dataset([tmp_path / "two"])
        runner.register(files)
        in_engine = runner.groups(files)
    finally:
        runner.close()
    for grouped in (in_sql, in_engine):
        for left, right in zip(grouped, in_python, strict=True):
            assert (left.number, left.members, left.plan) == (
                right.number,
                right.members,
                right.plan,
            )
            assert left.definitions == right.definitions  # the same rows, in the same order
    single = batch.run_batch([tmp_path / "one"])
    double = batch.run_batch([tmp_path / "two"])
    assert (single.groups, double.groups) == (1, 2)
    # one formulas statement per group (and maybe one for near ties)
    assert double.statements - single.statements in (1, 2)


def test_merged_programs_have_their_own_columns_and_refuse_a_bad_prefix() -> None:
    from formula_engine.backends.sql import SqlProgram

    data, _ = synth.synthesize(1, SEED, RATES, indicators=6)
    (group,) = compiled_groups(data.plans, data.definitions)
    roots = [root for job in group.jobs for root in job.years.values()]
    programs = [SqlProgram(root, prefix=f"j{n}_") for n, root in enumerate(roots)]
    names = [alias.alias for program in programs for level in program.levels for alias in level]
    assert names and len(names) == len(set(names))
    assert all(
        name.startswith(f"_j{n}_")
        for n, p in enumerate(programs)
        for name in [a.alias for level in p.levels for a in level]
    )
    with pytest.raises(ValueError, match="prefix"):
        SqlProgram(roots[0], prefix='x" ; DROP')


def test_a_signature_collision_is_caught_not_merged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlglot import exp

    from formula_engine.scale import plan

    dataset, _ = synth.synthesize(2, SEED, RATES, indicators=3)
    layout.write_dataset(dataset, tmp_path, "one")
    plans = pq.read_table(tmp_path / "plans")
    rows = pq.read_table(tmp_path / "definitions").to_pylist()
    second = sorted({(r["region"], r["agency"]) for r in rows})[1]
    changed = next(r for r in rows if (r["region"], r["agency"]) == second)
    changed["name"] = changed["name"] + " (lain)"
    schema = pq.read_table(tmp_path / "definitions").schema
    definitions = pa.Table.from_pylist(rows, schema=schema)
    # without a collision the changed catalog is a group of its own
    assert len(grouped_tables(plans, definitions)) == 2
    # every row hashed alike: same row count, same signature; the exact check refuses
    monkeypatch.setattr(plan, "_row_hash", lambda row: exp.Literal.number(0))
    with pytest.raises(plan.SignatureCollision) as caught:
        grouped_tables(plans, definitions)
    assert caught.value.code == "E581"
    assert f"{second[0]} / {second[1]}" in str(caught.value)


@pytest.mark.parametrize("change", ["reordered", "one row twice"])
def test_the_exact_check_compares_multisets_of_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Every row hashed alike (one signature for all): a catalog whose definitions are
    its neighbour's in another order is grouped with it; one where a row stands twice
    in place of another (same row count) is refused, with its name."""
    from sqlglot import exp

    from formula_engine.scale import plan

    dataset, _ = synth.synthesize(2, SEED, RATES, indicators=3)
    layout.write_dataset(dataset, tmp_path, "one")
    plans = pq.read_table(tmp_path / "plans")
    table = pq.read_table(tmp_path / "definitions")
    rows = table.to_pylist()
    second = sorted({(r["region"], r["agency"]) for r in rows})[1]
    mine = [r for r in rows if (r["region"], r["agency"]) == second]
    others = [r for r in rows if (r["region"], r["agency"]) != second]
    assert len(mine) > 2 and len({repr(sorted(r.items())) for r in mine}) == len(mine)
    changed = mine[::-1] if change == "reordered" else [mine[0], mine[0], *mine[2:]]
    definitions = pa.Table.from_pylist(others + changed, schema=table.schema)
    monkeypatch.setattr(plan, "_row_hash", lambda row: exp.Literal.number(0))
    if change == "reordered":
        (group,) = grouped_tables(plans, definitions)
        assert second in group.members
    else:
        with pytest.raises(plan.SignatureCollision) as caught:
            grouped_tables(plans, definitions)
        assert f"{second[0]} / {second[1]}" in str(caught.value)


def test_names_with_quotes_and_accents_are_keys_like_any_other(tmp_path: Path) -> None:
    """DuckDB reads the keys as ENUMs of the values found (their texts are SQL literals):
    a region named with a quote, a dash and accents batches as its plain copy, and
    every output comes back as texts, sorted by its keys."""
    one, _ = synth.synthesize(2, SEED, RATES, indicators=4)
    prefix = "Kab. O'Neil — Pénjaringan "
    layout.write_dataset(one, tmp_path / "plain", "one")
    layout.write_dataset(renamed(one, prefix), tmp_path / "odd", "one")
    plain = batch.run_batch([tmp_path / "plain"])
    odd = batch.run_batch([tmp_path / "odd"])
    for name in batch.OUTPUTS:
        rows = odd.tables[name].to_pylist()
        assert odd.tables[name].schema == plain.tables[name].schema
        assert all(row["region"].startswith(prefix) for row in rows)
        unprefixed = [{**row, "region": row["region"][len(prefix) :]} for row in rows]
        assert unprefixed == plain.tables[name].to_pylist()
        keys = [tuple(row[c] for c in queries.KEY if c in row) for row in rows]
        assert keys == sorted(keys)
    runner = batch.DuckDb()
    try:
        runner.register(layout.check_dataset([tmp_path / "odd"]))
        types = {row[0]: row[1] for row in runner.connection.sql("DESCRIBE fe_values").fetchall()}
    finally:
        runner.close()
    assert all(str(types[c]).startswith("ENUM(") for c in ("region", "indicator", "kind"))
