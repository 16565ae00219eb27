"""The web pages in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium; `.ci/install-browser` installs it). The app runs under uvicorn on
127.0.0.1 and a free port. Flows: a planner finds an indicator by name and opens it; a
planner types a formula with a typo and sees the caret (the live check, no button); an
auditor filters the findings, opens one and reaches its explain trail. Screenshots at
1366x900 and 768x1024 go to a temporary directory; with RENSTRA_SCREENSHOTS=DIR they are
also copied there (docs/screenshots holds the committed ones)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SIZES = {"laptop": (1366, 900), "tablet": (768, 1024)}

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: install it with `.ci/install-browser` "
    "(apt-get update && apt-get install -y chromium)",
)


@pytest.fixture(scope="session")
def server() -> Iterator[str]:
    import uvicorn

    from formula_engine.service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    for _ in range(600):  # until it listens (the catalog loads first)
        if running.started:
            break
        time.sleep(0.05)
    assert running.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("screenshots")
    yield folder
    wanted = os.environ.get("RENSTRA_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        for shot in sorted(folder.glob("*.png")):
            shutil.copy(shot, Path(wanted) / shot.name)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def snap(page: Any, shots: Path, name: str) -> None:
    """The page at both widths (a laptop, a tablet); back to the laptop after."""
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        target = shots / f"{name}-{size}.png"
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 1000
        # usable at this width: nothing wider than the window
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1366, "height": 900})


def test_planner_finds_an_indicator_by_name(page: Any, server: str, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/")
    snap(page, shots, "rencana")
    page.get_by_label("Cari kode, nama, atau indikator").fill("persentase pmks")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Persentase PMKS", exact=True)).to_be_visible()
    expect(page.get_by_text("Nilai SAKIP Perangkat Daerah")).to_have_count(0)
    page.get_by_role("link", name="Persentase PMKS", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Persentase PMKS")
    expect(page.get_by_role("img", name="Target dan realisasi: Persentase PMKS")).to_be_visible()
    expect(page.get_by_role("heading", name="Jejak perhitungan")).to_be_visible()
    snap(page, shots, "indikator")


def test_planner_sees_the_caret_as_they_type(page: Any, server: str, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/editor?indikator=persentase_pmks")
    box = page.get_by_label("Formula", exact=True)
    box.fill("")
    box.press_sequentially('"Jumlah PMKS" / "Jumlah pendudk" x 100%', delay=10)
    caret = page.locator("#hasil pre.caret")  # no button pressed: htmx checks as one types
    expect(caret).to_be_visible()
    expect(caret).to_contain_text("^^^^")
    expect(page.locator("#hasil")).to_contain_text("Jumlah penduduk")
    snap(page, shots, "editor-salah")
    box.fill('"Jumlah PMKS" / "Jumlah penduduk" x 10%')
    expect(page.locator("#hasil")).to_contain_text("Formula benar")
    expect(page.locator("#hasil")).to_contain_text("Contoh penyangkal")
    snap(page, shots, "editor-contoh-penyangkal")


def test_auditor_filters_opens_a_finding_and_its_trail(page: Any, server: str, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/audit")
    page.get_by_label("Jenis pemeriksaan").select_option(label="Rasio realisasi anggaran")
    page.get_by_role("button", name="Saring").click()
    expect(page).to_have_url(server + "/audit?cek=budget_ratio&tabel=")
    rows = page.locator("table.findings tbody tr")
    expect(rows).to_have_count(4)  # the four budget ratios the audit flags
    snap(page, shots, "audit")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="Jejak perhitungan")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("Tabel 2.3.2-anggaran, baris 1584")
    snap(page, shots, "temuan")


def test_english_and_the_keyboard(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_label("Search by code, name or indicator")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.locator(":focus")).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "isi")
    page.get_by_role("link", name="Audit").click()
    expect(page).to_have_url(server + "/audit?lang=en")
    expect(page.get_by_label("Check")).to_be_visible()
