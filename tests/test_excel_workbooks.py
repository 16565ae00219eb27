"""The broken-workbook suite: each case of tests/fixtures/workbooks/cases.yaml is a
planner's mistake made on a freshly generated template, with the exact diagnostics.

The template comes from the bundled catalog for 2024; each mutation is applied with
openpyxl, the file saved, and read back by the import as `renstra import` reads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from formula_engine.audit.messages import Msg, tr
from formula_engine.catalog import Catalog, bundled_catalog_path, load_checked
from formula_engine.excel.realisasi import read_realisations, template_bytes, template_rows
from formula_engine.i18n import translator

HERE = Path(__file__).parent / "fixtures" / "workbooks"
CASES: list[dict[str, Any]] = YAML(typ="safe").load((HERE / "cases.yaml").read_text("utf-8"))
ACCEPTED: list[dict[str, Any]] = YAML(typ="safe").load((HERE / "accepted.yaml").read_text("utf-8"))


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_checked(bundled_catalog_path())[0]


@pytest.fixture(scope="module")
def template(catalog: Catalog) -> bytes:
    return template_bytes(template_rows(catalog, 2024, None))


def mutated(template: bytes, mutations: list[dict[str, Any]], folder: Path) -> Path:
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(template))
    sheet = book["Realisasi"]
    for mutation in mutations:
        ((kind, argument),) = mutation.items()
        if kind == "set":
            sheet[argument["cell"]] = argument["value"]
        elif kind == "merge":
            sheet.merge_cells(argument)
        elif kind == "hide_column":
            sheet.column_dimensions[argument].hidden = True
        elif kind == "delete_column":
            sheet.delete_cols(argument)
        elif kind == "hide_row":
            sheet.row_dimensions[argument].hidden = True
        elif kind == "rename_sheet":
            sheet.title = argument
        elif kind == "copy_row":
            for cell in sheet[argument["from"]]:
                sheet.cell(argument["to"], cell.column, cell.value)
        else:
            raise AssertionError(f"unknown mutation {kind}")
    path = folder / "f.xlsx"
    book.save(path)
    return path


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_planner_mistake_is_reported_exactly(
    case: dict[str, Any],
    catalog: Catalog,
    template: bytes,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    mutated(template, case["mutations"], Path())
    found, problems = read_realisations(Path("f.xlsx"), catalog)
    assert [p.render().splitlines()[0] for p in problems] == case["expect"]
    assert found == []  # nothing is imported from a file with a problem
    assert all(p.expected and p.hint for p in problems)  # each says what to do
    # the web page shows them in its language: every text (and every message inside
    # it) is a message of the catalog with an Indonesian text; the English is unchanged
    for problem in problems:
        for text in (problem.message, problem.expected, problem.hint):
            assert tr(text, ENGLISH) == str(text)
            for part in _messages(text):
                assert INDONESIAN(part.template) != part.template, part.template


INDONESIAN, ENGLISH = translator("id"), translator("en")


def _messages(text: object) -> list[Msg]:
    """`text` if it is a message (it must be), with the messages among its parameters."""
    assert isinstance(text, Msg), text
    found = [text]
    for value in [*text.params.values(), *text.parts]:
        if isinstance(value, Msg):
            found += _messages(value)
    return found


def test_the_suite_covers_at_least_fifteen_kinds_of_mistake() -> None:
    codes = {line.split("error[")[1][:4] for case in CASES for line in case["expect"]}
    assert len(CASES) >= 15 and len(codes) >= 14


@pytest.mark.parametrize("case", ACCEPTED, ids=[str(c["typed"]) for c in ACCEPTED])
def test_a_notation_planners_type_is_read_exactly(
    case: dict[str, Any], catalog: Catalog, template: bytes, tmp_path: Path
) -> None:
    path = mutated(
        template, [{"set": {"cell": f"G{case['row']}", "value": case["typed"]}}], tmp_path
    )
    found, problems = read_realisations(path, catalog)
    assert problems == []
    assert [r.value_text for r in found] == [case["value"]]
    assert found[0].where.endswith(f"!G{case['row']}")


def test_an_unchanged_template_imports_nothing_and_no_problem(
    catalog: Catalog, template: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "r.xlsx"
    path.write_bytes(template)
    assert read_realisations(path, catalog) == ([], [])
