"""Reading a text file the user wrote: bounded, decoded, and how it was written.

Every file the engine reads (catalog files, formula files, the command line's files and
stdin: cli_params, with its own smaller limit) goes through `read_source` (`source_of`
for bytes already read):
it reads at most `MAX_FILE_BYTES` (a larger file is refused, not read in full), decodes
UTF-8 (with or without a byte order mark), and turns every way this can fail (a folder, a
dangling link or a link loop, no permission, Latin-1 or UTF-16 text, a NUL byte) into a
located `ReadError`. It also records the byte order mark and the line endings, so that
a file written back (`writing.py`) keeps them.

`read_bytes` is the one place that touches the file system: tests inject faults there.
"""

from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import FormulaError, Location, Span
from .i18n import msg

MAX_FILE_BYTES = 4 * 1024 * 1024  # the largest catalog file is about 110 KB
BOM = "\ufeff"


class ReadError(FormulaError, OSError):
    """A file that cannot be read as UTF-8 text (stage: load)."""

    code = "E507"
    stage = "load"


@dataclass(frozen=True)
class SourceText:
    """A file's text (without its byte order mark) and how it was written."""

    path: Path
    text: str
    bom: bool = False
    digest: str = field(default="", compare=False)  # SHA-256 of the bytes read: the cache key

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def encode(self, text: str) -> bytes:
        """`text` as this file would hold it: the same byte order mark, UTF-8."""
        return ((BOM if self.bom else "") + text).encode("utf-8")


def read_bytes(path: Path, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the file (so that a larger file can be told)."""
    with open(path, "rb") as handle:
        return handle.read(limit + 1)


def read_source(path: Path, limit: int = MAX_FILE_BYTES) -> SourceText:
    """The text of `path`, or a ReadError naming the file (and line and column)."""
    try:
        data = read_bytes(path, limit)
    except OSError as error:
        raise _os_error(path, error) from None
    return source_of(path, data, limit)


def source_of(path: Path, data: bytes, limit: int = MAX_FILE_BYTES) -> SourceText:
    """The text of bytes already read from `path` (or stdin), at most `limit` + 1 of them:
    the checks of `read_source` (size E550, UTF-16 and Latin-1 E508, NUL E509)."""
    if len(data) > limit:
        too_large = ReadError(
            msg("the file is larger than {size} MB; not read", size=limit // (1024 * 1024)),
            code="E550",
            hint=msg("a catalog file holds one program or one list of inputs: split it"),
        )
        raise _located(too_large, "", Location(str(path)))
    bom = data.startswith(BOM.encode("utf-8"))
    return SourceText(path, _decode(path, data), bom, hashlib.sha256(data).hexdigest())


def _os_error(path: Path, error: OSError) -> ReadError:
    reason: str
    hint: str | None
    if error.errno == errno.ELOOP:
        reason, hint = msg("a symbolic link that loops"), msg("point the link at a real file")
    elif error.errno == errno.ENOENT and path.is_symlink():
        target = repr(os.readlink(path))
        reason = msg("a symbolic link to {target}, which does not exist", target=target)
        hint = msg("fix the link")
    elif error.errno == errno.EISDIR:
        reason = msg("a folder, not a file")
        hint = msg("rename the folder so that it does not end in .yaml")
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason, hint = msg("permission denied"), msg("make the file readable (chmod u+r)")
    else:
        reason, hint = error.strerror or type(error).__name__, None
    cannot = ReadError(msg("cannot read the file: {reason}", reason=reason), hint=hint)
    return _located(cannot, "", Location(str(path)))


def _decode(path: Path, data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _looks_utf16(data):
        utf16 = ReadError(
            msg("the file is UTF-16 text, not UTF-8"),
            code="E508",
            hint=msg("save it as UTF-8 (in the editor: Save with encoding > UTF-8)"),
        )
        raise _located(utf16, "", Location(str(path)))
    if b"\0" in data:
        nul = msg("a NUL byte: is this a binary file?")
        raise _at_byte(path, data, data.index(b"\0"), nul, "E509")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        raise _at_byte(
            path,
            data,
            error.start,
            msg("not UTF-8 text: byte {byte} cannot be read", byte=f"0x{byte:02x}"),
            "E508",
        ) from None
    return text.removeprefix(BOM)


def _looks_utf16(data: bytes) -> bool:
    sample = data[:512]
    return len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4


def _at_byte(path: Path, data: bytes, offset: int, message: str, code: str) -> ReadError:
    """A ReadError with a caret under the byte at `offset`."""
    start = data.rfind(b"\n", 0, offset) + 1
    end = data.find(b"\n", offset)
    line_bytes = data[start : end if end >= 0 else len(data)]
    before = line_bytes[: offset - start].decode("utf-8", errors="replace").removeprefix(BOM)
    shown = line_bytes.decode("utf-8", errors="replace").removeprefix(BOM).rstrip("\r")
    hint = (
        msg("save the file as UTF-8 (it looks like Latin-1 or Windows-1252 text)")
        if code == "E508"
        else msg("remove the character; a catalog file is plain UTF-8 text")
    )
    error = ReadError(message, Span(len(before), len(before) + 1), code=code, hint=hint)
    line = data.count(b"\n", 0, offset) + 1
    return _located(error, shown, Location(str(path), None, line, 1))


def _located(error: ReadError, source: str, location: Location) -> ReadError:
    error.with_source(source, location)
    return error
