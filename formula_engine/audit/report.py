"""Rendering an audit: a terminal summary, a full Markdown report, and JSON for machines.

Every text the catalog provides (titles, labels, subjects, printed figures, places, rules,
notes) goes into the Markdown through `markdown_text`, which keeps it one line of plain
text: no table cell ends early, no HTML, link, code span or emphasis starts.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from ..numbers import format_indonesian
from . import AuditReport
from .figures import Figure, exact_text

STATUS_WORDS = {"holds": "holds", "finding": "FINDING", "not_recomputable": "not recomputable"}

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


def render_summary(report: AuditReport) -> str:
    counts = report.counts()
    width = max(len(section.title) for section in report.sections)
    lines = [
        f"Audit of {report.title}",
        "",
        f"  {'':<{width}}  {'checked':>7}  {'hold':>5}  {'findings':>8}  {'not recomputable':>16}",
    ]
    for section in report.sections:
        c = section.counts()
        lines.append(
            f"  {section.title:<{width}}  {len(section.figures):>7}  {c['holds']:>5}  "
            f"{c['finding']:>8}  {c['not_recomputable']:>16}"
        )
    lines.append(
        f"  {'total':<{width}}  {len(report.figures):>7}  {counts['holds']:>5}  "
        f"{counts['finding']:>8}  {counts['not_recomputable']:>16}"
    )
    if report.findings:
        lines += ["", "Findings:"]
        lines += [f"  - {_one_line(figure)}" for figure in report.findings]
    return "\n".join(lines) + "\n"


def _one_line(figure: Figure) -> str:
    year = f" {figure.year}" if figure.year else ""
    why = f"; likely {figure.explanation}" if figure.explanation else ""
    return (
        f"{figure.subject}{year}: printed {figure.printed}, recomputed "
        f"{figure.recomputed_text()} ({figure.place}){why}"
    )


def _difference(figure: Figure) -> str:
    difference = figure.difference
    if difference is None:
        return "-"
    return format_indonesian(difference, figure.decimals)


def render_markdown(report: AuditReport) -> str:
    counts = report.counts()
    out = [
        f"# Audit of the {md(report.title)}",
        "",
        f"{len(report.figures)} derived figures checked: {counts['holds']} hold, "
        f"{counts['finding']} findings, {counts['not_recomputable']} not recomputable. "
        "A figure holds when the recomputed exact value rounds half-up to the printed digits "
        "(Rupiah: equal to the Rupiah).",
        "",
        "| Check | Checked | Hold | Findings | Not recomputable |",
        "|---|---:|---:|---:|---:|",
    ]
    for section in report.sections:
        c = section.counts()
        out.append(
            f"| {md(section.title)} | {len(section.figures)} | {c['holds']} | {c['finding']} | "
            f"{c['not_recomputable']} |"
        )
    out += ["", "## Findings", ""]
    if not report.findings:
        out.append("None.")
    for index, figure in enumerate(report.findings, start=1):
        out += _finding_block(index, figure)
    out += ["## Not recomputable", ""]
    unrecomputable = [f for f in report.figures if f.status == "not_recomputable"]
    out += [
        f"- {md(f.subject)} {f.year or ''} ({md(f.place)}): printed {md(f.printed)}; {md(f.reason)}"
        for f in unrecomputable
    ] or ["None."]
    out.append("")
    for section in report.sections:
        out += _section_table(section.title, section.figures)
    return "\n".join(out) + "\n"


def _finding_block(index: int, figure: Figure) -> list[str]:
    year = f", {figure.year}" if figure.year else ""
    lines = [
        f"### {index}. {md(figure.label)} ({md(figure.subject)}{year})",
        "",
        f"- printed: **{md(figure.printed)}** ({md(figure.place)})",
        f"- recomputed: **{figure.recomputed_text()}** ({exact_text(figure.recomputed)}), "
        f"difference {_difference(figure)}",
        f"- rule: {md(figure.rule)}",
    ]
    if figure.terms:
        lines.append(
            "- from: "
            + "; ".join(
                f"{md(t.label)} {md(t.text)}" + (f" ({md(t.place)})" if t.place else "")
                for t in figure.terms
            )
        )
    if figure.steps:
        lines.append("- steps: " + "; ".join(md(step) for step in figure.steps))
    if figure.explanation:
        lines.append(f"- likely: {md(figure.explanation)}")
    if figure.note:
        lines.append(f"- catalog note: {md(figure.note)}")
    return [*lines, ""]


def _section_table(title: str, figures: list[Figure]) -> list[str]:
    lines = [
        f"## {md(title)}",
        "",
        "| Subject | Year | Printed | Recomputed | Status | Place |",
        "|---|---|---:|---:|---|---|",
    ]
    for figure in figures:
        lines.append(
            f"| {md(figure.subject)} | {figure.year or ''} | {md(figure.printed)} | "
            f"{figure.recomputed_text()} | {STATUS_WORDS[figure.status]} | {md(figure.place)} |"
        )
    return [*lines, ""]


def figure_to_dict(figure: Figure) -> dict[str, Any]:
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
        },
        "rule": figure.rule,
        "terms": [
            {
                "label": t.label,
                "text": t.text,
                "value": None if t.value is None else str(t.value),
                "place": None if t.place is None else str(t.place),
            }
            for t in figure.terms
        ],
        "steps": figure.steps,
        "recomputed": None if figure.recomputed is None else str(figure.recomputed),
        "recomputed_rounded": None if figure.recomputed is None else figure.recomputed_text(),
        "difference": None if figure.difference is None else str(figure.difference),
        "status": figure.status,
        "reason": figure.reason,
        "explanation": figure.explanation,
        "note": figure.note,
        "intended": figure.intended,
    }


def render_json(report: AuditReport) -> str:
    counts = report.counts()
    data = {
        "title": report.title,
        "counts": {"checked": len(report.figures), **{k: counts[k] for k in STATUS_WORDS}},
        "sections": [
            {"title": s.title, "figures": [figure_to_dict(f) for f in s.figures]}
            for s in report.sections
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
