"""Units: a small algebra, the registry of the units the Renstra uses, and unit inference.

A unit is a product of named base units with integer exponents: `orang`, `Rp`, `%`,
`indeks`, `orang/bulan`, or dimensionless (`1`). Values are held in their unit's own
scale, so 16.24 % is the number 16.24 with unit `%`, and the literal `100%` is 100 with
unit `%`. That makes the document's "A / B x 100%" exact: A/B (dimensionless) times 100
percent points is A/B x 100 with unit `%`.

Inference (part of the check stage): counts divided by the same count are dimensionless;
adding, subtracting, comparing or taking min/max of different units is an error with the
span of the offending operation.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

from . import functions, nodes
from .errors import CheckError, Span
from .i18n import Msg, msg


@dataclass(frozen=True, slots=True)
class Unit:
    """A product of base units with non-zero integer exponents, kept sorted."""

    factors: tuple[tuple[str, int], ...] = ()

    def __mul__(self, other: Unit) -> Unit:
        return _combine(self, other, 1)

    def __truediv__(self, other: Unit) -> Unit:
        return _combine(self, other, -1)

    @property
    def is_dimensionless(self) -> bool:
        return not self.factors

    def __str__(self) -> str:
        if not self.factors:
            return "1"
        above = [_power(name, exp) for name, exp in self.factors if exp > 0]
        below = [_power(name, -exp) for name, exp in self.factors if exp < 0]
        text = "·".join(above) or "1"
        return f"{text}/{'·'.join(below)}" if below else text


def _power(name: str, exponent: int) -> str:
    return name if exponent == 1 else f"{name}^{exponent}"


def _combine(left: Unit, right: Unit, sign: int) -> Unit:
    exponents = dict(left.factors)
    for name, exponent in right.factors:
        exponents[name] = exponents.get(name, 0) + sign * exponent
    return Unit(tuple(sorted((n, e) for n, e in exponents.items() if e != 0)))


def base(name: str) -> Unit:
    return Unit(((name, 1),))


DIMENSIONLESS = Unit()
PERCENT = base("%")
RUPIAH = base("Rp")
INDEX = base("indeks")
# The unit of a formula whose unit check failed and was accepted as the document's own
# mistake (catalog `accepts`): evaluated as printed, numbers only.
UNKNOWN_UNIT = base("?")


class Boolean:
    """The type of comparisons and of and/or/not: a truth value, not a quantity."""

    def __repr__(self) -> str:
        return "BOOLEAN"

    def __str__(self) -> str:
        return "boolean"


BOOLEAN = Boolean()
Kind = Unit | Boolean


# The registry: each unit the Renstra prints, with the spellings it uses. Lookup ignores
# case; the first spelling is the canonical name.
_SPELLINGS: tuple[tuple[str, ...], ...] = (
    ("1", "-", "dimensionless", "tanpa satuan"),
    ("%", "persen", "percent"),
    ("Rp", "rupiah"),
    ("indeks", "index", "nilai"),
    ("orang", "org", "jiwa"),
    ("KPM",),
    ("keluarga",),
    ("RTM",),
    ("unit",),
    ("paket",),
    ("laporan",),
    ("jenis",),
    ("even", "event"),
    ("dokumen", "dok"),
    ("lembaga",),
    ("makam",),
    ("publikasi", "publk"),
    ("komponen", "komp"),
    ("dos",),
    ("lembar",),
    ("bahan bacaan",),
    ("rakor",),
    ("rekening", "rek"),
    ("iuran",),
    ("KUBE",),
    ("bulan",),
    ("tahun",),
)
UNIT_NAMES: dict[str, str] = {
    spelling.lower(): names[0] for names in _SPELLINGS for spelling in names
}

# The units a catalog declares (renstra.yaml `units:`), beside the bundled registry:
# spelling (lower case) -> canonical name. The catalog loader sets them for the catalog
# it loads (catalog/load.py); the bundled spellings always win (validate.py reports a
# declared name that clashes with one, E591).
_DECLARED: ContextVar[Mapping[str, str]] = ContextVar(
    "declared_units", default=MappingProxyType({})
)


def declare_units(spellings: Mapping[str, str]) -> None:
    """Make `spellings` (lower-case spelling -> canonical name) the declared units (a
    read-only mapping is taken as it is, else copied)."""
    kept = (
        spellings if isinstance(spellings, MappingProxyType) else MappingProxyType(dict(spellings))
    )
    _DECLARED.set(kept)


def declared_units() -> Mapping[str, str]:
    """The declared units in use (the mapping `declare_units` set)."""
    return _DECLARED.get()


def declared_spellings(
    units: Iterable[tuple[str, str | None, Iterable[str]]],
) -> tuple[dict[str, str], list[str]]:
    """The spellings of declared units (name, dimension, aliases): each name and alias
    maps to the name, or to the canonical name of its dimension; and the names whose
    dimension is no unit (bundled or declared before it)."""
    spellings: dict[str, str] = {}
    unknown: list[str] = []
    for name, dimension, aliases in units:
        canonical = " ".join(name.split())
        if dimension is not None:
            key = " ".join(dimension.split()).lower()
            target = UNIT_NAMES.get(key) or spellings.get(key)
            if target is None:
                unknown.append(name)
                continue
            canonical = target
        for spelling in (name, *aliases):
            key = " ".join(spelling.split()).lower()
            if key not in UNIT_NAMES:
                spellings.setdefault(key, canonical)
    return spellings, unknown


def unit_names() -> Mapping[str, str]:
    """Every known spelling (lower case) -> its canonical name: the bundled registry and
    the declared units of the catalog in use."""
    declared = _DECLARED.get()
    return {**declared, **UNIT_NAMES} if declared else UNIT_NAMES


def parse_unit(text: str) -> Unit:
    """A declared unit ('orang', 'Org', '%', 'Rp', 'Orang/bulan', '-') -> Unit.

    Raises CheckError (E301) with a "did you mean" for a unit that is not registered.
    """
    numerator, _, denominator = text.strip().partition("/")
    unit = _named(numerator, text)
    return unit / _named(denominator, text) if denominator else unit


def _named(name: str, whole: str) -> Unit:
    key = " ".join(name.split()).lower()
    names = unit_names()
    if key not in names:
        close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
        hint = (
            msg("did you mean {name}?", name=repr(names[close[0]]))
            if close
            else msg("declare the unit under `units:` in the catalog's renstra.yaml")
        )
        raise CheckError(
            msg("unknown unit {unit}", unit=repr(whole.strip())), None, code="E301", hint=hint
        )
    canonical = names[key]
    return DIMENSIONLESS if canonical == "1" else base(canonical)


# Inference.

UnitOf = Callable[[nodes.Reference], Kind]


def infer_unit(expr: nodes.Expr, unit_of: UnitOf) -> Kind:
    """The unit (or BOOLEAN) of a resolved formula; CheckError with a span if ill-formed.

    Linear: every node is inferred once (a chain a + b + ... is folded with a loop)."""
    if isinstance(expr, nodes.Number):
        return DIMENSIONLESS
    if isinstance(expr, nodes.Percent):
        return PERCENT
    if isinstance(expr, nodes.Reference):
        return unit_of(expr)
    if isinstance(expr, nodes.Cumulative):
        return _quantity(infer_unit(expr.body, unit_of), expr.body)
    if isinstance(expr, nodes.Unary):
        return _unary(expr, unit_of)
    if isinstance(expr, nodes.Binary):
        return _chain(expr, unit_of)
    if isinstance(expr, nodes.Compare):
        _same_units(_inferred([expr.left, expr.right], unit_of), expr.span, msg("compare"))
        return BOOLEAN
    return _call(expr, unit_of)


def _unary(expr: nodes.Unary, unit_of: UnitOf) -> Kind:
    operand = infer_unit(expr.operand, unit_of)
    if expr.op == "not":
        return _truth(operand, expr.operand)
    return _quantity(operand, expr.operand)


def _chain(expr: nodes.Binary, unit_of: UnitOf) -> Kind:
    first, links = nodes.left_spine(expr)
    kind = infer_unit(first, unit_of)
    for link in links:
        kind = _binary(link, kind, infer_unit(link.right, unit_of))
    return kind


def _binary(expr: nodes.Binary, left: Kind, right: Kind) -> Kind:
    """The unit of one operation, given the units of its operands."""
    if expr.op in ("and", "or"):
        _truth(left, expr.left)
        return _truth(right, expr.right)
    left_unit, right_unit = _quantity(left, expr.left), _quantity(right, expr.right)
    if expr.op == "*":
        return left_unit * right_unit
    if expr.op == "/":
        return left_unit / right_unit
    verb = msg("add") if expr.op == "+" else msg("subtract")
    return _same_units([(expr.left, left_unit), (expr.right, right_unit)], expr.span, verb)


def _call(expr: nodes.Call, unit_of: UnitOf) -> Kind:
    """The unit rule of the function's entry in formula_engine.functions."""
    entry = functions.lookup(expr.function)
    rule = "same" if entry is None else entry.unit_rule
    if rule == "condition":
        condition, then, otherwise = expr.args
        _truth(infer_unit(condition, unit_of), condition)
        choose = msg("choose between")
        return _same_units(_inferred([then, otherwise], unit_of), expr.span, choose)
    verb = msg("take {function}() of", function=expr.function)
    return _same_units(_inferred(expr.args, unit_of), expr.span, verb)


def _inferred(args: Iterable[nodes.Expr], unit_of: UnitOf) -> list[tuple[nodes.Expr, Kind]]:
    return [(arg, infer_unit(arg, unit_of)) for arg in args]


def _is_zero(expr: nodes.Expr) -> bool:
    """A literal zero (0, -0, 0%) fits any unit: 0 orang and 0 Rp are both nothing."""
    while isinstance(expr, nodes.Unary) and expr.op in "+-":
        expr = expr.operand
    return isinstance(expr, nodes.Number | nodes.Percent) and expr.value == 0


def _same_units(inferred: Iterable[tuple[nodes.Expr, Kind]], span: Span, verb: Msg) -> Unit:
    """The common unit of already inferred operands (literal zeros fit any unit), or E310
    on the first clash."""
    units = [(arg, _quantity(kind, arg)) for arg, kind in inferred]
    measured = [(arg, unit) for arg, unit in units if not _is_zero(arg)]
    if not measured:
        return units[0][1]
    first_arg, first = measured[0]
    for arg, unit in measured[1:]:
        if unit != first:
            raise CheckError(
                msg(
                    "cannot {verb} {left} and {right}",
                    verb=verb,
                    left=_name(first),
                    right=_name(unit),
                ),
                first_arg.span.cover(arg.span),
                code="E310",
                hint=_mismatch_hint(first, unit),
            )
    return first


def _quantity(kind: Kind, expr: nodes.Expr) -> Unit:
    if isinstance(kind, Unit):
        return kind
    raise CheckError(
        msg("a comparison or condition is used as a number"),
        expr.span,
        code="E311",
        hint=msg("use if(condition, value, otherwise) to turn a condition into a number"),
    )


def _truth(kind: Kind, expr: nodes.Expr) -> Boolean:
    if isinstance(kind, Boolean):
        return kind
    raise CheckError(
        msg("a number ({unit}) is used as a condition", unit=_name(kind)),
        expr.span,
        code="E312",
        hint=msg("write a comparison, such as a > 0"),
    )


def _name(unit: Unit) -> str:
    return msg("a dimensionless number") if unit.is_dimensionless else f"'{unit}'"


def _mismatch_hint(left: Unit, right: Unit) -> Msg:
    if PERCENT in (left, right) and DIMENSIONLESS in (left, right):
        return msg("a ratio and a percentage differ by 100: multiply the ratio by 100%")
    return msg("both sides must have the same unit; check the declared units of the inputs")


def require_unit(inferred: Kind, declared: Unit, span: Span) -> None:
    """E313 when a formula's unit is not its indicator's declared unit (Satuan)."""
    if inferred == declared:
        return
    raise CheckError(
        msg(
            "the formula gives '{inferred}' but the indicator's unit (Satuan) is '{declared}'",
            inferred=str(inferred),
            declared=str(declared),
        ),
        span,
        code="E313",
        hint=conversion_hint(inferred, declared) if isinstance(inferred, Unit) else None,
    )


def conversion_hint(actual: Unit, declared: Unit) -> str:
    """What to change when a formula's unit differs from its indicator's Satuan."""
    if declared == PERCENT and actual.is_dimensionless:
        return msg("the formula gives a ratio; write it as ... x 100% to get a percentage")
    if actual == PERCENT * PERCENT:
        return msg("the formula multiplies two percentages; drop one 'x 100%'")
    return msg(
        "the formula gives '{actual}', the indicator's Satuan is '{declared}'",
        actual=str(actual),
        declared=str(declared),
    )
