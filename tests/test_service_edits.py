"""Edits over HTTP: the token, ETags and If-Match, and many clients editing at once."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from formula_engine.catalog import load_checked
from formula_engine.catalog.updates import targets
from formula_engine.service import create_app
from formula_engine.service.limits import Limits

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "another-t0ken-for-the-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SOURCE = {"document": "Renstra Perubahan 2024", "date": "2024-03-01", "page": "IV-3"}
PMKS = "/v1/catalogs/kecil/indicators/persentase_pmks"


@pytest.fixture
def small(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "catalog", tmp_path / "kecil")
    return tmp_path / "kecil"


@pytest.fixture
def client(small: Path) -> TestClient:
    # A generous time budget: these tests are about lost updates, not time, and the edits
    # wait for each other (serialised) while a reader holds the GIL.
    app = create_app({"kecil": small}, token=TOKEN, limits=Limits(seconds=120.0))
    return TestClient(app, raise_server_exceptions=False)


def target_text(small: Path, indicator: str, year: int) -> str:
    """The target in force: the last revision, or the printed one."""
    catalog, _ = load_checked(small)
    entry = next(i.entry for i in catalog.indicators() if i.entry.id == indicator)
    return targets(catalog, entry, year)[-1].text


def printed_target(small: Path, indicator: str, year: int) -> str:
    catalog, _ = load_checked(small)
    entry = next(i.entry for i in catalog.indicators() if i.entry.id == indicator)
    return next(v.text for v in entry.values if v.kind == "target" and v.year == year)


def test_an_edit_records_a_revision_with_its_source_and_keeps_the_printed_value(
    client: TestClient, small: Path
) -> None:
    detail = client.get(PMKS)
    printed_file = small / detail.json()["file"]
    before = printed_file.read_bytes()
    etag = detail.headers["ETag"]
    response = client.put(
        f"{PMKS}/targets/2024",
        json={"text": "7,01", "source": SOURCE},
        headers={**AUTH, "If-Match": etag},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["previous"], body["text"], body["source"]["page"]) == ("7,26", "7,01", "IV-3")
    assert body["file"] == "updates.yaml" and body["source"]["document"] == SOURCE["document"]
    assert response.headers["ETag"] != etag
    assert printed_file.read_bytes() == before  # what the Renstra printed stays as printed
    record = (small / "updates.yaml").read_text(encoding="utf-8")
    assert "7,01" in record and SOURCE["document"] in record and "IV-3" in record
    assert target_text(small, "persentase_pmks", 2024) == "7,01"
    assert printed_target(small, "persentase_pmks", 2024) == "7,26"
    assert client.get(PMKS).headers["ETag"] == response.headers["ETag"]


def test_a_stale_if_match_is_409_and_changes_nothing(client: TestClient, small: Path) -> None:
    stale = client.get(PMKS).headers["ETag"]
    first = client.put(
        f"{PMKS}/targets/2024", json={"text": "7,02", "source": SOURCE}, headers=AUTH
    )
    assert first.status_code == 200
    second = client.put(
        f"{PMKS}/targets/2024",
        json={"text": "9,99", "source": SOURCE},
        headers={**AUTH, "If-Match": stale},
    )
    assert second.status_code == 409 and second.json()["code"] == "E702"
    assert second.headers["ETag"] == first.headers["ETag"]
    assert target_text(small, "persentase_pmks", 2024) == "7,02"


@pytest.mark.parametrize(
    "text, year, status, code",
    [("tujuh", 2024, 400, "E572"), ("7,00", 2031, 400, "E571")],
)
def test_a_bad_edit_is_refused_and_leaves_the_file(
    client: TestClient, small: Path, text: str, year: int, status: int, code: str
) -> None:
    files = {p: p.read_bytes() for p in small.rglob("*.yaml")}
    response = client.put(
        f"{PMKS}/targets/{year}", json={"text": text, "source": SOURCE}, headers=AUTH
    )
    assert response.status_code == status and response.json()["code"] == code, response.text
    assert str(small) not in response.text  # the server's paths are not shown
    assert {p: p.read_bytes() for p in small.rglob("*.yaml")} == files


def test_edits_are_off_without_a_token(small: Path) -> None:
    closed = TestClient(create_app({"kecil": small}), raise_server_exceptions=False)
    response = closed.put(
        f"{PMKS}/targets/2024", json={"text": "7,00", "source": SOURCE}, headers=AUTH
    )
    assert response.status_code == 403 and response.json()["code"] == "E706"


def test_a_wrong_token_is_401(client: TestClient) -> None:
    response = client.put(
        f"{PMKS}/targets/2024",
        json={"text": "7,00", "source": SOURCE},
        headers={"Authorization": "Bearer not-the-token"},
    )
    assert response.status_code == 401


def test_many_clients_editing_lose_no_update_and_the_file_stays_valid(
    client: TestClient, small: Path
) -> None:
    """Four writers (two on each of two indicators), each read-modify-write with
    If-Match and retrying on 409; a reader parses the file meanwhile. The accepted edits
    of each indicator must form one chain from the first value (each `previous` is the
    text of the edit before it): an update lost would break the chain."""
    indicators = {"persentase_pmks": "7,26", "p_1_06_02_psks_aktif": "100"}
    path = small / client.get(PMKS).json()["file"]
    accepted: list[dict[str, Any]] = []
    conflicts: list[int] = []
    problems: list[str] = []
    done = threading.Event()

    def writer(number: int, indicator: str) -> None:
        url = f"/v1/catalogs/kecil/indicators/{indicator}"
        for edit in range(2):
            for _ in range(40):
                etag = client.get(url).headers["ETag"]
                text = f"{number}{edit},5"
                response = client.put(
                    f"{url}/targets/2024",
                    json={"text": text, "source": SOURCE},
                    headers={**AUTH, "If-Match": etag},
                )
                if response.status_code == 200:
                    accepted.append(response.json())
                    break
                if response.status_code != 409:
                    problems.append(response.text)
                    return
                conflicts.append(number)
            else:
                problems.append(f"writer {number} never got an edit in")

    def reader() -> None:
        reads = 0
        while not done.is_set() or reads == 0:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict) or "tujuan" not in data:
                problems.append("the file was read half-written")
            reads += 1

    threads = [
        threading.Thread(target=writer, args=(n, name))
        for n, name in enumerate([*indicators, *indicators], start=1)
    ]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    assert problems == []
    assert len(accepted) == 8
    for indicator, first in indicators.items():
        edits = {e["previous"]: e for e in accepted if e["indicator"] == indicator}
        chain, text = [], first
        while text in edits:
            chain.append(edits[text])
            text = edits[text]["text"]
        assert len(chain) == 4, (indicator, accepted)
        assert target_text(small, indicator, 2024) == chain[-1]["text"]
