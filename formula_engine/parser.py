"""Stage 1, parse: formula text -> our typed AST (formula_engine.nodes).

Input: any string. Output: an `Expr`, or a `ParseError` with a code, a span inside the
text and a hint. Nothing else escapes: no lark object leaves this module, and no other
exception type is raised for any input (a hypothesis property checks this).

The grammar lives in grammar/formula.lark (shipped inside the package as
formula_engine/grammar/formula.lark). It is loaded once, as an LALR parser with
positions. The lark tree is turned into our AST by a non-recursive transformer, and the
bounds below are checked before and while building, so hostile input gets a diagnostic,
never a hang or a RecursionError.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from . import nodes
from .errors import LimitError, ParseError, Span

# Bounds of the language. A Renstra formula is a line or two; these leave ample room.
MAX_LENGTH = 2_000  # characters
MAX_DEPTH = 64  # nesting of the tree (parentheses, operators, calls)
MAX_DIGITS = 24  # digits in one number literal
MAX_LABEL = 200  # characters in one quoted label
MAX_YEAR_OFFSET = 50  # |k| in [n-k] / [n+k]

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# Words of the grammar; the lexer may still read one as a name where the grammar does
# not expect the keyword (a lone "x"), so names are checked against this list too.
RESERVED = frozenset({"x", "n", "and", "dan", "or", "atau", "not", "tidak", "awal", "baseline"})
_COMPARISONS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">", "≠", "≤", "≥")


@dataclass(frozen=True)
class FunctionSpec:
    """An allow-listed function: its canonical name and how many arguments it takes."""

    name: str
    min_args: int
    max_args: int | None  # None: any number from min_args on
    summary: str


FUNCTIONS: dict[str, FunctionSpec] = {
    spec.name: spec
    for spec in (
        FunctionSpec("sum", 1, None, "sum(a, b, ...): a + b + ..."),
        FunctionSpec("min", 1, None, "min(a, b, ...): the smallest argument"),
        FunctionSpec("max", 1, None, "max(a, b, ...): the largest argument"),
        FunctionSpec("abs", 1, 1, "abs(a): the absolute value"),
        FunctionSpec("if", 3, 3, "if(condition, then, otherwise)"),
        FunctionSpec("akumulasi", 1, 1, "akumulasi(a): a summed from the plan's first year to n"),
    )
}
FUNCTION_ALIASES = {"jika": "if", "cumulative": "akumulasi"}


def parse(text: str) -> nodes.Expr:
    """Parse a formula into our AST, or raise ParseError (with span and hint)."""
    if not isinstance(text, str):
        raise ParseError(f"a formula is text, not {type(text).__name__}", code="E100")
    _check_text_bounds(text)
    try:
        tree = _lark().parse(text)
    except UnexpectedInput as error:
        raise _explain_syntax_error(text, error) from None
    except RecursionError:  # defensive: the bounds above should make this unreachable
        raise LimitError("formula nests too deeply", Span(0, len(text)), code="E121") from None
    try:
        expr: nodes.Expr = _AstBuilder(text).transform(tree)
    except VisitError as error:  # lark wraps what our callbacks raise
        if isinstance(error.orig_exc, ParseError):
            raise error.orig_exc from None
        raise
    return expr


@cache
def _lark() -> Lark:
    return Lark(
        grammar_path().read_text(encoding="utf-8"),
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def grammar_path() -> Path:
    """The grammar file: inside the installed package, or at the source tree's top."""
    packaged = resources.files("formula_engine") / "grammar" / "formula.lark"
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "grammar" / "formula.lark"


# Bounds checked on the raw text, before lark sees it.


def _check_text_bounds(text: str) -> None:
    if len(text) > MAX_LENGTH:
        raise LimitError(
            f"formula is {len(text):,} characters long; the limit is {MAX_LENGTH:,}",
            Span(MAX_LENGTH, len(text)),
            code="E120",
            hint="split the calculation into named inputs or indicators",
        )
    for offset, char in enumerate(text):
        if not char.isprintable() and char not in " \t\r\n":
            raise _unprintable_character(char, offset)
    _check_brackets(text)


def _unprintable_character(char: str, offset: int) -> ParseError:
    if char.isspace():
        return ParseError(
            f"unusual space character U+{ord(char):04X} in the formula",
            Span(offset, offset + 1),
            code="E101",
            hint="replace it with a normal space (it may come from copying out of a PDF)",
        )
    return ParseError(
        f"control or unassigned character U+{ord(char):04X} is not allowed in a formula",
        Span(offset, offset + 1),
        code="E101",
        hint="remove the character (it may come from copying out of a PDF)",
    )


_CLOSING = {")": "(", "]": "["}


def _check_brackets(text: str) -> None:
    """Balanced and bounded parentheses and brackets, ignoring quoted labels."""
    stack: list[tuple[str, int]] = []
    in_label = False
    for offset, char in enumerate(text):
        if char == '"':
            in_label = not in_label
        elif in_label:
            continue
        elif char in "([":
            stack.append((char, offset))
            if len(stack) > MAX_DEPTH:
                raise LimitError(
                    f"parentheses nest more than {MAX_DEPTH} deep",
                    Span(offset, offset + 1),
                    code="E121",
                    hint="simplify the formula",
                )
        elif char in ")]":
            if not stack or stack[-1][0] != _CLOSING[char]:
                raise ParseError(
                    f"unmatched closing '{char}'",
                    Span(offset, offset + 1),
                    code="E103",
                    hint=f"remove this '{char}' or add the matching '{_CLOSING[char]}' before it",
                )
            stack.pop()
    if stack:
        char, offset = stack[-1]
        closing = ")" if char == "(" else "]"
        raise ParseError(
            f"unclosed '{char}'",
            Span(offset, offset + 1),
            code="E102",
            hint=f"add the matching '{closing}'",
        )


# Syntax errors: lark's exception -> a ParseError with a named message where we can.

_TOKEN_NAMES = {
    "NUMBER": "a number",
    "NAME": "a name",
    "LABEL": 'a "quoted label"',
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "PERCENT": "'%'",
    "$END": "the end of the formula",
}
_OPERAND_START = {"NUMBER", "NAME", "LABEL", "LPAR", "MINUS", "PLUS", "NOT", "TIDAK"}


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    pattern = _lark().get_terminal(terminal).pattern.value if terminal.isupper() else terminal
    return f"'{pattern}'"


def _expected_list(expected: set[str]) -> str:
    names = sorted({_describe(t) for t in expected if not t.startswith("__")})
    return ", ".join(names) if names else "nothing"


def _explain_syntax_error(text: str, error: UnexpectedInput) -> ParseError:
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(text, error)
    if isinstance(error, UnexpectedToken):
        return _unexpected_token(text, error)
    if isinstance(error, UnexpectedEOF):
        return _unexpected_end(text, set(error.expected))
    return ParseError("invalid formula", Span(0, len(text)), code="E100")


def _unexpected_character(text: str, error: UnexpectedCharacters) -> ParseError:
    offset = error.pos_in_stream or 0
    char = text[offset]
    span = Span(offset, offset + 1)
    number_before = re.search(r"[0-9][0-9_]*(\.[0-9]+)?$", text[:offset])
    if char == "." and number_before and re.match(r"\.[0-9]{3}", text[offset:]):
        return ParseError(
            "a number has more than one '.': Indonesian thousands separators are not "
            "part of the language",
            span,
            code="E107",
            hint="write the number without separators (4489798475) or group digits "
            "with '_' (4_489_798_475)",
        )
    if char == '"':
        return ParseError(
            "unterminated label", span, code="E108", hint="close the label with a '\"'"
        )
    if char == "^":
        return ParseError(
            "powers are not part of the language",
            span,
            code="E109",
            hint="write the product out, or compute the value as a named input",
        )
    expected = _expected_list(set(error.allowed or ()))
    return ParseError(
        f"unexpected character {char!r}",
        span,
        code="E101",
        hint=f"expected {expected}",
    )


def _unexpected_token(text: str, error: UnexpectedToken) -> ParseError:
    token = error.token
    expected = set(error.expected)
    if token.type == "$END":
        return _unexpected_end(text, expected)
    span = _token_span(token)
    previous = _previous_token_text(text, span.start)
    if token.type == "COMMA" and _comma_is_decimal_mark(text, span.start):
        whole, fraction = _comma_number(text, span.start)
        return ParseError(
            "a comma is used as decimal mark",
            span,
            code="E106",
            hint=f"the decimal mark is a point: write {whole}.{fraction}",
        )
    if str(token) == "*" and text[span.start - 1 : span.start] == "*":
        return ParseError(
            "powers are not part of the language",
            Span(span.start - 1, span.end),
            code="E109",
            hint="write the product out, or compute the value as a named input",
        )
    if str(token) in _COMPARISONS and any(op in text[: span.start] for op in _COMPARISONS):
        return ParseError(
            "comparisons do not chain",
            span,
            code="E119",
            hint="compare two values at a time and join them: (a = b) and (b = c)",
        )
    if text[: span.start].rstrip().endswith(",") and token.type in {"RPAR", "COMMA"}:
        return ParseError(
            "missing argument after ','",
            span,
            code="E104",
            hint="write the argument, or remove the ','",
        )
    stray_times = re.search(r"([-+*/×÷−–])\s*(x)\s*$", text[: span.start])
    if stray_times:
        return ParseError(
            f"missing operand between {stray_times.group(1)!r} and 'x'",
            Span(stray_times.start(2), stray_times.end(2)),
            code="E104",
            hint=f"write a value after {stray_times.group(1)!r}, or remove one of the two",
        )
    if token.type in _OPERAND_START and "PLUS" in expected and token.type not in expected:
        return ParseError(
            f"missing operator before {str(token)!r}",
            span,
            code="E116",
            hint="two values stand side by side: write an operator (+, -, x, /) between them",
        )
    if previous in _OPERATOR_TEXTS and not expected.isdisjoint(_OPERAND_START):
        return ParseError(
            f"missing operand between {previous!r} and {str(token)!r}",
            span,
            code="E104",
            hint=f"write a value after {previous!r}, or remove one of the two",
        )
    return ParseError(
        f"unexpected {_token_text(token)}",
        span,
        code="E100",
        hint=f"expected {_expected_list(expected)}",
    )


_OPERATOR_TEXTS = {"+", "-", "−", "–", "*", "×", "x", "/", "÷", "=", "==", "<", ">", "<=", ">="}


def _unexpected_end(text: str, expected: set[str]) -> ParseError:
    stripped = text.rstrip()
    if not stripped:
        return ParseError(
            "empty formula", Span(0, len(text)), code="E105", hint="write an expression"
        )
    last = _previous_token_text(text, len(stripped))
    if last in _OPERATOR_TEXTS or last.lower() in {"and", "or", "dan", "atau", "not", "tidak"}:
        start = len(stripped) - len(last)
        return ParseError(
            f"the formula ends with the operator {last!r}",
            Span(start, len(stripped)),
            code="E105",
            hint=f"write the missing operand after {last!r}, or remove it",
        )
    return ParseError(
        "unexpected end of formula",
        Span(len(stripped), len(stripped)),
        code="E100",
        hint=f"expected {_expected_list(expected)}",
    )


def _token_span(token: Token) -> Span:
    start = token.start_pos or 0
    end = token.end_pos if token.end_pos is not None else start + len(str(token))
    return Span(start, end)


def _token_text(token: Token) -> str:
    return repr(str(token))


def _previous_token_text(text: str, offset: int) -> str:
    """The operator or word that ends just before `offset` (skipping spaces)."""
    before = text[:offset].rstrip()
    for operator in sorted(_OPERATOR_TEXTS, key=len, reverse=True):
        if before.endswith(operator) and not (operator == "x" and _word_end(before)):
            return operator
    match = re.search(r"[A-Za-z_]+$", before)
    return match.group(0) if match else ""


def _word_end(before: str) -> bool:
    # "x" is the times operator only as a word of its own, not the end of "max" or "n_x".
    return len(before) > 1 and (before[-2].isalnum() or before[-2] == "_")


def _comma_is_decimal_mark(text: str, comma: int) -> bool:
    return (
        comma > 0
        and text[comma - 1].isdigit()
        and comma + 1 < len(text)
        and text[comma + 1].isdigit()
    )


def _comma_number(text: str, comma: int) -> tuple[str, str]:
    whole = re.search(r"[0-9]+$", text[:comma])
    fraction = re.match(r"[0-9]+", text[comma + 1 :])
    return (whole.group(0) if whole else "0", fraction.group(0) if fraction else "0")


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

    def _made(self, node: nodes.Expr) -> nodes.Expr:
        depth = 1 + max((self._depth.get(id(c), 1) for c in nodes.children(node)), default=0)
        if depth > MAX_DEPTH:
            raise LimitError(
                f"formula nests more than {MAX_DEPTH} operations deep",
                node.span,
                code="E121",
                hint="simplify the formula, or split it into named parts",
            )
        self._depth[id(node)] = depth
        return node

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
                f"{spec.name}() does not take a period",
                Span(_rsqb_start(_lsqb), span.end),
                code="E117",
                hint="write the period on each reference inside, as in a[n-1]",
            )
        return self._made(nodes.Call(spec.name, args, span))


def _rsqb_start(token: Token) -> int:
    return token.start_pos or 0


def _cumulative_end(period: nodes.Period | None, span: Span) -> nodes.Relative | nodes.Year:
    if period is None:
        return nodes.CURRENT_YEAR
    if isinstance(period, nodes.Baseline):
        raise ParseError(
            "akumulasi(...) cannot end at the baseline",
            span,
            code="E117",
            hint="a cumulative sum runs over plan years: end it at [n], [n-1] or a year",
        )
    return period


def _number_value(token: Token) -> Fraction:
    digits = str(token).replace("_", "")
    if sum(ch.isdigit() for ch in digits) > MAX_DIGITS:
        raise LimitError(
            f"number literal has more than {MAX_DIGITS} digits",
            _token_span(token),
            code="E122",
            hint="no figure of a Renstra needs that many digits; check the number",
        )
    if str(token).endswith("_") or "_." in str(token) or "__" in str(token):
        raise ParseError(
            f"misplaced '_' in number {str(token)!r}",
            _token_span(token),
            code="E110",
            hint="use '_' only between digits, as in 4_489_798_475",
        )
    return Fraction(digits)


def _year_offset(token: Token) -> int:
    value = _number_value(token)
    if value.denominator != 1 or value > MAX_YEAR_OFFSET:
        raise ParseError(
            f"year offset must be a whole number up to {MAX_YEAR_OFFSET}",
            _token_span(token),
            code="E111",
            hint="write the offset as in [n-1] or [n+2]",
        )
    return int(value)


def _year(token: Token) -> int:
    value = _number_value(token)
    if value.denominator != 1 or not 1900 <= value <= 2200:
        raise ParseError(
            f"{str(token)!r} is not a year",
            _token_span(token),
            code="E111",
            hint="a period is [n], [n-1], [n+1], a year such as [2022], or [awal]",
        )
    return int(value)


def _name(token: Token) -> str:
    name = str(token)
    if name in RESERVED:
        raise ParseError(
            f"{name!r} is a reserved word, not a name",
            _token_span(token),
            code="E118",
            hint=f'rename the input (e.g. {name}_value) or quote its label: "..."',
        )
    if SNAKE_CASE.fullmatch(name):
        return name
    suggestion = snake_case(name)
    raise ParseError(
        f"{name!r} is not a snake_case name",
        _token_span(token),
        code="E112",
        hint=f'write {suggestion!r}, or quote the document\'s label: "..."'
        if suggestion
        else "names start with a letter and use lowercase letters, digits and '_'",
    )


def snake_case(name: str) -> str:
    """The snake_case spelling of a name or label ('Jumlah PMKS' -> 'jumlah_pmks'), or ''."""
    words = re.findall(r"[A-Za-z0-9]+", name)
    candidate = "_".join(word.lower() for word in words)
    return candidate if SNAKE_CASE.fullmatch(candidate) else ""


def _label(token: Token) -> str:
    label = " ".join(str(token)[1:-1].split())
    if not label:
        raise ParseError("empty label", _token_span(token), code="E113", hint='write "Label"')
    if len(label) > MAX_LABEL:
        raise LimitError(
            f"label is longer than {MAX_LABEL} characters",
            _token_span(token),
            code="E122",
            hint="use a shorter label or a snake_case name",
        )
    return label


def _function_spec(token: Token) -> FunctionSpec:
    name = FUNCTION_ALIASES.get(str(token), str(token))
    if name in FUNCTIONS:
        return FUNCTIONS[name]
    known = sorted(set(FUNCTIONS) | set(FUNCTION_ALIASES))
    close = difflib.get_close_matches(str(token).lower(), known, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]!r}?" if close else f"the functions are: {', '.join(known)}"
    raise ParseError(f"unknown function {str(token)!r}", _token_span(token), code="E114", hint=hint)


def _check_arity(
    spec: FunctionSpec, args: tuple[nodes.Expr, ...], token: Token, span: Span
) -> None:
    count = len(args)
    if count >= spec.min_args and (spec.max_args is None or count <= spec.max_args):
        return
    if spec.max_args is None:
        wanted = f"at least {spec.min_args} argument{'s' * (spec.min_args != 1)}"
    elif spec.min_args == spec.max_args:
        wanted = f"{spec.min_args} argument{'s' * (spec.min_args != 1)}"
    else:
        wanted = f"{spec.min_args} to {spec.max_args} arguments"
    raise ParseError(
        f"{spec.name}() takes {wanted}, got {count}",
        span,
        code="E115",
        hint=spec.summary,
    )
