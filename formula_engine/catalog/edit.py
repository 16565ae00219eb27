"""Editing catalog files from the tool: the value edited changes, and nothing else.

The edit is a splice: the file is composed with positions (ruamel.yaml), the one scalar
is replaced in the file's text by the new value, the new text is validated against the
file's model, and only then written atomically (through a symbolic link to the file it
points to). Line endings, the byte order mark, the trailing newline (or its absence),
comments, quoting and layout are kept byte for byte. Bad input raises a located error
and leaves the file as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from ..errors import Location
from ..loader import LoadError
from ..reading import read_source
from ..writing import write_atomically
from .load import Catalog, Located, load_catalog
from .models import HistoryFile, PlanFile, ProgramFile
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
    index = _value_index(located, kind, year, indicator_id)
    path = Path(located.source.path)
    source = read_source(path)
    node = _node_at(YAML(typ="rt").compose(source.text), (*located.path, "values", index, "text"))
    start, end = node.start_mark.index, node.end_mark.index
    new_text = source.text[:start] + json.dumps(text, ensure_ascii=False) + source.text[end:]
    _validate_text(path, new_text, _file_model(catalog, path))
    write_atomically(path, source.encode(new_text))
    return path


def _node_at(node: Node, path: tuple[str | int, ...]) -> Node:
    """The composed node at `path` (keys of mappings, indices of sequences)."""
    for key in path:
        if isinstance(node, MappingNode):
            node = next(value for name, value in node.value if name.value == key)
        elif isinstance(node, SequenceNode) and isinstance(key, int):
            node = node.value[key]
    return node


def _file_model(catalog: Catalog, path: Path) -> type[BaseModel]:
    if path == catalog.plan_source.path:
        return PlanFile
    if catalog.history is not None and path == catalog.history.source.path:
        return HistoryFile
    return ProgramFile


def _find_indicator(catalog: Catalog, indicator_id: str) -> Located:
    for located in [*catalog.indicators(), *catalog.history_indicators()]:
        if located.entry.id == indicator_id:
            return located
    raise LoadError(
        f"no indicator with id {indicator_id!r}",
        code="E540",
        hint="`renstra catalog stats` counts them; ids are in the catalog files",
    )


def _value_index(located: Located, kind: str, year: int | None, indicator_id: str) -> int:
    for index, value in enumerate(located.entry.values):
        if value.kind == kind and value.year == year:
            return index
    raise LoadError(
        f"{indicator_id} has no {kind} value for {year}",
        code="E541",
        hint="only values the catalog already cites can be changed",
    )


def _validate_text(path: Path, text: str, model: type[BaseModel]) -> None:
    try:
        model.model_validate(YAML(typ="rt").load(text))
    except ValidationError as invalid:
        problem = invalid.errors()[0]["msg"].removeprefix("Value error, ")
        refused = LoadError(f"the edit would make the file invalid: {problem}", code="E542")
        raise refused.with_source("", Location(str(path))) from None
