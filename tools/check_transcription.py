"""Check a transcription file against the seed: every cell stands at the lines it cites.

Usage: python tools/check_transcription.py SEED FILE.yaml [FILE.yaml ...]

A cell {text, line, last_line?} holds when
- its text has no spaces and spans several lines (a number or code printed in pieces):
  the cited lines, stripped and concatenated, contain the text; or
- otherwise: the words of the text appear, in order, in the cited lines, the first word
  on `line` and the last on `last_line`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml


def iter_cells(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "text" in node and "line" in node:
            yield path, node
            return
        if "text" in node and "parts" in node:  # a cell interrupted by a page header
            yield from iter_cells(node["parts"], f"{path}.parts")
            return
        for key, value in node.items():
            yield from iter_cells(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from iter_cells(value, f"{path}[{index}]")


def cell_problem(seed: list[str], cell: dict[str, Any]) -> str | None:
    text, first = str(cell["text"]), int(cell["line"])
    last = int(cell.get("last_line") or first)
    if not (1 <= first <= last <= len(seed)) or last - first > 150:
        return f"bad line range {first}-{last}"
    lines = seed[first - 1 : last]
    if " " not in text.strip() and last > first:
        joined = "".join(line.strip() for line in lines)
        return None if text.strip() in joined else f"{text!r} not in {joined[:120]!r}"
    words = text.split()
    if not words:
        return "empty text"
    if words[0] not in lines[0] or words[-1] not in lines[-1]:
        return (
            f"first word {words[0]!r} not on line {first} "
            f"or last word {words[-1]!r} not on line {last}"
        )
    haystack = " ".join(lines)
    position = 0
    for word in words:
        found = haystack.find(word, position)
        if found < 0:
            return f"word {word!r} of {text!r} not found in order in lines {first}-{last}"
        position = found + len(word)
    return None


def main(argv: list[str]) -> int:
    seed = Path(argv[1]).read_text(encoding="utf-8").splitlines()
    failures = 0
    for name in argv[2:]:
        data = yaml.safe_load(Path(name).read_text(encoding="utf-8"))
        count = 0
        for path, cell in iter_cells(data):
            count += 1
            problem = cell_problem(seed, cell)
            if problem:
                failures += 1
                print(f"{name}:{path}: {problem}")
        print(f"{name}: {count} cells checked")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
