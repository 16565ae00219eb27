"""The reference runner of the conformance cases in tests/conformance/*.yaml."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from formula_engine.declarations import Declarations, Policy
from formula_engine.errors import FormulaError
from formula_engine.model import Model

FILES = sorted((Path(__file__).parent / "conformance").glob("*.yaml"))


def _cases() -> list[Any]:
    cases = []
    for path in FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        declarations = Declarations(plan=data["plan"], inputs=data["inputs"])
        for case in data["cases"]:
            cases.append(pytest.param(declarations, case, id=f"{path.stem}: {case['name']}"))
    return cases


@pytest.mark.parametrize(("declarations", "case"), _cases())
def test_conformance(declarations: Declarations, case: dict[str, Any]) -> None:
    model = Model(declarations)
    expect = case["expect"]
    try:
        formula = model.compile(case["formula"], Policy(**case.get("policy", {})), case.get("unit"))
    except FormulaError as error:
        assert expect.get("error") == error.code, error.with_source(case["formula"]).render()
        assert error.span is not None
        assert 0 <= error.span.start <= error.span.end <= len(case["formula"])
        return
    assert "error" not in expect, f"expected error {expect['error']}, the formula compiled"
    values = {
        name: {year: Fraction(str(value)) for year, value in by_year.items()}
        for name, by_year in case["values"].items()
    }
    result = formula.evaluate(values, case["year"])
    if "not_computable" in expect:
        assert (result.status, result.code) == ("not_computable", expect["not_computable"])
        assert result.reason == expect["reason"]
        assert result.value is None
        return
    assert result.status == "ok", result.reason
    expected = expect["value"]
    assert result.value == (expected if isinstance(expected, bool) else Fraction(expected))
    for key in ("rounded", "display", "unit"):
        if key in expect:
            assert getattr(result, key) == expect[key]


@pytest.mark.parametrize(("declarations", "case"), _cases())
def test_conformance_fast_path(declarations: Declarations, case: dict[str, Any]) -> None:
    """The same cases on the fast path: NaN where the exact path is not computable."""
    expect = case["expect"]
    if "error" in expect:
        return  # compile errors are the same stage for both paths (checked above)
    formula = Model(declarations).compile(
        case["formula"], Policy(**case.get("policy", {})), case.get("unit")
    )
    columns = {
        (name, year): np.array([float(Fraction(str(value)))])
        for name, by_year in case["values"].items()
        for year, value in by_year.items()
    }
    [value] = formula.evaluate_many(columns, case["year"], 1)
    if "not_computable" in expect:
        assert np.isnan(value), f"fast path gives {value}, exact says {expect}"
        return
    expected = expect["value"]
    assert value == pytest.approx(
        float(expected if isinstance(expected, bool) else Fraction(expected))
    )
