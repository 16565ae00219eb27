"""The HTTP service (`renstra serve`): the facade (formula_engine.api) over FastAPI.

    app = create_app({"blitar": Path("catalog")}, token="...")   # several catalogs by name

Every endpoint is under /v1 and returns a pydantic model of the facade; errors are
service.errors.ErrorOut. Work runs with a time budget (service.workers); bodies, formulas
and batches are bounded (service.limits). Edits need the bearer token given at start, are
serialised per catalog (the handle's lock) and recorded with their source, atomically,
in updates.yaml (catalog.updates).

How each endpoint runs (workers.py): inline on the event loop when the limits keep it to
milliseconds (an indicator's evaluation, a short formula, the tree, an audit already
run); in a worker thread when it stops itself at the deadline (a batch, an edit); in a
forked process killed at the deadline when nothing bounds it (equivalence, a long
formula, a fragment, running the audit).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from .. import api, web
from ..capaian import CapaianTable
from ..model import Result
from . import errors
from .limits import BodyLimit, Limits
from .workers import Budget

T = TypeVar("T")
In_ = TypeVar("In_", bound=BaseModel)
ARROW = "application/vnd.apache.arrow.stream"
Number = int | float | str | None
Values = dict[Annotated[str, Field(max_length=300)], dict[int | str, Number]]
Id = Annotated[str, PathParam(min_length=1, max_length=300)]
Year = Annotated[int, Field(ge=1900, le=2200)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FormulaIn(In):
    formula: str = Field(description="a formula of the language (docs/formula-language.md)")


class CheckFormulaIn(FormulaIn):
    units: dict[str, str] = Field({}, description="name -> unit, for names not in a catalog")
    catalog: str | None = Field(None, description="check against this catalog's names")


class FragmentIn(In):
    text: str = Field(description="the YAML text of one catalog file (or a formula file)")
    kind: api.FragmentKind
    name: str = Field("<fragment>", max_length=200, description="a file name for locations")


EMPTY: dict[str, Any] = {"default": {}}  # the schema's default of a field made by a factory


class Subject(In):
    """A formula (its names are inputs) or an indicator of a catalog: exactly one."""

    formula: str | None = None
    indicator: str | None = Field(None, max_length=300)
    catalog: str | None = Field(None, description="default: the first catalog served")
    units: dict[str, str] = Field(  # a factory: a mutable default is deep-copied per request
        default_factory=dict, description="name -> unit, for a formula", json_schema_extra=EMPTY
    )
    year: Year

    @model_validator(mode="after")
    def _one_subject(self) -> Subject:
        if (self.formula is None) == (self.indicator is None):
            raise ValueError("give exactly one of `formula` and `indicator`")
        return self


class EvaluateIn(Subject):
    values: Values = Field(
        default_factory=dict,
        description='name -> year ("2024" or "awal") -> value',
        json_schema_extra=EMPTY,
    )
    decimals: int | None = Field(None, ge=0, le=12)


class BatchIn(Subject):
    columns: dict[Annotated[str, Field(max_length=320)], list[Number]] = Field(
        description="name, or name@YEAR / name@awal -> one value per row (null: missing)"
    )


class EquivalenceIn(In):
    left: str
    right: str
    units: dict[str, str] = {}


class CatalogOut(BaseModel):
    name: str
    plan: str
    opd: str
    first_year: int
    last_year: int
    etag: str


class TargetIn(In):
    text: str = Field(min_length=1, max_length=100, description='as the document prints it: "7,26"')
    source: api.EditSource


class RealisationsIn(In):
    values: list[api.RealisationIn] = Field(min_length=1, max_length=1000)
    source: api.EditSource


BEARER = HTTPBearer(auto_error=False, description="the token given to `renstra serve`")


def _responses(meanings: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of error statuses: each an ErrorOut, with what it means."""
    return {s: {"model": errors.ErrorOut, "description": m} for s, m in meanings.items()}


ERRORS = _responses(
    {
        400: "a formula or value the engine refuses",
        404: "an unknown catalog, indicator or finding",
        413: "a body over the limit",
        422: "a body that does not match the schema",
        503: "over the time budget",
    }
)
EDIT_ERRORS = _responses(
    {
        401: "no or a wrong bearer token",
        403: "the service was started without a token: edits are off",
        409: "If-Match is not the resource's current ETag",
    }
)


def create_app(
    catalogs: Mapping[str, Path | None] | None = None,
    token: str | None = None,
    limits: Limits | None = None,
) -> FastAPI:
    """The service for these catalogs (name -> directory, None for the bundled one),
    each loaded and checked now (CatalogRejected if one does not check)."""
    limits = limits or Limits()
    handles = {
        name: api.load_catalog(path, name) for name, path in (catalogs or {"renstra": None}).items()
    }
    app = FastAPI(
        title="formula_engine",
        version=_version(),
        summary="The indicators of a Renstra: formulas, catalog, audit, edits",
        description="See docs/service.md. Errors are `ErrorOut`; every endpoint is under /v1.",
    )
    app.add_middleware(BodyLimit, limit=limits.body_bytes)
    roots = {name: handle.root for name, handle in handles.items()}
    errors.install(app, roots, web.pages.not_found_page)
    router = APIRouter(prefix="/v1", responses=ERRORS)

    def handle_of(name: str | None) -> api.CatalogHandle:
        if name is None:
            return next(iter(handles.values()))
        if name not in handles:
            raise api.NotFound("catalog", name, list(handles))
        return handles[name]

    def authorised(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    ) -> None:
        if token is None:
            raise errors.ServiceError(
                403,
                "edits are off: the service was started without a token",
                code="E706",
                hint="start it with `renstra serve --token-file FILE`",
                where="header Authorization",
            )
        given = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise errors.ServiceError(
                401,
                "this edit needs the service's bearer token",
                code="E706",
                hint="send `Authorization: Bearer <token>` (the token file given at start)",
                where="header Authorization",
            )

    budget = Budget(limits.seconds)

    async def formula_work(text: str, function: Callable[[], T], what: str) -> T:
        """Work on a formula: inline when it is short (milliseconds), else in a process
        killed at the deadline (a 10,000-character formula takes a second to compile)."""
        if len(text) <= limits.inline_formula:
            return budget.inline(function, what)
        return await budget.in_process(function, what)

    async def audited(name: str) -> api.CatalogHandle:
        """The catalog with its audit run: once per version of its files, in a process
        killed at the deadline (the audit of the bundled catalog takes seconds)."""
        handle = handle_of(name)
        catalog = handle.unaudited()
        if catalog is not None:
            from ..audit import run_audit

            report = await budget.in_process(lambda: run_audit(catalog), "the audit")
            handle.keep_audit(catalog, report)
        return handle

    async def evaluated(raw: bytes) -> bytes:
        """One formula, or one indicator of a catalog, for one year: the JSON body's
        bytes to the Result's (read by pydantic from the bytes, not json.loads then
        FastAPI's validation)."""
        body = _validated(EvaluateIn, raw)
        if body.formula is not None:
            work = partial(
                api.evaluate, body.formula, body.values, body.year, body.units, body.decimals
            )
            result = await formula_work(body.formula, work, "the evaluation")
        else:
            handle, indicator = handle_of(body.catalog), body.indicator or ""
            work = partial(api.evaluate_indicator, handle, indicator, body.values, body.year)
            result = budget.inline(partial(work, body.decimals), "the evaluation")
        return result.__pydantic_serializer__.to_json(result)

    @router.post(
        "/evaluate", response_model=Result, tags=["evaluate"], openapi_extra=_body(EvaluateIn)
    )
    async def evaluate(request: Request) -> Response:
        """One formula, or one indicator of a catalog, for one year, exactly."""
        return Response(await evaluated(await request.body()), media_type="application/json")

    @router.post("/parse", response_model=api.ParsedOut, tags=["formulas"])
    async def parse(body: FormulaIn) -> Response:
        """The canonical text and the tree (with spans) of a formula; 400 if it does not parse."""
        # as JSON text: a long chain nests deeper than pydantic serialises a tree
        work = partial(api.parsed_json, body.formula)
        text = await formula_work(body.formula, work, "parse")
        return Response(text, media_type="application/json")

    @router.post("/format", response_model=api.FormattedOut, tags=["formulas"])
    async def format_(body: FormulaIn) -> Response:
        """The canonical text of a formula, and whether it changed."""
        work = partial(api.format_formula, body.formula)
        return _json(await formula_work(body.formula, work, "format"))

    @router.post("/check/formula", response_model=api.CheckOut, tags=["check"])
    async def check_formula(body: CheckFormulaIn) -> Response:
        """Every problem of a formula, as diagnostics (200 even when it has errors)."""
        handle = handle_of(body.catalog) if body.catalog is not None else None
        work = partial(api.check_formula, body.formula, body.units, handle)
        return _json(await formula_work(body.formula, work, "the check"))

    @router.post("/check/fragment", response_model=api.CheckOut, tags=["check"])
    async def check_fragment(body: FragmentIn) -> Response:
        """A catalog file (or a formula file) sent as text: YAML, schema, formulas."""
        work = partial(api.check_fragment, body.text, body.kind, body.name)
        return _json(await budget.in_process(work, "the check"))

    @router.post(
        "/evaluate/batch",
        response_model=api.BatchOut,
        tags=["evaluate"],
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/BatchIn"}},
                    ARROW: {
                        "schema": {"type": "string", "format": "binary"},
                        "description": "an Arrow IPC stream of the columns; the other "
                        "fields (formula or indicator, catalog, year) as query parameters",
                    },
                },
            }
        },
    )
    async def evaluate_batch(request: Request) -> Response:
        """A formula or an indicator over many rows (JSON columns, or Arrow IPC)."""
        body = await _batch_body(request)
        rows = max((len(column) for column in body.columns.values()), default=0)
        if rows > limits.batch_rows:
            raise errors.ServiceError(
                413,
                f"the batch has {rows} rows; the limit is {limits.batch_rows}",
                code="E703",
                hint="split it into several requests",
                where="body.columns",
            )

        def run(deadline: float) -> api.BatchOut:
            if body.formula is not None:
                compiled = api.compiled_formula(body.formula, body.units)
            else:
                compiled = handle_of(body.catalog).formula(body.indicator or "", body.year)
            return api.evaluate_batch(compiled, body.columns, body.year, deadline)

        return _json(await budget.in_thread(run, "the batch"))

    @router.post("/equivalence", response_model=api.EquivalenceOut, tags=["formulas"])
    async def equivalence(body: EquivalenceIn) -> Response:
        """Are two formulas the same function of their inputs? (with a counterexample)"""
        work = partial(api.equivalent, body.left, body.right, body.units)
        return _json(await budget.in_process(work, "the equivalence"))

    @router.get("/catalogs", response_model=list[CatalogOut], tags=["catalog"])
    async def list_catalogs() -> list[CatalogOut]:
        """The catalogs this service serves, by name."""
        out = []
        for name, handle in handles.items():
            plan = handle.catalog.plan.plan
            out.append(
                CatalogOut(
                    name=name,
                    plan=plan.name,
                    opd=plan.opd,
                    first_year=plan.first_year,
                    last_year=plan.last_year,
                    etag=handle.etag,
                )
            )
        return out

    @router.get("/catalogs/{name}/tree", response_model=api.TreeOut, tags=["catalog"])
    async def tree(name: Id) -> Response:
        """Tujuan -> sasaran -> program -> kegiatan -> sub kegiatan, with indicators."""
        handle = handle_of(name)
        return _json(budget.inline(partial(api.tree, handle), "the tree"), handle.etag)

    @router.get(
        "/catalogs/{name}/indicators/{indicator}",
        response_model=api.IndicatorOut,
        tags=["catalog"],
    )
    async def indicator(name: Id, indicator: Id) -> Response:
        """An indicator as the catalog states it; its ETag is the one edits must match."""
        work = partial(api.indicator_detail, handle_of(name), indicator)
        out: api.IndicatorOut = budget.inline(work, "the indicator")
        return _json(out, out.etag)

    @router.get("/catalogs/{name}/audit", response_model=api.AuditSummaryOut, tags=["audit"])
    async def audit(name: Id) -> Response:
        """The audit's counts: figures checked, holding, findings, not recomputable."""
        work = partial(api.audit_summary, await audited(name))
        out: api.AuditSummaryOut = budget.inline(work, "the audit")
        return _json(out, out.etag)

    @router.get(
        "/catalogs/{name}/audit/findings",
        response_model=list[api.FindingOut],
        tags=["audit"],
    )
    async def findings(name: Id, every_figure: bool = False) -> Response:
        """The findings (or every recomputed figure, with every_figure=true)."""
        work = partial(api.findings, await audited(name), every_figure)
        return _json_list(budget.inline(work, "the findings"))

    @router.get(
        "/catalogs/{name}/audit/findings/{finding}",
        response_model=api.FindingOut,
        tags=["audit"],
    )
    async def finding(name: Id, finding: Id) -> Response:
        """One recomputed figure, by its id (from the list of findings)."""
        work = partial(api.finding, await audited(name), finding)
        return _json(budget.inline(work, "the finding"))

    @router.get(
        "/catalogs/{name}/explain/{subject}", response_model=api.ExplanationOut, tags=["audit"]
    )
    async def explain(
        name: Id,
        subject: Id,
        year: Annotated[int | None, Field(ge=1900, le=2200)] = None,
        end_of_period: bool = False,
    ) -> Response:
        """How a value was computed: an indicator id or name, or a row's code."""
        work = partial(api.explain, await audited(name), subject, year, end_of_period)
        return _json(budget.inline(work, "the explanation"))

    edits: dict[str, Any] = {  # every edit: the token, and its errors in the document
        "tags": ["edits"],
        "responses": EDIT_ERRORS,
        "dependencies": [Depends(authorised)],
    }

    @router.put(
        "/catalogs/{name}/indicators/{indicator}/targets/{year}",
        response_model=api.EditOut,
        **edits,
    )
    async def set_target(
        name: Id,
        indicator: Id,
        year: Annotated[int, PathParam(ge=1900, le=2200)],
        body: TargetIn,
        if_match: Annotated[str | None, Header(max_length=200)] = None,
    ) -> Response:
        """Set the target the catalog cites for `year` (with its source); needs the token.
        With If-Match, refused (409) unless it is the indicator's current ETag."""
        handle = handle_of(name)
        work = partial(api.set_target, handle, indicator, year, body.text, body.source, if_match)
        out: api.EditOut = await budget.in_thread(work, "the edit")
        return _json(out, out.etag)

    @router.post("/catalogs/{name}/realisations", response_model=api.RealisationsOut, **edits)
    async def add_realisations(name: Id, body: RealisationsIn) -> Response:
        """Add realisations with their source (all or nothing); needs the token."""
        work = partial(api.add_realisations, handle_of(name), body.values, body.source)
        return _json(await budget.in_thread(work, "the edit"))

    @router.get("/catalogs/{name}/capaian", response_model=CapaianTable, tags=["catalog"])
    async def capaian(
        name: Id,
        year: Annotated[int, Query(ge=1900, le=2200)],
        quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    ) -> Response:
        """The capaian table of a year or up to a quarter: target and realisation in
        force, capaian and predikat of every indicator, or why it cannot be computed."""
        work = partial(api.capaian, handle_of(name), year, quarter)
        return _json(budget.inline(work, "capaian"))

    app.include_router(router)
    # The hottest endpoint is also a bare ASGI route, placed first: a framework's
    # handling of a route (FastAPI's dependency solving, Starlette's Request and
    # Response) costs more than the evaluation itself (bench/bench_service.py). The
    # same `evaluated` serves it; its APIRoute above documents it in the OpenAPI document.
    app.router.routes.insert(0, Route("/v1/evaluate", JsonPost(evaluated), methods=["POST"]))
    _with_bodies(app, (EvaluateIn, BatchIn))
    app.include_router(web.router(handles, token))  # the pages at / (formula_engine.web)
    return app


class JsonPost:
    """A POST endpoint as a bare ASGI app: the body's bytes to `answer`, whose JSON bytes
    go back with 200. What `answer` raises is answered by the app's exception handlers,
    as on any route (nothing has been sent by then)."""

    def __init__(self, answer: Callable[[bytes], Awaitable[bytes]]) -> None:
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":  # the client left: nobody to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        data = await self.answer(b"".join(chunks))
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(data))]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": data})


def _json(model: BaseModel, etag: str | None = None) -> Response:
    """The model's JSON as it is (a facade model is valid by construction: the endpoints
    skip FastAPI's second validation of their return value), with its ETag if it has one."""
    headers = {"ETag": f'"{etag}"'} if etag is not None else None
    data = model.__pydantic_serializer__.to_json(model)  # the bytes model_dump_json encodes
    return Response(data, media_type="application/json", headers=headers)


def _json_list(models: list[Any]) -> Response:
    body = b"[" + b",".join(model.model_dump_json().encode() for model in models) + b"]"
    return Response(body, media_type="application/json")


async def _batch_body(request: Request) -> BatchIn:
    content_type = request.headers.get("content-type", "application/json").split(";")[0]
    raw = await request.body()
    try:
        if content_type == ARROW:
            fields = dict(request.query_params)
            return BatchIn.model_validate({**fields, "columns": _arrow_columns(raw)})
    except ValidationError as invalid:
        raise _invalid(invalid) from None
    if content_type != "application/json":
        raise errors.ServiceError(
            415,
            f"the body is {content_type!r}",
            code="E709",
            hint=f"send application/json or {ARROW}",
            where="header Content-Type",
        )
    return _validated(BatchIn, raw)


def _validated(model: type[In_], raw: bytes) -> In_:
    """The JSON body read into `model` (422 as FastAPI gives it, located under body)."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as invalid:
        raise _invalid(invalid) from None


def _invalid(invalid: ValidationError) -> RequestValidationError:
    problems = invalid.errors(include_url=False)
    return RequestValidationError([{**p, "loc": ("body", *p["loc"])} for p in problems])


def _body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of an endpoint that reads its JSON body itself."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _with_bodies(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """The OpenAPI document also holds the schemas of the bodies read by `_validated`
    (FastAPI lists only those it reads itself)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            for model in models:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                schemas.update(schema.pop("$defs", {}))
                schemas[model.__name__] = schema
            document["components"]["schemas"] = dict(sorted(schemas.items()))
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _arrow_columns(raw: bytes) -> dict[str, list[Any]]:
    import pyarrow as pa

    try:
        table = pa.ipc.open_stream(raw).read_all()
    except (pa.ArrowInvalid, OSError, ValueError) as error:
        raise errors.ServiceError(
            400,
            f"the body is not an Arrow IPC stream: {str(error)[:200]}",
            code="E709",
            hint="write it with pyarrow.ipc.new_stream (one record batch or more)",
            where="body",
        ) from None
    columns: dict[str, list[Any]] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        values = column.to_pylist()
        columns[name] = [
            v if v is None or isinstance(v, int | float | str) else str(v) for v in values
        ]
    return columns


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("formula-engine")
    except PackageNotFoundError:
        return "0"
