"""Stage 1, parse: formula text -> our typed AST (formula_engine.nodes).

Input: any string. Output: an `Expr`, or a `ParseError` with a code, a span inside the
text and a hint. Nothing else escapes: no lark object leaves this module, and no other
exception type is raised for any input (a hypothesis property checks this).

The grammar is loaded once by lark_grammar.py. Bad text is diagnosed by syntax_errors.py
(bounds checked before lark sees the text; lark's errors turned into named messages).
The lark tree is turned into our AST by a non-recursive transformer that checks the
depth and literal bounds as it builds, so hostile input gets a diagnostic, never a hang
or a RecursionError.
"""

from __future__ import annotations

import difflib
from fractions import Fraction
from typing import Any

from lark import Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import (
    UnexpectedInput,
    VisitError,
)

from . import functions, nodes
from .errors import LimitError, ParseError, Span
from .i18n import Msg, msg
from .lark_grammar import lark_parser
from .names import MAX_LABEL, MAX_NAME, SNAKE_CASE, snake_case
from .printer import to_text
from .syntax_errors import (
    MAX_DEPTH,
    check_canonical_length,
    check_text_bounds,
    explain_syntax_error,
    token_span,
)

# Bounds of the language (MAX_LENGTH, MAX_TEXT and MAX_DEPTH are in syntax_errors.py).
MAX_DIGITS = 24  # digits in one number literal
MAX_YEAR_OFFSET = 50  # |k| in [n-k] / [n+k]

# Words of the grammar; the lexer may still read one as a name where the grammar does
# not expect the keyword (a lone "x"), so names are checked against this list too.
RESERVED = frozenset({"x", "n", "and", "dan", "or", "atau", "not", "tidak", "awal", "baseline"})


# The allow-list of functions, their aliases and arity: formula_engine.functions.TABLE.
FunctionSpec = functions.Function


def parse(text: str) -> nodes.Expr:
    """Parse a formula into our AST, or raise ParseError (with span and hint)."""
    if not isinstance(text, str):
        raise ParseError(
            msg("a formula is text, not {kind}", kind=type(text).__name__), code="E100"
        )
    check_text_bounds(text)
    try:
        tree = lark_parser().parse(text)
    except UnexpectedInput as error:
        raise explain_syntax_error(text, error) from None
    except RecursionError:  # defensive: the bounds above should make this unreachable
        raise LimitError(msg("formula nests too deeply"), Span(0, len(text)), code="E121") from None
    try:
        expr: nodes.Expr = _AstBuilder(text).transform(tree)
    except VisitError as error:  # lark wraps what our callbacks raise
        if isinstance(error.orig_exc, ParseError):
            raise error.orig_exc from None
        raise
    check_canonical_length(text, to_text(expr))
    return expr


# The lark tree -> our AST. Non-recursive, with the depth bound checked as nodes are made.

_BINARY_RULES = {"add": "+", "sub": "-", "mul": "*", "div": "/", "and_": "and", "or_": "or"}
_COMPARE_RULES = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def _span_of(meta: Any) -> Span:
    return Span(meta.start_pos, meta.end_pos) if not meta.empty else Span(0, 0)


class _AstBuilder(Transformer_NonRecursive):  # type: ignore[type-arg]
    """Turns the lark tree into nodes.Expr; one instance per parse."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text
        self._depth: dict[int, int] = {}
        self._cumulative: dict[int, Span | None] = {}

    def _made(self, node: nodes.Expr) -> nodes.Expr:
        depth = 1 + max((self._nesting(node, c) for c in nodes.children(node)), default=0)
        if depth > MAX_DEPTH:
            raise LimitError(
                msg("formula nests more than {depth} operations deep", depth=MAX_DEPTH),
                node.span,
                code="E121",
                hint=msg("simplify the formula, or split it into named parts"),
            )
        self._depth[id(node)] = depth
        self._cumulative[id(node)] = self._inner_cumulative(node)
        return node

    def _nesting(self, node: nodes.Expr, child: nodes.Expr) -> int:
        # The left operand of a chain (a + b + c is (a + b) + c) is the chain itself going
        # on, not a deeper level: only parentheses, calls, unary operators and right
        # operands nest. A long rollup stays shallow; every walker folds over the chain.
        depth = self._depth.get(id(child), 1)
        chained = isinstance(node, nodes.Binary) and child is node.left
        return depth - 1 if chained and isinstance(child, nodes.Binary) else depth

    def _inner_cumulative(self, node: nodes.Expr) -> Span | None:
        """The span of the first akumulasi(...) inside `node` (itself included), if any."""
        for child in nodes.children(node):
            inner = self._cumulative.get(id(child))
            if inner is not None:
                if isinstance(node, nodes.Cumulative):
                    raise ParseError(
                        msg("akumulasi(...) inside akumulasi(...) is not allowed"),
                        inner,
                        code="E123",
                        hint=msg(
                            "a cumulative sum of cumulative sums counts early years many "
                            "times over: sum the inputs once, as in akumulasi(a + b)"
                        ),
                    )
                return inner
        return node.span if isinstance(node, nodes.Cumulative) else None

    def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
        span = _span_of(meta)
        if data in _BINARY_RULES:
            left, right = (c for c in children if not isinstance(c, Token))
            return self._made(nodes.Binary(_BINARY_RULES[data], left, right, span))  # type: ignore[arg-type]
        if data in _COMPARE_RULES:
            left, right = (c for c in children if not isinstance(c, Token))
            return self._made(nodes.Compare(_COMPARE_RULES[data], left, right, span))  # type: ignore[arg-type]
        return Tree(data, children, meta)

    @v_args(meta=True)
    def number(self, meta: Any, children: list[Token]) -> nodes.Expr:
        return nodes.Number(_number_value(children[0]), _span_of(meta))

    @v_args(meta=True)
    def percent(self, meta: Any, children: list[Token]) -> nodes.Expr:
        return nodes.Percent(_number_value(children[0]), _span_of(meta))

    @v_args(meta=True)
    def neg(self, meta: Any, children: list[Any]) -> nodes.Expr:
        return self._made(nodes.Unary("-", children[1], _span_of(meta)))

    @v_args(meta=True)
    def pos(self, meta: Any, children: list[Any]) -> nodes.Expr:
        return self._made(nodes.Unary("+", children[1], _span_of(meta)))

    @v_args(meta=True)
    def not_(self, meta: Any, children: list[Any]) -> nodes.Expr:
        return self._made(nodes.Unary("not", children[0], _span_of(meta)))

    def group(self, children: list[Any]) -> nodes.Expr:
        return children[1]  # type: ignore[no-any-return]

    @v_args(meta=True)
    def reference(self, meta: Any, children: list[Any]) -> nodes.Expr:
        token, _lsqb, period, _rsqb = children
        period = period if period is not None else nodes.CURRENT_YEAR
        if token.type == "LABEL":
            return nodes.Reference(_label(token), True, period, _span_of(meta))
        return nodes.Reference(_name(token), False, period, _span_of(meta))

    def current_year(self, children: list[Any]) -> nodes.Period:
        return nodes.CURRENT_YEAR

    def years_back(self, children: list[Token]) -> nodes.Period:
        return nodes.Relative(-_year_offset(children[-1]))

    def years_ahead(self, children: list[Token]) -> nodes.Period:
        return nodes.Relative(_year_offset(children[-1]))

    def absolute_year(self, children: list[Token]) -> nodes.Period:
        return nodes.Year(_year(children[0]))

    def baseline(self, children: list[Any]) -> nodes.Period:
        return nodes.Baseline()

    def arguments(self, children: list[Any]) -> list[nodes.Expr]:
        return [c for c in children if not isinstance(c, Token)]

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> nodes.Expr:
        name_token, _lpar, args, _rpar, _lsqb, period, _rsqb = children
        args = tuple(args or ())
        spec = _function_spec(name_token)
        span = _span_of(meta)
        _check_arity(spec, args, name_token, span)
        if spec.name == "akumulasi":
            return self._made(nodes.Cumulative(args[0], _cumulative_end(period, span), span))
        if period is not None:
            raise ParseError(
                msg("{function}() does not take a period", function=spec.name),
                Span(_rsqb_start(_lsqb), span.end),
                code="E117",
                hint=msg("write the period on each reference inside, as in a[n-1]"),
            )
        return self._made(nodes.Call(spec.name, args, span))


def _rsqb_start(token: Token) -> int:
    return token.start_pos or 0


def _cumulative_end(period: nodes.Period | None, span: Span) -> nodes.Relative | nodes.Year:
    if period is None:
        return nodes.CURRENT_YEAR
    if isinstance(period, nodes.Baseline):
        raise ParseError(
            msg("akumulasi(...) cannot end at the baseline"),
            span,
            code="E117",
            hint=msg("a cumulative sum runs over plan years: end it at [n], [n-1] or a year"),
        )
    return period


def _number_value(token: Token) -> Fraction:
    digits = str(token).replace("_", "")
    if sum(ch.isdigit() for ch in digits) > MAX_DIGITS:
        raise LimitError(
            msg("number literal has more than {digits} digits", digits=MAX_DIGITS),
            token_span(token),
            code="E122",
            hint=msg("no figure of a Renstra needs that many digits; check the number"),
        )
    if str(token).endswith("_") or "_." in str(token) or "__" in str(token):
        raise ParseError(
            msg("misplaced '_' in number {number}", number=repr(str(token))),
            token_span(token),
            code="E110",
            hint=msg("use '_' only between digits, as in 4_489_798_475"),
        )
    return Fraction(digits)


def _year_offset(token: Token) -> int:
    value = _number_value(token)
    if value.denominator != 1 or value > MAX_YEAR_OFFSET:
        raise ParseError(
            msg("year offset must be a whole number up to {limit}", limit=MAX_YEAR_OFFSET),
            token_span(token),
            code="E111",
            hint=msg("write the offset as in [n-1] or [n+2]"),
        )
    return int(value)


def _year(token: Token) -> int:
    value = _number_value(token)
    if value.denominator != 1 or not 1900 <= value <= 2200:
        raise ParseError(
            msg("{text} is not a year", text=repr(str(token))),
            token_span(token),
            code="E111",
            hint=msg("a period is [n], [n-1], [n+1], a year such as [2022], or [awal]"),
        )
    return int(value)


def _name(token: Token) -> str:
    name = str(token)
    if name in RESERVED:
        raise ParseError(
            msg("{name} is a reserved word, not a name", name=repr(name)),
            token_span(token),
            code="E118",
            hint=msg(
                'rename the input (e.g. {example}) or quote its label: "..."',
                example=f"{name}_value",
            ),
        )
    if len(name) > MAX_NAME:
        raise LimitError(
            msg(
                "name is {count} characters long; the limit is {limit}",
                count=len(name),
                limit=MAX_NAME,
            ),
            token_span(token),
            code="E122",
            hint=msg('use a shorter snake_case name, or quote the document\'s label: "..."'),
        )
    if SNAKE_CASE.fullmatch(name):
        return name
    suggestion = snake_case(name)
    raise ParseError(
        msg("{name} is not a snake_case name", name=repr(name)),
        token_span(token),
        code="E112",
        hint=msg('write {name}, or quote the document\'s label: "..."', name=repr(suggestion))
        if suggestion
        else msg("names start with a letter and use lowercase letters, digits and '_'"),
    )


def _label(token: Token) -> str:
    label = " ".join(str(token)[1:-1].split())
    if not label:
        raise ParseError(
            msg("empty label"), token_span(token), code="E113", hint=msg('write "Label"')
        )
    if len(label) > MAX_LABEL:
        raise LimitError(
            msg("label is longer than {limit} characters", limit=MAX_LABEL),
            token_span(token),
            code="E122",
            hint=msg("use a shorter label or a snake_case name"),
        )
    return label


def _function_spec(token: Token) -> FunctionSpec:
    entry = functions.lookup(str(token))
    if entry is not None:
        return entry
    known = functions.names()
    close = difflib.get_close_matches(str(token).lower(), known, n=1, cutoff=0.6)
    hint = (
        msg("did you mean {name}?", name=repr(close[0]))
        if close
        else msg("the functions are: {names}", names=", ".join(known))
    )
    raise ParseError(
        msg("unknown function {name}", name=repr(str(token))),
        token_span(token),
        code="E114",
        hint=hint,
    )


def _check_arity(
    spec: FunctionSpec, args: tuple[nodes.Expr, ...], token: Token, span: Span
) -> None:
    count = len(args)
    if count >= spec.min_args and (spec.max_args is None or count <= spec.max_args):
        return
    low, high = spec.min_args, spec.max_args
    if high is None:
        wanted = (
            msg("at least {count} argument", count=low)
            if low == 1
            else msg("at least {count} arguments", count=low)
        )
    elif low == high:
        wanted = (
            msg("{count} argument", count=low) if low == 1 else msg("{count} arguments", count=low)
        )
    else:
        wanted = msg("{low} to {high} arguments", low=low, high=high)
    raise ParseError(
        msg(
            "{function}() takes {wanted}, got {count}",
            function=spec.name,
            wanted=wanted,
            count=count,
        ),
        span,
        code="E115",
        hint=Msg(spec.doc, {}) if "{" not in spec.doc else spec.doc,  # docs are message ids
    )
