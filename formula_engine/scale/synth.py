"""`renstra synth`: a seeded synthetic national dataset with known defects.

    synthesize(regions=50, seed=7)  ->  (Dataset, Manifest)

N regions ("Wilayah 0001", ...), each with one agency and the bundled catalog's
definitions (every indicator, input and budget row). For every region:
- every input a formula reads gets a target and a realisation per year it is read
  (and a baseline where a formula reads `awal`): counts 20-500 (a part at most its
  whole), other units 50,00-100,00; realisations 60-120 % of the targets;
- each indicator's target and realisation are printed as the exact path computes them
  (Model, exact back-end), rounded half-up to the unit's decimals, and its capaian by
  its polarity rule to 2 decimals; a figure that is not computable is printed "-";
- budgets: every sub kegiatan gets a pagu (budget) and a realisation per plan year;
  each kegiatan and program prints the sum of its children;
- defects at seeded places, each listed in the manifest: missing cells (an input's
  realisation left out), zeros (an input's value 0, so a denominator or a target may
  be zero), misprints (a printed figure's last digit changed: an indicator's target or
  realisation, a capaian, a program's budget).
A misprint never feeds another check (capaian reads the computed T and R; programs have
no parent), so the batch finds exactly the misprints, no more: tests/test_scale.py.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ..achievement import _rule_formula
from ..catalog import bundled_catalog_path, load_checked
from ..model import default_decimals
from ..outcomes import BASELINE, NotComputable, YearKey
from ..units import parse_unit
from .layout import YEARLY, Dataset, from_catalog, is_integer_unit, to_decimal
from .plan import Group, compile_group, groups_of
from .queries import RULE_YEAR

MAX_REGIONS = 100_000
AGENCY = "Dinas Sosial"
SOURCE = "sintetis"


@dataclass
class Rates:
    missing: float = 0.02
    zero: float = 0.01
    misprint: float = 0.01


@dataclass
class Manifest:
    regions: int
    seed: int
    rates: Rates
    misprints: list[dict[str, Any]] = field(default_factory=list)
    missing: list[dict[str, Any]] = field(default_factory=list)
    zeros: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "regions": self.regions,
            "seed": self.seed,
            "rates": vars(self.rates),
            "misprints": self.misprints,
            "missing": self.missing,
            "zeros": self.zeros,
        }


def region_name(number: int) -> str:
    return f"Wilayah {number:04d}"


def synthesize(
    regions: int, seed: int, rates: Rates | None = None, indicators: int | None = None
) -> tuple[Dataset, Manifest]:
    """The dataset and where its defects are. `indicators` keeps only the first ones
    (with their inputs), for small test sets."""
    catalog, _ = load_checked(bundled_catalog_path())
    template = from_catalog(catalog, region_name(0), AGENCY)
    if indicators is not None:
        template = _first_indicators(template, indicators)
    (group,) = groups_of(template.plans, template.definitions)
    compile_group(group)
    rates = rates or Rates()
    manifest = Manifest(regions, seed, rates)
    generator = random.Random(seed)
    plans: list[dict[str, Any]] = []
    definitions: list[dict[str, Any]] = []
    values: list[dict[str, Any]] = []
    for number in range(1, regions + 1):
        key = {"region": region_name(number), "agency": AGENCY}
        plans += [{**row, **key} for row in template.plans]
        definitions += [{**row, **key} for row in template.definitions]
        region = _Region(key, group, generator, rates, manifest)
        values += region.values()
    return Dataset(plans, definitions, values), manifest


def _first_indicators(template: Dataset, count: int) -> Dataset:
    ids: list[str] = []
    for row in template.definitions:
        if row["entry"] == "indicator" and row["formula"] and row["indicator"] not in ids:
            ids.append(row["indicator"])
    keep = set(ids[:count])
    rows = [
        row
        for row in template.definitions
        if row["entry"] != "indicator" or row["indicator"] in keep
    ]
    return Dataset(template.plans, rows, [])


class _Region:
    def __init__(
        self,
        key: dict[str, str],
        group: Group,
        generator: random.Random,
        rates: Rates,
        manifest: Manifest,
    ) -> None:
        self.key, self.group, self.random, self.rates = key, group, generator, rates
        self.manifest = manifest
        self.rows: list[dict[str, Any]] = []
        self.inputs = {r["indicator"]: r for r in group.definitions if r["entry"] == "input"}
        self.given: dict[tuple[str, str, YearKey], Fraction | None] = {}
        self.baseline_year = int(group.plan["baseline_year"])

    def values(self) -> list[dict[str, Any]]:
        indicators = {
            r["indicator"]: r for r in self.group.definitions if r["entry"] == "indicator"
        }
        for job in self.group.jobs:
            definition = indicators[job.indicator]
            for year in job.years:
                figures = {kind: self._figure(job, year, kind) for kind in KINDS}
                self._indicator(definition, year, figures)
        self._budgets()
        return self.rows

    # Inputs.

    def _input(self, identifier: str, key: YearKey, kind: str) -> Fraction | None:
        kind = "baseline" if key == BASELINE else kind
        slot = (identifier, kind, key)
        if slot not in self.given:
            self.given[slot] = self._draw(identifier, key, kind)
        return self.given[slot]

    def _draw(self, identifier: str, key: YearKey, kind: str) -> Fraction | None:
        definition = self.inputs[identifier]
        whole = definition["part_of"]
        year = self.baseline_year if key == BASELINE else int(key)
        where = {**self.key, "indicator": identifier, "year": year, "kind": kind}
        if kind == "realisation" and self.random.random() < self.rates.missing:
            self.manifest.missing.append(where)
            return None  # not written: a missing cell
        if self.random.random() < self.rates.zero:
            self.manifest.zeros.append(where)
            value = Fraction(0)
        elif kind == "realisation":
            target = self._input(identifier, key, "target")
            factor = Fraction(self.random.randint(60, 120), 100)
            base = target if target else Fraction(self.random.randint(20, 500))
            value = self._shaped(definition, base * factor)
        else:
            value = self._shaped(definition, Fraction(self.random.randint(2000, 50000), 100))
        if whole is not None and whole in self.inputs:
            limit = self._input(whole, key, kind)
            if limit is not None and value > limit:
                value = limit
        self._write(identifier, year, kind, value, None)
        return value

    def _shaped(self, definition: dict[str, Any], value: Fraction) -> Fraction:
        if is_integer_unit(definition["unit"]):
            return Fraction(round(value))
        return Fraction(scaled_half_up(value, 2), 100)

    # Indicators.

    def _figure(self, job: Any, year: int, kind: str) -> Fraction | None:
        values: dict[str, dict[int | str, Fraction]] = {}
        for identifier, key in job.slots():
            value = self._input(identifier, key, kind)
            if value is not None:
                values.setdefault(identifier, {})["awal" if key == BASELINE else key] = value
        result = job.formula.evaluate_value(values, year)
        return result if isinstance(result, Fraction) else None

    def _indicator(
        self, definition: dict[str, Any], year: int, figures: dict[str, Fraction | None]
    ) -> None:
        identifier = definition["indicator"]
        places = default_decimals(parse_unit(definition["unit"]))
        for kind, value in figures.items():
            self._printed(identifier, year, kind, value, places, "value")
        target, realisation = figures["target"], figures["realisation"]
        if target is None or realisation is None:
            return
        capaian = _rule_formula(definition["polarity"]).evaluate_value(
            {"t": {RULE_YEAR: target}, "r": {RULE_YEAR: realisation}}, RULE_YEAR
        )
        value = None if isinstance(capaian, NotComputable | bool) else capaian
        self._printed(identifier, year, "achievement", value, 2, "capaian")

    def _printed(
        self,
        identifier: str,
        year: int,
        kind: str,
        value: Fraction | None,
        places: int,
        check: str,
        misprint: bool = True,
    ) -> None:
        if value is None:
            self._write(identifier, year, kind, None, "-")
            return
        scaled = scaled_half_up(value, places)
        if misprint and self.random.random() < self.rates.misprint:
            correct = indonesian(scaled, places)
            scaled += self.random.choice((1, -1))
            self.manifest.misprints.append(
                {
                    **self.key,
                    "indicator": identifier,
                    "year": year,
                    "period": YEARLY,
                    "kind": kind,
                    "check": check,
                    "printed": indonesian(scaled, places),
                    "correct": correct,
                }
            )
        shown = Fraction(scaled, 10**places)
        self._write(identifier, year, kind, shown, indonesian(scaled, places), places)

    def _write(
        self,
        identifier: str,
        year: int,
        kind: str,
        value: Fraction | None,
        text: str | None,
        places: int | None = None,
    ) -> None:
        stored: Decimal | None = None if value is None else to_decimal(value)
        if text is None and value is not None:
            places = 0 if value.denominator == 1 else 2
            text = indonesian(scaled_half_up(value, places), places)
        self.rows.append(
            {
                **self.key,
                "indicator": identifier,
                "year": year,
                "period": YEARLY,
                "kind": kind,
                "value": stored,
                "intended": None,
                "decimals": places or 0,
                "text": text,
                "table": SOURCE,
                "source": SOURCE,
            }
        )

    # Budgets.

    def _budgets(self) -> None:
        rows = [r for r in self.group.definitions if r["entry"] == "budget"]
        children: dict[str, list[str]] = {}
        for row in rows:
            if row["parent"]:
                children.setdefault(row["parent"], []).append(row["indicator"])
        years = range(int(self.group.plan["first_year"]), int(self.group.plan["last_year"]) + 1)
        parent_of = {r["indicator"]: r["parent"] for r in rows}
        for year in years:
            amounts: dict[tuple[str, str], Fraction] = {}
            for row in reversed(rows):  # children (later rows) before their parents
                code = row["indicator"]
                for kind in ("budget", "realisation"):
                    parts = children.get(code)
                    if parts:
                        amount = sum((amounts[(p, kind)] for p in parts), Fraction(0))
                    elif kind == "budget":
                        amount = Fraction(self.random.randint(10_000, 900_000) * 1000)
                    else:
                        pagu = amounts[(code, "budget")]
                        amount = Fraction(pagu * self.random.randint(70, 100) // 100)
                    amounts[(code, kind)] = amount
                    top = parent_of[code] is None and bool(parts)
                    self._printed(code, year, kind, amount, 0, "rollup", misprint=top)


KINDS = ("target", "realisation")


def scaled_half_up(value: Fraction, places: int) -> int:
    """numbers.round_half_up(value, places) x 10^places, in integer arithmetic."""
    numerator, denominator = value.numerator, value.denominator
    magnitude: int = (2 * abs(numerator) * 10**places + denominator) // (2 * denominator)
    return -magnitude if numerator < 0 else magnitude


def indonesian(scaled: int, places: int) -> str:
    """numbers.format_indonesian of scaled / 10^places: '16,24', '4.489.798.475'."""
    sign = "-" if scaled < 0 else ""
    whole, fraction = divmod(abs(scaled), 10**places)
    grouped = f"{whole:,}".replace(",", ".")
    return f"{sign}{grouped},{fraction:0{places}d}" if places else f"{sign}{grouped}"
