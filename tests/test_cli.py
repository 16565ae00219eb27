"""The `renstra` command line: parse and fmt."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from formula_engine.cli import main


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_parse_prints_canonical_form() -> None:
    code, out, _ = run("parse", '("Jumlah PMKS"[n-1]-"Jumlah PMKS")/"Jumlah PMKS"[n-1]*100%')
    assert code == 0
    assert out == '("Jumlah PMKS"[n-1] - "Jumlah PMKS") / "Jumlah PMKS"[n-1] x 100%\n'


def test_parse_json_has_the_ast_with_spans() -> None:
    code, out, _ = run("parse", "--json", "a / b x 100%")
    assert code == 0
    data = json.loads(out)
    assert data["canonical"] == "a / b x 100%"
    assert data["ast"]["node"] == "Binary" and data["ast"]["op"] == "*"
    assert data["ast"]["span"] == [0, 12]
    assert data["ast"]["right"] == {"node": "Percent", "value": "100", "span": [8, 12]}


def test_parse_error_goes_to_stderr_with_caret_and_exit_1() -> None:
    code, out, err = run("parse", "a / (b + c")
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "<argument>:1:5: error[E102]: unclosed '('",
        "  a / (b + c",
        "      ^",
        "  hint: add the matching ')'",
    ]


def test_fmt_reads_arguments_and_stdin() -> None:
    assert run("fmt", "a*b", "(c)") == (0, "a x b\nc\n", "")
    assert run("fmt", stdin="a*b\n# comment\n\n(c)\n") == (0, "a x b\n# comment\n\nc\n", "")


def test_fmt_reports_every_bad_line_with_its_line_number() -> None:
    code, out, err = run("fmt", stdin="a +\nb\nc d\n")
    assert code == 1
    assert out == "b\n"
    assert "<stdin>:1:3: error[E105]" in err
    assert "<stdin>:3:3: error[E116]" in err


def test_fmt_check_flags_non_canonical_lines(tmp_path) -> None:
    path = tmp_path / "formulas.txt"
    path.write_text("# ok\na x b\na*b\n", encoding="utf-8")
    code, out, err = run("fmt", "--check", "--file", str(path))
    assert code == 1
    assert out == ""
    assert err == f"{path}:3: not canonical: a x b\n"


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "formula_engine", "parse", "a*b"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "a x b\n")
