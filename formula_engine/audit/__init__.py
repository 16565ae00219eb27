"""The audit: recompute every derived figure the Renstra prints, and report.

    report = run_audit(catalog)
    report.findings, report.summary(), render_markdown(report), render_html(report)

Each check of `recompute.AUDIT_CHECKS` yields `Figure`s (holds, finding, or not recomputable).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalog.load import Catalog
from .figures import Figure
from .recompute import AUDIT_CHECKS


@dataclass
class Section:
    title: str
    figures: list[Figure] = field(default_factory=list)

    def counts(self) -> Counter[str]:
        return Counter(figure.status for figure in self.figures)


@dataclass
class AuditReport:
    title: str
    sections: list[Section]
    # For the reports, which name things as the document does, never by internal id:
    tables: dict[str, str] = field(default_factory=dict)  # table id -> title as printed
    names: dict[str, str] = field(default_factory=dict)  # subject -> its printed name

    @property
    def figures(self) -> list[Figure]:
        return [figure for section in self.sections for figure in section.figures]

    @property
    def findings(self) -> list[Figure]:
        return [figure for figure in self.figures if figure.status == "finding"]

    def counts(self) -> Counter[str]:
        return Counter(figure.status for figure in self.figures)


def run_audit(catalog: Catalog) -> AuditReport:
    sections = [Section(title, check(catalog)) for title, check in AUDIT_CHECKS]
    tables: dict[str, str] = {table.id: table.title for table in catalog.plan.tables}
    return AuditReport(catalog.plan.plan.name, sections, tables, subject_names(catalog))


def subject_names(catalog: Catalog) -> dict[str, str]:
    """Every subject a figure can name (indicator id, row code, budget line id), with the
    name the document prints: "1.06.01 Program Penunjang ..." for a row with a code."""
    names: dict[str, str] = {}
    for row in catalog.rows():
        code = getattr(row.entry, "code", None)
        names[code or row.entry.id] = f"{code} {row.entry.name}" if code else row.entry.name
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        names[located.entry.id] = located.entry.name
    if catalog.history is not None:
        for line in catalog.history.entry.budget:
            names[line.id] = line.name
    return names


__all__ = ["AuditReport", "Figure", "Section", "run_audit", "subject_names"]
