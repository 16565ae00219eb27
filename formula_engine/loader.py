"""Reading YAML files with positions, so every diagnostic can name file, line and column.

ruamel.yaml's round-trip loader keeps the line and column of every key and value (and
the comments, which matter when the tool writes files back). Codes and ids stay strings:
nothing here converts types; the pydantic models decide what is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from .errors import Diagnostic, FormulaError, Location, Span
from .parser import snake_case

Path_ = tuple[str | int, ...]


class LoadError(FormulaError, ValueError):
    """A file that is not valid YAML, or not the expected shape (stage: load)."""

    code = "E500"
    stage = "load"


@dataclass
class YamlFile:
    path: Path
    text: str
    data: Any

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of the value at `path`, or of the nearest parent."""
        node, best = self.data, (1, 1)
        for key in path:
            try:
                if isinstance(node, CommentedMap) and key in node:
                    line, column = node.lc.value(key)
                    best, node = (line + 1, column + 1), node[key]
                elif isinstance(node, CommentedSeq) and isinstance(key, int) and key < len(node):
                    line, column = node.lc.item(key)
                    best, node = (line + 1, column + 1), node[key]
                else:
                    break
            except (KeyError, IndexError, TypeError, AttributeError):
                break
        return best

    def key_position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of the key that holds the value at `path`."""
        parent = self.value_at(path[:-1])
        if isinstance(parent, CommentedMap) and path and path[-1] in parent:
            line, column = parent.lc.key(path[-1])
            return line + 1, column + 1
        return self.position(path)

    def value_at(self, path: Path_) -> Any:
        node = self.data
        for key in path:
            node = node[key]
        return node

    def text_location(self, path: Path_, entry: str | None) -> Location:
        """Where the text of a string value begins (inside quotes, or a block scalar)."""
        line, column = self.position(path)
        value = self.value_at(path)
        if isinstance(value, DoubleQuotedScalarString | SingleQuotedScalarString):
            column += 1
        elif isinstance(value, LiteralScalarString | FoldedScalarString):
            line += 1
            column = len(self.line_text(line)) - len(self.line_text(line).lstrip()) + 1
        return Location(str(self.path), entry, line, column)

    def error_at(
        self, path: Path_, error: FormulaError, entry: str | None, key: bool = False
    ) -> FormulaError:
        """Attach the file line of `path` as the error's source, with a caret under it."""
        line, column = self.key_position(path) if key else self.position(path)
        source = self.line_text(line)
        width = len(str(path[-1])) if key and path else _token_width(source, column - 1)
        error.span = Span(column - 1, column - 1 + width)
        return error.with_source(source, Location(str(self.path), entry, line, 1))


def _token_width(line: str, start: int) -> int:
    rest = line[start:]
    stripped = rest.split(" #")[0].rstrip()
    return max(1, len(stripped))


def load_yaml(path: Path) -> YamlFile:
    """Parse a YAML file with positions; LoadError (located) if it is not valid YAML."""
    text = path.read_text(encoding="utf-8")
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as error:
        raise _located_yaml_error(path, text, error) from None
    except YAMLError as error:
        failure = LoadError(f"not valid YAML: {error}", Span(0, 1), code="E500")
        raise failure.with_source(
            text.splitlines()[0] if text else "", Location(str(path))
        ) from None
    return YamlFile(path, text, data)


def _located_yaml_error(path: Path, text: str, error: MarkedYAMLError) -> LoadError:
    lines = text.splitlines() or [""]
    mark = error.problem_mark or error.context_mark
    if mark is not None and mark.line >= len(lines) and error.context_mark is not None:
        mark = error.context_mark  # the problem is at the end: show where it began
    line = min(mark.line + 1, len(lines)) if mark else 1
    column = min(mark.column + 1, len(lines[line - 1]) + 1) if mark else 1
    problem = str(error.problem or error.context).strip()
    failure = LoadError(
        f"not valid YAML: {problem}",
        Span(column - 1, column),
        code="E500",
        hint="check the indentation and quoting on this line",
    )
    failure.with_source(lines[line - 1], Location(str(path), None, line, 1))
    return failure


# Schema errors (pydantic) -> located diagnostics.


def schema_diagnostics(source: YamlFile, invalid: ValidationError) -> list[Diagnostic]:
    """One located error per problem pydantic found in the file."""
    return [_schema_error(source, detail) for detail in invalid.errors()]


def _schema_error(source: YamlFile, detail: Any) -> Diagnostic:
    path = tuple(detail["loc"])
    entry = entry_name(source, path)
    if detail["type"] == "extra_forbidden":
        error = LoadError(
            f"unknown key {path[-1]!r}",
            code="E502",
            hint="check the spelling; see docs/catalog.md for the keys",
        )
        return Diagnostic("error", source.error_at(path, error, entry, key=True))
    if detail["type"] == "missing":
        error = LoadError(f"missing required key {path[-1]!r}", code="E503")
        return Diagnostic("error", source.error_at(path[:-1], error, entry))
    code = "E504" if _is_number_for_text(detail) else "E501"
    error = LoadError(_schema_message(source, path, detail), code=code, hint=_schema_hint(detail))
    return Diagnostic("error", source.error_at(path, error, entry))


def _is_number_for_text(detail: Any) -> bool:
    return detail["type"] == "string_type" and isinstance(detail["input"], int | float)


def _schema_message(source: YamlFile, path: tuple[Any, ...], detail: Any) -> str:
    field = str(path[-1]) if path else "value"
    if detail["type"] == "string_pattern_mismatch" and field in ("id", "part_of"):
        return f"{field} {detail['input']!r} is not a snake_case id"
    if detail["type"] == "string_pattern_mismatch" and field == "code":
        return f"code {detail['input']!r} is not a code of digits and dots"
    if _is_number_for_text(detail):
        line, column = source.position(path)
        written = source.line_text(line)[column - 1 :].split(" #")[0].strip()
        return f"{field} {written} is read by YAML as the number {detail['input']!r}, not as text"
    if detail["type"] == "string_type":
        return f"{field} must be text, got {type(detail['input']).__name__}"
    return f"{field}: {detail['msg'].removeprefix('Value error, ')}"


def _schema_hint(detail: Any) -> str | None:
    if detail["type"] == "string_pattern_mismatch":
        suggestion = snake_case(str(detail["input"]))
        return f"write {suggestion!r}" if suggestion else "use lowercase letters, digits and '_'"
    if detail["type"] == "string_type":
        return 'quote the value so that YAML reads it as text: "..."'
    return None


def entry_name(source: YamlFile, path: tuple[Any, ...]) -> str | None:
    """The id or code of the innermost entry that holds `path`, for messages."""
    node, name = source.data, None
    for key in path:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict):
            label = node.get("id") or node.get("code")
            if isinstance(label, str):
                name = label
    return name
