"""Symbolic checks (sympy) run on every formula: a tuple of small functions.

Each check takes a `Subject` (one bound formula, compiled to sympy for a year, with the
declarations it uses) and returns findings: warnings with the span of the part of the
formula concerned. Adding a check touches one module and one fixture file
(tests/fixtures/checks/<name>.yaml).
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import Diagnostic
from .dependence import check_dependence
from .share_bounds import check_share_bounds
from .subject import Subject
from .zero_denominator import check_zero_denominator

Check = Callable[[Subject], list[Diagnostic]]

SYMBOLIC_CHECKS: tuple[Check, ...] = (check_zero_denominator, check_share_bounds, check_dependence)


def run_checks(subject: Subject) -> list[Diagnostic]:
    return [finding for check in SYMBOLIC_CHECKS for finding in check(subject)]


__all__ = ["SYMBOLIC_CHECKS", "Subject", "run_checks"]
