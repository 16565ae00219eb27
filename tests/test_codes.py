"""The registry of codes (formula_engine/codes.py) against the source and the docs.

The source is scanned for quoted code literals ("E123", 'W320'); the docs' tables of codes
(a header whose first cell is `Code` and that has a `Stage` column) are parsed row by row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

import pytest

import formula_engine
from formula_engine.codes import CODES, Stage

PACKAGE = Path(formula_engine.__file__).parent
REGISTRY = PACKAGE / "codes.py"
DOCS = Path(__file__).parent.parent / "docs"
DOCUMENTED_IN = (
    "formula-language.md",
    "engine.md",
    "catalog.md",
    "service.md",
    "planners-excel.md",
    "web.md",
)
STAGES = frozenset(get_args(Stage))

LITERAL = re.compile(r"""["']([EW]\d{3})["']""")
CODE = re.compile(r"[EW]\d{3}")
RANGE = re.compile(r"([EW])(\d{3})-([EW])(\d{3})")


def literals(text: str) -> set[str]:
    """The code literals of a Python source text."""
    return set(LITERAL.findall(text))


def source_codes() -> dict[str, list[str]]:
    """Each code literal of the package (not the registry itself) and the files using it."""
    found: dict[str, list[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == REGISTRY:
            continue
        for code in literals(path.read_text(encoding="utf-8")):
            found.setdefault(code, []).append(str(path.relative_to(PACKAGE)))
    return found


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _codes_of(cell: str, known: set[str]) -> list[str] | None:
    """The codes a first cell names (`E102 / E103`, `W320-W323`), or None for a summary
    such as `E1xx-E3xx`."""
    codes: list[str] = []
    for part in (p.strip() for p in cell.split("/")):
        if CODE.fullmatch(part):
            codes.append(part)
        elif bounds := RANGE.fullmatch(part):
            letter, low, other, high = bounds.groups()
            assert letter == other and f"{letter}{low}" in known and f"{letter}{high}" in known
            codes += sorted(c for c in known if c[0] == letter and low <= c[1:] <= high)
        else:
            return None
    return codes


def documented(text: str, known: set[str]) -> list[tuple[int, list[str] | None, list[str]]]:
    """(line number, codes or None, stages) of every row of every table of codes."""
    rows: list[tuple[int, list[str] | None, list[str]]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        header = _cells(line)
        if not line.startswith("|") or header[0] != "Code":
            continue
        assert "Stage" in header, f"line {number + 1}: a table of codes without a Stage column"
        stage_at = header.index("Stage")
        for offset, row in enumerate(lines[number + 2 :], start=number + 3):
            if not row.startswith("|"):
                break
            cells = _cells(row)
            stages = [s.strip() for s in cells[stage_at].split("/")]
            rows.append((offset, _codes_of(cells[0], known), stages))
    return rows


def doc_rows() -> list[tuple[str, list[str] | None, list[str]]]:
    rows = []
    for name in DOCUMENTED_IN:
        text = (DOCS / name).read_text(encoding="utf-8")
        for line, codes, stages in documented(text, set(CODES)):
            rows.append((f"{name}:{line}", codes, stages))
    return rows


def test_every_code_of_the_source_is_registered() -> None:
    unregistered = {c: files for c, files in source_codes().items() if c not in CODES}
    assert unregistered == {}


def test_every_registered_code_is_in_the_source() -> None:
    assert sorted(set(CODES) - set(source_codes())) == []


def test_each_entry_is_a_stage_and_one_line() -> None:
    for code, (stage, meaning) in CODES.items():
        assert CODE.fullmatch(code), code
        assert stage in STAGES, code
        assert meaning.strip() and "\n" not in meaning and len(meaning) <= 80, code


# The numbering scheme of docs/engine.md: the hundreds give the stage.
NUMBERING = {"0": "any", "1": "parse", "2": "resolve", "3": "check", "4": "evaluate"}
NUMBERING |= {"5": "catalog", "6": "output", "7": "service", "8": "import"}


def test_the_hundreds_give_the_stage() -> None:
    for code, entry in CODES.items():
        expected = "write" if code == "E560" else NUMBERING[code[1]]
        assert entry.stage == expected, code


@pytest.mark.parametrize(("where", "codes", "stages"), doc_rows(), ids=lambda v: str(v))
def test_a_documented_row_agrees_with_the_registry(
    where: str, codes: list[str] | None, stages: list[str]
) -> None:
    assert set(stages) <= STAGES, where
    if codes is None:  # a summary row (E1xx-E3xx): no code of its own
        return
    assert codes, where
    assert len(stages) == 1, f"{where}: a row of codes names one stage"
    for code in codes:
        assert code in CODES, f"{where}: {code} is not in formula_engine/codes.py"
        assert CODES[code].stage == stages[0], f"{where}: {code}"


def test_every_registered_code_is_documented() -> None:
    named = {code for _, codes, _ in doc_rows() for code in codes or ()}
    assert sorted(set(CODES) - named) == []


def test_there_are_tables_of_codes_in_each_doc() -> None:
    places = {where.split(":")[0] for where, _, _ in doc_rows()}
    assert places == set(DOCUMENTED_IN)


# The scanners themselves can fail: they see what they must and no more.
def test_literals_finds_quoted_codes_only() -> None:
    text = 'code="E999"\nX = \'W998\'\n# E997 in a comment\nmessage = "see E996 there"\n'
    assert literals(text) == {"E999", "W998"}


SNIPPET = """\
| Code | Stage | Meaning |
|---|---|---|
| E100 / E101 | parse | two codes |
| W320-W323 | check | a range |
| E1xx-E3xx | parse / check | a summary |

| Code | Meaning |
"""


def test_documented_reads_rows_ranges_and_summaries() -> None:
    known = {"E100", "E101", "W320", "W321", "W323", "W330"}
    with pytest.raises(AssertionError, match="without a Stage column"):
        documented(SNIPPET, known)
    rows = documented(SNIPPET.rsplit("\n\n", 1)[0], known)
    assert rows == [
        (3, ["E100", "E101"], ["parse"]),
        (4, ["W320", "W321", "W323"], ["check"]),
        (5, None, ["parse", "check"]),
    ]
