"""Golden files: formulas -> canonical text and AST; bad formulas -> exact diagnostics.

Regenerate with `pytest --update-goldens` and review the diff before committing.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import check_golden

from formula_engine import FormulaError, Location, parse, to_text
from formula_engine.nodes import to_dict

GOLDEN = Path(__file__).parent / "golden"


def _cases(name: str) -> list[str]:
    lines = (GOLDEN / name).read_text(encoding="utf-8").splitlines()
    return ["" if line == "<empty>" else line for line in lines if not line.startswith("#")]


def _compact_ast(data: object) -> object:
    """The AST without spans, for a golden file that reads as structure."""
    if isinstance(data, dict):
        return {k: _compact_ast(v) for k, v in data.items() if k != "span"}
    if isinstance(data, list):
        return [_compact_ast(v) for v in data]
    return data


def test_valid_formulas_print_canonically(update_goldens: bool) -> None:
    blocks = []
    for formula in _cases("valid.txt"):
        tree = parse(formula)
        ast = json.dumps(_compact_ast(to_dict(tree)), ensure_ascii=False)
        blocks.append(f"input:     {formula}\ncanonical: {to_text(tree)}\nast:       {ast}\n")
    check_golden(GOLDEN / "valid.golden", "\n".join(blocks), update_goldens)


def test_invalid_formulas_give_exact_diagnostics(update_goldens: bool) -> None:
    blocks = []
    for index, formula in enumerate(_cases("invalid.txt"), start=1):
        try:
            parse(formula)
        except FormulaError as error:
            rendered = error.with_source(formula, Location(f"<case {index}>")).render()
        else:
            rendered = "NO ERROR (this case must be rejected)"
        blocks.append(f"input: {formula}\n{rendered}\n")
    check_golden(GOLDEN / "invalid.golden", "\n".join(blocks), update_goldens)
