"""Minimise a failing input: delete tokens, then characters, while the failure persists.

Greedy delta debugging: try to delete chunks of tokens (halves, quarters, ... single
tokens), then single characters, keeping each deletion after which `fails` still holds.
Bounded by a number of attempts and a time, since each attempt runs the oracle (a hang costs its
whole deadline).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .mutate import TOKEN


def shrink(
    text: str, fails: Callable[[str], bool], attempts: int = 400, seconds: float = 20.0
) -> str:
    budget, until = [attempts], time.monotonic() + seconds

    def still_fails(candidate: str) -> bool:
        if budget[0] <= 0 or time.monotonic() > until or not candidate.strip():
            return False
        budget[0] -= 1
        return fails(candidate)

    tokens = TOKEN.findall(text)
    tokens = _delete_chunks(tokens, lambda ts: still_fails("".join(ts)))
    characters = _delete_chunks(list("".join(tokens)), lambda cs: still_fails("".join(cs)))
    return "".join(characters)


def _delete_chunks(items: list[str], fails: Callable[[list[str]], bool]) -> list[str]:
    size = max(1, len(items) // 2)
    while size >= 1:
        start = 0
        while start < len(items):
            candidate = items[:start] + items[start + size :]
            if fails(candidate):
                items = candidate
            else:
                start += size
        size //= 2
    return items
