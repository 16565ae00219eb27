"""schemathesis against the app in-process (ASGI): generated requests for every endpoint;
no server error, and every response conforms to the OpenAPI document (status, content
type, schema). Bounded: a few examples per operation, so that it runs in seconds."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from formula_engine.catalog import bundled_catalog_path
from formula_engine.service import Limits, create_app

TOKEN = "schemathesis-token-only"
SMALL = Path(tempfile.mkdtemp(prefix="renstra-schemathesis-")) / "kecil"
shutil.copytree(Path(__file__).parent / "fixtures" / "catalog", SMALL)
APP = create_app(
    {"renstra": bundled_catalog_path(), "kecil": SMALL},
    token=TOKEN,
    limits=Limits(seconds=5),
)


@schemathesis.serializer("application/vnd.apache.arrow.stream")
def arrow_bytes(context: schemathesis.SerializationContext, value: object) -> bytes:
    """The generated 'binary' body sent as it is (the service must refuse what is not Arrow)."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_the_app_conforms_to_its_schema(case: schemathesis.Case) -> None:
    # A request valid by the schema may still hold a formula the engine refuses: 400 with
    # the diagnostic is the documented answer, so "schema-valid data is accepted" is not
    # asked; every other check (no 5xx, status, content type, body schema) is.
    # With the token, so that the edits are exercised too (on a copy of the small catalog).
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[positive_data_acceptance]
    )
