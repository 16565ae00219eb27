"""The ad hoc world a formula is evaluated in: units of its inputs, values (with zeros
and missing cells) for several rows, the years computed, and now and then one of its
references declared as an indicator computed from the other inputs.

A scenario is drawn from a seed string (the run's salt and the formula text), so the same
input always meets the same values; regressions store theirs explicitly (`to_data`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from fractions import Fraction

from formula_engine import Declarations, Indicator, Plan, nodes

PLAN = Plan(first_year=2022, last_year=2026)
KEYS: tuple[int | str, ...] = ("awal", *range(2014, 2036))
ROWS = 5
UNITS = ["1", "1", "orang", "%", "Rp"]
INDICATOR_FORMULAS = ["{0} + 1", "{0} x 2", "{0} / {1}", "{0}[n-1] + {1}", "akumulasi({0})"]


@dataclass
class Scenario:
    units: dict[str, str]  # by reference name as written (label text or snake_case name)
    years: list[int]
    rows: list[dict[str, dict[int | str, Fraction]]]  # by input id; a missing cell is absent
    indicator: str | None = None  # the reference name declared as an indicator
    indicator_formula: str = ""  # over the other inputs' ids: "{0} + 1"

    def for_inputs(self, ids: list[str]) -> Scenario:
        """The same scenario for (a shrunk formula with) these inputs: cells of other ids
        dropped, an id without cells all missing."""
        rows = [{i: row.get(i, {}) for i in ids} for row in self.rows]
        return replace(self, rows=rows, units=dict(self.units))

    def to_data(self) -> dict[str, object]:
        return {
            "units": self.units,
            "years": self.years,
            "rows": [
                {i: {str(k): str(v) for k, v in cells.items()} for i, cells in row.items()}
                for row in self.rows
            ],
            "indicator": self.indicator,
            "indicator_formula": self.indicator_formula,
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> Scenario:
        rows = [
            {
                i: {(k if k == "awal" else int(k)): Fraction(v) for k, v in cells.items()}
                for i, cells in row.items()
            }
            for row in data["rows"]  # type: ignore[attr-defined]
        ]
        return cls(
            units=dict(data.get("units") or {}),  # type: ignore[call-overload]
            years=list(data["years"]),  # type: ignore[call-overload]
            rows=rows,
            indicator=data.get("indicator"),  # type: ignore[arg-type]
            indicator_formula=str(data.get("indicator_formula") or ""),
        )


def draw_units(rng: random.Random, tree: nodes.Expr) -> dict[str, str]:
    names = sorted({r.name for r in nodes.references(tree)})
    if rng.random() < 0.7:
        return {}
    return {name: rng.choice(UNITS) for name in names}


def draw_scenario(seed: str, tree: nodes.Expr, declarations: Declarations) -> Scenario:
    """Years, rows and (maybe) an indicator for the inputs of `declarations`."""
    rng = random.Random(seed)
    ids = [i.id for i in declarations.inputs]
    years = sorted({2022, rng.choice([2021, 2023, 2024, 2025, 2026, 2026, 2027])})
    rows = [{i: _cells(rng) for i in ids} for _ in range(ROWS)]
    scenario = Scenario({}, years, rows)
    dimensionless = all(i.unit == "1" for i in declarations.inputs)
    if len(ids) >= 2 and dimensionless and rng.random() < 0.25:
        scenario.indicator = declarations.inputs[0].label
        scenario.indicator_formula = rng.choice(INDICATOR_FORMULAS)
    return scenario


def _cells(rng: random.Random) -> dict[int | str, Fraction]:
    cells: dict[int | str, Fraction] = {}
    style = rng.random()
    for key in KEYS:
        roll = rng.random()
        if roll < 0.15:
            continue  # missing
        if roll < 0.3:
            cells[key] = Fraction(0)
        elif style < 0.5:
            cells[key] = Fraction(rng.randint(1, 100))
        elif style < 0.7:
            cells[key] = Fraction(rng.randint(-(10**6), 10**9))
        elif style < 0.9:
            cells[key] = Fraction(rng.randint(-5000, 99999), 100)
        else:
            cells[key] = Fraction(rng.randint(1, 10), rng.choice([3, 7, 2**60]))
    return cells


def with_indicator(declarations: Declarations, scenario: Scenario) -> Declarations:
    """`declarations` with the scenario's indicator turned from an input into an
    indicator over the other inputs."""
    chosen = [i for i in declarations.inputs if i.label == scenario.indicator]
    others = [i for i in declarations.inputs if i.label != scenario.indicator]
    if not chosen or not others:
        return declarations
    first, ids = chosen[0], [i.id for i in others] * 2
    indicator = Indicator(
        id=first.id,
        label=first.label,
        unit="1",
        formula=scenario.indicator_formula.format(*ids[:2]),
    )
    return Declarations(plan=declarations.plan, inputs=tuple(others), indicators=(indicator,))
