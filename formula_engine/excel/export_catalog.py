"""The tables of a catalog's own values: the plan's table for a catalog that keeps no
transcription of its tables, and the values entered later (updates.yaml).

Input: a catalog. Output: an `ExportTable` (the layout of Tabel 6.x, every value as
printed with its table and line) and the rows of the sheet "Nilai terkini".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import Location
from .export import (
    LAYOUTS,
    PLAN_TABLE,
    WORDS,
    Cell,
    Column,
    ExportError,
    ExportTable,
    drop_empty,
    grouped,
    printed_cell,
)

if TYPE_CHECKING:
    from ..catalog import Catalog


_KINDS = {"baseline": 0, "target": 1, "realisation": 2, "end_of_period": 3}


def _column_of(kind: str, year: int | None, rupiah: bool) -> Column:
    group = {
        "baseline": f"Kondisi Awal {year}",
        "target": f"Target {year}",
        "realisation": f"Realisasi {year}",
        "end_of_period": "Kondisi Kinerja pada Akhir Periode Renstra",
    }[kind]
    leaf = "Rp" if rupiah else "K"
    return Column(f"{group} {leaf}", group, leaf, "rp" if rupiah else "k")


def plan_table(catalog: Catalog, lang: str = "id") -> ExportTable:
    """The plan's rows (tujuan, sasaran, program, kegiatan, sub kegiatan), in the layout
    of Tabel 6.x, from the catalog's printed values (each cited by its table and line):
    K and Rp per year, for a catalog that keeps no transcription of its tables.
    ExportError (E820) for a catalog without any row: nothing to export."""
    from ..catalog.models import Sasaran, Tujuan

    if not any(True for _ in catalog.rows()):
        error = ExportError(
            "nothing to export: the catalog has no transcription of the Renstra's "
            "tables and no tujuan, sasaran or program",
            hint="add the plan's rows and indicators first (renstra add indicator), "
            "or export a catalog with transcription/tabel_*.yaml",
        )
        error.with_source("", Location(str(catalog.root)))
        raise error

    keys: set[tuple[str, int | None, bool]] = set()
    lines: list[tuple[Any, Any, bool]] = []  # (row entry, indicator or None, first)
    for located in catalog.rows():
        entry = located.entry
        indicators = list(entry.indicators) or [None]
        for index, indicator in enumerate(indicators):
            lines.append((entry, indicator, index == 0))
            for value in indicator.values if indicator else ():
                if value.kind in _KINDS:
                    keys.add((value.kind, value.year, False))
        for value in getattr(entry, "budget", ()):
            if value.kind in _KINDS:
                keys.add((value.kind, value.year, True))
    order = sorted(keys, key=lambda k: (_KINDS[k[0]] == 3, k[1] or 0, _KINDS[k[0]], k[2]))
    values = grouped([_column_of(kind, year, rupiah) for kind, year, rupiah in order])
    before, after = LAYOUTS["6.3"]
    sumber = WORDS[lang]["cited"]
    columns = [
        *(Column(h, None, h, "text") for h, _ in before),
        *values,
        *(Column(h, None, h, "text") for h, _ in after),
        Column(sumber, None, sumber, "text"),
    ]
    rows = []
    for entry, indicator, first in lines:
        is_row = isinstance(entry, Sasaran)
        label = ("Tujuan" if isinstance(entry, Tujuan) else "Sasaran") if is_row else ""
        name = f"{label} {entry.number} : {entry.name}" if is_row else entry.name
        formulas = indicator.formulas if indicator else ()
        printed: dict[tuple[str, int | None, bool], Any] = {}
        for value in indicator.values if indicator else ():  # the first of each is shown
            printed.setdefault((value.kind, value.year, False), value)
        for value in getattr(entry, "budget", ()) if first else ():
            printed.setdefault((value.kind, value.year, True), value)
        shown = [printed.get(key) for key in order]
        cited = sorted({(v.table, v.line) for v in shown if v is not None})
        cells = [
            Cell(None if is_row or not first else entry.code),
            Cell(name if first else None),
            Cell(indicator.name if indicator else None),
            Cell(formulas[-1].printed if formulas and formulas[-1].printed else None),
            Cell((indicator.unit_printed or indicator.unit) if indicator else None),
            *(
                printed_cell(v.text, "rp" if key[2] else "k") if v else Cell(None)
                for key, v in zip(order, shown, strict=True)
            ),
            Cell(getattr(entry, "unit_kerja", None) if first else None),
            Cell(getattr(entry, "lokasi", None) if first else None),
            Cell(_citations(cited, lang) or None),
        ]
        rows.append(tuple(cells))
    shown_columns, shown_rows = drop_empty(columns, rows)
    plan = catalog.plan.plan
    title = (
        f"Rencana Program, Kegiatan, dan Sub Kegiatan {plan.opd} {plan.first_year}-{plan.last_year}"
    )
    note = WORDS[lang]["plan_source"].format(plan=plan.name)
    return ExportTable(PLAN_TABLE, title, shown_columns, shown_rows, note, ())


def _citations(cited: list[tuple[str, int]], lang: str) -> str:
    by_table: dict[str, list[int]] = {}
    for table, line in cited:
        by_table.setdefault(table, []).append(line)
    word = WORDS[lang]["line"]
    return "; ".join(
        f"Tabel {table} {word} {min(found)}"
        + (f"-{max(found)}" if max(found) != min(found) else "")
        for table, found in by_table.items()
    )


# --- values entered later -----------------------------------------------------------


def later_rows(catalog: Catalog, lang: str = "id") -> list[tuple[Cell, ...]]:
    """The values of updates.yaml (target revisions, realisations), each with its source
    and whether it is the value in force (the latest of its year, or of its period); the
    printed values are not repeated here."""
    from ..catalog.updates import realisations, targets
    from .realisasi import printed_codes

    if catalog.updates is None:
        return []
    plan = catalog.plan.plan
    codes = printed_codes(catalog)
    found: list[tuple[Cell, ...]] = []
    for located in catalog.indicators():
        indicator = located.entry
        for year in range(plan.first_year, plan.last_year + 1):
            values = (*targets(catalog, indicator, year), *realisations(catalog, indicator, year))
            for index, value in enumerate(values):
                if value.printed:
                    continue
                replaced = any(
                    v.kind == value.kind and v.period == value.period for v in values[index + 1 :]
                )
                kind = WORDS[lang]["revision" if value.kind == "target" else "realisation"]
                found.append(
                    (
                        Cell(codes.get(indicator.id, "")),
                        Cell(indicator.name),
                        Cell(indicator.unit_printed or indicator.unit),
                        Cell(year, "0"),
                        Cell(value.period or WORDS[lang]["year"]),
                        Cell(kind),
                        printed_cell(value.text, "k"),
                        Cell(WORDS[lang]["no" if replaced else "yes"]),
                        Cell(value.source),
                    )
                )
    return found
