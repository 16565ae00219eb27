"""Reading YAML files with positions, so every diagnostic can name file, line and column.

ruamel.yaml's round-trip loader keeps the line and column of every key and value (and
the comments, which matter when the tool writes files back). Codes and ids stay strings:
nothing here converts types; the pydantic models decide what is valid.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from .errors import Diagnostic, FormulaError, Location, Span, line_and_column
from .i18n import N_, Msg, msg
from .marks import BLOCK, QUOTED, Marks
from .names import snake_case
from .reading import SourceText, read_source

if TYPE_CHECKING:  # ruamel.yaml is imported where a text is parsed (not for a cached load)
    from ruamel.yaml.error import MarkedYAMLError

Path_ = tuple[str | int, ...]


class LoadError(FormulaError, ValueError):
    """A file that is not valid YAML, or not the expected shape (stage: load)."""

    code = "E500"
    stage = "load"


@dataclass
class YamlFile:
    """A parsed YAML file: its text, its data, and where each value stands (`marks`,
    read from the parse, or `encoded_marks` as stored in the catalog cache)."""

    path: Path
    text: str
    data: Any
    encoded_marks: str | None = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def marks(self) -> Marks:
        if self.encoded_marks is not None:
            try:
                return Marks.decode(self.encoded_marks)
            except (ValueError, TypeError):  # a damaged table: the text is the authority
                from ruamel.yaml import YAML

                return Marks.of(YAML(typ="rt").load(self.text))
        return Marks.of(self.data)

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of the value at `path`, or of the nearest parent."""
        return self.marks.position(path)

    def key_position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of the key that holds the value at `path`."""
        return self.marks.keys.get(path) or self.position(path)

    def text_location(self, path: Path_, entry: str | None) -> Location:
        """Where the text of a string value begins (inside quotes, or a block scalar)."""
        line, column = self.position(path)
        style = self.marks.styles.get(path, "")
        opening = self.line_text(line)[column - 1 : column]
        if opening in ("'", '"') or style == QUOTED:
            column += 1
        elif style == BLOCK:
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
    """The width of the value starting at `start`: a quoted text to its closing quote, a
    plain one to the end of the line, the comment, or the next item of a flow mapping."""
    rest = line[start:]
    if rest[:1] in ("'", '"'):
        closing = rest.find(rest[0], 1)
        return closing + 1 if closing > 0 else max(1, len(rest.rstrip()))
    ends = [i for i in (rest.find(" #"), rest.find(", "), rest.find("}"), rest.find("]")) if i > 0]
    return max(1, len(rest[: min(ends)].rstrip()) if ends else len(rest.rstrip()))


def load_yaml(path: Path) -> YamlFile:
    """Parse a YAML file with positions; a located LoadError (or ReadError) if it is not
    UTF-8 text within the size limit, or not valid YAML."""
    return parse_yaml(read_source(path))


def parse_yaml(source: SourceText) -> YamlFile:
    """Parse the text of a file already read (a located LoadError if it is not YAML)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    path, text = source.path, source.text
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(text)
    except MarkedYAMLError as error:
        raise _located_yaml_error(path, text, error) from None
    except ReaderError as error:
        line, column = line_and_column(text, error.position)
        raise _yaml_error(
            path,
            text,
            (line, column),
            msg("the character {code} is not allowed in YAML", code=f"U+{error.character:04X}"),
            msg("remove it; a catalog file is plain text"),
        ) from None
    except YAMLError as error:
        invalid = msg("not valid YAML: {problem}", problem=error)
        raise _yaml_error(path, text, (1, 1), invalid, None) from None
    return YamlFile(path, text, data)


# Named messages for the commonest YAML mistakes: (ruamel's problem, message, hint).
YAML_MISTAKES: tuple[tuple[str, str, str], ...] = (
    (
        "found character '\\t'",
        N_("a tab character: YAML indents with spaces only"),
        N_("replace the tab with spaces"),
    ),
    (
        "found duplicate key",
        N_("a key given twice in the same entry"),
        N_("keep one of the two lines (each key appears once per entry)"),
    ),
    ("could not find expected ':'", N_("a key without ':'"), N_("write `key: value`")),
)


def _located_yaml_error(path: Path, text: str, error: MarkedYAMLError) -> LoadError:
    lines = text.splitlines() or [""]
    problem = str(error.problem or error.context).strip()
    problem_line = error.problem_mark.line if error.problem_mark else 0
    unclosed = _unclosed_quote(lines, problem_line)
    if unclosed is not None and _closing_it_helps(lines, unclosed, problem_line):
        hint = msg("end the text with the same quote on this line")
        return _yaml_error(path, text, unclosed, msg("a quoted text is not closed"), hint)
    mark = error.problem_mark or error.context_mark
    at_end = mark is not None and mark.line >= len(lines)
    if error.context_mark is not None and (at_end or problem.startswith("could not find")):
        mark = error.context_mark  # show where the key (or the text) began
    line = min(mark.line + 1, len(lines)) if mark else 1
    column = min(mark.column + 1, len(lines[line - 1]) + 1) if mark else 1
    message = msg("not valid YAML: {problem}", problem=problem)
    hint = msg("check the indentation and quoting on this line")
    for found, named, named_hint in YAML_MISTAKES:
        if problem.startswith(found):  # ruamel's own words in brackets
            message = msg("{named} ({problem})", named=msg(named), problem=problem)
            hint = msg(named_hint)
    return _yaml_error(path, text, (line, column), message, hint)


def _yaml_error(
    path: Path, text: str, at: tuple[int, int], message: str, hint: str | None
) -> LoadError:
    line, column = at
    source = text.splitlines()[line - 1] if text.splitlines() else ""
    failure = LoadError(message, Span(column - 1, column), code="E500", hint=hint)
    failure.with_source(source, Location(str(path), None, line, 1))
    return failure


def _unclosed_quote(lines: list[str], problem_line: int) -> tuple[int, int] | None:
    """(line, column) of a quote opened and not closed on its own line, at or just before
    the line where YAML found a problem: an unclosed quote shows up lines later."""
    for index in range(min(problem_line, len(lines) - 1), max(-1, problem_line - 20), -1):
        opened = _open_quote(lines[index])
        if opened is not None:
            return index + 1, opened + 1
    return None


def _closing_it_helps(lines: list[str], at: tuple[int, int], problem_line: int) -> bool:
    """Whether closing the quote at `at` on its line removes the problem (or moves it
    later): then the quote is the mistake, not a text that spans lines on purpose."""
    line, column = at
    from ruamel.yaml import YAML
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    fixed = [*lines[: line - 1], lines[line - 1] + lines[line - 1][column - 1], *lines[line:]]
    try:
        YAML(typ="rt").load("\n".join(fixed))
    except MarkedYAMLError as still:
        return still.problem_mark is not None and still.problem_mark.line > problem_line
    except YAMLError:
        return False
    return True


def _open_quote(line: str) -> int | None:
    """The column of a quote left open at the end of `line` (None if all are closed)."""
    quote, start, index = "", 0, 0
    while index < len(line):
        char = line[index]
        if not quote and char == "#" and (index == 0 or line[index - 1] in " \t"):
            break
        if not quote and char in "\"'" and (index == 0 or line[index - 1] in " \t:[{,-"):
            quote, start = char, index
        elif quote == '"' and char == "\\":
            index += 1
        elif quote and char == quote:
            if quote == "'" and line[index + 1 : index + 2] == "'":
                index += 1
            else:
                quote = ""
        index += 1
    return start if quote else None


# Schema errors (pydantic) -> located diagnostics.

WHOLE_NUMBER_ERRORS = frozenset({"int_type", "int_parsing", "int_from_float"})


def schema_diagnostics(
    source: YamlFile, invalid: ValidationError, model: type[BaseModel] | None = None
) -> list[Diagnostic]:
    """One located error per problem pydantic found in the file (validated as `model`,
    whose keys an unknown key is compared with)."""
    keys = known_keys(model) if model is not None else ()
    return [_schema_error(source, detail, keys) for detail in invalid.errors()]


@functools.cache
def known_keys(model: type[BaseModel]) -> tuple[str, ...]:
    """Every key of `model` and of the entries nested in it."""
    schema = model.model_json_schema()
    entries = [schema, *schema.get("$defs", {}).values()]
    return tuple(sorted({key for entry in entries for key in entry.get("properties", {})}))


def _schema_error(source: YamlFile, detail: Any, keys: tuple[str, ...]) -> Diagnostic:
    path = tuple(detail["loc"])
    entry = entry_name(source, path)
    if detail["type"] == "extra_forbidden":
        close = difflib.get_close_matches(str(path[-1]), keys, n=1)
        error = LoadError(
            msg("unknown key {key}", key=repr(path[-1])),
            code="E502",
            hint=msg("did you mean {names}?", names=repr(close[0]))
            if close
            else msg("check the spelling; see docs/catalog.md for the keys"),
        )
        return Diagnostic("error", source.error_at(path, error, entry, key=True))
    if detail["type"] == "missing":
        error = LoadError(msg("missing required key {key}", key=repr(path[-1])), code="E503")
        return Diagnostic("error", source.error_at(path[:-1], error, entry))
    code = "E504" if _is_number_for_text(detail) else "E501"
    error = LoadError(_schema_message(source, path, detail), code=code, hint=_schema_hint(detail))
    return Diagnostic("error", source.error_at(path, error, entry))


def _is_number_for_text(detail: Any) -> bool:
    return detail["type"] == "string_type" and isinstance(detail["input"], int | float)


def validation_message(detail: Any) -> str:
    """Pydantic's message of one problem (`ValidationError.errors()`) as a `msg` of the
    message catalog when it is one of the kinds a catalog file or a web form meets (the
    English text is pydantic's own, unchanged), else pydantic's text as it is."""
    ctx = detail.get("ctx") or {}
    kind = detail.get("type")
    found: Msg | None = None
    if kind in _PYDANTIC_MESSAGES and all(key in ctx for key in _PYDANTIC_KEYS.get(kind, ())):
        found = msg(_PYDANTIC_MESSAGES[kind], **{k: ctx[k] for k in _PYDANTIC_KEYS.get(kind, ())})
    elif kind in _LENGTHS and _LENGTHS[kind][0] in ctx:
        bound, one, many = _LENGTHS[kind]
        count = ctx[bound]
        found = msg(one if count == 1 else many, count=count)
    elif kind == "literal_error" and "expected" in ctx:
        first, _, last = str(ctx["expected"]).rpartition(" or ")
        expected = msg("{first} or {last}", first=first, last=last) if first else last
        found = msg("Input should be {expected}", expected=expected)
    elif kind == "value_error" and "error" in ctx:
        reason = ctx["error"].args[0] if getattr(ctx["error"], "args", None) else ctx["error"]
        found = msg("Value error, {error}", error=_CALENDAR.get(str(reason), reason))
    if found is not None and str(found) == detail.get("msg"):
        return found
    return str(detail.get("msg", ""))


# Pydantic's messages (pydantic_core's templates, the English kept as it is) of the
# problems a catalog file or a form meets; validation_message checks that each gives
# pydantic's text, else it keeps pydantic's.
_PYDANTIC_MESSAGES = {
    "missing": N_("Field required"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "greater_than": N_("Input should be greater than {gt}"),
    "less_than": N_("Input should be less than {lt}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
    "string_type": N_("Input should be a valid string"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
}
_PYDANTIC_KEYS = {
    "greater_than_equal": ("ge",),
    "less_than_equal": ("le",),
    "greater_than": ("gt",),
    "less_than": ("lt",),
    "string_pattern_mismatch": ("pattern",),
}
# The length problems: the bound of ctx, pydantic's message for 1 and for more.
_LENGTHS = {
    "string_too_short": (
        "min_length",
        N_("String should have at least {count} character"),
        N_("String should have at least {count} characters"),
    ),
    "string_too_long": (
        "max_length",
        N_("String should have at most {count} character"),
        N_("String should have at most {count} characters"),
    ),
}
# What datetime.date.fromisoformat says of a date the calendar does not have.
_CALENDAR = {
    "day is out of range for month": msg("day is out of range for month"),
    "month must be in 1..12": msg("month must be in 1..12"),
    "year 0 is out of range": msg("year 0 is out of range"),
}


def _schema_message(source: YamlFile, path: tuple[Any, ...], detail: Any) -> str:
    field = str(path[-1]) if path else "value"
    if detail["type"] == "string_pattern_mismatch" and field in ("id", "part_of"):
        return msg(
            "{field} {value} is not a snake_case id", field=field, value=repr(detail["input"])
        )
    if detail["type"] == "string_pattern_mismatch" and field == "code":
        return msg("code {value} is not a code of digits and dots", value=repr(detail["input"]))
    if _is_number_for_text(detail):
        line, column = source.position(path)
        written = source.line_text(line)[column - 1 :].split(" #")[0].strip()
        return msg(
            "{field} {written} is read by YAML as the number {number}, not as text",
            field=field,
            written=written,
            number=repr(detail["input"]),
        )
    if detail["type"] == "string_type":
        return msg(
            "{field} must be text, got {type}", field=field, type=type(detail["input"]).__name__
        )
    if detail["type"] in WHOLE_NUMBER_ERRORS:
        line, column = source.position(path)
        written = source.line_text(line)[column - 1 :][
            : _token_width(source.line_text(line), column - 1)
        ]
        return msg("{field} must be a whole number, got {written}", field=field, written=written)
    problem: object = validation_message(detail)
    if isinstance(problem, Msg) and problem.template == "Value error, {error}":
        problem = problem.params["error"]  # the validator's own sentence
    elif not isinstance(problem, Msg):
        problem = str(problem).removeprefix("Value error, ")
    return msg("{field}: {problem}", field=field, problem=problem)


def _schema_hint(detail: Any) -> str | None:
    if detail["type"] == "string_pattern_mismatch":
        suggestion = snake_case(str(detail["input"]))
        if suggestion:
            return msg("write {suggestion}", suggestion=repr(suggestion))
        return msg("use lowercase letters, digits and '_'")
    if detail["type"] == "string_type":
        return msg('quote the value so that YAML reads it as text: "..."')
    if detail["type"] in WHOLE_NUMBER_ERRORS:
        return msg("write the digits only, without '.' or ',' (a year: 2024; a seed line: 11212)")
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
