"""Writing a command's output files: every path is checked before anything is written.

A command that writes several files (`renstra audit --markdown --html --json`) checks
all its paths first (`check_outputs`) and writes none when one cannot be written; each
file is then written atomically (writing.write_atomically), so a failure while writing
leaves the old file or the new one, never half of one. Every problem is an `OutputError`:
one line naming the option, the path and the reason; the command exits 5 (CANNOT_WRITE).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from .writing import TEMPORARY_ROOM, WriteError, write_atomically

OUTPUT_CODE = "E601"


class OutputError(Exception):
    """An output that cannot be written: the option, the path and why."""

    code = OUTPUT_CODE

    def __init__(self, option: str, path: str, reason: str) -> None:
        super().__init__(f"{option} {path!r}: {reason}")
        self.option, self.path, self.reason = option, path, reason

    def render(self) -> str:
        return f"error[{self.code}]: cannot write {self.option} {self.path!r}: {self.reason}"


def check_outputs(
    targets: Mapping[str, str | None], folders: bool = False, stdout_option: str | None = None
) -> dict[str, Path]:
    """The paths of the targets (option -> path as typed) that are given, or OutputError
    for the first that cannot be written: an empty or too long path, a path under a file
    or naming a folder, a folder in which no file can be created, '-' for an option that
    cannot write to stdout. With `folders`, each target is a folder to write into."""
    paths: dict[str, Path] = {}
    seen: dict[Path, str] = {}
    for option, text in targets.items():
        if text is None:
            continue
        if text == "-":
            where = f"only {stdout_option} writes to stdout" if stdout_option else "no stdout"
            raise OutputError(option, text, f"'-' means stdout: {where} (hint: give a file name)")
        path = _check_one(option, text, folders)
        resolved = path.resolve()
        if resolved in seen:
            raise OutputError(option, text, f"{seen[resolved]} names the same file")
        seen[resolved], paths[option] = option, path
    return paths


def _check_one(option: str, text: str, folder: bool) -> Path:
    if not text.strip():
        raise OutputError(option, text, "the path is empty (hint: give a file name)")
    if "\x00" in text:
        raise OutputError(option, text, "the path contains a NUL byte")
    path = Path(text)
    _check_lengths(option, path)
    if path.is_dir() and not folder:
        raise OutputError(option, text, "it is a folder (hint: give a file name)")
    existing = _nearest_existing(path if folder else path.parent)
    if not existing.is_dir():
        raise OutputError(option, text, f"{str(existing)!r} is a file, not a folder")
    try:
        with tempfile.NamedTemporaryFile(prefix=".renstra-probe-", dir=existing):
            pass
    except OSError as error:
        raise OutputError(
            option, text, f"no file can be created in {str(existing)!r} ({error.strerror})"
        ) from None
    return path


def _nearest_existing(path: Path) -> Path:
    absolute = Path(os.path.abspath(path))
    for candidate in (absolute, *absolute.parents):
        if candidate.exists():
            return candidate
    return Path(absolute.anchor)


def _check_lengths(option: str, path: Path) -> None:
    """Names and path within the system's limits (pathconf of the file system of '/',
    the usual 255 and 4096), leaving room for the atomic write's temporary name."""
    name_max = os.pathconf("/", "PC_NAME_MAX")
    path_max = os.pathconf("/", "PC_PATH_MAX")
    longest = max(len(os.fsencode(part)) for part in path.parts)
    if longest + TEMPORARY_ROOM > name_max:
        raise OutputError(
            option,
            str(path),
            f"a name in it is {longest} bytes long; the limit is "
            f"{name_max - TEMPORARY_ROOM} (hint: use a shorter name)",
        )
    if len(os.fsencode(os.path.abspath(path))) + TEMPORARY_ROOM > path_max:
        raise OutputError(
            option, str(path), f"the path is longer than {path_max - TEMPORARY_ROOM} bytes"
        )


def write_outputs(outputs: Mapping[str, tuple[Path, str]]) -> None:
    """Write each option's (path, text); OutputError if the system refuses one."""
    for option, (path, text) in outputs.items():
        try:
            write_atomically(path, text)
        except OSError as error:  # a WriteError, with the reason said once
            reason = error.message if isinstance(error, WriteError) else error.strerror
            raise OutputError(option, str(path), reason or str(error)) from None
