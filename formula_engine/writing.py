"""Writing files safely: atomically, and keeping the user's comments and layout.

A file the tool writes is first written in full to a temporary file beside it, flushed
to disk, then renamed over the original (`os.replace` is atomic on one file system): a
crash or a full disk leaves either the old file or the new one, never half of each.
YAML is rewritten with ruamel.yaml's round-trip mode, which keeps comments, key order,
quoting and flow style, so editing one value changes one line.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _default_mode() -> int:
    # mkstemp creates 0600 files; a new file gets the usual mode under the user's umask.
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def dump_yaml(data: Any) -> str:
    buffer = io.StringIO()
    round_trip_yaml().dump(data, buffer)
    return buffer.getvalue()
