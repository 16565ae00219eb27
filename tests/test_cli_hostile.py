"""Hostile command lines: each ends in its exit code with a one-line message, never a
traceback, and none reaches the last-resort handler.

The cases are data (tests/fixtures/cli/hostile.yaml); the cases that need a process of
their own (reading /dev/zero under a memory limit) and the all-or-nothing writing of
reports are below.
"""

from __future__ import annotations

import ast
import resource
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

import formula_engine.cli_formulas as cli_formulas
from formula_engine.audit import AuditReport, Section
from formula_engine.audit.figures import Figure, Place, Term
from formula_engine.audit.html import _finding
from formula_engine.audit.report import markdown_text, render_markdown
from formula_engine.cli import main
from formula_engine.exit_codes import MEANINGS, ExitCode
from formula_engine.i18n import translator
from formula_engine.numbers import parse_plain

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
CASES: list[dict[str, Any]] = YAML(typ="safe").load(FIXTURES / "cli" / "hostile.yaml")
INTERNAL = "internal error"


@pytest.fixture
def places(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "a-file").write_text("not a folder\n")
    (tmp_path / "broken-catalog").mkdir()
    (tmp_path / "broken-catalog" / "renstra.yaml").write_text("plan: [\n")
    return {
        "tmp": str(tmp_path),
        "fixtures": str(FIXTURES),
        "name81": "a" * 81,
        "megabyte": "a + " * 262_144 + "a",
        "long_name": "r" * 297 + ".md",
    }


def _params(case: dict[str, Any]) -> Any:
    return pytest.param(case, id=case["id"])


def test_the_table_covers_every_exit_code_but_ok_and_findings_many_times() -> None:
    counts = {code: sum(case["exit"] == code for case in CASES) for code in ExitCode}
    assert len({case["id"] for case in CASES}) == len(CASES)
    assert counts[ExitCode.USAGE] >= 40 and counts[ExitCode.CANNOT_WRITE] >= 10
    assert all(counts[code] for code in ExitCode)


@pytest.mark.parametrize("case", [_params(case) for case in CASES])
def test_hostile_command_line(case: dict[str, Any], places: dict[str, str]) -> None:
    argv = [arg.format(**places) for arg in case["argv"]]
    if any(arg.startswith("/sys/") for arg in argv) and not Path("/sys").is_dir():
        pytest.skip("no /sys on this machine: the read-only folder case needs it")
    stdin = case.get("stdin")
    if "stdin_bytes" in case:
        stdin = ast.literal_eval(case["stdin_bytes"]) * case.get("stdin_repeat", 1)
    result = CliRunner().invoke(main, argv, input=stdin)
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything and INTERNAL not in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.exit_code == case["exit"], everything[-2000:]
    assert case["stderr"] in result.stderr
    assert case.get("stdout", "") in result.stdout
    _assert_one_line_message(case["exit"], result.stderr)
    if case["exit"] == ExitCode.CANNOT_WRITE:
        assert not [p for p in Path(places["tmp"]).iterdir() if p.name.endswith(".md")]


def _assert_one_line_message(code: int, stderr: str) -> None:
    lines = stderr.splitlines()
    if code == ExitCode.USAGE:
        errors = [line for line in lines if line.startswith("Error: ")]
        assert len(errors) == 1 and lines[-1] == errors[0], stderr
    elif code == ExitCode.CANNOT_WRITE:
        assert len(lines) == 1 and lines[0].startswith("error[E601]: cannot write "), stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "/dev/zero"],
        ["fmt", "--file", "/dev/zero"],
        ["eval", "a", "-d", "/dev/zero", "-y", "2022"],
    ],
)
def test_dev_zero_is_read_up_to_the_limit_under_a_memory_limit(argv: list[str]) -> None:
    limit = 1 << 31  # 2 GiB of address space: an unbounded read runs out of it

    def bounded() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "formula_engine", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=bounded,
        check=False,
    )
    assert result.returncode == ExitCode.USAGE, result.stderr[-2000:]
    assert "'/dev/zero' is longer than 1,048,576 bytes, the limit; reading stopped" in result.stderr
    assert "Traceback" not in result.stderr


def test_fmt_stdin_from_dev_zero_stops_at_the_limit() -> None:
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [sys.executable, "-m", "formula_engine", "fmt"],
            stdin=zero,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert result.returncode == ExitCode.USAGE
    assert "'<stdin>' is longer than 1,048,576 bytes" in result.stderr


def test_the_safety_net_turns_a_bug_into_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str) -> None:
        raise RuntimeError("a bug\nwith a second line")

    monkeypatch.setattr(cli_formulas, "parse", broken)
    result = CliRunner().invoke(main, ["parse", "a"])
    assert result.exit_code == ExitCode.FINDINGS
    assert result.stderr.splitlines() == [
        "renstra: internal error (RuntimeError: a bug); this is a bug: please report it "
        "with the command line that caused it"
    ]


def test_help_lists_every_exit_code() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for code, meaning in MEANINGS.items():
        assert f"  {int(code)}  {meaning}\n" in result.stdout


def test_readme_lists_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = {line for line in readme.splitlines() if line.startswith("| ") and "|" in line[2:]}
    for code, meaning in MEANINGS.items():
        assert f"| {int(code)} | {meaning} |" in rows


# Writing reports: all paths are checked first; none is written when one cannot be.


def test_no_report_is_written_when_one_path_cannot_be(tmp_path: Path) -> None:
    kept = tmp_path / "audit.md"
    kept.write_text("the old report\n")
    (tmp_path / "a-file").write_text("")
    result = CliRunner().invoke(
        main,
        ["audit", "--markdown", str(kept), "--json", str(tmp_path / "a.json"), "--html",
         str(tmp_path / "a-file" / "audit.html")],
    )  # fmt: skip
    assert result.exit_code == ExitCode.CANNOT_WRITE
    assert result.stdout == ""  # nothing was computed either
    assert kept.read_text() == "the old report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "audit.md"]


def test_a_write_that_fails_midway_is_one_line_and_exit_5(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import formula_engine.cli_output as cli_output

    written: list[Path] = []

    def full_disk(path: Path, text: str) -> None:
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)

    monkeypatch.setattr(cli_output, "write_atomically", full_disk)
    result = CliRunner().invoke(
        main, ["audit", "--markdown", str(tmp_path / "a.md"), "--html", str(tmp_path / "a.html")]
    )
    assert result.exit_code == ExitCode.CANNOT_WRITE
    assert result.stderr == (
        f"error[E601]: cannot write --html {str(tmp_path / 'a.html')!r}: No space left on device\n"
    )


def test_reports_go_into_new_folders(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "audit.md"
    result = CliRunner().invoke(main, ["audit", "--no-fail", "--markdown", str(target)])
    assert result.exit_code == ExitCode.OK
    assert target.read_text(encoding="utf-8").startswith("# Audit ")


def test_a_read_only_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests run as root, who may write into a 0555 folder: the folder's refusal is injected
    # where the probe creates its file, as the kernel would raise it for another user.
    folder = tmp_path / "read-only"
    folder.mkdir()

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("formula_engine.cli_output.tempfile.NamedTemporaryFile", refuse)
    result = CliRunner().invoke(main, ["audit", "--markdown", str(folder / "a.md")])
    assert result.exit_code == ExitCode.CANNOT_WRITE
    assert "no file can be created in" in result.stderr
    assert "Permission denied" in result.stderr
    assert not (folder / "a.md").exists()


# Catalog text in the reports: a title with <script> and | goes into Markdown and HTML.

HOSTILE_TEXT = "<script>alert(1)</script> | `x` *y* [a](http://e.x) # h\n- item & more"


def test_catalog_text_is_escaped_in_markdown_and_html(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(FIXTURES / "catalog", catalog)
    for name, old in [("renstra.yaml", '"Contoh Renstra"'), ("renstra.yaml", '"Persentase PMKS"')]:
        text = (catalog / name).read_text(encoding="utf-8")
        assert old in text
        (catalog / name).write_text(text.replace(old, _yaml_string(HOSTILE_TEXT)), "utf-8")
    md, html = tmp_path / "a.md", tmp_path / "a.html"
    result = CliRunner().invoke(
        main, ["audit", str(catalog), "--no-fail", "--markdown", str(md), "--html", str(html)]
    )
    assert result.exit_code == ExitCode.OK, result.stderr
    report, page = md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")
    assert report.count("alert(1)") >= 2 and page.count("alert(1)") >= 2
    assert "<script" not in report and page.count("<script") == 1  # the filters' own
    assert "](http" not in report.replace("\\]", "")
    for line in report.splitlines():
        assert not line.startswith(("- item", "# h", "#  h"))
        if line.startswith("|"):
            assert _cells(line) in (3, 5), line  # the class summary has 3, the checks' 5


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _cells(row: str) -> int:
    unescaped = row.replace("\\\\", "").replace("\\|", "")
    return unescaped.count("|") - 1


def _hostile_figure(text: str) -> Figure:
    place = Place(text, 1)
    return Figure(
        check="rollup", subject=text, label=text, year=2022, printed=text, place=place,
        rule=text, terms=[Term(text, text, None, place)], steps=[text],
        recomputed=Fraction(1), status="finding", reason=text, explanation=text, note=text,
    )  # fmt: skip


def test_every_field_of_a_figure_is_escaped_in_markdown_and_html() -> None:
    report = AuditReport(HOSTILE_TEXT, [Section(HOSTILE_TEXT, [_hostile_figure(HOSTILE_TEXT)])])
    markdown = render_markdown(report)
    assert "<script" not in markdown
    assert not [line for line in markdown.splitlines() if line.startswith(("- item", "# h"))]
    assert markdown.count("&lt;script>") >= 12  # title, section, 10 fields of the figure
    page = _finding(1, report.figures[0], report, {HOSTILE_TEXT: "explain-1"}, translator("en"))
    # heading (row), place (table, row), printed, rule, term (label, text, table), step,
    # likely cause, note: every text the figure carries
    assert "<script" not in page and page.count("&lt;script&gt;") == 12


@given(st.text())
def test_markdown_text_is_one_inert_line(text: str) -> None:
    escaped = markdown_text(text)
    assert "\n" not in escaped and "\r" not in escaped
    bare = escaped.replace("\\\\", "")
    for escape in ("\\|", "\\`", "\\*", "\\]"):  # an escaped ']' ends no link
        bare = bare.replace(escape, "")
    assert not {"|", "`", "*", "<"} & set(bare)
    assert "](" not in bare


@given(st.text())
def test_parse_plain_gives_a_number_or_a_value_error(text: str) -> None:
    try:
        value = parse_plain(text)
    except ValueError as error:
        assert str(error)
    else:
        assert isinstance(value, Fraction)
        assert text.strip().isascii()


@given(st.fractions(max_denominator=10**6).filter(lambda f: abs(f.numerator) < 10**12))
def test_parse_plain_reads_a_fraction_as_written(value: Fraction) -> None:
    assert parse_plain(f"{value.numerator}/{value.denominator}") == value
