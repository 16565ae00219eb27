"""Diagnosing bad formula text: the bounds checked before lark sees the text, and lark's
syntax errors turned into our ParseError with a named message where a common mistake is
recognised (unbalanced parentheses, a missing operand, a trailing operator, a comma used
as decimal mark, thousands separators, a power, two values side by side, ...).
"""

from __future__ import annotations

import re

from lark import Token
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
)

from .errors import LimitError, ParseError, Span
from .i18n import N_, Msg, joined, msg
from .lark_grammar import lark_parser

# Bounds of the language. A Renstra formula is a line or two; these leave ample room.
MAX_LENGTH = 20_000  # characters of the canonical form (a rollup of a thousand sub kegiatan)
# Characters of the text as typed, layout included. The canonical form can be longer than
# the text ("a,b" prints "a, b"), so the limit that keeps parse(to_text(tree)) working is
# the canonical one, checked after the tree is built; this one bounds the work before it.
MAX_TEXT = 4 * MAX_LENGTH
MAX_DEPTH = 64  # nesting (parentheses, calls, unary and right operands; not chain length)

_COMPARISONS = ("==", "!=", "<>", "<=", ">=", "=", "<", ">", "≠", "≤", "≥")


# Bounds checked on the raw text, before lark sees it.


def check_text_bounds(text: str) -> None:
    if len(text) > MAX_TEXT:
        raise LimitError(
            msg(
                "formula text is {count} characters long; the limit is {limit}",
                count=f"{len(text):,}",
                limit=f"{MAX_TEXT:,}",
            ),
            Span(MAX_TEXT, len(text)),
            code="E120",
            hint=_SPLIT_HINT,
        )
    for offset, char in enumerate(text):
        if not char.isprintable() and char not in " \t\r\n":
            raise _unprintable_character(char, offset)
    _check_brackets(text)


def check_canonical_length(text: str, canonical: str) -> None:
    """E120 when the formula's canonical form is over MAX_LENGTH, so that every formula
    the parser accepts prints to a text the parser accepts again."""
    if len(canonical) > MAX_LENGTH:
        raise LimitError(
            msg(
                "formula is {count} characters long in canonical form; the limit is {limit}",
                count=f"{len(canonical):,}",
                limit=f"{MAX_LENGTH:,}",
            ),
            Span(0, len(text)),
            code="E120",
            hint=_SPLIT_HINT,
        )


_SPLIT_HINT = msg("split the calculation into named inputs or indicators")


def _unprintable_character(char: str, offset: int) -> ParseError:
    if char.isspace():
        return ParseError(
            msg("unusual space character {code} in the formula", code=f"U+{ord(char):04X}"),
            Span(offset, offset + 1),
            code="E101",
            hint=msg("replace it with a normal space (it may come from copying out of a PDF)"),
        )
    return ParseError(
        msg(
            "control or unassigned character {code} is not allowed in a formula",
            code=f"U+{ord(char):04X}",
        ),
        Span(offset, offset + 1),
        code="E101",
        hint=msg("remove the character (it may come from copying out of a PDF)"),
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
                    msg("parentheses nest more than {depth} deep", depth=MAX_DEPTH),
                    Span(offset, offset + 1),
                    code="E121",
                    hint=msg("simplify the formula"),
                )
        elif char in ")]":
            if not stack or stack[-1][0] != _CLOSING[char]:
                raise ParseError(
                    msg("unmatched closing '{char}'", char=char),
                    Span(offset, offset + 1),
                    code="E103",
                    hint=msg(
                        "remove this '{char}' or add the matching '{opening}' before it",
                        char=char,
                        opening=_CLOSING[char],
                    ),
                )
            stack.pop()
    if stack:
        char, offset = stack[-1]
        closing = ")" if char == "(" else "]"
        raise ParseError(
            msg("unclosed '{char}'", char=char),
            Span(offset, offset + 1),
            code="E102",
            hint=msg("add the matching '{closing}'", closing=closing),
        )


# Syntax errors: lark's exception -> a ParseError with a named message where we can.

_TOKEN_NAMES = {
    "NUMBER": N_("a number"),
    "NAME": N_("a name"),
    "LABEL": N_('a "quoted label"'),
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "PERCENT": "'%'",
    "$END": N_("the end of the formula"),
}
_WORDS = {"NUMBER", "NAME", "LABEL", "$END"}  # the names above that are words (translated)
_OPERAND_START = {"NUMBER", "NAME", "LABEL", "LPAR", "MINUS", "PLUS", "NOT", "TIDAK"}


def _describe(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    pattern = lark_parser().get_terminal(terminal).pattern.value if terminal.isupper() else terminal
    return f"'{pattern}'"


def _expected_list(expected: set[str]) -> Msg:
    """What the parser expected, in words: "a name, a number, '('" (each word a message)."""
    words = {_TOKEN_NAMES[t] for t in _WORDS}
    names = sorted({_describe(t) for t in expected if not t.startswith("__")})
    if not names:
        return msg("nothing")
    return joined(", ", [Msg(name, {}) if name in words else name for name in names])


def _expected(expected: set[str]) -> Msg:
    return msg("expected {expected}", expected=_expected_list(expected))


def explain_syntax_error(text: str, error: UnexpectedInput) -> ParseError:
    if isinstance(error, UnexpectedCharacters):
        return _unexpected_character(text, error)
    if isinstance(error, UnexpectedToken):
        return _unexpected_token(text, error)
    if isinstance(error, UnexpectedEOF):
        return _unexpected_end(text, set(error.expected))
    return ParseError(msg("invalid formula"), Span(0, len(text)), code="E100")


def _unexpected_character(text: str, error: UnexpectedCharacters) -> ParseError:
    offset = error.pos_in_stream or 0
    char = text[offset]
    span = Span(offset, offset + 1)
    number_before = re.search(r"[0-9][0-9_]*(\.[0-9]+)?$", _tail(text, offset))
    if char == "." and number_before and re.match(r"\.[0-9]{3}", text[offset:]):
        return ParseError(
            msg(
                "a number has more than one '.': Indonesian thousands separators are not "
                "part of the language"
            ),
            span,
            code="E107",
            hint=msg(
                "write the number without separators (4489798475) or group digits "
                "with '_' (4_489_798_475)"
            ),
        )
    if char == '"':
        return ParseError(
            msg("unterminated label"),
            span,
            code="E108",
            hint=msg("close the label with a '\"'"),
        )
    if char == "^":
        return ParseError(_NO_POWERS, span, code="E109", hint=_NO_POWERS_HINT)
    return ParseError(
        msg("unexpected character {char}", char=repr(char)),
        span,
        code="E101",
        hint=_expected(set(error.allowed or ())),
    )


_NO_POWERS = msg("powers are not part of the language")
_NO_POWERS_HINT = msg("write the product out, or compute the value as a named input")


def _unexpected_token(text: str, error: UnexpectedToken) -> ParseError:
    token = error.token
    expected = set(error.expected)
    if token.type == "$END":
        return _unexpected_end(text, expected)
    span = token_span(token)
    previous = _previous_token_text(text, span.start)
    if token.type == "COMMA" and _comma_is_decimal_mark(text, span.start):
        whole, fraction = _comma_number(text, span.start)
        return ParseError(
            msg("a comma is used as decimal mark"),
            span,
            code="E106",
            hint=msg("the decimal mark is a point: write {number}", number=f"{whole}.{fraction}"),
        )
    if str(token) == "*" and text[span.start - 1 : span.start] == "*":
        return ParseError(
            _NO_POWERS, Span(span.start - 1, span.end), code="E109", hint=_NO_POWERS_HINT
        )
    if str(token) in _COMPARISONS and any(op in text[: span.start] for op in _COMPARISONS):
        return ParseError(
            msg("comparisons do not chain"),
            span,
            code="E119",
            hint=msg("compare two values at a time and join them: (a = b) and (b = c)"),
        )
    if text[: span.start].rstrip().endswith(",") and token.type in {"RPAR", "COMMA"}:
        return ParseError(
            msg("missing argument after ','"),
            span,
            code="E104",
            hint=msg("write the argument, or remove the ','"),
        )
    window = max(0, span.start - _TAIL)
    stray_times = re.search(r"([-+*/×÷−–])\s*(x)\s*$", text[window : span.start])
    if stray_times:
        operator = repr(stray_times.group(1))
        return ParseError(
            msg("missing operand between {left} and {right}", left=operator, right="'x'"),
            Span(window + stray_times.start(2), window + stray_times.end(2)),
            code="E104",
            hint=msg("write a value after {operator}, or remove one of the two", operator=operator),
        )
    if token.type in _OPERAND_START and "PLUS" in expected and token.type not in expected:
        return ParseError(
            msg("missing operator before {token}", token=repr(str(token))),
            span,
            code="E116",
            hint=msg("two values stand side by side: write an operator (+, -, x, /) between them"),
        )
    if previous in _OPERATOR_TEXTS and not expected.isdisjoint(_OPERAND_START):
        return ParseError(
            msg(
                "missing operand between {left} and {right}",
                left=repr(previous),
                right=repr(str(token)),
            ),
            span,
            code="E104",
            hint=msg(
                "write a value after {operator}, or remove one of the two",
                operator=repr(previous),
            ),
        )
    return ParseError(
        msg("unexpected {token}", token=_token_text(token)),
        span,
        code="E100",
        hint=_expected(expected),
    )


_OPERATOR_TEXTS = {"+", "-", "−", "–", "*", "×", "x", "/", "÷", "=", "==", "<", ">", "<=", ">="}


def _unexpected_end(text: str, expected: set[str]) -> ParseError:
    stripped = text.rstrip()
    if not stripped:
        return ParseError(
            msg("empty formula"),
            Span(0, len(text)),
            code="E105",
            hint=msg("write an expression"),
        )
    last = _previous_token_text(text, len(stripped))
    if last in _OPERATOR_TEXTS or last.lower() in {"and", "or", "dan", "atau", "not", "tidak"}:
        start = len(stripped) - len(last)
        return ParseError(
            msg("the formula ends with the operator {operator}", operator=repr(last)),
            Span(start, len(stripped)),
            code="E105",
            hint=msg(
                "write the missing operand after {operator}, or remove it", operator=repr(last)
            ),
        )
    return ParseError(
        msg("unexpected end of formula"),
        Span(len(stripped), len(stripped)),
        code="E100",
        hint=_expected(expected),
    )


# The regular expressions that look back from an offset search only this many characters
# before it: anchored at the end, a search of the whole text would be quadratic.
_TAIL = 64


def _tail(text: str, end: int) -> str:
    return text[max(0, end - _TAIL) : end]


def token_span(token: Token) -> Span:
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
    match = re.search(r"[A-Za-z_]+$", before[-_TAIL:])
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
    whole = re.search(r"[0-9]+$", _tail(text, comma))
    fraction = re.match(r"[0-9]+", text[comma + 1 :])
    return (whole.group(0) if whole else "0", fraction.group(0) if fraction else "0")
