"""`renstra verify`: a batch's result files against the exact path and the manifest.

Each check is shown to fail: a result file with one value, one predikat changed, a
finding lost or not planted, is reported by key; the untouched result verifies.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from formula_engine.cli import main
from formula_engine.scale import batch, layout, synth
from formula_engine.scale.layout import LayoutError, is_integer_unit
from formula_engine.scale.verify import verify

SEED = 5
RATES = synth.Rates(missing=0.03, zero=0.02, misprint=0.03)


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, synth.Manifest]:
    folder = tmp_path_factory.mktemp("verify")
    data, manifest = synth.synthesize(3, SEED, RATES, indicators=40)
    layout.write_dataset(data, folder / "data", "synth")
    (folder / "data" / "manifest.json").write_text(
        json.dumps(manifest.to_dict(), default=str), encoding="utf-8"
    )
    batch.run_batch([folder / "data"], "duckdb", out=folder / "result")
    return folder / "data", folder / "result", manifest


def changed(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path, name: str, edit: Any
) -> tuple[Path, dict[str, Any]]:
    """A copy of the result with the first row that `edit` changes changed; that row."""
    result = tmp_path / "result"
    shutil.copytree(ran[1], result)
    rows = pq.read_table(result / f"{name}.parquet").to_pylist()
    schema = pq.read_schema(result / f"{name}.parquet")
    for number, row in enumerate(rows):
        new = edit(row)
        if new is not None:
            rows[number] = new
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), result / f"{name}.parquet")
            return result, row
    raise AssertionError("no row to change")


def test_the_batch_result_verifies(ran: tuple[Path, Path, synth.Manifest]) -> None:
    report = verify([ran[0]], ran[1], sample=None)
    assert report.ok, report.differences
    assert (report.members, report.checked) == (3, 3)
    computed = pq.read_table(ran[1] / "computed.parquet").num_rows
    capaian = pq.read_table(ran[1] / "capaian.parquet").num_rows
    assert (report.values, report.capaian) == (computed, capaian)  # every row compared
    assert report.planted == report.findings == len(ran[2].misprints) > 0


def test_a_sample_is_spread_over_the_regions(ran: tuple[Path, Path, synth.Manifest]) -> None:
    report = verify([ran[0]], ran[1], sample=2)
    whole = verify([ran[0]], ran[1], sample=None)
    assert report.ok and report.checked == 2 and 0 < report.values < whole.values


def test_a_whole_value_one_off_is_a_difference(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    units = {d["indicator"]: d["unit"] for d in layout_rows(ran[0], "definitions")}

    def edit(row: dict[str, Any]) -> dict[str, Any] | None:
        if row["value"] is None or not is_integer_unit(units[row["indicator"]]):
            return None
        return {**row, "value": row["value"] + 1}

    result, row = changed(ran, tmp_path, "computed", edit)
    report = verify([ran[0]], result, sample=None)
    assert not report.ok and report.different == 1
    (difference,) = report.differences
    key = tuple(row[c] for c in ("region", "agency", "indicator", "year", "period", "kind"))
    assert (difference.table, difference.key) == ("computed", key)


def test_a_ratio_is_compared_as_presented(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    units = {d["indicator"]: d["unit"] for d in layout_rows(ran[0], "definitions")}

    def ratio(row: dict[str, Any], by: str) -> dict[str, Any] | None:
        if row["value"] is None or is_integer_unit(units[row["indicator"]]):
            return None
        return {**row, "value": row["value"] + Decimal(by)}

    unseen, _ = changed(ran, tmp_path / "a", "computed", lambda r: ratio(r, "0.000000001"))
    assert verify([ran[0]], unseen, sample=None).ok  # below the presented decimals
    seen, _ = changed(ran, tmp_path / "b", "computed", lambda r: ratio(r, "0.01"))
    assert verify([ran[0]], seen, sample=None).different == 1


def test_a_predikat_changed_is_a_difference(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    def edit(row: dict[str, Any]) -> dict[str, Any] | None:
        return {**row, "predikat": "Sangat Rendah"} if row["predikat"] == "Tinggi" else None

    result, row = changed(ran, tmp_path, "capaian", edit)
    report = verify([ran[0]], result, sample=None)
    (difference,) = report.differences
    assert difference.table == "capaian" and difference.key[2:4] == (row["indicator"], row["year"])
    assert difference.expected.endswith(" Tinggi") and difference.found.endswith(" Sangat Rendah")


def test_a_lost_finding_and_one_not_planted_are_reported(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    result, lost = changed(ran, tmp_path, "findings", lambda r: {**r, "indicator": "lain"})
    report = verify([ran[0]], result, sample=0)
    key = tuple(lost[c] for c in ("region", "indicator", "year", "kind", "check"))
    assert report.missing == [key]
    assert report.extra == [(lost["region"], "lain", *key[2:])]
    assert report.checked == 0 and not report.ok


def test_a_folder_without_the_result_files_is_refused(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    with pytest.raises(LayoutError, match=r"no computed\.parquet") as refused:
        verify([ran[0]], tmp_path)
    assert refused.value.hint and "renstra batch -o" in refused.value.hint


def test_a_result_file_that_is_not_the_batchs_is_refused_naming_it(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    result = tmp_path / "result"
    shutil.copytree(ran[1], result)
    (result / "capaian.parquet").write_text("not parquet", encoding="utf-8")
    with pytest.raises(LayoutError, match=r"capaian\.parquet: not a Parquet file"):
        verify([ran[0]], result)
    pq.write_table(pa.table({"region": ["x"]}), result / "capaian.parquet")
    with pytest.raises(LayoutError, match=r"capaian\.parquet: no column agency, indicator"):
        verify([ran[0]], result)


def test_the_command_says_whether_the_result_holds(
    ran: tuple[Path, Path, synth.Manifest], tmp_path: Path
) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["verify", str(ran[0]), "-r", str(ran[1]), "--all"])
    assert done.exit_code == 0, done.output
    assert "berbeda: 0" in done.output and done.output.rstrip().endswith("Sesuai.")
    assert f"Salah cetak yang ditanam: {len(ran[2].misprints)}" in done.output
    result, _ = changed(
        ran, tmp_path, "capaian", lambda r: {**r, "predikat": None} if r["predikat"] else None
    )
    failed = runner.invoke(main, ["verify", str(ran[0]), "-r", str(result), "--json"])
    assert failed.exit_code == 1
    report = json.loads(failed.output)
    assert report["different"] == 1 and report["differences"][0]["table"] == "capaian"
    refused = runner.invoke(main, ["verify", str(ran[0]), "-r", str(tmp_path / "none")])
    assert refused.exit_code == 4 and "no computed.parquet in" in refused.output


def layout_rows(folder: Path, name: str) -> list[dict[str, Any]]:
    return pq.read_table(folder / name).to_pylist()
