"""The catalog: the Renstra's indicators, formulas, values and budgets as validated data.

catalog, diagnostics = load_catalog(path)   # all or nothing, every problem located
report = validate(catalog)                  # cross-entry checks and formulas
catalog, report = load_checked(path)        # both, or CatalogRejected: before any use
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .checked import CatalogRejected, load_checked
from .load import Catalog, Located, load_catalog
from .validate import Report, validate


def bundled_catalog_path() -> Path:
    """The catalog shipped with the package, or the source tree's catalog/."""
    packaged = resources.files("formula_engine") / "data" / "catalog"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent.parent / "catalog"


__all__ = [
    "Catalog",
    "CatalogRejected",
    "Located",
    "Report",
    "bundled_catalog_path",
    "load_catalog",
    "load_checked",
    "validate",
]
