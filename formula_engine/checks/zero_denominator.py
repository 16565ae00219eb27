"""A denominator that can be zero for admissible inputs.

Inputs are nonnegative unless declared otherwise, so a count is admissible at 0; a
denominator is safe only when sympy proves it non-zero from the declared domains (for
instance an input declared `domain: positive`, or `x + 1`). Otherwise the finding names
the admissible values that make it zero when it finds them.
"""

from __future__ import annotations

import sympy

from .. import nodes
from ..backends.sympy import parse_symbol
from ..errors import Diagnostic
from ..printer import to_text
from .subject import Subject, warning


def check_zero_denominator(subject: Subject) -> list[Diagnostic]:
    findings = []
    for node in nodes.walk(subject.tree):
        if isinstance(node, nodes.Binary) and node.op == "/":
            problem = _can_be_zero(subject, subject.sympy(node.right))
            if problem is not None:
                findings.append(
                    warning(
                        f"the denominator {to_text(node.right)} can be zero{problem}",
                        node.right.span,
                        "W320",
                        "declare the input `domain: positive` if it can never be 0, or set "
                        "the indicator's policy for a zero denominator",
                    )
                )
    return findings


def _can_be_zero(subject: Subject, denominator: sympy.Basic) -> str | None:
    if denominator.is_zero is False:
        return None
    witness = {
        s: (sympy.Integer(1) if s.is_positive else sympy.Integer(0))
        for s in denominator.free_symbols
    }
    if denominator.subs(witness) == 0:
        names = dict.fromkeys(
            _describe(subject, s) for s in sorted(witness, key=str) if witness[s] == 0
        )
        return f" (for instance when {' and '.join(names)} = 0)" if names else ""
    return " (sympy cannot prove it is never zero)"


def _describe(subject: Subject, symbol: sympy.Symbol) -> str:
    identifier, _ = parse_symbol(symbol)
    return subject.label(identifier)
