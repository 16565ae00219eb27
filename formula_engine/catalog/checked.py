"""The one gate before a catalog is used: load it, validate it, refuse it if it has errors.

Every command that reads a catalog (audit, explain, catalog stats; later the HTTP service)
calls `load_checked`, so nothing is computed from a catalog that `renstra check` rejects.
The problems the catalog accepts (the document's own printed mistakes, listed in a
formula's `accepts`) and warnings do not block it; errors do. The symbolic checks give
only warnings (`checks.subject`), so the gate skips them: it decides the same, faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Diagnostic, FormulaError, Location
from ..i18n import msg
from . import cache
from .load import Catalog, load_catalog

if TYPE_CHECKING:
    from .validate import Report


class CatalogRejected(FormulaError, ValueError):
    """The catalog does not load or does not check; `diagnostics` says where and why."""

    code = "E590"
    stage = "load"

    def __init__(self, root: Path, diagnostics: list[Diagnostic]) -> None:
        errors = sum(d.severity == "error" for d in diagnostics)
        super().__init__(
            msg(
                "the catalog does not check ({count} error(s)); nothing was computed", count=errors
            ),
            hint=msg("run `renstra check {root}` and fix the errors it lists", root=root),
            location=Location(str(root)),
        )
        self.diagnostics = diagnostics


def load_checked(root: Path) -> tuple[Catalog, Report]:
    """The catalog under `root` and its validation report (without the symbolic checks'
    warnings), or CatalogRejected."""
    catalog, diagnostics = load_catalog(root)
    if catalog is None:
        raise CatalogRejected(root, diagnostics)
    report = checked_report(catalog, symbolic=False)
    if report.errors:
        raise CatalogRejected(root, report.diagnostics)
    return catalog, report


def checked_report(catalog: Catalog, symbolic: bool = True) -> Report:
    """`validate(catalog, symbolic)`, kept in the cache beside the catalog it was made
    from (the same key: the same files, the same code); computed when not there."""
    from .validate import Report, validate  # sympy, for the compiler: only when computed

    def compute() -> tuple[list[Diagnostic], list[Diagnostic]]:
        report = validate(catalog, symbolic)
        return report.diagnostics, report.accepted

    def without_errors(parts: tuple[list[Diagnostic], ...]) -> bool:
        """A report that refuses the catalog is not kept: it is always checked again."""
        return not any(diagnostic.severity == "error" for diagnostic in parts[0])

    kind = "symbolic" if symbolic else "plain"
    found, accepted = cache.cached_diagnostics(catalog.cache_key, kind, compute, without_errors)
    return Report(found, accepted)
