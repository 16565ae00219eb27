"""The national-scale commands (issue 13): export parquet, batch, synth, verify
(docs/scale.md).

Imported only when one of them runs: DuckDB, pyarrow and pyspark load inside them.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import NoReturn

import click

from .catalog import bundled_catalog_path
from .cli_output import OutputError, check_outputs
from .cli_params import BoundedInt, Folder
from .errors import FormulaError
from .exit_codes import ExitCode

REGIONS = BoundedInt("a number of regions", 1, 100_000, r"[0-9]{1,6}", "e.g. --regions 50")
SEED = BoundedInt("a seed", 0, 2**31 - 1, r"[0-9]{1,10}", "any whole number, e.g. 7")
INDICATORS = BoundedInt("a number of indicators", 1, 10_000, r"[0-9]{1,5}", "e.g. 12")
SAMPLE = BoundedInt("a number of regions", 1, 100_000, r"[0-9]{1,6}", "e.g. --sample 20")
SHOWN = 20  # planted misprints not found, or findings not planted, listed
MAX_NAME = 200  # characters of a region or agency name


def _fail(error: FormulaError, code: ExitCode = ExitCode.FINDINGS) -> NoReturn:
    where = f"{error.location.where}: " if error.location.where != "<formula>" else ""
    entry = f"{error.location.entry}: " if error.location.entry else ""
    click.echo(f"{where}{entry}error[{error.code}]: {error.message}", err=True)
    if error.hint:
        click.echo(f"  hint: {error.hint}", err=True)
    sys.exit(code)


def _cannot_write(error: OutputError) -> NoReturn:
    click.echo(error.render(), err=True)
    sys.exit(ExitCode.CANNOT_WRITE)


def _output_folder(option: str, text: str) -> Path:
    try:
        return check_outputs({option: text}, folders=True)[option]
    except OutputError as error:
        _cannot_write(error)


def _name(option: str, text: str | None) -> str | None:
    if text is not None and not (0 < len(text) <= MAX_NAME and text.isprintable()):
        raise click.BadParameter(
            f"{text!r}: a name of 1 to {MAX_NAME} printable characters", param_hint=option
        )
    return text


@click.group("export")
def export_group() -> None:
    """Write a catalog in another layout."""


@export_group.command("parquet")
@click.argument("out")
@click.option("--catalog", "directory", type=Folder(), help="A catalog (default: bundled).")
@click.option("--region", default="Kota Blitar", show_default=True, help="The region's name.")
@click.option("--agency", help="The agency's name (default: the plan's OPD).")
def export_parquet_command(
    out: str, directory: Path | None, region: str, agency: str | None
) -> None:
    """Write the catalog as the columnar layout into the dataset folder OUT.

    OUT/plans/, OUT/definitions/ and OUT/values/ get one Parquet file each, named after
    the region and agency; export several catalogs into one OUT to concatenate them.
    """
    from .cli import _load_catalog_or_fail
    from .scale.layout import LayoutError, from_catalog, write_dataset
    from .writing import WriteError

    _name("--region", region)
    _name("--agency", agency)
    folder = _output_folder("OUT", out)
    catalog = _load_catalog_or_fail(directory or bundled_catalog_path())
    try:
        dataset = from_catalog(catalog, region, agency)
        stem = _stem(f"{region}__{dataset.plans[0]['agency']}")
        written = write_dataset(dataset, folder, stem)
    except LayoutError as error:
        _fail(error, ExitCode.CATALOG_REJECTED)
    except WriteError as error:
        _fail(error, ExitCode.CANNOT_WRITE)
    counts = f"{len(dataset.definitions)} definitions, {len(dataset.values)} values"
    click.echo(f"{region} / {dataset.plans[0]['agency']}: {counts}")
    for path in written:
        click.echo(f"  {path}")


def _stem(text: str) -> str:
    """A file name from a region and agency: letters, digits, '_' and '-' only."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in text)
    return cleaned[:120] or "catalog"


@click.command("batch")
@click.argument("datasets", nargs=-1, required=True, type=Folder())
@click.option("-o", "--out", required=True, help="The folder of the result's Parquet files.")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark", "numpy"]),
    default="duckdb",
    show_default=True,
    help="DuckDB (embedded), Spark (local mode; SPARK_MASTER for a cluster), numpy.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def batch_command(datasets: tuple[Path, ...], out: str, engine: str, as_json: bool) -> None:
    """Evaluate every indicator of the DATASETS (concatenated) for every region and period.

    Writes OUT/computed.parquet (formula values), capaian.parquet (capaian and
    predikat), rollups.parquet (quarters to years, budget rows to their parent) and
    findings.parquet (printed figures their recomputation does not reproduce, that
    another table prints with another value, or whose grade is not their score's).
    Exit 1 when there are findings.
    """
    from .scale.batch import EngineUnavailable, describe_failure, run_batch
    from .scale.layout import LayoutError
    from .writing import WriteError

    folder = _output_folder("--out", out)
    try:  # the engine writes the files (all or none), none kept in memory
        result = run_batch(list(datasets), engine, out=folder)  # type: ignore[arg-type]
    except WriteError as error:
        _fail(error, ExitCode.CANNOT_WRITE)
    except EngineUnavailable as error:
        _fail(error, ExitCode.USAGE)
    except LayoutError as error:
        _fail(error, ExitCode.CATALOG_REJECTED)
    except FormulaError as error:
        _fail(error, ExitCode.CATALOG_REJECTED)
    except Exception as error:  # the engine's own (a SQL error): said once, located
        if type(error).__module__.split(".")[0] not in ("duckdb", "_duckdb", "pyspark", "py4j"):
            raise
        _fail(describe_failure(error, list(datasets)))
    summary = {
        "engine": result.engine,
        "regions_agencies": result.members,
        "groups": result.groups,
        "formulas": result.jobs,
        **result.counts,
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(
            f"{result.members} wilayah/perangkat daerah, {result.jobs} formula: "
            f"{result.counts['computed']} nilai, {result.counts['capaian']} capaian, "
            f"{result.counts['rollups']} rollup, {result.counts['findings']} temuan "
            f"({result.engine}) -> {folder}"
        )
    sys.exit(ExitCode.FINDINGS if result.counts["findings"] else ExitCode.OK)


@click.command("verify")
@click.argument("datasets", nargs=-1, required=True, type=Folder())
@click.option(
    "-r", "--result", required=True, type=Folder(), help="The folder `renstra batch -o` wrote."
)
@click.option(
    "--sample",
    default=20,
    show_default=True,
    type=SAMPLE,
    help="Recompute this many regions/agencies on the exact path (spread evenly).",
)
@click.option("--all", "every", is_flag=True, help="Recompute every region/agency.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify_command(
    datasets: tuple[Path, ...], result: Path, sample: int, every: bool, as_json: bool
) -> None:
    """Check a batch's RESULT against references that share none of its SQL.

    The exact path (the Model's exact back-end, achievement, classify) recomputes every
    formula value, capaian and predikat of a sample of the regions/agencies from the
    DATASETS' own rows: values of a whole unit (Rupiah, counts) must be equal, ratios
    and capaian equal as presented (half-up, 2 decimals). A synthetic dataset's
    manifest.json: every planted misprint must be a finding, and no finding another.
    Exit 1 on any difference.
    """
    from .scale.layout import LayoutError
    from .scale.verify import verify

    try:
        report = verify(list(datasets), result, None if every else sample)
    except LayoutError as error:
        _fail(error, ExitCode.CATALOG_REJECTED)
    if as_json:
        click.echo(
            json.dumps({**dataclasses.asdict(report), "ok": report.ok}, indent=2, default=str)
        )
        sys.exit(ExitCode.OK if report.ok else ExitCode.FINDINGS)
    click.echo(
        f"Jalur eksak: {report.checked} dari {report.members} wilayah/perangkat daerah, "
        f"{report.values} nilai dan {report.capaian} capaian dihitung ulang; "
        f"berbeda: {report.different}"
    )
    for difference in report.differences:
        where = " / ".join(str(part) for part in difference.key)
        click.echo(
            f"  {difference.table} {where}: seharusnya {difference.expected}, "
            f"hasil {difference.found}"
        )
    if report.planted is None:
        click.echo(f"Temuan: {report.findings} (tanpa manifest.json: tidak dibandingkan)")
    else:
        click.echo(
            f"Salah cetak yang ditanam: {report.planted}; temuan: {report.findings}; "
            f"tidak ditemukan: {len(report.missing)}; temuan lain: {len(report.extra)}"
        )
        for label, keys in (("tidak ditemukan", report.missing), ("temuan lain", report.extra)):
            for key in keys[:SHOWN]:
                click.echo(f"  {label}: {' / '.join(str(part) for part in key)}")
    click.echo("Sesuai." if report.ok else "Tidak sesuai.")
    sys.exit(ExitCode.OK if report.ok else ExitCode.FINDINGS)


@click.command("synth")
@click.option("--regions", required=True, type=REGIONS, help="How many regions.")
@click.option("--seed", default=7, show_default=True, type=SEED, help="The random seed.")
@click.option("-o", "--out", required=True, help="The dataset folder to write.")
@click.option("--indicators", type=INDICATORS, help="Only the first N indicators (small sets).")
def synth_command(regions: int, seed: int, out: str, indicators: int | None) -> None:
    """Write a seeded synthetic dataset: REGIONS x the bundled catalog's indicators,
    with missing cells, zeros and misprints at known places (OUT/manifest.json)."""
    from .scale.layout import write_dataset
    from .scale.synth import synthesize
    from .writing import WriteError, write_atomically

    folder = _output_folder("--out", out)
    dataset, manifest = synthesize(regions, seed, indicators=indicators)
    try:
        write_dataset(dataset, folder, "synth")
        text = json.dumps(manifest.to_dict(), indent=1, ensure_ascii=False, default=str)
        write_atomically(folder / "manifest.json", text + "\n")
    except WriteError as error:
        _fail(error, ExitCode.CANNOT_WRITE)
    click.echo(
        f"{regions} wilayah, {len(dataset.values)} nilai; ditanam: "
        f"{len(manifest.misprints)} salah cetak, {len(manifest.missing)} sel kosong, "
        f"{len(manifest.zeros)} nol -> {folder}"
    )


COMMANDS: dict[str, click.Command] = {
    "batch": batch_command,
    "export": export_group,
    "synth": synth_command,
    "verify": verify_command,
}
