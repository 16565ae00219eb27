"""`renstra catalog stats`: counts by level, by table and by kind of formula."""

from __future__ import annotations

from collections import Counter

from .. import nodes
from ..errors import FormulaError
from ..parser import parse
from .load import Catalog
from .models import IndicatorEntry


def formula_kind(text: str) -> str:
    """The kind of formula (docs: domain.md): count, share, change, cumulative, official."""
    try:
        tree = parse(text)
    except FormulaError:
        return "unparsable"
    every = nodes.walk(tree)
    if any(isinstance(n, nodes.Cumulative) for n in every):
        return "cumulative share" if _is_percent_ratio(tree) else "cumulative"
    shifted = any(isinstance(n, nodes.Reference) and n.period != nodes.CURRENT_YEAR for n in every)
    if shifted and any(isinstance(n, nodes.Binary) and n.op == "-" for n in every):
        return "change"
    if _is_percent_ratio(tree):
        return "share"
    if isinstance(tree, nodes.Reference):
        return "value"
    return "other"


def _is_percent_ratio(tree: nodes.Expr) -> bool:
    return (
        isinstance(tree, nodes.Binary)
        and tree.op == "*"
        and isinstance(tree.right, nodes.Percent)
        and isinstance(tree.left, nodes.Binary)
        and tree.left.op == "/"
    )


def catalog_stats(catalog: Catalog) -> dict[str, Counter[str]]:
    levels: Counter[str] = Counter()
    for row in catalog.rows():
        levels[catalog.level_of(row.entry)] += 1
    indicators = [located.entry for located in catalog.indicators()]
    history = [located.entry for located in catalog.history_indicators()]
    levels["indicator"] = len(indicators)
    levels["history indicator"] = len(history)
    levels["input"] = len(catalog.inputs) + (
        len(catalog.history.entry.inputs) if catalog.history else 0
    )
    by_table: Counter[str] = Counter()
    for indicator in [*indicators, *history]:
        for table in _tables(indicator):
            by_table[f"indicators in {table}"] += 1
    values: Counter[str] = Counter()
    for indicator in [*indicators, *history]:
        for value in indicator.values:
            values[f"{value.table} {value.kind}"] += 1
    for row in catalog.rows():
        for value in getattr(row.entry, "budget", ()):
            values[f"{value.table} budget {value.kind}"] += 1
    kinds: Counter[str] = Counter(
        formula_kind(v.formula) for i in [*indicators, *history] for v in i.formulas
    )
    return {"levels": levels, "tables": by_table, "values": values, "formula kinds": kinds}


def _tables(indicator: IndicatorEntry) -> set[str]:
    tables: set[str] = {value.table for value in indicator.values}
    tables |= {v.source.table for v in indicator.formulas if v.source is not None}
    return tables
