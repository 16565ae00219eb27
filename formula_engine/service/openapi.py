"""Print the service's OpenAPI document: `python -m formula_engine.service.openapi`.

docs/openapi.json is this output, committed; tests/test_service.py checks it is current.
"""

from __future__ import annotations

import json
import sys

from .app import create_app


def document() -> str:
    return json.dumps(create_app().openapi(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(document())
