"""Properties of the engine on every formula of the seed corpus and on random formulas."""

from __future__ import annotations

import itertools
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import formulas
from test_corpus import ENTRIES

from formula_engine import nodes, parse, to_text
from formula_engine.declarations import Declarations, Input, Plan
from formula_engine.errors import CheckError
from formula_engine.model import Model, Values, ad_hoc_declarations

PLAN = Plan(first_year=2022, last_year=2026)
YEARS = list(PLAN.years)
KEYS: list[int | str] = ["awal", *YEARS]


def corpus_model(formula: str) -> tuple[Model, list[str]]:
    declarations = ad_hoc_declarations(formula, plan=PLAN)
    return Model(declarations), [i.id for i in declarations.inputs]


values_per_input = st.dictionaries(
    st.sampled_from(KEYS), st.integers(0, 10**6), min_size=len(KEYS) - 2
)


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.table}:{e.line}")
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fast_path_agrees_with_exact_path(entry, data) -> None:  # type: ignore[no-untyped-def]
    model, ids = corpus_model(entry.formula)
    formula = model.compile(entry.formula)
    year = data.draw(st.sampled_from(YEARS))
    rows = [{i: data.draw(values_per_input) for i in ids} for _ in range(6)]
    exact = [formula.evaluate(Values(model.table, row), year) for row in rows]
    columns = {
        (i, key): np.array([row[i].get(key, np.nan) for row in rows], dtype=float)
        for i in ids
        for key in KEYS
    }
    fast = formula.evaluate_many(columns, year, len(rows))
    for result, number in zip(exact, fast, strict=True):
        if result.status == "ok":
            assert number == pytest.approx(float(result.value), rel=1e-9, abs=1e-9)
        else:
            assert np.isnan(number)


def _is_ratio(formula: str) -> bool:
    return any(isinstance(n, nodes.Binary) and n.op == "/" for n in nodes.walk(parse(formula)))


RATIOS = [e for e in ENTRIES if _is_ratio(e.formula)]


@pytest.mark.parametrize("entry", RATIOS, ids=lambda e: f"{e.table}:{e.line}")
@settings(max_examples=8, deadline=None)
@given(data=st.data(), factor=st.integers(2, 10**6))
def test_ratio_formulas_are_scale_invariant(entry, data, factor) -> None:  # type: ignore[no-untyped-def]
    model, ids = corpus_model(entry.formula)
    formula = model.compile(entry.formula)
    year = data.draw(st.sampled_from(YEARS))
    row = {i: data.draw(values_per_input) for i in ids}
    scaled = {i: {k: v * factor for k, v in by_year.items()} for i, by_year in row.items()}
    original = formula.evaluate(Values(model.table, row), year)
    assert formula.evaluate(Values(model.table, scaled), year) == original


UNITS = ["orang", "%", "Rp", "1", "indeks", "dokumen"]
NAMES = ["a", "b", "c", "d"]


def _with_known_names(tree: nodes.Expr) -> nodes.Expr:
    """Every reference renamed to one of NAMES, in turn, so that it resolves."""
    counter = itertools.count()
    return nodes.map_references(
        tree, lambda r: replace(r, name=NAMES[next(counter) % len(NAMES)], quoted=False)
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(tree=formulas, units=st.lists(st.sampled_from(UNITS), min_size=4, max_size=4))
def test_unit_errors_always_carry_a_span(tree: nodes.Expr, units: list[str]) -> None:
    inputs = [Input(id=n, label=f"Input {n}", unit=u) for n, u in zip(NAMES, units, strict=True)]
    model = Model(Declarations(plan=PLAN, inputs=inputs))
    text = to_text(_with_known_names(tree))
    try:
        model.compile(text)
    except CheckError as error:
        assert error.span is not None
        assert 0 <= error.span.start < error.span.end <= len(text)
        assert error.code in {"E310", "E311", "E312"}


def test_exact_arithmetic_has_no_float_drift() -> None:
    model, _ = corpus_model("a / b x 100%")
    result = model.compile("a / b x 100%").evaluate({"a": {2022: 1}, "b": {2022: 3}}, 2022)
    assert result.value == Fraction(100, 3)
    assert (result.rounded, result.display) == ("33.33", "33,33")
