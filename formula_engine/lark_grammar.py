"""The grammar of the formula language, loaded once (grammar/formula.lark).

The file is data, kept at the top of the repository and shipped inside the wheel as
formula_engine/grammar/formula.lark; `grammar_path` finds it in either place. The parser
is LALR with positions, built once and cached. Only parser.py and syntax_errors.py use it:
no lark object leaves them.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from lark import Lark


@cache
def lark_parser() -> Lark:
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def grammar_path() -> Path:
    """The grammar file: inside the installed package, or at the source tree's top."""
    packaged = resources.files("formula_engine") / "grammar" / "formula.lark"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "grammar" / "formula.lark"
