"""A batch's result files against references that share none of its SQL (`renstra verify`).

    report = verify([dataset], result_folder, sample=20)
    report.ok, report.differences, report.missing, report.extra

- The planted misprints: a synthetic dataset's `manifest.json` (scale/synth.py) lists
  every misprint it planted; each must be a finding, and no finding may be another.
- The exact path: for a sample of the (region, agency) pairs, every formula value and
  capaian recomputed from the dataset's own rows by the Model's exact back-end
  (`evaluate_value`), `achievement.achievement` and `bands.classify`, and compared with
  the result's rows: values of a whole unit (Rupiah, counts) exactly, ratios and capaian as
  presented (half-up to DEFAULT_DECIMALS), predikat as classified, a value that is not
  computable with the same reason. The values read are the batch's: a figure printed
  twice is read from its first source; a baseline from the plan's baseline year.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from ..achievement import achievement
from ..bands import band_table, classify
from ..numbers import DEFAULT_DECIMALS, round_half_up
from ..outcomes import BASELINE, NotComputable
from .layout import LayoutError, check_dataset, is_integer_unit
from .plan import compiled_groups

FIGURES = ("target", "realisation")
MISPRINT_KEY = ("region", "indicator", "year", "kind", "check")  # the manifest's fields
VALUE_KEY = ("region", "agency", "indicator", "year", "period", "kind")
SHOWN = 20  # differences kept for the report (all are counted)
RESULT_COLUMNS = {  # the result files read, and the columns compared
    "computed": (*VALUE_KEY, "value", "reason"),
    "capaian": (*VALUE_KEY[:5], "capaian_rounded", "predikat"),
    "findings": ("agency", *MISPRINT_KEY),
}


@dataclass
class Difference:
    """One result row that the reference does not reproduce."""

    table: str  # computed, capaian
    key: tuple[Any, ...]  # region, agency, indicator, year, period (, kind)
    expected: str
    found: str


@dataclass
class Verification:
    members: int  # (region, agency) pairs in the dataset
    checked: int  # of them, recomputed on the exact path
    values: int = 0  # formula values compared
    capaian: int = 0  # capaian (with predikat) compared
    differences: list[Difference] = field(default_factory=list)
    different: int = 0  # all differences (the list keeps the first SHOWN)
    planted: int | None = None  # misprints in the manifest (None: no manifest)
    findings: int = 0
    missing: list[tuple[Any, ...]] = field(default_factory=list)  # planted, not found
    extra: list[tuple[Any, ...]] = field(default_factory=list)  # found, not planted

    @property
    def ok(self) -> bool:
        return not (self.different or self.missing or self.extra)

    def differ(self, table: str, key: tuple[Any, ...], expected: str, found: str) -> None:
        self.different += 1
        if len(self.differences) < SHOWN:
            self.differences.append(Difference(table, key, expected, found))


def verify(roots: Sequence[Path], result: Path, sample: int | None = 20) -> Verification:
    """The result files in the folder `result` (renstra batch -o) of the dataset(s)
    `roots`, against the manifest (when the dataset has one) and the exact path on
    `sample` (region, agency) pairs spread evenly over the sorted pairs (None: all)."""
    files = check_dataset(roots)
    outputs = {name: _output(result, name, columns) for name, columns in RESULT_COLUMNS.items()}
    plans = _read(files["plans"], None)
    members = sorted({(p["region"], p["agency"]) for p in plans})
    chosen = _spread(members, sample)
    report = Verification(len(members), len(chosen))
    _misprints(report, roots, _read([outputs["findings"]], None))
    if chosen:
        regions = sorted({region for region, _ in chosen})
        wanted = set(chosen)

        def mine(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
            return [row for row in rows if (row["region"], row["agency"]) in wanted]

        # only the chosen regions' rows are read (a national result has millions)
        reference = Reference(
            mine(_read(files["plans"], regions)),
            mine(_read(files["definitions"], regions)),
            mine(_read(files["values"], regions)),
        )
        results = {name: mine(_read([outputs[name]], regions)) for name in ("computed", "capaian")}
        _compare(report, reference, results)
    return report


def _output(result: Path, name: str, columns: tuple[str, ...]) -> Path:
    """The result file `name` of the folder `result`, with the columns compared."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = result / f"{name}.parquet"
    hint = "give the folder that `renstra batch -o` wrote"
    if not path.is_file():
        raise LayoutError(f"no {name}.parquet in {result}", hint=hint)
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as error:
        raise LayoutError(f"{path}: not a Parquet file ({error})", hint=hint) from None
    lacking = [c for c in columns if c not in schema.names]
    if lacking:
        raise LayoutError(f"{path}: no column {', '.join(lacking)}", hint=hint)
    return path


def _read(paths: Sequence[Path], regions: list[str] | None) -> list[dict[str, Any]]:
    """The rows of a table's files (only those of `regions`, when given)."""
    import pyarrow.dataset as ds

    dataset = ds.dataset([str(p) for p in paths], format="parquet")
    where = None if regions is None else ds.field("region").isin(regions)
    return dataset.to_table(filter=where).to_pylist()  # type: ignore[no-any-return]


def _spread(members: list[tuple[str, str]], sample: int | None) -> list[tuple[str, str]]:
    if sample is None or sample >= len(members):
        return members
    if sample <= 0:
        return []
    step = len(members) / sample
    return [members[int(i * step)] for i in range(sample)]


def _misprints(report: Verification, roots: Sequence[Path], findings: list[dict[str, Any]]) -> None:
    manifests = [root / "manifest.json" for root in roots if (root / "manifest.json").is_file()]
    found = {tuple(f[c] for c in MISPRINT_KEY) for f in findings}
    report.findings = len(found)
    if not manifests:
        return
    planted: set[tuple[Any, ...]] = set()
    for path in manifests:
        for misprint in json.loads(path.read_text(encoding="utf-8"))["misprints"]:
            planted.add(tuple(misprint[c] for c in MISPRINT_KEY))
    report.planted = len(planted)
    report.missing = sorted(planted - found, key=str)
    report.extra = sorted(found - planted, key=str)


class Reference:
    """The exact path's values for some (region, agency) pairs, from their own rows
    (also the reference of tests/test_scale.py's stricter comparison)."""

    def __init__(
        self,
        plans: list[dict[str, Any]],
        definitions: list[dict[str, Any]],
        values: list[dict[str, Any]],
    ) -> None:
        self.groups = compiled_groups(plans, definitions) if plans else []
        self.baseline_year = {(p["region"], p["agency"]): p["baseline_year"] for p in plans}
        first: dict[tuple[Any, ...], dict[str, Any]] = {}  # the first source of each key
        # (region, agency): its (period, kind) with a target or realisation (the frame)
        self.frame: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for row in values:
            key = tuple(row[c] for c in VALUE_KEY)
            if key not in first or row["source"] < first[key]["source"]:
                first[key] = row
            if row["kind"] in FIGURES:
                member = (row["region"], row["agency"])
                self.frame.setdefault(member, set()).add((row["period"], row["kind"]))
        self.printed = {k: Fraction(r["value"]) for k, r in first.items() if r["value"] is not None}
        self.baselines: dict[tuple[Any, ...], Fraction] = {}  # (region, agency, id): any period's
        for (region, agency, indicator, year, _, kind), value in self.printed.items():
            at = (region, agency, indicator)
            if kind == "baseline" and year == self.baseline_year.get((region, agency)):
                self.baselines[at] = max(value, self.baselines.get(at, value))
        self.rules: dict[tuple[Any, ...], tuple[str, str | None]] = {}
        self.whole: set[tuple[Any, ...]] = set()  # (region, agency, id) of a whole unit
        for row in definitions:
            if is_integer_unit(row["unit"]):
                self.whole.add((row["region"], row["agency"], row["indicator"]))
            if row["entry"] == "indicator":
                at = (row["region"], row["agency"], row["indicator"])
                rule, band = self.rules.get(at, (row["polarity"], row["band_table"]))
                self.rules[at] = (max(rule, row["polarity"]), _larger(band, row["band_table"]))

    def computed(self) -> dict[tuple[Any, ...], Fraction | str]:
        """(region, agency, indicator, year, period, kind): the value, or its reason."""
        found: dict[tuple[Any, ...], Fraction | str] = {}
        for group in self.groups:
            for region, agency in group.members:
                for period, kind in self.frame.get((region, agency), ()):
                    for job in group.jobs:
                        for year in job.years:
                            values: dict[str, dict[int | str, Fraction]] = {}
                            for identifier, key in job.slots():
                                value = self._slot(region, agency, identifier, key, period, kind)
                                if value is not None:
                                    slot: int | str = "awal" if key == BASELINE else key
                                    values.setdefault(identifier, {})[slot] = value
                            outcome = job.formula.evaluate_value(values, year)
                            at = (region, agency, job.indicator, year, period, kind)
                            if isinstance(outcome, NotComputable):
                                found[at] = outcome.code
                            else:
                                found[at] = Fraction(outcome)
        return found

    def _slot(
        self, region: str, agency: str, identifier: str, key: Any, period: str, kind: str
    ) -> Fraction | None:
        if key == BASELINE:
            return self.baselines.get((region, agency, identifier))
        return self.printed.get((region, agency, identifier, key, period, kind))

    def capaian(
        self, computed: dict[tuple[Any, ...], Fraction | str]
    ) -> dict[tuple[Any, ...], tuple[Fraction | None, str | None]]:
        """(region, agency, indicator, year, period): the capaian and its band table."""
        figures: dict[tuple[Any, ...], dict[str, Fraction | None]] = {}
        for (region, agency, indicator, year, period, kind), value in self.printed.items():
            if kind in FIGURES and (region, agency, indicator) in self.rules:
                at = (region, agency, indicator, year, period)
                figures.setdefault(at, {}).setdefault(kind, value)
        for where, outcome in computed.items():
            pair = figures.setdefault(where[:5], {})
            if isinstance(outcome, Fraction):  # the computed value where computable
                pair[where[5]] = outcome
        found: dict[tuple[Any, ...], tuple[Fraction | None, str | None]] = {}
        for at, pair in figures.items():
            rules = self.rules.get(at[:3])
            if rules is None:
                continue
            got = achievement(rules[0], pair.get("target"), pair.get("realisation"))
            found[at] = (got.value, rules[1])
        return found


def _larger(left: str | None, right: str | None) -> str | None:
    """MAX as SQL takes it: NULL only when both are."""
    if left is None or right is None:
        return left if right is None else right
    return max(left, right)


def _compare(
    report: Verification,
    reference: Reference,
    results: dict[str, list[dict[str, Any]]],
) -> None:
    computed = reference.computed()
    whole = reference.whole
    rows = {tuple(r[c] for c in VALUE_KEY): r for r in results["computed"]}
    for at, value in computed.items():
        report.values += 1
        row = rows.pop(at, None)
        if row is None:
            report.differ("computed", at, _shown(value), "(no row)")
        elif isinstance(value, str):
            if (row["value"], row["reason"]) != (None, value):
                report.differ("computed", at, value, _shown(row["value"], row["reason"]))
        elif row["value"] is None or not _same(value, Fraction(row["value"]), at[:3] in whole):
            report.differ("computed", at, _shown(value), _shown(row["value"], row["reason"]))
    for at, row in rows.items():
        report.differ("computed", at, "(no value)", _shown(row["value"], row["reason"]))
    capaian_rows = {tuple(r[c] for c in VALUE_KEY[:5]): r for r in results["capaian"]}
    for at, (capaian, table) in reference.capaian(computed).items():
        report.capaian += 1
        row = capaian_rows.pop(at, None)
        if row is None:
            report.differ("capaian", at, _shown(capaian), "(no row)")
            continue
        expected = _capaian(capaian, table)
        found = (
            None if row["capaian_rounded"] is None else Fraction(row["capaian_rounded"]),
            row["predikat"],
        )
        if found != expected:
            report.differ("capaian", at, _pair(expected), _pair(found))
    for at, row in capaian_rows.items():
        report.differ("capaian", at, "(no capaian)", _shown(row["capaian_rounded"]))


def _same(expected: Fraction, found: Fraction, whole: bool) -> bool:
    """Values of a whole unit (Rupiah, counts) exactly; ratios as presented (half-up,
    DEFAULT_DECIMALS: a float engine's 8131.999999999999 for 8132 is 8132,00)."""
    if whole:
        return found == expected
    return round_half_up(found) == round_half_up(expected)


def _capaian(value: Fraction | None, table: str | None) -> tuple[Fraction | None, str | None]:
    if value is None:
        return None, None
    label = classify(band_table(table), value).label if table else None
    return round_half_up(value), label


def _shown(value: Fraction | Decimal | str | None, reason: str | None = None) -> str:
    if value is None:
        return f"(none, {reason})" if reason else "(none)"
    if isinstance(value, Fraction):
        places = 0 if value.denominator == 1 else DEFAULT_DECIMALS + 4
        return str(round(Decimal(value.numerator) / Decimal(value.denominator), places))
    return str(value)


def _pair(pair: tuple[Fraction | None, str | None]) -> str:
    return f"{_shown(pair[0])} {pair[1] or '-'}"
