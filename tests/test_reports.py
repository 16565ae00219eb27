"""The audit's reports as an auditor reads them: goldens in Indonesian and English from a
small catalog (tests/fixtures/reports), the HTML's structure, the terminal's width, and
the rules on names, places and exact values, on the bundled catalog."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import check_golden

from formula_engine.audit import AuditReport, Section, run_audit
from formula_engine.audit.figures import Figure, Place
from formula_engine.audit.html import render_html
from formula_engine.audit.report import (
    CLASS_ORDER,
    finding_class,
    render_json,
    render_markdown,
    render_summary,
)
from formula_engine.catalog import load_catalog
from formula_engine.numbers import format_indonesian

ROOT = Path(__file__).resolve().parent.parent
SMALL, _ = load_catalog(ROOT / "tests" / "fixtures" / "reports")
BUNDLED, _ = load_catalog(ROOT / "catalog")
assert SMALL is not None and BUNDLED is not None
SMALL_REPORT, REPORT = run_audit(SMALL), run_audit(BUNDLED)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_golden_markdown_in_each_language(lang: str, update_goldens: bool) -> None:
    golden = ROOT / "tests" / "golden" / f"audit_{lang}.md"
    check_golden(golden, render_markdown(SMALL_REPORT, lang), update_goldens)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_golden_html_in_each_language(lang: str, update_goldens: bool) -> None:
    golden = ROOT / "tests" / "golden" / f"audit_{lang}.html"
    check_golden(golden, render_html(SMALL_REPORT, SMALL, lang), update_goldens)


def test_the_small_catalog_has_one_figure_of_each_kind_the_reports_render() -> None:
    classes = [finding_class(f) for f in SMALL_REPORT.figures]
    assert {"arithmetic", "notation", "not_checkable", None} <= set(classes)


class Page(HTMLParser):
    """The ids, links, elements and attributes of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append((tag, found))
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))


@pytest.fixture(scope="module")
def page() -> tuple[str, Page]:
    text = render_html(REPORT, BUNDLED, "en")
    parsed = Page()
    parsed.feed(text)
    return text, parsed


def test_html_anchors_are_unique_and_every_link_has_its_target(page: tuple[str, Page]) -> None:
    _, parsed = page
    assert len(parsed.ids) == len(set(parsed.ids))
    assert parsed.links and all(link.startswith("#") for link in parsed.links)  # nothing fetched
    assert {link[1:] for link in parsed.links} <= set(parsed.ids)


def test_html_each_finding_once_with_a_link_to_its_explanation(page: tuple[str, Page]) -> None:
    _, parsed = page
    articles = [a for tag, a in parsed.tags if tag == "article"]
    listed = [f for f in REPORT.figures if finding_class(f) in ("arithmetic", "code",
                                                                 "formula_vs_figures")]  # fmt: skip
    assert len(articles) == len(listed) == len({a["id"] for a in articles})
    explained = [i for i in parsed.ids if i.startswith("explain-")]
    assert len(explained) == len({f.subject for f in REPORT.figures if f.status != "holds"})


def test_html_filters_by_class_and_table(page: tuple[str, Page]) -> None:
    text, parsed = page
    selects = [a.get("name") for tag, a in parsed.tags if tag == "select"]
    assert selects == ["class", "table"]
    options = [a.get("value") for tag, a in parsed.tags if tag == "option"]
    assert set(CLASS_ORDER) <= set(options)
    assert {f.place.table for f in REPORT.figures} <= set(options)
    filtered = [a for _, a in parsed.tags if "data-class" in a]
    assert filtered and all("data-table" in a for a in filtered)
    # without the script the form stays hidden and everything is shown
    assert any(tag == "form" and "hidden" in a for tag, a in parsed.tags)
    assert text.count("<script>") == 1 and "src=" not in text


def test_html_prints_on_a4_with_repeated_table_headers(page: tuple[str, Page]) -> None:
    text, parsed = page
    assert "@page { size: A4;" in text and "@media print" in text
    assert "thead { display: table-header-group; }" in text
    tables = sum(tag == "table" for tag, _ in parsed.tags)
    headed = sum(tag == "thead" for tag, _ in parsed.tags)
    findings = sum(tag == "article" for tag, _ in parsed.tags)
    assert headed == tables - findings  # every table but a finding's list of inputs


def test_html_charts_have_axes_values_and_full_labels(page: tuple[str, Page]) -> None:
    text, _ = page
    charts = re.findall(r"<figure><figcaption>(.*?)</figcaption>(<svg.*?</svg>)", text, re.S)
    computed = [f for f in REPORT.figures if f.check == "achievement" and f.recomputed is not None]
    # one chart per indicator and table, and one per program (Tabel 6.1-6.3)
    indicators = {(f.subject, f.place.table) for f in computed}
    assert len(charts) == len(indicators) + len(list(BUNDLED.programs))
    # every capaian the audit computed is a bar: its year, its value, the full name above
    for figure in computed:
        name = REPORT.names[figure.subject]
        value = f">{format_indonesian(figure.recomputed, 2)} %</text>"
        assert any(
            caption.startswith(name) and f">{figure.year}</text>" in svg and value in svg
            for caption, svg in charts
        ), (name, figure.year)
    # axes: ticks from 0 (or below, for a negative capaian) past 100 %, and a line at 100 %
    gini = next(svg for caption, svg in charts if caption.startswith("Indeks Gini"))
    assert ">0 %</text>" in gini and ">100 %</text>" in gini and "stroke-dasharray" in gini
    negative = next(svg for caption, svg in charts if "-731,00 %" in svg)  # Tabel 2.3.1, 2020
    assert ">-1.000 %</text>" in negative
    # the small catalog's program 1.06.02: pagu indikatif 2024 as printed (programs/1.06.02.yaml)
    small = render_html(SMALL_REPORT, SMALL, "id")
    assert "<figcaption>1.06.02 Program Pemberdayaan sosial</figcaption>" in small
    assert ">2024</text>" in small and ">Rp 1.408.587.874</text>" in small


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_terminal_summary_fits_its_width(width: int) -> None:
    text = render_summary(REPORT, "id", width)
    assert max(len(line) for line in text.splitlines()) <= width
    assert "Temuan:" in text


def test_places_are_titles_and_names_never_internal_ids() -> None:
    markdown = render_markdown(REPORT, "id")
    ids = {f.subject for f in REPORT.figures if "_" in f.subject}  # indicator, budget line ids
    shown = {i for i in ids if re.search(rf"(?<![\w\\]){re.escape(i)}(?!\w)", markdown)}
    assert not shown
    assert "2.3.2-anggaran" not in markdown  # the table as the document numbers it ...
    # ... and as it titles it (Tabel 2.3.2, seed line 1569)
    assert "Tabel 2.3.2 “Anggaran dan Realisasi Pendanaan Pelayanan Pada Dinas Sosial" in markdown
    assert json.loads(render_json(REPORT))["sections"][2]["figures"][0]["subject"] in ids


def test_raw_fractions_only_in_the_exact_value_detail() -> None:
    for lang, detail in [("id", "- nilai eksak: "), ("en", "- exact value: ")]:
        for line in render_markdown(REPORT, lang).splitlines():
            if re.search(r"(?<![\d.,])\d+/\d+(?![\d.,])", line):
                assert line.startswith(detail), line


def test_the_class_the_audit_gives_is_used_and_a_missing_one_is_inferred() -> None:
    place = Place("6.3", 10)
    figure = Figure("rollup", "x", "x", 2024, "1", place, "rule", status="finding")
    assert finding_class(figure) == "arithmetic"
    figure.explanation = "notation: a point is used as decimal mark; the value holds"
    assert finding_class(figure) == "notation"
    figure.finding_class = "code"
    assert finding_class(figure) == "code"
    figure.status, figure.finding_class = "not_recomputable", None
    assert finding_class(figure) == "not_checkable"
    report = AuditReport("t", [Section("s", [figure])])
    assert "## Tidak dapat diperiksa" in render_markdown(report, "id")
