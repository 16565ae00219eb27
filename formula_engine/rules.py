"""The end-of-period rules (Kondisi Kinerja pada Akhir Periode), one table entry each.

Each rule is a pure function of the yearly targets over its span (and the baseline), and
a description; the audit (`audit/indicators.py`), the catalog's validation hint and the
docs read this table, so a rule exists in one place. The achievement rules are the table
`achievement.RULE_FORMULAS`; the band tables are data (`bands/*.yaml`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from math import prod

from .i18n import N_


@dataclass(frozen=True)
class EndOfPeriodRule:
    name: str
    description: str  # a message id (i18n); "{span}" stands for the years
    apply: Callable[[Sequence[Fraction], Fraction | None], Fraction | None] | None
    needs_baseline: bool = False


def _last_year(rates: Sequence[Fraction], _: Fraction | None) -> Fraction | None:
    return rates[-1]


def _sum(rates: Sequence[Fraction], _: Fraction | None) -> Fraction | None:
    return sum(rates, Fraction(0))


def _compounded_rate(rates: Sequence[Fraction], _: Fraction | None) -> Fraction | None:
    return (1 - prod((1 - r / 100 for r in rates), start=Fraction(1))) * 100


def _compounded_increase(rates: Sequence[Fraction], _: Fraction | None) -> Fraction | None:
    return (prod((1 + r / 100 for r in rates), start=Fraction(1)) - 1) * 100


def _baseline_plus_sum(rates: Sequence[Fraction], baseline: Fraction | None) -> Fraction | None:
    return None if baseline is None else baseline + sum(rates, Fraction(0))


END_OF_PERIOD_RULES: dict[str, EndOfPeriodRule] = {
    rule.name: rule
    for rule in (
        EndOfPeriodRule("last_year", N_("the target of {span}"), _last_year),
        EndOfPeriodRule("sum", N_("the targets {span} added"), _sum),
        EndOfPeriodRule("compounded_rate", N_("1 - prod(1 - r/100) over {span}"), _compounded_rate),
        EndOfPeriodRule(
            "compounded_increase", N_("prod(1 + r/100) - 1 over {span}"), _compounded_increase
        ),
        EndOfPeriodRule(
            "baseline_plus_sum",
            N_("the baseline plus the targets {span}"),
            _baseline_plus_sum,
            needs_baseline=True,
        ),
        EndOfPeriodRule("not_printed", N_("the tables print no end-of-period figure"), None),
    )
}
