"""The SQL back-end: IR -> a sqlglot SELECT over a table of columns `<id>__<year>`.

    program = SqlProgram(root, integers={"pagu"})      # ids whose columns are BIGINT
    program.query(table="t", keep=["row"]).sql(dialect="duckdb")   # or "spark"

The query gives `value` (NULL where not computable) and `reason` (NULL, 'E401' for a
missing value, 'E402' for a zero denominator), row by row. It is built as a sqlglot
tree, never by formatting strings; column names are checked against the symbol-name
rule of formula_engine.outcomes.

Types are exact: integer inputs (Rupiah, counts) stay BIGINT through +, -, x; other
inputs are read as DECIMAL(38, SCALE) and every quotient or fractional product is a
DECIMAL(38, SCALE) (SCALE = 12 decimals, the declared scale of ratios). DuckDB divides
decimals in DOUBLE, so a quotient is refined once against the exact remainder:
q = q0 + (n - q0 x d) / d, with q0 = CAST(n / d AS DECIMAL): exact to SCALE decimals.

Every node is written once: an operand used more than once by its parent (a
denominator, a condition) or shared in the IR (an inlined indicator) is materialized as
a column of a CTE, so the SQL stays linear in the IR size.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal, assert_never

from sqlglot import exp

from .. import functions, ir
from ..outcomes import MISSING, ZERO_DENOMINATOR, YearKey, symbol_name

SCALE = 12
_PREFIX = re.compile(r"[A-Za-z0-9_]*")
Kind = Literal["int", "dec", "bool"]
_RELATIONS: dict[str, type[exp.Expression]] = {
    "=": exp.EQ,
    "!=": exp.NEQ,
    "<": exp.LT,
    "<=": exp.LTE,
    ">": exp.GT,
    ">=": exp.GTE,
}


def column_name(identifier: str, key: YearKey) -> str:
    return symbol_name(identifier, key)


@dataclass
class _Sql:
    value: exp.Expression
    reason: exp.Expression  # exp.Null() when the node is always computable
    kind: Kind
    level: int = 0  # the CTE level of the deepest materialized column it reads
    leaf: bool = False  # a column or a literal: repeating it costs nothing
    can_zero: bool = False  # may the reason be 'E402' (else only 'E401' or NULL)?


@dataclass
class SqlProgram:
    """`given`: the (indicator, year) whose values the table may hold (columns
    `<indicator>__<year>`): a row's non-NULL value is used instead of the indicator's
    body, as on the exact and numpy back-ends; otherwise every indicator is computed.
    `levels` and `final` are public: the batch (scale/queries.py) merges the levels of
    many programs, each with its own `prefix`, into one SELECT."""

    root: ir.Node
    integers: Collection[str] = ()
    given: Collection[tuple[str, YearKey]] = ()
    prefix: str = ""  # of its CTE columns (`_<prefix>v0`): programs merged into one SELECT
    levels: list[list[exp.Alias]] = field(default_factory=list, init=False)
    final: _Sql = field(init=False)

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise ValueError(f"refusing the column prefix {self.prefix!r} (letters, digits, _)")
        order = ir.postorder(self.root)
        uses = ir.uses(order)
        built: dict[int, _Sql] = {}
        for node in order:
            args = [_fresh(built[id(child)]) for child in ir.children(node)]
            sql = self._node(node, args)
            sql.can_zero = any(a.can_zero for a in args) or (
                isinstance(node, ir.Div) and not node.zero_if_zero
            )
            built[id(node)] = self._materialize(sql) if uses[id(node)] > 1 else sql
        self.final = built[id(self.root)]

    def columns(self) -> list[str]:
        """The columns the query reads: the slots', then those of given indicators."""
        names = [column_name(slot.input, slot.key) for slot in ir.slots(self.root)]
        order = ir.postorder(self.root)
        inlined = {(n.indicator, n.key) for n in order if isinstance(n, ir.Inline)}
        return names + [column_name(*key) for key in sorted(inlined & set(self.given), key=str)]

    def query(self, table: str = "t", keep: Sequence[str] = ()) -> exp.Select:
        source = exp.to_identifier(table)
        ctes = []
        for level, aliases in enumerate(self.levels, start=1):
            select = exp.select(exp.Star(), *aliases).from_(exp.Table(this=source))
            source = exp.to_identifier(f"_level{level}")
            ctes.append(exp.CTE(this=select, alias=exp.TableAlias(this=source)))
        outputs: list[exp.Expression] = [exp.column(name) for name in keep]
        outputs += [_alias(self.final.value, "value"), _alias(self.final.reason, "reason")]
        select = exp.select(*outputs).from_(exp.Table(this=source))
        for cte in ctes:
            select = select.with_(cte.args["alias"], as_=cte.this)
        return select

    def sql(self, dialect: str = "duckdb", table: str = "t", keep: Sequence[str] = ()) -> str:
        return self.query(table, keep).sql(dialect=dialect)

    def _materialize(self, sql: _Sql) -> _Sql:
        if sql.leaf:
            return sql
        while len(self.levels) <= sql.level:
            self.levels.append([])
        number = sum(len(level) for level in self.levels)
        value, reason = f"_{self.prefix}v{number}", f"_{self.prefix}r{number}"
        self.levels[sql.level] += [_alias(sql.value, value), _alias(sql.reason, reason)]
        reason_column: exp.Expression = (
            exp.Null() if isinstance(sql.reason, exp.Null) else exp.column(reason)
        )
        column = exp.column(value)
        return _Sql(column, reason_column, sql.kind, sql.level + 1, True, sql.can_zero)

    def _node(self, node: ir.Node, args: list[_Sql]) -> _Sql:
        level = max((a.level for a in args), default=0)
        match node:
            case ir.Const(value=value):
                return _constant(value)
            case ir.Slot():
                return self._slot(node)
            case ir.Add(signs=signs):
                kind = _numeric(args)
                plus = [a.value for a, s in zip(args, signs, strict=True) if s > 0]
                minus = [a.value for a, s in zip(args, signs, strict=True) if s < 0]
                total = _balanced(exp.Add, plus) if plus else _number(0)
                if minus:
                    total = exp.Sub(this=_p(total), expression=_p(_balanced(exp.Add, minus)))
                return _Sql(total, _worst(args), kind, level)
            case ir.Mul():
                kind = _numeric(args)
                product = _balanced(exp.Mul, [a.value for a in args])
                return _Sql(
                    _decimal(product) if kind == "dec" else product, _worst(args), kind, level
                )
            case ir.Div():
                return self._divide(node, *args)
            case ir.Neg():
                return _Sql(exp.Neg(this=_p(args[0].value)), args[0].reason, args[0].kind, level)
            case ir.Not():
                return _Sql(exp.Not(this=_p(args[0].value)), args[0].reason, "bool", level)
            case ir.Compare(op=op):
                relation: exp.Expression = _RELATIONS[op](
                    this=_p(args[0].value), expression=_p(args[1].value)
                )
                return _Sql(relation, _worst(args), "bool", level)
            case ir.Logic(op=op):
                return self._logic(op, args)
            case ir.Cond():
                return self._cond(*args)
            case ir.Apply(function=name):
                safe = [self._materialize(a) for a in args]
                apply = functions.implementation(name, "sql")
                level = max(a.level for a in safe)
                return _Sql(apply([a.value for a in safe]), _worst(safe), _numeric(args), level)
            case ir.Inline():
                return self._inline(node, args[0])
            case _:
                assert_never(node)

    def _slot(self, node: ir.Slot) -> _Sql:
        column: exp.Expression = exp.column(column_name(node.input, node.key))
        kind: Kind = "int" if node.input in self.integers else "dec"
        if kind == "dec":
            column = _decimal(column)
        if node.zero_if_missing:
            return _Sql(
                exp.Coalesce(this=column, expressions=[_number(0)]), exp.Null(), kind, leaf=True
            )
        missing = exp.Case().when(exp.Is(this=column.copy(), expression=exp.Null()), _code(MISSING))
        return _Sql(column, missing, kind, leaf=True)

    def _divide(self, node: ir.Div, top: _Sql, bottom: _Sql) -> _Sql:
        n, d = self._materialize(top), self._materialize(bottom)
        nonzero = exp.Nullif(this=d.value.copy(), expression=_number(0))
        first = _decimal(exp.Div(this=_p(n.value.copy()), expression=nonzero))
        remainder = exp.Sub(
            this=n.value.copy(),
            expression=exp.Mul(this=first.copy(), expression=_p(d.value.copy())),
        )
        refined = exp.Add(
            this=first,
            expression=_decimal(exp.Div(this=exp.Paren(this=remainder), expression=nonzero.copy())),
        )
        is_zero = exp.EQ(this=d.value.copy(), expression=_number(0))
        by_zero: exp.Expression = exp.Null()
        if node.zero_if_zero:  # n x 0: 0, or NULL when n is missing (missing before zero)
            by_zero = exp.Mul(this=_p(n.value.copy()), expression=_number(0))
        value = exp.Case().when(is_zero, by_zero).else_(refined)
        reasons = [n, d]
        if not node.zero_if_zero:
            by_zero_reason = exp.Case().when(is_zero.copy(), _code(ZERO_DENOMINATOR))
            reasons.append(_Sql(exp.Null(), by_zero_reason, "dec", can_zero=True))
        return _Sql(value, _worst(reasons), "dec", max(n.level, d.level))

    def _logic(self, op: str, args: list[_Sql]) -> _Sql:
        total = args[0]
        for arg in args[1:]:  # decided from the left; a missing left operand stays missing
            t = self._materialize(total)
            going_on = t.value.copy() if op == "and" else exp.Not(this=t.value.copy())
            value = exp.Case().when(going_on, _p(arg.value)).else_(t.value.copy())
            reason = _coalesce(
                [t, _Sql(exp.Null(), exp.Case().when(going_on.copy(), arg.reason), "bool")]
            )
            total = _Sql(value, reason, "bool", max(t.level, arg.level))
        return total

    def _cond(self, test: _Sql, then: _Sql, otherwise: _Sql) -> _Sql:
        c = self._materialize(test)
        yes, no = c.value.copy(), exp.Not(this=c.value.copy())
        value = exp.Case().when(yes, then.value).when(no, otherwise.value)
        chosen = exp.Case().when(yes.copy(), then.reason).when(no.copy(), otherwise.reason)
        reason = _coalesce([c, _Sql(exp.Null(), chosen, "bool")])
        kind = (
            "int"
            if then.kind == otherwise.kind == "int"
            else then.kind
            if then.kind == "bool"
            else "dec"
        )
        return _Sql(value, reason, kind, max(c.level, then.level, otherwise.level))

    def _inline(self, node: ir.Inline, body: _Sql) -> _Sql:
        # the reader's missing=zero does not reach inside an indicator
        if (node.indicator, node.key) not in self.given:
            return body
        column: exp.Expression = exp.column(column_name(node.indicator, node.key))
        kind: Kind = "int" if node.indicator in self.integers and body.kind == "int" else "dec"
        if kind == "dec":
            column = _decimal(column)
        absent = exp.Is(this=column.copy(), expression=exp.Null())
        value = exp.Coalesce(this=column, expressions=[_p(body.value)])
        reason = exp.Case().when(absent, _p(body.reason))
        return _Sql(value, reason, kind, body.level, can_zero=body.can_zero)


def _balanced(operator: type[exp.Expression], terms: list[exp.Expression]) -> exp.Expression:
    """a + b + c + d as (a + b) + (c + d): exact sums and products do not depend on the
    grouping, and a 1000-term chain stays 10 levels deep for the printer (which recurses)."""
    level = [_p(term) for term in terms]
    while len(level) > 1:
        pairs = [
            operator(this=a, expression=b) for a, b in zip(level[::2], level[1::2], strict=False)
        ]
        level = [_p(p) for p in pairs] + (level[-1:] if len(level) % 2 else [])
    return level[0]


def _fresh(sql: _Sql) -> _Sql:
    """A leaf may be read by several parents: each gets its own copy of the tree."""
    if not sql.leaf:
        return sql
    return _Sql(sql.value.copy(), sql.reason.copy(), sql.kind, sql.level, True, sql.can_zero)


def _alias(expression: exp.Expression, name: str) -> exp.Alias:
    return exp.Alias(this=expression, alias=exp.to_identifier(name))


def _p(expression: exp.Expression) -> exp.Expression:
    """Parenthesized when it is an operator (sqlglot prints the tree as given)."""
    if isinstance(expression, exp.Binary | exp.Not | exp.Neg):
        return exp.Paren(this=expression)
    return expression


def _number(value: int) -> exp.Expression:
    return exp.Literal.number(value)


def _code(code: str) -> exp.Expression:
    return exp.Literal.string(code)


def _decimal(expression: exp.Expression) -> exp.Expression:
    return exp.Cast(this=expression, to=_DECIMAL_TYPE.copy())


_DECIMAL_TYPE = exp.DataType.build(f"DECIMAL(38, {SCALE})")  # parsed once, copied per use


def _constant(value: Fraction | bool) -> _Sql:
    if isinstance(value, bool):
        return _Sql(exp.Boolean(this=value), exp.Null(), "bool", leaf=True)
    if value.denominator == 1:
        return _Sql(_number(int(value)), exp.Null(), "int", leaf=True)
    return _Sql(_decimal(exp.Literal.number(_decimal_text(value))), exp.Null(), "dec", leaf=True)


def _decimal_text(value: Fraction) -> str:
    """The literal's decimal digits (the parser's literals are finite decimals)."""
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
        if places > SCALE:
            raise ValueError(f"{value} has no finite decimal form within {SCALE} places")
    digits = abs(value.numerator) * 10**places // value.denominator
    text = str(digits).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-places]}.{text[-places:]}" if places else f"{sign}{text}"


def _numeric(args: Sequence[_Sql]) -> Kind:
    return "int" if all(a.kind == "int" for a in args) else "dec"


def _coalesce(args: Sequence[_Sql]) -> exp.Expression:
    """The first reason of `args` that is not NULL (the first raise on the exact path)."""
    reasons = [a.reason for a in args if not isinstance(a.reason, exp.Null)]
    if not reasons:
        return exp.Null()
    if len(reasons) == 1:
        return reasons[0]
    return exp.Coalesce(this=reasons[0], expressions=reasons[1:])


def _worst(args: Sequence[_Sql]) -> exp.Expression:
    """Missing before zero over the operands of one node: 'E401' when any operand's
    reason is 'E401', else the first reason (standard SQL; NULLs in IN are not true)."""
    reasons = [a.reason for a in args if not isinstance(a.reason, exp.Null)]
    if len(reasons) <= 1 or not any(a.can_zero for a in args):
        return _coalesce(args)
    some_missing = exp.In(this=_code(MISSING), expressions=[r.copy() for r in reasons])
    return exp.Case().when(some_missing, _code(MISSING)).else_(_coalesce(args))
