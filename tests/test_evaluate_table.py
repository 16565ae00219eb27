"""Model.evaluate_table: every indicator of a Model for R rows x years, from a dict of
arrays, a pyarrow Table or a polars DataFrame, by id or label; values agree with the
exact path row by row, reasons with its codes; an unknown column is E203, never NaN."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from formula_engine.backends.numpy import MISSING, OK, ZERO
from formula_engine.declarations import Declarations, Indicator, Input, Plan
from formula_engine.errors import EvaluationError, ResolveError
from formula_engine.model import Model

DECLARATIONS = Declarations(
    plan=Plan(first_year=2022, last_year=2026),
    inputs=(
        Input(id="a", label="Jumlah A", unit="orang"),
        Input(id="b", label="Jumlah B", unit="orang"),
    ),
    indicators=(
        Indicator(id="share", label="Persentase A", unit="%", formula="a / b x 100%"),
        Indicator(id="change", label="Perubahan A", unit="orang", formula="a - a[n-1]"),
        Indicator(id="twice", label="Dua kali", unit="%", formula="share + share"),
    ),
)
MODEL = Model(DECLARATIONS)
NAN = float("nan")
# Rows: ordinary, a zero denominator, a missing b, a missing a[n-1].
A_2023 = [10.0, 4.0, 2.0, NAN]
A_2024 = [20.0, 6.0, 3.0, 8.0]
B_2024 = [40.0, 0.0, NAN, 16.0]


def _exact(identifier: str, row: int) -> tuple[float, int]:
    """The exact path's value and reason for one row (the reference)."""
    values: dict[str, dict[int | str, Any]] = {
        "a": {2023: A_2023[row], 2024: A_2024[row]},
        "b": {2024: B_2024[row]},
    }
    outcome = MODEL.indicator(identifier).evaluate_value(values, 2024)
    if isinstance(outcome, Fraction):
        return float(outcome), OK
    reason = getattr(outcome, "code", None)
    return NAN, {"E401": MISSING, "E402": ZERO}[str(reason)]


def _check(result: Any, indicators: tuple[str, ...] = ("share", "change", "twice")) -> None:
    assert result.rows == 4
    assert sorted(result.values) == sorted((i, 2024) for i in indicators)
    for identifier in indicators:
        values, reasons = result.values[(identifier, 2024)], result.reasons[(identifier, 2024)]
        for row in range(4):
            value, reason = _exact(identifier, row)
            assert reasons[row] == reason, (identifier, row)
            assert value == pytest.approx(values[row], nan_ok=True), (identifier, row)


def test_a_dict_of_arrays_by_id_label_and_tuple() -> None:
    table = {
        "a__2023": np.array(A_2023),
        ("Jumlah A", 2024): A_2024,  # a label, a plain list
        "Jumlah B__2024": np.array(B_2024),
    }
    _check(MODEL.evaluate_table(table, [2024]))


def test_a_pyarrow_table_with_nulls() -> None:
    def nulls(values: list[float]) -> list[float | None]:
        return [None if v != v else v for v in values]

    table = pa.table(
        {
            "a__2023": nulls(A_2023),
            "a__2024": A_2024,
            "b__2024": nulls(B_2024),
            "region": ["x", "y", "z", "w"],
        }
    )
    _check(MODEL.evaluate_table(table, [2024], ignore=["region"]))


def test_a_polars_frame_and_a_chosen_indicator() -> None:
    frame = pl.DataFrame({"a__2023": A_2023, "a__2024": A_2024, "b__2024": B_2024})
    result = MODEL.evaluate_table(frame, [2024], indicators=["Persentase A"], reasons=True)
    _check(result, ("share",))
    plain = MODEL.evaluate_table(frame, [2024], indicators=["share"], reasons=False)
    assert plain.reasons == {}
    np.testing.assert_array_equal(plain.values[("share", 2024)], result.values[("share", 2024)])
    assert list(plain.columns()) == ["share__2024"]


def test_several_years_compile_once_each() -> None:
    frame = {f"a__{y}": np.arange(1.0, 4.0) * y for y in range(2021, 2025)}
    frame |= {f"b__{y}": np.full(3, 2.0) for y in range(2022, 2025)}
    model = Model(DECLARATIONS)
    for _ in range(2):
        result = model.evaluate_table(frame, [2023, 2024], indicators=["change"])
    assert model.indicator("change").compilations == 2  # one program per year, kept
    np.testing.assert_array_equal(result.values[("change", 2024)], np.arange(1.0, 4.0))


def test_a_column_given_for_an_indicator_is_used_where_not_nan() -> None:
    table = {
        "a__2024": np.array([1.0, 1.0]),
        "b__2024": np.array([2.0, 2.0]),
        "share__2024": np.array([10.0, NAN]),
    }
    result = MODEL.evaluate_table(table, [2024], indicators=["twice"])
    np.testing.assert_array_equal(result.values[("twice", 2024)], [20.0, 100.0])


def test_an_unknown_column_is_an_error_with_did_you_mean() -> None:
    with pytest.raises(ResolveError) as caught:
        MODEL.evaluate_table({"Jumlah AA__2024": np.ones(2)}, [2024])
    assert caught.value.code == "E203"
    assert "'Jumlah A'" in str(caught.value.hint)


def test_a_column_without_a_year_is_an_error_unless_ignored() -> None:
    with pytest.raises(ResolveError, match="does not name an input or indicator and a year"):
        MODEL.evaluate_table({"region": np.ones(2), "a__2024": np.ones(2)}, [2024])
    result = MODEL.evaluate_table(
        {"region": np.ones(2), "a__2024": np.ones(2)}, [2024], ["change"], ignore=["region"]
    )
    assert np.isnan(result.values[("change", 2024)]).all()  # a[n-1] missing, stated:
    assert (result.reasons[("change", 2024)] == MISSING).all()


def test_columns_of_different_lengths_and_other_objects_are_errors() -> None:
    with pytest.raises(EvaluationError, match="shape"):
        MODEL.evaluate_table({"a__2024": np.ones(2), "b__2024": np.ones(3)}, [2024])
    with pytest.raises(EvaluationError, match="cannot read columns from a list"):
        MODEL.evaluate_table([1, 2], [2024])


def test_a_table_of_the_same_names_is_prepared_once_and_read_anew(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The names are resolved and the programs chosen once per set of column names,
    years and indicators; every call reads its own table's values and checks them."""
    model = Model(DECLARATIONS)
    prepared = [0]
    original = Model._prepare_table

    def counted(self: Model, *args: Any) -> Any:
        prepared[0] += 1
        return original(self, *args)

    monkeypatch.setattr(Model, "_prepare_table", counted)
    for scale in (1.0, 2.0, 3.0):
        table = {
            "a__2023": np.array(A_2023) * scale,
            "a__2024": np.array(A_2024) * scale,
            "b__2024": np.array(B_2024),
        }
        result = model.evaluate_table(table, [2024], reasons=False)
        expected = [scale * a - scale * before for a, before in zip(A_2024, A_2023, strict=True)]
        np.testing.assert_array_equal(result.values[("change", 2024)], expected)
    assert prepared[0] == 1
    model.evaluate_table(table, (2024,), indicators=["share"])  # other indicators
    model.evaluate_table(dict(reversed(table.items())), [2024])  # the names in another order
    assert prepared[0] == 3
    with pytest.raises(EvaluationError, match="'b__2024' has shape"):  # checked every time
        model.evaluate_table(table | {"b__2024": np.ones(3)}, [2024], reasons=False)
    with pytest.raises(EvaluationError, match="'a' for 2024 holds an infinite value"):
        model.evaluate_table(table | {"a__2024": np.full(4, np.inf)}, [2024], reasons=False)
    with pytest.raises(EvaluationError, match="'b' for 2023 holds an infinite value"):
        model.evaluate_table(table | {"b__2023": np.full(4, -np.inf)}, [2024])  # unread
    with pytest.raises(ResolveError) as caught:  # an unknown name is never kept
        for _ in range(2):
            model.evaluate_table(table | {"c__2024": np.ones(4)}, [2024])
    assert caught.value.code == "E203"


def test_the_prepared_runs_kept_are_bounded() -> None:
    """A caller that sends tables of ever new column names (a column per scenario, say)
    does not grow the Model without bound: the prepared runs are forgotten at the bound,
    and a table prepared again gives the same values."""
    from formula_engine.model import _TABLE_RUNS

    model = Model(DECLARATIONS)
    base = {"a__2023": np.array(A_2023), "a__2024": np.array(A_2024)}
    first = model.evaluate_table(base, [2024], indicators=["change"])
    for index in range(_TABLE_RUNS + 10):
        ignored = {f"note_{index}": np.zeros(4)}
        model.evaluate_table(base | ignored, [2024], ["change"], ignore=list(ignored))
        assert len(model._table_runs) <= _TABLE_RUNS
    again = model.evaluate_table(base, [2024], indicators=["change"])
    np.testing.assert_array_equal(again.values[("change", 2024)], first.values[("change", 2024)])


def test_an_indicator_that_is_an_input_is_a_copy_of_its_column() -> None:
    """Such results are rows of one block: none is the caller's column or shares memory
    with it or with another result, and changing the table afterwards changes none."""
    declarations = DECLARATIONS.model_copy(
        update={
            "indicators": (
                *DECLARATIONS.indicators,
                Indicator(id="same_a", label="Sama dengan A", unit="orang", formula="a"),
                Indicator(id="seven", label="Tujuh", unit="1", formula="7"),
            )
        }
    )
    model = Model(declarations)
    table = {f"a__{year}": np.arange(4.0) + year for year in (2023, 2024)} | {
        "b__2024": np.array(B_2024)
    }
    for reasons in (False, True):
        result = model.evaluate_table(table, [2023, 2024], reasons=reasons)
        copies = [result.values[(i, y)] for i in ("same_a", "seven") for y in (2023, 2024)]
        expected = [table["a__2023"], table["a__2024"], np.full(4, 7.0), np.full(4, 7.0)]
        for copy, value in zip(copies, expected, strict=True):
            np.testing.assert_array_equal(copy, value)
            assert copy.shape == (4,) and copy.flags.writeable
            assert not any(np.shares_memory(copy, column) for column in table.values())
        for index, copy in enumerate(copies):
            assert not any(np.shares_memory(copy, other) for other in copies[index + 1 :])
        before = float(table["a__2024"][0])
        table["a__2024"][0] -= 100.0
        assert result.values[("same_a", 2024)][0] == before


def _every_year_table(model: Model, rows: int, seed: int) -> dict[str, np.ndarray]:
    """Random columns for every input a model's indicators read in the plan's years:
    values 0-3 (zero denominators), some NaN (missing), some columns absent."""
    from formula_engine import ir

    generator = np.random.default_rng(seed)
    keys = {
        (slot.input, slot.key)
        for identifier in model.order
        for year in range(model.plan.first_year, model.plan.last_year + 1)
        for slot in ir.slots(model.lower(model.indicator(identifier), year))
    }
    table = {}
    for name, year in sorted(keys, key=str):
        if generator.random() < 0.1:
            continue  # absent: every row missing
        column = generator.integers(0, 4, rows).astype(np.float64)
        column[generator.random(rows) < 0.1] = np.nan
        table[f"{name}__{year}"] = column
    return table


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("catalog", [False, True])
def test_programs_of_one_shape_run_as_one_give_the_same(
    monkeypatch: pytest.MonkeyPatch, catalog: bool, seed: int
) -> None:
    """A short table runs the programs of one shape (an indicator's years, indicators of
    one kind) as one program over their columns end to end: the same values and
    reasons, bit for bit, as one program each; on the bundled catalog and on a model
    whose indicators read others (and n-1)."""
    import formula_engine.model as model_module
    from formula_engine.api import load_catalog

    if catalog:
        model = load_catalog().model(2024)
    else:
        model = Model(
            DECLARATIONS.model_copy(update={"plan": Plan(first_year=2022, last_year=2026)})
        )
    years = list(range(model.plan.first_year, model.plan.last_year + 1))
    table = _every_year_table(model, 7, seed)
    results = []
    settings = [  # STACK_ROWS, MANY_ROWS, MANY: one each; as one; few of a shape, apart
        (-1, -1, model_module.MANY),
        (model_module.STACK_ROWS, model_module.MANY_ROWS, model_module.MANY),
        (4, model_module.MANY_ROWS, 10**6),
    ]
    for setting in settings:
        for name, limit in zip(("STACK_ROWS", "MANY_ROWS", "MANY"), setting, strict=True):
            monkeypatch.setattr(model_module, name, limit)
        results.append(model.evaluate_table(table, years, ignore=()))
    apart = results[0]
    run = next(iter(model._table_runs.values()))
    stacked = sum(len(stack.members) for stack in run.stacks)
    assert stacked >= len(run.programs) // 2  # most of them
    for together in results[1:]:
        assert sorted(apart.values) == sorted(together.values)
        for key, value in apart.values.items():
            np.testing.assert_array_equal(together.values[key], value, err_msg=str(key))
            np.testing.assert_array_equal(together.reasons[key], apart.reasons[key])
    assert np.isnan(np.concatenate(list(apart.values.values()))).any()  # not only values


@pytest.mark.parametrize("where", ["b__2025", "c__2024"])
def test_an_infinity_in_programs_run_as_one_names_its_own_column_and_year(where: str) -> None:
    declarations = DECLARATIONS.model_copy(
        update={
            "inputs": (*DECLARATIONS.inputs, Input(id="c", label="Jumlah C", unit="orang")),
            "indicators": (
                *DECLARATIONS.indicators,  # one shape with share, in other columns:
                Indicator(id="other", label="Persentase C", unit="%", formula="c / a x 100%"),
            ),
        }
    )
    model = Model(declarations)
    table = {f"{name}__{year}": np.ones(3) for name in "abc" for year in range(2022, 2027)}
    table[where] = np.array([1.0, -np.inf, 1.0])
    name, year = where.split("__")
    for reasons in (False, True):
        with pytest.raises(EvaluationError, match=f"'{name}' for {year} holds an infinite"):
            model.evaluate_table(table, range(2023, 2027), reasons=reasons)
    run = next(iter(model._table_runs.values()))
    assert any(len(stack.members) == 8 for stack in run.stacks)  # share and other, 4 years
