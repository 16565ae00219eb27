"""Capaian: each indicator's achievement for a year (and optional quarter), as data.

For every indicator of the plan: the target in force (the printed one, or its latest
revision), the realisation in force (the year's value, or the periods' values rolled up
by the indicator's roll-up; catalog/updates.py), the capaian by the indicator's polarity
rule (achievement.py) and the predikat from the achievement bands (Permendagri 86/2017,
bands/capaian_interpretasi.yaml), or why it cannot be computed. A pure function of the
catalog: `capaian_table(catalog, year, quarter)`. The results are pydantic models.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .achievement import achievement
from .bands import DEFAULT_ACHIEVEMENT_BANDS
from .catalog.load import Catalog
from .catalog.models import IndicatorEntry
from .catalog.updates import Value, realisation_in_force, targets
from .numbers import format_indonesian

DECIMALS = 2  # capaian is shown with two decimals (half-up), as the Renstra prints it


class CapaianRow(BaseModel):
    """One indicator's line of the evaluation table."""

    model_config = ConfigDict(frozen=True)

    kode: str  # the row's code, or the tujuan / sasaran number
    indicator: str  # the catalog id (for tools; not shown in the table)
    indikator: str
    satuan: str
    target: str | None  # the text in force, as printed or entered
    target_source: str | None
    realisasi: str | None  # Indonesian notation; rolled up when from periods
    realisasi_source: str | None
    rollup: str | None  # sum / last / max / min when rolled up from periods
    periods: tuple[str, ...] = ()
    status: Literal["ok", "not_computable"]
    capaian: str | None = None  # exact, as "p/q"
    capaian_display: str | None = None  # "105,23"
    predikat: str | None = None
    reason: str | None = None


class CapaianTable(BaseModel):
    year: int
    quarter: int | None
    bands: str
    rows: tuple[CapaianRow, ...]


def capaian_table(catalog: Catalog, year: int, quarter: int | None = None) -> CapaianTable:
    """The capaian of every indicator of the plan for `year` (up to `quarter`)."""
    rows = []
    for row in catalog.rows():
        entry = row.entry
        kode = getattr(entry, "code", None) or f"{catalog.level_of(entry).title()} {entry.number}"
        for indicator in entry.indicators:
            rows.append(indicator_capaian(catalog, indicator, year, quarter, kode))
    return CapaianTable(year=year, quarter=quarter, bands=bands_of(catalog), rows=tuple(rows))


def bands_of(catalog: Catalog) -> str:
    """The band table of the predikat: the plan's `capaian_bands`, else the default."""
    return catalog.plan.plan.capaian_bands or DEFAULT_ACHIEVEMENT_BANDS


def indicator_capaian(
    catalog: Catalog,
    indicator: IndicatorEntry,
    year: int,
    quarter: int | None = None,
    kode: str = "",
) -> CapaianRow:
    """One indicator's capaian of `year` (up to `quarter`), from the values in force."""
    target_values = targets(catalog, indicator, year)
    target = target_values[-1] if target_values else None
    rolled = realisation_in_force(catalog, indicator, year, quarter)
    realised = rolled.value
    sources = "; ".join(dict.fromkeys(part.source for part in rolled.parts)) or None
    base = {
        "kode": kode,
        "indicator": indicator.id,
        "indikator": indicator.name,
        "satuan": indicator.unit_printed or indicator.unit,
        "target": target.text if target else None,
        "target_source": target.source if target else None,
        "realisasi": _shown(realised, rolled.parts[0].text if len(rolled.parts) == 1 else None),
        "realisasi_source": sources,
        "rollup": rolled.rollup if rolled.parts and rolled.rollup else None,
        "periods": tuple(part.period for part in rolled.parts if part.period),
    }
    reason = _missing(indicator, target, rolled.reason, year)
    if reason is not None:
        return CapaianRow(**base, status="not_computable", reason=reason)
    assert indicator.polarity is not None and target is not None
    result = achievement(indicator.polarity, target.value, realised, bands_of(catalog))
    if result.status != "ok" or result.value is None:
        return CapaianRow(**base, status="not_computable", reason=result.reason)
    band = result.band
    return CapaianRow(
        **base,
        status="ok",
        capaian=str(result.value),
        capaian_display=format_indonesian(result.value, DECIMALS),
        predikat=band.label if band else None,
        reason=band.reason if band and band.band is None else None,
    )


# The reasons in Indonesian (the table's default language): pattern -> wording.
REASONS_ID: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), wording)
    for pattern, wording in (
        (r"^no target for (\d+)$", r"tidak ada target tahun \1"),
        (r"^no realisation for (\d+) up to TW(\d)$", r"tidak ada realisasi tahun \1 s.d. TW \2"),
        (r"^no realisation for (\d+)$", r"tidak ada realisasi tahun \1"),
        (r"^the target (.*) is not a figure$", r"target \1 bukan angka"),
        (r"^the realisation (.*) is not a figure$", r"realisasi \1 bukan angka"),
        (
            r"^the (target|realisation) is missing or not a figure$",
            "nilai tidak ada atau bukan angka",
        ),
        (r"^the target is zero$", "target nol"),
        (r"^the realisation is zero$", "realisasi nol"),
        (r"^no achievement rule \(polarity\)$", "tidak ada aturan capaian (polaritas)"),
        (r"^(.*) falls in a gap between the bands$", r"\1 tidak masuk rentang predikat mana pun"),
    )
)


def reason_in(reason: str | None, lang: str) -> str:
    """`reason` in `lang` ("id" or "en")."""
    if reason is None:
        return ""
    if lang == "id":
        for pattern, wording in REASONS_ID:
            if pattern.match(reason):
                return pattern.sub(wording, reason)
    return reason


def display_rows(table: CapaianTable, lang: str = "id") -> list[tuple[str, ...]]:
    """The table's rows as shown (kode, indikator, satuan, target, realisasi, capaian %,
    predikat, keterangan) in `lang`; "-" where there is no value."""
    return [
        (
            r.kode,
            r.indikator,
            r.satuan,
            r.target or "-",
            r.realisasi or "-",
            r.capaian_display or "-",
            r.predikat or "-",
            reason_in(r.reason, lang),
        )
        for r in table.rows
    ]


def _shown(value: Fraction | None, text: str | None) -> str | None:
    if value is None:
        return text
    return text if text is not None else format_indonesian(value, _decimals(value))


def _decimals(value: Fraction) -> int:
    return 0 if value.denominator == 1 else DECIMALS


def _missing(
    indicator: IndicatorEntry, target: Value | None, realised: str | None, year: int
) -> str | None:
    if indicator.polarity is None:
        return "no achievement rule (polarity)"
    if target is None:
        return f"no target for {year}"
    if target.value is None:
        return f"the target {target.text!r} is not a figure"
    return realised
