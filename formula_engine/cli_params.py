"""The command line's parameter types and input limits.

Every option value is checked here, before a command runs: a bad one is a usage error
(exit 2) whose one-line message names the option, the value, what is allowed and a hint.
Files a command reads are read with a bounded read: /dev/zero stops at the limit.

Limits (README, "Exit codes and limits"):
- a year (--year, --first-year, NAME=VALUE@YEAR): 4 ASCII digits from 1900 to 2200, the
  formula language's own range for an absolute year such as [2022];
- --decimals: 0 to 12;
- an input value: ASCII digits in plain notation or p/q (numbers.parse_plain);
- a file of formulas or declarations, and stdin: MAX_FILE_BYTES, UTF-8, read and checked
  by formula_engine.reading (the catalog's reader, with this smaller limit);
- a formula: the language's own limit (syntax_errors.MAX_LENGTH, error E120).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from .errors import CheckError
from .numbers import parse_plain
from .reading import ReadError, SourceText, read_source, source_of
from .units import parse_unit

FIRST_YEAR, LAST_YEAR = 1900, 2200
MAX_DECIMALS = 12
MAX_FILE_BYTES = 1_048_576  # 1 MiB: a formula file of the whole catalog is about 100 kB
MAX_SUBJECT = 300  # characters: the longest indicator name the catalog allows
BASELINE = "awal"


class BoundedInt(click.ParamType[int]):
    """A whole number written in ASCII digits (`pattern`) within [low, high]."""

    name = "integer"

    def __init__(self, what: str, low: int, high: int, pattern: str, hint: str) -> None:
        self.what, self.low, self.high, self.hint = what, low, high, hint
        self.pattern = re.compile(pattern, re.ASCII)

    def check(self, text: str) -> int | None:
        """The number, or None when `text` is not one in range."""
        if not self.pattern.fullmatch(text):
            return None
        number = int(text)
        return number if self.low <= number <= self.high else None

    def problem(self, text: str) -> str:
        return f"{text!r} is not {self.what} from {self.low} to {self.high} (hint: {self.hint})"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        text = str(value)
        number = self.check(text)
        if number is None:
            self.fail(self.problem(text), param, ctx)
        return number


YEAR = BoundedInt("a year", FIRST_YEAR, LAST_YEAR, r"[0-9]{4}", "write 4 digits, e.g. 2022")
DECIMALS = BoundedInt(
    "a number of decimals", 0, MAX_DECIMALS, r"[0-9]{1,2}", "2 for a percentage, 0 for Rupiah"
)


@dataclass(frozen=True)
class GivenValue:
    """One --input NAME=VALUE[@YEAR]; `year` None means the --year."""

    text: str
    name: str
    year: int | str | None
    value: Fraction


class InputValue(click.ParamType["GivenValue"]):
    name = "NAME=VALUE[@YEAR]"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> GivenValue:
        if isinstance(value, GivenValue):
            return value
        text = str(value)
        name, number = _split(text, "=", "NAME=VALUE[@YEAR]", self, param, ctx)
        number, at, when = number.partition("@")
        year: int | str | None = None
        if at:
            year = BASELINE if when == BASELINE else YEAR.check(when)
            if year is None:
                self.fail(f"{text!r}: @{when}: {YEAR.problem(when)} or awal", param, ctx)
        try:
            return GivenValue(text, name, year, parse_plain(number))
        except ValueError as error:
            self.fail(f"{text!r}: {error}", param, ctx)


class UnitOf(click.ParamType[tuple[str, str]]):
    name = "NAME=UNIT"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        text = str(value)
        name, unit = _split(text, "=", "NAME=UNIT", self, param, ctx)
        try:
            parse_unit(unit)
        except CheckError as error:
            hint = f" (hint: {error.hint})" if error.hint else ""
            self.fail(f"{text!r}: {error.message}{hint}", param, ctx)
        return name, unit


def _split(
    text: str,
    separator: str,
    form: str,
    kind: click.ParamType[Any],
    param: click.Parameter | None,
    ctx: click.Context | None,
) -> tuple[str, str]:
    name, found, rest = text.rpartition(separator)
    name = name.strip().strip('"').strip()
    if not found or not name:
        kind.fail(f"{text!r} is not {form} (hint: e.g. jumlah_pmks=1009@2022)", param, ctx)
    return name, rest.strip()


class Subject(click.ParamType[str]):
    """An indicator id or name, or a code: at most MAX_SUBJECT characters."""

    name = "SUBJECT"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if len(text) > MAX_SUBJECT:
            self.fail(
                f"{len(text):,} characters; no id, name or code is longer than {MAX_SUBJECT}",
                param,
                ctx,
            )
        return text


@dataclass(frozen=True)
class Source:
    """The text of a file (or stdin) and the name to show in its diagnostics."""

    where: str
    text: str


class TextFile(click.ParamType[Source]):
    """A UTF-8 file read in full, up to MAX_FILE_BYTES (a bounded read)."""

    name = "file"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Source:
        if isinstance(value, Source):
            return value
        path = _existing(value, False, param, ctx)
        try:
            return Source(str(path), read_text(path).text)
        except UnreadableInput as error:
            self.fail(str(error), param, ctx)


class SourceFile(click.ParamType[SourceText]):
    """A file of at most MAX_FILE_BYTES of UTF-8, read once: the command parses the text
    this gives (a formula file for --declarations)."""

    name = "path"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> SourceText:
        if isinstance(value, SourceText):
            return value
        try:
            return read_text(_existing(value, False, param, ctx))
        except UnreadableInput as error:
            self.fail(str(error), param, ctx)


class LimitedFile(click.ParamType[Path]):
    """A file (or, with dir_okay, a directory) of at most MAX_FILE_BYTES of UTF-8; the
    check reads at most that many bytes, then the loader reads the file again."""

    name = "path"

    def __init__(self, dir_okay: bool = False) -> None:
        self.dir_okay = dir_okay

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        path = _existing(value, self.dir_okay, param, ctx)
        if not path.is_dir():
            try:
                read_text(path)
            except UnreadableInput as error:
                self.fail(str(error), param, ctx)
        return path


class Folder(click.ParamType[Path]):
    """A folder to read (a catalog); whether it holds one is the loader's to say."""

    name = "directory"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Path:
        return _existing(value, True, param, ctx, exists=False, file_okay=False)


def _existing(
    value: Any,
    dir_okay: bool,
    param: click.Parameter | None,
    ctx: click.Context | None,
    exists: bool = True,
    file_okay: bool = True,
) -> Path:
    if "\x00" in os.fsdecode(value):
        raise click.BadParameter(f"{os.fsdecode(value)!r}: a path has no NUL byte", ctx, param)
    kind = click.Path(exists=exists, dir_okay=dir_okay, file_okay=file_okay)
    return Path(os.fsdecode(kind.convert(value, param, ctx)))


class UnreadableInput(ValueError):
    """A file or stdin that is over the limit, unreadable or not UTF-8 (a usage error)."""


def read_text(path: Path) -> SourceText:
    """The file's text by reading.read_source, within MAX_FILE_BYTES (a FIFO or a socket
    is refused before it could block); UnreadableInput, one line, when it cannot be."""
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise UnreadableInput(f"{str(path)!r} cannot be read: {error.strerror}") from None
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        raise UnreadableInput(f"{str(path)!r} is not a regular file (hint: save it to a file)")
    try:
        return read_source(path, MAX_FILE_BYTES)
    except ReadError as error:
        raise _unreadable(str(path), error) from None


def read_file(path: Path) -> bytes:
    """The file's bytes (its byte order mark too), checked as `read_text` checks them."""
    source = read_text(path)
    return source.encode(source.text)


def read_bounded(where: str, handle: IO[bytes]) -> bytes:
    """At most MAX_FILE_BYTES from `handle`; UnreadableInput (reading stops) when longer."""
    data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _too_long(where)
    return data


def decode(where: str, data: bytes) -> str:
    """The text of bytes already read (reading.source_of: UTF-8, with or without a byte
    order mark; not UTF-16, no NUL byte)."""
    try:
        return source_of(Path(where), data, MAX_FILE_BYTES).text
    except ReadError as error:
        raise _unreadable(where, error) from None


def _too_long(where: str) -> UnreadableInput:
    return UnreadableInput(
        f"{where!r} is longer than {MAX_FILE_BYTES:,} bytes, the limit; reading stopped "
        "there (hint: split the file)"
    )


def _unreadable(where: str, error: ReadError) -> UnreadableInput:
    """A ReadError as one line: the file, what is wrong, where, and the hint."""
    if error.code == "E550":
        return _too_long(where)
    line, span = error.location.line, error.span
    place = f": line {line}, column {span.start + 1}" if line and span else ""
    hint = f" (hint: {error.hint})" if error.hint else ""
    return UnreadableInput(f"{where!r}{place}: {error.message}{hint}")


class FormulaCommand(click.Command):
    """A command whose arguments are formulas. An argument that starts with '-' is a
    formula ("-a + b") unless it is an option of the command; one that starts with '--'
    and looks like one ('--name', '--name=value') must be an option: a misspelt one is a
    usage error with "did you mean". After '--', every argument is a formula."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["context_settings"] = {**kwargs.get("context_settings", {}), **_UNKNOWN}
        super().__init__(*args, **kwargs)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = {
            name: param
            for param in self.get_params(ctx)
            if isinstance(param, click.Option)
            for name in (*param.opts, *param.secondary_opts)
        }
        takes_value = False
        for arg in args:
            if takes_value:
                takes_value = False
                continue
            if arg == "--":
                break
            looks_like_option = _OPTION_LIKE.fullmatch(arg) is not None
            name = arg.split("=", 1)[0] if looks_like_option else arg
            option = options.get(name)
            if option is None and looks_like_option:
                longs = [known for known in options if known.startswith("--")]
                raise click.NoSuchOption(name, possibilities=longs, ctx=ctx)
            takes_value = option is not None and "=" not in arg and not option.is_flag
        return super().parse_args(ctx, args)


_UNKNOWN = {"ignore_unknown_options": True}
_OPTION_LIKE = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*(=.*)?", re.DOTALL)


F = TypeVar("F", bound=Callable[..., Any])


def source_options(
    source_help: str,
    by_help: str,
    date_help: str = "The document's date (default: today).",
    reference: bool = False,
) -> Callable[[F], F]:
    """The options that name a value's source: --source DOC (required), --date, --by and,
    with `reference`, --reference (`renstra set`, `renstra import`)."""
    options = [
        click.option("--source", "document", required=True, metavar="DOC", help=source_help),
        click.option("--date", "date", metavar="YYYY-MM-DD", help=date_help),
        click.option("--by", "entered_by", metavar="NAME", help=by_help),
    ]
    if reference:
        options.append(
            click.option("--reference", metavar="TEXT", help="A number or page of the document.")
        )

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
