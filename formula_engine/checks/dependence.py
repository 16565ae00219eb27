"""A formula that is constant, or that does not depend on an input it references.

After sympy simplifies the formula, an input whose symbols all cancel out
("a - a + b") is reported, and so is a formula left with no input at all.
"""

from __future__ import annotations

import sympy

from .. import nodes
from ..backends.sympy import parse_symbol
from ..errors import Diagnostic
from .subject import Subject, warning


def check_dependence(subject: Subject) -> list[Diagnostic]:
    expr = subject.sympy()
    if not isinstance(expr, sympy.Expr):
        return []
    simplified = sympy.simplify(expr)
    remaining = {parse_symbol(s)[0] for s in simplified.free_symbols}
    references = nodes.references(subject.tree)
    if not simplified.free_symbols:
        return [
            warning(
                f"the formula is constant: it always equals {simplified}",
                subject.tree.span,
                "W322",
                "a formula should read at least one input",
            )
        ]
    findings = []
    for identifier in dict.fromkeys(r.name for r in references):
        if identifier not in remaining:
            first = next(r for r in references if r.name == identifier)
            findings.append(
                warning(
                    f"the formula does not depend on {subject.label(identifier)}: it cancels out",
                    first.span,
                    "W323",
                    "remove the input, or check the formula",
                )
            )
    return findings
