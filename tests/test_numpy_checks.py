"""The numpy back-end's checks, which it does with as few passes as it can: an infinite
value in any column a formula reads is E403 whichever operator reads it (the check
mostly looks at the result, see backends.numpy._settle); the zero mask left to the
result gives the values of the division's own mask; a caller's column is never
overwritten; `if(c, 1, 0)` of a truth value is that truth value, NaN included."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_corpus import ENTRIES

from formula_engine import ir, nodes
from formula_engine.backends.numpy import EINSUM_ROWS, NumpyProgram, all_finite
from formula_engine.backends.scalar import ScalarProgram
from formula_engine.declarations import Declarations, Indicator, Input, Plan, Policy
from formula_engine.errors import EvaluationError
from formula_engine.model import Model, ad_hoc_declarations

PLAN = Plan(first_year=2022, last_year=2026)
YEAR = 2024
NAN, INF = float("nan"), float("inf")
ZERO = Policy(zero_denominator="zero")
MISSING_ZERO = Policy(missing="zero")

# Every operator, and the places where an infinity does not show in the result: a
# denominator (x / inf = 0), a comparison, a branch not taken, a function, a numerator
# under zero_denominator=zero (inf / 0 gives 0 there), an indicator's body.
FORMULAS: list[tuple[str, Policy]] = [
    ("a / b x 100%", Policy()),
    ("(a[n-1] - a) / a[n-1] x 100%", Policy()),
    ("akumulasi(a) / b x 100%", Policy()),
    ("(2 x a - b) / a x 100%", Policy()),
    ("b / a", Policy()),
    ("a / (b - c)", Policy()),
    ("a / b", ZERO),
    ("(a + c) / b", ZERO),
    ("a / b + c", MISSING_ZERO),
    ("if(a > b, c, 1)", Policy()),
    ("if(a = b + c, 1, 0)", Policy()),
    ("if(a <= b, 0, 1)", Policy()),
    ("a >= b", Policy()),
    ("a < b + c", Policy()),
    ("if(a != b and b > c, a, b)", Policy()),
    ("if(not (a > b) or c = 1, a / b, c / b)", Policy()),
    ("min(a, b) + max(b, c)", Policy()),
    ("abs(a - b) / c", Policy()),
    ("-a x b - c", Policy()),
    ("a x 0 + b", Policy()),
    ("(a / b) / (c / a)", Policy()),
]
FINITE = st.sampled_from([0.0, 0.0, 1.0, 2.5, -3.0, 7.0, NAN])


def _model(formula: str) -> Model:
    return Model(ad_hoc_declarations(formula, plan=PLAN))


def _columns(formula: str, draw: st.DataObject, rows: int) -> dict[tuple[str, int], np.ndarray]:
    model = _model(formula)
    root = model.lower(model.compile(formula), YEAR)
    keys = sorted({(s.input, s.key) for s in ir.slots(root)}, key=str)
    return {
        key: np.array(draw.draw(st.lists(FINITE, min_size=rows, max_size=rows)), dtype=float)
        for key in keys  # type: ignore[misc]
    }


@pytest.mark.parametrize(("formula", "policy"), FORMULAS, ids=[f for f, _ in FORMULAS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_infinity_in_any_column_read_is_our_error(
    formula: str, policy: Policy, data: st.DataObject
) -> None:
    compiled = _model(formula).compile(formula, policy)
    rows = data.draw(st.integers(1, 6))
    columns = _columns(formula, data, rows)
    compiled.evaluate_many(columns, YEAR, rows)  # finite: no error
    key = data.draw(st.sampled_from(sorted(columns, key=str)))
    row = data.draw(st.integers(0, rows - 1))
    columns[key][row] = data.draw(st.sampled_from([INF, -INF]))
    before = {k: v.copy() for k, v in columns.items()}
    program = compiled.numpy_program(YEAR)
    for run in (
        lambda: compiled.evaluate_many(columns, YEAR, rows),
        lambda: program.with_reasons(columns, rows),
    ):
        with pytest.raises(EvaluationError) as caught:
            run()
        assert caught.value.code == "E403"
        message = f"the column of {key[0]!r} for {key[1]} holds an infinite value"
        assert message in str(caught.value)
    for k, column in columns.items():  # a failed call leaves the caller's columns alone
        np.testing.assert_array_equal(column, before[k])


@pytest.mark.parametrize(("formula", "policy"), FORMULAS, ids=[f for f, _ in FORMULAS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_fast_values_equal_those_of_the_eager_program(
    formula: str, policy: Policy, data: st.DataObject
) -> None:
    """The plain run leaves zero masks to the result and works in place; the run with
    reasons does neither: the values are the same, NaN for NaN, and so are a row's
    values on the float scalar path."""
    model = _model(formula)
    root = model.lower(model.compile(formula, policy), YEAR)
    rows = data.draw(st.integers(1, 8))
    columns = _columns(formula, data, rows)
    before = {k: v.copy() for k, v in columns.items()}
    plain = NumpyProgram(root)(columns, rows)
    values, _ = NumpyProgram(root).with_reasons(columns, rows)
    np.testing.assert_array_equal(plain, values)
    scalar = ScalarProgram(root)
    by_row = [scalar.function(*(columns[k][i] for k in scalar.keys)) for i in range(rows)]
    np.testing.assert_allclose(plain, by_row, rtol=1e-12, equal_nan=True)
    for key, column in columns.items():
        np.testing.assert_array_equal(column, before[key])


@pytest.mark.parametrize("entry", ENTRIES[::3], ids=lambda e: f"{e.table}:{e.line}")
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_corpus_formulas_never_write_into_the_callers_columns(entry, data) -> None:  # type: ignore[no-untyped-def]
    formula = entry.formula
    compiled = _model(formula).compile(formula)
    rows = 4
    columns = _columns(formula, data, rows)
    before = {k: v.copy() for k, v in columns.items()}
    plain = compiled.evaluate_many(columns, YEAR, rows)
    for key, column in columns.items():
        np.testing.assert_array_equal(column, before[key])
        assert plain is not column


def test_a_constant_condition_does_not_hand_out_the_callers_column() -> None:
    # if(1 > 0, a, b) chose `a` itself; its user multiplied it in place (the caller's a)
    formula = "if(1 > 0, a, b) x 2 + b"
    compiled = _model(formula).compile(formula)
    a, b = np.array([1.0, 2.0]), np.array([5.0, 6.0])
    values = compiled.evaluate_many({("a", YEAR): a, ("b", YEAR): b}, YEAR, 2)
    np.testing.assert_array_equal(values, [7.0, 10.0])
    np.testing.assert_array_equal(a, [1.0, 2.0])
    np.testing.assert_array_equal(b, [5.0, 6.0])


def _slot(name: str) -> ir.Slot:
    return ir.Slot(name, YEAR, nodes.Reference(name), name)


def _const(value: int) -> ir.Const:
    return ir.Const(Fraction(value))


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        # c = (a > b): 1, 0, NaN (b missing in row 2)
        (lambda c: ir.Cond(c, _const(1), _const(0)), [1.0, 0.0, NAN]),
        (lambda c: ir.Cond(c, _const(0), _const(1)), [0.0, 1.0, NAN]),
        (lambda c: ir.Mul((ir.Cond(c, _const(1), _const(0)), _const(3))), [3.0, 0.0, NAN]),
        # the condition is also read elsewhere: its register must not be overwritten
        (
            lambda c: ir.Add((ir.Mul((ir.Cond(c, _const(1), _const(0)), _const(3))), c), (1, 1)),
            [4.0, 0.0, NAN],
        ),
        (lambda c: ir.Add((ir.Neg(ir.Cond(c, _const(0), _const(1))), c), (1, 1)), [1.0, -1.0, NAN]),
        (lambda c: ir.Cond(c, _const(2), _const(0)), [2.0, 0.0, NAN]),
    ],
)
def test_if_of_a_truth_value_is_the_truth_value(make, expected) -> None:  # type: ignore[no-untyped-def]
    condition = ir.Compare(">", _slot("a"), _slot("b"))
    root = make(condition)
    columns = {("a", YEAR): np.array([3.0, 1.0, 1.0]), ("b", YEAR): np.array([2.0, 2.0, NAN])}
    np.testing.assert_array_equal(NumpyProgram(root)(columns, 3), expected)
    np.testing.assert_array_equal(NumpyProgram(root).with_reasons(columns, 3)[0], expected)


# A Model whose indicators read each other: an infinity in a column read only through an
# indicator, in a column given for an indicator, or in a column no indicator reads.
TABLE_MODEL = Model(
    Declarations(
        plan=PLAN,
        inputs=tuple(Input(id=i, label=i.upper(), unit="1") for i in ("a", "b", "c", "d")),
        indicators=(
            Indicator(id="ratio", label="Ratio", unit="1", formula="a / b"),
            Indicator(id="inverse", label="Inverse", unit="1", formula="b / a"),
            Indicator(id="sum", label="Sum", unit="1", formula="ratio + c"),
            Indicator(id="holds", label="Holds", unit="1", formula="if(a = b + c, 1, 0)"),
            Indicator(id="safe", label="Safe", unit="1", formula="(a + c) / b", policy=ZERO),
        ),
    )
)
TABLE_COLUMNS = ["a__2024", "b__2024", "c__2024", "d__2024", "ratio__2024"]


@pytest.mark.parametrize("reasons", [False, True])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_evaluate_table_finds_every_infinity(reasons: bool, data: st.DataObject) -> None:
    rows = data.draw(st.integers(1, 5))
    names = data.draw(st.lists(st.sampled_from(TABLE_COLUMNS[3:]), unique=True))
    table = {
        name: np.array(data.draw(st.lists(FINITE, min_size=rows, max_size=rows)))
        for name in TABLE_COLUMNS[:3] + names
    }
    finite = TABLE_MODEL.evaluate_table(table, [YEAR], reasons=reasons)
    plain = TABLE_MODEL.evaluate_table(table, [YEAR], reasons=not reasons)
    for key, column in finite.values.items():
        np.testing.assert_array_equal(column, plain.values[key])
    name = data.draw(st.sampled_from(sorted(table)))
    table[name][data.draw(st.integers(0, rows - 1))] = data.draw(st.sampled_from([INF, -INF]))
    with pytest.raises(EvaluationError) as caught:
        TABLE_MODEL.evaluate_table(table, [YEAR], reasons=reasons)
    assert caught.value.code == "E403"
    assert f"the column of {name.split('__')[0]!r} for 2024" in str(caught.value)


def _chain_model(levels: int) -> Model:
    """i0 = a / b (zero denominators, missing values), i<k> = i<k-1> + i<k-1> / c."""
    indicators = [Indicator(id="i0", label="I0", unit="1", formula="a / b")] + [
        Indicator(id=f"i{k}", label=f"I{k}", unit="1", formula=f"i{k - 1} + i{k - 1} / c")
        for k in range(1, levels + 1)
    ]
    inputs = tuple(Input(id=i, label=i.upper(), unit="1") for i in ("a", "b", "c"))
    return Model(Declarations(plan=PLAN, inputs=inputs, indicators=tuple(indicators)))


@pytest.mark.parametrize("reasons", [False, True])
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_evaluate_table_computes_an_indicator_read_by_another_once(
    reasons: bool, data: st.DataObject
) -> None:
    """The table takes i<k-1> from what it computed: the same values and reasons as each
    indicator's program run alone, also where a column gives an indicator."""
    model, rows = _chain_model(4), data.draw(st.integers(1, 12))
    table = {
        f"{name}__{YEAR}": np.array(data.draw(st.lists(FINITE, min_size=rows, max_size=rows)))
        for name in ["a", "b", "c", *data.draw(st.lists(st.sampled_from(["i1", "i2"])))]
    }
    result = model.evaluate_table(table, [YEAR], reasons=reasons)
    columns = {(name.split("__")[0], YEAR): column for name, column in table.items()}
    for k in range(5):
        alone = model.indicator(f"i{k}").numpy_program(YEAR)
        if reasons:  # each row's reason beside its value, not only the rows not finite
            with np.errstate(divide="ignore", invalid="ignore"):
                values, why = alone.every_reason(columns, rows)
            np.testing.assert_array_equal(result.reasons[(f"i{k}", YEAR)], why)
        else:
            values = alone(columns, rows)
        np.testing.assert_array_equal(result.values[(f"i{k}", YEAR)], values)
    assert len({id(column) for column in result.values.values()}) == 5  # no shared arrays


def test_a_chain_of_indicators_in_a_table_is_linear(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = 30  # each indicator inlines the chain below it: levels**2 / 2 steps if not shared
    model = _chain_model(levels)
    table = {f"{name}__{YEAR}": np.array([1.0, 2.0, 0.0]) for name in ("a", "b", "c")}
    compiled = [0]
    original = NumpyProgram._step

    def counted(self: NumpyProgram, *args: object) -> object:
        compiled[0] += 1
        return original(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(NumpyProgram, "_step", counted)
    model.evaluate_table(table, [YEAR], reasons=False)
    assert compiled[0] <= 8 * (levels + 1)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.sampled_from([1, 7, EINSUM_ROWS - 1, EINSUM_ROWS, 3 * EINSUM_ROWS]),
    bad=st.sampled_from([None, np.nan, np.inf, -np.inf]),
    where=st.floats(0, 1, exclude_max=True),
    strided=st.booleans(),
)
def test_all_finite_is_isfinite_all_on_either_summation(
    rows: int, bad: float | None, where: float, strided: bool
) -> None:
    """all_finite sums long contiguous columns with np.einsum, others with np.add.reduce:
    both say whether every value is finite (an overflow only says no)."""
    column = np.random.default_rng(rows).uniform(-1e6, 1e6, 2 * rows if strided else rows)
    values = column[::2] if strided else column
    if bad is not None:
        values[int(where * rows)] = bad
    assert all_finite(values) == bool(np.isfinite(values).all())
    with np.errstate(over="ignore"):  # the sum overflows: the caller looks closer
        assert not all_finite(np.full(rows + 1, 1e308))
