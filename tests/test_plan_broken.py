"""Broken plan workbooks: one planner's mistake each, the exact diagnostics expected.

The cases are data (tests/fixtures/broken_plans/cases.yaml): each edits the valid plan
of tests/plan_workbooks.py, is written as a real workbook with openpyxl and imported
into a new catalog; the import must list exactly the expected problems and leave every
file of the catalog as it was.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from openpyxl import load_workbook
from plan_workbooks import PLAN, write_plan

from formula_engine.cli import main

CASES = yaml.safe_load(
    (Path(__file__).parent / "fixtures" / "broken_plans" / "cases.yaml").read_text("utf-8")
)


def broken_workbook(path: Path, case: dict[str, Any]) -> Path:
    write_plan(path, PLAN)
    book = load_workbook(path)
    for where, value in (case.get("edit") or {}).items():
        sheet, cell = where.split("!")
        book[sheet][cell].value = value
    for sheet, values in (case.get("append") or {}).items():
        work = book[sheet]
        row = max(c.row for c in work["A"] if c.value is not None) + 1
        for column, value in enumerate(values, start=1):
            work.cell(row, column, value)
    for sheet, number in (case.get("hide_row") or {}).items():
        book[sheet].row_dimensions[number].hidden = True
    book.save(path)
    return path


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_a_broken_plan_is_located_and_nothing_is_written(
    case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    made = runner.invoke(
        main, ["new", "dinsos", "--agency", "Dinas Contoh", "--period", "2025-2029"]
    )
    assert made.exit_code == 0, made.output
    broken_workbook(tmp_path / "plan.xlsx", case)
    before = snapshot(tmp_path / "dinsos")
    result = runner.invoke(
        main,
        [
            "import",
            "plan",
            "plan.xlsx",
            "-c",
            "dinsos",
            "--source",
            "Rancangan",
            "--date",
            "2026-11-30",
        ],
    )
    assert result.exit_code == 1, result.output
    blocks = result.stderr.strip().split("\n\n")
    assert blocks[-1] == f"plan.xlsx: {len(blocks) - 1} problem(s); nothing imported"
    assert [b.rstrip() for b in blocks[:-1]] == [e.rstrip() for e in case["expected"]]
    assert snapshot(tmp_path / "dinsos") == before


def test_the_suite_covers_at_least_ten_kinds_of_mistake() -> None:
    codes = {line.split("error[")[1][:4] for c in CASES for e in c["expected"] for line in [e]}
    assert len(CASES) >= 10 and len(codes) >= 10


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_every_cell_problem_of_a_plan_workbook_is_worded_in_indonesian(
    case: dict[str, Any], tmp_path: Path
) -> None:
    """Each problem the reading of a broken plan finds (message, expected, hint; a
    formula's own diagnostic inside it) is a message of the catalog: English is the text
    the CLI prints (the case above), and the Indonesian text has none of the English
    sentence (values and names quoted from the cells stay as typed)."""
    from formula_engine.audit.messages import Msg, tr
    from formula_engine.excel.plan import Provenance, read_plan
    from formula_engine.i18n import translator

    path = broken_workbook(tmp_path / "plan.xlsx", case)
    provenance = Provenance("plan.xlsx", "Rancangan", "2026-11-30")
    _, problems = read_plan(path, 2025, 2029, provenance)
    indonesian, english = translator("id"), translator("en")
    for problem in problems:  # none: a case the catalog's check rejects after the reading
        for text in (problem.message, problem.expected, problem.hint):
            assert isinstance(text, Msg), (case["name"], text)
            assert tr(text, english) == text
            assert tr(text, indonesian) != text, text
    if case["name"] == "formula with an unknown name":
        assert tr(problems[0].message, indonesian) == (
            "formula tidak lolos pemeriksaan: input atau indikator jumlah_ppk tidak dikenal [E201]"
        )
        assert tr(problems[0].hint, indonesian) == (
            "maksud Anda 'jumlah_ppks' atau 'Jumlah PPKS' atau 'jumlah_kube'?"
        )
