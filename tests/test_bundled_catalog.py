"""The bundled catalog: valid, faithful to the seed, complete, and computable."""

from __future__ import annotations

import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from formula_engine import nodes
from formula_engine.catalog import Catalog, bundled_catalog_path, load_catalog, validate
from formula_engine.catalog.models import FormulaVersion, IndicatorEntry
from formula_engine.declarations import Declarations, Input, Plan
from formula_engine.model import Model, Values

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from check_transcription import cell_problem  # noqa: E402

CATALOG_DIR = ROOT / "catalog"


def _load() -> Catalog:
    catalog, diagnostics = load_catalog(CATALOG_DIR)
    assert catalog is not None, "\n".join(d.render() for d in diagnostics)
    return catalog


CATALOG = _load()


def test_bundled_catalog_path_is_the_source_tree_catalog() -> None:
    assert bundled_catalog_path().resolve() == CATALOG_DIR.resolve()


def test_catalog_has_no_errors() -> None:
    report = validate(CATALOG, symbolic=False)
    assert [d.render() for d in report.errors] == []


def _cited(node: Any, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every {text, table, line[, last_line]} in the catalog's models."""
    found = []
    if hasattr(node, "model_dump"):
        node = node.model_dump()
    if isinstance(node, dict):
        if {"text", "table", "line"} <= node.keys():
            found.append((path, node))
        for key, value in node.items():
            found += _cited(value, f"{path}.{key}")
    elif isinstance(node, list | tuple):
        for index, value in enumerate(node):
            found += _cited(value, f"{path}[{index}]")
    return found


def _all_models(catalog: Catalog) -> list[Any]:
    models: list[Any] = [catalog.plan, *catalog.all_inputs(), *(p.entry for p in catalog.programs)]
    if catalog.history is not None:
        models.append(catalog.history.entry)
    return models


def test_every_cited_text_stands_at_its_seed_lines(seed_lines: list[str]) -> None:
    problems = []
    count = 0
    for model in _all_models(CATALOG):
        for where, cell in _cited(model):
            count += 1
            problem = cell_problem(seed_lines, cell)
            if problem:
                problems.append(f"{where} ({cell['table']}:{cell['line']}): {problem}")
    assert count > 1000
    assert problems == []


def test_every_row_name_is_printed_at_its_source(seed_lines: list[str]) -> None:
    problems = []
    for row in CATALOG.rows():
        source = row.entry.source
        # The PDF splits a row's cells over the lines that follow; the name's words
        # come in order, interleaved with the other cells of the row.
        window = " ".join(seed_lines[source.line - 1 : source.line + 40])
        position = 0
        for word in row.entry.name.split():
            position = window.find(word, position)
            if position < 0:
                problems.append(f"{row.owner}: {word!r} of the name not after line {source.line}")
                break
            position += len(word)
    assert problems == []


def _plan_years(version: FormulaVersion) -> range:
    return range(version.valid_from, version.valid_to + 1)


def _formulas() -> list[Any]:
    params = []
    for located in [*CATALOG.indicators(), *CATALOG.history_indicators()]:
        for index, version in enumerate(located.entry.formulas):
            params.append(pytest.param(located.entry, version, id=f"{located.entry.id}#{index}"))
    return params


def _declarations() -> Declarations:
    inputs = list(CATALOG.all_inputs())
    if CATALOG.history is not None:
        inputs += list(CATALOG.history.entry.inputs)
    plan = Plan(first_year=CATALOG.plan.plan.first_year, last_year=CATALOG.plan.plan.last_year)
    plain = [Input(**i.model_dump(exclude={"values", "notes"})) for i in inputs]
    return Declarations(plan=plan, inputs=tuple(plain))


FORMULAS = _formulas()


@pytest.mark.parametrize(("indicator", "version"), FORMULAS)
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_catalog_formula_evaluates_exactly_and_fast(
    indicator: IndicatorEntry, version: FormulaVersion, data: st.DataObject
) -> None:
    model = Model(_declarations())
    formula = model.compile(version.formula, accept=version.accepts)
    ids = sorted({r.name for r in nodes.references(formula.tree)})
    domains = {i.id: i.domain for i in model.declarations.inputs}
    year = data.draw(st.sampled_from(list(_plan_years(version))))
    keys: list[int | str] = ["awal", *range(2017, 2027)]
    rows = []
    for _ in range(4):
        row = {}
        for identifier in ids:
            low = 1 if domains.get(identifier) == "positive" else 0
            row[identifier] = {k: Fraction(data.draw(st.integers(low, 10**6))) for k in keys}
        rows.append(row)
    exact = [formula.evaluate(Values(model.table, row), year) for row in rows]
    columns = {(i, k): np.array([float(r[i][k]) for r in rows]) for i in ids for k in keys}
    fast = formula.evaluate_many(columns, year, len(rows))
    for result, number in zip(exact, fast, strict=True):
        if result.status == "ok":
            assert number == pytest.approx(float(result.value), rel=1e-9)
        else:
            assert np.isnan(number)
    parts = {i.id: i.part_of for i in model.declarations.inputs if i.part_of}
    if _is_share_of_whole(formula.tree, parts):
        # Admissible inputs for a share: every part at most its whole.
        for row in rows:
            for part, whole in parts.items():
                if part in row and whole in row:
                    row[part] = {k: min(v, row[whole][k]) for k, v in row[part].items()}
            result = formula.evaluate(Values(model.table, row), year)
            if result.status == "ok":
                assert 0 <= result.value <= 100


def _is_share_of_whole(tree: nodes.Expr, parts: dict[str, str]) -> bool:
    if not (
        isinstance(tree, nodes.Binary) and tree.op == "*" and isinstance(tree.right, nodes.Percent)
    ):
        return False
    ratio = tree.left
    return (
        isinstance(ratio, nodes.Binary)
        and ratio.op == "/"
        and isinstance(ratio.left, nodes.Reference)
        and isinstance(ratio.right, nodes.Reference)
        and parts.get(ratio.left.name) == ratio.right.name
        and ratio.left.period == ratio.right.period
    )


# The tables that print a formula column (Formulasi / Rumus Perhitungan).
FORMULA_TABLES = {"4.1", "4.2", "6.1", "6.2", "6.3", "7.3", "7.4"}


def test_indicators_printed_with_a_formula_have_one() -> None:
    missing = [
        located.entry.id
        for located in CATALOG.indicators()
        if not located.entry.formulas
        and any(value.table in FORMULA_TABLES for value in located.entry.values)
    ]
    assert missing == []


def test_formula_versions_cover_the_years_with_values() -> None:
    gaps = []
    for located in CATALOG.indicators():
        indicator = located.entry
        if not indicator.formulas:
            continue
        covered = {y for v in indicator.formulas for y in range(v.valid_from, v.valid_to + 1)}
        for value in indicator.values:
            planned = value.kind in ("target", "realisation") and (value.year or 0) >= 2022
            if planned and value.year not in covered:
                gaps.append(f"{indicator.id}: {value.kind} {value.year} has no formula")
    assert gaps == []


def test_levels_match_the_seed() -> None:
    levels = Counter(CATALOG.level_of(row.entry) for row in CATALOG.rows())
    # Programs printed in Tabel 6.1 (lines 3301-5529), 6.2 (6176-7576), 6.3 (7950-14506):
    # 1.06.01, 1.06.02, 1.06.04, 1.06.05, 1.06.06, 1.06.07.
    assert levels["program"] == 6
    # Tujuan: 3 in Tabel 4.1 (2022-2023, lines 2327, 2402, 2455) of which the first
    # continues in Tabel 4.2 (lines 2576, 2658), which adds one: 4 distinct tujuan.
    assert levels["tujuan"] == 4
    assert levels["sasaran"] == 4


def _row_tables(row: Any) -> set[str]:
    entry = row.entry
    tables = {entry.source.table}
    tables |= {value.table for value in getattr(entry, "budget", ())}
    tables |= {code.table for code in getattr(entry, "codes_printed", ())}
    tables |= {value.table for indicator in entry.indicators for value in indicator.values}
    return tables


# Rows each table prints, counted in the seed (and in catalog/transcription/):
# Tabel 6.1 (lines 3145-6093): 6 programs, 13 kegiatan, 34 sub kegiatan.
# Tabel 6.2 (lines 6094-7782): 6 programs, 14 kegiatan, 35 sub kegiatan.
# Tabel 6.3 (lines 7783-14753): 6 programs, 14 kegiatan, 43 sub kegiatan; the two sub
# kegiatan printed only in 2022 (1.06.04.2.02.0001 at line 4867, 1.06.05.2.02.0001 at
# line 5566) make 45 sub kegiatan in all.
EXPECTED_ROWS = {
    "6.1": {"program": 6, "kegiatan": 13, "sub_kegiatan": 34},
    "6.2": {"program": 6, "kegiatan": 14, "sub_kegiatan": 35},
    "6.3": {"program": 6, "kegiatan": 14, "sub_kegiatan": 43},
}


@pytest.mark.parametrize("table", sorted(EXPECTED_ROWS))
def test_rows_per_table_match_the_seed(table: str) -> None:
    counts: Counter[str] = Counter()
    for row in CATALOG.rows():
        if table in _row_tables(row):
            counts[CATALOG.level_of(row.entry)] += 1
    assert {level: counts[level] for level in EXPECTED_ROWS[table]} == EXPECTED_ROWS[table]


def test_catalog_totals() -> None:
    levels = Counter(CATALOG.level_of(row.entry) for row in CATALOG.rows())
    assert (levels["kegiatan"], levels["sub_kegiatan"]) == (14, 45)


# Indicator rows each table prints (counted in catalog/transcription/, one per printed
# indicator): Tabel 4.1: 6 (lines 2299-2545); 4.2: 8 (2546-2966); 7.1: 6; 7.2: 8;
# 7.3: 2; 7.4: 2; 7.5: 2; 2.3.1: 27 (lines 1012-1340).
EXPECTED_INDICATORS = {
    "4.1": 6,
    "4.2": 8,
    "7.1": 6,
    "7.2": 8,
    "7.3": 2,
    "7.4": 2,
    "7.5": 2,
    "2.3.1": 27,
}


@pytest.mark.parametrize("table", sorted(EXPECTED_INDICATORS))
def test_indicators_per_table_match_the_seed(table: str) -> None:
    found = sum(
        1
        for located in [*CATALOG.indicators(), *CATALOG.history_indicators()]
        if any(value.table == table for value in located.entry.values)
    )
    assert found == EXPECTED_INDICATORS[table]


# A second, independent transcription of every Rupiah figure of Tabel 6.1, 6.2 and 6.3,
# made from the seed without looking at the catalog (tests/fixtures/second_transcription/).
SECOND = Path(__file__).parent / "fixtures" / "second_transcription"


def _catalog_budgets() -> dict[tuple[str, str, str], list[tuple[str, int]]]:
    """(table, printed or current code, column) -> [(text, line)] of the catalog."""
    columns = {"target": "target_{year}", "realisation": "realisasi_{year}"}
    found: dict[tuple[str, str, str], list[tuple[str, int]]] = {}
    for row in CATALOG.rows():
        entry = row.entry
        codes = {getattr(entry, "code", "")} | {c.text for c in getattr(entry, "codes_printed", ())}
        for value in getattr(entry, "budget", ()):
            if value.table == "6.3":
                column = "akhir" if value.kind == "end_of_period" else str(value.year)
            else:
                column = columns[value.kind].format(year=value.year)
            for code in codes:
                found.setdefault((value.table, code, column), []).append((value.text, value.line))
    return found


def _second_rows() -> list[tuple[str, str, str, str, int]]:
    rows = []
    for line in (SECOND / "tabel_6_3_rp.tsv").read_text().splitlines()[1:]:
        code, column, text, first, _last = line.split("\t")
        rows.append(("6.3", code, column, text, int(first)))
    for line in (SECOND / "tabel_6_1_6_2_rp.tsv").read_text().splitlines()[1:]:
        table, code, column, text, first = line.split("\t")
        rows.append((table, code, column, text, int(first)))
    return rows


def test_second_transcription_of_the_budgets_agrees_with_the_catalog() -> None:
    catalog = _catalog_budgets()
    rows = _second_rows()
    assert len(rows) == 235 + 161
    disagreements = [
        f"Tabel {table} {code} {column}: second transcription {text!r} (line {line}), "
        f"catalog {catalog.get((table, code, column))}"
        for table, code, column, text, line in rows
        if (text, line) not in catalog.get((table, code, column), [])
    ]
    assert disagreements == []
