"""Properties of the parser and printer, for any input."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import formulas

from formula_engine import ParseError, nodes, parse, to_text
from formula_engine.syntax_errors import MAX_LENGTH, MAX_TEXT

formula_alphabet = st.sampled_from(
    [*list("abnx019 .,_()[]+-*/×÷−–%<>=!\"'\t\n"), "akumulasi(", "max(", "awal", "and ", "not "]
)


@settings(max_examples=400)
@given(st.text(max_size=60) | st.lists(formula_alphabet, max_size=40).map("".join))
@example("a[n-")
@example('"')
@example("max(")
@example("1.")
def test_any_text_parses_or_raises_our_error(text: str) -> None:
    try:
        tree = parse(text)
    except ParseError as error:
        assert error.span is not None
        assert 0 <= error.span.start <= error.span.end <= len(text)
        assert error.code.startswith("E")
        rendered = error.with_source(text).render()
        assert f"error[{error.code}]" in rendered
    else:
        assert parse(to_text(tree)) == tree


@settings(max_examples=300)
@given(formulas)
def test_generated_trees_round_trip_through_the_printer(tree: nodes.Expr) -> None:
    assert parse(to_text(tree)) == tree


@settings(max_examples=200)
@given(formulas)
def test_canonical_text_is_a_fixed_point(tree: nodes.Expr) -> None:
    text = to_text(tree)
    assert to_text(parse(text)) == text


@given(formulas)
def test_spans_of_parsed_nodes_lie_inside_the_text(tree: nodes.Expr) -> None:
    text = to_text(tree)
    for node in nodes.walk(parse(text)):
        assert 0 <= node.span.start < node.span.end <= len(text)


def test_length_limit_is_exact() -> None:
    # The limit is on the canonical form: 'a+a+...' prints as 'a + a + ...' (4 characters
    # a term), and the text as typed may carry layout up to MAX_TEXT.
    terms = MAX_LENGTH // 4  # canonical length 4 * terms - 3, and a last name 3 longer
    at_limit = "+".join(["a"] * (terms - 1) + ["aaaa"])
    assert len(at_limit) < len(to_text(parse(at_limit))) == MAX_LENGTH
    _assert_refused(at_limit + "a", "E120")
    assert parse("1" + " " * (MAX_TEXT - 1)) == nodes.Number(1)
    _assert_refused("1" + " " * MAX_TEXT, "E120")


def _assert_refused(text: str, code: str) -> None:
    try:
        parse(text)
    except ParseError as error:
        assert error.code == code
    else:
        raise AssertionError("a formula over the length limit was accepted")


def test_whatever_parses_prints_to_text_that_parses() -> None:
    # Found by the fuzzer (N1): "sum(a,a,...)" within the limit printed as "sum(a, a, ...)"
    # over it, so parse(to_text(tree)) failed.
    compact = "sum(" + ",".join(["a"] * ((MAX_LENGTH - 5) // 2)) + ")"
    assert len(compact) <= MAX_LENGTH
    try:
        tree = parse(compact)
    except ParseError as error:
        assert error.code == "E120"
    else:
        assert parse(to_text(tree)) == tree
