"""Every cell of the seed transcriptions stands at the seed lines it cites."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from check_transcription import cell_problem, iter_cells  # noqa: E402

FILES = sorted((ROOT / "catalog" / "transcription").glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_cell_stands_at_its_cited_lines(path: Path, seed_lines: list[str]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cells = list(iter_cells(data))
    assert cells, "no cells found"
    problems = [f"{where}: {cell_problem(seed_lines, cell)}" for where, cell in cells]
    assert [p for p in problems if not p.endswith(": None")] == []


def test_the_cell_check_detects_a_wrong_digit() -> None:
    seed = ["Belanja Modal 89.715.000 738.906.250"]
    assert cell_problem(seed, {"text": "89.715.000", "line": 1}) is None
    assert cell_problem(seed, {"text": "89.715.001", "line": 1}) is not None
    assert cell_problem(["4", ".4", "8", "9"], {"text": "4.489", "line": 1, "last_line": 4}) is None
    assert cell_problem(["4", ".4", "8", "8"], {"text": "4.489", "line": 1, "last_line": 4})
