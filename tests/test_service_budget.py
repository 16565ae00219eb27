"""Time budgets: a request past its budget gets 503 (E705) and its work is stopped, not
left running. Each test counts the work done (rows evaluated, a child process, a file
written) after the 503; the only times asserted are generous bounds."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from formula_engine import api
from formula_engine.model import CompiledFormula
from formula_engine.service import Limits, create_app

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "budget-t0ken-for-the-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SOURCE = {"document": "Renstra Perubahan 2024", "date": "2024-03-01"}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURES / "catalog", tmp_path / "kecil")
    return tmp_path / "kecil"


def hurried(small: Path, seconds: float) -> TestClient:
    app = create_app({"kecil": small}, token=TOKEN, limits=Limits(seconds=seconds))
    return TestClient(app, raise_server_exceptions=False)


def assert_over_budget(response: Any) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "E705" and "time budget" in response.json()["message"]


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Every evaluation of a compiled formula, counted; each takes a millisecond more,
    so that a batch of a few thousand rows takes seconds."""
    calls = [0]
    evaluate = CompiledFormula.evaluate

    def slow(self: CompiledFormula, *arguments: Any, **keywords: Any) -> Any:
        calls[0] += 1
        time.sleep(0.001)
        return evaluate(self, *arguments, **keywords)

    monkeypatch.setattr(CompiledFormula, "evaluate", slow)
    yield calls


def test_a_batch_past_its_budget_stops_its_rows(small: Path, counted: list[int]) -> None:
    rows = 5000  # at least 5 s at a millisecond a row: far past the budget
    body = {"formula": "a / b", "year": 2024, "columns": {"a": [1] * rows, "b": [2] * rows}}
    with hurried(small, 0.3) as client:
        assert_over_budget(client.post("/v1/evaluate/batch", json=body))
        done = counted[0]
        time.sleep(0.5)
        assert counted[0] == done  # no row after the answer
    assert 0 < done < rows


def test_a_request_whose_budget_is_spent_before_it_starts_does_no_work(
    small: Path, counted: list[int]
) -> None:
    with hurried(small, 0) as client:
        body = {"indicator": "persentase_pmks", "year": 2024, "values": {}}
        assert_over_budget(client.post("/v1/evaluate", json=body))
    assert counted[0] == 0


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def stuck(tmp_path: Path) -> tuple[Path, Any]:
    """Work that writes its process id, then never ends (until it is killed)."""
    note = tmp_path / "pid"

    def forever(*arguments: Any) -> Any:
        note.write_text(str(os.getpid()), encoding="utf-8")
        while True:
            time.sleep(0.05)

    return note, forever


def test_an_equivalence_past_its_budget_is_killed(
    small: Path, stuck: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    note, forever = stuck
    monkeypatch.setattr(api, "equivalent", forever)
    with hurried(small, 1.0) as client:
        assert_over_budget(client.post("/v1/equivalence", json={"left": "a", "right": "a"}))
    pid = int(note.read_text(encoding="utf-8"))
    assert pid != os.getpid() and gone(pid)


def test_an_audit_past_its_budget_is_killed_and_not_kept(
    small: Path, stuck: tuple[Path, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import formula_engine.audit

    note, forever = stuck
    monkeypatch.setattr(formula_engine.audit, "run_audit", forever)
    with hurried(small, 1.0) as client:
        assert_over_budget(client.get("/v1/catalogs/kecil/audit"))
        pid = int(note.read_text(encoding="utf-8"))
        assert pid != os.getpid() and gone(pid)
        monkeypatch.undo()  # the real audit: run now (nothing was kept of the killed one)
        again = client.get("/v1/catalogs/kecil/audit")
        assert again.status_code == 200 and again.json()["counts"]["checked"] > 0


def test_the_audit_run_in_a_process_is_the_audit(small: Path) -> None:
    """The report that comes back from the worker process says what one run here says."""
    with hurried(small, 60.0) as client:
        served = client.get("/v1/catalogs/kecil/audit/findings?every_figure=true").json()
    here = api.findings(api.load_catalog(small), every_figure=True)
    assert served == [figure.model_dump(mode="json") for figure in here]
    assert served  # the small catalog's audit recomputes figures


def test_an_edit_that_cannot_start_in_time_writes_nothing_ever(small: Path) -> None:
    """Another edit holds the catalog: this one gets 503 at its deadline and is not
    written later, when the other is done (its thread gave up, it was not abandoned)."""
    files = {p: p.read_bytes() for p in small.rglob("*.yaml")}
    with hurried(small, 0.5) as client:
        handle = api.load_catalog(small, "kecil")
        holding, release = threading.Event(), threading.Event()

        def other_edit() -> None:
            with handle.lock:
                holding.set()
                release.wait(30)

        other = threading.Thread(target=other_edit)
        other.start()
        holding.wait(30)
        try:
            response = client.put(
                "/v1/catalogs/kecil/indicators/persentase_pmks/targets/2024",
                json={"text": "7,00", "source": SOURCE},
                headers=AUTH,
            )
        finally:
            release.set()
            other.join()
        assert_over_budget(response)
        assert "waiting for the other edits" in response.json()["message"]
        time.sleep(0.5)
    assert {p: p.read_bytes() for p in small.rglob("*.yaml")} == files
    assert not (small / "updates.yaml").exists()
