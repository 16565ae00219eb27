"""The web pages in a real browser: Playwright driving Debian's Chromium
(/usr/bin/chromium; `.ci/install-browser` installs it). Each test starts the app under
uvicorn on 127.0.0.1 and a free port, over its own COPY of the bundled catalog (tmp_path),
with an edit token. Flows: a planner finds an indicator by name, edits its formula with a
typo (the caret), fixes it, saves and sees the audit change; enters a 2024 realisation and
sees capaian and predikat; uploads a workbook with mistakes and sees every bad cell named;
an auditor opens a finding and follows it to its explain trail and source; the English
switch, the keyboard, the labels and the print stylesheet. Screenshots at 1366x768 (a
laptop) and 820x1180 (a tablet) go to a temporary directory; with RENSTRA_SCREENSHOTS=DIR
they are also copied there (docs/screenshots holds the committed ones)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
SIZES = {"laptop": (1366, 768), "tablet": (820, 1180)}
TOKEN = "token-uji-browser"
TERLATIH = "p_1_06_05_persentase_peningkatan_pmks_terlatih"
TYPO = '("PMKS yang terlatih" - "PMKS terlatih"[n-1]) / "PMKS terlath"[n-1] x 100%'
FIXED = '("PMKS yang terlatih" - "PMKS terlatih"[n-1]) / "PMKS terlatih"[n-1] x 100%'
FLAGGED = f"/temuan/formula_vs_figures.{TERLATIH}.2020.5588"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium: install it with `.ci/install-browser` "
    "(apt-get update && apt-get install -y chromium)",
)


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    from formula_engine.catalog import bundled_catalog_path

    shutil.copytree(bundled_catalog_path(), tmp_path / "catalog")
    return tmp_path / "catalog"


@pytest.fixture
def server(catalog: Path) -> Iterator[str]:
    import uvicorn

    from formula_engine.service import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"renstra": catalog}, token=TOKEN)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
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
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    opened = context.new_page()
    opened.set_default_timeout(30_000)
    yield opened
    context.close()


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))
  .map(e => e.name || e.id)"""


def snap(page: Any, shots: Path, name: str) -> None:
    """The page at both widths (a laptop, a tablet); back to the laptop after. Every
    input has a label, and nothing is wider than the window."""
    assert page.evaluate(UNLABELLED) == []
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        target = shots / f"{name}-{size}.png"
        page.screenshot(path=str(target), full_page=False)
        assert target.stat().st_size > 1000
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1366, "height": 768})


def fill_source(page: Any, within: Any, document: str = "Perubahan Renstra 2025") -> None:
    within.get_by_label("Dokumen atau alasan").fill(document)
    within.get_by_label("Tanggal dokumen").fill("2025-03-01")
    within.get_by_label("Dimasukkan oleh").fill("Sari (Bappeda)")


def log_in(page: Any) -> None:
    """The login page: the token once; the browser keeps the session cookie."""
    from playwright.sync_api import expect

    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    page.get_by_label("Token layanan").fill(TOKEN)
    page.get_by_role("button", name="Masuk").click()


def test_planner_fixes_a_formula_and_the_audit_follows(page: Any, server: str, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/audit")
    expect(page.locator(f'a[href="{FLAGGED}"]')).to_have_count(1)
    page.goto(server + "/")
    snap(page, shots, "rencana")
    page.get_by_label("Cari kode, nama, atau indikator").fill("peningkatan PMKS terlatih")
    page.keyboard.press("Enter")
    page.get_by_role("link", name="Persentase peningkatan PMKS terlatih", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Persentase peningkatan PMKS terlatih"
    )
    page.get_by_role("link", name="Ubah formula 2022–2022").click()
    page.locator("section.save").get_by_role("link", name="Masuk").click()
    log_in(page)
    box = page.get_by_label("Formula", exact=True)
    expect(box).to_have_value(
        '(akumulasi("PMKS yang terlatih") - akumulasi("PMKS terlatih")[n-1])'
        ' / akumulasi("PMKS terlatih")[n-1] x 100%'
    )
    box.fill("")
    box.press_sequentially(TYPO, delay=5)
    caret = page.locator("#hasil pre.caret")  # no button pressed: htmx checks as one types
    expect(caret).to_be_visible()
    expect(caret).to_contain_text("^^^^^^^^^^^^^^")
    expect(page.locator("#hasil")).to_contain_text("PMKS terlatih")  # did you mean
    expect(page.locator("#hasil")).to_contain_text("tidak dikenal")  # in the page's language
    expect(page.locator("#hasil")).to_contain_text("maksud Anda")
    expect(page.locator("#hasil")).not_to_contain_text("unknown input")
    fill_source(page, page.locator("section.save"))
    snap(page, shots, "editor-salah")
    page.get_by_role("button", name="Simpan").click()  # refused: nothing saved
    expect(page.locator("#masalah-formula pre.caret")).to_contain_text("^^^^^^^^^^^^^^")
    expect(page.locator("#masalah-formula")).to_contain_text("maksud Anda")
    box = page.get_by_label("Formula", exact=True)
    box.fill(FIXED)
    expect(page.locator("#hasil")).to_contain_text("Formula benar")
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("status").filter(has_text="Formula tersimpan")).to_be_visible()
    expect(page.locator("table.formulas")).to_contain_text(FIXED)
    page.get_by_role("link", name="Lihat audit").click()
    expect(page.locator("dl.counts div").filter(has_text="Temuan").locator("dd")).to_have_text("45")
    expect(page.locator(f'a[href="{FLAGGED}"]')).to_have_count(0)


def test_planner_enters_a_realisation_and_sees_capaian(page: Any, server: str, shots: Path) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/masuk?lanjut=/indikator/persentase_pmks")
    log_in(page)
    form = page.locator("#form-realisasi")
    form.get_by_label("Tahun").select_option("2024")
    form.get_by_label("Realisasi (%)").fill("7,1.5")  # a typo: refused, in the form
    fill_source(page, form, "LKjIP 2024")
    form.get_by_role("button", name="Simpan realisasi").click()
    form = page.locator("#form-realisasi")
    expect(form.locator("#masalah-text")).to_contain_text("E572")
    expect(form.get_by_label("Realisasi (%)")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Realisasi (%)").fill("7,1")
    form.get_by_role("button", name="Simpan realisasi").click()
    expect(page.get_by_role("status").filter(has_text="Realisasi tersimpan")).to_be_visible()
    row = page.locator("table.capaian tr.year-row").filter(has_text="2024")
    # lower is better (difference): (2 x 7,26 - 7,1) / 7,26 x 100 = 102,20
    expect(row.locator("td.capaian-value")).to_have_text("102,20")
    expect(row.locator("td.predikat")).not_to_be_empty()
    expect(row.locator("td.sources")).to_contain_text("LKjIP 2024, 2025-03-01")
    expect(page.locator("svg circle.dot.realisation title")).to_contain_text(
        ["Realisasi 2024: 7,1"]
    )
    page.locator("table.capaian").scroll_into_view_if_needed()
    snap(page, shots, "indikator")


def test_planner_uploads_a_workbook_with_mistakes(
    page: Any, server: str, catalog: Path, shots: Path, tmp_path: Path
) -> None:
    import openpyxl
    from playwright.sync_api import expect

    from formula_engine import api
    from formula_engine.excel.realisasi import template_bytes, template_rows

    rows = template_rows(api.load_catalog(catalog).catalog, 2024, None)
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(rows)))
    sheet = book["Realisasi"]
    sheet["G2"], sheet["G3"], sheet["G4"], sheet["G5"] = "delapan puluh", -3, "12,5%", 80
    path = tmp_path / "realisasi-2024.xlsx"
    book.save(path)
    before = sorted(p.read_bytes() for p in catalog.rglob("*.yaml"))
    page.goto(server + "/unggah")
    page.get_by_label("Berkas (.xlsx atau .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Periksa berkas").click()
    expect(
        page.get_by_role("heading", name="3 sel bermasalah · realisasi-2024.xlsx")
    ).to_be_visible()
    cells = page.locator("table.problems td.where")
    expect(cells).to_have_text(["Realisasi!G2", "Realisasi!G3", "Realisasi!G4"])
    expect(page.get_by_text("'delapan puluh' adalah teks, bukan angka")).to_be_visible()
    expect(page.get_by_text("Tidak ada yang disimpan. Perbaiki")).to_be_visible()
    snap(page, shots, "unggah-salah")
    assert sorted(p.read_bytes() for p in catalog.rglob("*.yaml")) == before
    sheet["G2"], sheet["G3"], sheet["G4"] = 80, None, None  # fixed
    book.save(path)
    page.get_by_label("Berkas (.xlsx atau .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Periksa berkas").click()
    expect(
        page.get_by_role("heading", name="2 nilai akan diimpor · realisasi-2024.xlsx")
    ).to_be_visible()
    snap(page, shots, "unggah-pratinjau")
    assert not (catalog / "updates.yaml").exists()  # nothing before the confirm


def test_auditor_follows_a_finding_to_its_trail_and_source(
    page: Any, server: str, shots: Path
) -> None:
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
    expect(page.locator("dl.facts")).to_contain_text("Tabel 2.3.2, baris 1584")
    expect(page.locator("table.terms")).to_contain_text("3.238.828.778")
    snap(page, shots, "temuan")
    page.goto(server + "/audit?cek=formula_vs_figures")
    page.locator("table.findings tbody tr").first.get_by_role("link").click()
    page.get_by_role("link", name="Indikator dan jejak perhitungannya").click()
    expect(page.get_by_role("heading", name="Jejak perhitungan · 2021")).to_be_visible()
    expect(page.locator("section[aria-labelledby=trail]")).to_contain_text("baris naskah")


def test_english_keyboard_focus_and_print(page: Any, server: str) -> None:
    from playwright.sync_api import expect

    page.goto(server + "/")
    page.get_by_role("link", name="English").click()
    expect(page.get_by_label("Search by code, name or indicator")).to_be_visible()
    page.keyboard.press("Tab")  # the first stop is the skip link
    expect(page.locator(":focus")).to_have_text("Skip to content")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # keyboard focus is visible
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "isi")
    page.get_by_role("link", name="Audit").click()
    expect(page).to_have_url(server + "/audit?lang=en")
    expect(page.get_by_label("Kind of check")).to_be_visible()
    page.goto(server + "/indikator/persentase_pmks?lang=en")
    expect(page.get_by_role("heading", name="Achievement by year")).to_be_visible()
    expect(page.get_by_role("button", name="Save the realisation")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.locator("section.edits")).to_be_hidden()
    expect(page.locator("table.capaian")).to_be_visible()


def test_english_bad_formula_and_failed_upload(
    page: Any, server: str, catalog: Path, tmp_path: Path
) -> None:
    """The planner's two refusals on the English pages: a formula with a typo (the caret,
    the English message and "did you mean", no Indonesian) and a workbook with a bad
    cell (named, in English); nothing is saved."""
    import openpyxl
    from playwright.sync_api import expect

    from formula_engine import api
    from formula_engine.excel.realisasi import template_bytes, template_rows

    before = sorted(p.read_bytes() for p in catalog.rglob("*.yaml"))
    page.goto(server + f"/editor?indikator={TERLATIH}&versi=2022&lang=en")
    box = page.get_by_label("Formula", exact=True)
    box.fill("")
    box.press_sequentially(TYPO, delay=5)
    result = page.locator("#hasil")
    expect(result.locator("pre.caret")).to_contain_text("^^^^^^^^^^^^^^")
    expect(result).to_contain_text("unknown input or indicator")
    expect(result).to_contain_text("did you mean")
    expect(result).to_contain_text("PMKS terlatih")
    expect(result).not_to_contain_text("tidak dikenal")
    expect(result).not_to_contain_text("maksud Anda")

    rows = template_rows(api.load_catalog(catalog).catalog, 2024, None)
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(rows)))
    book["Realisasi"]["G2"] = "delapan puluh"
    path = tmp_path / "realisation-2024.xlsx"
    book.save(path)
    page.goto(server + "/unggah?lang=en")
    page.get_by_label("File (.xlsx or .csv)").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("table.problems td.where")).to_have_text(["Realisasi!G2"])
    expect(page.get_by_text("'delapan puluh' is text, not a number")).to_be_visible()
    expect(page.get_by_text("Nothing was saved. Fix these cells")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("bukan angka")
    assert sorted(p.read_bytes() for p in catalog.rglob("*.yaml")) == before


def _contrast(page: Any, selector: str) -> float:
    """The WCAG contrast ratio of an element's text against the page's background."""
    script = """(s) => { const e = document.querySelector(s);
      const c = getComputedStyle(e).color; let n = e, b = 'rgba(0, 0, 0, 0)';
      while (n && (b === 'rgba(0, 0, 0, 0)' || b === 'transparent')) {
        b = getComputedStyle(n).backgroundColor; n = n.parentElement; }
      return [c, b]; }"""
    colours: list[str] = page.evaluate(script, selector)

    def luminance(text: str) -> float:
        parts = [float(x) / 255 for x in text[text.index("(") + 1 : text.index(")")].split(",")[:3]]
        linear = [p / 12.92 if p <= 0.03928 else ((p + 0.055) / 1.055) ** 2.4 for p in parts]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(colours[0]), luminance(colours[1])), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_text_contrast_meets_wcag_aa(page: Any, server: str) -> None:
    page.goto(server + "/indikator/persentase_pmks")
    checks: list[tuple[str, Callable[[float], bool]]] = [
        ("header.top a", lambda r: r >= 4.5),
        ("h1", lambda r: r >= 4.5),
        ("p.sub", lambda r: r >= 4.5),
        ("td.sources span", lambda r: r >= 4.5),
        ("form#form-target button", lambda r: r >= 4.5),
    ]
    for selector, good in checks:
        ratio = _contrast(page, selector)
        assert good(ratio), f"{selector}: contrast {ratio:.2f}"
