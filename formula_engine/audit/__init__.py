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
    return AuditReport(catalog.plan.plan.name, sections)


__all__ = ["AuditReport", "Figure", "Section", "run_audit"]
