"""`renstra explain`: how a value was computed, line by line, in the document's words.

SUBJECT is anything a figure of the audit names: an indicator (id or name), a row's code
(program, kegiatan, sub kegiatan) or a tujuan/sasaran id, a budget line of BAB II (id or
name). For an indicator and a year: its formula (ours and the printed wording, with its
place), the printed values with their places, the achievement rule; for a row or a
budget line: its printed budget. Then every figure the audit computed for the subject:
its inputs, rule, steps, recomputed value and verdict. explain recomputes nothing itself:
it shows exactly what the audit computed. An unknown subject gets "did you mean".
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .achievement import RULE_FORMULAS
from .audit import AuditReport
from .audit.figures import Figure
from .audit.messages import (
    ACHIEVEMENT_RULE_SOURCES,
    KIND_TEXTS,
    achievement_rule,
    band_name,
    end_of_period_rule,
    tr,
)
from .audit.report import (
    exact_value,
    figure_to_dict,
    location,
    short_place,
    status_word,
)
from .bands import DEFAULT_ACHIEVEMENT_BANDS, band_table, classify
from .catalog.formula_edits import formula_lines
from .catalog.load import Catalog
from .catalog.models import BudgetLine, IndicatorEntry, Printed
from .catalog.updates import history_lines
from .errors import ResolveError
from .i18n import DEFAULT_LANGUAGE, N_, Translate, translator
from .numbers import format_indonesian

VALUE_KINDS = KIND_TEXTS

# Budget figures have their own names: a budget line's anggaran, realisasi and rasio; a
# row's pagu indikatif.
BUDGET_LINE_KINDS = VALUE_KINDS | {
    "target": N_("budget"),
    "achievement": N_("ratio"),
}
ROW_BUDGET_KINDS = VALUE_KINDS | {"target": N_("budget target (pagu indikatif)")}


@dataclass
class Explanation:
    title: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    figure_lines: list[list[str]] = field(default_factory=list)  # each figure, rendered
    report: AuditReport | None = None  # the audit the figures come from (for their places)

    def render(self) -> str:
        return f"{self.title}\n{'=' * len(self.title)}\n{self.body()}"

    def body(self) -> str:
        """The explanation under its title (the HTML page gives the title a heading)."""
        out: list[str] = []
        for heading, lines in self.sections:
            out += ["", f"{heading}:", *(f"  {line}" for line in lines)]
        for lines in self.figure_lines:
            out += ["", *lines]
        return "\n".join(out) + "\n"

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "sections": [{"heading": h, "lines": lines} for h, lines in self.sections],
            "figures": [figure_to_dict(f, self.report) for f in self.figures],
        }


@dataclass(frozen=True)
class Entry:
    """One thing explain can explain: its kind, its id (or code) and its printed name."""

    kind: str
    id: str
    name: str


def catalog_entries(catalog: Catalog, kind: str | None = None) -> list[Entry]:
    """What `renstra catalog list` lists: every row, indicator and budget line."""
    entries = []
    for row in catalog.rows():
        level = catalog.level_of(row.entry)
        entries.append(
            Entry(level, getattr(row.entry, "code", None) or row.entry.id, row.entry.name)
        )
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        entries.append(Entry("indicator", located.entry.id, located.entry.name))
    for line in _budget_lines(catalog):
        entries.append(Entry("budget_line", line.id, line.name))
    return [entry for entry in entries if kind is None or entry.kind == kind]


def explain(
    catalog: Catalog,
    report: AuditReport,
    subject: str,
    year: int | None,
    end_of_period: bool = False,
    lang: str = DEFAULT_LANGUAGE,
) -> Explanation:
    _ = translator(lang)
    when = _("end of period") if end_of_period else (str(year) if year else _("all years"))
    indicator = _indicator(catalog, subject)
    if indicator is not None:
        result = _explain_indicator(indicator, year, end_of_period, when, _)
        for heading, lines in result.sections:  # the formula's changes, with their sources
            if heading == _("Formula"):
                lines.extend(formula_lines(catalog, indicator, lang))
        if year is not None and not end_of_period:  # the values in force, with their sources
            result.sections.insert(
                2, (_("Values in force"), history_lines(catalog, indicator, year, lang))
            )
        key = indicator.id
    else:
        key, result = _explain_other(catalog, subject, year, end_of_period, when, _)
    result.figures = [
        f
        for f in report.figures
        if f.subject == key
        and ((f.year is None) if end_of_period else (year is None or f.year == year))
    ]
    result.figure_lines = [_figure_lines(f, report, _) for f in result.figures]
    result.report = report
    return result


def _explain_other(
    catalog: Catalog,
    subject: str,
    year: int | None,
    end_of_period: bool,
    when: str,
    _: Translate,
) -> tuple[str, Explanation]:
    row = next((r.entry for r in catalog.rows() if subject in _row_keys(r.entry)), None)
    line = next((b for b in _budget_lines(catalog) if subject in (b.id, b.name)), None)
    if row is not None:
        key = getattr(row, "code", None) or row.id
        title = f"{key} {row.name}" if getattr(row, "code", None) else row.name
        values, heading = tuple(getattr(row, "budget", ())), _("Budget as printed (Rp)")
        kinds = ROW_BUDGET_KINDS
    elif line is not None:
        key, title, values, heading = line.id, line.name, line.values, _("As printed")
        kinds = BUDGET_LINE_KINDS
    else:
        raise _unknown(catalog, subject, _)
    result = Explanation(f"{title}, {when}")
    chosen = _chosen(values, year, end_of_period)
    result.sections.append(
        (heading, [_value_line(v, _, kinds) for v in chosen] or [_("none printed")])
    )
    return key, result


def _row_keys(entry: Any) -> tuple[str, ...]:
    return tuple(k for k in (getattr(entry, "code", None), getattr(entry, "id", None)) if k)


def _budget_lines(catalog: Catalog) -> tuple[BudgetLine, ...]:
    return catalog.history.entry.budget if catalog.history is not None else ()


def _unknown(catalog: Catalog, subject: str, _: Translate) -> ResolveError:
    known = {e.id: e for e in catalog_entries(catalog)}
    by_name = {e.name: e for e in known.values()}
    close = difflib.get_close_matches(subject, [*known, *by_name], n=3, cutoff=0.6)
    ids = list(dict.fromkeys(known[c].id if c in known else by_name[c].id for c in close))
    hint = _("give an indicator id or name, a row code or a budget line (renstra catalog list)")
    if ids:
        hint = _("did you mean {names}?").format(names=", ".join(ids)) + " " + hint
    return ResolveError(
        _("nothing in the catalog is called {subject}").format(subject=repr(subject)),
        code="E205",
        hint=hint,
    )


def _indicator(catalog: Catalog, subject: str) -> IndicatorEntry | None:
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        if subject in (located.entry.id, located.entry.name):
            return located.entry  # type: ignore[no-any-return]
    return None


def _chosen(values: Iterable[Printed], year: int | None, end_of_period: bool) -> list[Printed]:
    return [
        v
        for v in values
        if (end_of_period and v.kind == "end_of_period")
        or (not end_of_period and (year is None or v.year == year))
    ]


def _place(value: Printed, _: Translate) -> str:
    from .audit.figures import Place

    return short_place(Place(value.table, value.line, value.last_line), _)


def _value_line(value: Printed, _: Translate, kinds: dict[str, str] = VALUE_KINDS) -> str:
    kind = _(kinds[value.kind]) if value.kind in kinds else value.kind
    when = f"{kind} {value.year}" if value.year else kind
    note = " - " + _("note: {note}").format(note=value.note) if value.note else ""
    return f"{when}: {value.text} ({_place(value, _)}){note}"


def _explain_indicator(
    indicator: IndicatorEntry, year: int | None, end_of_period: bool, when: str, _: Translate
) -> Explanation:
    result = Explanation(f"{indicator.name}, {when}")
    rule = indicator.polarity or "higher_is_better"
    result.sections.append(
        (
            _("Indicator"),
            [
                _("unit (Satuan): {unit} (printed {printed})").format(
                    unit=indicator.unit, printed=repr(indicator.unit_printed)
                ),
                _("achievement rule: {rule}").format(
                    rule=tr(achievement_rule(rule, RULE_FORMULAS[rule]), _)
                ),
                _("source of the rule: {source}").format(
                    source=tr(ACHIEVEMENT_RULE_SOURCES[rule], _)
                ),
                _("end-of-period rule: {rule}").format(rule=_end_rule(indicator, _)),
            ],
        )
    )
    result.sections.append((_("Formula"), _formulas(indicator, year, _)))
    values = _chosen(indicator.values, year, end_of_period)
    result.sections.append(
        (_("Printed values"), [_value_line(v, _) for v in values] or [_("none printed")])
    )
    return result


def _end_rule(indicator: IndicatorEntry, _: Translate) -> str:
    """The end-of-period rule in words, over its years (the plan's last year by default)."""
    rule = indicator.end_of_period
    if rule is None:
        return "-"
    years = (
        list(rule.years)
        or sorted({v.year for v in indicator.values if v.kind == "target" and v.year})[-1:]
    )
    return tr(end_of_period_rule(rule.rule, years), _)


def _formulas(indicator: IndicatorEntry, year: int | None, _: Translate) -> list[str]:
    lines = []
    for version in indicator.formulas:
        if year is not None and not version.valid_from <= year <= version.valid_to:
            continue
        source = ""
        if version.source:
            source = f" (Tabel {version.source.table}, " + _("seed line {line}").format(
                line=version.source.line
            ) + ")"  # fmt: skip
        lines += [
            _("valid {first}-{last}").format(first=version.valid_from, last=version.valid_to)
            + source,
            "  "
            + _("as printed: {text}").format(text=version.printed or _("(no formula printed)")),
            "  " + _("our formula: {formula}").format(formula=version.formula),
        ]
        if version.note:
            lines.append("  " + _("note: {note}").format(note=version.note))
    return lines or [_("no formula is printed for this indicator (and year)")]


def _figure_lines(figure: Figure, report: AuditReport, _: Translate) -> list[str]:
    """A figure as the audit computed it: rule, inputs, steps, value, verdict."""
    lines = [
        f"{_(_check_title(report, figure))}: {figure.label} {figure.year or ''}".rstrip(),
        "  " + _("where: {where}").format(where=location(figure, report, _)),
        "  " + _("rule: {rule}").format(rule=tr(figure.rule, _)),
    ]
    lines += [
        "  " + _("rule broken: {rule}").format(rule=tr(rule, _))
        for rule in figure.rules
        if rule != figure.rule
    ]
    for t in figure.terms:
        lines.append(
            f"  {tr(t.label, _)}: {tr(t.text, _)}"
            + (f" ({short_place(t.place, _)})" if t.place else "")
        )
    lines += ["  " + _("step: {step}").format(step=tr(step, _)) for step in figure.steps]
    if figure.recomputed is not None:
        lines.append(
            "  "
            + _("recomputed: {rounded} (half-up, {decimals} decimals; exact value {exact})").format(
                rounded=figure.recomputed_text(),
                decimals=figure.decimals,
                exact=exact_value(figure.recomputed, _),
            )
        )
        if figure.check == "achievement":
            lines.append("  " + _("band: {band}").format(band=_band(figure, _)))
    lines.append("  " + _("printed: {printed}").format(printed=figure.printed))
    reason = f" - {tr(figure.reason, _)}" if figure.reason else ""
    lines.append("  " + _("verdict: {verdict}").format(verdict=status_word(figure, _)) + reason)
    if figure.explanation:
        lines.append("  " + _("likely cause: {cause}").format(cause=tr(figure.explanation, _)))
    return lines


def _check_title(report: AuditReport, figure: Figure) -> str:
    return next(s.title for s in report.sections if any(f is figure for f in s.figures))


def _band(figure: Figure, _: Translate) -> str:
    """The band of the capaian the audit computed (classified, not recomputed), in the
    table named by its title."""
    assert figure.recomputed is not None
    table = band_table(DEFAULT_ACHIEVEMENT_BANDS)
    found = classify(table, figure.recomputed)
    label = found.label or found.reason or "-"
    return _("{value} % -> {band} (band table {table})").format(
        value=format_indonesian(found.value, table.rounding.decimals),
        band=label,
        table=band_name(table),
    )
