"""Shared test fixtures: the golden-file switch and the seed's location."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT.parent / "shared" / "seed" / "000_d0dc3ede118ff512.txt"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="Rewrite the golden files from the current output (review the diff!).",
    )


@pytest.fixture(scope="session", autouse=True)
def catalog_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The catalog cache of the test run: a folder of its own, never the user's."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RENSTRA_CACHE_DIR", str(folder))
        patch.delenv("RENSTRA_CACHE", raising=False)
        yield folder


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
