"""The HTTP service (`renstra serve`): the facade (formula_engine.api) over FastAPI.

    app = create_app({"blitar": Path("catalog")}, token="...")   # several catalogs by name

Every endpoint is under /v1 and returns a pydantic model of the facade; errors are
service.errors.ErrorOut. Work runs with a time budget (service.workers); bodies, formulas
and batches are bounded (service.limits). Edits need the bearer token given at start, are
serialised per catalog (the handle's lock) and recorded with their source, atomically,
in updates.yaml (catalog.updates).
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import api, web
from ..capaian import CapaianTable
from ..model import Result
from . import errors
from .limits import BodyLimit, Limits
from .workers import in_process, in_thread

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


class Subject(In):
    """A formula (its names are inputs) or an indicator of a catalog: exactly one."""

    formula: str | None = None
    indicator: str | None = Field(None, max_length=300)
    catalog: str | None = Field(None, description="default: the first catalog served")
    units: dict[str, str] = Field({}, description="name -> unit, for a formula")
    year: Year

    @model_validator(mode="after")
    def _one_subject(self) -> Subject:
        if (self.formula is None) == (self.indicator is None):
            raise ValueError("give exactly one of `formula` and `indicator`")
        return self


class EvaluateIn(Subject):
    values: Values = Field({}, description='name -> year ("2024" or "awal") -> value')
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
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": errors.ErrorOut, "description": meaning}
    for status, meaning in {
        400: "a formula or value the engine refuses",
        404: "an unknown catalog, indicator or finding",
        413: "a body over the limit",
        422: "a body that does not match the schema",
        503: "over the time budget",
    }.items()
}
EDIT_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": errors.ErrorOut, "description": meaning}
    for status, meaning in {
        401: "no or a wrong bearer token",
        403: "the service was started without a token: edits are off",
        409: "If-Match is not the resource's current ETag",
    }.items()
}


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
    errors.install(app, {name: handle.root for name, handle in handles.items()})
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

    async def bounded(function: Any, what: str) -> Any:
        return await in_thread(function, limits.seconds, what)

    @router.post("/parse", response_model=api.ParsedOut, tags=["formulas"])
    async def parse(body: FormulaIn) -> api.ParsedOut:
        """The canonical text and the tree (with spans) of a formula; 400 if it does not parse."""
        out: api.ParsedOut = await bounded(lambda: api.parse_formula(body.formula), "parse")
        return out

    @router.post("/format", response_model=api.FormattedOut, tags=["formulas"])
    async def format_(body: FormulaIn) -> api.FormattedOut:
        """The canonical text of a formula, and whether it changed."""
        out: api.FormattedOut = await bounded(lambda: api.format_formula(body.formula), "format")
        return out

    @router.post("/check/formula", response_model=api.CheckOut, tags=["check"])
    async def check_formula(body: CheckFormulaIn) -> api.CheckOut:
        """Every problem of a formula, as diagnostics (200 even when it has errors)."""
        handle = handle_of(body.catalog) if body.catalog is not None else None
        out: api.CheckOut = await bounded(
            lambda: api.check_formula(body.formula, body.units, handle), "the check"
        )
        return out

    @router.post("/check/fragment", response_model=api.CheckOut, tags=["check"])
    async def check_fragment(body: FragmentIn) -> api.CheckOut:
        """A catalog file (or a formula file) sent as text: YAML, schema, formulas."""
        out: api.CheckOut = await in_process(
            lambda: api.check_fragment(body.text, body.kind, body.name), limits.seconds, "check"
        )
        return out

    @router.post("/evaluate", response_model=Result, tags=["evaluate"])
    async def evaluate(body: EvaluateIn) -> Response:
        """One formula, or one indicator of a catalog, for one year, exactly."""
        if body.formula is not None:
            formula = body.formula

            def run() -> Result:
                return api.evaluate(formula, body.values, body.year, body.units, body.decimals)
        else:
            handle, indicator = handle_of(body.catalog), body.indicator or ""

            def run() -> Result:
                return api.evaluate_indicator(
                    handle, indicator, body.values, body.year, body.decimals
                )

        out: Result = await bounded(run, "the evaluation")
        return _json(out)

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
        deadline = time.monotonic() + limits.seconds

        def run() -> api.BatchOut:
            if body.formula is not None:
                compiled = api.model_for(body.formula, body.units).compile(body.formula)
            else:
                compiled = handle_of(body.catalog).formula(body.indicator or "", body.year)
            return api.evaluate_batch(compiled, body.columns, body.year, deadline)

        out: api.BatchOut = await bounded(run, "the batch")
        return _json(out)

    @router.post("/equivalence", response_model=api.EquivalenceOut, tags=["formulas"])
    async def equivalence(body: EquivalenceIn) -> api.EquivalenceOut:
        """Are two formulas the same function of their inputs? (with a counterexample)"""
        out: api.EquivalenceOut = await in_process(
            lambda: api.equivalent(body.left, body.right, body.units),
            limits.seconds,
            "the equivalence",
        )
        return out

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
    async def tree(name: Id, response: Response) -> api.TreeOut:
        """Tujuan -> sasaran -> program -> kegiatan -> sub kegiatan, with indicators."""
        handle = handle_of(name)
        out: api.TreeOut = await bounded(lambda: api.tree(handle), "the tree")
        response.headers["ETag"] = f'"{handle.etag}"'
        return out

    @router.get(
        "/catalogs/{name}/indicators/{indicator}",
        response_model=api.IndicatorOut,
        tags=["catalog"],
    )
    async def indicator(name: Id, indicator: Id, response: Response) -> api.IndicatorOut:
        """An indicator as the catalog states it; its ETag is the one edits must match."""
        handle = handle_of(name)
        out: api.IndicatorOut = await bounded(
            lambda: api.indicator_detail(handle, indicator), "the indicator"
        )
        response.headers["ETag"] = f'"{out.etag}"'
        return out

    @router.get("/catalogs/{name}/audit", response_model=api.AuditSummaryOut, tags=["audit"])
    async def audit(name: Id, response: Response) -> api.AuditSummaryOut:
        """The audit's counts: figures checked, holding, findings, not recomputable."""
        handle = handle_of(name)
        out: api.AuditSummaryOut = await bounded(lambda: api.audit_summary(handle), "audit")
        response.headers["ETag"] = f'"{out.etag}"'
        return out

    @router.get(
        "/catalogs/{name}/audit/findings",
        response_model=list[api.FindingOut],
        tags=["audit"],
    )
    async def findings(name: Id, every_figure: bool = False) -> list[api.FindingOut]:
        """The findings (or every recomputed figure, with every_figure=true)."""
        handle = handle_of(name)
        out: list[api.FindingOut] = await bounded(
            lambda: api.findings(handle, every_figure), "the findings"
        )
        return out

    @router.get(
        "/catalogs/{name}/audit/findings/{finding}",
        response_model=api.FindingOut,
        tags=["audit"],
    )
    async def finding(name: Id, finding: Id) -> api.FindingOut:
        """One recomputed figure, by its id (from the list of findings)."""
        handle = handle_of(name)
        out: api.FindingOut = await bounded(lambda: api.finding(handle, finding), "the finding")
        return out

    @router.get(
        "/catalogs/{name}/explain/{subject}", response_model=api.ExplanationOut, tags=["audit"]
    )
    async def explain(
        name: Id,
        subject: Id,
        year: Annotated[int | None, Field(ge=1900, le=2200)] = None,
        end_of_period: bool = False,
    ) -> api.ExplanationOut:
        """How a value was computed: an indicator id or name, or a row's code."""
        handle = handle_of(name)
        out: api.ExplanationOut = await bounded(
            lambda: api.explain(handle, subject, year, end_of_period), "the explanation"
        )
        return out

    @router.put(
        "/catalogs/{name}/indicators/{indicator}/targets/{year}",
        response_model=api.EditOut,
        tags=["edits"],
        responses=EDIT_ERRORS,
        dependencies=[Depends(authorised)],
    )
    async def set_target(
        name: Id,
        indicator: Id,
        year: Annotated[int, PathParam(ge=1900, le=2200)],
        body: TargetIn,
        response: Response,
        if_match: Annotated[str | None, Header(max_length=200)] = None,
    ) -> api.EditOut:
        """Set the target the catalog cites for `year` (with its source); needs the token.
        With If-Match, refused (409) unless it is the indicator's current ETag."""
        handle = handle_of(name)
        out: api.EditOut = await bounded(
            lambda: api.set_target(handle, indicator, year, body.text, body.source, if_match),
            "the edit",
        )
        response.headers["ETag"] = f'"{out.etag}"'
        return out

    @router.post(
        "/catalogs/{name}/realisations",
        response_model=api.RealisationsOut,
        tags=["edits"],
        responses=EDIT_ERRORS,
        dependencies=[Depends(authorised)],
    )
    async def add_realisations(name: Id, body: RealisationsIn) -> api.RealisationsOut:
        """Add realisations with their source (all or nothing); needs the token."""
        handle = handle_of(name)
        out: api.RealisationsOut = await bounded(
            lambda: api.add_realisations(handle, body.values, body.source), "the edit"
        )
        return out

    @router.get("/catalogs/{name}/capaian", response_model=CapaianTable, tags=["catalog"])
    async def capaian(
        name: Id,
        year: Annotated[int, Query(ge=1900, le=2200)],
        quarter: Annotated[int | None, Query(ge=1, le=4)] = None,
    ) -> Response:
        """The capaian table of a year or up to a quarter: target and realisation in
        force, capaian and predikat of every indicator, or why it cannot be computed."""
        handle = handle_of(name)
        out: CapaianTable = await bounded(lambda: api.capaian(handle, year, quarter), "capaian")
        return _json(out)

    app.include_router(router)
    app.include_router(web.router(handles, token))  # the pages at / (formula_engine.web)
    return app


def _json(model: BaseModel) -> Response:
    """The model's JSON as it is (a facade model is valid by construction: the hot
    endpoints skip FastAPI's second validation of their return value)."""
    return Response(model.model_dump_json(), media_type="application/json")


async def _batch_body(request: Request) -> BatchIn:
    content_type = request.headers.get("content-type", "application/json").split(";")[0]
    raw = await request.body()
    try:
        if content_type == ARROW:
            fields = dict(request.query_params)
            return BatchIn.model_validate({**fields, "columns": _arrow_columns(raw)})
        if content_type != "application/json":
            raise errors.ServiceError(
                415,
                f"the body is {content_type!r}",
                code="E709",
                hint=f"send application/json or {ARROW}",
                where="header Content-Type",
            )
        return BatchIn.model_validate_json(raw)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors(include_url=False)) from None


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
