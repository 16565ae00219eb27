"""Properties of the parser and printer, for any input."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from strategies import formulas

from formula_engine import ParseError, nodes, parse, to_text
from formula_engine.syntax_errors import MAX_LENGTH

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
    at_limit = "1" + " " * (MAX_LENGTH - 1)
    assert parse(at_limit) == nodes.Number(1)
    try:
        parse(at_limit + " ")
    except ParseError as error:
        assert error.code == "E120"
    else:
        raise AssertionError("a formula over the length limit was accepted")
