"""The web pages (formula_engine.web) through the ASGI app, without a browser: every page
answers, in Indonesian by default and in English with ?lang=en; the names shown are the
document's (checked against the seed), never internal ids; the filters, the live check and
the static files. The browser flows are in test_web_browser.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.numbers import format_indonesian
from formula_engine.service import create_app
from formula_engine.web.pages import printed_number


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as test_client:
        yield test_client


class _Text(HTMLParser):
    """The text a reader sees (no tags, no attributes, no script)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("script", "style")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# path, Indonesian strings, English strings (UI words, and the document's own words that
# stay as printed in both languages)
PAGES = [
    ("/", ["Cari kode, nama, atau indikator", "Tujuan", "Persentase PMKS"],
     ["Search by code, name or indicator", "Goal (tujuan)", "Persentase PMKS"]),
    ("/indikator/persentase_pmks", ["Definisi operasional", "Tertulis di dokumen", "Jumlah PMKS"],
     ["Definition", "As printed in the document", "Jumlah PMKS"]),
    ("/audit", ["Jenis pemeriksaan", "Letak di dokumen", "Belanja Tidak Langsung"],
     ["Check", "Place in the document", "Belanja Tidak Langsung"]),
    ("/editor?indikator=persentase_pmks", ["Formula lama", "Periksa"],
     ["Old formula", "Check"]),
]  # fmt: skip


@pytest.mark.parametrize(("path", "indonesian", "english"), PAGES)
def test_every_page_in_both_languages(
    client: TestClient, path: str, indonesian: list[str], english: list[str]
) -> None:
    page = client.get(path)
    assert page.status_code == 200
    assert '<html lang="id">' in page.text
    for text in indonesian:
        assert text in visible(page.text), text
    joiner = "&" if "?" in path else "?"
    page = client.get(path + joiner + "lang=en")
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
    for text in english:
        assert text in visible(page.text), text


def test_the_tree_shows_names_not_ids(client: TestClient) -> None:
    text = visible(client.get("/").text)
    # names of Tabel 4.1 / 6.1, codes as the document prints them
    for name in ("Meningkatnya tata kelola Perangkat Daerah", "Nilai SAKIP Perangkat Daerah"):
        assert name in text
    assert "1.06.02" in text
    for internal in ("tujuan_tata_kelola", "persentase_pmks", "sasaran_kinerja_pd", "p_1_06"):
        assert internal not in text


def test_the_tree_counts_findings_per_branch(client: TestClient) -> None:
    page = client.get("/", params={"q": "1.06.01"}).text
    badges = [int(n) for n in re.findall(r'<span class="badge">(\d+) temuan audit</span>', page)]
    # the audit flags programme 1.06.01 itself (its end-of-period budget of Tabel 6.3: one
    # cell, one finding), its kegiatan 1.06.01.2.09, its sub kegiatan 1.06.01.2.06.0003 and
    # three codes Tabel 6.1 misprints under it (2.02.0007, 2.08.0002, 2.08.0004): 6; the
    # sasaran adds its SAKIP finding of Tabel 4.2 (7), the tujuan its own (8)
    assert badges[:3] == [8, 7, 6]


def test_search_keeps_what_matches_and_its_branch(client: TestClient) -> None:
    text = visible(client.get("/", params={"q": "pmks terlatih"}).text)
    assert "Persentase peningkatan PMKS terlatih" in text
    assert "Program Perlindungan dan jaminan sosial" in text  # its program
    assert "Nilai SAKIP Perangkat Daerah" not in text
    by_code = visible(client.get("/", params={"q": "1.06.07"}).text)
    assert "Persentase TMP dalam kondisi baik" in by_code
    assert "Persentase PMKS" not in by_code
    nothing = client.get("/", params={"q": "zzzz-nothing"})
    assert "Tidak ada yang cocok" in visible(nothing.text)


def test_indicator_page_cites_the_document(client: TestClient, seed_lines: list[str]) -> None:
    page = client.get("/indikator/persentase_pmks").text
    text = visible(page)
    assert "Tabel 4.1, baris 2466-2469" in text
    assert "Jumlah PMKS" in seed_lines[2466 - 1] and "Jumlah penduduk" in seed_lines[2469 - 1]
    assert '"Jumlah PMKS" / "Jumlah penduduk" x 100%' in text
    # the chart: a target line with one point per printed target year 2022-2026
    target = re.search(r'<polyline points="([^"]+)" class="line target"', page)
    assert target is not None and len(target.group(1).split()) == 5
    assert "<title>Target 2024: 7,26</title>" in page  # Tabel 4.2 prints 7,26 for 2024
    assert "Jejak perhitungan" in text


def test_unknown_indicator_is_404_with_a_suggestion_by_name(client: TestClient) -> None:
    page = client.get("/indikator/persentase_pmk")
    assert page.status_code == 404
    assert "Persentase PMKS" in visible(page.text)


def test_audit_filters_by_check_and_table(client: TestClient) -> None:
    every = client.get("/audit").text
    rows = re.findall(r'href="/temuan/([^"?]+)"', every)
    assert len(rows) > 10
    shown = client.get("/audit", params={"cek": "rollup"}).text
    rollups = re.findall(r'href="/temuan/([^"?]+)"', shown)
    assert rollups and all(r.startswith("rollup.") for r in rollups)
    assert len(rollups) < len(rows)
    table = client.get("/audit", params={"tabel": "2.3.2-anggaran", "cek": "rollup"}).text
    assert re.findall(r'href="/temuan/', table) == []
    english = client.get("/audit", params={"cek": "rollup", "lang": "en"}).text
    assert all("lang=en" in link for link in re.findall(r'href="(/temuan/[^"]+)"', english))


def test_a_finding_names_its_place_and_terms(client: TestClient, seed_lines: list[str]) -> None:
    page = client.get("/temuan/budget_ratio.belanja_tidak_langsung.2019.1584")
    assert page.status_code == 200
    text = visible(page.text)
    assert "Tabel 2.3.2, baris 1584" in text and "2.3.2-anggaran" not in text
    for printed in ("93,74", "3.238.828.778", "2.712.279.815"):  # as the seed prints them
        assert printed in seed_lines[1584 - 1]
        assert printed in text
    assert "83,74" in text  # 2.712.279.815 / 3.238.828.778 x 100, rounded half-up
    assert client.get("/temuan/no.such.finding").status_code == 404


def check(client: TestClient, formula: str, old: str = "", htmx: bool = True) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"formula": formula, "lama": old}
    return client.post("/editor/periksa", data=data, headers=headers).text


def test_live_check_shows_the_caret_and_the_nearest_name(client: TestClient) -> None:
    fragment = check(client, '"Jumlah PMKS" / "Jumlah pendudk" x 100%')
    assert "<html" not in fragment  # htmx gets the result alone
    caret = re.search(r'<pre class="caret">(.*?)</pre>', fragment, re.S)
    assert caret is not None
    source, marks = caret.group(1).replace("&#34;", '"').splitlines()
    assert source.index('"Jumlah pendudk"') == marks.index("^")
    assert marks.count("^") == len('"Jumlah pendudk"')
    assert "Jumlah penduduk" in fragment  # did you mean


# A bad formula of each family, the Indonesian sentence the page shows (message and hint,
# written by hand) and the English one it must not show; names quoted from the formula and
# the "did you mean" ids stay as written.
BAD_FORMULAS = [
    (
        '"Jumlah PMKS" / "Jumlah pendudk" x 100%',  # a typo in a name
        [
            'input atau indikator "Jumlah pendudk" tidak dikenal',
            "maksud Anda 'Jumlah penduduk' atau 'jumlah_penduduk'",
        ],
        ['unknown input or indicator "Jumlah pendudk"', "did you mean", " or "],
    ),
    (
        '("Jumlah PMKS" / "Jumlah penduduk" x 100%',  # a syntax error, with its caret
        ["'(' tidak ditutup", "tambahkan ')' pasangannya"],
        ["unclosed", "add the matching"],
    ),
    (
        '"Jumlah PMKS" + "Jumlah PMKS" / "Jumlah penduduk" x 100%',  # a unit mismatch
        [
            "tidak dapat menjumlahkan 'orang' dan '%'",
            "kedua sisi harus bersatuan sama; periksa satuan yang dideklarasikan untuk input",
        ],
        ["cannot add", "both sides must have the same unit"],
    ),
]


@pytest.mark.parametrize(("formula", "indonesian", "english"), BAD_FORMULAS)
def test_live_check_words_the_diagnostic_in_the_pages_language(
    client: TestClient, formula: str, indonesian: list[str], english: list[str]
) -> None:
    text = visible(check(client, formula))  # Indonesian: the default
    assert 'class="caret"' in check(client, formula)
    for sentence in indonesian:
        assert sentence in text
    for sentence in english:
        assert sentence not in text
    shown = visible(
        client.post(
            "/editor/periksa", data={"formula": formula, "lang": "en"}, headers={"HX-Request": "1"}
        ).text
    )
    for sentence in english[:2]:
        assert sentence in shown


def test_live_check_gives_unit_and_counterexample(client: TestClient) -> None:
    old = '"Jumlah PMKS" / "Jumlah penduduk" x 100%'
    same = visible(check(client, '"Jumlah PMKS" x 100% / "Jumlah penduduk"', old))
    assert "Satuan hasil: %" in same and "Setara dengan formula lama" in same
    other = visible(check(client, '"Jumlah PMKS" / "Jumlah penduduk" x 10%', old))
    assert "Tidak setara" in other and "Contoh penyangkal" in other
    page = check(client, "a +", htmx=False)  # without JavaScript: the whole page
    assert "<html" in page and 'class="caret"' in page
    switch = re.search(r'<a class="lang" href="([^"]+)"', page)
    assert switch is not None and client.get(switch.group(1)).status_code == 200


def test_static_files_are_an_allowlist(client: TestClient) -> None:
    htmx = client.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx 2.0.11")
    assert "Zero-Clause BSD" in client.get("/static/htmx.LICENSE").text
    assert "@media print" in client.get("/static/web.css").text
    for name in ("pages.py", "..%2Fpages.py", "htmx.min.js.gz"):
        assert client.get("/static/" + name).status_code == 404


def test_the_service_endpoints_are_unchanged(client: TestClient) -> None:
    assert client.get("/v1/catalogs").status_code == 200
    assert not any(
        p.startswith(("/indikator", "/audit")) for p in client.get("/openapi.json").json()["paths"]
    )


@given(st.integers(min_value=-(10**15), max_value=10**15), st.integers(0, 4))
def test_printed_number_reads_indonesian_notation(cents: int, decimals: int) -> None:
    value = Fraction(cents, 10**decimals)
    assert printed_number(format_indonesian(value, decimals)) == value
    assert printed_number(f"A ({format_indonesian(value, decimals)})") == value


def test_the_pages_strings_are_the_gettext_domain_web() -> None:
    import sys
    from pathlib import Path

    from formula_engine.i18n import translator
    from formula_engine.web.i18n import STRINGS, check_label, strings

    sys.path.insert(0, str(Path(__file__).parent.parent / "tools"))
    import messages  # tools/messages.py

    used = messages.used_messages(domain="web")
    assert set(STRINGS.values()) <= set(used)  # every UI string is a message of the domain
    assert "Save the realisation" not in messages.used_messages()  # not the reports' domain
    assert messages.check(("web",)) == []  # each has its Indonesian text; .mo compiled
    # Written by hand: what a planner reads in each language.
    assert translator("id", "web")("Search by code, name or indicator") == (
        "Cari kode, nama, atau indikator"
    )
    assert strings("id")["save_realisation"] == "Simpan realisasi"
    assert strings("en")["save_realisation"] == "Save the realisation"
    assert check_label("rollup", "id") == "Jumlah anggaran (Tabel 6.1-6.3)"
    with pytest.raises(ValueError, match="domain"):
        translator("id", "nope")


def test_the_explain_trail_follows_the_page_language(client: TestClient) -> None:
    indonesian = visible(client.get("/indikator/persentase_pmks").text)
    english = visible(client.get("/indikator/persentase_pmks", params={"lang": "en"}).text)
    assert "Nilai tercetak" in indonesian and "Nilai tercetak" not in english
    assert "Printed values" in english
    finding = "/temuan/budget_ratio.belanja_tidak_langsung.2019.1584"
    assert "baris naskah" not in visible(client.get(finding, params={"lang": "en"}).text)


def test_a_findings_rule_and_cause_follow_the_page_language(client: TestClient) -> None:
    # Tabel 2.3.2 line 1584 prints 93,74 where 83,74 is computed: one digit differs.
    finding = "/temuan/budget_ratio.belanja_tidak_langsung.2019.1584"
    indonesian = visible(client.get(finding).text)
    english = visible(client.get(finding, params={"lang": "en"}).text)
    assert "salah ketik satu digit" in indonesian and "mistyped digit" not in indonesian
    assert "mistyped digit" in english and "salah ketik" not in english
    audit = visible(client.get("/audit").text)
    assert "mistyped digit" not in audit
