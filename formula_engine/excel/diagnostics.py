"""A problem at a cell of a workbook or a CSV file, and its rendering.

`f.xlsx!Realisasi!G17: error[E804]: ...` (a workbook: file, sheet, cell) or
`f.csv:17:7: error[E804]: ...` (a CSV file: line and column, both from 1). The cell's
text, when it has one, is shown with a caret under it; then what was expected and a hint.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CellProblem:
    where: str  # "f.xlsx!Realisasi!G17" or "f.csv:17:7", or the file alone
    code: str
    message: str
    expected: str | None = None
    hint: str | None = None
    text: str | None = None  # the cell's text, shown with a caret under it
    span: tuple[int, int] | None = None  # the caret under text[start:end] only (a formula)

    def render(self) -> str:
        lines = [f"{self.where}: error[{self.code}]: {self.message}"]
        if self.text:
            shown = self.text.replace("\n", " ")[:100]
            start, end = self.span if self.span else (0, len(shown))
            start = min(start, len(shown))
            caret = " " * start + "^" * max(1, min(end, len(shown)) - start)
            lines += [f"  | {shown}", "  | " + caret]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.hint:
            lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)


class ImportRejected(Exception):
    """A file with problems: nothing was imported. `problems` are all of them."""

    def __init__(self, problems: list[CellProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s): nothing imported")
        self.problems = problems
