"""Editing catalog files from the tool: one value changed, everything else kept.

The file is re-read in round-trip mode (comments, quoting, flow style and key order
kept), the one value is changed, the new text is validated against the file's model,
and only then written atomically. Bad input raises a located error and leaves the file
as it was.
"""

from __future__ import annotations

import io
from pathlib import Path

from pydantic import ValidationError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..errors import Location
from ..loader import LoadError
from ..writing import dump_yaml, round_trip_yaml, write_atomically
from .load import Catalog, Located, load_catalog
from .models import Printed
from .printed import read_printed


def set_value_text(root: Path, indicator_id: str, kind: str, year: int | None, text: str) -> Path:
    """Set the printed `text` of an indicator's value of `kind` and `year`; returns the file."""
    catalog, diagnostics = load_catalog(root)
    if catalog is None:
        raise diagnostics[0].error
    located = _find_indicator(catalog, indicator_id)
    reading = read_printed(text)
    if reading.problem:
        raise LoadError(
            f"{text!r}: {reading.problem}",
            code="E520",
            hint="write the figure as the document prints it: 16,24 or 4.489.798.475",
        )
    path = Path(located.source.path)
    data = round_trip_yaml().load(path.read_text(encoding="utf-8"))
    node = data
    for key in located.path:
        node = node[key]
    values = node["values"]
    index = _value_index(values, kind, year, indicator_id)
    values[index]["text"] = DoubleQuotedScalarString(text)
    new_text = dump_yaml(data)
    _validate_text(path, new_text, located)
    write_atomically(path, new_text)
    return path


def _find_indicator(catalog: Catalog, indicator_id: str) -> Located:
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        if located.entry.id == indicator_id:
            return located
    raise LoadError(
        f"no indicator with id {indicator_id!r}",
        code="E540",
        hint="`renstra catalog stats` counts them; ids are in the catalog files",
    )


def _value_index(
    values: list[dict[str, object]], kind: str, year: int | None, indicator_id: str
) -> int:
    for index, value in enumerate(values):
        if value.get("kind") == kind and value.get("year") == year:
            return index
    raise LoadError(
        f"{indicator_id} has no {kind} value for {year}",
        code="E541",
        hint="only values the catalog already cites can be changed",
    )


def _validate_text(path: Path, text: str, located: Located) -> None:
    data = round_trip_yaml().load(io.StringIO(text))
    node = data
    for key in located.path:
        node = node[key]
    try:
        for value in node["values"]:
            Printed.model_validate(dict(value))
    except ValidationError as invalid:
        raise LoadError(
            f"the edit would make {path} invalid: {invalid.errors()[0]['msg']}", code="E542"
        ).with_source("", Location(str(path))) from None
