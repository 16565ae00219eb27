"""Writing files safely: atomically, through symbolic links, keeping the user's layout.

A file the tool writes is first written in full to a temporary file beside it,
`.<name>.tmp-<pid>-<random>`, flushed to disk, then renamed over the original
(`os.replace` is atomic on one file system): a crash, a kill or a full disk leaves either
the old file or the new one, never half of each. A temporary left by a process that was
killed is recognised by its name (its process is gone) and removed by the next write or
catalog load. Writing to a symbolic link writes the file it points to and keeps the link.
Every failure is a `WriteError` naming the file and the reason. Edits of one value
(`catalog/edit.py`) splice the file's text, so comments and layout stay as they were.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import FormulaError, Location

# What a temporary's name adds to the file's: "." + ".tmp-" + a pid (at most 7 digits on
# Linux) + "-" + 8 hex digits; output paths are checked against the limits with this room.
TEMPORARY_ROOM = 1 + 5 + 7 + 1 + 8
_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[0-9a-f]+$")
STALE_AFTER_SECONDS = 3600  # a temporary whose process we cannot tell is stale after this


class WriteError(FormulaError, OSError):
    """A file that cannot be written (stage: write); nothing was changed."""

    code = "E560"
    stage = "write"


def write_atomically(path: Path, content: str | bytes) -> Path:
    """Replace the file at `path` (or the file its link points to); returns what was
    written. `content` as text is written as UTF-8 with its line endings unchanged."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    target = _target(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(target.parent)
        _replace(target, data)
    except OSError as error:
        raise write_error(path, error) from None
    return target


def write_error(path: Path, error: OSError) -> WriteError:
    failure = WriteError(
        f"cannot write the file: {error.strerror or type(error).__name__}",
        hint="check that the folder exists and is writable, and that the disk is not full",
    )
    failure.with_source("", Location(str(path)))
    return failure


def _target(path: Path) -> Path:
    if not path.is_symlink():
        return path
    try:
        return path.resolve(strict=False)
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        failure = WriteError(
            "cannot write the file: a symbolic link that loops",
            hint="point the link at a real file",
        )
        failure.with_source("", Location(str(path)))
        raise failure from None


def _replace(target: Path, data: bytes) -> None:
    temporary = _temporary(target, data)
    try:
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _sync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return  # not every system opens folders; the rename is done either way
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _default_mode() -> int:
    # A new file gets the usual mode under the user's umask (not the temporary's 0600).
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def stale_temporaries(directory: Path) -> list[Path]:
    """Temporaries in `directory` left by writes whose process no longer runs."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _TEMPORARY.match(path.name)
        if match and path.is_file() and _is_stale(path, int(match["pid"])):
            found.append(path)
    return sorted(found)


def remove_stale_temporaries(directory: Path) -> list[Path]:
    """Remove the stale temporaries of `directory`; returns those removed."""
    removed = []
    for path in stale_temporaries(directory):
        try:
            path.unlink()
        except OSError:
            continue  # not ours to remove (another user's folder): the loader ignores it
        removed.append(path)
    return removed


def _is_stale(path: Path, pid: int) -> bool:
    if pid != os.getpid():
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            pass  # a process of another user: alive
    try:
        return time.time() - path.stat().st_mtime > STALE_AFTER_SECONDS
    except OSError:
        return False


Content = bytes | Callable[[Path], None]  # the bytes, or what writes the file at a path


def write_together(files: Sequence[tuple[Path, Content]]) -> list[Path]:
    """Replace several files as nearly at once as the file system allows: every temporary
    is written in full and flushed to disk first, then all are renamed. A failure before
    the renames (a full disk, a missing folder, a writer's own error) leaves every file
    as it was. The residual window: a crash between two renames (microseconds) leaves the
    first file new and the later ones old; there is no multi-file atomic rename on POSIX.
    A file's content may be a writer, called with the temporary's path (a database
    writing its own Parquet file): its file is then flushed to disk as the bytes are."""
    prepared: list[tuple[Path, Path, Path]] = []  # (given path, target, temporary)
    try:
        for path, data in files:
            target = _target(path)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                remove_stale_temporaries(target.parent)
                temporary = _temporary(target, data)
            except OSError as error:
                raise write_error(path, error) from None
            prepared.append((path, target, temporary))
        for path, target, temporary in prepared:
            try:
                os.replace(temporary, target)
            except OSError as error:
                raise write_error(path, error) from None
    except BaseException:
        for _, _, temporary in prepared:
            temporary.unlink(missing_ok=True)
        raise
    for directory in {target.parent for _, target, _ in prepared}:
        _sync_directory(directory)
    return [target for _, target, _ in prepared]


def _temporary(target: Path, data: Content) -> Path:
    """A temporary beside `target` holding `data` (or what the writer `data` wrote there),
    flushed to disk, with the target's mode."""
    temporary = target.parent / f".{target.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        if callable(data):  # the name is ours; the writer overwrites the empty file
            os.close(descriptor)
            data(temporary)
            descriptor = os.open(temporary, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        else:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, target.stat().st_mode & 0o777 if target.exists() else _default_mode())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary
