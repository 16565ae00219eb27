"""A share-of-whole formula must stay within [0, 100] %.

When a formula uses an input declared `part_of` another input that it also uses (the
numerator is a part of the denominator), the formula is a share of a whole: with
0 <= part <= whole and whole > 0 its value must lie in [0, 100] %. The check writes each
part as t x whole with t in [0, 1]; when the result depends only on the t's and is
linear in each, its extremes are at the corners t in {0, 1}, which are evaluated exactly.
Anything else is reported as "cannot guarantee".
"""

from __future__ import annotations

import itertools

import sympy

from .. import nodes
from ..backends.sympy import parse_symbol
from ..errors import Diagnostic
from .subject import Subject, warning

MAX_PARTS = 4  # corners grow as 2**parts


def check_share_bounds(subject: Subject) -> list[Diagnostic]:
    expr = subject.sympy()
    pairs = _part_whole_pairs(subject, expr)
    if not pairs or not isinstance(expr, sympy.Expr):
        return []
    shares = {part: sympy.Symbol(f"t{index}", nonnegative=True) for index, part in enumerate(pairs)}
    substituted = sympy.cancel(
        expr.subs({part: share * pairs[part] for part, share in shares.items()}, simultaneous=True)
    )
    outside = _corner_range(substituted, set(shares.values()))
    span = subject.tree.span
    if outside is None:
        return [
            warning(
                "cannot guarantee this share-of-whole formula stays within [0, 100] %",
                span,
                "W321",
                "the formula is not a simple share of its declared whole (are the part and the "
                "whole swapped?)",
            )
        ]
    low, high = outside
    if low < 0 or high > _hundred(subject):
        return [
            warning(
                f"this share-of-whole formula can leave [0, 100] %: it ranges from {low} to {high}",
                span,
                "W321",
                "check which input is the part and which the whole",
            )
        ]
    return []


def _part_whole_pairs(subject: Subject, expr: sympy.Basic) -> dict[sympy.Symbol, sympy.Symbol]:
    by_name = {s.name: s for s in expr.free_symbols}
    pairs = {}
    for symbol in expr.free_symbols:
        identifier, key = parse_symbol(symbol)
        whole_id = subject.table.by_id[identifier].part_of
        whole = by_name.get(f"{whole_id}__{key}") if whole_id else None
        if whole is not None:
            pairs[symbol] = whole
    return dict(list(pairs.items())[:MAX_PARTS])


def _corner_range(expr: sympy.Expr, shares: set[sympy.Symbol]) -> tuple[sympy.Rational, ...] | None:
    if not expr.free_symbols <= shares or not expr.is_polynomial(*shares):
        return None
    if any(d > 1 for d in sympy.Poly(expr, *shares).degree_list()):
        return None
    ordered = sorted(shares, key=str)
    values = [
        expr.subs(dict(zip(ordered, corner, strict=True)))
        for corner in itertools.product((0, 1), repeat=len(ordered))
    ]
    return min(values), max(values)


def _hundred(subject: Subject) -> int:
    # A share expressed in % is bounded by 100; a plain ratio by 1.
    return 100 if any(isinstance(n, nodes.Percent) for n in nodes.walk(subject.tree)) else 1
