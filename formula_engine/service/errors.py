"""Errors as JSON, with the diagnostic's fields and the right status; never a traceback.

400  a formula or a value the engine refuses (a FormulaError: parse, names, units)
401  an edit without the right bearer token; 403 when the service has no token
404  an unknown catalog, indicator or finding (with suggestions); a browser's request
     (Accept: text/html) of a path outside the API (not /v1, /docs, /redoc,
     /openapi.json) is the web pages' "not found" page instead
409  an edit whose If-Match is stale
413  a body over the limit (or a batch over the row limit)
415  a body of a content type the endpoint does not read
422  a body that does not match its schema
503  a request over its time budget (stopped)
500  a bug: one located line, no traceback (E708)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..api import DiagnosticOut, NotFound, OverBudget, StaleEdit, diagnostic_of
from ..errors import FormulaError, Location


class ErrorOut(BaseModel):
    """The body of every error response."""

    status: int
    code: str
    message: str
    hint: str | None = None
    where: str = Field(description="the request part: body, a field path, a header, the path")
    suggestions: list[str] = []
    diagnostics: list[DiagnosticOut] = Field(
        default=[], description="each problem, located (line, column, caret) in the text sent"
    )


class ServiceError(FormulaError):
    """An error of the service itself (token, body size, content type, not yet there)."""

    stage = "service"

    def __init__(self, status: int, message: str, *, code: str, hint: str, where: str) -> None:
        super().__init__(message, hint=hint, code=code, location=Location(where))
        self.status = status


def error_response(
    status: int, error: FormulaError, roots: Mapping[str, Path] | None = None, **extra: Any
) -> Response:
    """The error as JSON; a catalog file is named `NAME/relative/path` (`roots`: each
    catalog's directory by name), never by the server's own path."""
    body = ErrorOut(
        status=status,
        code=error.code,
        message=error.message,
        hint=error.hint,
        where=error.location.where,
        diagnostics=[diagnostic_of(error)] if error.source is not None else [],
        **extra,
    )
    text = body.model_dump_json()
    for name, root in (roots or {}).items():
        text = text.replace(json.dumps(str(root))[1:-1], name)
    return Response(text, status_code=status, media_type="application/json")


def _status_of(error: FormulaError) -> int:
    if isinstance(error, ServiceError):
        return error.status
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, StaleEdit):
        return 409
    if isinstance(error, OverBudget):
        return 503
    if error.code in ("E204", "E205", "E540", "E541"):  # an id the catalog does not hold
        return 404
    return 400


API_PATHS = ("/v1/", "/docs", "/redoc", "/openapi.json")  # the JSON errors' paths


def install(
    app: FastAPI,
    roots: Mapping[str, Path],
    not_found_page: Callable[[Request], Response] | None = None,
) -> None:
    """The handlers: engine errors, schema errors, HTTP errors, and the last resort; a
    browser's 404 outside the API is `not_found_page` (the web's page, in its language)."""

    @app.exception_handler(FormulaError)
    async def engine_error(request: Request, error: FormulaError) -> Response:
        extra: dict[str, Any] = {}
        if isinstance(error, NotFound):
            extra["suggestions"] = error.suggestions
        response = error_response(_status_of(error), error, roots, **extra)
        if isinstance(error, StaleEdit):
            response.headers["ETag"] = f'"{error.current}"'
        return response

    @app.exception_handler(RequestValidationError)
    async def schema_error(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        first = problems[0] if problems else {"loc": ("body",), "msg": "invalid"}
        where = ".".join(str(part) for part in first.get("loc", ()))
        message = "; ".join(
            f"{'.'.join(str(p) for p in d.get('loc', ()))}: {d.get('msg', '')}"
            for d in problems[:10]
        )
        body = ErrorOut(
            status=422,
            code="E704",
            message=f"the request does not match its schema: {message}"[:2000],
            hint="see the endpoint's schema at /docs or /openapi.json",
            where=where[:200],
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        path = request.url.path
        outside = path != "/v1" and not path.startswith(API_PATHS)
        browser = "text/html" in request.headers.get("accept", "")
        if error.status_code == 404 and not_found_page is not None and outside and browser:
            return not_found_page(request)
        code = {404: "E701", 405: "E704", 413: "E703"}.get(error.status_code, "E704")
        body = ErrorOut(
            status=error.status_code,
            code=code,
            message=str(error.detail),
            hint="see /docs for the endpoints and their methods",
            where=request.url.path[:200],
        )
        return JSONResponse(
            body.model_dump(mode="json"), status_code=error.status_code, headers=error.headers
        )

    @app.exception_handler(Exception)
    async def internal_error(request: Request, error: Exception) -> JSONResponse:
        first_line = (str(error).splitlines() or [""])[0][:200]
        body = ErrorOut(
            status=500,
            code="E708",
            message=f"internal error ({type(error).__name__}: {first_line}); this is a bug",
            hint="please report it with the request that caused it",
            where=f"{request.method} {request.url.path}"[:200],
        )
        return JSONResponse(body.model_dump(mode="json"), status_code=500)
