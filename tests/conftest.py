"""Shared test fixtures: the golden-file switch and the seed's location."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE_KEY = pytest.StashKey[tuple[str | None, str | None]]()
SEED = ROOT.parent / "shared" / "seed" / "000_d0dc3ede118ff512.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the golden files from the current output (review the diff!).",
    )


def pytest_configure(config: pytest.Config) -> None:
    """The catalog cache of the test run: a folder of its own, never the user's (set
    before collection, since some test modules load the catalog when imported)."""
    folder = tempfile.mkdtemp(prefix="renstra-test-cache-")
    config.stash[CACHE_KEY] = (folder, os.environ.get("RENSTRA_CACHE_DIR"))
    os.environ["RENSTRA_CACHE_DIR"] = folder
    os.environ.pop("RENSTRA_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    folder, before = config.stash.get(CACHE_KEY, (None, None))
    if folder is None:
        return
    shutil.rmtree(folder, ignore_errors=True)
    if before is None:
        os.environ.pop("RENSTRA_CACHE_DIR", None)
    else:
        os.environ["RENSTRA_CACHE_DIR"] = before


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-goldens"))


@pytest.fixture(scope="session")
def seed_lines() -> list[str]:
    if not SEED.exists():
        pytest.skip(
            f"the seed is not present at {SEED} (it lives in ../shared beside the checkout)"
        )
    return SEED.read_text(encoding="utf-8").splitlines()


def check_golden(path: Path, actual: str, update: bool) -> None:
    """Compare `actual` with the golden file, or rewrite it with --update-goldens."""
    if update or not path.exists():
        path.write_text(actual, encoding="utf-8")
        if not update:
            pytest.fail(f"golden file {path.name} did not exist; written, review and commit it")
        return
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, (
        f"output differs from {path.name}; if the change is intended, run "
        "pytest --update-goldens and review the diff"
    )
