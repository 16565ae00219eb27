"""Hostile input: every case gets our own diagnostic, quickly, never a traceback."""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from formula_engine import FormulaError, ParseError, parse
from formula_engine.cli import main

PACKAGE = Path(__file__).resolve().parent.parent / "formula_engine"

HOSTILE = {
    "python code": "__import__('os').system('echo pwned')",
    "python lambda": "(lambda: 1)()",
    "dunder attribute": "a.__class__.__bases__",
    "dunder name": "__builtins__",
    "dunder label call": '"__import__"("os")',
    "eval call": "eval('1')",
    "exec call": "exec('1')",
    "semicolon": "a; import os",
    "huge exponent": "10**10**10",
    "caret power": "9^9^9^9",
    "huge literal": "9" * 5000,
    "huge decimal": "0." + "1" * 100,
    "nested parentheses": "(" * 10_000 + "1" + ")" * 10_000,
    "nested brackets in label-free text": "a[" * 5000,
    "unary chain": "-" * 1500 + "1",
    # A long sum chain is a valid rollup now (tests/test_hardening_engine.py); a long
    # nesting of right operands is not.
    "long right-nested sum": "a+(" * 900 + "a" + ")" * 900,
    "one megabyte": "a + " * 262_144 + "a",
    "nul byte": "a\x00b",
    "bell": "a\x07 + b",
    "escape sequence": "a + \x1b[31mred",
    "right-to-left override": "a + \u202eb",
    "zero width space": "a\u200b+ b",
    "non-breaking space": "a\u00a0+ b",
    "mixed scripts name": "jumlah_рмкс",
    "cyrillic x as times": "a х b",
    "arabic digits": "١٢٣ + 1",
    "fullwidth digits": "１２ + 1",
    "emoji": "a + 😀",
    "surrogate": "a + \ud800",
    "backslash in label": '"a\\" + b',
    "label over a line break": '"a\nb"',
    "sql": "a; DROP TABLE indicators; --",
    "format string": "{a.__globals__}",
    "attribute on number": "(1).__class__",
    "only spaces": "     ",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_gets_a_diagnostic(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ParseError) as caught:
        parse(text)
    # A generous bound: this catches a hang or exponential work, not a slow machine.
    assert time.perf_counter() - started < 5
    error = caught.value
    assert error.span is not None and 0 <= error.span.start <= error.span.end <= len(text)
    rendered = error.with_source(text).render()
    assert f"error[{error.code}]" in rendered
    assert "^" in rendered
    assert "Traceback" not in rendered


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_cli_rejects_hostile_input_without_traceback(text: str) -> None:
    result = CliRunner().invoke(main, ["parse", text])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "error[E" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_deep_nesting_under_the_limit_still_parses() -> None:
    assert parse("(" * 60 + "1" + ")" * 60) is not None


def test_no_recursion_error_anywhere_near_the_recursion_limit() -> None:
    depth = sys.getrecursionlimit() + 10
    with pytest.raises(FormulaError):
        parse("-" * depth + "1")


# No user or catalog text may reach Python's eval: not through eval/exec/compile, and not
# through sympy's string parsers (sympify, parse_expr, S("..."), lambdify, which generates
# source code). Our own methods named `compile` (Model.compile) build trees, not code.
FORBIDDEN_NAMES = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "sympify",
    "parse_expr",
    "S",
    "lambdify",
}
FORBIDDEN_ATTRIBUTES = {"eval", "exec", "sympify", "parse_expr", "S", "lambdify", "__import__"}


def forbidden_calls(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Name) and function.id in FORBIDDEN_NAMES:
            found.add(function.id)
        elif isinstance(function, ast.Attribute) and function.attr in FORBIDDEN_ATTRIBUTES:
            found.add(function.attr)
    return found


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: p.name)
def test_package_never_calls_eval_or_string_parsers(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not forbidden_calls(tree), f"{path.name} calls a forbidden function"


def test_the_forbidden_call_scan_can_fail() -> None:
    sample = ast.parse("import sympy\nsympy.sympify(text)\neval(x)\nre.compile(p)\ncompile(s)")
    assert forbidden_calls(sample) == {"sympify", "eval", "compile"}
