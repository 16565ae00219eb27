"""Rendering an audit: a terminal summary, a full Markdown report, and JSON for machines.

The reports speak the auditor's language (Indonesian by default, English with lang="en";
every text of their own comes from the message catalog, formula_engine/i18n.py) and
locate each finding as the PDF does: the table as the document titles it, the row's code
and name, the column, then the seed line. Internal ids appear only in the JSON.

Every text the catalog provides (titles, labels, subjects, printed figures, places, rules,
notes) goes into the Markdown through `markdown_text`, which keeps it one line of plain
text: no table cell ends early, no HTML, link, code span or emphasis starts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from fractions import Fraction
from typing import Any

from ..i18n import DEFAULT_LANGUAGE, N_, Translate, translator
from ..numbers import format_indonesian
from . import AuditReport
from .figures import Figure, FindingClass, Place
from .messages import table_number, tr

STATUS_WORDS = {
    "holds": N_("holds"),
    "finding": N_("FINDING"),
    "not_recomputable": N_("not recomputable"),
}
CLASS_ORDER: tuple[FindingClass, ...] = (
    "arithmetic",
    "code",
    "formula_vs_figures",
    "notation",
    "not_checkable",
)
CLASS_NAMES: dict[FindingClass, str] = {
    "arithmetic": N_("Arithmetic errors"),
    "code": N_("Misprinted codes"),
    "formula_vs_figures": N_("Formulas inconsistent with their figures"),
    "notation": N_("Notation only (the value holds)"),
    "not_checkable": N_("Cannot be checked"),
}
SEVERITY_NAMES = {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
# The titles of recompute.AUDIT_CHECKS, so that they are translated too; a title not
# listed here (a check added later) is shown as it is.
CHECK_TITLES = (
    N_("Achievement ratios (capaian)"),
    N_("Percentages from numerator and denominator (Tabel 2.3.2)"),
    N_("The budget table of BAB II (ratios, parts, average growth)"),
    N_("Budget rollups (Tabel 6.1-6.3)"),
    N_("End-of-period budgets (Rp)"),
    N_("End-of-period values (K)"),
    N_("Grades against scores"),
    N_("The same figure in different tables"),
    N_("Printed codes (Tabel 6.1-6.3)"),
    N_("Formulas against their own figures and wording"),
)
# The column of a figure when the audit does not name it (Place.column), by its check.
COLUMNS = {
    "achievement": N_("achievement {year}"),
    "budget_ratio": N_("ratio {year}"),
    "budget_growth": N_("average growth"),
    "end_of_period": N_("end of period, K"),
    "end_of_period_rp": N_("end of period, Rp"),
}
ROW_CODE = N_("the row's code")
MEANING_OF_HOLDS = N_(
    "A figure holds when the recomputed exact value rounds half-up to the printed digits "
    "(Rupiah: equal to the Rupiah)."
)

_ESCAPES = str.maketrans(
    {"\\": "\\\\", "`": "\\`", "*": "\\*", "|": "\\|", "~": "\\~"} | {"&": "&amp;", "<": "&lt;"}
)
_LOOSE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
_LINK_END = re.compile(r"\](?=[(\[:])")
_HEADING_OR_ITEM = re.compile(r"^(#{1,6}|[-+>])(?=\s)")
_NUMBERED_ITEM = re.compile(r"^([0-9]{1,9})([.)])(?=\s)")


def markdown_text(text: object) -> str:
    """`text` as one line of literal Markdown: line breaks become spaces, control
    characters are shown as \\xNN, characters with a meaning (pipes, backticks, '*',
    '~', the ']' of a link, '<' and '&' that would start HTML, '_' outside a word, and a
    leading '#', '-', '+', '>' or '1.' that would start a heading, a list or a quote)
    are escaped."""
    one_line = " ".join(str(text).splitlines())
    visible = "".join(
        f"\\x{ord(char):02x}" if unicodedata.category(char) == "Cc" else char for char in one_line
    )
    escaped = _LOOSE_UNDERSCORE.sub(r"\\_", visible.translate(_ESCAPES))
    escaped = _LINK_END.sub(r"\\]", escaped)
    escaped = _HEADING_OR_ITEM.sub(r"\\\1", escaped)
    return _NUMBERED_ITEM.sub(r"\1\\\2", escaped)


md = markdown_text


# --- What the reports say about a figure (shared by Markdown, HTML, terminal, explain) ---


def finding_class(figure: Figure) -> FindingClass | None:
    """The class the audit gave the figure; until it gives one, the class its status and
    explanation imply. None for a figure that holds."""
    if figure.finding_class is not None:
        return figure.finding_class
    if figure.status == "holds":
        return None
    if figure.status == "not_recomputable":
        return "not_checkable"
    if (figure.explanation or "").startswith("notation"):
        return "notation"
    return "arithmetic"


def table_text(place: Place, report: AuditReport) -> str:
    title = place.title or report.tables.get(place.table)
    number = f"Tabel {table_number(place.table)}"
    return (
        f"{number} \N{LEFT DOUBLE QUOTATION MARK}{title}\N{RIGHT DOUBLE QUOTATION MARK}"
        if title
        else number
    )


def lines_text(place: Place, _: Translate) -> str:
    if place.last_line:
        return _("seed lines {first}-{last}").format(first=place.line, last=place.last_line)
    return _("seed line {line}").format(line=place.line)


def short_place(place: Place, _: Translate) -> str:
    """A term's place: "Tabel 6.3, seed line 8108" (its label names the row)."""
    return f"Tabel {table_number(place.table)}, {lines_text(place, _)}"


def row_text(figure: Figure, report: AuditReport) -> str:
    return figure.place.row or report.names.get(figure.subject) or figure.label


def column_text(figure: Figure, _: Translate) -> str:
    if figure.place.column:
        return figure.place.column
    template = COLUMNS.get(figure.check)
    if figure.check == "rollup" and figure.year is None:
        template = COLUMNS["end_of_period_rp"]
    if template is not None:
        return _(template).format(year=figure.year or "")
    return str(figure.year) if figure.year else "-"


def location(figure: Figure, report: AuditReport, _: Translate) -> str:
    """Where the auditor finds the figure in the PDF, then in the seed."""
    return _("{table}, row {row}, column {column} ({lines})").format(
        table=table_text(figure.place, report),
        row=row_text(figure, report),
        column=column_text(figure, _),
        lines=lines_text(figure.place, _),
    )


def short_location(figure: Figure, report: AuditReport, _: Translate) -> str:
    """The location for a line of the terminal: the table's number, not its title."""
    return _("Tabel {table}, {row}, {column} ({lines})").format(
        table=table_number(figure.place.table),
        row=row_text(figure, report),
        column=column_text(figure, _),
        lines=lines_text(figure.place, _),
    )


def exact_value(value: Fraction | None, _: Translate) -> str:
    """The exact value for the "exact value" detail: the fraction when it is short."""
    if value is None:
        return _("not computed")
    if len(str(value)) <= 24:
        return str(value)
    return _("{value}... (6 decimals)").format(value=format_indonesian(value, 6))


def difference_text(figure: Figure) -> str:
    difference = figure.difference
    return "-" if difference is None else format_indonesian(difference, figure.decimals)


def apart_why(figure: Figure, _: Translate) -> str:
    """Why a figure listed apart is there: the audit's words (the reason it cannot be
    checked, or what its notation is), then the catalog's note, named as such."""
    said = tr(figure.reason if figure.status == "not_recomputable" else figure.explanation, _)
    note = _("catalog note: {note}").format(note=figure.note) if figure.note else ""
    return "; ".join(part for part in (said, note) if part)


def summary_sentence(report: AuditReport, _: Translate) -> str:
    counts = report.counts()
    return _(
        "{checked} derived figures checked: {holds} hold, {findings} findings, "
        "{unrecomputable} not recomputable."
    ).format(
        checked=len(report.figures),
        holds=counts["holds"],
        findings=counts["finding"],
        unrecomputable=counts["not_recomputable"],
    )


def status_word(figure: Figure, _: Translate) -> str:
    return _(STATUS_WORDS[figure.status])


def class_counts(report: AuditReport) -> Counter[FindingClass]:
    return Counter(cls for figure in report.figures if (cls := finding_class(figure)) is not None)


def class_weights(report: AuditReport) -> Counter[FindingClass]:
    weights: Counter[FindingClass] = Counter()
    for figure in report.figures:
        cls = finding_class(figure)
        if cls is not None and figure.weight is not None:
            weights[cls] += figure.weight
    return weights


def by_class(report: AuditReport, classes: tuple[FindingClass, ...]) -> list[Figure]:
    """The figures of these classes, in the order of the audit, each once."""
    return [figure for figure in report.figures if finding_class(figure) in classes]


REPORTED: tuple[FindingClass, ...] = ("arithmetic", "code", "formula_vs_figures")  # in full


# --- Terminal ---


def render_summary(report: AuditReport, lang: str = DEFAULT_LANGUAGE, width: int = 100) -> str:
    """The summary for the terminal, fitted to `width` columns by rich."""
    import io

    from rich.console import Console
    from rich.table import Table

    _ = translator(lang)
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(_("Audit of {title}").format(title=report.title), markup=False)
    checks = Table(box=None, pad_edge=False)
    for heading in (_("Check"), _("Checked"), _("Hold"), _("Findings"), _("Not recomputable")):
        checks.add_column(heading, justify="left" if heading == _("Check") else "right")
    for section in report.sections:
        c = section.counts()
        checks.add_row(
            _(section.title),
            *map(str, (len(section.figures), c["holds"], c["finding"], c["not_recomputable"])),
        )
    counts = report.counts()
    checks.add_row(
        _("total"),
        *map(
            str,
            (len(report.figures), counts["holds"], counts["finding"], counts["not_recomputable"]),
        ),
    )
    console.print(checks)
    classes = class_counts(report)
    console.print(
        "; ".join(f"{_(CLASS_NAMES[cls])}: {classes[cls]}" for cls in CLASS_ORDER),
        markup=False,
    )
    listed = by_class(report, REPORTED)
    if listed:
        console.print("")
        console.print(_("Findings:"), markup=False)
        for figure in listed:
            console.print(f"- {_one_line(figure, report, _)}", markup=False)
    text: str = console.file.getvalue()  # type: ignore[attr-defined]
    return "".join(line.rstrip() + "\n" for line in text.splitlines())


def _one_line(figure: Figure, report: AuditReport, _: Translate) -> str:
    why = _("; likely {explanation}").format(explanation=tr(figure.explanation, _))
    if figure.check == "code" and figure.intended:
        said = _("{where}: printed {printed}, the row's code {code}").format(
            where=short_location(figure, report, _), printed=figure.printed, code=figure.intended
        )
        return said + (why if figure.explanation else "")
    if figure.recomputed is None:  # a formula that gives no value: the cause says why
        said = _("{where}: printed {printed}").format(
            where=short_location(figure, report, _), printed=figure.printed
        )
        return said + (why if figure.explanation else "")
    return _("{where}: printed {printed}, recomputed {recomputed}").format(
        where=short_location(figure, report, _),
        printed=figure.printed,
        recomputed=figure.recomputed_text(),
    ) + (why if figure.explanation else "")


# --- Markdown ---


def render_markdown(report: AuditReport, lang: str = DEFAULT_LANGUAGE) -> str:
    _ = translator(lang)
    out = [
        f"# {md(_('Audit of {title}').format(title=report.title))}",
        "",
        summary_sentence(report, _) + " " + _(MEANING_OF_HOLDS),
        "",
        f"## {_('Summary by class')}",
        "",
        f"| {_('Class')} | {_('Number')} | {_('Weight (Rp)')} |",
        "|---|---:|---:|",
    ]
    classes, weights = class_counts(report), class_weights(report)
    for cls in CLASS_ORDER:
        weight = format_indonesian(Fraction(weights[cls]), 0) if weights[cls] else "-"
        out.append(f"| {_(CLASS_NAMES[cls])} | {classes[cls]} | {weight} |")
    out += [
        "",
        f"## {_('Summary by check')}",
        "",
        f"| {_('Check')} | {_('Checked')} | {_('Hold')} | {_('Findings')} | "
        f"{_('Not recomputable')} |",
        "|---|---:|---:|---:|---:|",
    ]
    for section in report.sections:
        c = section.counts()
        out.append(
            f"| {md(_(section.title))} | {len(section.figures)} | {c['holds']} | "
            f"{c['finding']} | {c['not_recomputable']} |"
        )
    out.append("")
    number = 0
    for cls in REPORTED:
        figures = by_class(report, (cls,))
        if not figures:
            continue
        out += [f"## {_(CLASS_NAMES[cls])}", ""]
        for figure in figures:
            number += 1
            out += _finding_block(number, figure, report, _)
    if not number:
        out += [f"## {_('Findings')}", "", _("None."), ""]
    out += [f"## {_(CLASS_NAMES['notation'])}", ""]
    out += [
        "- "
        + md(
            (
                _("{where}: printed {printed}, read {recomputed}")
                if f.recomputed is not None
                else _("{where}: printed {printed}")
            ).format(
                where=location(f, report, _), printed=f.printed, recomputed=f.recomputed_text()
            )
        )
        + (f"; {md(apart_why(f, _))}" if f.note or f.explanation else "")
        for f in by_class(report, ("notation",))
    ] or [_("None.")]
    out += ["", f"## {_(CLASS_NAMES['not_checkable'])}", ""]
    out += [
        "- "
        + md(
            _("{where}: printed {printed}").format(where=location(f, report, _), printed=f.printed)
        )
        + (f"; {md(apart_why(f, _))}" if f.reason or f.note else "")
        for f in by_class(report, ("not_checkable",))
    ] or [_("None.")]
    return "\n".join(out) + "\n"


def _recomputed_line(figure: Figure, _: Translate) -> str:
    """The recomputed value; for a misprinted code, the row's own code (nothing to recompute)."""
    if figure.check == "code" and figure.intended:
        return f"- {_(ROW_CODE)}: **{md(figure.intended)}**"
    return (
        f"- {_('recomputed')}: **{figure.recomputed_text()}**; {_('difference')} "
        f"{difference_text(figure)}"
    )


def _finding_block(number: int, figure: Figure, report: AuditReport, _: Translate) -> list[str]:
    lines = [
        f"### {number}. {md(row_text(figure, report))}, {md(column_text(figure, _))}",
        "",
        f"- {_('where')}: {md(location(figure, report, _))}",
        f"- {_('printed')}: **{md(figure.printed)}**",
        _recomputed_line(figure, _),
        f"- {_('rule')}: {md(tr(figure.rule, _))}",
    ]
    if figure.rules:
        lines.append(
            f"- {_('rules broken')}: " + "; ".join(md(tr(rule, _)) for rule in figure.rules)
        )
    if figure.terms:
        terms = [
            f"{md(tr(t.label, _))} {md(tr(t.text, _))}"
            + (f" ({md(short_place(t.place, _))})" if t.place else "")
            for t in figure.terms
        ]
        lines.append(f"- {_('inputs')}: " + "; ".join(terms))
    if figure.steps:
        lines.append(f"- {_('steps')}: " + "; ".join(md(tr(step, _)) for step in figure.steps))
    if figure.explanation:
        lines.append(f"- {_('likely cause')}: {md(tr(figure.explanation, _))}")
    if figure.note:
        lines.append(f"- {_('catalog note')}: {md(figure.note)}")
    if figure.severity or figure.weight is not None:
        severity = _(SEVERITY_NAMES[figure.severity]) if figure.severity else "-"
        weight = format_indonesian(Fraction(figure.weight), 0) if figure.weight is not None else "-"
        lines.append(f"- {_('severity')}: {severity}; {_('weight')}: Rp {weight}")
    if figure.recomputed is not None and figure.recomputed.denominator != 1:
        lines.append(f"- {_('exact value')}: {md(exact_value(figure.recomputed, _))}")
    return [*lines, ""]


# --- JSON (ids included: for machines) ---


def figure_to_dict(
    figure: Figure, report: AuditReport | None = None, lang: str = "en"
) -> dict[str, Any]:
    """A figure as JSON; its words (column, rule, steps, reason, explanation) in `lang`."""
    _ = translator(lang)
    names = report if report is not None else AuditReport("", [])
    return {
        "check": figure.check,
        "subject": figure.subject,
        "label": figure.label,
        "year": figure.year,
        "printed": figure.printed,
        "place": {
            "table": figure.place.table,
            "line": figure.place.line,
            "last_line": figure.place.last_line,
            "title": figure.place.title or names.tables.get(figure.place.table),
            "row": row_text(figure, names),
            "column": column_text(figure, _),
        },
        "rule": tr(figure.rule, _) if figure.rule else figure.rule,
        "terms": [
            {
                "label": t.label,
                "text": t.text,
                "value": None if t.value is None else str(t.value),
                "place": None if t.place is None else tr(t.place, _),
            }
            for t in figure.terms
        ],
        "steps": [tr(step, _) for step in figure.steps],
        "recomputed": None if figure.recomputed is None else str(figure.recomputed),
        "recomputed_rounded": None if figure.recomputed is None else figure.recomputed_text(),
        "difference": None if figure.difference is None else str(figure.difference),
        "status": figure.status,
        "class": finding_class(figure),
        "severity": figure.severity,
        "weight": figure.weight,
        "rules": [tr(rule, _) for rule in figure.rules],
        "reason": tr(figure.reason, _) if figure.reason else figure.reason,
        "explanation": tr(figure.explanation, _) if figure.explanation else figure.explanation,
        "note": figure.note,
        "intended": figure.intended,
    }


def render_json(report: AuditReport) -> str:
    counts = report.counts()
    classes = class_counts(report)
    data = {
        "title": report.title,
        "counts": {"checked": len(report.figures), **{k: counts[k] for k in STATUS_WORDS}},
        "classes": {cls: classes[cls] for cls in CLASS_ORDER},
        "sections": [
            {"title": s.title, "figures": [figure_to_dict(f, report) for f in s.figures]}
            for s in report.sections
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
