"""`renstra explain`: how a value was computed, line by line, in the document's words.

For an indicator and a year: its formula (ours and the printed wording, with its place),
the printed values with their places, the achievement (rule, its source, the steps, the
rounding, the band), and every audited figure of that indicator and year with its terms.
For a program, kegiatan or sub kegiatan: its budget and the audited rollups and
end-of-period sums. Everything comes from the catalog and the audit's own figures, so
explain shows exactly what the audit computed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .achievement import RULE_FORMULAS, RULE_SOURCES, achievement
from .audit import AuditReport
from .audit.figures import Figure, exact_text
from .audit.report import STATUS_WORDS, figure_to_dict
from .bands import DEFAULT_ACHIEVEMENT_BANDS, band_table
from .catalog.load import Catalog
from .catalog.models import IndicatorEntry, Printed
from .catalog.printed import read_printed
from .catalog.updates import history_lines
from .errors import ResolveError
from .numbers import format_indonesian, round_half_up


@dataclass
class Explanation:
    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

    def render(self) -> str:
        out = [self.title, "=" * len(self.title)]
        for heading, lines in self.sections:
            out += ["", f"{heading}:", *(f"  {line}" for line in lines)]
        for figure in self.figures:
            out += ["", *_figure_lines(figure)]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sections": [{"heading": h, "lines": lines} for h, lines in self.sections],
            "figures": [figure_to_dict(f) for f in self.figures],
        }


def explain(
    catalog: Catalog,
    report: AuditReport,
    subject: str,
    year: int | None,
    end_of_period: bool = False,
) -> Explanation:
    indicator = _indicator(catalog, subject)
    if indicator is not None:
        explained = _explain_indicator(indicator, report, year, end_of_period)
        if year is not None and not end_of_period:  # the values in force, with their sources
            explained.sections.insert(
                2, ("Values in force", history_lines(catalog, indicator, year))
            )
        return explained
    row = next((r for r in catalog.rows() if getattr(r.entry, "code", None) == subject), None)
    if row is not None:
        return _explain_row(row.entry, report, year, end_of_period)
    raise ResolveError(
        f"nothing in the catalog is called {subject!r}",
        code="E205",
        hint="give an indicator id or a program/kegiatan/sub kegiatan code "
        "(renstra catalog stats counts them)",
    )


def _indicator(catalog: Catalog, subject: str) -> IndicatorEntry | None:
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        if subject in (located.entry.id, located.entry.name):
            return located.entry  # type: ignore[no-any-return]
    return None


def _when(value: Printed) -> str:
    return f"{value.kind} {value.year}" if value.year else value.kind


def _place(value: Printed) -> str:
    lines = f"{value.line}-{value.last_line}" if value.last_line else f"{value.line}"
    return f"Tabel {value.table}, line {lines}"


def _explain_indicator(
    indicator: IndicatorEntry, report: AuditReport, year: int | None, end_of_period: bool
) -> Explanation:
    when = "end of period" if end_of_period else (str(year) if year else "all years")
    result = Explanation(f"{indicator.name} ({indicator.id}), {when}")
    result.sections.append(
        (
            "IndicatorEntry",
            [
                f"unit (Satuan): {indicator.unit} (printed {indicator.unit_printed!r})",
                f"achievement rule: {indicator.polarity}",
                f"end-of-period rule: {_end_rule(indicator)}",
            ],
        )
    )
    result.sections.append(("Formula", _formulas(indicator, year)))
    values = [
        v
        for v in indicator.values
        if (end_of_period and v.kind == "end_of_period")
        or (not end_of_period and (year is None or v.year == year))
    ]
    result.sections.append(
        (
            "Printed values",
            [
                f"{_when(v)}: {v.text} ({_place(v)})" + (f" - note: {v.note}" if v.note else "")
                for v in values
            ]
            or ["none printed"],
        )
    )
    if year is not None and not end_of_period:
        result.sections.append(("Achievement (capaian)", _achievement_steps(indicator, year)))
    kinds = {"end_of_period"} if end_of_period else None
    result.figures = [
        f
        for f in report.figures
        if f.subject == indicator.id
        and (f.year == year or year is None or end_of_period)
        and (kinds is None or f.check in kinds)
    ]
    return result


def _end_rule(indicator: IndicatorEntry) -> str:
    rule = indicator.end_of_period
    return f"{rule.rule} {list(rule.years) or ''}".strip() if rule else "-"


def _formulas(indicator: IndicatorEntry, year: int | None) -> list[str]:
    lines = []
    for version in indicator.formulas:
        if year is not None and not version.valid_from <= year <= version.valid_to:
            continue
        source = (
            f" (Tabel {version.source.table}, line {version.source.line})" if version.source else ""
        )
        lines += [
            f"valid {version.valid_from}-{version.valid_to}{source}",
            f"  as printed: {version.printed or '(no formula printed)'}",
            f"  our formula: {version.formula}",
        ]
        if version.note:
            lines.append(f"  note: {version.note}")
    return lines or ["no formula is printed for this indicator (and year)"]


def _achievement_steps(indicator: IndicatorEntry, year: int) -> list[str]:
    rule = indicator.polarity or "higher_is_better"
    target = _figure_of(indicator, "target", year)
    realisation = _figure_of(indicator, "realisation", year)
    lines = [f"rule: {rule}: capaian = {RULE_FORMULAS[rule]}", f"source: {RULE_SOURCES[rule]}"]
    if target is None or realisation is None:
        missing = "target" if target is None else "realisation"
        return [*lines, f"not computable: the {missing} of {year} is not printed as a figure"]
    (t, t_value), (r, r_value) = target, realisation
    lines += [f"t = {t.text} ({_place(t)})", f"r = {r.text} ({_place(r)})"]
    result = achievement(rule, t_value, r_value)
    if result.value is None:
        return [*lines, f"not computable: {result.reason}"]
    bands = band_table(DEFAULT_ACHIEVEMENT_BANDS)
    rounded = round_half_up(result.value, bands.rounding.decimals)
    substituted = re.sub(
        r"\b[tr]\b", lambda m: _shown(t_value if m.group() == "t" else r_value), RULE_FORMULAS[rule]
    )
    band = result.band
    band_text = (band.label or band.reason or "-") if band else "-"
    lines += [
        f"capaian = {substituted} = {result.value} (exact)",
        f"rounded half-up to {bands.rounding.decimals} decimals: "
        f"{format_indonesian(rounded, bands.rounding.decimals)} %",
        f"band ({bands.id}): {band_text}",
    ]
    if result.negative:
        lines.append("negative: kept as computed (as Tabel 2.3.1 prints negative ratios)")
    return lines


def _shown(value: Fraction) -> str:
    return format_indonesian(value, _decimals(value))


def _decimals(value: Fraction) -> int:
    places = 0
    while (value * 10**places).denominator != 1 and places < 6:
        places += 1
    return places


def _figure_of(indicator: IndicatorEntry, kind: str, year: int) -> tuple[Printed, Fraction] | None:
    for value in indicator.values:
        reading = read_printed(value.text).value
        if value.kind == kind and value.year == year and reading is not None:
            return value, reading
    return None


def _explain_row(
    entry: Any, report: AuditReport, year: int | None, end_of_period: bool
) -> Explanation:
    when = "end of period" if end_of_period else (str(year) if year else "all years")
    result = Explanation(f"{entry.code} {entry.name}, {when}")
    budget = [
        v
        for v in entry.budget
        if (end_of_period and v.kind == "end_of_period")
        or (not end_of_period and (year is None or v.year == year))
    ]
    result.sections.append(
        (
            "Budget as printed (Rp)",
            [f"{v.kind} {v.year or ''}: Rp {v.text} ({_place(v)})" for v in budget] or ["none"],
        )
    )
    result.figures = [
        f
        for f in report.figures
        if f.subject == entry.code
        and f.check in ("rollup", "end_of_period_rp")
        and (
            (end_of_period and f.year is None)
            or (not end_of_period and (year is None or f.year == year))
        )
    ]
    return result


def _figure_lines(figure: Figure) -> list[str]:
    lines = [
        f"{figure.check}: {figure.label} {figure.year or ''}".rstrip(),
        f"  rule: {figure.rule}",
    ]
    for t in figure.terms:
        lines.append(f"  {t.label}: {t.text}" + (f" ({t.place})" if t.place else ""))
    lines += [f"  step: {step}" for step in figure.steps]
    if figure.recomputed is not None:
        lines.append(
            f"  recomputed: {exact_text(figure.recomputed)} -> {figure.recomputed_text()} "
            f"(half-up, {figure.decimals} decimals)"
        )
    lines.append(f"  printed: {figure.printed} ({figure.place})")
    verdict = STATUS_WORDS[figure.status]
    lines.append(f"  verdict: {verdict}" + (f" - {figure.reason}" if figure.reason else ""))
    if figure.explanation:
        lines.append(f"  likely: {figure.explanation}")
    return lines
