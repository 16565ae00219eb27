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
from ..errors import FormulaError
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
    text = f"{words['table']} {source.get('table')}"
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
    here = request.url.path if request.method == "GET" else "/editor"  # the form's page
    switch = here + ("?" + urlencode(other) if other else "")
    html = _environment.get_template(template).render(
        t=words, url=url, suffix=suffix, switch=switch, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status)


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


def chart(values: list[dict[str, Any]], first: int, last: int) -> dict[str, Any] | None:
    """Points of the target and realisation lines: the first printed figure per year."""
    series: dict[str, dict[int, tuple[Fraction, str]]] = {"target": {}, "realisation": {}}
    for value in values:
        kind, year = value.get("kind"), value.get("year")
        if kind in series and isinstance(year, int) and year not in series[kind]:
            number = printed_number(str(value.get("text", "")))
            if number is not None:
                series[kind][year] = (number, str(value["text"]))
    numbers = [n for points in series.values() for n, _ in points.values()]
    if not numbers:
        return None
    years = list(range(first, last + 1))
    top = max(numbers) or Fraction(1)
    low = min(min(numbers), Fraction(0))
    width, height, pad = 560, 240, 40

    def x(year: int) -> float:
        return pad + (width - 2 * pad) * (year - first) / max(1, last - first)

    def y(number: Fraction) -> float:
        return float(height - pad - (height - 2 * pad) * (number - low) / ((top - low) or 1))

    lines = {
        kind: [
            {"x": round(x(year), 1), "y": round(y(n), 1), "text": text, "year": year}
            for year, (n, text) in sorted(points.items())
        ]
        for kind, points in series.items()
    }
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "years": [{"year": year, "x": round(x(year), 1)} for year in years],
        "lines": lines,
        "paths": {k: " ".join(f"{p['x']},{p['y']}" for p in v) for k, v in lines.items()},
    }


def router(handles: Mapping[str, api.CatalogHandle]) -> APIRouter:
    """The pages over the first catalog served."""
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
        return render(request, "plan.html", tree=tree, nodes=kept, q=query)

    @pages.get("/indikator/{identifier}", response_class=HTMLResponse)
    def indicator(request: Request, identifier: str) -> HTMLResponse:
        try:
            detail = api.indicator_detail(handle(), identifier[:300])
            trail = api.explain(handle(), identifier[:300])
        except api.NotFound as missing:
            return not_found(request, missing)
        catalog = handle().catalog.plan.plan
        entry = detail.indicator
        return render(
            request,
            "indicator.html",
            detail=detail,
            entry=entry,
            trail=trail,
            chart=chart(entry.get("values", []), catalog.first_year, catalog.last_year),
        )

    @pages.get("/audit", response_class=HTMLResponse)
    def audit(request: Request, cek: str = "", tabel: str = "") -> HTMLResponse:
        lang = lang_of(request.query_params.get("lang"))
        every = api.findings(handle())
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
            found = api.finding(handle(), identifier[:300])
        except api.NotFound as missing:
            return not_found(request, missing)
        try:
            trail: api.ExplanationOut | None = api.explain(handle(), found.subject, found.year)
        except api.NotFound:
            trail = None
        return render(
            request, "finding.html", f=found, trail=trail, check=check_label(found.check, lang)
        )

    @pages.get("/editor", response_class=HTMLResponse)
    def editor(request: Request, indikator: str = "") -> HTMLResponse:
        old, name = "", ""
        if indikator:
            try:
                entry = api.indicator_detail(handle(), indikator[:300]).indicator
            except api.NotFound as missing:
                return not_found(request, missing)
            formulas = entry.get("formulas") or [{}]
            old, name = str(formulas[-1].get("formula") or ""), str(entry.get("name", ""))
        return render(
            request,
            "editor.html",
            old=old,
            formula=old,
            name=name,
            indikator=indikator,
            result=None,
        )

    @pages.post("/editor/periksa", response_class=HTMLResponse)
    async def live_check(request: Request) -> HTMLResponse:
        body = await request.body()
        form = parse_qs(body[: 4 * MAX_FORMULA].decode("utf-8", "replace"))
        formula = form.get("formula", [""])[0][:MAX_FORMULA]
        old = form.get("lama", [""])[0][:MAX_FORMULA]
        lang = lang_of(form.get("lang", [request.query_params.get("lang", "")])[0])
        result = check(formula, old)
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
            result=result,
        )

    def check(formula: str, old: str) -> dict[str, Any]:
        checked = api.check_formula(formula, catalog=handle())
        equivalence: api.EquivalenceOut | None = None
        if checked.ok and old.strip() and old.strip() != formula.strip():
            try:
                equivalence = api.equivalent(old, formula)
            except FormulaError:  # an old formula that no longer parses or checks
                equivalence = None
        return {"formula": formula, "checked": checked, "equivalence": equivalence}

    @pages.get("/static/{name}")
    def static(name: str) -> Response:
        if name not in STATIC:
            return Response("not found", status_code=404, media_type="text/plain")
        data = resources.files("formula_engine.web").joinpath("static", name).read_bytes()
        return Response(
            data, media_type=STATIC[name], headers={"Cache-Control": "public, max-age=3600"}
        )

    return pages
