"""The web's edits: the formula's Save, a target, a realisation, the workbook upload, and
the login that lets a browser make them.

Every edit goes through the facade (`api.set_formula`, `api.set_target`,
`api.add_realisations`), which checks the whole would-be catalog before writing anything;
a refused edit comes back as the form again, with the located error under the field.

The token. `renstra serve --token-file FILE` guards the service's edits with a bearer
token; a browser sends no header, so the page /masuk asks for the same token once and
keeps, in an HttpOnly, SameSite=Strict cookie, an HMAC of it (never the token itself).
SameSite=Strict means another site's form cannot post with it (no cross-site request
forgery). Without a token the service has no edits, and the pages say so.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from .. import api
from ..catalog import CatalogRejected
from ..errors import FormulaError
from ..loader import validation_message
from .i18n import lang_of

COOKIE = "renstra_sesi"
MAX_FORM = 64 * 1024  # bytes of a form's body
MAX_UPLOAD = api.MAX_WORKBOOK + 64 * 1024  # bytes of an upload's body (the file and the form)
MAX_FIELD = 300
MAX_ROWS = 5_000  # realisations of one confirmed upload
SOURCE_FIELDS = ("document", "date", "entered_by", "reference")


def session_value(token: str) -> str:
    """What the cookie holds: an HMAC of the token, so the cookie does not carry it."""
    return hmac.new(token.encode(), b"renstra-web-session", hashlib.sha256).hexdigest()


def logged_in(request: Request, token: str | None) -> bool:
    given = request.cookies.get(COOKIE, "")
    return token is not None and hmac.compare_digest(given.encode(), session_value(token).encode())


async def form_of(request: Request, limit: int = MAX_FORM) -> dict[str, str]:
    """A url-encoded form's fields (first value of each), bounded."""
    body = await request.body()
    parsed = parse_qs(body[:limit].decode("utf-8", "replace"), keep_blank_values=True)
    return {key[:40]: values[0][: api.MAX_FORMULA_EDIT] for key, values in parsed.items()}


def multipart_of(body: bytes, content_type: str) -> tuple[dict[str, str], bytes, str]:
    """The fields, the file's bytes and the file's name of a multipart/form-data body (the
    standard library's MIME parser: no dependency)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    data, name = b"", ""
    if not message.is_multipart():
        return fields, data, name
    for part in message.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if not isinstance(field, str):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            data, name = content, str(part.get_filename())[:MAX_FIELD]
        else:
            fields[field[:40]] = content.decode("utf-8", "replace")[:MAX_FIELD]
    return fields, data, name


def source_of(form: dict[str, str]) -> api.EditSource:
    """The source fields of a form (ValidationError when one is wrong)."""
    given = {key: form.get(key, "").strip() for key in SOURCE_FIELDS}
    return api.EditSource(**{k: v for k, v in given.items() if v or k in ("document", "date")})


def problem_of(error: Exception, field: str, lang: str = "id") -> dict[str, Any]:
    """What the form shows under `field`: the message, the caret, the hint, the place, in
    the page's language `lang` (a form's field, a formula, a value or a record the
    catalog refuses). A catalog that no longer checks (its files changed outside the
    page) shows the first error it has, located, rather than the count of them."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return {
            "field": str(first["loc"][0]) if first["loc"] else field,
            "code": "E723",
            "message": api.in_language(validation_message(first), lang),
            "hint": None,
            "caret": None,
            "where": None,
        }
    if isinstance(error, CatalogRejected):
        error = next((d.error for d in error.diagnostics if d.severity == "error"), error)
    if isinstance(error, FormulaError):
        out = api.diagnostic_of(error, lang=lang)
        where = f"{out.where}:{out.line}:{out.column}" if out.line else out.where
        return {
            "field": field,
            "code": out.code,
            "message": out.message,
            "hint": out.hint,
            "caret": out.caret if field == "formula" else None,
            "where": where.rsplit("/", 1)[-1] if field == "formula" else None,
        }
    raise error


Page = Callable[..., HTMLResponse]


def routes(
    pages: APIRouter,
    handle: Callable[[], api.CatalogHandle],
    token: str | None,
    indicator_page: Page,
) -> None:
    """Add the edit routes to `pages` (pages.router calls this)."""
    from .pages import render  # the one renderer

    def suffix(request: Request, form: dict[str, str] | None = None) -> str:
        lang = (form or {}).get("lang") or request.query_params.get("lang")
        return "?lang=en" if lang_of(lang) == "en" else ""

    def refused(request: Request, template: str, field: str, **context: Any) -> HTMLResponse:
        """The form again, saying that edits need the token (or are off)."""
        code = "E722"
        message = "login" if token is not None else "edits_off"
        problem = {"field": field, "code": code, "message": message, "words": True}
        return render(
            request, template, status=403 if token is None else 401, **context, problem=problem
        )

    @pages.get("/masuk", response_class=HTMLResponse)
    def login_page(request: Request, lanjut: str = "/") -> HTMLResponse:
        return render(
            request, "login.html", next=_local(lanjut), wrong=False, editing=token is not None
        )

    @pages.post("/masuk", response_model=None)
    async def login(request: Request) -> Response:
        form = await form_of(request)
        given = form.get("token", "")
        target = _local(form.get("lanjut", "/"))
        if token is None or not hmac.compare_digest(given.encode(), token.encode()):
            return render(
                request,
                "login.html",
                status=401,
                next=target,
                wrong=True,
                editing=token is not None,
            )
        answer = RedirectResponse(target, status_code=303)
        answer.set_cookie(COOKIE, session_value(token), httponly=True, samesite="strict", path="/")
        return answer

    @pages.post("/keluar", response_model=None)
    async def logout(request: Request) -> Response:
        answer = RedirectResponse("/" + suffix(request), status_code=303)
        answer.delete_cookie(COOKIE, path="/")
        return answer

    @pages.post("/editor/simpan", response_class=HTMLResponse)
    async def save_formula(request: Request) -> Response:
        form = await form_of(request)
        identifier = form.get("indikator", "")[:MAX_FIELD]
        formula = form.get("formula", "")
        old = form.get("lama", "")
        context: dict[str, Any] = {
            "lang": lang_of(form.get("lang")),
            "old": old,
            "formula": formula,
            "name": form.get("nama", "")[:MAX_FIELD],
            "indikator": identifier,
            "versi": form.get("versi", "")[:4],
            "form": form,
            "editing": token is not None,
            "logged_in": logged_in(request, token),
        }
        if not logged_in(request, token):
            return refused(request, "editor.html", "formula", result=None, **context)
        version = _year(form.get("versi", ""))
        if version is None:
            problem = {"field": "formula", "code": "E723", "message": "year", "words": True}
            return render(
                request, "editor.html", status=400, result=None, problem=problem, **context
            )
        try:
            source = source_of(form)
            await _in_thread(
                lambda: api.set_formula(handle(), identifier, version, formula, source)
            )
        except (ValidationError, FormulaError) as error:
            result = None  # the problem box shows the error, its caret and its hint
            return render(
                request,
                "editor.html",
                status=400,
                result=result,
                problem=problem_of(error, "formula", context["lang"]),
                **context,
            )
        where = f"/indikator/{identifier}?disimpan=formula"
        return RedirectResponse(where + ("&lang=en" if context["lang"] == "en" else ""), 303)

    async def value_edit(request: Request, identifier: str, kind: str) -> Response:
        form = await form_of(request)
        lang = lang_of(form.get("lang"))
        if not logged_in(request, token):
            problem = {
                "field": "text",
                "code": "E722",
                "words": True,
                "message": "login" if token is not None else "edits_off",
            }
            return indicator_page(
                request,
                identifier,
                status=401 if token else 403,
                form={**form, "which": kind},
                problem=problem,
            )
        year = _year(form.get("year", ""))
        if year is None:
            problem = {"field": "year", "code": "E723", "message": "year", "words": True}
            return indicator_page(
                request, identifier, status=400, form={**form, "which": kind}, problem=problem
            )
        try:
            source = source_of(form)
            text = form.get("text", "").strip()
            if kind == "target":
                await _in_thread(lambda: api.set_target(handle(), identifier, year, text, source))
            else:
                period = form.get("period") or None
                value = api.RealisationIn(indicator=identifier, year=year, period=period, text=text)
                await _in_thread(lambda: api.add_realisations(handle(), [value], source))
        except (ValidationError, FormulaError) as error:
            return indicator_page(
                request,
                identifier,
                status=400,
                form={**form, "which": kind},
                problem=problem_of(error, "text", lang),
            )
        where = f"/indikator/{identifier}?disimpan={kind}"
        return RedirectResponse(where + ("&lang=en" if lang == "en" else ""), 303)

    @pages.post("/indikator/{identifier}/target", response_model=None)
    async def set_target(request: Request, identifier: str) -> Response:
        return await value_edit(request, identifier[:MAX_FIELD], "target")

    @pages.post("/indikator/{identifier}/realisasi", response_model=None)
    async def add_realisation(request: Request, identifier: str) -> Response:
        return await value_edit(request, identifier[:MAX_FIELD], "realisation")

    @pages.get("/unggah", response_class=HTMLResponse)
    def upload_page(request: Request) -> HTMLResponse:
        return render(
            request,
            "upload.html",
            checked=None,
            form={},
            editing=token is not None,
            logged_in=logged_in(request, token),
        )

    @pages.post("/unggah", response_class=HTMLResponse)
    async def upload(request: Request) -> HTMLResponse:
        body = await request.body()
        fields, data, name = multipart_of(
            body[:MAX_UPLOAD], request.headers.get("content-type", "")
        )
        lang = lang_of(fields.get("lang"))
        checked = await _in_thread(
            lambda: api.check_realisation_workbook(handle(), data, name, lang)
        )
        context: dict[str, Any] = {
            "lang": lang,
            "form": fields,
            "file_name": name,
            "editing": token is not None,
            "logged_in": logged_in(request, token),
        }
        labels = _labels(handle())
        return render(
            request,
            "upload.html",
            status=400 if checked.problems else 200,
            checked=checked,
            labels=labels,
            **context,
        )

    @pages.post("/unggah/simpan", response_class=HTMLResponse)
    async def confirm_upload(request: Request) -> Response:
        body = await request.body()
        parsed = parse_qs(body[: 2 * MAX_UPLOAD].decode("utf-8", "replace"), keep_blank_values=True)
        form = {k[:40]: v[0][:MAX_FIELD] for k, v in parsed.items()}
        rows = parsed.get("row", [])[:MAX_ROWS]
        lang = lang_of(form.get("lang"))
        context: dict[str, Any] = {
            "lang": lang,
            "form": form,
            "file_name": form.get("file_name", ""),
            "editing": token is not None,
            "logged_in": logged_in(request, token),
            "labels": _labels(handle()),
        }
        values = []
        try:
            for row in rows:
                indicator, year, period, text = [*row.split("|", 3), "", "", ""][:4]
                number = _year(year)
                if number is None:
                    problem = {"field": "upload", "code": "E723", "message": "year", "words": True}
                    return render(
                        request, "upload.html", status=400, checked=None, problem=problem, **context
                    )
                values.append(
                    api.RealisationIn(
                        indicator=indicator, year=number, period=period or None, text=text
                    )
                )
            checked = api.WorkbookOut(values=values, problems=[])
            if not logged_in(request, token):
                return refused(request, "upload.html", "document", checked=checked, **context)
            source = source_of(form)
            await _in_thread(lambda: api.add_realisations(handle(), values, source))
        except ValidationError as error:  # a row or the source: the row's fields, typed
            problem = problem_of(error, "upload", lang)
            if problem["field"] not in ("document", "date"):
                problem["field"] = "upload"
            checked = api.WorkbookOut(values=values, problems=[])
            return render(
                request, "upload.html", status=400, checked=checked, problem=problem, **context
            )
        except FormulaError as error:  # the catalog with these values does not check
            checked = api.WorkbookOut(values=values, problems=[])
            return render(
                request,
                "upload.html",
                status=400,
                checked=checked,
                problem=problem_of(error, "upload", lang),
                **context,
            )
        return render(request, "upload.html", checked=None, saved=len(values), **context)


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _labels(handle: api.CatalogHandle) -> dict[str, str]:
    return {x.entry.id: x.entry.name for x in handle.catalog.indicators()}


def _local(path: str) -> str:
    """A path of this site to go back to after the login (never another site)."""
    return path if path.startswith("/") and not path.startswith("//") else "/"


async def _in_thread(function: Callable[[], Any]) -> Any:
    """A blocking facade call off the event loop."""
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(function)
