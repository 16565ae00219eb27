"""`renstra explain`: every subject the audit names, the audit's own figures, did you mean,
and `renstra catalog list`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from formula_engine.audit import run_audit
from formula_engine.catalog import load_catalog
from formula_engine.cli import main
from formula_engine.errors import ResolveError
from formula_engine.explain import catalog_entries, explain

ROOT = Path(__file__).resolve().parent.parent
CATALOG, _ = load_catalog(ROOT / "catalog")
assert CATALOG is not None
REPORT = run_audit(CATALOG)


def test_explain_works_for_every_subject_and_year_of_the_audit() -> None:
    asked = {(f.subject, f.year) for f in REPORT.figures}
    assert len({subject for subject, _ in asked}) > 100  # every kind of subject is in it
    for subject, year in sorted(asked, key=str):
        explanation = explain(CATALOG, REPORT, subject, year, end_of_period=year is None)
        shown = [f for f in REPORT.figures if f.subject == subject and f.year == year]
        # every figure the audit computed for this subject and year is shown, each once
        assert all(sum(g is f for g in explanation.figures) == 1 for f in shown), subject
        assert explanation.render().count("\n") > 2


def test_explain_shows_the_audits_achievement_worked_by_hand() -> None:
    # Tabel 2.3.1, Indeks Gini 2018: T 0,36, R 0,35, lower is better (difference form):
    # (2 x 0,36 - 0,35) / 0,36 x 100 = 37/0,36 = 925/9 = 102,777... -> 102,78, above 100
    result = CliRunner().invoke(
        main, ["explain", "h_indeks_gini", "--year", "2018", "--lang", "en"]
    )
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  target (t): 0,36 (Tabel 2.3.1, seed line 1042)" in lines
    assert "  realisasi (r): 0,35 (Tabel 2.3.1, seed line 1042)" in lines
    assert "  recomputed: 102,78 (half-up, 2 decimals; exact value 925/9)" in lines
    assert "  rule: lower is better, difference form: capaian = (2 x t - r) / t x 100%" in lines
    assert (
        "  band: 102,78 % -> Sangat Tinggi (band table \N{LEFT DOUBLE QUOTATION MARK}Kriteria "
        "tingkat capaian kinerja (tafsiran tanpa celah)\N{RIGHT DOUBLE QUOTATION MARK})"
    ) in lines
    assert "  printed: 102,78" in lines and "  verdict: holds" in lines


def test_explain_is_indonesian_by_default() -> None:
    result = CliRunner().invoke(main, ["explain", "h_indeks_gini", "--year", "2018"])
    assert result.exit_code == 0, result.stderr
    assert (
        "  hitung ulang: 102,78 (dibulatkan setengah ke atas, 2 desimal; nilai eksak 925/9)"
        in result.stdout.splitlines()
    )
    # the values in force (catalog/updates.py), in the same language
    assert "  target 2018: 0,36 (Tabel 2.3.1, baris naskah 1042) [tercetak, berlaku]" in (
        result.stdout.splitlines()
    )
    assert "  capaian 2018 dari nilai yang berlaku: 102,78 % (Sangat Tinggi)" in (
        result.stdout.splitlines()
    )
    # the rule in words, written by hand from PermenPANRB 8/2021's "1 + (1 - R/T)"
    assert (
        "  aturan: makin rendah makin baik, bentuk selisih: capaian = (2 x t - r) / t x 100%"
        in result.stdout.splitlines()
    )


def test_explain_a_budget_line_of_bab_ii_and_a_rollup() -> None:
    runner = CliRunner()
    line = runner.invoke(main, ["explain", "belanja_langsung", "--year", "2017", "--lang", "en"])
    assert line.exit_code == 0, line.stderr
    assert "  printed: 20.800.284.676" in line.stdout.splitlines()  # Tabel 2.3.2, line 1586
    rollup = runner.invoke(main, ["explain", "1.06.06.2.02", "--year", "2026", "--json"])
    data = json.loads(rollup.stdout)
    assert data["figures"][0]["status"] == "finding"
    assert data["figures"][0]["recomputed"] == "350721080"


def test_an_unknown_subject_gets_did_you_mean() -> None:
    with pytest.raises(ResolveError) as raised:
        explain(CATALOG, REPORT, "belanja_langsng", None)
    assert raised.value.code == "E205" and "belanja_langsung" in (raised.value.hint or "")
    result = CliRunner().invoke(main, ["explain", "tidak_ada_sama_sekali_xyz"])
    assert result.exit_code == 1 and "error[E205]" in result.stderr
    assert "renstra catalog list" in result.stderr


def test_catalog_list_lists_what_explain_explains() -> None:
    result = CliRunner().invoke(main, ["catalog", "list", "--kind", "budget_line"])
    assert result.exit_code == 0, result.stderr
    ids = [line.split()[1] for line in result.stdout.splitlines()]
    # Tabel 2.3.2 (anggaran), lines 1584-1595: six budget lines
    assert ids == [
        "belanja_tidak_langsung",
        "belanja_langsung",
        "belanja_pegawai",
        "belanja_barang_dan_jasa",
        "belanja_modal",
        "total",
    ]
    entries = catalog_entries(CATALOG)
    assert {e.kind for e in entries} == {
        "tujuan", "sasaran", "program", "kegiatan", "sub_kegiatan", "indicator", "budget_line"
    }  # fmt: skip
    for entry in entries:
        assert explain(CATALOG, REPORT, entry.id, None).title.startswith(
            (entry.name, f"{entry.id} {entry.name}")
        )


def _internal_names() -> set[str]:
    """What a planner or auditor must never read: the catalog's ids (indicators, inputs,
    tujuan, sasaran, budget lines, tables) and the names of the rules in the rule tables
    (achievement, end of period, band tables), the audit's checks, classes and value
    kinds. Only names written as identifiers (with '_' or '-') are listed: a one-word id
    such as "total" is also a word of the document."""
    from formula_engine.achievement import RULE_FORMULAS
    from formula_engine.audit.locate import KIND_WORDS
    from formula_engine.audit.report import CLASS_NAMES
    from formula_engine.bands import band_table
    from formula_engine.rules import END_OF_PERIOD_RULES

    ids = {e.id for e in catalog_entries(CATALOG) if e.kind not in ("program", "kegiatan")}
    ids |= {e.id for e in catalog_entries(CATALOG, "sub_kegiatan") if not e.id[0].isdigit()}
    ids |= {i.id for i in CATALOG.all_inputs()}
    if CATALOG.history is not None:
        ids |= {i.id for i in CATALOG.history.entry.inputs}
    ids |= {t.id for t in CATALOG.plan.tables}
    bands = {i.grade_table for i in (x.entry for x in CATALOG.indicators()) if i.grade_table}
    bands |= {"capaian_interpretasi", "capaian_permendagri_86_2017"}
    ids |= {band_table(b).id for b in bands}
    ids |= set(RULE_FORMULAS) | set(END_OF_PERIOD_RULES) | set(KIND_WORDS) | set(CLASS_NAMES)
    ids |= {f.check for f in REPORT.figures}
    return {name for name in ids if "_" in name or "-" in name}


INTERNAL = _internal_names()


def _internal_in(text: str) -> list[str]:
    # as a whole identifier: "last_year" in "the target of 2026" is no match, nor is
    # "2.3.2-anggaran" inside a title; a seed line range "1584-1595" has no letters
    return sorted(
        name for name in INTERNAL if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", text)
    )


def test_the_internal_names_are_known() -> None:
    # the list can catch what it must: rule names, ids of each kind, the check names
    assert {"lower_is_better_difference", "not_printed", "last_year", "h_indeks_gini"} <= INTERNAL
    assert {
        "belanja_langsung",
        "2.3.2-anggaran",
        "capaian_interpretasi",
        "budget_parts",
    } <= INTERNAL
    assert _internal_in("rule: lower_is_better_difference: (2 x t - r)") == [
        "lower_is_better_difference"
    ]
    assert _internal_in("end-of-period rule: not_printed []") == ["not_printed"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_explain_of_every_finding_names_no_internal_id_or_rule(lang: str) -> None:
    asked = sorted({(f.subject, f.year) for f in REPORT.figures if f.status != "holds"}, key=str)
    assert len(asked) > 30
    for subject, year in asked:
        explanation = explain(CATALOG, REPORT, subject, year, year is None, lang)
        shown = explanation.render()
        assert _internal_in(shown) == [], (subject, year, _internal_in(shown))
