"""The spelling of names (ids): snake_case, as the language and the catalog write them.

Kept apart from the parser so that reading a catalog does not load the grammar."""

from __future__ import annotations

import re

MAX_LABEL = 200  # characters in one quoted label (an input's label may have as many)
MAX_NAME = 80  # characters in one snake_case name (an input's or indicator's id)
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def snake_case(name: str) -> str:
    """The snake_case spelling of a name or label ('Jumlah PMKS' -> 'jumlah_pmks'), or ''."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    candidate = "_".join(word.lower() for word in words)
    return candidate if SNAKE_CASE.fullmatch(candidate) else ""
