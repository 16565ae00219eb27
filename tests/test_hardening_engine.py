"""Regression tests for the engine defects found by fuzzing (issue 8: 1, 2, 3, 4, 5, 7).

Work that must stay linear is measured by counting calls (nodes visited, values read),
never by timing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from formula_engine import lower, nodes, printer, units
from formula_engine.backends import exact as exact_backend
from formula_engine.backends import numpy as numpy_backend
from formula_engine.backends import sympy as sympy_backend
from formula_engine.declarations import Declarations, Indicator, Input, Plan, Policy
from formula_engine.errors import EvaluationError, FormulaError, LimitError, ParseError
from formula_engine.formula_file import check_file
from formula_engine.model import Model, ad_hoc_declarations
from formula_engine.outcomes import YEAR_MARGIN
from formula_engine.parser import MAX_NAME, parse
from formula_engine.printer import to_text
from formula_engine.resolve import SymbolTable, resolve

# Helpers.


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Wrap owner.name so that every call is counted; returns the one-element counter."""
    counter = [0]
    original = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        counter[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return counter


def counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count how often the numpy programs read a column: a column read as it is (set
    before the run, `_read`) or through a slot step (a slot whose missing value is 0)."""
    counter = [0]
    original_read, original_slot = numpy_backend._read, numpy_backend._slot

    def read(column: Any) -> Any:
        counter[0] += 1
        return original_read(column)

    def slot(node: Any) -> Any:
        step = original_slot(node)

        def counted(registers: Any, columns: Any) -> Any:
            counter[0] += 1
            return step(registers, columns)

        return counted

    monkeypatch.setattr(numpy_backend, "_read", read)
    monkeypatch.setattr(numpy_backend, "_slot", slot)
    return counter


def _balanced(depth: int) -> str:
    return "a" if depth == 0 else f"({_balanced(depth - 1)} + {_balanced(depth - 1)})"


def _nested_if(depth: int) -> str:
    return "a" if depth == 0 else f"if(a > 0, a, {_nested_if(depth - 1)})"


def _if_in_condition(depth: int) -> str:
    return "a" if depth == 0 else f"if({_if_in_condition(depth - 1)} > 0, a, a)"


# One shape per kind of chain or nesting, at 10, 100 and 1000 terms (or levels).
SHAPES: dict[str, Callable[[int], str]] = {
    "a + a + ...": lambda n: " + ".join(["a"] * n),
    "a - a - ...": lambda n: " - ".join(["a"] * n),
    "a x a x ...": lambda n: " x ".join(["a"] * n),
    "a / a / ...": lambda n: " / ".join(["a"] * n),
    "sum(a, a, ...)": lambda n: "sum(" + ", ".join(["a"] * n) + ")",
    "a > 0 and ...": lambda n: " and ".join(["a > 0"] * n),
    "(a + a) x (a + a) ...": lambda n: " x ".join(["(a + a)"] * (n // 2)),
    "balanced parentheses": lambda n: _balanced(max(1, round(math.log2(n)))),
    "nested if": lambda n: _nested_if(min(n, 30)),
    "if in a condition": lambda n: _if_in_condition(min(n, 20)),
    "unary chain": lambda n: "-" * min(n, 60) + "a",
}
SIZES = (10, 100, 1000)
CASES = [pytest.param(shape, n, id=f"{shape} ({n})") for shape in SHAPES for n in SIZES]


def _model() -> Model:
    return Model(ad_hoc_declarations("a"))


def _tree(text: str) -> nodes.Expr:
    return resolve(parse(text), _model().table)


# Defect 1: every stage does work linear in the size of the formula.


@pytest.mark.parametrize(("shape", "n"), CASES)
def test_unit_inference_reads_each_reference_once(shape: str, n: int) -> None:
    tree = _tree(SHAPES[shape](n))
    reads = [0]

    def unit_of(reference: nodes.Reference) -> units.Kind:
        reads[0] += 1
        return units.DIMENSIONLESS

    units.infer_unit(tree, unit_of)
    assert reads[0] == len(nodes.references(tree))


@pytest.mark.parametrize(("shape", "n"), CASES)
def test_every_stage_visits_each_node_a_bounded_number_of_times(
    shape: str, n: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = SHAPES[shape](n)
    size = len(nodes.walk(parse(text)))
    built = counting(monkeypatch, nodes, "children")  # the parser asks each node it builds
    tree = resolve(parse(text), _model().table)
    assert built[0] <= 2 * size
    inferred = counting(monkeypatch, units, "infer_unit")
    model = _model()
    formula = model.compile(text)
    columns = {("a", 2022): np.array([1.0, 2.0])}
    stages: dict[str, tuple[Any, str, Callable[[], object]]] = {
        "printer": (printer, "_print", lambda: to_text(tree)),
        "lower": (lower.Lowering, "_visit", lambda: model.lower(formula, 2022)),
        "exact": (exact_backend, "_node", lambda: formula.evaluate({"a": {2022: 1}}, 2022)),
        "fast": (
            numpy_backend.NumpyProgram,
            "_step",
            lambda: formula.evaluate_many(columns, 2022, 2),
        ),
        "sympy": (sympy_backend, "_node", lambda: formula.to_sympy(2022)),
    }
    assert inferred[0] <= size, f"units: {inferred[0]} calls for {size} nodes"
    reads = counting_reads(monkeypatch)
    for stage, (owner, name, run) in stages.items():
        calls = counting(monkeypatch, owner, name)
        run()
        # At least once: the counted function is the one the stage really runs.
        assert 1 <= calls[0] <= size, f"{stage}: {calls[0]} calls for {size} nodes"
    assert reads[0] <= len(nodes.references(tree))  # each reference read at most once


def test_sympy_builds_a_long_sum_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # sympy flattens Add(Add(a, b), c) again at every term: quadratic work for a chain.
    # Count the operands sympy's Add has to take in, nested sums counted by their size.
    taken = [0]
    original = sympy_backend.sympy.Add

    def add(*args: Any) -> Any:
        taken[0] += sum(len(a.args) if isinstance(a, original) else 1 for a in args)
        return original(*args)

    monkeypatch.setattr(sympy_backend.sympy, "Add", add)
    for n in SIZES:
        taken[0] = 0
        names = [f"x{i}" for i in range(n)]
        text = " + ".join(names)
        Model(ad_hoc_declarations(text)).compile(text).to_sympy(2022)
        assert taken[0] <= 2 * n


@pytest.mark.parametrize("terms", [26, 100])
def test_long_sums_go_through_ad_hoc_declarations(terms: int) -> None:
    text = "+".join(["a"] * terms)
    formula = Model(ad_hoc_declarations(text)).compile(text)
    assert formula.evaluate({"a": {2022: 3}}, 2022).value == 3 * terms


# Defect 7: a flat chain is not nesting; 1000 terms go through every stage.


def _rollup(n: int, form: str) -> tuple[str, list[str]]:
    names = [f"sub_kegiatan_{i:04d}" for i in range(n)]
    return (" + ".join(names) if form == "chain" else "sum(" + ", ".join(names) + ")"), names


@pytest.mark.parametrize("form", ["chain", "sum"])
@pytest.mark.parametrize("n", [100, 1000])
def test_a_rollup_of_many_terms_goes_through_every_stage(form: str, n: int) -> None:
    text, names = _rollup(n, form)
    tree = parse(text)
    assert parse(to_text(tree)) == tree
    assert hash(parse(to_text(tree))) == hash(tree)
    assert repr(tree).count("sub_kegiatan_") == n
    formula = Model(ad_hoc_declarations(text)).compile(text)
    values = {name: {2022: i} for i, name in enumerate(names)}
    expected = n * (n - 1) // 2
    assert formula.evaluate(values, 2022).value == expected
    columns = {(name, 2022): np.array([float(i)]) for i, name in enumerate(names)}
    assert formula.evaluate_many(columns, 2022, 1)[0] == expected
    symbolic = formula.to_sympy(2022)
    assert len(symbolic.free_symbols) == n


def test_subtraction_chains_keep_their_meaning() -> None:
    text = " - ".join(f"x{i}" for i in range(1000))
    formula = Model(ad_hoc_declarations(text)).compile(text)
    values = {f"x{i}": {2022: i} for i in range(1000)}
    assert formula.evaluate(values, 2022).value == 0 - sum(range(1, 1000))
    assert to_text(parse("a - (b - c)")) == "a - (b - c)"
    assert to_text(parse("(a - b) - c")) == "a - b - c"
    assert to_text(parse("(a + b) x c - d / (e - f)")) == "(a + b) x c - d / (e - f)"


@pytest.mark.parametrize(
    "text",
    [
        "a + (" * 64 + "a" + ")" * 64,
        "-" * 65 + "a",
        "abs(" * 65 + "a" + ")" * 65,
        "a x (" * 64 + "a" + ")" * 64,
    ],
    ids=["right-nested sum", "unary chain", "nested calls", "right-nested product"],
)
def test_real_nesting_is_still_bounded(text: str) -> None:
    with pytest.raises(LimitError) as caught:
        parse(text)
    assert caught.value.code == "E121"


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["+", "-", "x", "/"]), min_size=1, max_size=40))
def test_the_printer_keeps_a_mixed_chain(operators: list[str]) -> None:
    text = "a" + "".join(f" {op} b{i}" for i, op in enumerate(operators))
    assert parse(to_text(parse(text))) == parse(text)
    assert to_text(parse(text)) == text


# Defect 2: akumulasi does not nest, and its years are bounded.


@pytest.mark.parametrize(
    ("text", "inner"),
    [
        ("akumulasi(akumulasi(a))", "akumulasi(a)"),
        ("akumulasi(akumulasi(akumulasi(a)))", "akumulasi(a)"),
        ("cumulative(1 + akumulasi(a)[n-1])", "akumulasi(a)[n-1]"),
        ("akumulasi(if(a > 0, akumulasi(b), 0))", "akumulasi(b)"),
    ],
)
def test_nested_akumulasi_is_rejected_at_the_inner_one(text: str, inner: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    error = caught.value
    assert error.code == "E123"
    assert error.span is not None
    assert text[error.span.start : error.span.end] == inner
    assert error.hint and "akumulasi(a + b)" in error.hint


def test_akumulasi_side_by_side_is_fine() -> None:
    formula = Model(ad_hoc_declarations("akumulasi(a) + akumulasi(a)[n-1]")).compile(
        "akumulasi(a) + akumulasi(a)[n-1]"
    )
    values = {"a": {year: 1 for year in range(2022, 2027)}}
    assert formula.evaluate(values, 2024).value == 3 + 2


def test_akumulasi_reads_each_year_once_on_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    formula = Model(ad_hoc_declarations("akumulasi(a + b)")).compile("akumulasi(a + b)")
    data = {(name, year): np.array([1.0]) for name in "ab" for year in range(2022, 2027)}
    reads = counting_reads(monkeypatch)
    assert formula.evaluate_many(data, 2026, 1)[0] == 10
    assert reads[0] == 2 * 5


@pytest.mark.parametrize("year", [10**9, 2026 + YEAR_MARGIN + 1, 2022 - YEAR_MARGIN - 1])
def test_akumulasi_far_outside_the_plan_is_an_error_on_every_path(year: int) -> None:
    formula = Model(ad_hoc_declarations("akumulasi(a)")).compile("akumulasi(a)")
    attempts: list[Callable[[], object]] = [
        lambda: formula.evaluate({"a": {2022: 1}}, year),
        lambda: formula.evaluate_many({("a", 2022): np.array([1.0])}, year, 1),
        lambda: formula.to_sympy(year),
    ]
    for attempt in attempts:
        with pytest.raises(EvaluationError) as caught:
            attempt()
        assert caught.value.code == "E404"
        assert caught.value.span == nodes.Span(0, len("akumulasi(a)"))


def test_akumulasi_ending_at_an_absolute_year_far_away_is_an_error() -> None:
    text = "akumulasi(a)[2200]"
    formula = Model(ad_hoc_declarations(text)).compile(text)
    with pytest.raises(EvaluationError) as caught:
        formula.evaluate({}, 2022)
    assert caught.value.code == "E404"


# Defect 3: no pydantic error for anything a user can type.


def test_a_name_over_the_limit_is_our_error_with_its_span() -> None:
    name = "a" * (MAX_NAME + 1)
    text = f"1 + {name}"
    with pytest.raises(LimitError) as caught:
        ad_hoc_declarations(text)
    assert caught.value.code == "E122"
    assert caught.value.span == nodes.Span(4, 4 + len(name))


def test_a_name_at_the_limit_is_declared() -> None:
    name = "a" * MAX_NAME
    formula = Model(ad_hoc_declarations(name)).compile(name)
    assert formula.evaluate({name: {2022: 2}}, 2022).value == 2


def test_a_bad_unit_for_an_ad_hoc_input_is_our_error_at_the_reference() -> None:
    text = "1 + jumlah"
    with pytest.raises(FormulaError) as caught:
        ad_hoc_declarations(text, {"jumlah": "orangutan" * 10})
    assert caught.value.code == "E301"
    assert caught.value.span == nodes.Span(4, 10)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_declares_ad_hoc_or_fails_with_our_error(text: str) -> None:
    try:
        Model(ad_hoc_declarations(text))
    except FormulaError as error:
        assert error.code.startswith("E")
        if error.span is not None:
            assert 0 <= error.span.start <= error.span.end <= len(text)


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda s: '"' not in s))
def test_any_label_declares_ad_hoc_or_fails_with_our_error(label: str) -> None:
    text = f'"{label}" + 1'
    try:
        Model(ad_hoc_declarations(text)).compile(text)
    except FormulaError as error:
        assert error.span is not None


def test_a_file_with_a_long_id_gives_a_diagnostic(tmp_path: Path) -> None:
    path = tmp_path / "formulas.yaml"
    path.write_text(
        "inputs:\n"
        f"  - {{id: {'a' * 81}, label: A, unit: orang}}\n"
        "indicators:\n"
        "  - {id: b, label: '', unit: orang, formula: '1'}\n",
        encoding="utf-8",
    )
    diagnostics = check_file(path)
    assert diagnostics and all(d.error.code.startswith("E") for d in diagnostics)


# Defect 5: referenced indicators on the fast path; columns by label; odd input values.

PLAN = Plan(first_year=2022, last_year=2026)


def _percent(identifier: str, formula: str, policy: Policy) -> Indicator:
    return Indicator(
        id=identifier, label=identifier.title(), unit="%", formula=formula, policy=policy
    )


INPUTS = (
    Input(id="served", label="Served", unit="orang"),
    Input(id="people", label="People", unit="orang"),
)
CHAINS = {
    "two indicators": (
        Indicator(id="share", label="Share", unit="%", formula="served / people x 100%"),
        Indicator(id="top", label="Top", unit="%", formula="share - share[n-1]"),
    ),
    "three indicators": (
        Indicator(id="share", label="Share", unit="%", formula="served / people x 100%"),
        Indicator(id="mid", label="Mid", unit="%", formula="akumulasi(share)"),
        Indicator(id="top", label="Top", unit="%", formula='"Mid" / 2 + share[n-1]'),
    ),
    "policies differ": (
        _percent("share", "served / people x 100%", Policy(zero_denominator="zero")),
        _percent("top", "akumulasi(share)[n-1] + share", Policy(missing="zero")),
    ),
}


def test_the_two_indicator_example_gives_the_exact_value_fast() -> None:
    model = Model(Declarations(plan=PLAN, inputs=INPUTS, indicators=CHAINS["two indicators"][:1]))
    formula = model.compile("share")
    assert formula.evaluate({"served": {2022: 1}, "people": {2022: 2}}, 2022).value == 50
    columns = {("served", 2022): np.array([1.0]), ("people", 2022): np.array([2.0])}
    assert formula.evaluate_many(columns, 2022, 1)[0] == 50


cells = st.one_of(st.none(), st.integers(0, 20))


@settings(max_examples=60, deadline=None)
@given(
    chain=st.sampled_from(sorted(CHAINS)),
    rows=st.lists(
        st.dictionaries(
            st.tuples(st.sampled_from(["served", "people"]), st.integers(2021, 2026)), cells
        ),
        min_size=1,
        max_size=4,
    ),
    year=st.integers(2022, 2026),
)
def test_fast_and_exact_agree_over_indicator_chains(
    chain: str, rows: list[dict[tuple[str, int], int | None]], year: int
) -> None:
    model = Model(Declarations(plan=PLAN, inputs=INPUTS, indicators=CHAINS[chain]))
    formula = model.indicator("top")
    keys = {(name, y) for name in ("served", "people") for y in range(2021, 2027)}
    columns = {
        (name, "awal" if y == 2021 else y): np.array(
            [np.nan if row.get((name, y)) is None else float(row[(name, y)] or 0) for row in rows]
        )
        for name, y in keys
    }
    fast_values = formula.evaluate_many(columns, year, len(rows))
    for index, row in enumerate(rows):
        values: dict[str, dict[int | str, Any]] = {}
        for (name, y), value in row.items():
            values.setdefault(name, {})["awal" if y == 2021 else y] = value
        exact = formula.evaluate(values, year)
        if exact.status == "not_computable":
            assert np.isnan(fast_values[index]), (exact.reason, fast_values[index])
        else:
            assert fast_values[index] == pytest.approx(float(exact.value or 0))  # type: ignore[arg-type]


def test_a_long_chain_of_indicators_is_computed_once_per_year(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    levels = 20  # each indicator reads the one before twice: 2**20 evaluations if not shared
    indicators = [Indicator(id="i0", label="I0", unit="orang", formula="served")] + [
        Indicator(id=f"i{k}", label=f"I{k}", unit="orang", formula=f"i{k - 1} + i{k - 1}")
        for k in range(1, levels + 1)
    ]
    model = Model(Declarations(plan=PLAN, inputs=INPUTS, indicators=tuple(indicators)))
    formula = model.indicator(f"i{levels}")
    visited = counting(monkeypatch, lower.Lowering, "_visit")
    exact_calls = counting(monkeypatch, exact_backend, "_node")
    assert formula.evaluate({"served": {2022: 1}}, 2022).value == 2**levels
    assert visited[0] <= 4 * (levels + 1)
    assert exact_calls[0] <= 4 * (levels + 1)
    compiled = counting(monkeypatch, numpy_backend.NumpyProgram, "_step")
    assert formula.evaluate_many({("served", 2022): np.array([1.0])}, 2022, 1)[0] == 2**levels
    assert compiled[0] <= 4 * (levels + 1)


def test_a_not_computable_indicator_stays_not_computable_when_referenced() -> None:
    declarations = Declarations(
        plan=PLAN,
        inputs=INPUTS,
        indicators=(
            Indicator(id="share", label="Share", unit="%", formula="served / people x 100%"),
        ),
    )
    formula = Model(declarations).compile("share + 1%", Policy(missing="zero"))
    result = formula.evaluate({"people": {2022: 4}}, 2022)
    assert (result.status, result.code) == ("not_computable", "E401")
    assert result.reason == "Share 2022 not computable: Served 2022 missing"
    assert np.isnan(formula.evaluate_many({("people", 2022): np.array([4.0])}, 2022, 1)[0])


def test_columns_may_be_keyed_by_label() -> None:
    formula = Model(Declarations(plan=PLAN, inputs=INPUTS)).compile("served / people x 100%")
    by_label = {("Served", 2022): np.array([1.0]), ("people", "2022"): np.array([4.0])}
    assert formula.evaluate_many(by_label, 2022, 1)[0] == 25


def test_an_unknown_column_says_did_you_mean() -> None:
    formula = Model(Declarations(plan=PLAN, inputs=INPUTS)).compile("served / people x 100%")
    with pytest.raises(FormulaError) as caught:
        formula.evaluate_many({("Servd", 2022): np.array([1.0])}, 2022, 1)
    assert caught.value.code == "E203"
    assert caught.value.hint and "did you mean 'served'" in caught.value.hint


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (np.float64(1.5), Fraction(3, 2)),
        (np.int64(3), Fraction(3)),
        (np.int32(-2), Fraction(-2)),
        (0.1, Fraction(1, 10)),
        (Decimal("16.24"), Fraction(406, 25)),
        ("16.24", Fraction(406, 25)),
    ],
)
def test_numbers_of_every_kind_are_exact(value: object, expected: Fraction) -> None:
    formula = Model(ad_hoc_declarations("a")).compile("a")
    assert formula.evaluate({"a": {2022: value}}, 2022).value == expected  # type: ignore[dict-item]


@pytest.mark.parametrize("value", [None, math.nan, np.float64("nan"), Decimal("NaN")])
def test_nan_and_none_are_missing(value: object) -> None:
    formula = Model(ad_hoc_declarations("a")).compile("a")
    result = formula.evaluate({"a": {2022: value}}, 2022)  # type: ignore[dict-item]
    assert (result.status, result.code) == ("not_computable", "E401")


@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, np.float64("inf"), Decimal("Infinity"), "abc", True, [1]]
)
def test_infinities_and_non_numbers_are_our_error(value: object) -> None:
    formula = Model(ad_hoc_declarations("a")).compile("a")
    with pytest.raises(EvaluationError) as caught:
        formula.evaluate({"a": {2022: value}}, 2022)  # type: ignore[dict-item]
    assert caught.value.code == "E403"


def test_an_infinite_column_is_our_error() -> None:
    formula = Model(ad_hoc_declarations("a")).compile("a")
    with pytest.raises(EvaluationError) as caught:
        formula.evaluate_many({("a", 2022): np.array([np.inf])}, 2022, 1)
    assert caught.value.code == "E403"


def test_a_bad_year_key_is_our_error() -> None:
    formula = Model(ad_hoc_declarations("a")).compile("a")
    with pytest.raises(EvaluationError) as caught:
        formula.evaluate({"a": {"next year": 1}}, 2022)
    assert caught.value.code == "E403"


def test_symbol_table_lookup_is_unchanged_by_labels() -> None:
    table = SymbolTable.from_declarations(Declarations(plan=PLAN, inputs=INPUTS))
    assert table.lookup(nodes.Reference("served")) is table.by_id["served"]
