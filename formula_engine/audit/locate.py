"""Where the auditor holding the document finds a figure: the table as the document titles
it, the row (its code as that table prints it, and its name), the column (year, K or Rp,
and which column: target, realisasi, anggaran...), then the seed line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..catalog.load import Catalog
from ..catalog.models import Printed
from .figures import Cell, Figure, Place

# The columns' names, as the tables head them. BAB II's budget table (2.3.2-anggaran)
# heads its targets "anggaran".
KIND_WORDS = {
    "baseline": "kondisi awal",
    "target": "target",
    "realisation": "realisasi",
    "achievement": "rasio capaian",
    "end_of_period": "kondisi akhir periode",
    "growth_budget": "rata-rata pertumbuhan anggaran",
    "growth_realisation": "rata-rata pertumbuhan realisasi",
    "nspk": "target NSPK",
    "ikk": "target IKK",
    "other_target": "target indikator lainnya",
}

Where = tuple[str, str]  # the row as printed, K or Rp


def printed_code(entry: Any, table: str) -> str:
    """The row's code as `table` prints it (`codes_printed`), else the catalog's code."""
    for printed in getattr(entry, "codes_printed", ()):
        if printed.table == table:
            return str(printed.text)
    return str(entry.code)


def _index(catalog: Catalog) -> dict[Cell, Where]:
    index: dict[Cell, Where] = {}

    def add(values: Iterable[Printed], row: Any, unit: str) -> None:
        for value in values:
            index.setdefault((value.table, value.line, value.kind, value.year), (row(value), unit))

    for located in catalog.rows():
        entry = located.entry
        coded = hasattr(entry, "code")
        if coded:
            add(entry.budget, lambda v, e=entry: f"{printed_code(e, v.table)} {e.name}", "Rp")
        for indicator in entry.indicators:
            add(indicator.values, lambda v, i=indicator: i.name, "K")
    for located in catalog.history_indicators():
        add(located.entry.values, lambda v, i=located.entry: i.name, "K")
    if catalog.history is not None:
        for line in catalog.history.entry.budget:
            add(line.values, lambda v, b=line: b.name, "Rp")
        for given in catalog.history.entry.inputs:
            add(given.values, lambda v, i=given: i.label, "K")
    for given in catalog.all_inputs():
        add(given.values, lambda v, i=given: i.label, "K")
    return index


def _column(cell: Cell, unit: str) -> str:
    table, _, kind, year = cell
    word = "anggaran" if (table, kind) == ("2.3.2-anggaran", "target") else KIND_WORDS[kind]
    if kind not in ("baseline", "target", "realisation", "end_of_period"):
        unit = "%" if unit == "Rp" else unit  # a ratio or a growth rate of Rupiah
    return ", ".join(str(part) for part in (year, unit, word) if part is not None)


def _located(
    place: Place | None, cell: Cell | None, index: dict[Cell, Where], titles: dict[str, str]
) -> Place | None:
    if place is None:
        return None
    title = titles.get(place.table)
    row = column = None
    if cell is not None and cell in index:
        row, unit = index[cell]
        column = _column(cell, unit)
    return replace(
        place,
        title=place.title or title,
        row=place.row or row,
        column=place.column or column,
    )


def locate(catalog: Catalog, figures: Iterable[Figure]) -> None:
    """Fill the title, row and column of every figure's place and of its terms'."""
    index = _index(catalog)
    titles: dict[str, str] = {table.id: table.title for table in catalog.plan.tables}
    for figure in figures:
        located = _located(figure.place, figure.cell, index, titles)
        assert located is not None
        figure.place = located
        figure.terms = [
            replace(t, place=_located(t.place, t.cell, index, titles)) for t in figure.terms
        ]
