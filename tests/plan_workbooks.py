"""Plan workbooks as a planner fills them in, written with openpyxl (tests/test_plan*.py).

`PLAN` is a small, valid plan of another agency (2025-2029); `write_plan(path, plan)`
fills the template of `renstra template plan` with it, so the tests read what a planner
would type into the real template (its header rows, lists and protection included).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

Rows = list[list[Any]]

PLAN: dict[str, Rows] = {
    "Tujuan": [["1", "Meningkatnya kesejahteraan sosial masyarakat"]],
    "Sasaran": [["1.1", "Meningkatnya penanganan PPKS", "1"]],
    "Program": [
        ["Program", "1.06.02", "Program Pemberdayaan Sosial", "1.1"],
        ["Kegiatan", "1.06.02.2.01", "Pemberdayaan Sosial Komunitas Adat Terpencil", "1.06.02"],
        [
            "Sub Kegiatan",
            "1.06.02.2.01.0001",
            "Pemberdayaan Sosial Keluarga Miskin melalui KUBE",
            "1.06.02.2.01",
        ],
    ],
    "Input": [
        ["ppks_tertangani", "Jumlah PPKS yang tertangani", "orang"],
        ["jumlah_ppks", "Jumlah PPKS", "orang"],
    ],
    "Indikator": [
        [
            "1.1",
            "persen_ppks_tertangani",
            "Persentase PPKS yang tertangani",
            "%",
            "ppks_tertangani / jumlah_ppks x 100%",
            "Semakin tinggi semakin baik",
            "Terakhir",
            "Tahun terakhir",
        ],
        [
            "1.06.02.2.01.0001",
            "jumlah_kube",
            "Jumlah KUBE yang dibina",
            "KUBE",
            None,
            "Semakin tinggi semakin baik",
            "Jumlah",
            "Jumlah semua tahun",
        ],
    ],
    "Target": [
        ["persen_ppks_tertangani", 2025, "80"],
        ["persen_ppks_tertangani", 2026, "82,5"],
        ["persen_ppks_tertangani", 2027, 85],
        ["jumlah_kube", 2025, 10],
        ["jumlah_kube", 2026, 12],
    ],
}


def plan_copy() -> dict[str, Rows]:
    return copy.deepcopy(PLAN)


def template(path: Path) -> None:
    from formula_engine.excel.plan import template_bytes
    from formula_engine.units import UNIT_NAMES

    path.write_bytes(template_bytes(list(dict.fromkeys(UNIT_NAMES.values())), 2025, 2029))


def write_plan(
    path: Path, plan: dict[str, Rows], header: dict[str, list[str]] | None = None
) -> Path:
    """The template at `path`, filled in with `plan` from row 2 on (and headers replaced
    where `header` says so)."""
    from openpyxl import load_workbook

    template(path)
    book = load_workbook(path)
    for sheet, rows in plan.items():
        work = book[sheet]
        for column, text in enumerate((header or {}).get(sheet, ()), start=1):
            work.cell(1, column, text)
        for number, values in enumerate(rows, start=2):
            for column, value in enumerate(values, start=1):
                work.cell(number, column, value)
    book.save(path)
    return path
