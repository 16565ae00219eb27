"""A new, empty catalog (`renstra new DIR --agency NAME --period 2025-2029`).

The plan's years: targets for every year of the period, the baseline the year before.
The file is the smallest `renstra check` accepts: a plan, no tables, no tujuan; the
rest (tujuan, sasaran, programs, indicators) is added by editing or by an import.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..writing import write_atomically

PERIOD = re.compile(r"(\d{4})-(\d{4})", re.ASCII)
MAX_AGENCY_CHARS = 200


def parse_period(text: str) -> tuple[int, int]:
    """'2025-2029' -> (2025, 2029); ValueError with what to write otherwise."""
    match = PERIOD.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a period (hint: write FIRST-LAST, e.g. 2025-2029)")
    first, last = int(match[1]), int(match[2])
    if not 2000 < first <= last <= 2100 or last - first > 10:
        raise ValueError(
            f"{text!r}: the years must run forward within 2001-2100, at most 10 years apart"
        )
    return first, last


def plan_text(agency: str, first: int, last: int) -> str:
    name = json.dumps(f"Rencana Strategis {agency} {first}-{last}", ensure_ascii=False)
    opd = json.dumps(agency, ensure_ascii=False)
    return (
        "# yaml-language-server: $schema=../docs/schema/renstra.schema.json\n"
        f"# A new catalog (renstra new), {first}-{last}: no tables, tujuan or sasaran yet.\n"
        "plan:\n"
        f"  name: {name}\n"
        f"  opd: {opd}\n"
        f"  first_year: {first}\n"
        f"  last_year: {last}\n"
        f"  baseline_year: {first - 1}\n"
        '  seed: ""\n'
        "tables: []\n"
        "tujuan: []\n"
    )


def new_catalog(directory: Path, agency: str, first: int, last: int) -> Path:
    """Write DIR/renstra.yaml; FileExistsError when DIR already holds files."""
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise FileExistsError(str(directory))
    return write_atomically(directory / "renstra.yaml", plan_text(agency, first, last))
