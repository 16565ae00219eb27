"""The audit: recompute every derived figure the Renstra prints, and report.

    report = run_audit(catalog)
    report.findings, report.summary(), render_markdown(report), render_html(report)

Each check of `recompute.AUDIT_CHECKS` yields `Figure`s (holds, finding, or not recomputable).
Then one cause is one finding (`blame.py`), each finding gets its class, severity and
weight (`classes.py`), and each place its table title, row and column (`locate.py`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalog.load import Catalog
from .figures import Figure


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

    def counts_by_class(self) -> Counter[str]:
        """The findings and not-recomputable figures of each class (classes.py)."""
        return Counter(f.finding_class for f in self.figures if f.finding_class is not None)


def run_audit(catalog: Catalog) -> AuditReport:
    """The audit of `catalog`: computed, or read from the cache when exactly these files
    (and this code) were audited before (stored.py)."""
    from .stored import cached_report

    return cached_report(catalog.cache_key, lambda: audit(catalog))


def audit(catalog: Catalog) -> AuditReport:
    """The audit of `catalog`, computed (no cache)."""
    # imported here: a stored audit (and its reports) needs none of the checks
    from .blame import blame, corroborate, merge
    from .classes import classify
    from .locate import locate
    from .recompute import AUDIT_CHECKS

    sections = [Section(title, check(catalog)) for title, check in AUDIT_CHECKS]
    figures = [figure for section in sections for figure in section.figures]
    blame(figures)
    corroborate(figures)
    folded = {id(figure) for figure in merge(figures)}
    for section in sections:
        section.figures = [f for f in section.figures if id(f) not in folded]
    tables: dict[str, str] = {table.id: table.title for table in catalog.plan.tables}
    report = AuditReport(catalog.plan.plan.name, sections, tables, subject_names(catalog))
    for figure in report.figures:
        if figure.status == "finding" and not figure.rules:
            figure.rules = [figure.rule]
        classify(figure)
    locate(catalog, report.figures)
    return report


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
