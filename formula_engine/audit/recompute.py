"""The audit's checks, in the order of the report (one function per kind of figure)."""

from __future__ import annotations

from collections.abc import Callable

from ..catalog.load import Catalog
from .budgets import budget_rollups, budget_table, end_of_period_budgets
from .codes import code_checks
from .figures import Figure
from .formulas import formula_checks
from .indicators import (
    achievement_ratios,
    cross_table,
    end_of_period_values,
    grades,
    history_percentages,
)

Check = Callable[[Catalog], list[Figure]]

AUDIT_CHECKS: tuple[tuple[str, Check], ...] = (
    ("Achievement ratios (capaian)", achievement_ratios),
    ("Percentages from numerator and denominator (Tabel 2.3.2)", history_percentages),
    ("The budget table of BAB II (ratios, parts, average growth)", budget_table),
    ("Budget rollups (Tabel 6.1-6.3)", budget_rollups),
    ("End-of-period budgets (Rp)", end_of_period_budgets),
    ("End-of-period values (K)", end_of_period_values),
    ("Grades against scores", grades),
    ("The same figure in different tables", cross_table),
    ("Printed codes (Tabel 6.1-6.3)", code_checks),
    ("Formulas against their own figures and wording", formula_checks),
)
