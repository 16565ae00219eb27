"""The catalog's entry kinds, as pydantic models (exported as JSON Schema to docs/).

The catalog states what the Renstra prints. Every printed figure is a `Printed` value:
the text exactly as printed ("16,24", "A (84,35)", "4.489.798.475", "-"), where it stands
(table and seed line), and, when the print is a mistake, a note with the reading believed
intended. Nothing is corrected silently: the audit recomputes and reports.

Codes and ids are strings; a code that YAML would read as a number (1.06) is rejected,
because `StrictStr` accepts only text.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictStr,
    StringConstraints,
    field_validator,
    model_validator,
)

from ..bands import BandTable
from ..declarations import Input
from ..names import SNAKE_CASE

Identifier = Annotated[
    StrictStr, StringConstraints(pattern=f"^{SNAKE_CASE.pattern}$", max_length=80)
]
Code = Annotated[StrictStr, StringConstraints(pattern=r"^\d+(\.\d+)*$", max_length=40)]
TableId = Literal[
    "2.3.1",
    "2.3.2",
    "2.3.2-anggaran",
    "4.1",
    "4.2",
    "6.1",
    "6.2",
    "6.3",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
]
Year = Annotated[int, Field(ge=2000, le=2100)]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Source(Entry):
    """Where a printed text stands: a table of the seed and its seed line(s)."""

    table: TableId
    line: Annotated[int, Field(ge=1)]
    last_line: Annotated[int, Field(ge=1)] | None = None


ValueKind = Literal[
    "baseline",  # kondisi awal / data awal
    "target",  # target kinerja (K) or pagu indikatif (Rp)
    "realisation",  # realisasi
    "achievement",  # rasio capaian, printed (derived: recomputed by the audit)
    "end_of_period",  # kondisi kinerja pada akhir periode Renstra (derived)
    "growth_budget",  # rata-rata pertumbuhan anggaran (derived, BAB II)
    "growth_realisation",  # rata-rata pertumbuhan realisasi (derived, BAB II)
    "nspk",  # target NSPK (Tabel 2.3.1)
    "ikk",  # target IKK (Tabel 2.3.1)
    "other_target",  # target indikator lainnya (Tabel 2.3.1)
]


def _iso_date(value: Any) -> Any:
    """YAML reads 2024-05-01 as a date: keep it as its ISO text."""
    return value.isoformat() if isinstance(value, datetime.date) else value


IsoDate = Annotated[
    StrictStr,
    BeforeValidator(_iso_date),
    StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$"),
]


class WorkbookSource(Entry):
    """Where an entry imported from a planner's workbook (`renstra import plan`) was
    typed: the workbook's file name, its sheet and cell, the document the planner named
    (`--source`), the date of the import and who made it. It is not a citation of the
    seed: there is no table or line, so no imported row claims to have been printed."""

    workbook: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
    sheet: Annotated[StrictStr, StringConstraints(min_length=1, max_length=31)]
    cell: Annotated[StrictStr, StringConstraints(pattern=r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")]
    document: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
    date: IsoDate
    entered_by: Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)] | None = None


RowSource = Source | WorkbookSource  # a row of the seed, or a row typed into a plan workbook


class Printed(Source):
    """A figure as printed, with its place. `text` is verbatim ("16,24", "A (84,35)")."""

    kind: ValueKind
    year: Year | None = None  # None for end-of-period and other yearless figures
    text: StrictStr
    note: str | None = None  # what is odd about it
    intended: StrictStr | None = None  # the reading believed intended, as text


class PrintedText(Source):
    """A text as printed (a definition, a name in another table), verbatim."""

    text: StrictStr


class FormulaVersion(Entry):
    """A formula, valid for a span of years: the printed wording and ours."""

    valid_from: Year
    valid_to: Year
    printed: StrictStr  # verbatim, for the auditor ("" when the table prints none)
    formula: StrictStr  # in the formula language
    source: Source | None = None
    note: str | None = None
    # Diagnostics that are the document's own mistakes (e.g. E313: the printed formula
    # does not give the printed Satuan): `renstra check` lists them as accepted, not as
    # errors, and the audit reports them as findings. Each needs a `note` saying why.
    accepts: tuple[str, ...] = ()


Polarity = Literal[
    "higher_is_better",  # capaian = R / T x 100%
    "lower_is_better_difference",  # capaian = (2T - R) / T x 100%
    "lower_is_better_ratio",  # capaian = T / R x 100%
]


class EndOfPeriod(Entry):
    """How the end-of-period figure (Kondisi Kinerja pada Akhir Periode) is made."""

    rule: Literal[
        "last_year",  # the value of the last year (shares, indices, grades, stocks)
        "sum",  # the sum over `years` (flows: documents, participants, Rupiah)
        "compounded_rate",  # yearly decreases combined: 1 - prod(1 - r/100)
        "compounded_increase",  # yearly increases combined: prod(1 + r/100) - 1
        "baseline_plus_sum",  # the baseline plus the sum over `years`
        "not_printed",  # the tables print no end-of-period figure for it
    ]
    years: tuple[Year, ...] = ()
    note: str | None = None


Tag = Literal["IKU", "IKK", "SPM", "RPJMD", "IKD"]
# How the periods' realisations (quarters, months) make the year's: docs/planners.md.
Rollup = Literal["sum", "last", "max", "min"]


class IndicatorEntry(Entry):
    """A performance indicator: one entry however many tables print it."""

    id: Identifier
    name: StrictStr
    names_printed: tuple[PrintedText, ...] = ()  # other wordings in other tables
    unit: StrictStr  # a unit of the registry (formula_engine.units)
    unit_printed: StrictStr = ""  # the Satuan as printed ("Org", "-", "%")
    polarity: Polarity | None = None
    end_of_period: EndOfPeriod | None = None
    formulas: tuple[FormulaVersion, ...] = ()
    definitions: tuple[PrintedText, ...] = ()
    tags: tuple[Tag, ...] = ()
    # The band table whose grade the printed figures carry ("A (84,35)", "Baik 82,7"):
    # the audit checks each printed grade against its score.
    grade_table: Literal["sakip_permenpanrb_88_2021", "ikm_permenpanrb_14_2017"] | None = None
    values: tuple[Printed, ...] = ()
    notes: tuple[str, ...] = ()
    # None: by the indicator's end-of-period rule and unit (catalog/updates.py, rollup_of).
    rollup: Rollup | None = None


class SubKegiatan(Entry):
    code: Code  # the current (2023 nomenclature, four-digit) code
    name: StrictStr
    codes_printed: tuple[PrintedText, ...] = ()  # codes as each table prints them
    source: RowSource
    indicators: tuple[IndicatorEntry, ...] = ()
    budget: tuple[Printed, ...] = ()  # Rupiah: belongs to the row, not an indicator
    unit_kerja: StrictStr | None = None
    lokasi: StrictStr | None = None
    notes: tuple[str, ...] = ()


class Kegiatan(SubKegiatan):
    sub_kegiatan: tuple[SubKegiatan, ...] = ()


class Program(SubKegiatan):
    sasaran: tuple[Identifier, ...] = ()  # the sasaran the program serves
    kegiatan: tuple[Kegiatan, ...] = ()


class Sasaran(Entry):
    id: Identifier
    number: StrictStr
    name: StrictStr
    valid_from: Year
    valid_to: Year
    source: RowSource
    indicators: tuple[IndicatorEntry, ...] = ()
    notes: tuple[str, ...] = ()


class Tujuan(Sasaran):
    sasaran: tuple[Sasaran, ...] = ()


class Table(Entry):
    id: TableId
    title: StrictStr
    first_line: int
    last_line: int


class PlanEntry(Entry):
    name: StrictStr
    opd: StrictStr
    first_year: Year  # first year with targets
    last_year: Year
    baseline_year: Year
    seed: StrictStr  # the file the lines refer to
    # The band table of the capaian's predikat (formula_engine/bands/; None: the default,
    # capaian_interpretasi, Permendagri 86/2017 without its gaps).
    # A bundled table or one declared under `bands:` (validate.py checks the name, E594).
    capaian_bands: Identifier | None = None


UnitName = Annotated[StrictStr, StringConstraints(pattern=r"^[^/]{1,40}$")]


class DeclaredUnit(Entry):
    """A unit the catalog declares beside the bundled registry (formula_engine/units.py).

    `dimension`: None for a unit of its own (a new base unit: a count of sekolah is not a
    count of orang); or the name of a unit (bundled or declared) this one is another name
    of, so `siswa` with dimension `orang` adds and compares with orang."""

    name: UnitName
    dimension: UnitName | None = None
    aliases: tuple[UnitName, ...] = ()
    description: Annotated[StrictStr, StringConstraints(max_length=200)] | None = None


class PlanFile(Entry):
    """catalog/renstra.yaml: the plan, its tables, its tujuan and sasaran; the units and
    band tables the catalog declares beside the bundled ones."""

    plan: PlanEntry
    tables: tuple[Table, ...]
    tujuan: tuple[Tujuan, ...]
    units: tuple[DeclaredUnit, ...] = ()
    bands: tuple[BandTable, ...] = ()  # formula_engine/bands/*.yaml's format


class InputsFile(Entry):
    """catalog/inputs.yaml: every data element a formula reads, with its values."""

    inputs: tuple[CatalogInput, ...]


class CatalogInput(Input):
    """A declared input (formula_engine.declarations.Input) with printed values."""

    values: tuple[Printed, ...] = ()
    notes: tuple[str, ...] = ()


class ProgramFile(Entry):
    """catalog/programs/<code>.yaml: one program with its kegiatan and sub kegiatan."""

    program: Program


class BudgetLine(Entry):
    """A row of the BAB II budget table (Tabel 2.3.2, anggaran by expenditure class)."""

    id: Identifier
    name: StrictStr
    parts: tuple[Identifier, ...] = ()  # the lines this one is the sum of
    source: Source
    values: tuple[Printed, ...] = ()
    notes: tuple[str, ...] = ()


class HistoryFile(Entry):
    """catalog/history.yaml: BAB II, the previous period 2017-2021 (Tabel 2.3.1, 2.3.2)."""

    first_year: Year
    last_year: Year
    inputs: tuple[CatalogInput, ...] = ()  # numerators and denominators of Tabel 2.3.2
    indicators: tuple[IndicatorEntry, ...] = ()
    budget: tuple[BudgetLine, ...] = ()


InputsFile.model_rebuild()


# Later values (catalog/updates.yaml): each with its own source, never a seed citation.


Text = Annotated[StrictStr, StringConstraints(min_length=1, max_length=200)]
UpdateKind = Literal["target_revision", "realisation"]
Quarter = Literal["TW1", "TW2", "TW3", "TW4"]


class RecordSource(Entry):
    """Where a later value comes from: a document ("Perubahan Renstra 2025", "Renja 2025",
    "LKjIP 2024", "BPS ...", "entry" for a value typed in), its date, who entered it.
    There is no `table` or `line`: those are the seed's, and no later value has them."""

    document: Text
    date: IsoDate
    entered_by: Text | None = None
    reference: Text | None = None
    page: Text | None = None

    @field_validator("date")
    @classmethod
    def _real_date(cls, value: str) -> str:
        datetime.date.fromisoformat(value)  # 2024-02-30 is refused
        return value


class DeclaredSource(RecordSource):
    """A source declared once in `sources:` and named by its id in records."""

    id: Identifier


class UpdateRecord(Entry):
    """A target revision or a realisation of one indicator, year and optional period."""

    kind: UpdateKind
    indicator: Identifier
    year: Year
    period: Quarter | None = None  # triwulan I-IV
    month: Annotated[int, Field(ge=1, le=12)] | None = None
    text: Annotated[StrictStr, StringConstraints(min_length=1, max_length=40)]  # as typed
    unit: Annotated[StrictStr, StringConstraints(min_length=1, max_length=40)]
    source: RecordSource | Identifier  # inline, or the id of a declared source
    note: Text | None = None

    @model_validator(mode="after")
    def _one_period(self) -> UpdateRecord:
        if self.period is not None and self.month is not None:
            raise ValueError("give a period (TW1-TW4) or a month, not both")
        if self.kind == "target_revision" and (self.period or self.month):
            raise ValueError("a target is for the year: a target_revision has no period")
        return self


FormulaText = Annotated[StrictStr, StringConstraints(min_length=1, max_length=2000)]


class FormulaRecord(Entry):
    """A change of an indicator's formula (of the version valid from `valid_from`): the
    program file holds the new text; this record keeps the old one, the new one and the
    source of the change (who, when, which document or reason), for `renstra explain`."""

    kind: Literal["formula"]
    indicator: Identifier
    valid_from: Year
    old: FormulaText
    new: FormulaText
    source: RecordSource | Identifier
    note: Text | None = None


class UpdatesFile(Entry):
    """catalog/updates.yaml: values entered after the Renstra was printed, with sources;
    `formulas`: the changes of formulas made from the tool, oldest first."""

    sources: tuple[DeclaredSource, ...] = ()
    records: tuple[UpdateRecord, ...] = ()
    formulas: tuple[FormulaRecord, ...] = ()
