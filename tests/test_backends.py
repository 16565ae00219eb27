"""One suite for every back-end of the compiler (lower -> exact, numpy, scalar, sympy, DuckDB).

Every conformance case of tests/conformance/*.yaml (and the indicator cases under
`model_cases` of backends.yaml) runs on the four back-ends: exact must give the expected
outcome, numpy the same value within 1e-9 or NaN with the same reason code (the float
scalar path the same float as numpy), sympy the
exact value by substitution, DuckDB the presented (rounded) value or NULL with the same
reason code. Hypothesis checks the same agreement on the seed corpus and on every
formula of the bundled catalog, with zeros, missing values and indicator dependencies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bundled_catalog import FORMULAS
from test_bundled_catalog import _declarations as catalog_declarations
from test_corpus import ENTRIES

from formula_engine import ir, nodes
from formula_engine.backends import numpy as numpy_backend
from formula_engine.backends import sympy as sympy_backend
from formula_engine.backends.exact import ExactProgram
from formula_engine.backends.scalar import ScalarProgram
from formula_engine.backends.sql import SqlProgram, column_name
from formula_engine.declarations import Declarations, Indicator, Input, Plan, Policy
from formula_engine.errors import FormulaError
from formula_engine.lower import Lowering
from formula_engine.model import Model, Values, ad_hoc_declarations
from formula_engine.numbers import format_decimal
from formula_engine.outcomes import NotComputable, Step, YearKey
from formula_engine.printer import to_text

CONFORMANCE = Path(__file__).parent / "conformance"
DUCKDB = duckdb.connect(config={"threads": 1})
Exact = Fraction | bool
Outcome = tuple[str, Exact | str]  # ("ok", value) or ("not_computable", code)


def lowering_for(model: Model) -> Lowering:
    """The lowering with the model's indicators and labels (what phase 2 will pass)."""
    indicators = {i: (model.indicator(i).tree, model.indicator(i).policy) for i in model.order}
    return Lowering(model.plan, indicators, lambda i: model.table.by_id[i].label)


@dataclass
class Outcomes:
    """What each back-end gives for rows of values of one formula for one year."""

    exact: list[Outcome]
    reasons: list[str | None]  # exact's reason text
    numpy: list[tuple[float, str | None]]
    scalar: list[float]
    sympy: list[Outcome] | None  # None: the formula has no sympy form
    sql: list[tuple[Any, str | None]]
    has_logic: bool = False


def run_backends(
    model: Model, root: ir.Node, rows: list[dict[tuple[str, YearKey], Fraction]]
) -> Outcomes:
    exact, reasons = [], []
    program = ExactProgram(root)
    for row in rows:
        try:
            exact.append(("ok", program(row)))
            reasons.append(None)
        except NotComputable as error:
            exact.append(("not_computable", error.code))
            reasons.append(error.reason)
    keys = [(s.input, s.key) for s in ir.slots(root)]
    inlined = {(n.indicator, n.key) for n in ir.postorder(root) if isinstance(n, ir.Inline)}
    keys += sorted((k for k in inlined if any(k in r for r in rows)), key=str)  # given values
    columns = {k: np.array([float(r[k]) if k in r else np.nan for r in rows]) for k in keys}
    values, codes = numpy_backend.NumpyProgram(root).with_reasons(columns, len(rows))
    plain = numpy_backend.NumpyProgram(root)(columns, len(rows))
    np.testing.assert_array_equal(plain, values)  # with or without reasons: the same values
    with np.errstate(divide="ignore", invalid="ignore"):  # the reasons of every row, each
        every = numpy_backend.NumpyProgram(root).every_reason(columns, len(rows))  # node's
    np.testing.assert_array_equal(every[0], values)  # beside its value: those of the rows
    np.testing.assert_array_equal(every[1], codes)  # not finite, gathered, are the same
    numpy_out = [
        (float(v), numpy_backend.REASON_CODES.get(int(c)))
        for v, c in zip(values, codes, strict=True)
    ]
    scalar = ScalarProgram(root)
    scalar_out = [
        scalar.function(*(float(r[k]) if k in r else np.nan for k in scalar.keys)) for r in rows
    ]
    assert scalar_out[:1] == [scalar(rows[0])] or np.isnan(scalar_out[0])  # mapping form
    logic = any(isinstance(n, ir.Logic) for n in ir.postorder(root))
    sympy_out = _sympy(model, root, rows)
    sql_out = _duckdb(root, keys, rows, inlined)
    return Outcomes(exact, reasons, numpy_out, scalar_out, sympy_out, sql_out, logic)


def _sympy(
    model: Model, root: ir.Node, rows: list[dict[tuple[str, YearKey], Fraction]]
) -> list[Outcome] | None:
    domains = {i.id: i.domain for i in model.declarations.inputs}
    formula = sympy_backend.to_sympy(root, domains)
    outcomes: list[Outcome] = []
    for row in rows:
        value = sympy_backend.evaluate(formula, row)
        outcomes.append(("not_computable", value) if isinstance(value, str) else ("ok", value))
    return outcomes


def _duckdb(
    root: ir.Node,
    keys: list[tuple[str, YearKey]],
    rows: list[dict[tuple[str, YearKey], Fraction]],
    inlined: set[tuple[str, int]],
) -> list[tuple[Any, str | None]]:
    integral = {k for k in keys if all(r[k].denominator == 1 for r in rows if k in r)}
    integers = {identifier for identifier, _ in keys} - {i for i, _ in set(keys) - integral}
    program = SqlProgram(root, integers=integers, given=inlined & set(keys))
    assert sorted(program.columns()) == sorted(column_name(*k) for k in keys)
    names = [column_name(*k) for k in keys]
    types = ["BIGINT" if k[0] in integers else "DECIMAL(38, 6)" for k in keys]
    columns = "".join(f", {n} {t}" for n, t in zip(names, types, strict=True))
    DUCKDB.execute(f"CREATE OR REPLACE TABLE t (row_number INTEGER{columns})")
    cells = [
        [i, *(_cell(row.get(k), k[0] in integers) for k in keys)] for i, row in enumerate(rows)
    ]
    DUCKDB.executemany(f"INSERT INTO t VALUES ({', '.join('?' * (len(keys) + 1))})", cells)
    query = program.query("t", keep=["row_number"]).order_by("row_number").sql(dialect="duckdb")
    result = DUCKDB.execute(query).fetchall()
    assert program.sql("spark")  # and it prints for Spark too
    return [(value, reason) for _, value, reason in result]


def _cell(value: Fraction | None, integer: bool) -> object:
    if value is None:
        return None
    return int(value) if integer else Decimal(value.numerator) / Decimal(value.denominator)


def assert_agree(outcomes: Outcomes, places: int = 2) -> None:
    """numpy, sympy and DuckDB agree with exact, row by row."""
    for index, (kind, expected) in enumerate(outcomes.exact):
        number, code = outcomes.numpy[index]
        scalar = outcomes.scalar[index]
        assert scalar == number or (np.isnan(scalar) and np.isnan(number)), (index, scalar, number)
        sql_value, sql_reason = outcomes.sql[index]
        if kind == "not_computable":
            assert np.isnan(number) and code == expected, (index, number, code, expected)
            assert sql_value is None and sql_reason == expected, (index, sql_value, sql_reason)
            if outcomes.sympy is not None and not outcomes.has_logic:
                # (sympy drops a condition whose branches agree: `<missing> and false`
                # is false there, a documented difference of the sympy form)
                assert outcomes.sympy[index][0] == "not_computable", outcomes.sympy[index]
            continue
        assert code is None and sql_reason is None, (index, code, sql_reason)
        if outcomes.sympy is not None:
            assert outcomes.sympy[index] == ("ok", expected)
        if isinstance(expected, bool):
            assert number == float(expected) and sql_value is expected
            continue
        assert isinstance(expected, Fraction)
        assert number == pytest.approx(float(expected), rel=1e-9, abs=1e-9)
        assert format_decimal(Fraction(sql_value), places) == format_decimal(expected, places)


# The conformance cases.


def _case_params() -> list[Any]:
    params = []
    for path in sorted(CONFORMANCE.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        plain = Declarations(plan=data["plan"], inputs=data["inputs"])
        for case in data["cases"]:
            if "error" not in case["expect"]:
                params.append(pytest.param(plain, case, id=f"{path.stem}: {case['name']}"))
        extra = data.get("model_cases")
        if extra:
            full = Declarations(
                plan=data["plan"], inputs=data["inputs"], indicators=extra["indicators"]
            )
            for case in extra["cases"]:
                params.append(pytest.param(full, case, id=f"{path.stem} (model): {case['name']}"))
    return params


def _values(case: dict[str, Any], model: Model) -> dict[tuple[str, YearKey], Fraction]:
    return _given(case, model).columns()


@pytest.mark.parametrize(("declarations", "case"), _case_params())
def test_conformance_on_every_backend(declarations: Declarations, case: dict[str, Any]) -> None:
    model = Model(declarations)
    formula = model.compile(case["formula"], Policy(**case.get("policy", {})), case.get("unit"))
    root = lowering_for(model).lower(formula.tree, case["year"], formula.policy)
    values = _values(case, model)
    outcomes = run_backends(model, root, [values])
    expect = case["expect"]
    if "not_computable" in expect:
        assert outcomes.exact == [("not_computable", expect["not_computable"])]
        assert outcomes.reasons == [expect["reason"]]
    else:
        wanted = expect["value"]
        assert outcomes.exact == [("ok", wanted if isinstance(wanted, bool) else Fraction(wanted))]
    places = len(expect["rounded"].partition(".")[2]) if "rounded" in expect else 2
    assert_agree(outcomes, places)
    if "rounded" in expect:
        assert format_decimal(Fraction(outcomes.sql[0][0]), places) == expect["rounded"]
    # The engine of today agrees (the model cases have no other runner).
    result = formula.evaluate(_given(case, model), case["year"])
    assert (result.status == "ok") == (outcomes.exact[0][0] == "ok")


def _given(case: dict[str, Any], model: Model) -> Values:
    return Values(
        model.table,
        {n: {y: Fraction(str(v)) for y, v in by.items()} for n, by in case["values"].items()},
    )


TRACE_MODEL = Declarations(
    plan=Plan(first_year=2022, last_year=2026),
    inputs=(
        Input(id="a", label="Jumlah PMKS", unit="orang"),
        Input(id="b", label="b", unit="orang"),
    ),
)
# The steps explain shows, worked out by hand: every sub-expression after its operands
# (literals are not steps), with its year and exact value; an if shows only its branch.
TRACES = [
    (
        "(a[n-1] - a) / a[n-1] x 100%",
        {"a": {"awal": 10000, 2022: 9855}},
        [
            ("a[n-1]", 10000),
            ("a", 9855),
            ("a[n-1] - a", 145),
            ("a[n-1]", 10000),
            ("(a[n-1] - a) / a[n-1]", Fraction(29, 2000)),
            ("(a[n-1] - a) / a[n-1] x 100%", Fraction(29, 20)),
        ],
    ),
    (
        "if(a > 0, a, b)",
        {"a": {2022: 3}},
        [("a", 3), ("a > 0", True), ("a", 3), ("if(a > 0, a, b)", 3)],
    ),
]


@pytest.mark.parametrize(("formula", "values", "expected"), TRACES)
def test_the_explain_trace_is_each_step_in_order(
    formula: str, values: dict[str, dict[int | str, int]], expected: list[tuple[str, object]]
) -> None:
    steps: list[Step] = []
    result = Model(TRACE_MODEL).compile(formula).evaluate(values, 2022, trace=steps)
    assert result.status == "ok"
    assert [(to_text(s.expr), s.year, s.value) for s in steps] == [
        (text, 2022, value) for text, value in expected
    ]


# Agreement on random values: the seed corpus and every formula of the bundled catalog.

PLAN_YEARS = list(range(2022, 2027))
KEYS: list[YearKey] = ["awal", *range(2017, 2027)]
# Zeros and small numbers often (zero denominators, ties), large ones sometimes.
numbers = st.one_of(st.sampled_from([0, 0, 1, 2, 3, 8]), st.integers(0, 10**6))
maybe = st.one_of(st.none(), numbers, numbers, numbers)


def _random_rows(
    data: st.DataObject, root: ir.Node, model: Model, count: int = 5
) -> list[dict[tuple[str, YearKey], Fraction]]:
    positive = {i.id for i in model.declarations.inputs if i.domain == "positive"}
    rows = []
    for _ in range(count):
        row = {}
        for slot in ir.slots(root):
            value = data.draw(maybe)
            if value is not None:
                row[(slot.input, slot.key)] = Fraction(
                    max(value, 1) if slot.input in positive else value
                )
        rows.append(row)
    return rows


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.table}:{e.line}")
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_backends_agree_on_the_seed_corpus(entry: Any, data: st.DataObject) -> None:
    model = Model(ad_hoc_declarations(entry.formula, plan=Plan()))
    formula = model.compile(entry.formula)
    root = lowering_for(model).lower(formula.tree, data.draw(st.sampled_from(PLAN_YEARS)))
    assert_agree(run_backends(model, root, _random_rows(data, root, model)))


def _catalog_formulas() -> list[Any]:
    seen: dict[str, Any] = {}
    for param in FORMULAS:
        indicator, version = param.values
        seen.setdefault(version.formula, pytest.param(indicator, version, id=param.id))
    return list(seen.values())


@functools.cache
def _catalog_model(formula: str, unit: str) -> Model | None:
    """The catalog's inputs with `formula` as an indicator `subject` (None if its unit
    does not check: a formula the catalog accepts as printed)."""
    base = catalog_declarations()
    subject = Indicator(id="subject", label="Subject", unit=unit, formula=formula)
    try:
        return Model(Declarations(plan=base.plan, inputs=base.inputs, indicators=(subject,)))
    except FormulaError:
        return None


@pytest.mark.parametrize(("indicator", "version"), _catalog_formulas())
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_backends_agree_on_every_catalog_formula(
    indicator: Any, version: Any, data: st.DataObject
) -> None:
    model = _catalog_model(version.formula, indicator.unit) or Model(catalog_declarations())
    formula = model.compile(version.formula, accept=version.accepts)
    year = data.draw(st.sampled_from(list(range(version.valid_from, version.valid_to + 1))))
    lowering = lowering_for(model)
    root = lowering.lower(formula.tree, year)
    assert_agree(run_backends(model, root, _random_rows(data, root, model)))
    if "subject" in model.order and not isinstance(formula.tree, nodes.Compare):
        # The same formula read as an indicator, for two years: inlined and shared.
        reader = model.compile("subject - subject[n-1] + subject")
        root = lowering.lower(reader.tree, year)
        assert_agree(run_backends(model, root, _random_rows(data, root, model)))
