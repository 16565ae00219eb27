"""Diagnostics: one error base class, one subclass per stage, and their rendering.

Inner stages raise with a span (character offsets into the formula text) and know
nothing of files. The boundary (CLI, catalog loader) attaches the source text and where
it came from, then renders:

    catalog/program.yaml:12:9: error[E104]: missing operand after '/'
      jumlah_ppks / x 100%
                    ^
      hint: write the denominator between '/' and 'x'

Errors carry plain data (code, message, span, hint, source, where) so they pickle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open range [start, end) of character offsets into the formula text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"invalid span {self.start}..{self.end}")

    def cover(self, other: Span) -> Span:
        return Span(min(self.start, other.start), max(self.end, other.end))


@dataclass(frozen=True, slots=True)
class Location:
    """Where a formula text sits: a file (or '<formula>'), an entry, and the line and
    column of the formula's first character in that file (1-based)."""

    where: str = "<formula>"
    entry: str | None = None
    line: int = 1
    column: int = 1


class FormulaError(Exception):
    """Base of every error the engine raises on bad input."""

    code = "E000"
    stage = "formula"

    def __init__(
        self,
        message: str,
        span: Span | None = None,
        *,
        hint: str | None = None,
        code: str | None = None,
        source: str | None = None,
        location: Location | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint
        if code is not None:
            self.code = code
        self.source = source
        self.location = location or Location()

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_error, (type(self), self.__dict__.copy()))

    def with_source(self, source: str, location: Location | None = None) -> FormulaError:
        """Attach the formula text (and where it came from) for rendering."""
        self.source = source
        if location is not None:
            self.location = location
        return self

    def render(self) -> str:
        return render_diagnostic(self, "error")

    def __str__(self) -> str:
        return self.render() if self.source is not None else self.message


def _rebuild_error(cls: type[FormulaError], state: dict[str, object]) -> FormulaError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


class ParseError(FormulaError, ValueError):
    """The text is not a formula of the language (stage: parse)."""

    code = "E100"
    stage = "parse"


class LimitError(ParseError):
    """The text exceeds a bound of the language (length, depth, literal size)."""

    code = "E120"


class ResolveError(FormulaError, LookupError):
    """A name does not resolve to a declared input or indicator (stage: resolve)."""

    code = "E200"
    stage = "resolve"


class CheckError(FormulaError, TypeError):
    """A formula is ill-formed for its declarations: units, types (stage: check)."""

    code = "E300"
    stage = "check"


class EvaluationError(FormulaError, ArithmeticError):
    """A formula cannot be evaluated with the given values (stage: evaluate)."""

    code = "E400"
    stage = "evaluate"


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return line, column


def _printable(line: str) -> str:
    # Control characters would garble the terminal and shift the caret: show them as '?'.
    return "".join(ch if ch.isprintable() or ch == "\t" else "?" for ch in line)


def render_diagnostic(error: FormulaError, severity: str) -> str:
    """`where:line:col: severity[CODE]: message`, the source line, a caret, the hint."""
    loc = error.location
    source = error.source or ""
    offset = error.span.start if error.span else 0
    line, column = line_and_column(source, offset) if source else (1, 1)
    file_line = loc.line + line - 1
    file_column = (loc.column + column - 1) if line == 1 else column
    entry = f"{loc.entry}: " if loc.entry else ""
    head = (
        f"{loc.where}:{file_line}:{file_column}: {severity}[{error.code}]: {entry}{error.message}"
    )
    parts = [head]
    if source:
        text_line = source.splitlines()[line - 1] if source.splitlines() else ""
        excerpt, caret_at = _excerpt(_printable(text_line), column - 1)
        width = 1
        if error.span is not None:
            width = max(1, min(error.span.end, offset + len(text_line) - column + 1) - offset)
        width = min(width, max(1, len(excerpt) - caret_at))
        parts.append(f"  {excerpt}")
        parts.append("  " + " " * caret_at + "^" * width)
    if error.hint:
        parts.append(f"  hint: {error.hint}")
    return "\n".join(parts)


_EXCERPT_WIDTH = 100


def _excerpt(line: str, caret: int) -> tuple[str, int]:
    """Cut a long line to a window around the caret, so a 1 MB formula stays readable."""
    if len(line) <= _EXCERPT_WIDTH:
        return line, caret
    start = max(0, min(caret - _EXCERPT_WIDTH // 2, len(line) - _EXCERPT_WIDTH))
    window = line[start : start + _EXCERPT_WIDTH]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + _EXCERPT_WIDTH < len(line) else ""
    return prefix + window + suffix, caret - start + len(prefix)


@dataclass(frozen=True)
class Diagnostic:
    """An error or a warning about one formula or entry, ready to render."""

    severity: str  # "error" or "warning"
    error: FormulaError

    @property
    def code(self) -> str:
        return self.error.code

    def render(self) -> str:
        return render_diagnostic(self.error, self.severity)
