"""The JSON Schema of each catalog file kind, for editors that validate YAML as you type."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from ..writing import write_atomically
from .models import HistoryFile, InputsFile, PlanFile, ProgramFile, UpdatesFile

SCHEMAS: dict[str, type[BaseModel]] = {
    "renstra": PlanFile,
    "inputs": InputsFile,
    "program": ProgramFile,
    "history": HistoryFile,
    "updates": UpdatesFile,
}


def write_schemas(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, model in SCHEMAS.items():
        path = directory / f"{name}.schema.json"
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        write_atomically(path, json.dumps(schema, indent=2, ensure_ascii=False) + "\n")
        written[name] = path
    return written
