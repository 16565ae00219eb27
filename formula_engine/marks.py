"""Where every value of a YAML file stands, as a table: path of keys -> line and column.

`Marks.of(tree)` reads the positions ruamel.yaml recorded in a round-trip tree (its `lc`
attributes) into three plain tables: the 1-based line and column of each value, of each
mapping key, and the style of each text that is quoted or a block scalar. The loader's
diagnostics read only this table, so a catalog read back from the cache (which stores
the table as JSON, `encode` / `decode`) is located exactly as a freshly parsed one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

Key = str | int
KeyPath = tuple[Key, ...]
Mark = tuple[int, int]

QUOTED, BLOCK = "quoted", "block"


@dataclass
class Marks:
    values: dict[KeyPath, Mark] = field(default_factory=dict)
    keys: dict[KeyPath, Mark] = field(default_factory=dict)
    styles: dict[KeyPath, str] = field(default_factory=dict)

    @classmethod
    def of(cls, tree: Any) -> Marks:
        """The marks of a ruamel round-trip tree (none for plain data); iterative, so a
        deeply nested file cannot exhaust the stack."""
        marks = cls()
        stack: list[tuple[KeyPath, Any]] = [((), tree)]
        while stack:
            path, node = stack.pop()
            if isinstance(node, CommentedMap):
                for key, child in node.items():
                    here = (*path, key)
                    marks.keys[here] = _one_based(node.lc.key(key))
                    marks._add(here, _one_based(node.lc.value(key)), child, stack)
            elif isinstance(node, CommentedSeq):
                for index, child in enumerate(node):
                    marks._add((*path, index), _one_based(node.lc.item(index)), child, stack)
        return marks

    def _add(self, path: KeyPath, mark: Mark, child: Any, stack: list[tuple[KeyPath, Any]]) -> None:
        self.values[path] = mark
        style = _style(child)
        if style:
            self.styles[path] = style
        stack.append((path, child))

    def position(self, path: KeyPath) -> Mark:
        """The value at `path`, or of the nearest parent that has one; else (1, 1)."""
        for end in range(len(path), 0, -1):
            mark = self.values.get(path[:end])
            if mark is not None:
                return mark
        return (1, 1)

    def encode(self) -> str:
        """The table as JSON: one row [path, line, column, key line, key column, style]."""
        rows = [
            [list(path), *mark, *self.keys.get(path, (0, 0)), self.styles.get(path, "")]
            for path, mark in self.values.items()
        ]
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def decode(cls, text: str) -> Marks:
        """The table `encode` wrote; a ValueError if `text` is not such a table."""
        marks = cls()
        for path_list, line, column, key_line, key_column, style in json.loads(text):
            numbers = (line, column, key_line, key_column)
            if not all(type(n) is int for n in numbers) or not isinstance(style, str):
                raise ValueError("not a positions table")
            path = tuple(path_list)
            marks.values[path] = (line, column)
            if key_line:
                marks.keys[path] = (key_line, key_column)
            if style:
                marks.styles[path] = style
        return marks


def _one_based(mark: Any) -> Mark:
    line, column = mark
    return int(line) + 1, int(column) + 1


def _style(value: Any) -> str:
    if isinstance(value, DoubleQuotedScalarString | SingleQuotedScalarString):
        return QUOTED
    if isinstance(value, LiteralScalarString | FoldedScalarString):
        return BLOCK
    return ""
