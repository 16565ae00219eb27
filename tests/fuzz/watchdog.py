"""Bounds on one call: a deadline (SIGALRM, main thread only) and an address-space limit.

A fuzzer may time its calls (tests of linearity count work instead). `Calls` runs each
call of the engine under a deadline, records the longest, and turns a call that runs
past it into `Hang`, a BaseException so that no `except Exception` in the engine can
swallow it. `limit_memory` caps the address space of the current process; use it only in
a process of its own (`python -m tests.fuzz`), where a MemoryError is then a finding.
"""

from __future__ import annotations

import resource
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


class Hang(BaseException):
    """A call ran past its deadline."""


def _alarm(signum: int, frame: object) -> None:
    raise Hang


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise Hang in the body after `seconds`, and again every 50 ms until it ends: a
    Hang raised while Python runs a __del__ or a callback is swallowed there."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Calls:
    """Runs calls under a deadline and remembers the longest one (seconds, stage)."""

    def __init__(self, limit: float = 1.0) -> None:
        self.limit = limit
        self.longest: tuple[float, str] = (0.0, "")

    def __call__(self, stage: str, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        start = time.perf_counter()
        try:
            with deadline(self.limit):
                return function(*args, **kwargs)
        finally:
            elapsed = time.perf_counter() - start
            if elapsed > self.longest[0]:
                self.longest = (elapsed, stage)


def limit_memory(extra_bytes: int) -> int:
    """Cap this process's address space at its current size plus `extra_bytes`."""
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    limit = pages * resource.getpagesize() + extra_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return limit
