"""The bounds of what the service accepts, and the middleware that enforces body size."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .workers import arrived


@dataclass(frozen=True)
class Limits:
    body_bytes: int = 4 * 1024 * 1024  # a request body (JSON or Arrow)
    batch_rows: int = 50_000
    seconds: float = 10.0  # the time budget of one request
    inline_formula: int = 300  # characters: a longer formula is worked on in a process


class BodyTooLarge(HTTPException):
    """Raised while a chunked body is read; the service's handler answers 413 (E703)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the body has more than {limit} bytes, the limit")


class BodyLimit:
    """Refuses (413, E703) a body over `limit` bytes: by its Content-Length before reading,
    and by counting while it is read when it is sent in chunks. Notes when the request
    arrived: its time budget counts from there (workers.Budget)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        arrived.set(time.monotonic())
        declared = dict(scope.get("headers", ())).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send, declared.decode("latin-1")[:20])
            return
        if declared is not None:  # the server reads exactly the declared bytes, no more
            await self.app(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)

    async def _refuse(self, send: Send, size: str) -> None:
        body = {
            "status": 413,
            "code": "E703",
            "message": f"the body has {size} bytes; the limit is {self.limit}",
            "hint": "send a smaller body (split a batch into several requests)",
            "where": "body",
            "suggestions": [],
            "diagnostics": [],
        }
        data = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": data})
