"""`renstra equiv` on pairs that are and are not the same function of their inputs."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from formula_engine import parse
from formula_engine.cli import main
from formula_engine.declarations import Declarations, Input
from formula_engine.equivalence import equivalence
from formula_engine.model import Model, Values
from formula_engine.nodes import references

PAIRS = yaml.safe_load((Path(__file__).parent / "fixtures" / "equivalence.yaml").read_text())


def _declarations(*texts: str) -> Declarations:
    names = sorted({r.name for text in texts for r in references(parse(text))})
    return Declarations(inputs=[Input(id=n, label=n, unit="1") for n in names])


@pytest.mark.parametrize("pair", PAIRS["pairs"], ids=lambda p: f"{p['left']} vs {p['right']}")
def test_equivalence_verdict(pair: dict[str, Any]) -> None:
    declarations = _declarations(pair["left"], pair["right"])
    verdict = equivalence(pair["left"], pair["right"], declarations)
    assert verdict.status == pair["status"]
    if verdict.status == "not_equivalent":
        example = verdict.counterexample
        assert example is not None
        # The counterexample is real: re-evaluating both formulas gives different results.
        model = Model(declarations)
        values = Values(model.table, {k: dict(v) for k, v in example.inputs.items()})
        left = model.compile(pair["left"]).evaluate(values, example.year)
        right = model.compile(pair["right"]).evaluate(values, example.year)
        assert (left.status, left.value) != (right.status, right.value)


def test_cli_prints_a_counterexample_for_the_two_lower_is_better_forms() -> None:
    result = CliRunner().invoke(main, ["equiv", "(2 x t - r) / t x 100%", "t / r x 100%"])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("not equivalent: they differ in year 2022")
    values = {line.split(" = ")[0].strip(): line.split(" = ")[1] for line in lines[1:3]}
    r, t = (Fraction(values[k].split("@")[0]) for k in ("r", "t"))
    assert f"exactly {(2 * t - r) / t * 100}" in result.stdout
    assert f"exactly {t / r * 100}" in result.stdout


def test_cli_equivalent_exits_zero() -> None:
    result = CliRunner().invoke(main, ["equiv", "a / b x 100%", "100% x a / b"])
    assert (result.exit_code, result.stdout.split(":")[0]) == (0, "equivalent")


def test_cli_reports_a_parse_error_of_either_side() -> None:
    result = CliRunner().invoke(main, ["equiv", "a / b", "a / (b"])
    assert result.exit_code == 1
    assert "error[E102]" in result.stderr
