"""Achievement rules (edge cases from data), their monotonicity, and the band tables."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.achievement import achievement
from formula_engine.bands import TABLE_IDS, band_table, classify, lint
from formula_engine.catalog.printed import read_printed

CASES = yaml.safe_load((Path(__file__).parent / "fixtures" / "achievement.yaml").read_text())


@pytest.mark.parametrize("case", CASES["cases"], ids=lambda c: f"{c['rule']} t={c['t']} r={c['r']}")
def test_achievement_case(case: dict[str, Any]) -> None:
    result = achievement(case["rule"], read_printed(case["t"]).value, read_printed(case["r"]).value)
    if "reason" in case:
        assert (result.status, result.value, result.reason) == (
            "not_computable",
            None,
            case["reason"],
        )
        return
    assert result.status == "ok"
    assert result.value == Fraction(case["capaian"])
    if "band" in case:
        assert result.band is not None and result.band.label == case["band"]


positive = st.fractions(min_value=Fraction(1, 100), max_value=10**6)


@given(t=positive, r1=positive, r2=positive)
def test_higher_is_better_increases_with_the_realisation(
    t: Fraction, r1: Fraction, r2: Fraction
) -> None:
    low, high = sorted((r1, r2))
    a, b = achievement("higher_is_better", t, low), achievement("higher_is_better", t, high)
    assert a.value is not None and b.value is not None and a.value <= b.value


@pytest.mark.parametrize("rule", ["lower_is_better_difference", "lower_is_better_ratio"])
@given(t=positive, r1=positive, r2=positive)
def test_lower_is_better_decreases_with_the_realisation(
    rule: str, t: Fraction, r1: Fraction, r2: Fraction
) -> None:
    low, high = sorted((r1, r2))
    a, b = achievement(rule, t, low), achievement(rule, t, high)
    assert a.value is not None and b.value is not None and a.value >= b.value


@pytest.mark.parametrize(
    "rule", ["higher_is_better", "lower_is_better_difference", "lower_is_better_ratio"]
)
@given(t=positive)
def test_meeting_the_target_exactly_is_100_percent(rule: str, t: Fraction) -> None:
    assert achievement(rule, t, t).value == 100


def test_the_printed_achievement_bands_have_the_gaps_the_regulation_leaves() -> None:
    findings = lint(band_table("capaian_permendagri_86_2017"))
    assert sorted((f.kind, f.message) for f in findings) == [
        ("gap", "no band between Rendah (up to 65) and Sedang (from 66)"),
        ("gap", "no band between Sangat Rendah (up to 50) and Rendah (from 51)"),
        ("gap", "no band between Sedang (up to 75) and Tinggi (from 76)"),
        ("gap", "no band between Tinggi (up to 90) and Sangat Tinggi (from 91)"),
        ("uncovered", "nothing is defined above 100"),
    ]
    gap = classify(band_table("capaian_permendagri_86_2017"), Fraction("90.5"))
    assert gap.band is None and gap.reason == "90,50 falls in a gap between the bands"


@pytest.mark.parametrize("table_id", [t for t in TABLE_IDS if t != "capaian_permendagri_86_2017"])
def test_the_other_band_tables_lint_clean(table_id: str) -> None:
    assert lint(band_table(table_id)) == []


@pytest.mark.parametrize("table_id", [t for t in TABLE_IDS if t != "capaian_permendagri_86_2017"])
@given(data=st.data())
def test_classification_is_total_over_the_declared_domain(
    table_id: str, data: st.DataObject
) -> None:
    table = band_table(table_id)
    low = table.domain.lower if table.domain.lower is not None else Fraction(-(10**4))
    high = table.domain.upper if table.domain.upper is not None else Fraction(10**4)
    value = data.draw(st.fractions(min_value=low, max_value=high))
    assert classify(table, value).band is not None


def test_the_linter_finds_an_overlap_and_a_gap() -> None:
    table = band_table("sakip_permenpanrb_88_2021")
    bands = list(table.bands)
    bands[1] = bands[1].model_copy(update={"lower": Fraction(79)})  # A overlaps BB
    bands[3] = bands[3].model_copy(update={"upper": Fraction(69)})  # a gap below BB
    kinds = sorted(f.kind for f in lint(table.model_copy(update={"bands": tuple(bands)})))
    assert kinds == ["gap", "overlap"]


@pytest.mark.parametrize(
    ("table_id", "score", "label"),
    [
        ("sakip_permenpanrb_88_2021", "84.35", "A"),
        ("sakip_permenpanrb_88_2021", "80", "BB"),
        ("sakip_permenpanrb_88_2021", "80.001", "BB"),  # rounded to 80,00 first
        ("sakip_permenpanrb_88_2021", "80.01", "A"),
        ("ikm_permenpanrb_14_2017", "82.7", "Baik"),
        ("ikm_permenpanrb_14_2017", "88.305", "Sangat Baik"),
        ("ikm_permenpanrb_14_2017", "88.304", "Baik"),
        ("capaian_interpretasi", "-731", "Sangat Rendah"),
        ("capaian_interpretasi", "150", "Sangat Tinggi"),
    ],
)
def test_known_scores_fall_in_their_band(table_id: str, score: str, label: str) -> None:
    assert classify(band_table(table_id), Fraction(score)).label == label
