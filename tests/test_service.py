"""The HTTP service, endpoint by endpoint: the cases of fixtures/service/cases.yaml, then
what a case file cannot say (Arrow bodies, huge and hostile bodies, ETags, time budgets)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from formula_engine.catalog import bundled_catalog_path
from formula_engine.service import Limits, create_app

FIXTURES = Path(__file__).parent / "fixtures"
CASES = yaml.safe_load((FIXTURES / "service" / "cases.yaml").read_text(encoding="utf-8"))
TOKEN = "t0ken-for-the-tests-only"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("service") / "kecil"
    shutil.copytree(FIXTURES / "catalog", folder)
    return folder


@pytest.fixture(scope="module")
def client(small: Path) -> Iterator[TestClient]:
    app = create_app({"renstra": bundled_catalog_path(), "kecil": small}, token=TOKEN)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def at(body: Any, path: str) -> Any:
    for part in path.split("."):
        body = body[int(part)] if isinstance(body, list) else body[part]
    return body


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case(client: TestClient, case: dict[str, Any]) -> None:
    method = next(m for m in ("get", "post", "put") if m in case)
    headers = {**case.get("headers", {}), **(AUTH if case.get("token") else {})}
    if "content" in case:
        response = client.request(method, case[method], content=case["content"], headers=headers)
    else:
        response = client.request(method, case[method], json=case.get("json"), headers=headers)
    assert response.status_code == case["status"], response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    for path, expected in case["expect"].items():
        assert at(body, path) == expected, (path, body)


def test_every_error_has_the_fields_of_a_diagnostic(client: TestClient) -> None:
    body = client.post("/v1/parse", json={"formula": '"Jumlah PMKS / 2'}).json()
    assert set(body) == {"status", "code", "message", "hint", "where", "suggestions", "diagnostics"}
    (diagnostic,) = body["diagnostics"]
    assert diagnostic["code"] == body["code"] == "E108"
    assert diagnostic["span"]["start"] == 0 and diagnostic["line"] == 1
    assert diagnostic["hint"]


def test_batch_from_an_arrow_stream(client: TestClient) -> None:
    import pyarrow as pa

    table = pa.table({"a": [1, 3, None], "b": [2, 4, 8]})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    response = client.post(
        "/v1/evaluate/batch?formula=a%20/%20b&year=2024",
        content=sink.getvalue(),
        headers={"content-type": "application/vnd.apache.arrow.stream"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["value"] == ["1/2", "3/4", None]


def test_bytes_that_are_not_arrow_are_400(client: TestClient) -> None:
    response = client.post(
        "/v1/evaluate/batch?formula=a&year=2024",
        content=b"\x00not arrow at all",
        headers={"content-type": "application/vnd.apache.arrow.stream"},
    )
    assert response.status_code == 400 and response.json()["code"] == "E709"


@pytest.mark.parametrize("path", ["/v1/parse", "/v1/evaluate"])  # a FastAPI route, the bare one
def test_a_body_over_the_limit_is_413_by_length_and_by_counting(small: Path, path: str) -> None:
    app = create_app({"kecil": small}, limits=Limits(body_bytes=1000))
    with TestClient(app, raise_server_exceptions=False) as limited:
        big = json.dumps({"formula": "a" * 2000})
        declared = limited.post(path, content=big, headers={"content-type": "application/json"})
        assert declared.status_code == 413 and declared.json()["code"] == "E703"

        def chunks(text: str) -> Iterator[bytes]:  # no Content-Length: counted while read
            for start in range(0, len(text), 100):
                yield text[start : start + 100].encode()

        chunked = limited.post(
            path, content=chunks(big), headers={"content-type": "application/json"}
        )
        assert chunked.status_code == 413 and chunked.json()["code"] == "E703"
        if path == "/v1/evaluate":  # a body in chunks under the limit is read whole
            body = json.dumps(
                {"formula": "a / b", "year": 2024, "values": {"a": {"2024": 1}, "b": {"2024": 4}}}
            )
            answer = limited.post(
                path, content=chunks(body), headers={"content-type": "application/json"}
            )
            assert answer.status_code == 200 and answer.json()["value"] == "1/4"


def test_a_batch_over_the_row_limit_is_413(small: Path) -> None:
    app = create_app({"kecil": small}, limits=Limits(batch_rows=3))
    with TestClient(app, raise_server_exceptions=False) as limited:
        body = {"formula": "a", "year": 2024, "columns": {"a": [1, 2, 3, 4]}}
        response = limited.post("/v1/evaluate/batch", json=body)
    assert response.status_code == 413 and "4 rows" in response.json()["message"]


@pytest.mark.parametrize("terms", [3, 1000, 1350])  # inline, then in a worker process
def test_a_long_chain_parses_and_formats(client: TestClient, terms: int) -> None:
    """A sum of n terms nests n - 1 Binary nodes (left-associative): deeper than pydantic
    serialises or json reads by default; the answer is still the tree."""
    import sys

    formula = " + ".join(f"x{i}" for i in range(terms))  # under 10,000 characters
    parsed = client.post("/v1/parse", json={"formula": formula})
    assert parsed.status_code == 200, parsed.text[:300]
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * terms + 1000)  # json.loads recurses once per level
    try:
        body = json.loads(parsed.text)
    finally:
        sys.setrecursionlimit(limit)
    assert body["canonical"] == formula
    depth, node = 0, body["ast"]
    while node["node"] == "Binary":
        depth, node = depth + 1, node["left"]
    assert (depth, node["name"]) == (terms - 1, "x0")
    formatted = client.post("/v1/format", json={"formula": formula}).json()
    assert formatted == {"canonical": formula, "changed": False}


def test_a_formula_over_the_length_limit_is_400(client: TestClient) -> None:
    response = client.post("/v1/parse", json={"formula": "a + " * 5000 + "a"})
    assert response.status_code == 400 and response.json()["code"] == "E120"


@pytest.mark.parametrize(
    "path, body",
    [
        (
            "/v1/evaluate/batch",
            {"formula": "a / b", "year": 2024, "columns": {"a": [1] * 200, "b": [2] * 200}},
        ),
        ("/v1/equivalence", {"left": "a + b", "right": "b + a"}),
        ("/v1/evaluate", {"formula": "a", "year": 2024}),
    ],
)
def test_work_past_the_time_budget_is_stopped_with_503(small: Path, path: str, body: Any) -> None:
    app = create_app({"kecil": small}, limits=Limits(seconds=0))
    with TestClient(app, raise_server_exceptions=False) as hurried:
        response = hurried.post(path, json=body)
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "E705" and "time budget" in response.json()["message"]


HOSTILE: list[tuple[str, bytes]] = [
    ("/v1/parse", b"{"),
    ("/v1/parse", b"null"),
    ("/v1/parse", b'{"formula": 12}'),
    ("/v1/parse", b'{"formula": "\\u0000"}'),
    ("/v1/parse", b'{"formula": "' + b"(" * 3000 + b'a"}'),
    ("/v1/parse", b"\xff\xfe\x00garbage"),
    ("/v1/evaluate", b'{"formula": "a", "year": 2024, "values": {"a": {"2024": 1e400}}}'),
    ("/v1/evaluate", b'{"formula": "a", "year": 2024, "values": {"a": {"tahun": 1}}}'),
    ("/v1/evaluate", b'{"formula": "a / b", "year": 2024, "values": {"a": {"2024": "1/0"}}}'),
    (
        "/v1/evaluate",
        b'{"formula": "a", "year": 2024, "values": {"a": {"2024": "' + b"9" * 5000 + b'"}}}',
    ),
    ("/v1/evaluate/batch", b'{"formula": "a", "year": 2024, "columns": {"a@tahun": [1]}}'),
    (
        "/v1/evaluate/batch",
        b'{"formula": "a", "year": 2024, "columns": {"a@99999999999999999999": [1]}}',
    ),
    ("/v1/evaluate/batch", b'{"formula": "a", "year": 2024, "columns": {"a": [[1]]}}'),
    ("/v1/evaluate/batch", b'{"indicator": "x", "catalog": "kecil", "year": 2024, "columns": {}}'),
    ("/v1/check/fragment", b'{"kind": "program", "text": "a: &x [*x, *x]\\n"}'),
    ("/v1/check/fragment", b'{"kind": "program", "text": "\\t- x"}'),
    ("/v1/check/fragment", b'{"kind": "renstra", "text": "!!python/object:os.system {}"}'),
    ("/v1/equivalence", b'{"left": "a", "right": "a +"}'),
]


@pytest.mark.parametrize("path, body", HOSTILE, ids=[f"{p} {b[:40]!r}" for p, b in HOSTILE])
def test_a_hostile_body_gets_a_located_json_error_never_a_500(
    client: TestClient, path: str, body: bytes
) -> None:
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code < 500 or response.status_code == 503, response.text
    data = response.json()
    if response.status_code >= 400:
        assert data["code"].startswith("E") and data["message"] and data["where"]
        assert "Traceback" not in response.text


def test_a_bug_is_a_json_500_without_a_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from formula_engine import api

    def broken(text: str) -> None:
        raise KeyError("a bug")

    monkeypatch.setattr(api, "parsed_json", broken)
    response = client.post("/v1/parse", json={"formula": "a"})
    assert response.status_code == 500
    assert response.json()["code"] == "E708" and "Traceback" not in response.text


def test_openapi_is_3_1_and_served_with_docs(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["openapi"].startswith("3.1")
    assert client.get("/docs").status_code == 200


def test_the_committed_openapi_document_is_current() -> None:
    from formula_engine.service.openapi import document

    committed = Path(__file__).parent.parent / "docs" / "openapi.json"
    assert committed.read_text(encoding="utf-8") == document(), (
        "docs/openapi.json is stale: python -m formula_engine.service.openapi > docs/openapi.json"
    )


def run_serve(*arguments: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from formula_engine.cli import main

    done = CliRunner().invoke(main, ["serve", *arguments])
    return done.exit_code, done.output


def test_serve_refuses_a_catalog_that_does_not_check(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "catalog", tmp_path / "rusak")
    plan = tmp_path / "rusak" / "renstra.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("tujuan:", "tujuan_:", 1), "utf-8")
    code, output = run_serve("--catalog", f"rusak={tmp_path / 'rusak'}")
    assert code == 4 and "does not check" in output


@pytest.mark.parametrize(
    "arguments, says",
    [
        (["--catalog", "a b=."], "not a catalog name"),
        (["--catalog", "x=catalog", "--catalog", "x=catalog"], "given twice"),
        (["--token-file", "TOKEN"], "no usable token"),
        (["--port", "0"], "0 is not in the range"),
    ],
)
def test_serve_usage_errors_exit_2(tmp_path: Path, arguments: list[str], says: str) -> None:
    (tmp_path / "TOKEN").write_text("short\n", encoding="utf-8")
    arguments = [str(tmp_path / a) if a == "TOKEN" else a for a in arguments]
    code, output = run_serve(*arguments)
    assert code == 2 and says in output, output
