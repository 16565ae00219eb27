"""The Python facade (formula_engine.api): what an embedding program sees.

Expected values are worked by hand from the inputs given (not read back from the code)."""

from __future__ import annotations

import json
import shutil
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import formula_engine
from formula_engine import api
from formula_engine.achievement import achievement
from formula_engine.catalog import CatalogRejected

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def bundled() -> api.CatalogHandle:
    return api.load_catalog()


@pytest.fixture
def small(tmp_path: Path) -> api.CatalogHandle:
    shutil.copytree(FIXTURES / "catalog", tmp_path / "kecil")
    return api.load_catalog(tmp_path / "kecil", "kecil")


def test_the_package_exports_the_facade_lazily() -> None:
    assert formula_engine.load_catalog is api.load_catalog
    assert formula_engine.CatalogHandle is api.CatalogHandle
    assert (Path(formula_engine.__file__).parent / "py.typed").is_file()


def test_one_handle_per_directory(bundled: api.CatalogHandle) -> None:
    assert api.load_catalog() is bundled
    assert bundled.model(2024) is bundled.model(2024)  # compiled once per year


def test_a_catalog_that_does_not_check_is_rejected(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "catalog", tmp_path / "rusak")
    plan = tmp_path / "rusak" / "renstra.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("tujuan:", "tujuan_:", 1), "utf-8")
    with pytest.raises(CatalogRejected) as rejected:
        api.load_catalog(tmp_path / "rusak")
    assert rejected.value.diagnostics


def test_an_indicator_is_evaluated_from_values_by_label(small: api.CatalogHandle) -> None:
    values = {"Jumlah PMKS": {2024: 1009}, "Jumlah penduduk": {2024: 150_000}}
    result = api.evaluate_indicator(small, "persentase_pmks", values, 2024)
    assert result.value == Fraction(1009, 1500)  # 1009 / 150000 x 100
    assert (result.rounded, result.display) == ("0.67", "0,67")
    assert json.loads(result.model_dump_json())["value"] == "1009/1500"


def test_a_formula_the_catalog_accepts_is_evaluated_as_printed(bundled: api.CatalogHandle) -> None:
    entry = bundled.indicator("persentase_fakir_miskin_berdaya")
    (accepting,) = [v for v in entry.formulas if v.accepts]
    formula = bundled.formula(entry.id, accepting.valid_from)
    assert str(formula.unit) == "?"


def test_an_unknown_id_names_the_nearest(small: api.CatalogHandle) -> None:
    with pytest.raises(api.NotFound) as missing:
        small.indicator("persentase_pmk")
    assert missing.value.suggestions[0] == "persentase_pmks"
    assert missing.value.code == "E701"


def test_a_diagnostic_has_its_fields() -> None:
    (diagnostic,) = api.check_formula("jumlah / (a - )").diagnostics
    # the operand is missing where ')' stands: the 15th character
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("E104", 1, 15)
    assert diagnostic.caret == "  jumlah / (a - )\n" + " " * 16 + "^"
    assert diagnostic.hint and diagnostic.rendered.startswith("<formula>:1:15: error[E104]")


def test_a_fragment_is_checked_and_located() -> None:
    text = "inputs:\n  - id: a\n    label: A\n    unit: orang\n    colour: red\n"
    out = api.check_fragment(text, "inputs", "inputs/baru.yaml")
    codes = {(d.code, d.line) for d in out.diagnostics}
    assert ("E502", 5) in codes and not out.ok
    assert all(d.where == "inputs/baru.yaml" for d in out.diagnostics)


def test_the_tree_holds_every_indicator_and_program(bundled: api.CatalogHandle) -> None:
    out = api.tree(bundled)

    def walk(nodes: list[api.TreeNode]) -> list[api.TreeNode]:
        return [n for node in nodes for n in [node, *walk(node.children)]]

    nodes = walk(out.tujuan) + walk(out.programs_without_sasaran)
    indicators = [i.id for node in nodes for i in node.indicators]
    programs = [n.key for n in nodes if n.level == "program"]
    catalog = bundled.catalog
    # a program serving two sasaran stands under both: its indicators appear twice
    assert set(indicators) == {i.entry.id for i in catalog.indicators()}
    assert set(programs) == {p.entry.code for p in catalog.programs}
    assert [n.level for n in walk(out.tujuan)[:2]] == ["tujuan", "sasaran"]


def test_the_audit_findings_have_unique_ids_and_serialise(bundled: api.CatalogHandle) -> None:
    summary = api.audit_summary(bundled)
    found = api.findings(bundled)
    assert summary.counts["finding"] == len(found) > 0
    assert len({f.id for f in found}) == len(found)
    assert api.finding(bundled, found[0].id) == found[0]
    every = api.findings(bundled, every_figure=True)
    assert len(every) == summary.counts["checked"]
    json.loads(summary.model_dump_json())
    json.loads(found[0].model_dump_json())


def test_explain_gives_the_text_and_the_figures(bundled: api.CatalogHandle) -> None:
    out = api.explain(bundled, "persentase_pmks", 2022)
    assert out.text.startswith(out.title) and out.sections
    with pytest.raises(api.NotFound):
        api.explain(bundled, "persentase_pmkz")


def test_an_achievement_serialises_to_json() -> None:
    out = api.achievement_out(achievement("higher_is_better", Fraction(80), Fraction(90)))
    data = json.loads(out.model_dump_json())
    assert (data["value"], data["rounded"], data["negative"]) == ("225/2", "112.50", False)  # 90/80
    assert data["band"]["label"]
    zero = api.achievement_out(achievement("higher_is_better", Fraction(0), Fraction(5)))
    assert zero.status == "not_computable" and zero.value is None


def test_equivalence_gives_a_counterexample_that_holds() -> None:
    out = api.equivalent("a - b", "b - a")
    assert out.status == "not_equivalent" and out.counterexample is not None
    values = {k: Fraction(v) for k, ys in out.counterexample.inputs.items() for v in ys.values()}
    assert values["a"] != values["b"]  # a - b = b - a only when a = b


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-(10**6), 10**6), st.integers(-50, 50)), min_size=1, max_size=30)
)
def test_a_batch_row_is_the_exact_quotient(rows: list[tuple[int, int]]) -> None:
    formula = api.model_for("a / b").compile("a / b")
    out = api.evaluate_batch(formula, {"a": [a for a, _ in rows], "b": [b for _, b in rows]}, 2024)
    for (a, b), value, status in zip(rows, out.value, out.status, strict=True):
        if b == 0:
            assert (status, value) == ("not_computable", None)
        else:
            assert Fraction(value or "") == Fraction(a, b)


def test_a_batch_past_its_deadline_stops() -> None:
    formula = api.model_for("a").compile("a")
    with pytest.raises(api.OverBudget):
        api.evaluate_batch(formula, {"a": [1, 2]}, 2024, deadline=time.monotonic() - 1)


def test_set_target_records_a_revision_and_refuses_a_stale_etag(
    small: api.CatalogHandle,
) -> None:
    from formula_engine.catalog.updates import targets

    before = api.indicator_detail(small, "persentase_pmks").etag
    source = api.EditSource(document="Renstra Perubahan 2024", date="2024-03-01")
    out = api.set_target(small, "persentase_pmks", 2024, "7,11", source, if_match=before)
    assert (out.previous, out.text, out.file) == ("7,26", "7,11", "updates.yaml")
    assert api.indicator_detail(small, "persentase_pmks").etag == out.etag != before
    with pytest.raises(api.StaleEdit):
        api.set_target(small, "persentase_pmks", 2024, "7,12", source, if_match=before)
    entry = small.indicator("persentase_pmks")
    # the printed target stays as printed; the revision, with its source, is in force
    assert [v.text for v in entry.values if v.kind == "target" and v.year == 2024] == ["7,26"]
    in_force = targets(small.catalog, entry, 2024)
    assert [(v.text, v.printed) for v in in_force] == [("7,26", True), ("7,11", False)]
    assert "Renstra Perubahan 2024" in in_force[-1].source


def test_a_realisation_reaches_the_capaian_table(small: api.CatalogHandle) -> None:
    value = api.RealisationIn(indicator="persentase_pmks", year=2024, period="TW1", text="7,1")
    source = api.EditSource(document="LKjIP 2024", date="2025-01-31")
    assert api.add_realisations(small, [value], source).count == 1
    row = next(r for r in api.capaian(small, 2024).rows if r.indicator == "persentase_pmks")
    # persentase_pmks is lower-is-better: capaian = (2 x 7,26 - 7,1) / 7,26 x 100% = 102,20
    assert (row.realisasi, row.capaian_display) == ("7,1", "102,20")


FILES = FIXTURES / "files"


def test_a_formula_file_gives_the_declarations_of_a_model() -> None:
    from formula_engine.reading import read_source

    declarations = api.declarations_of(read_source(FILES / "good.yaml"))
    model = api.model_for("x", declarations=declarations, first_year=2021)
    formula = model.compile('"Jumlah PMKS" / "Jumlah penduduk" x 100%')
    values = {"jumlah_pmks": {2022: 11217}, "Jumlah penduduk": {2022: 151_700}}
    # 11217 / 151700 x 100 = 7.394...; the file's units: orang / orang x 100% = %
    assert (formula.evaluate(values, 2022).rounded, str(formula.unit)) == ("7.39", "%")
    assert model.plan.first_year == 2021


def test_a_broken_formula_file_raises_its_first_located_error() -> None:
    from formula_engine.errors import FormulaError
    from formula_engine.reading import read_source

    with pytest.raises(FormulaError) as failed:
        api.declarations_of(read_source(FILES / "broken.yaml"))
    assert failed.value.location.where.endswith("broken.yaml") and failed.value.source


def test_an_error_names_the_location_it_is_given_and_the_formula_it_is_in() -> None:
    from formula_engine.errors import FormulaError, Location

    with pytest.raises(FormulaError) as failed:
        api.equivalent("a + b", "a +", location=Location("<argument>"))
    assert (failed.value.source, failed.value.location.where) == ("a +", "<argument>")
    with pytest.raises(FormulaError) as too_long:
        api.model_for("a + " * 3000 + "a")
    assert too_long.value.code == "E120"
    assert api.model_for("a + " * 3000 + "a", limit=None).compile("a").text == "a"


def test_answers_kept_per_version_follow_an_edit(small: api.CatalogHandle) -> None:
    summary, tree = api.audit_summary(small), api.tree(small)
    assert api.audit_summary(small) is summary and api.tree(small) is tree  # kept
    source = api.EditSource(document="Renstra Perubahan 2024", date="2024-03-01")
    api.set_target(small, "persentase_pmks", 2024, "7,11", source)
    assert api.audit_summary(small).etag == small.etag != summary.etag
    assert api.tree(small) is not tree and api.tree(small) == tree  # a target: same tree


def test_a_plan_declared_again_puts_its_units_back_after_another_catalog() -> None:
    """declare_plan keeps each plan's declaration: using a catalog again after another
    one declared other units restores its own (the service serves several catalogs)."""
    from formula_engine.catalog.load import declare_plan
    from formula_engine.units import declare_units, declared_units, unit_names

    declare_plan(None)  # a plan that declares nothing
    kept = declared_units()
    assert dict(kept) == {}
    declare_units({"ekor sapi": "ekor sapi"})  # another catalog's declaration
    assert "ekor sapi" in unit_names()
    declare_plan(None)
    assert "ekor sapi" not in unit_names()
    assert declared_units() is kept  # the kept declaration, not a new one
