"""Formulas changed from the tool (the web's editor, `api.set_formula`): the formula
rewritten in the file that holds it, and the change recorded in updates.yaml.

- `set_formula(root, indicator_id, valid_from, text, source)`: only the formula's scalar
  changes in its file (comments, quoting, layout kept, as catalog/edit.py splices), and a
  record is appended under `formulas:` in updates.yaml (`kind: formula`, the indicator,
  the version's `valid_from`, the `old` and `new` text, the source: document or reason,
  date, who). The whole catalog, with both files as they would be, is validated before
  either is written (CatalogRejected otherwise, with every file as it was).
- `formula_diagnostics`: the `formulas:` records checked against the catalog (a known
  indicator, one of its versions, a declared source); updates.update_diagnostics runs it.
- `formula_lines(catalog, indicator)`: the changes, for `renstra explain`.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from ..errors import Diagnostic, Location
from ..i18n import msg
from ..loader import LoadError, YamlFile, parse_yaml, schema_diagnostics
from ..reading import SourceText, read_source
from ..writing import write_together
from .checked import CatalogRejected, load_checked
from .load import Catalog, Located
from .models import (
    DeclaredSource,
    HistoryFile,
    IndicatorEntry,
    PlanFile,
    ProgramFile,
    RecordSource,
    UpdatesFile,
)
from .updates import (
    FILE_NAME,
    HEADER,
    _did_you_mean,
    _resolved,
    _sources,
    describe_source,
    round_trip_yaml,
    undeclared_source,
    unknown_indicator,
)


def formula_diagnostics(
    updates: UpdatesFile,
    source: YamlFile,
    indicators: dict[str, IndicatorEntry],
    declared: dict[str, DeclaredSource],
) -> list[Diagnostic]:
    """The `formulas:` records: a known indicator, one of its formula versions, a
    declared source."""
    found: list[Diagnostic] = []
    for index, record in enumerate(updates.formulas):
        here = Located(record, source, ("formulas", index), record.indicator)
        indicator = indicators.get(record.indicator)
        if indicator is None:
            found.append(unknown_indicator(here, record.indicator, indicators))
            continue
        versions = [v.valid_from for v in indicator.formulas]
        if record.valid_from not in versions:
            found.append(
                here.diagnostic(
                    ("valid_from",),
                    msg(
                        "{indicator} has no formula valid from {year}",
                        indicator=record.indicator,
                        year=record.valid_from,
                    ),
                    "E720",
                    msg(
                        "its formulas are valid from {years}",
                        years=", ".join(map(str, versions)) or "-",
                    ),
                )
            )
        found += undeclared_source(here, record.source, declared)
    return found


def formula_lines(catalog: Catalog, indicator: IndicatorEntry, lang: str = "en") -> list[str]:
    """The changes of the indicator's formulas, oldest first, each with its source; for
    `renstra explain`, in `lang` (the message catalog, i18n.py)."""
    from ..i18n import translator

    _ = translator(lang)
    if catalog.updates is None:
        return []
    updates: UpdatesFile = catalog.updates.entry
    declared = _sources(updates)
    lines = []
    for record in updates.formulas:
        if record.indicator == indicator.id:
            source = _resolved(record, declared)
            cited = describe_source(source, _) if source is not None else str(record.source)
            lines.append(
                _("formula valid from {year} changed: {old} -> {new} ({source})").format(
                    year=record.valid_from, old=record.old, new=record.new, source=cited
                )
            )
    return lines


def set_formula(
    root: Path, indicator_id: str, valid_from: int, text: str, source: RecordSource
) -> tuple[Path, Path]:
    """Rewrite the formula of `indicator_id`'s version valid from `valid_from` in the file
    that holds it (only that scalar changes: comments and layout are kept) and record the
    change (old text, new text, `source`) under `formulas:` in updates.yaml; returns the two
    files written. The whole catalog is validated with both files as they would be (the
    new formula parsed, resolved and unit-checked with every other rule) before anything
    is written; CatalogRejected otherwise, with every file as it was."""
    from .edit import _node_at

    catalog, _ = load_checked(root)
    located = _formula_owner(catalog, indicator_id)
    entry: IndicatorEntry = located.entry
    index = next((i for i, v in enumerate(entry.formulas) if v.valid_from == valid_from), None)
    if index is None:
        versions = ", ".join(str(v.valid_from) for v in entry.formulas) or msg("none")
        unknown = LoadError(
            msg(
                "{indicator} has no formula valid from {year}",
                indicator=indicator_id,
                year=valid_from,
            ),
            code="E720",
            hint=msg("its formulas are valid from: {years}", years=versions),
        )
        unknown.with_source("", Location(str(located.source.path)))
        raise CatalogRejected(root, [Diagnostic("error", unknown)])
    old = entry.formulas[index].formula
    path = Path(located.source.path)
    before = read_source(path)
    node = _node_at(
        YAML(typ="rt").compose(before.text), (*located.path, "formulas", index, "formula")
    )
    start, end = node.start_mark.index, node.end_mark.index
    edited = before.text[:start] + json.dumps(text, ensure_ascii=False) + before.text[end:]
    would_be = SourceText(path, edited, before.bom)
    record = {"kind": "formula", "indicator": indicator_id, "valid_from": valid_from}
    record |= {"old": old, "new": text, "source": source.model_dump(exclude_none=True)}
    updates_path, updates_before, updates_text = _with_record(catalog, root, "formulas", record)
    changed = _replaced(catalog, would_be)
    changed = replace(
        changed, updates=_parsed_updates(catalog, SourceText(updates_path, updates_text))
    )
    from .validate import validate  # the formulas: validate imports this module

    errors = validate(changed, symbolic=False).errors
    if errors:
        raise CatalogRejected(root, errors)
    # Both temporaries written and flushed first, then both renamed: a failure before the
    # renames changes nothing (the residual window is documented in writing.write_together).
    written, kept = write_together(
        [
            (path, before.encode(edited)),
            (updates_path, updates_before.encode(updates_text)),
        ]
    )
    return written, kept


def _formula_owner(catalog: Catalog, indicator_id: str) -> Located:
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        if located.entry.id == indicator_id:
            return located
    unknown = LoadError(
        msg("unknown indicator {name}", name=repr(indicator_id)),
        code="E570",
        hint=_did_you_mean(indicator_id, [x.entry.id for x in catalog.indicators()]),
    )
    unknown.with_source("", Location(str(catalog.root)))
    raise CatalogRejected(catalog.root, [Diagnostic("error", unknown)])


def _with_record(
    catalog: Catalog, root: Path, key: str, record: dict[str, object]
) -> tuple[Path, SourceText, str]:
    """updates.yaml's path, its text now, and its text with `record` appended under `key`."""
    path = catalog.updates.source.path if catalog.updates else root / FILE_NAME
    yaml = round_trip_yaml()
    if catalog.updates is not None:
        before = read_source(path)
        data = yaml.load(before.text)
    else:
        before = SourceText(path, HEADER)
        data = CommentedMap()
    if not isinstance(data.get(key), list):
        data[key] = CommentedSeq()
    entry = CommentedMap(record)
    if isinstance(record.get("source"), dict):
        entry["source"] = CommentedMap(record["source"])
    data[key].append(entry)
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue() if catalog.updates is not None else HEADER + out.getvalue()
    return Path(path), before, text


def _parsed_updates(catalog: Catalog, would_be: SourceText) -> Located:
    try:
        parsed = parse_yaml(would_be)
        return Located(UpdatesFile.model_validate(parsed.data), parsed, (), "updates")
    except LoadError as error:
        raise CatalogRejected(catalog.root, [Diagnostic("error", error)]) from None
    except ValidationError as invalid:
        raise CatalogRejected(
            catalog.root, schema_diagnostics(parsed, invalid, UpdatesFile)
        ) from None


def _replaced(catalog: Catalog, would_be: SourceText) -> Catalog:
    """The catalog with the file `would_be.path` (plan, program or history) as `would_be`."""
    try:
        parsed = parse_yaml(would_be)
        if Path(catalog.plan_source.path) == Path(would_be.path):
            plan = PlanFile.model_validate(parsed.data)
            return replace(catalog, plan=plan, plan_source=parsed)
        if catalog.history is not None and Path(catalog.history.source.path) == Path(would_be.path):
            history = Located(HistoryFile.model_validate(parsed.data), parsed, (), "history")
            return replace(catalog, history=history)
        program = ProgramFile.model_validate(parsed.data).program
    except LoadError as error:
        raise CatalogRejected(catalog.root, [Diagnostic("error", error)]) from None
    except ValidationError as invalid:
        raise CatalogRejected(catalog.root, schema_diagnostics(parsed, invalid)) from None
    programs = [
        Located(program, parsed, x.path, x.owner)
        if Path(x.source.path) == Path(would_be.path)
        else x
        for x in catalog.programs
    ]
    return replace(catalog, programs=programs)
