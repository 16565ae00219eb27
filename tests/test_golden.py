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


def test_every_invalid_formulas_diagnostic_has_its_indonesian_text() -> None:
    """The web page shows a formula's diagnostics in the page's language: each message
    and hint of the golden cases is a message of the catalog, worded in Indonesian
    (a function's one-line doc may read the same), and English is the text itself (the
    golden above, what the CLI prints, is unchanged)."""
    from formula_engine import functions
    from formula_engine.audit.messages import Msg, tr
    from formula_engine.i18n import translator

    indonesian, english = translator("id"), translator("en")
    docs = {f.doc for f in functions.TABLE}
    for formula in _cases("invalid.txt"):
        try:
            parse(formula)
        except FormulaError as error:
            message, hint = error.message, error.hint
        assert isinstance(message, Msg) and isinstance(hint, Msg | None), formula
        assert tr(message, english) == message and tr(hint, english) == (hint or "")
        assert tr(message, indonesian) != message, message
        if hint is not None and hint.template not in docs:
            assert tr(hint, indonesian) != hint, hint
