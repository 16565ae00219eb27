"""Work with a time budget: past it the request gets 503 (E705) and its work is stopped.

The budget of a request starts when it arrives (`arrived`, set by the body-size
middleware); each endpoint runs its facade call in one of three ways, by how long the
work can be:

- `inline(fn, what)`: work the service's limits keep to milliseconds (one evaluation of
  an indicator, a short formula, the tree, one indicator, the capaian table, a summary
  of an audit already run). It runs on the event loop, with no thread hop: refused with
  503 before it starts when the request has already spent its budget (waiting behind
  others), so nothing runs for a request that was answered 503.
- `in_thread(fn, what)`: work that stops itself: `fn(deadline)` checks the deadline
  (`time.monotonic()`) in its loop (a batch, every 64 rows) or before it writes (an
  edit, which also waits for the catalog's lock no longer than the deadline) and raises
  OverBudget. The thread is never abandoned: the 503 is the work's own stop.
- `in_process(fn, what)`: work no limit bounds (sympy for equivalence, a long formula,
  a YAML fragment, running the audit): a forked process, killed at the deadline; its
  answer comes back pickled (our own child's bytes).
"""

from __future__ import annotations

import multiprocessing
import pickle
import time
from collections.abc import Callable
from contextvars import ContextVar
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from anyio import to_thread

from ..api import OverBudget
from ..errors import FormulaError

T = TypeVar("T")

arrived: ContextVar[float | None] = ContextVar("arrived", default=None)


class Budget:
    """The seconds one request may take, counted from its arrival."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def deadline(self) -> float:
        start = arrived.get()
        return (time.monotonic() if start is None else start) + self.seconds

    def check(self, what: str, deadline: float | None = None) -> float:
        """The request's deadline; OverBudget if it has passed already."""
        deadline = self.deadline() if deadline is None else deadline
        if time.monotonic() >= deadline:
            raise OverBudget(what, self.seconds)
        return deadline

    def inline(self, function: Callable[[], T], what: str) -> T:
        self.check(what)
        return function()

    async def in_thread(self, function: Callable[[float], T], what: str) -> T:
        return await to_thread.run_sync(function, self.check(what))

    async def in_process(self, function: Callable[[], T], what: str) -> T:
        deadline = self.check(what)
        return await to_thread.run_sync(_wait, function, deadline, what, self.seconds)


def _child(connection: Connection, function: Callable[[], Any]) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", function())
    except FormulaError as error:
        outcome = ("error", error)
    except Exception as error:  # a bug: reported by the parent as an internal error
        outcome = ("bug", f"{type(error).__name__}: {error}")
    try:
        data = pickle.dumps(outcome)
    except (pickle.PicklingError, RecursionError, TypeError) as error:  # a bug too
        data = pickle.dumps(("bug", f"the answer could not be sent back: {error}"))
    try:
        connection.send_bytes(data)
    finally:
        connection.close()


def _wait(function: Callable[[], T], deadline: float, what: str, seconds: float) -> T:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(max(0.0, deadline - time.monotonic())):
            raise OverBudget(what, seconds)
        kind, value = pickle.loads(receiver.recv_bytes())  # our own child's bytes
    except EOFError:
        raise RuntimeError(f"the worker for {what} ended without an answer") from None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if kind == "error":
        raise value
    if kind == "bug":
        raise RuntimeError(value)
    result: T = value
    return result
