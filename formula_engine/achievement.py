"""Achievement (capaian): how far a realisation R reached its target T, by the indicator's rule.

    higher_is_better             R / T x 100%          (RULE_SOURCES says where each
    lower_is_better_difference   (2T - R) / T x 100%    rule comes from)
    lower_is_better_ratio        T / R x 100%

The rules are formulas of our own language, evaluated by the engine, so `explain` can show
them. Outcomes for the edge cases (docs/achievement.md):
- T or R missing, or printed without a figure ("-", "NA"), or a grade without a score:
  not computable, with the reason;
- T = 0 (R = 0 for the ratio form): not computable ("the target is zero");
- a negative capaian (R < 0, or R > 2T in the difference form) is kept as computed, as
  Tabel 2.3.1 prints -6,55 and -731, and flagged `negative`; it falls in the lowest band.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import Literal

from .bands import DEFAULT_ACHIEVEMENT_BANDS, Classification, band_table, classify
from .declarations import Declarations, Input
from .model import CompiledFormula, Model

Rule = Literal["higher_is_better", "lower_is_better_difference", "lower_is_better_ratio"]

RULE_FORMULAS: dict[str, str] = {
    "higher_is_better": "r / t x 100%",
    "lower_is_better_difference": "(2 x t - r) / t x 100%",
    "lower_is_better_ratio": "t / r x 100%",
}
RULE_SOURCES: dict[str, str] = {
    "higher_is_better": "Permendagri 86/2017 (capaian = realisasi / target x 100%)",
    "lower_is_better_difference": "PermenPANRB 8/2021 (capaian = 1 + (1 - realisasi/target)); "
    "reproduces the Indeks Gini ratios of Tabel 2.3.1",
    "lower_is_better_ratio": "SIPD companion tools (capaian = target / realisasi x 100%)",
}
_YEAR = 2000  # the rules read no period: any year of the ad hoc plan will do


@dataclass(frozen=True)
class Achievement:
    rule: str
    formula: str
    status: Literal["ok", "not_computable"]
    value: Fraction | None = None
    reason: str | None = None
    band: Classification | None = None

    @property
    def negative(self) -> bool:
        return self.value is not None and self.value < 0


@cache
def _rule_formula(rule: str) -> CompiledFormula:
    inputs = (
        Input(id="t", label="target", unit="1", domain="real"),
        Input(id="r", label="realisasi", unit="1", domain="real"),
    )
    model = Model(Declarations(plan={"first_year": _YEAR, "last_year": _YEAR}, inputs=inputs))
    return model.compile(RULE_FORMULAS[rule])


def achievement(
    rule: str,
    target: Fraction | None,
    realisation: Fraction | None,
    bands: str = DEFAULT_ACHIEVEMENT_BANDS,
) -> Achievement:
    """The capaian of `realisation` against `target` by `rule`, classified in `bands`."""
    formula = RULE_FORMULAS[rule]
    if target is None or realisation is None:
        missing = "target" if target is None else "realisation"
        return Achievement(
            rule, formula, "not_computable", reason=f"the {missing} is missing or not a figure"
        )
    values: dict[str, dict[int | str, Fraction]] = {
        "t": {_YEAR: target},
        "r": {_YEAR: realisation},
    }
    result = _rule_formula(rule).evaluate(values, _YEAR)
    if result.status != "ok" or not isinstance(result.value, Fraction):
        zero = "realisation" if rule == "lower_is_better_ratio" else "target"
        return Achievement(rule, formula, "not_computable", reason=f"the {zero} is zero")
    classification = classify(band_table(bands), result.value)
    return Achievement(rule, formula, "ok", result.value, band=classification)
