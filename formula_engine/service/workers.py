"""Work with a time budget: a request that goes past it is stopped, not left running.

- `in_thread(fn, seconds)`: the facade's quick functions (parse, evaluate one formula,
  the tree) run in a worker thread; past the budget the request gets 503. Their work is
  bounded by the service's limits (formula length, rows), so the thread ends soon after.
- `in_process(fn, seconds)`: work whose length no limit bounds (sympy, for equivalence)
  runs in a forked process, which is killed at the budget.
- a batch takes a deadline and stops itself at it (api.evaluate_batch).
"""

from __future__ import annotations

import multiprocessing
import pickle
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import anyio
from anyio import to_thread

from ..api import OverBudget
from ..errors import FormulaError

T = TypeVar("T")


async def in_thread(function: Callable[[], T], seconds: float, what: str) -> T:
    """`function()` in a worker thread; OverBudget past `seconds`."""
    with anyio.move_on_after(seconds) as scope:
        return await to_thread.run_sync(function, abandon_on_cancel=True)
    assert scope.cancelled_caught
    raise OverBudget(what, seconds)


def _child(connection: Connection, function: Callable[[], Any]) -> None:
    try:
        outcome: tuple[str, Any] = ("ok", function())
    except FormulaError as error:
        outcome = ("error", error)
    except Exception as error:  # a bug: reported by the parent as an internal error
        outcome = ("bug", f"{type(error).__name__}: {error}")
    try:
        connection.send_bytes(pickle.dumps(outcome))
    finally:
        connection.close()


def _wait(function: Callable[[], T], seconds: float, what: str) -> T:
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, function), daemon=True)
    process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
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


async def in_process(function: Callable[[], T], seconds: float, what: str) -> T:
    """`function()` in a forked process, killed past `seconds` (OverBudget)."""
    return await to_thread.run_sync(_wait, function, seconds, what)
