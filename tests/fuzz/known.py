"""Defects known and open in the engine (issue 8), recognised by their findings.

TEMPORARY: `KNOWN_OPEN` lets the bounded CI run pass while the fixes are under way. Once
they are merged, empty it (and delete what it alone uses): the regression corpus then
checks each fix, and the fuzzer reports any return of these defects as new findings.
"""

from __future__ import annotations

from collections.abc import Callable

from formula_engine import ParseError, nodes, parse

from .oracle import Finding

# Remove each id when its fix is merged. D1-D7: the defects of issue 8 under repair;
# N1: found by this fuzzer, reported, not yet routed.
KNOWN_OPEN = {"D1", "D2", "D3", "D4", "D5", "D7", "N1"}


def _has(text: str, wanted: Callable[[nodes.Expr], bool]) -> bool:
    try:
        return any(wanted(node) for node in nodes.walk(parse(text)))
    except ParseError:
        return False


def _nested_akumulasi(node: nodes.Expr) -> bool:
    return isinstance(node, nodes.Cumulative) and any(
        isinstance(inner, nodes.Cumulative) for inner in nodes.walk(node.body)
    )


def _zero_before_missing(text: str, finding: Finding) -> bool:
    """Exact: a value is missing; fast: a number, because a zero denominator turned the
    missing numerator's NaN into 0 (and that 0 may have been added to something)."""
    policy = finding.context.get("policy")
    return (
        finding.detail == "nc_vs_number"
        and isinstance(policy, dict)
        and policy.get("zero_denominator") == "zero"
        and finding.context.get("exact_code") == "E401"
        and _has(text, lambda node: isinstance(node, nodes.Binary) and node.op == "/")
    )


def _indicator_referenced(finding: Finding) -> bool:
    scenario = finding.context.get("scenario") or {}
    return isinstance(scenario, dict) and scenario.get("indicator") is not None


DEFECTS: dict[str, tuple[str, Callable[[str, Finding], bool]]] = {
    "D1": (
        "unit inference is exponential in the number of terms",
        lambda text, f: f.kind == "hang" and f.stage == "check",
    ),
    "D2": (
        "nested akumulasi blows up (to be rejected with a diagnostic)",
        lambda text, f: f.kind in ("hang", "memory", "crash") and _has(text, _nested_akumulasi),
    ),
    "D3": (
        "a pydantic ValidationError escapes from ad_hoc_declarations (long identifier)",
        lambda text, f: f.signature == "crash:declarations:ValidationError",
    ),
    "D4": (
        "zero_denominator: zero and a missing numerator: the paths disagree",
        lambda text, f: f.kind == "disagreement" and _zero_before_missing(text, f),
    ),
    "D5": (
        "a formula referencing another indicator: exact and fast disagree",
        lambda text, f: f.kind == "disagreement" and _indicator_referenced(f),
    ),
    "D7": (
        "a flat chain of more than 64 terms is refused as too deep",
        lambda text, f: f.signature == "rejected_valid:parse:E121",
    ),
    "N1": (
        "the canonical text of a compact formula is over the length limit (E120)",
        lambda text, f: f.signature == "roundtrip:reparse:E120",
    ),
}


def known_defect(text: str, finding: Finding) -> str | None:
    """The id of the known open defect this finding shows, if any."""
    for identifier in sorted(KNOWN_OPEN):
        if DEFECTS[identifier][1](text, finding):
            return identifier
    return None
