"""The corpus: every calculation formula printed in the seed, stated in our language.

tests/corpus/seed_formulas.txt holds, for each distinct printed formula, a comment citing
the table and seed line with the printed text, then our formula in canonical form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from formula_engine import parse, to_text

CORPUS = Path(__file__).parent / "corpus" / "seed_formulas.txt"
CITATION = re.compile(r"# Tabel (?P<table>[\d.]+), line (?P<line>\d+)(?: \([^)]*\))?: (?P<text>.+)")


@dataclass(frozen=True)
class Entry:
    table: str
    line: int
    printed: str
    formula: str


def load_corpus() -> list[Entry]:
    entries, citation = [], None
    for raw in CORPUS.read_text(encoding="utf-8").splitlines():
        match = CITATION.fullmatch(raw)
        if match:
            citation = match
        elif raw and not raw.startswith("#"):
            assert citation is not None, f"formula without a citation: {raw}"
            text = citation["text"].removesuffix(" (definition follows in the cell)")
            entries.append(Entry(citation["table"], int(citation["line"]), text, raw))
            citation = None
    return entries


ENTRIES = load_corpus()


def test_corpus_covers_every_formula_table() -> None:
    # Tables 7.1, 7.2 and 7.5 print no formula column.
    assert {e.table for e in ENTRIES} == {"4.1", "4.2", "6.1", "6.2", "6.3", "7.3", "7.4"}
    assert len(ENTRIES) == 202


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.table}:{e.line}")
def test_formula_parses_and_is_canonical(entry: Entry) -> None:
    assert to_text(parse(entry.formula)) == entry.formula


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"{e.table}:{e.line}")
def test_printed_text_stands_at_the_cited_seed_line(entry: Entry, seed_lines: list[str]) -> None:
    words = entry.printed.split()
    assert words[0] in seed_lines[entry.line - 1], f"{words[0]!r} not on line {entry.line}"
    # The rest follows in order within the next lines (cells are split by the PDF).
    window = " ".join(seed_lines[entry.line - 1 : entry.line + 120])
    position = 0
    for word in words:
        found = window.find(word, position)
        assert found >= 0, f"{word!r} of the printed formula not found after line {entry.line}"
        position = found + len(word)
