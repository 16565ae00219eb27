"""The routes of the web pages (see the package docstring)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from fractions import Fraction
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from .. import api
from ..audit.messages import table_number
from ..capaian import CapaianRow, reason_in
from ..errors import FormulaError
from . import forms
from .i18n import Lang, check_label, lang_of, strings

MAX_FORMULA = 2_000  # characters of a formula typed into the editor
MAX_QUERY = 200  # characters of a search
STATIC = {
    "htmx.min.js": "text/javascript",
    "htmx.LICENSE": "text/plain",
    "web.css": "text/css",
}

_environment = Environment(
    loader=PackageLoader("formula_engine.web", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def source_text(source: Mapping[str, Any] | None, lang: Lang) -> str:
    """`Tabel 4.1, baris 2466-2469`: a citation of the document."""
    if not source:
        return ""
    words = strings(lang)
    text = f"{words['table']} {table_number(str(source.get('table')))}"
    if source.get("line") is not None:
        text += f", {words['line']} {source['line']}"
        if source.get("last_line"):
            text += f"-{source['last_line']}"
    return text


_environment.globals["source_text"] = source_text


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the language the request asks for."""
    lang = lang_of(request.query_params.get("lang"))
    context.setdefault("lang", lang)
    context.setdefault("logged_in", bool(request.cookies.get(forms.COOKIE)))  # the menu only
    lang = context["lang"]
    words = strings(lang)
    suffix = "?lang=en" if lang == "en" else ""

    def url(path: str, **query: Any) -> str:
        given = {k: v for k, v in query.items() if v not in (None, "")}
        if lang == "en":
            given["lang"] = "en"
        return path + ("?" + urlencode(given) if given else "")

    other = dict(request.query_params)
    other.pop("lang", None)
    if lang == "id":
        other["lang"] = "en"
    here = request.url.path if request.method == "GET" else _form_page(request.url.path)
    switch = here + ("?" + urlencode(other) if other else "")
    query = request.url.query
    back = request.url.path + ("?" + query if query and request.method == "GET" else "")
    html = _environment.get_template(template).render(
        t=words, url=url, suffix=suffix, switch=switch, path=request.url.path, here=back, **context
    )
    return HTMLResponse(html, status_code=status)


def not_found_page(request: Request) -> HTMLResponse:
    """The "not found" page of a path no page has (a 404 outside the service's API, an
    unknown static file), in the language the request asks for."""
    return render(request, "not_found.html", status=404, suggestions=[])


def _form_page(path: str) -> str:
    """The page a form posted to `path` stands on (for the language switch)."""
    for suffix in ("/target", "/realisasi"):
        if path.startswith("/indikator/") and path.endswith(suffix):
            return path.removesuffix(suffix)
    return "/" + path.strip("/").split("/")[0]  # /editor/simpan -> /editor, /unggah/simpan


def _matches(text: str, query: str) -> bool:
    return query.casefold() in text.casefold()


def _prune(node: api.TreeNode, query: str, counts: Mapping[str, int]) -> dict[str, Any] | None:
    """The node as a dict, keeping only what matches the search (and its ancestors), with
    the number of findings on it and below it (`findings`)."""
    coded = node.level not in ("tujuan", "sasaran")  # a program row's code is printed
    own = _matches(node.name, query) or (coded and _matches(node.key, query))
    indicators = [i for i in node.indicators if own or _matches(i.name, query)]
    children = [
        c
        for c in (_prune(child, "" if own else query, counts) for child in node.children)
        if c is not None
    ]
    if not (own or indicators or children):
        return None
    return {
        "level": node.level,
        "key": node.key,
        "name": node.name,
        "indicators": [i.model_dump() for i in (node.indicators if own else indicators)],
        "children": children,
        "findings": _findings_below(node, counts),
    }


def _findings_below(node: api.TreeNode, counts: Mapping[str, int]) -> int:
    """Findings whose subject is this row, one of its indicators, or anything below."""
    own = counts.get(node.key, 0) if node.level not in ("tujuan", "sasaran") else 0
    own += sum(counts.get(i.id, 0) for i in node.indicators)
    return own + sum(_findings_below(child, counts) for child in node.children)


_NUMBER = re.compile(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?|-?\d+(?:,\d+)?")


def printed_number(text: str) -> Fraction | None:
    """The first number of a printed value in Indonesian notation ("A (85,00)" -> 85)."""
    found = _NUMBER.search(text)
    if found is None:
        return None
    return Fraction(found.group().replace(".", "").replace(",", "."))


def chart(points: Mapping[str, Mapping[int, str]], first: int, last: int) -> dict[str, Any] | None:
    """The target and realisation lines over the plan period: `points` are the texts in
    force per kind and year (as printed or entered); axes with ticks in Indonesian notation."""
    series: dict[str, dict[int, tuple[Fraction, str]]] = {}
    for kind, by_year in points.items():
        series[kind] = {}
        for year, text in by_year.items():
            number = printed_number(text)
            if number is not None:
                series[kind][year] = (number, text)
    numbers = [n for by_year in series.values() for n, _ in by_year.values()]
    if not numbers:
        return None
    years = list(range(first, last + 1))
    top = max(numbers) or Fraction(1)
    low = min(min(numbers), Fraction(0))
    width, height, left, pad = 600, 260, 96, 36

    def x(year: int) -> float:
        return left + (width - left - pad) * (year - first) / max(1, last - first)

    def y(number: Fraction) -> float:
        return float(height - pad - (height - 2 * pad) * (number - low) / ((top - low) or 1))

    lines = {
        kind: [
            {"x": round(x(year), 1), "y": round(y(n), 1), "text": text, "year": year}
            for year, (n, text) in sorted(by_year.items())
        ]
        for kind, by_year in series.items()
    }
    ticks = [low + (top - low) * Fraction(step, 4) for step in range(5)]
    return {
        "width": width,
        "height": height,
        "left": left,
        "pad": pad,
        "years": [{"year": year, "x": round(x(year), 1)} for year in years],
        "ticks": [{"y": round(y(t), 1), "text": _tick(t)} for t in ticks],
        "lines": lines,
        "paths": {k: " ".join(f"{p['x']},{p['y']}" for p in v) for k, v in lines.items()},
    }


def _tick(value: Fraction) -> str:
    """An axis label: Indonesian notation, as many decimals as it needs (at most 2)."""
    from ..numbers import format_indonesian

    decimals = 0 if value.denominator == 1 or abs(value) >= 1000 else 2
    return format_indonesian(value, decimals)


def capaian_of(
    handle: api.CatalogHandle, identifier: str, years: list[int]
) -> tuple[dict[int, CapaianRow], dict[int, list[tuple[int, CapaianRow]]]]:
    """The indicator's capaian row of each year, and per year the capaian up to each quarter
    that has a realisation of its own: one facade call (api.indicator_capaian) for all."""
    entered = sorted(
        {
            (r.year, int(r.period[2]))
            for r in _records(handle)
            if r.indicator == identifier and r.kind == "realisation" and r.period
        }
    )
    periods: list[tuple[int, int | None]] = [(year, None) for year in years]
    periods += [(year, quarter) for year, quarter in entered if year in years]
    computed = api.indicator_capaian(handle, identifier, periods)
    rows = {year: computed[(year, None)] for year in years if (year, None) in computed}
    quarters: dict[int, list[tuple[int, CapaianRow]]] = {}
    for (year, quarter), row in computed.items():
        if quarter is not None:
            quarters.setdefault(year, []).append((quarter, row))
    return rows, quarters


def _records(handle: api.CatalogHandle) -> tuple[Any, ...]:
    updates = handle.catalog.updates
    return () if updates is None else tuple(updates.entry.records)


def _budgets(handle: api.CatalogHandle) -> dict[str, list[api.BudgetOut]]:
    """The pagu (target Rupiah) per year of each coded row, as printed."""
    return {
        code: [b for b in found if b.kind == "target" and b.year is not None]
        for code, found in api.budgets(handle).items()
    }


def router(handles: Mapping[str, api.CatalogHandle], token: str | None = None) -> APIRouter:
    """The pages over the first catalog served; edits need `token` (web.forms)."""
    pages = APIRouter(include_in_schema=False)

    def handle() -> api.CatalogHandle:
        return next(iter(handles.values()))

    def not_found(request: Request, missing: api.NotFound) -> HTMLResponse:
        return render(
            request,
            "not_found.html",
            status=404,
            suggestions=[(s, names().get(s)) for s in missing.suggestions],
        )

    def names() -> dict[str, str]:
        """Indicator id -> the document's name, to show names rather than ids."""
        found: dict[str, str] = {}
        tree = api.tree(handle())
        stack = [*tree.tujuan, *tree.programs_without_sasaran]
        while stack:
            node = stack.pop()
            found.update({i.id: i.name for i in node.indicators})
            stack.extend(node.children)
        return found

    @pages.get("/", response_class=HTMLResponse)
    def plan(request: Request, q: str = "") -> HTMLResponse:
        query = q.strip()[:MAX_QUERY]
        tree = api.tree(handle())
        roots = [*tree.tujuan, *tree.programs_without_sasaran]
        counts = Counter(f.subject for f in api.findings(handle()))
        kept = [n for n in (_prune(root, query, counts) for root in roots) if n is not None]
        return render(
            request, "plan.html", tree=tree, nodes=kept, q=query, budgets=_budgets(handle())
        )

    def indicator_page(
        request: Request, identifier: str, status: int = 200, **extra: Any
    ) -> HTMLResponse:
        year = request.query_params.get("tahun", "")
        trail_year = int(year) if year.isascii() and year.isdigit() and len(year) == 4 else None
        try:
            detail = api.indicator_detail(handle(), identifier[:300])
            lang = lang_of(request.query_params.get("lang"))
            trail = api.explain(handle(), identifier[:300], trail_year, lang=lang)
        except api.NotFound as missing:
            return not_found(request, missing)
        plan = handle().catalog.plan.plan
        entry = detail.indicator
        years = list(range(plan.first_year, plan.last_year + 1))
        rows, quarters = capaian_of(handle(), entry["id"], years)
        points = {
            "target": {y: r.target for y, r in rows.items() if r.target},
            "realisation": {y: r.realisasi for y, r in rows.items() if r.realisasi},
        }
        extra.setdefault("form", {})
        return render(
            request,
            "indicator.html",
            status=status,
            detail=detail,
            entry=entry,
            trail=trail,
            trail_year=trail_year,
            years=years,
            capaian=rows,
            quarters=quarters,
            reason=lambda text: reason_in(text, lang_of(request.query_params.get("lang"))),
            chart=chart(points, plan.first_year, plan.last_year),
            editing=token is not None,
            logged_in=forms.logged_in(request, token),
            **extra,
        )

    @pages.get("/indikator/{identifier}", response_class=HTMLResponse)
    def indicator(request: Request, identifier: str) -> HTMLResponse:
        return indicator_page(request, identifier, saved=request.query_params.get("disimpan"))

    @pages.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, cek: str = "", tabel: str = "") -> HTMLResponse:
        lang = lang_of(request.query_params.get("lang"))
        every = api.findings(handle(), lang=lang)
        checks = sorted({f.check for f in every})
        tables = sorted({f.place.table for f in every})
        shown = [
            f
            for f in every
            if (not cek or f.check == cek) and (not tabel or f.place.table == tabel)
        ]
        return render(
            request,
            "audit.html",
            summary=api.audit_summary(handle()),
            findings=shown,
            total=len(every),
            checks=[(c, check_label(c, lang)) for c in checks],
            tables=tables,
            cek=cek,
            tabel=tabel,
            check_label=lambda c: check_label(c, lang),
        )

    @pages.get("/temuan/{identifier}", response_class=HTMLResponse)
    def finding(request: Request, identifier: str) -> HTMLResponse:
        lang = lang_of(request.query_params.get("lang"))
        try:
            found = api.finding(handle(), identifier[:300], lang)
        except api.NotFound as missing:
            return not_found(request, missing)
        try:
            trail: api.ExplanationOut | None = api.explain(
                handle(), found.subject, found.year, lang=lang
            )
        except api.NotFound:
            trail = None
        return render(
            request,
            "finding.html",
            f=found,
            trail=trail,
            check=check_label(found.check, lang),
            indicator_name=names().get(found.subject),
        )

    @pages.get("/editor", response_class=HTMLResponse)
    def editor(request: Request, indikator: str = "", versi: str = "") -> HTMLResponse:
        old, name, version = "", "", ""
        if indikator:
            try:
                entry = api.indicator_detail(handle(), indikator[:300]).indicator
            except api.NotFound as missing:
                return not_found(request, missing)
            formulas = entry.get("formulas") or [{}]
            chosen = next((f for f in formulas if str(f.get("valid_from")) == versi), None)
            chosen = chosen or formulas[-1]
            old, name = str(chosen.get("formula") or ""), str(entry.get("name", ""))
            version = str(chosen.get("valid_from") or "")
        return render(
            request,
            "editor.html",
            old=old,
            formula=old,
            name=name,
            indikator=indikator,
            versi=version,
            result=None,
            form={},
            editing=token is not None,
            logged_in=forms.logged_in(request, token),
        )

    @pages.post("/editor/periksa", response_class=HTMLResponse)
    async def live_check(request: Request) -> HTMLResponse:
        body = await request.body()
        form = parse_qs(body[: 4 * MAX_FORMULA].decode("utf-8", "replace"))
        formula = form.get("formula", [""])[0][:MAX_FORMULA]
        old = form.get("lama", [""])[0][:MAX_FORMULA]
        lang = lang_of(form.get("lang", [request.query_params.get("lang", "")])[0])
        result = check(formula, old, lang)
        if request.headers.get("HX-Request"):
            return render(request, "check.html", lang=lang, result=result)
        return render(
            request,
            "editor.html",
            lang=lang,
            old=old,
            formula=formula,
            name=form.get("nama", [""])[0][:300],
            indikator=form.get("indikator", [""])[0][:300],
            versi=form.get("versi", [""])[0][:4],
            result=result,
            form={k: v[0][:300] for k, v in form.items()},
            editing=token is not None,
            logged_in=forms.logged_in(request, token),
        )

    def check(formula: str, old: str, lang: str) -> dict[str, Any]:
        checked = api.check_formula(formula, catalog=handle(), lang=lang)
        equivalence: api.EquivalenceOut | None = None
        if checked.ok and old.strip() and old.strip() != formula.strip():
            try:
                equivalence = api.equivalent(old, formula)
            except FormulaError:  # an old formula that no longer parses or checks
                equivalence = None
        return {"formula": formula, "checked": checked, "equivalence": equivalence}

    forms.routes(pages, handle, token, indicator_page)

    @pages.get("/static/{name}")
    def static(request: Request, name: str) -> Response:
        if name not in STATIC:
            return not_found_page(request)
        data = resources.files("formula_engine.web").joinpath("static", name).read_bytes()
        return Response(
            data, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
        )

    return pages
