"""Later values of a catalog: target revisions and realisations, each with its own source.

The catalog's other files keep what the Renstra printed, cited by table and seed line.
Every value that came later stands in `updates.yaml`, one record each (kind, indicator,
year, optional quarter or month, the text as typed, its unit and its source: a document,
a date, who entered it). A record has no table or line (the schema has no such keys), so
no later value can claim a citation of the seed. See docs/planners.md.

- `update_diagnostics(catalog)`: the records checked against the rest of the catalog
  (validate.py runs it with every other rule; `load_checked` refuses a catalog with errors).
- `targets`, `realisations`, `realisation_in_force`: the values of an indicator and year,
  oldest first, the printed ones first; the last one is in force.
- `add_realisations(root, records, source)` and `set_target(...)`: append records to
  updates.yaml; the whole catalog is checked with them before anything is written.
- `history_lines(catalog, indicator, year)`: the lines `renstra explain` shows.
- `formulas:` records (a formula changed from the tool, with its old and new text and
  its source) are written and checked by `catalog/formula_edits.py`.
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import Diagnostic, Location
from ..i18n import N_, either, msg
from ..loader import LoadError, parse_yaml, schema_diagnostics
from ..numbers import format_indonesian
from ..reading import SourceText, read_source
from ..units import unit_names
from ..writing import write_atomically
from .checked import CatalogRejected, load_checked
from .load import Catalog, Located
from .models import (
    DeclaredSource,
    FormulaRecord,
    IndicatorEntry,
    Printed,
    ProgramFile,
    RecordSource,
    Rollup,
    UpdateRecord,
    UpdatesFile,
)
from .printed import read_printed

FILE_NAME = "updates.yaml"
HEADER = (
    "# Values entered after the Renstra was printed, each with its own source\n"
    "# (docs/planners.md). The printed values stay in the other files, untouched.\n"
)
MAX_RECORDS = 100_000  # records in one updates.yaml
Period = str | int | None  # "TW1".."TW4", a month 1-12, or None for the whole year


# Roll-up: how the periods make the year.


def rollup_of(indicator: IndicatorEntry) -> Rollup:
    """The indicator's `rollup`, else: Rupiah and flows (end-of-period rule sum or
    baseline_plus_sum) add up; every other value (shares, indices, stocks) is the last."""
    if indicator.rollup is not None:
        return indicator.rollup
    rule = indicator.end_of_period.rule if indicator.end_of_period else None
    if indicator.unit == "Rp" or rule in ("sum", "baseline_plus_sum"):
        return "sum"
    return "last"


def roll_up(rollup: Rollup, values: Sequence[Fraction]) -> Fraction:
    """The year's (or the quarter's) value of the periods' `values`, in period order."""
    if not values:
        raise ValueError("no period has a value")
    match rollup:
        case "sum":
            return sum(values, Fraction(0))
        case "last":
            return values[-1]
        case "max":
            return max(values)
        case "min":
            return min(values)


def period_label(period: str | None, month: int | None) -> str | None:
    return period if period is not None else (f"M{month:02d}" if month is not None else None)


# The values of an indicator and year, with their sources.


@dataclass(frozen=True)
class Value:
    """One value of an indicator: printed (with its table and line) or entered later."""

    kind: Literal["target", "realisation"]
    year: int
    period: str | None  # "TW3", "M05", or None for the year
    text: str
    value: Fraction | None  # None: not a figure ("-")
    source: str  # "Tabel 6.1, line 3260" or "LKjIP 2024, 2025-02-01, entered by Sari"
    printed: bool
    order: tuple[str, int] = ("", 0)  # (date, position): later is in force

    @property
    def quarter(self) -> int | None:
        if self.period is None:
            return None
        return (
            int(self.period[2]) if self.period.startswith("TW") else (int(self.period[1:]) + 2) // 3
        )


def _printed(value: Printed, kind: Literal["target", "realisation"]) -> Value:
    lines = f"{value.line}-{value.last_line}" if value.last_line else str(value.line)
    reading = read_printed(value.intended or value.text)
    return Value(
        kind,
        value.year or 0,
        None,
        value.text,
        reading.value,
        f"Tabel {value.table}, line {lines}",
        True,
    )


def describe_source(source: RecordSource, _: Callable[[str], str] | None = None) -> str:
    """The source in words (English, or in the language of the translator `_`)."""
    say = _ if _ is not None else str
    parts = [source.document, source.date]
    if source.reference:
        parts.append(source.reference)
    if source.page:
        parts.append(say(N_("page {page}")).format(page=source.page))
    if source.entered_by:
        parts.append(say(N_("entered by {name}")).format(name=source.entered_by))
    return ", ".join(parts)


def _sources(updates: UpdatesFile) -> dict[str, DeclaredSource]:
    return {source.id: source for source in updates.sources}


def _resolved(
    record: UpdateRecord | FormulaRecord, declared: dict[str, DeclaredSource]
) -> RecordSource | None:
    return declared.get(record.source) if isinstance(record.source, str) else record.source


def _entered(catalog: Catalog) -> Iterator[tuple[int, UpdateRecord, RecordSource]]:
    if catalog.updates is None:
        return
    updates: UpdatesFile = catalog.updates.entry
    declared = _sources(updates)
    for index, record in enumerate(updates.records):
        source = _resolved(record, declared)
        if source is not None:
            yield index, record, source


def _entered_values(catalog: Catalog, kind: str, indicator_id: str, year: int) -> list[Value]:
    found = []
    for index, record, source in _entered(catalog):
        if record.kind == kind and record.indicator == indicator_id and record.year == year:
            short: Literal["target", "realisation"] = (
                "target" if kind == "target_revision" else "realisation"
            )
            found.append(
                Value(
                    short,
                    year,
                    period_label(record.period, record.month),
                    record.text,
                    read_printed(record.text).value,
                    describe_source(source),
                    False,
                    (source.date, index),
                )
            )
    return sorted(found, key=lambda value: value.order)


def targets(catalog: Catalog, indicator: IndicatorEntry, year: int) -> list[Value]:
    """The targets of `year`: the printed ones, then the revisions, oldest first; the
    last is in force."""
    printed = [
        _printed(v, "target") for v in indicator.values if v.kind == "target" and v.year == year
    ]
    return printed + _entered_values(catalog, "target_revision", indicator.id, year)


def realisations(catalog: Catalog, indicator: IndicatorEntry, year: int) -> list[Value]:
    """The realisations of `year` (the year's and each period's), printed ones first."""
    printed = [
        _printed(v, "realisation")
        for v in indicator.values
        if v.kind == "realisation" and v.year == year
    ]
    return printed + _entered_values(catalog, "realisation", indicator.id, year)


@dataclass(frozen=True)
class RolledUp:
    """The realisation in force for a year (or up to a quarter), and what it is made of."""

    value: Fraction | None
    rollup: Rollup | None  # None: a value for the whole year, not rolled up
    parts: tuple[Value, ...]  # the values it is made of, in period order
    reason: str | None = None  # why there is none


def realisation_in_force(
    catalog: Catalog, indicator: IndicatorEntry, year: int, quarter: int | None = None
) -> RolledUp:
    """The realisation of `year` (up to `quarter` when given): a value for the whole year
    when there is one (and no quarter is asked), else the periods' values rolled up by
    the indicator's roll-up; the latest value of each period is in force."""
    values = realisations(catalog, indicator, year)
    yearly = [v for v in values if v.period is None]
    if yearly and quarter is None:
        last = yearly[-1]
        reason = (
            None if last.value is not None else f"the realisation {last.text!r} is not a figure"
        )
        return RolledUp(last.value, None, (last,), reason)
    latest: dict[str, Value] = {}
    for value in values:
        if value.period is not None and (quarter is None or (value.quarter or 0) <= quarter):
            latest[value.period] = value  # sorted oldest first: the last one stays
    parts = tuple(latest[key] for key in sorted(latest))
    figures = [part.value for part in parts if part.value is not None]
    rollup = rollup_of(indicator)
    if not figures:
        upto = f" up to TW{quarter}" if quarter else ""
        return RolledUp(None, rollup, parts, f"no realisation for {year}{upto}")
    return RolledUp(roll_up(rollup, figures), rollup, parts)


def find_indicator(catalog: Catalog, indicator_id: str) -> IndicatorEntry | None:
    return next((x.entry for x in catalog.indicators() if x.entry.id == indicator_id), None)


# explain.


def history_lines(
    catalog: Catalog, indicator: IndicatorEntry, year: int, lang: str = "en"
) -> list[str]:
    """The target and realisation values of `year`, each with its source, the value in
    force marked; for `renstra explain`, in `lang` (the message catalog, i18n.py)."""
    from ..i18n import translator

    _ = translator(lang)
    lines = []
    target_values = targets(catalog, indicator, year)
    for index, value in enumerate(target_values):
        state = _state(value, index == len(target_values) - 1, target_values)
        lines.append(
            _("target {year}: {text} ({source}) [{state}]").format(
                year=year, text=value.text, source=_source(value, _), state=_(state)
            )
        )
    if catalog.updates is not None or any(v.kind == "realisation" for v in indicator.values):
        rolled = realisation_in_force(catalog, indicator, year)
        realised = realisations(catalog, indicator, year)
        for value in realised:
            when = f" {value.period}" if value.period else ""
            state = _state(value, value in rolled.parts, realised)
            lines.append(
                _("realisation {year}: {text} ({source}) [{state}]").format(
                    year=f"{year}{when}", text=value.text, source=_source(value, _), state=_(state)
                )
            )
        if rolled.rollup is not None and rolled.value is not None:
            lines.append(
                _("realisation {year} ({rollup} of {count} periods): {value}").format(
                    year=year,
                    rollup=_(ROLLUP_WORDS[rolled.rollup]),
                    count=len(rolled.parts),
                    value=format_indonesian(rolled.value, 2),
                )
            )
    from ..capaian import indicator_capaian, reason_in  # capaian reads this module

    row = indicator_capaian(catalog, indicator, year)
    if row.status == "ok":
        lines.append(
            _("capaian {year} of the values in force: {capaian} % ({predikat})").format(
                year=year, capaian=row.capaian_display, predikat=row.predikat
            )
        )
    else:
        lines.append(
            _("capaian {year} of the values in force: not computable: {reason}").format(
                year=year, reason=reason_in(row.reason, lang)
            )
        )
    return lines


# The roll-up of a year's periods, as explain words it (message ids).
ROLLUP_WORDS = {"sum": N_("the sum"), "last": N_("the last"), "max": N_("the highest"),
                "min": N_("the lowest")}  # fmt: skip
_PRINTED_SOURCE = re.compile(r"^Tabel (?P<table>\S+), line (?P<lines>\S+)$")
_ENTERED_BY = re.compile(r", entered by (?P<name>[^,]+)$")


def _source(value: Value, _: Callable[[str], str]) -> str:
    """The source of a value in the language of `_` (its document, date and names as given)."""
    printed = _PRINTED_SOURCE.match(value.source)
    if printed:
        return _("Tabel {table}, line {lines}").format(**printed.groupdict())
    entered = _ENTERED_BY.search(value.source)
    if entered:
        said = _(", entered by {name}").format(name=entered["name"])
        return value.source[: entered.start()] + said
    return value.source


def _state(value: Value, in_force: bool, values: list[Value]) -> str:
    """How `value` stands among `values` (of one kind, indicator and year): a message id."""
    if in_force:
        return N_("printed, in force") if value.printed else N_("in force")
    same = [v for v in values if v.period == value.period and not v.printed]
    if value.printed:  # the same figure printed in several tables, or revised
        return N_("printed, replaced") if same else N_("printed")
    if any(v.order > value.order for v in same):
        return N_("replaced")
    return N_("a period: for a quarter's capaian")  # the year has a value of its own


# Validation of the records against the catalog.


def update_diagnostics(catalog: Catalog) -> list[Diagnostic]:
    """Every problem of updates.yaml that its schema cannot see, located."""
    if catalog.updates is None:
        return []
    updates: UpdatesFile = catalog.updates.entry
    source = catalog.updates.source
    indicators = {x.entry.id: x.entry for x in catalog.indicators()}
    declared = _sources(updates)
    plan = catalog.plan.plan
    found: list[Diagnostic] = []
    if len(updates.records) > MAX_RECORDS:
        found.append(
            Located(updates, source, (), "updates").diagnostic(
                ("records",),
                msg(
                    "{count} records, more than {limit}",
                    count=len(updates.records),
                    limit=MAX_RECORDS,
                ),
                "E576",
                msg("split the records over several catalogs, one per plan period"),
            )
        )
        return found
    ids = [s.id for s in updates.sources]
    for index, declared_source in enumerate(updates.sources):
        if ids.count(declared_source.id) > 1:
            here = Located(declared_source, source, ("sources", index), declared_source.id)
            found.append(
                here.diagnostic(
                    ("id",),
                    msg("source {name} is declared twice", name=repr(declared_source.id)),
                    "E574",
                )
            )
    period_kinds: dict[tuple[str, int], set[str]] = {}
    for index, record in enumerate(updates.records):
        here = Located(record, source, ("records", index), record.indicator)
        indicator = indicators.get(record.indicator)
        if indicator is None:
            found.append(unknown_indicator(here, record.indicator, indicators))
            continue
        if not plan.first_year <= record.year <= plan.last_year:
            found.append(
                here.diagnostic(
                    ("year",),
                    msg(
                        "{year} is outside the plan period {first}-{last}",
                        year=record.year,
                        first=plan.first_year,
                        last=plan.last_year,
                    ),
                    "E571",
                    msg("a target or realisation belongs to a year of the plan"),
                )
            )
        found += _figure(here, record, indicator)
        found += undeclared_source(here, record.source, declared)
        if record.kind == "realisation" and (record.period or record.month):
            kinds = period_kinds.setdefault((record.indicator, record.year), set())
            kinds.add("quarter" if record.period else "month")
            if len(kinds) > 1:
                found.append(
                    here.diagnostic(
                        ("period" if record.period else "month",),
                        msg(
                            "{indicator} {year}: realisations by quarter and by month",
                            indicator=record.indicator,
                            year=record.year,
                        ),
                        "E575",
                        msg("enter one year's realisations either per quarter or per month"),
                    )
                )
    from .formula_edits import formula_diagnostics  # it reads this module

    found += formula_diagnostics(updates, source, indicators, declared)
    return found


def unknown_indicator(
    here: Located, name: str, indicators: dict[str, IndicatorEntry]
) -> Diagnostic:
    """E570: a record names an indicator the catalog does not have ("did you mean")."""
    hint = _did_you_mean(name, indicators)
    message = msg("unknown indicator {name}", name=repr(name))
    return here.diagnostic(("indicator",), message, "E570", hint)


def undeclared_source(
    here: Located, source: str | RecordSource, declared: dict[str, DeclaredSource]
) -> list[Diagnostic]:
    """E574 when a record names (by id) a source that `sources:` does not declare."""
    if not isinstance(source, str) or source in declared:
        return []
    hint = _did_you_mean(source, declared) or msg("declare it under sources:")
    message = msg("unknown source {name}", name=repr(source))
    return [here.diagnostic(("source",), message, "E574", hint)]


def _figure(here: Located, record: UpdateRecord, indicator: IndicatorEntry) -> list[Diagnostic]:
    reading = read_printed(record.text)
    if reading.problem or reading.value is None:
        problem = reading.problem or msg("not a figure")
        return [
            here.diagnostic(
                ("text",),
                msg("{text}: {problem}", text=repr(record.text), problem=problem),
                "E572",
                msg("write the value in Indonesian notation: 12,5 or 1.234.567"),
            )
        ]
    names = unit_names()  # the bundled units and the catalog's declared ones
    unit = names.get(record.unit.lower())
    expected = names.get(indicator.unit.lower(), indicator.unit)
    if unit is None:
        return [
            here.diagnostic(
                ("unit",),
                msg("unknown unit {unit}", unit=repr(record.unit)),
                "E573",
                _did_you_mean(record.unit.lower(), names)
                or msg("the indicator's unit is {unit}", unit=repr(expected)),
            )
        ]
    if unit != expected:
        return [
            here.diagnostic(
                ("unit",),
                msg(
                    "unit {unit}, but {indicator} is in {expected}",
                    unit=repr(record.unit),
                    indicator=indicator.id,
                    expected=repr(expected),
                ),
                "E573",
                msg("enter the value in {unit}", unit=repr(expected)),
            )
        ]
    if indicator.unit == "Rp" and reading.value is not None and reading.value.denominator != 1:
        return [
            here.diagnostic(
                ("text",),
                msg("a Rupiah amount must be whole: {text}", text=repr(record.text)),
                "E572",
            )
        ]
    return []


def _did_you_mean(name: str, known: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    return msg("did you mean {names}?", names=either(repr(c) for c in close)) if close else None


# Entering records.


def add_realisations(
    root: Path,
    records: Sequence[tuple[str, int, Period, str]],
    source: RecordSource,
    references: Sequence[str | None] = (),
) -> Path:
    """Append realisations to `root`/updates.yaml; returns the file written.

    `records` are (indicator_id, year, period, value_text): period None for the whole
    year, "TW1".."TW4" for a quarter, or a month 1-12; value_text as the planner typed it,
    in Indonesian notation ("12,5", "1.234.567"), in the indicator's unit. `source` is
    the one source of them all; `references[i]`, when given, is the reference of
    record i's source (the `sumber` a planner typed on its row). The catalog is checked
    as a whole with the new records (CatalogRejected, with located diagnostics, when it
    does not check); nothing is written unless all of it holds, and comments and layout
    of the file are kept.
    """
    new = [_realisation(*record) for record in records]
    for record, reference in zip(new, references, strict=False):
        if reference:
            record["reference"] = reference
    return _append(root, new, source)


def set_target(root: Path, indicator_id: str, year: int, text: str, source: RecordSource) -> Path:
    """Record a revision of `indicator_id`'s target of `year` (as add_realisations)."""
    return _append(
        root,
        [{"kind": "target_revision", "indicator": indicator_id, "year": year, "text": text}],
        source,
    )


def _realisation(indicator_id: str, year: int, period: Period, text: str) -> dict[str, object]:
    record: dict[str, object] = {"kind": "realisation", "indicator": indicator_id, "year": year}
    if isinstance(period, str):
        record["period"] = period
    elif isinstance(period, int):
        record["month"] = period
    record["text"] = text
    return record


def _append(root: Path, new: list[dict[str, object]], source: RecordSource) -> Path:
    catalog, _ = load_checked(root)
    path = catalog.updates.source.path if catalog.updates else root / FILE_NAME
    yaml = round_trip_yaml()
    if catalog.updates is not None:
        before = read_source(path)
        data = yaml.load(before.text)
    else:
        before = SourceText(path, HEADER)
        data = CommentedMap()
    if not isinstance(data.get("records"), list):
        data["records"] = CommentedSeq()
    indicators = {x.entry.id: x.entry for x in catalog.indicators()}
    inline = source.model_dump(exclude_none=True)
    for record in new:
        indicator = indicators.get(str(record["indicator"]))
        record["unit"] = indicator.unit if indicator else "?"
        reference = record.pop("reference", None)
        entry = CommentedMap(record)
        entry["source"] = CommentedMap({**inline, "reference": reference} if reference else inline)
        data["records"].append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue() if catalog.updates is not None else HEADER + out.getvalue()
    _check_would_be(catalog, SourceText(path, text, before.bom))
    return write_atomically(path, before.encode(text))


def _check_would_be(catalog: Catalog, would_be: SourceText) -> None:
    """The catalog with updates.yaml as `would_be` checks, or CatalogRejected."""
    try:
        parsed = parse_yaml(would_be)
        model = UpdatesFile.model_validate(parsed.data)
    except LoadError as error:
        raise CatalogRejected(catalog.root, [Diagnostic("error", error)]) from None
    except ValidationError as invalid:
        raise CatalogRejected(
            catalog.root, schema_diagnostics(parsed, invalid, UpdatesFile)
        ) from None
    changed = replace(catalog, updates=Located(model, parsed, (), "updates"))
    errors = [d for d in update_diagnostics(changed) if d.severity == "error"]
    if errors:
        raise CatalogRejected(catalog.root, errors)


# A new indicator.


def round_trip_yaml() -> YAML:
    """ruamel.yaml as the catalog's files are written: a load and dump change no byte."""
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096
    yaml.preserve_quotes = True
    return yaml


def add_indicator(root: Path, code: str, entry: dict[str, object]) -> Path:
    """Add an indicator (`entry`: the keys of an IndicatorEntry) to the program, kegiatan
    or sub kegiatan `code`; returns the file written. The whole catalog is validated with
    it (its formula parsed, resolved and unit-checked) before anything is written;
    CatalogRejected otherwise, with every file as it was."""
    from .validate import validate  # the formulas: validate imports this module

    catalog, _ = load_checked(root)
    row = next((r for r in catalog.rows() if getattr(r.entry, "code", None) == code), None)
    if row is None:
        codes = [c for r in catalog.rows() if (c := getattr(r.entry, "code", None))]
        unknown = LoadError(
            msg("no program, kegiatan or sub kegiatan {code}", code=repr(code)),
            code="E577",
            hint=_did_you_mean(code, codes) or msg("`renstra catalog stats` counts them"),
        )
        unknown.with_source("", Location(str(root)))
        raise CatalogRejected(root, [Diagnostic("error", unknown)])
    path = Path(row.source.path)
    before = read_source(path)
    yaml = round_trip_yaml()
    data = yaml.load(before.text)
    node = data
    for key in row.path:
        node = node[key]
    if "indicators" not in node:
        node["indicators"] = CommentedSeq()
    node["indicators"].append(CommentedMap(entry))
    out = io.StringIO()
    yaml.dump(data, out)
    would_be = SourceText(path, out.getvalue(), before.bom)
    try:
        parsed = parse_yaml(would_be)
        program = ProgramFile.model_validate(parsed.data).program
    except LoadError as error:
        raise CatalogRejected(root, [Diagnostic("error", error)]) from None
    except ValidationError as invalid:
        raise CatalogRejected(root, schema_diagnostics(parsed, invalid, ProgramFile)) from None
    programs = [
        Located(program, parsed, x.path, x.owner) if x.source.path == path else x
        for x in catalog.programs
    ]
    errors = validate(replace(catalog, programs=programs), symbolic=False).errors
    if errors:
        raise CatalogRejected(root, errors)
    return write_atomically(path, before.encode(would_be.text))
