"""The class, severity and Rupiah weight of each finding, as rules in one table.

Class: a misprinted code ("code"), a matter of notation only, the value holds
("notation"), a formula whose catalog reading contradicts the document's own figures
("formula_vs_figures"), a figure that cannot be checked ("not_checkable"), and every
other finding an arithmetic error ("arithmetic").

Severity, the first rule of `SEVERITY_RULES` that applies:
- high: an arithmetic error of at least Rp 1.000.000, or a non-money figure off by more
  than one unit of its last printed decimal (a whole number off at all); a printed code
  that is another row's code;
- medium: an arithmetic error in Rupiah of at least Rp 1.000, a misprinted code, a
  formula inconsistent with its figures;
- low: the rest (off by one in the last decimal, a few Rupiah, notation, not checkable).

Weight: for money, the Rupiah at stake, |printed - recomputed| (a malformed print is
weighed with its intended reading, so a missing separator weighs 0).
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

from ..catalog.printed import read_printed
from .figures import Figure, FindingClass, Severity

# Checks whose figures are Rupiah.
MONEY_CHECKS = frozenset({"budget_parts", "rollup", "end_of_period_rp"})


def finding_class(figure: Figure) -> FindingClass:
    if figure.status == "not_recomputable":
        return "not_checkable"
    if figure.check == "code":
        return "code"
    if figure.check == "formula_vs_figures":
        return "formula_vs_figures"
    if figure.check == "literal_reading":
        return "notation"
    if figure.explanation and figure.explanation.startswith("notation:"):
        return "notation"
    return "arithmetic"


def weight(figure: Figure) -> int | None:
    if figure.check not in MONEY_CHECKS or figure.recomputed is None:
        return None
    printed = figure.printed_value
    if printed is None and figure.intended is not None:
        printed = read_printed(figure.intended).value
    if printed is None:
        return None
    return int(abs(printed - figure.recomputed))


def _off_by_more_than_last_decimal(figure: Figure) -> bool:
    """A whole number (a count) that differs at all, or a figure off by more than one unit
    of its last printed decimal (which rounding can explain)."""
    difference = figure.difference
    if difference is None or difference == 0:
        return False
    return figure.decimals == 0 or abs(difference) > Fraction(1, 10**figure.decimals)


SeverityRule = tuple[Severity, str, Callable[[Figure, FindingClass, int | None], bool]]

SEVERITY_RULES: tuple[SeverityRule, ...] = (
    ("low", "notation only, or not checkable", lambda f, c, w: c in ("notation", "not_checkable")),
    (
        "high",
        "a code that is another row's code",
        lambda f, c, w: c == "code" and f.severity == "high",
    ),
    ("medium", "a misprinted code", lambda f, c, w: c == "code"),
    (
        "medium",
        "a formula inconsistent with its figures",
        lambda f, c, w: c == "formula_vs_figures",
    ),
    ("high", "Rp 1.000.000 or more at stake", lambda f, c, w: w is not None and w >= 1_000_000),
    ("medium", "Rp 1.000 or more at stake", lambda f, c, w: w is not None and w >= 1_000),
    ("low", "less than Rp 1.000 at stake", lambda f, c, w: w is not None),
    (
        "high",
        "off by more than the last printed decimal",
        lambda f, c, w: _off_by_more_than_last_decimal(f),
    ),
    ("low", "off by one in the last printed decimal", lambda f, c, w: True),
)


def classify(figure: Figure) -> None:
    """Set the class, weight and severity of a finding or a not-recomputable figure."""
    if figure.status == "holds":
        return
    cls = finding_class(figure)
    figure.finding_class = cls
    figure.weight = weight(figure)
    for severity, _, applies in SEVERITY_RULES:
        if applies(figure, cls, figure.weight):
            figure.severity = severity
            return
