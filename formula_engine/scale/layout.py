"""The columnar layout of many catalogs: three tables keyed by region, agency, indicator.

    plans        one row per (region, agency): the plan's name and years
    definitions  one row per indicator formula version, input and budget row
    values       one row per printed (or given) figure: region, agency, indicator, year,
                 period, kind, value (exact DECIMAL(38, 12)), source

A dataset is a folder with one sub-folder per table (`plans/`, `definitions/`,
`values/`) holding any number of Parquet files: many catalogs are concatenated by
putting their files side by side (`renstra export parquet` writes one file per table,
named after the region and agency). docs/scale.md documents every column.

Values are exact: a printed figure is read by catalog.printed.read_printed into a
Fraction and stored as a DECIMAL(38, 12); one that has no finite decimal form in 12
places cannot be stored (LayoutError). A figure printed without a number ("-", "NA")
is a row with a NULL value and its text, so nothing printed is lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bands import DEFAULT_ACHIEVEMENT_BANDS
from ..errors import FormulaError, Location
from ..units import INDEX, PERCENT, RUPIAH, Unit, parse_unit

if TYPE_CHECKING:
    import pyarrow as pa

    from ..catalog import Catalog
    from ..catalog.models import IndicatorEntry, Printed

SCALE = 12  # decimals of every stored value: the SQL back-end's scale of ratios
PRECISION = 38
YEARLY = "Y"  # the period of a yearly figure; quarters are TW1-TW4, months M01-M12
PERIODS = (YEARLY, "TW1", "TW2", "TW3", "TW4", *(f"M{m:02d}" for m in range(1, 13)))
KINDS = ("target", "realisation", "baseline", "budget", "achievement")
ROLLUPS = ("sum", "last", "max", "min")
ENTRIES = ("indicator", "input", "budget")
TABLES = ("plans", "definitions", "values")
MAX_TEXT = 4000  # the longest text a cell may hold (a formula, a name)


class LayoutError(FormulaError, ValueError):
    """A value or a file that does not fit the columnar layout (docs/scale.md)."""

    code = "E580"
    stage = "catalog"


def _schemas() -> dict[str, pa.Schema]:
    import pyarrow as pa

    text, year = pa.string(), pa.int16()
    return {
        "plans": pa.schema(
            [
                ("region", text),
                ("agency", text),
                ("name", text),
                ("first_year", year),
                ("last_year", year),
                ("baseline_year", year),
            ]
        ),
        "definitions": pa.schema(
            [
                ("region", text),
                ("agency", text),
                ("entry", text),
                ("indicator", text),
                ("name", text),
                ("version", pa.int16()),
                ("valid_from", year),
                ("valid_to", year),
                ("formula", text),
                ("accepts", text),
                ("unit", text),
                ("polarity", text),
                ("rollup", text),
                ("band_table", text),
                ("grade_table", text),
                ("parent", text),
                ("domain", text),
                ("part_of", text),
                ("aliases", pa.list_(text)),
            ]
        ),
        "values": pa.schema(
            [
                ("region", text),
                ("agency", text),
                ("indicator", text),
                ("year", year),
                ("period", text),
                ("kind", text),
                ("value", pa.decimal128(PRECISION, SCALE)),
                ("intended", pa.decimal128(PRECISION, SCALE)),
                ("decimals", pa.int8()),
                ("text", text),
                ("table", text),
                ("source", text),
            ]
        ),
    }


def schema(table: str) -> pa.Schema:
    return _schemas()[table]


@dataclass
class Dataset:
    """The three tables as rows (dicts of the schema's columns), before or after Parquet."""

    plans: list[dict[str, Any]]
    definitions: list[dict[str, Any]]
    values: list[dict[str, Any]]

    def table(self, name: str) -> pa.Table:
        import pyarrow as pa

        rows: list[dict[str, Any]] = getattr(self, name)
        return pa.Table.from_pylist(rows, schema=schema(name))


def to_decimal(value: Fraction, where: str = "a value") -> Decimal:
    """The exact DECIMAL(38, 12) of `value`, or LayoutError."""
    scaled = value * 10**SCALE
    if scaled.denominator != 1 or abs(scaled.numerator) >= 10**PRECISION:
        raise LayoutError(
            f"{where} = {value} has no exact decimal form with {SCALE} decimals",
            hint=f"values are stored as DECIMAL({PRECISION}, {SCALE}); round it in the source",
        )
    return Decimal(scaled.numerator).scaleb(-SCALE)


def default_rollup(unit: str, end_of_period: str | None = None) -> str:
    """How quarters add up to a year: flows (Rupiah, counts) sum, levels (%, an index,
    a rate) keep the last; the catalog's end-of-period rule decides where it says."""
    if end_of_period == "sum":
        return "sum"
    if end_of_period in ("last_year", "compounded_rate", "compounded_increase"):
        return "last"
    parsed = _unit(unit)
    if parsed == RUPIAH:
        return "sum"
    is_count = parsed is not None and len(parsed.factors) == 1 and parsed.factors[0][1] == 1
    return "sum" if is_count and parsed not in (PERCENT, INDEX) else "last"


def is_integer_unit(unit: str) -> bool:
    """Rupiah and plain counts are whole numbers: BIGINT on the SQL engines."""
    return default_rollup(unit) == "sum"


def _unit(text: str) -> Unit | None:
    try:
        return parse_unit(text)
    except FormulaError:
        return None


def _source(printed: Printed) -> str:
    lines = f"{printed.line}-{printed.last_line}" if printed.last_line else f"{printed.line}"
    return f"Tabel {printed.table}, baris {lines}"


def from_catalog(catalog: Catalog, region: str, agency: str | None = None) -> Dataset:
    """The catalog's plan, definitions and printed values as rows of the layout."""
    from ..catalog.printed import read_printed

    plan = catalog.plan.plan
    agency = agency or plan.opd
    key = {"region": region, "agency": agency}
    plans = [
        {
            **key,
            "name": plan.name,
            "first_year": plan.first_year,
            "last_year": plan.last_year,
            "baseline_year": plan.baseline_year,
        }
    ]
    definitions: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []

    def add_values(owner: str, printed: Iterable[Printed], kind_of: dict[str, str]) -> None:
        for item in printed:
            kind = kind_of.get(item.kind)
            if kind is None:
                continue
            reading = read_printed(item.text)
            value = reading.value
            where = f"{owner} {item.kind} {item.year} ({_source(item)})"
            values.append(
                {
                    **key,
                    "indicator": owner,
                    "year": plan.baseline_year if item.year is None else item.year,
                    "period": YEARLY,
                    "kind": kind,
                    "value": None if value is None else to_decimal(value, where),
                    "intended": _intended(item, where),
                    "decimals": reading.decimals,
                    "text": item.text,
                    "table": item.table,
                    "source": _source(item),
                }
            )

    indicator_kinds = {k: k for k in ("target", "realisation", "baseline", "achievement")}
    for located in catalog.indicators():
        entry: IndicatorEntry = located.entry
        definitions += _indicator_rows(entry, key)
        add_values(entry.id, entry.values, indicator_kinds)
    for declared in catalog.all_inputs():
        definitions.append(
            _row(
                key,
                entry="input",
                indicator=declared.id,
                name=declared.label,
                unit=declared.unit,
                rollup=default_rollup(declared.unit),
                domain=declared.domain,
                part_of=declared.part_of,
                aliases=list(declared.aliases),
            )
        )
        add_values(declared.id, declared.values, indicator_kinds)
    budget_kinds = {"target": "budget", "realisation": "realisation"}
    for row, parent in _budget_rows(catalog):
        definitions.append(
            _row(
                key,
                entry="budget",
                indicator=row.code,
                name=row.name,
                unit="Rp",
                rollup="sum",
                parent=parent,
            )
        )
        add_values(row.code, row.budget, budget_kinds)
    return Dataset(plans, definitions, values)


def _intended(item: Printed, where: str) -> Decimal | None:
    """The reading the catalog believes intended for a misprint (its `intended`)."""
    from ..catalog.printed import read_printed

    value = read_printed(item.intended).value if item.intended else None
    return None if value is None else to_decimal(value, f"the intended reading of {where}")


def _budget_rows(catalog: Catalog) -> Iterator[tuple[Any, str | None]]:
    for located in catalog.programs:
        program = located.entry
        yield program, None
        for kegiatan in program.kegiatan:
            yield kegiatan, program.code
            for sub in kegiatan.sub_kegiatan:
                yield sub, kegiatan.code


def _indicator_rows(entry: IndicatorEntry, key: dict[str, str]) -> list[dict[str, Any]]:
    end = entry.end_of_period.rule if entry.end_of_period else None
    common = {
        "entry": "indicator",
        "indicator": entry.id,
        "name": entry.name,
        "unit": entry.unit,
        "polarity": entry.polarity or "higher_is_better",
        "rollup": default_rollup(entry.unit, end),
        "band_table": DEFAULT_ACHIEVEMENT_BANDS,
        "grade_table": entry.grade_table,
    }
    if not entry.formulas:
        return [_row(key, **common)]
    return [
        _row(
            key,
            **common,
            version=number,
            valid_from=version.valid_from,
            valid_to=version.valid_to,
            formula=version.formula,
            accepts=",".join(version.accepts) or None,
        )
        for number, version in enumerate(entry.formulas, start=1)
    ]


def _row(key: dict[str, str], **columns: Any) -> dict[str, Any]:
    row = dict.fromkeys(schema("definitions").names)
    row.update(key)
    row["version"] = 0
    row.update(columns)
    return row


# Parquet files.


def table_files(root: Path, table: str) -> list[Path]:
    folder = root / table
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def parquet_bytes(table: pa.Table) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def write_dataset(dataset: Dataset, root: Path, stem: str) -> list[Path]:
    """Write the three tables as `root/<table>/<stem>.parquet` (each atomically)."""
    from ..writing import write_atomically

    contents = [(root / name / f"{stem}.parquet", dataset.table(name)) for name in TABLES]
    return [write_atomically(path, parquet_bytes(table)) for path, table in contents]


def check_dataset(roots: Sequence[Path]) -> dict[str, list[Path]]:
    """The Parquet files of each table under the dataset folders `roots`, each with the
    layout's columns and types (LayoutError naming the file otherwise)."""
    import pyarrow.parquet as pq

    found: dict[str, list[Path]] = {name: [] for name in TABLES}
    for root in roots:
        for name in TABLES:
            found[name] += table_files(root, name)
    for name, files in found.items():
        if not files:
            raise LayoutError(
                f"no {name} table: no file {name}/*.parquet in {', '.join(map(str, roots))}",
                hint="give a folder written by `renstra export parquet` or `renstra synth`",
                location=Location(str(roots[0])),
            )
        expected = schema(name)
        for path in files:
            try:
                actual = pq.read_schema(path)
            except (OSError, ValueError) as error:
                raise LayoutError(
                    f"not a Parquet file: {error}", location=Location(str(path))
                ) from None
            missing = [
                f.name
                for f in expected
                if f.name not in actual.names or actual.field(f.name).type != f.type
            ]
            if missing:
                raise LayoutError(
                    f"the {name} table lacks or mistypes the columns {', '.join(missing)}",
                    hint="see docs/scale.md for the schema",
                    location=Location(str(path)),
                )
            taken = [c for c in RESERVED.get(name, ()) if c in actual.names]
            if taken:
                raise LayoutError(
                    f"the {name} table has a column named {', '.join(taken)}, a name the"
                    " batch gives to where each row was read",
                    hint="rename or drop that column (it is not in the layout)",
                    location=Location(str(path)),
                )
    return found


# Columns the batch adds when it reads a table (plan.READ_ORDER): not allowed in a file.
RESERVED = {"definitions": ("filename", "file_row_number")}
