"""The audit as one self-contained HTML page, for reading on screen and printing on A4.

Summary counts per class and per check; each finding once, with its location (table as
titled, row, column, seed line), inputs, rule, recomputation and likely cause, and a link
to its explanation further down; notation-only findings and figures that cannot be
checked listed apart; two charts drawn as inline SVG with axes, values and full labels;
every figure per check. Filters by class and by table are a small inline script: without
it, everything is shown and the summary's links lead to each class. A print stylesheet
sets A4 pages and repeats table headers. Nothing is fetched: no external file, font or
script. Every text is escaped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from html import escape

from ..catalog.load import Catalog
from ..catalog.printed import read_printed
from ..i18n import DEFAULT_LANGUAGE, Translate, translator
from ..numbers import format_indonesian, round_half_up
from . import AuditReport
from .figures import Figure, FindingClass, Place
from .messages import table_number, tr
from .report import (
    CLASS_NAMES,
    CLASS_ORDER,
    MEANING_OF_HOLDS,
    REPORTED,
    SEVERITY_NAMES,
    apart_why,
    by_class,
    class_counts,
    class_weights,
    column_text,
    difference_text,
    exact_value,
    finding_class,
    lines_text,
    location,
    row_text,
    short_place,
    status_word,
    summary_sentence,
    table_text,
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.finding { background: #fde8e8; } tr.holds { background: #eef8ee; }
tr.not_recomputable { background: #f4f4f4; }
article.finding { border-left: 4px solid #c92a2a; padding: 0 1rem; margin: 1rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; }
details summary { cursor: pointer; }
.filters { display: flex; gap: 1rem; padding: 0.5rem; background: #f1f3f5; }
[hidden] { display: none !important; }
figure { margin: 1rem 0; } figcaption { font-weight: 600; margin-bottom: 0.3rem; }
figure svg { max-width: 100%; height: auto; display: block; }
.exact { font-variant-numeric: tabular-nums; color: #555; }
section.explain { border-top: 1px solid #ddd; }
pre { white-space: pre-wrap; font-size: 0.8rem; }
"""
PRINT_STYLE = """
@page { size: A4; margin: 15mm 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 9pt; }
  .filters, nav, form, script, .to-explain { display: none !important; }
  table { font-size: 8pt; width: 100%; }
  th, td { overflow-wrap: anywhere; }
  dd table { width: auto; }
  thead { display: table-header-group; }
  tfoot { display: table-footer-group; }
  tr, article, figure, dl, figcaption { break-inside: avoid; }
  h2, h3, h4, figcaption { break-after: avoid; }
  section#findings, section#charts, section#explanations, section#figures { break-before: page; }
  a { color: inherit; text-decoration: none; }
  svg { max-width: 100%; height: auto; }
  pre { white-space: pre-wrap; break-inside: auto; }
}
"""
# Filters: shown only when the script runs; each element with data-class and data-table
# is hidden when it does not match. Without the script the page shows everything.
SCRIPT = """
(function () {
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  function apply() {
    var c = form.elements["class"].value, t = form.elements["table"].value;
    document.querySelectorAll("[data-class]").forEach(function (e) {
      e.hidden = (c !== "" && e.dataset.class !== c) || (t !== "" && e.dataset.table !== t);
    });
  }
  form.addEventListener("change", apply);
})();
"""


def render_html(report: AuditReport, catalog: Catalog, lang: str = DEFAULT_LANGUAGE) -> str:
    from ..explain import explain

    _ = translator(lang)
    title = _("Audit of {title}").format(title=report.title)
    subjects = _explained_subjects(report)
    anchors = {subject: f"explain-{index}" for index, subject in enumerate(subjects, start=1)}
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{STYLE}{PRINT_STYLE}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        _summary(report, _),
        _filters(report, _),
        _findings(report, anchors, _),
        _listed_apart(report, anchors, _),
        f'<section id="charts"><h2>{escape(_("Charts"))}</h2>',
        _achievement_chart(report, _),
        _budget_chart(budgets(catalog), _),
        "</section>",
        f'<section id="explanations"><h2>{escape(_("Explanations"))}</h2>',
    ]
    for subject in subjects:
        explanation = explain(catalog, report, subject, None, False, lang)
        parts.append(
            f'<section class="explain" id="{anchors[subject]}"><h3>{escape(explanation.title)}'
            f"</h3><pre>{escape(explanation.body())}</pre></section>"
        )
    parts += ["</section>", f'<section id="figures"><h2>{escape(_("Every figure"))}</h2>']
    for section in report.sections:
        parts += [f"<h3>{escape(_(section.title))}</h3>", _figure_table(section.figures, report, _)]
    parts += ["</section>", f"<script>{SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts) + "\n"


def _explained_subjects(report: AuditReport) -> list[str]:
    """The subjects of the figures that do not hold, in the order of the audit, once."""
    return list(dict.fromkeys(f.subject for f in report.figures if f.status != "holds"))


def _summary(report: AuditReport, _: Translate) -> str:
    text = summary_sentence(report, _)
    classes, weights = class_counts(report), class_weights(report)
    rows = [
        f"<p>{escape(text)} {escape(_(MEANING_OF_HOLDS))}</p>",
        f'<section id="summary"><h2>{escape(_("Summary by class"))}</h2>',
        f"<table><thead><tr><th>{escape(_('Class'))}</th><th>{escape(_('Number'))}</th>"
        f"<th>{escape(_('Weight (Rp)'))}</th></tr></thead><tbody>",
    ]
    for cls in CLASS_ORDER:
        weight = format_indonesian(Fraction(weights[cls]), 0) if weights[cls] else "-"
        rows.append(
            f'<tr><td><a href="#class-{cls}">{escape(_(CLASS_NAMES[cls]))}</a></td>'
            f"<td class=n>{classes[cls]}</td><td class=n>{weight}</td></tr>"
        )
    rows.append(f"</tbody></table><h2>{escape(_('Summary by check'))}</h2>")
    headings = (_("Check"), _("Checked"), _("Hold"), _("Findings"), _("Not recomputable"))
    rows.append(
        "<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in headings) + "</tr></thead>"
    )
    for section in report.sections:
        c = section.counts()
        rows.append(
            f"<tr><td>{escape(_(section.title))}</td><td class=n>{len(section.figures)}</td>"
            f"<td class=n>{c['holds']}</td><td class=n>{c['finding']}</td>"
            f"<td class=n>{c['not_recomputable']}</td></tr>"
        )
    return "".join(rows) + "</table></section>"


def _filters(report: AuditReport, _: Translate) -> str:
    tables = sorted({f.place.table for f in report.figures})
    every = escape(_("all"))
    classes = "".join(
        f'<option value="{cls}">{escape(_(CLASS_NAMES[cls]))}</option>' for cls in CLASS_ORDER
    )
    table_options = "".join(
        f'<option value="{escape(table)}">{escape(table_text(_place_of(report, table), report))}'
        "</option>"
        for table in tables
    )
    return (
        f'<form id="filters" class="filters" hidden><label>{escape(_("Class"))} '
        f'<select name="class"><option value="">{every}</option>{classes}</select></label>'
        f'<label>{escape(_("Table"))} <select name="table"><option value="">{every}</option>'
        f"{table_options}</select></label></form>"
    )


def _place_of(report: AuditReport, table: str) -> Place:
    return next(f.place for f in report.figures if f.place.table == table)


def _findings(report: AuditReport, anchors: dict[str, str], _: Translate) -> str:
    parts = [f'<section id="findings"><h2>{escape(_("Findings"))}</h2>']
    number = 0
    for cls in REPORTED:
        parts.append(f'<h3 id="class-{cls}">{escape(_(CLASS_NAMES[cls]))}</h3>')
        figures = by_class(report, (cls,))
        if not figures:
            parts.append(f"<p>{escape(_('None.'))}</p>")
        for figure in figures:
            number += 1
            parts.append(_finding(number, figure, report, anchors, _))
    return "".join(parts) + "</section>"


def _finding(
    number: int, figure: Figure, report: AuditReport, anchors: dict[str, str], _: Translate
) -> str:
    items: list[tuple[str, str]] = [
        (_("where"), escape(location(figure, report, _))),
        (_("printed"), f"<strong>{escape(figure.printed)}</strong>"),
        (
            (_("the row's code"), f"<strong>{escape(figure.intended)}</strong>")
            if figure.check == "code" and figure.intended
            else (
                _("recomputed"),
                f"<strong>{escape(figure.recomputed_text())}</strong>; "
                f"{escape(_('difference'))} {escape(difference_text(figure))}",
            )
        ),
        (_("rule"), escape(tr(figure.rule, _))),
    ]
    if figure.rules:
        items.append((_("rules broken"), "<br>".join(escape(tr(r, _)) for r in figure.rules)))
    if figure.terms:
        items.append((_("inputs"), _terms(figure, _)))
    if figure.steps:
        items.append((_("steps"), "<br>".join(escape(tr(s, _)) for s in figure.steps)))
    if figure.explanation:
        items.append((_("likely cause"), escape(tr(figure.explanation, _))))
    if figure.note:
        items.append((_("catalog note"), escape(figure.note)))
    if figure.severity:
        items.append((_("severity"), escape(_(SEVERITY_NAMES[figure.severity]))))
    if figure.weight is not None:
        items.append((_("weight"), f"Rp {format_indonesian(Fraction(figure.weight), 0)}"))
    if figure.recomputed is not None and figure.recomputed.denominator != 1:
        items.append(
            (
                _("exact value"),
                f'<span class="exact">{escape(exact_value(figure.recomputed, _))}</span>',
            )
        )
    body = "".join(f"<dt>{escape(term)}</dt><dd>{text}</dd>" for term, text in items)
    heading = f"{number}. {row_text(figure, report)}, {column_text(figure, _)}"
    return (
        f'<article class="finding" id="finding-{number}" data-class="{finding_class(figure)}" '
        f'data-table="{escape(figure.place.table)}"><h4>{escape(heading)}</h4><dl>{body}</dl>'
        f'<p class="to-explain"><a href="#{anchors[figure.subject]}">'
        f"{escape(_('How it was computed'))}</a></p>"
        "</article>"
    )


def _terms(figure: Figure, _: Translate) -> str:
    rows = "".join(
        f"<tr><td>{escape(tr(t.label, _))}</td><td class=n>{escape(tr(t.text, _))}</td>"
        f"<td>{escape(short_place(t.place, _)) if t.place else ''}</td></tr>"
        for t in figure.terms
    )
    return f"<table><tbody>{rows}</tbody></table>"


def _listed_apart(report: AuditReport, anchors: dict[str, str], _: Translate) -> str:
    parts = []
    apart: tuple[FindingClass, ...] = ("notation", "not_checkable")
    for cls in apart:
        figures = by_class(report, (cls,))
        head = (_("Where"), _("Printed"), _("Recomputed"), _("Why"))
        parts.append(
            f'<section id="class-{cls}"><h2>{escape(_(CLASS_NAMES[cls]))}</h2><table><thead><tr>'
            + "".join(f"<th>{escape(h)}</th>" for h in head)
            + "</tr></thead><tbody>"
        )
        for f in figures:
            why = apart_why(f, _)
            parts.append(
                f'<tr data-class="{cls}" data-table="{escape(f.place.table)}">'
                f'<td><a href="#{anchors[f.subject]}">{escape(location(f, report, _))}</a></td>'
                f"<td class=n>{escape(f.printed)}</td><td class=n>{escape(f.recomputed_text())}"
                f"</td><td>{escape(why)}</td></tr>"
            )
        parts.append("</tbody></table></section>")
    return "".join(parts)


def _figure_table(figures: list[Figure], report: AuditReport, _: Translate) -> str:
    head = (_("Row"), _("Column"), _("Printed"), _("Recomputed"), _("Status"), _("Place"))
    rows = ["<table><thead><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head)]
    rows.append("</tr></thead><tbody>")
    for f in figures:
        rows.append(
            f'<tr class="{f.status}" data-class="{finding_class(f) or "holds"}" '
            f'data-table="{escape(f.place.table)}"><td>{escape(row_text(f, report))}</td>'
            f"<td>{escape(column_text(f, _))}</td>"
            f"<td class=n>{escape(f.printed)}</td><td class=n>{escape(f.recomputed_text())}</td>"
            f"<td>{escape(status_word(f, _))}</td>"
            f"<td>Tabel {escape(table_number(f.place.table))}, "
            f"{escape(lines_text(f.place, _))}</td></tr>"
        )
    return "".join(rows) + "</tbody></table>"


# --- Charts: horizontal bars, one full label per bar, an axis with ticks, each value ---


@dataclass(frozen=True)
class Bar:
    label: str
    value: Fraction
    text: str  # the value as shown


def budgets(catalog: Catalog) -> dict[str, dict[int, Fraction]]:
    """Budget targets per program and year (Tabel 6.1-6.3), exact Rupiah, as printed."""
    table: dict[str, dict[int, Fraction]] = {}
    for located in catalog.programs:
        program = located.entry
        for value in program.budget:
            amount = read_printed(value.intended or value.text).value
            if value.kind == "target" and value.year and amount is not None:
                table.setdefault(f"{program.code} {program.name}", {})[value.year] = amount
    return table


def _achievement_chart(report: AuditReport, _: Translate) -> str:
    """The capaian the audit computed (nothing recomputed here): one small chart per
    indicator and table, a bar per year, on an axis from the data's low to its high (and
    0 and 100 %), with a line at 100 %."""
    groups: dict[tuple[str, str], list[Bar]] = {}
    titles: dict[tuple[str, str], str] = {}
    for f in report.figures:
        if f.check == "achievement" and f.recomputed is not None:
            key = (f.subject, f.place.table)
            titles.setdefault(key, f"{row_text(f, report)}, {table_text(f.place, report)}")
            text = f"{format_indonesian(f.recomputed, 2)} %"
            groups.setdefault(key, []).append(
                Bar(str(f.year), round_half_up(f.recomputed, 2), text)
            )
    caption = _("Achievement (capaian) per indicator and year, as the audit computed it")
    charts = [
        _bar_chart(titles[key], bars, lambda t: f"{format_indonesian(t, 0)} %", mark=Fraction(100))
        for key, bars in groups.items()
    ]
    return _chart_group(caption, charts)


def _budget_chart(table: dict[str, dict[int, Fraction]], _: Translate) -> str:
    """The pagu indikatif as printed: one small chart per program, a bar per year."""
    charts = [
        _bar_chart(
            program,
            [
                Bar(str(year), amount, f"Rp {format_indonesian(amount, 0)}")
                for year, amount in sorted(by_year.items())
            ],
            lambda t: format_indonesian(t, 0),
            unit="Rp",
        )
        for program, by_year in table.items()
    ]
    caption = _("Budget targets (pagu indikatif) per program and year, Rupiah (Tabel 6.1-6.3)")
    return _chart_group(caption, charts)


def _chart_group(caption: str, charts: list[str]) -> str:
    if not charts:
        return ""
    return f'<section class="charts"><h3>{escape(caption)}</h3>{"".join(charts)}</section>'


def _round_step(raw: Fraction) -> Fraction:
    """A tick step of 1, 2 or 5 times a power of ten, at least `raw`."""
    power = Fraction(1)
    while power * 10 <= raw:
        power *= 10
    while power > raw and power > Fraction(1, 100):
        power /= 10
    return next(power * m for m in (1, 2, 5, 10) if power * m >= raw)


def _ticks(values: list[Fraction], mark: Fraction | None) -> list[Fraction]:
    """Ticks from below the lowest value (and 0) to above the highest (and the mark)."""
    low = min([*values, Fraction(0)])
    high = max([*values, Fraction(0), *([mark] if mark is not None else [])])
    if high == low:
        high = low + 1
    step = _round_step((high - low) / 5)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [step * k for k in range(first, last + 1)]


# A small chart fits the width of an A4 page (the SVG scales down, never up).
CHART_WIDTH, CHART_LEFT, CHART_RIGHT, CHART_ROW = 680, 48, 560, 20


def _bar_chart(
    title: str,
    bars: list[Bar],
    tick_text: Callable[[Fraction], str],
    mark: Fraction | None = None,
    unit: str | None = None,
) -> str:
    """One chart: its full title above it (HTML, so it wraps), a bar per label (a year),
    each with its value, an axis with ticks below, a grid line per tick, a dashed line at
    `mark` (100 % for capaian), and `unit` written at the axis's end."""
    if not bars:
        return ""
    ticks = _ticks([bar.value for bar in bars], mark)
    low, high = ticks[0], ticks[-1]
    left, right, row = CHART_LEFT, CHART_RIGHT, CHART_ROW

    def x(value: Fraction) -> float:
        return left + float((value - low) / (high - low)) * (right - left)

    top = 6
    axis_y = top + row * len(bars) + 4
    height = axis_y + 22
    shapes = []
    for tick in ticks:
        shapes.append(
            f'<line x1="{x(tick):.1f}" y1="{top}" x2="{x(tick):.1f}" y2="{axis_y}" '
            'stroke="#ddd"/>'
            f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 4}" '
            'stroke="#444"/>'
            f'<text x="{x(tick):.1f}" y="{axis_y + 15}" font-size="10" text-anchor="middle">'
            f"{escape(tick_text(tick))}</text>"
        )
    if mark is not None:
        shapes.append(
            f'<line x1="{x(mark):.1f}" y1="{top}" x2="{x(mark):.1f}" y2="{axis_y}" '
            'stroke="#2b8a3e" stroke-dasharray="4 3"/>'
        )
    zero = x(Fraction(0))
    for index, bar in enumerate(bars):
        y = top + index * row
        start, end = sorted((zero, x(bar.value)))
        negative = bar.value < 0
        shapes.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="10" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{start:.1f}" y="{y + 3}" width="{max(end - start, 1):.1f}" height="13" '
            f'fill="{"#e8590c" if negative else "#1c7ed6"}">'
            f"<title>{escape(title)} ({escape(bar.label)}): {escape(bar.text)}</title></rect>"
            f'<text x="{end + 4:.1f}" y="{y + 13}" font-size="10">{escape(bar.text)}</text>'
        )
    shapes.append(f'<line x1="{left}" y1="{axis_y}" x2="{right}" y2="{axis_y}" stroke="#444"/>')
    shapes.append(f'<line x1="{zero:.1f}" y1="{top}" x2="{zero:.1f}" y2="{axis_y}" stroke="#444"/>')
    if unit:
        shapes.append(
            f'<text x="{left - 6}" y="{axis_y + 15}" font-size="10" text-anchor="end">'
            f"{escape(unit)}</text>"
        )
    return (
        f"<figure><figcaption>{escape(title)}</figcaption>"
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {CHART_WIDTH} {height}" '
        f'width="{CHART_WIDTH}" height="{height}" role="img" aria-label="{escape(title)}">'
        + "".join(shapes)
        + "</svg></figure>"
    )
