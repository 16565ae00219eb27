"""The audit as one self-contained HTML page: summary, findings, every figure, and two
charts drawn as inline SVG (no scripts, no external files): achievement per indicator,
and budget per program and year."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from html import escape

from ..achievement import achievement
from ..catalog.load import Catalog
from ..catalog.printed import read_printed
from ..numbers import format_indonesian
from . import AuditReport
from .figures import Figure
from .report import STATUS_WORDS

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; max-width: 72rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.85rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.finding { background: #fde8e8; } .holds { background: #eef8ee; }
.not_recomputable { background: #f4f4f4; }
figure { margin: 1.5rem 0; } figcaption { font-weight: 600; margin-bottom: 0.5rem; }
"""


@dataclass(frozen=True)
class Capaian:
    label: str
    year: int
    value: Fraction
    band: str | None


def achievements(catalog: Catalog) -> list[Capaian]:
    """The capaian of every indicator and year with a printed target and realisation."""
    found = []
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        indicator = located.entry
        years = sorted({v.year for v in indicator.values if v.kind == "realisation" and v.year})
        for year in years:
            target = _first(indicator, "target", year)
            realisation = _first(indicator, "realisation", year)
            if target is None or realisation is None:
                continue
            result = achievement(indicator.polarity or "higher_is_better", target, realisation)
            if result.value is not None:
                band = result.band.label if result.band else None
                found.append(Capaian(f"{indicator.name} ({year})", year, result.value, band))
    return found


def _first(indicator: object, kind: str, year: int) -> Fraction | None:
    for value in getattr(indicator, "values", ()):
        if value.kind == kind and value.year == year:
            reading = read_printed(value.text).value
            if reading is not None:
                return reading
    return None


def budgets(catalog: Catalog) -> dict[str, dict[int, Fraction]]:
    """Budget targets per program and year (Tabel 6.1-6.3), exact Rupiah."""
    table: dict[str, dict[int, Fraction]] = {}
    for located in catalog.programs:
        program = located.entry
        for value in program.budget:
            amount = read_printed(value.intended or value.text).value
            if value.kind == "target" and value.year and amount is not None:
                table.setdefault(f"{program.code} {program.name}", {})[value.year] = amount
    return table


def render_html(report: AuditReport, catalog: Catalog) -> str:
    counts = report.counts()
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Audit of the {escape(report.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Audit of the {escape(report.title)}</h1>",
        f"<p>{len(report.figures)} derived figures checked: {counts['holds']} hold, "
        f"{counts['finding']} findings, {counts['not_recomputable']} not recomputable.</p>",
        _summary_table(report),
        "<h2>Findings</h2>",
        _figure_table(report.findings, detailed=True),
        _achievement_chart(achievements(catalog)),
        _budget_chart(budgets(catalog)),
    ]
    for section in report.sections:
        parts += [f"<h2>{escape(section.title)}</h2>", _figure_table(section.figures)]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _summary_table(report: AuditReport) -> str:
    rows = [
        "<table><tr><th>Check</th><th>Checked</th><th>Hold</th><th>Findings</th>"
        "<th>Not recomputable</th></tr>"
    ]
    for section in report.sections:
        c = section.counts()
        rows.append(
            f"<tr><td>{escape(section.title)}</td><td class=n>{len(section.figures)}</td>"
            f"<td class=n>{c['holds']}</td><td class=n>{c['finding']}</td>"
            f"<td class=n>{c['not_recomputable']}</td></tr>"
        )
    return "".join(rows) + "</table>"


def _figure_table(figures: list[Figure], detailed: bool = False) -> str:
    head = "<tr><th>Subject</th><th>Year</th><th>Printed</th><th>Recomputed</th><th>Status</th>"
    head += "<th>Place</th>" + ("<th>Rule</th><th>Likely</th>" if detailed else "") + "</tr>"
    rows = [f"<table>{head}"]
    for f in figures:
        extra = (
            f"<td>{escape(f.rule)}</td><td>{escape(f.explanation or '')}</td>" if detailed else ""
        )
        rows.append(
            f'<tr class="{f.status}"><td>{escape(f.subject)}</td><td>{f.year or ""}</td>'
            f"<td class=n>{escape(f.printed)}</td><td class=n>{escape(f.recomputed_text())}</td>"
            f"<td>{STATUS_WORDS[f.status]}</td><td>{escape(str(f.place))}</td>{extra}</tr>"
        )
    return "".join(rows) + "</table>"


def _achievement_chart(rows: list[Capaian]) -> str:
    if not rows:
        return ""
    shown = [r for r in rows if -50 <= r.value <= 250]
    bar_height, width, left = 14, 900, 420
    height = bar_height * len(shown) + 40
    scale = (width - left - 60) / 250
    zero = left + 50 * scale
    bars = []
    for index, row in enumerate(shown):
        y = 20 + index * bar_height
        x1 = zero + min(0.0, float(row.value)) * scale
        length = abs(float(row.value)) * scale
        colour = "#2b8a3e" if row.value >= 91 else "#e8590c" if row.value >= 51 else "#c92a2a"
        bars.append(
            f'<text x="{left - 6}" y="{y + 10}" font-size="9" text-anchor="end">'
            f"{escape(row.label[:70])}</text>"
            f'<rect x="{x1:.1f}" y="{y}" width="{length:.1f}" height="{bar_height - 3}" '
            f'fill="{colour}"><title>{escape(format_indonesian(row.value, 2))} % '
            f"{escape(row.band or '')}</title></rect>"
        )
    guide = zero + 100 * scale
    return (
        f"<figure><figcaption>Achievement (capaian) per indicator and year, from the printed "
        f"targets and realisations ({len(shown)} of {len(rows)} shown, -50 % to 250 %)"
        f'</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" role="img">'
        f'<line x1="{guide:.1f}" y1="10" x2="{guide:.1f}" y2="{height}" stroke="#888" '
        f'stroke-dasharray="4"/><text x="{guide:.1f}" y="10" font-size="9">100 %</text>'
        + "".join(bars)
        + "</svg></figure>"
    )


def _budget_chart(table: dict[str, dict[int, Fraction]]) -> str:
    if not table:
        return ""
    years = sorted({year for by_year in table.values() for year in by_year})
    peak = max(float(v) for by_year in table.values() for v in by_year.values()) or 1.0
    group, bar, left, height = 26, 4, 60, 260
    width = left + len(years) * (len(table) * bar + group) + 240
    colours = ["#1c7ed6", "#2b8a3e", "#e8590c", "#862e9c", "#c92a2a", "#5c940d", "#495057"]
    shapes = []
    for y_index, year in enumerate(years):
        x0 = left + y_index * (len(table) * bar + group)
        shapes.append(f'<text x="{x0}" y="{height + 15}" font-size="10">{year}</text>')
        for p_index, (program, by_year) in enumerate(table.items()):
            amount = float(by_year.get(year, 0))
            h = amount / peak * (height - 20)
            shapes.append(
                f'<rect x="{x0 + p_index * bar}" y="{height - h:.1f}" width="{bar - 1}" '
                f'height="{h:.1f}" fill="{colours[p_index % len(colours)]}"><title>'
                f"{escape(program)} {year}: Rp "
                f"{format_indonesian(by_year.get(year, Fraction(0)), 0)}</title></rect>"
            )
    legend_x = left + len(years) * (len(table) * bar + group) + 10
    for p_index, program in enumerate(table):
        shapes.append(
            f'<rect x="{legend_x}" y="{20 + p_index * 16}" width="10" height="10" '
            f'fill="{colours[p_index % len(colours)]}"/><text x="{legend_x + 14}" '
            f'y="{29 + p_index * 16}" font-size="10">{escape(program[:32])}</text>'
        )
    largest = format_indonesian(max(v for by_year in table.values() for v in by_year.values()), 0)
    return (
        "<figure><figcaption>Budget targets (pagu indikatif) per program and year, Rupiah "
        f"(Tabel 6.1-6.3; the largest bar is Rp {largest})"
        f'</figcaption><svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height + 25}" role="img">' + "".join(shapes) + "</svg></figure>"
    )
