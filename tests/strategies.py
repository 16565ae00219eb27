"""Hypothesis strategies for formulas: random ASTs the parser can build."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import strategies as st

from formula_engine import functions, nodes
from formula_engine.names import SNAKE_CASE
from formula_engine.parser import RESERVED

names = st.from_regex(SNAKE_CASE, fullmatch=True).filter(
    lambda s: len(s) <= 20 and s not in RESERVED and functions.lookup(s) is None
)
labels = (
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters='"\\'
        ),
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(lambda s: s and s.isprintable())
)
decimals = st.builds(
    lambda whole, frac, places: Fraction(whole) + Fraction(frac, 10**places),
    st.integers(0, 10**12),
    st.integers(0, 99),
    st.sampled_from([0, 1, 2]),
)
periods = st.one_of(
    st.integers(-5, 5).map(nodes.Relative),
    st.integers(2017, 2030).map(nodes.Year),
    st.just(nodes.Baseline()),
)
references = st.one_of(
    st.builds(nodes.Reference, names, st.just(False), periods),
    st.builds(nodes.Reference, labels, st.just(True), periods),
)
leaves = st.one_of(decimals.map(nodes.Number), decimals.map(nodes.Percent), references)


def _has_no_cumulative(tree: nodes.Expr) -> bool:
    return not any(isinstance(node, nodes.Cumulative) for node in nodes.walk(tree))


def _extend(children: st.SearchStrategy[nodes.Expr]) -> st.SearchStrategy[nodes.Expr]:
    binary_ops = st.sampled_from(["+", "-", "*", "/", "and", "or"])
    compare_ops = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
    return st.one_of(
        st.builds(nodes.Unary, st.sampled_from(["-", "+", "not"]), children),
        st.builds(nodes.Binary, binary_ops, children, children),
        st.builds(nodes.Compare, compare_ops, children, children),
        st.builds(
            nodes.Call,
            st.sampled_from(["sum", "min", "max"]),
            st.lists(children, min_size=1, max_size=3).map(tuple),
        ),
        st.builds(nodes.Call, st.just("abs"), st.tuples(children)),
        st.builds(nodes.Call, st.just("if"), st.tuples(children, children, children)),
        st.builds(
            nodes.Cumulative,
            children.filter(_has_no_cumulative),  # nested akumulasi is rejected (E123)
            st.one_of(
                st.integers(-3, 0).map(nodes.Relative), st.integers(2021, 2026).map(nodes.Year)
            ),
        ),
    )


formulas = st.recursive(leaves, _extend, max_leaves=12)
