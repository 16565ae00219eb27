"""The canonical printer: our AST -> formula text in canonical layout.

Invariant: `parse(to_text(tree)) == tree` for every tree the parser can build. The
printer adds exactly the parentheses that the tree's shape needs: an operand is wrapped
when it binds more loosely than its operator, and a right operand of equal precedence is
wrapped too (every binary operator is left-associative, comparisons do not chain).

Canonical layout: one space around binary operators; `x` for multiplication (as the
document writes "x 100%"); `=`, `!=`, `<=`, `>=`; `and`, `or`, `not`; the current year
`[n]` is left out; numbers in plain decimal notation without separators.
"""

from __future__ import annotations

from fractions import Fraction

from . import nodes

# Binding strength, loosest first; mirrors the levels of grammar/formula.lark.
_OR, _AND, _NOT, _COMPARE, _SUM, _PRODUCT, _UNARY, _ATOM = range(8)
_BINARY_LEVEL = {"or": _OR, "and": _AND, "+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT}
_BINARY_TEXT = {"or": "or", "and": "and", "+": "+", "-": "-", "*": "x", "/": "/"}


def to_text(node: nodes.Expr) -> str:
    """The formula in canonical layout."""
    return _print(node)


def _level(node: nodes.Expr) -> int:
    if isinstance(node, nodes.Binary):
        return _BINARY_LEVEL[node.op]
    if isinstance(node, nodes.Compare):
        return _COMPARE
    if isinstance(node, nodes.Unary):
        return _NOT if node.op == "not" else _UNARY
    return _ATOM


def _wrapped(node: nodes.Expr, minimum: int) -> str:
    text = _print(node)
    return f"({text})" if _level(node) < minimum else text


def _print(node: nodes.Expr) -> str:
    if isinstance(node, nodes.Number):
        return format_number(node.value)
    if isinstance(node, nodes.Percent):
        return f"{format_number(node.value)}%"
    if isinstance(node, nodes.Reference):
        return _reference(node)
    if isinstance(node, nodes.Unary):
        return _unary(node)
    if isinstance(node, nodes.Binary):
        return _chain(node)
    if isinstance(node, nodes.Compare):
        left = _wrapped(node.left, _COMPARE + 1)
        right = _wrapped(node.right, _COMPARE + 1)
        return f"{left} {node.op} {right}"
    if isinstance(node, nodes.Call):
        return f"{node.function}({', '.join(_print(arg) for arg in node.args)})"
    if isinstance(node, nodes.Cumulative):
        return f"akumulasi({_print(node.body)}){format_period(node.until)}"
    raise TypeError(f"not a formula node: {node!r}")


def _chain(node: nodes.Binary) -> str:
    """A left-leaning chain printed with a loop (a sum may have thousands of terms).

    The text so far is the left operand of the next link: when it binds more loosely
    than that link's operator it is wrapped, by one more "(" in front and a ")"."""
    first, links = nodes.left_spine(node)
    parts, opened, level = [_print(first)], 0, _level(first)
    for link in links:
        link_level = _BINARY_LEVEL[link.op]
        if level < link_level:
            opened += 1
            parts.append(")")
        right = _wrapped(link.right, link_level + 1)
        parts.append(f" {_BINARY_TEXT[link.op]} {right}")
        level = link_level
    return "(" * opened + "".join(parts)


def _unary(node: nodes.Unary) -> str:
    if node.op == "not":
        return f"not {_wrapped(node.operand, _NOT)}"
    # "- -a" keeps a space so that it never reads as a single token; "-a" otherwise.
    operand = _wrapped(node.operand, _UNARY)
    separator = " " if operand[:1] in "+-" else ""
    return f"{node.op}{separator}{operand}"


def _reference(node: nodes.Reference) -> str:
    name = f'"{node.name}"' if node.quoted else node.name
    return name + format_period(node.period)


def format_period(period: nodes.Period) -> str:
    """The bracket suffix of a reference: '' for [n], '[n-1]', '[2022]', '[awal]'."""
    if isinstance(period, nodes.Baseline):
        return "[awal]"
    if isinstance(period, nodes.Year):
        return f"[{period.year}]"
    if period.offset == 0:
        return ""
    return f"[n{period.offset:+d}]"


def format_number(value: Fraction) -> str:
    """Exact plain decimal text of a finite decimal fraction (16.24, 4489798475)."""
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    value = abs(value)
    places = _decimal_places(value.denominator)
    scaled = value.numerator * 10**places // value.denominator
    whole, fraction = divmod(scaled, 10**places)
    return f"{sign}{whole}.{fraction:0{places}d}".rstrip("0")


def _decimal_places(denominator: int) -> int:
    twos = fives = 0
    while denominator % 2 == 0:
        denominator //= 2
        twos += 1
    while denominator % 5 == 0:
        denominator //= 5
        fives += 1
    if denominator != 1:
        raise ValueError("not a finite decimal fraction")
    return max(twos, fives)
