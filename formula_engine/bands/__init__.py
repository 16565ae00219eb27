"""Band tables: achievement bands, SAKIP grades, IKM categories, as versioned data.

Each table (a YAML file in this folder) cites its source regulation and declares its
boundary semantics: every band's bounds and whether each is open or closed, the domain
the table claims to cover, and the rounding applied before classifying. `lint` reports
gaps, overlaps and uncovered parts of the domain at the table's resolution (a table that
rounds to 2 decimals has no gap between 88,30 and 88,31). `classify` rounds, then finds
the band, or says why there is none.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema
from ruamel.yaml import YAML

from ..numbers import format_indonesian, round_half_up


def _exact(value: Any) -> Any:
    # YAML gives 88.31 as a float: read its decimal text, never its binary value.
    return Fraction(str(value)) if isinstance(value, float | int) else value


Bound = Annotated[
    Fraction | None,
    BeforeValidator(_exact),
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "null"}]}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Band(_Model):
    label: str
    grade: str | None = None
    lower: Bound = None  # None: unbounded below
    upper: Bound = None  # None: unbounded above
    lower_closed: bool = True
    upper_closed: bool = True

    def contains(self, value: Fraction) -> bool:
        above = (
            self.lower is None or value > self.lower or (self.lower_closed and value == self.lower)
        )
        below = (
            self.upper is None or value < self.upper or (self.upper_closed and value == self.upper)
        )
        return above and below


class Domain(_Model):
    lower: Bound = None
    upper: Bound = None


class Rounding(_Model):
    decimals: int = 2
    rule: str = "half_up"


class BandTable(_Model):
    id: str
    title: str
    source: str
    version: int
    unit: str
    domain: Domain
    rounding: Rounding
    bands: tuple[Band, ...]

    @property
    def resolution(self) -> Fraction:
        return Fraction(1, 10**self.rounding.decimals)


@dataclass(frozen=True)
class Classification:
    value: Fraction  # after rounding
    band: Band | None
    reason: str | None = None  # why there is no band

    @property
    def label(self) -> str | None:
        return self.band.label if self.band else None


TABLE_IDS = (
    "capaian_permendagri_86_2017",
    "capaian_interpretasi",
    "sakip_permenpanrb_88_2021",
    "ikm_permenpanrb_14_2017",
)
DEFAULT_ACHIEVEMENT_BANDS = "capaian_interpretasi"


# The band tables a catalog declares (renstra.yaml `bands:`), by id; set by the catalog
# loader for the catalog it loads (catalog/load.py). A bundled id is never replaced.
_DECLARED: ContextVar[Mapping[str, BandTable]] = ContextVar(
    "declared_bands", default=MappingProxyType({})
)


def declare_tables(tables: Iterable[BandTable] | Mapping[str, BandTable]) -> None:
    """Make `tables` the declared band tables (the bundled ones keep their ids); a
    mapping by id (what `declared_tables` gives) is taken as it is."""
    if isinstance(tables, Mapping):
        _DECLARED.set(tables)
        return
    _DECLARED.set(MappingProxyType({t.id: t for t in tables if t.id not in TABLE_IDS}))


def declared_tables() -> Mapping[str, BandTable]:
    """The declared band tables in use, by id."""
    return _DECLARED.get()


def table_ids() -> tuple[str, ...]:
    """The bundled tables' ids, then the declared ones'."""
    return (*TABLE_IDS, *_DECLARED.get())


def band_table(table_id: str) -> BandTable:
    """The bundled table `table_id`, or the declared one of the catalog in use."""
    declared = _DECLARED.get().get(table_id)
    return declared if declared is not None else _bundled(table_id)


@cache
def _bundled(table_id: str) -> BandTable:
    if table_id not in TABLE_IDS:
        raise KeyError(f"unknown band table {table_id!r}; the tables are {', '.join(table_ids())}")
    text = (resources.files(__name__) / f"{table_id}.yaml").read_text(encoding="utf-8")
    return BandTable.model_validate(YAML(typ="safe").load(text))


def classify(table: BandTable, value: Fraction) -> Classification:
    rounded = round_half_up(value, table.rounding.decimals)
    outside = _outside_domain(table, rounded)
    if outside:
        return Classification(rounded, None, outside)
    matches = [band for band in table.bands if band.contains(rounded)]
    if not matches:
        shown = format_indonesian(rounded, table.rounding.decimals)
        return Classification(rounded, None, f"{shown} falls in a gap between the bands")
    return Classification(rounded, matches[0])


def _outside_domain(table: BandTable, value: Fraction) -> str | None:
    low, high = table.domain.lower, table.domain.upper
    if (low is not None and value < low) or (high is not None and value > high):
        return f"{format_indonesian(value, table.rounding.decimals)} is outside the table's domain"
    return None


# The linter.


@dataclass(frozen=True)
class LintFinding:
    kind: str  # "gap", "overlap", "uncovered"
    message: str


def lint(table: BandTable) -> list[LintFinding]:
    bands = sorted(table.bands, key=lambda b: (b.lower is not None, b.lower or 0))
    findings = []
    for below, above in itertools.pairwise(bands):
        findings += _between(table, below, above)
    findings += _coverage(table, bands)
    return findings


def _between(table: BandTable, below: Band, above: Band) -> list[LintFinding]:
    upper, lower = below.upper, above.lower
    if upper is None or lower is None:
        return [LintFinding("overlap", f"{below.label} and {above.label} overlap (unbounded)")]
    if upper > lower or (upper == lower and below.upper_closed and above.lower_closed):
        return [
            LintFinding(
                "overlap",
                f"{below.label} and {above.label} overlap at {_show(lower)}..{_show(upper)}",
            )
        ]
    if _touch(table, upper, below.upper_closed, lower, above.lower_closed):
        return []
    return [
        LintFinding(
            "gap",
            f"no band between {below.label} (up to {_show(upper)}) and "
            f"{above.label} (from {_show(lower)})",
        )
    ]


def _touch(
    table: BandTable, upper: Fraction, upper_closed: bool, lower: Fraction, lower_closed: bool
) -> bool:
    """No value at the table's resolution lies strictly between the two bands."""
    if upper == lower:
        return upper_closed or lower_closed
    step = table.resolution
    first_free = upper + step if upper_closed else upper
    last_free = lower - step if lower_closed else lower
    return _first_multiple_at_or_above(first_free, step) > last_free


def _first_multiple_at_or_above(value: Fraction, step: Fraction) -> Fraction:
    count = -((-value) // step)  # ceiling division
    return count * step


def _coverage(table: BandTable, bands: list[Band]) -> list[LintFinding]:
    findings = []
    lowest, highest = bands[0], max(bands, key=lambda b: (b.upper is None, b.upper or 0))
    if lowest.lower is not None and (
        table.domain.lower is None or lowest.lower > table.domain.lower
    ):
        findings.append(LintFinding("uncovered", f"nothing is defined below {_show(lowest.lower)}"))
    if highest.upper is not None and (
        table.domain.upper is None or highest.upper < table.domain.upper
    ):
        findings.append(
            LintFinding("uncovered", f"nothing is defined above {_show(highest.upper)}")
        )
    return findings


def _show(value: Fraction) -> str:
    return format_indonesian(value, 2).removesuffix(",00")
