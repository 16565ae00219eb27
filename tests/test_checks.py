"""Each symbolic check against its fixture file: formulas that pass and that fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from formula_engine.checks import SYMBOLIC_CHECKS, Subject
from formula_engine.declarations import Declarations
from formula_engine.model import Model

FIXTURES = Path(__file__).parent / "fixtures" / "checks"


def _cases() -> list[Any]:
    params = []
    for check in SYMBOLIC_CHECKS:
        name = check.__name__.removeprefix("check_")
        data = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text(encoding="utf-8"))
        declarations = Declarations(inputs=data["inputs"])
        for case in data["cases"]:
            params.append(pytest.param(check, declarations, case, id=f"{name}: {case['formula']}"))
    return params


@pytest.mark.parametrize(("check", "declarations", "case"), _cases())
def test_check_on_fixture(check: Any, declarations: Declarations, case: dict[str, Any]) -> None:
    model = Model(declarations)
    compiled = model.compile(case["formula"])
    subject = Subject(compiled.tree, model.table, model.sympy_compiler(), model.plan.last_year)
    findings = check(subject)
    assert sorted(f.code for f in findings) == sorted(case["findings"])
    text = case["formula"]
    for finding in findings:
        assert finding.severity == "warning"
        span = finding.error.span
        assert span is not None and 0 <= span.start < span.end <= len(text)


def test_every_check_has_a_fixture_with_passing_and_failing_cases() -> None:
    for check in SYMBOLIC_CHECKS:
        name = check.__name__.removeprefix("check_")
        cases = yaml.safe_load((FIXTURES / f"{name}.yaml").read_text())["cases"]
        assert any(c["findings"] for c in cases) and any(not c["findings"] for c in cases)
