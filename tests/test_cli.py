"""The `renstra` command line: parse and fmt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


FILES = Path(__file__).parent / "fixtures" / "files"


def test_eval_gives_exact_value_rounding_and_unit() -> None:
    code, out, _ = run(
        "eval",
        '("Jumlah PMKS"[n-1] - "Jumlah PMKS") / "Jumlah PMKS"[n-1] x 100%',
        "-i", "Jumlah PMKS=10000@awal", "-i", "Jumlah PMKS=9855", "--year", "2022",
    )  # fmt: skip
    assert code == 0
    assert out.splitlines() == [
        "1.45 %",
        "  exact:   29/20",
        "  display: 1,45 (half-up, 2 decimals)",
    ]


def test_eval_json_and_rupiah() -> None:
    code, out, _ = run(
        "eval", "a + b", "-i", "a=4_489_798_475", "-i", "b=1", "-u", "a=Rp", "-u", "b=Rp",
        "-y", "2024", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert (data["value"], data["display"], data["unit"]) == ("4489798476", "4.489.798.476", "Rp")


def test_eval_states_why_a_value_is_not_computable() -> None:
    code, _, err = run("eval", "a / b x 100%", "-i", "a=1", "-y", "2022")
    assert (code, err) == (3, "not computable: b 2022 missing\n")
    code, _, err = run("eval", "a / b x 100%", "-i", "a=1", "-i", "b=0", "-y", "2022")
    assert (code, err) == (3, "not computable: denominator is zero: b = 0 in 2022\n")


def test_eval_unit_error_has_caret() -> None:
    code, _, err = run("eval", "a + b", "-u", "a=orang", "-u", "b=%", "-y", "2022")
    assert code == 1
    assert err.splitlines()[0] == "<argument>:1:1: error[E310]: cannot add 'orang' and '%'"


def test_eval_rejects_a_comma_decimal_value_clearly() -> None:
    code, _, err = run("eval", "a", "-i", "a=16,24", "-y", "2022")
    assert code == 2
    assert "not a number (write 16.24, not 16,24)" in err


def test_eval_with_a_declarations_file() -> None:
    code, out, _ = run(
        "eval", '"Jumlah PMKS" / "Jumlah penduduk" x 100%', "-d", str(FILES / "good.yaml"),
        "-i", "jumlah_pmks=11217", "-i", "Jumlah penduduk=151700", "-y", "2022",
    )  # fmt: skip
    assert (code, out.splitlines()[0]) == (0, "7.39 %")


def test_check_good_file_passes() -> None:
    code, out, err = run("check", str(FILES / "good.yaml"))
    assert (code, out, err) == (0, "1 path(s) checked: 0 error(s), 0 warning(s)\n", "")


def test_check_reports_every_problem_with_file_line_and_caret() -> None:
    code, out, err = run("check", str(FILES / "broken.yaml"))
    assert code == 1
    assert out == "1 path(s) checked: 4 error(s), 2 warning(s)\n"
    heads = [line for line in err.splitlines() if "error[" in line or "warning[" in line]
    path = str(FILES / "broken.yaml")
    assert heads == [
        f'{path}:17:15: error[E201]: salah_nama: unknown input or indicator "Jumlah PMKZ"',
        f"{path}:21:15: error[E313]: salah_satuan: the formula gives '1' but the "
        "indicator's unit (Satuan) is '%'",
        f"{path}:25:28: error[E104]: salah_tulis: missing operand between '/' and '/'",
        f"{path}:33:14: error[E202]: siklus_b: indicators reference each other in a "
        "cycle: siklus_a -> siklus_b -> siklus_a",
        f"{path}:6:9: warning[W330]: jumlah_penduduk: input 'jumlah_penduduk' is "
        "declared but no formula uses it",
        f"{path}:10:9: warning[W330]: tidak_dipakai: input 'tidak_dipakai' is "
        "declared but no formula uses it",
    ]


def test_check_schema_and_yaml_errors_are_located() -> None:
    code, _, err = run("check", str(FILES / "schema.yaml"), str(FILES / "bad_yaml.yaml"))
    assert code == 1
    assert (
        "schema.yaml:2:9: error[E501]: Jumlah PMKS: id 'Jumlah PMKS' is not a snake_case id" in err
    )
    assert "hint: write 'jumlah_pmks'" in err
    assert "schema.yaml:6:5: error[E502]: jumlah_ppks: unknown key 'labl'" in err
    assert (
        "schema.yaml:7:11: error[E501]: jumlah_ppks: unit: unknown unit 'orng' (did you mean 'orang'?)"
        in err
    )
    assert "bad_yaml.yaml:3:12: error[E500]: not valid YAML" in err
    assert "Traceback" not in err


def test_parse_json_of_the_longest_flat_sum_is_whole_json() -> None:
    # 5,000 terms: 19,997 characters in canonical form, within the limit of 20,000; the
    # tree nests 4,999 Binary nodes.
    terms = 5_000
    result = CliRunner().invoke(main, ["parse", "--json", "+".join(["a"] * terms)])
    assert result.exit_code == 0, result.output
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100_000)
    try:
        tree = json.loads(result.stdout)["ast"]
    finally:
        sys.setrecursionlimit(limit)
    depth = 0
    while tree["node"] == "Binary":
        assert tree["op"] == "+" and tree["right"] == {
            "node": "Reference",
            "name": "a",
            "quoted": False,
            "period": {"kind": "relative", "offset": 0},
            "span": tree["right"]["span"],
        }
        tree, depth = tree["left"], depth + 1
    assert depth == terms - 1
    assert tree["node"] == "Reference" and tree["span"] == [0, 1]
