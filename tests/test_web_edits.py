"""Edits from the web pages and their facade functions, each on a copy of the bundled
catalog: a formula saved (api.set_formula: its file rewritten in place, the change
recorded with its source, the audit after it), a target and a realisation with their
located errors, the login that guards them, the workbook upload (every bad cell, then a
confirm step), the capaian and budgets shown. Nothing is saved unless it all checks."""

from __future__ import annotations

import io
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from fastapi.testclient import TestClient
from test_web import visible

from formula_engine import api
from formula_engine.catalog import CatalogRejected, bundled_catalog_path
from formula_engine.excel.realisasi import template_bytes, template_rows
from formula_engine.service import create_app
from formula_engine.web.forms import COOKIE, _local, multipart_of

TOKEN = "rahasia-uji"
TERLATIH = "p_1_06_05_persentase_peningkatan_pmks_terlatih"
# The catalog's 2022 formula counts from the plan's first year, so the audit flags it
# against the 28,79 the document prints for 2020 (Tabel 6.1); without akumulasi it holds.
FIXED = '("PMKS yang terlatih" - "PMKS terlatih"[n-1]) / "PMKS terlatih"[n-1] x 100%'
TYPO = '("PMKS yang terlatih" - "PMKS terlatih"[n-1]) / "PMKS terlath"[n-1] x 100%'
FLAGGED = f"formula_vs_figures.{TERLATIH}.2020.5588"
SOURCE = {"document": "Perubahan Renstra 2025", "date": "2025-03-01", "entered_by": "Sari"}


def files_of(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(bundled_catalog_path(), tmp_path / "catalog")
    return tmp_path / "catalog"


@pytest.fixture
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app({"renstra": root}, token=TOKEN)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def still_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the tests that must write nothing (each checks that it did not)."""
    folder = tmp_path_factory.mktemp("still")
    shutil.copytree(bundled_catalog_path(), folder / "catalog")
    return folder / "catalog"


@pytest.fixture(scope="module")
def still(still_root: Path) -> Iterator[TestClient]:
    with TestClient(create_app({"renstra": still_root}, token=TOKEN)) as test_client:
        yield test_client


def login(client: TestClient) -> None:
    answer = client.post("/masuk", data={"token": TOKEN, "lanjut": "/"}, follow_redirects=False)
    assert answer.status_code == 303


# The facade: api.set_formula


def test_set_formula_rewrites_one_scalar_and_records_the_change(root: Path) -> None:
    handle = api.load_catalog(root)
    assert FLAGGED in {f.id for f in api.findings(handle)}
    before = files_of(root)
    old = next(v.formula for v in handle.indicator(TERLATIH).formulas if v.valid_from == 2022)
    out = api.set_formula(handle, TERLATIH, 2022, FIXED, api.EditSource(**SOURCE))
    assert out.files == ["programs/1.06.05.yaml", "updates.yaml"] and out.old == old
    after = files_of(root)
    assert set(after) - set(before) == {"updates.yaml"}
    changed = [k for k in before if before[k] != after[k]]
    assert changed == ["programs/1.06.05.yaml"]
    old_lines = before[changed[0]].decode().splitlines()
    new_lines = after[changed[0]].decode().splitlines()
    differing = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=True)) if a != b]
    assert len(differing) == 1  # the comments and every other line kept byte for byte
    assert new_lines[differing[0]].strip() == "formula: " + json.dumps(FIXED)
    updates = after["updates.yaml"].decode()
    assert "kind: formula" in updates and "Perubahan Renstra 2025" in updates
    # the audit after the save: the figure that contradicted the formula now holds
    assert FLAGGED not in {f.id for f in api.findings(handle)}
    trail = api.explain(handle, TERLATIH, lang="en").text
    assert f"formula valid from 2022 changed: {old} -> {FIXED}" in trail
    assert "Perubahan Renstra 2025, 2025-03-01, entered by Sari" in trail
    indonesian = api.explain(handle, TERLATIH, lang="id").text
    assert f"formula yang berlaku sejak 2022 diubah: {old} -> {FIXED}" in indonesian
    assert "Perubahan Renstra 2025, 2025-03-01, dimasukkan oleh Sari" in indonesian


def test_a_formula_that_does_not_check_writes_nothing(root: Path) -> None:
    handle = api.load_catalog(root)
    before = files_of(root)
    with pytest.raises(api.FormulaError) as raised:
        api.set_formula(handle, TERLATIH, 2022, TYPO, api.EditSource(**SOURCE))
    shown = raised.value.render()
    assert "E201" in shown and "did you mean" in shown and "PMKS terlatih" in shown
    source_line, carets = shown.splitlines()[1:3]
    assert source_line.index('"PMKS terlath"') == carets.index("^")
    with pytest.raises(api.StaleEdit):
        api.set_formula(handle, TERLATIH, 2022, FIXED, api.EditSource(**SOURCE), '"0000"')
    with pytest.raises(api.FormulaError) as unknown:
        api.set_formula(handle, TERLATIH, 2019, FIXED, api.EditSource(**SOURCE))
    assert unknown.value.code == "E720"
    assert files_of(root) == before


def test_a_failure_between_the_two_writes_changes_neither_file(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The program file's temporary is written in full, then the disk fills while
    updates.yaml's is written: both files stay byte for byte as they were, no temporary
    is left, and the error names updates.yaml."""
    from formula_engine import writing

    handle = api.load_catalog(root)
    before = files_of(root)
    names_before = sorted(p.name for p in root.rglob("*"))
    written: list[Path] = []
    real = writing._temporary

    def second_fails(target: Path, data: bytes) -> Path:
        if written:
            raise OSError(28, "No space left on device")
        written.append(real(target, data))
        return written[-1]

    monkeypatch.setattr(writing, "_temporary", second_fails)
    with pytest.raises(writing.WriteError) as raised:
        api.set_formula(handle, TERLATIH, 2022, FIXED, api.EditSource(**SOURCE))
    assert len(written) == 1 and written[0].name.startswith(".1.06.05.yaml.tmp-")
    assert "updates.yaml" in raised.value.render()
    assert "No space left on device" in raised.value.render()
    assert files_of(root) == before
    assert sorted(p.name for p in root.rglob("*")) == names_before


@pytest.mark.parametrize(
    ("record", "code"),
    [
        ({"indicator": TERLATIH, "valid_from": 2019}, "E720"),
        ({"indicator": "persentase_pmk", "valid_from": 2022}, "E570"),
        ({"indicator": TERLATIH, "valid_from": 2022, "source": "tidak_ada"}, "E574"),
    ],
)
def test_formula_records_are_validated(root: Path, record: dict[str, object], code: str) -> None:
    source = record.pop("source", None)
    lines = [
        "formulas:",
        "  - kind: formula",
        f"    indicator: {record['indicator']}",
        f"    valid_from: {record['valid_from']}",
        '    old: "a"',
        '    new: "b"',
    ]
    lines += (
        [f"    source: {source}"] if source else ["    source: {document: X, date: 2025-01-02}"]
    )
    (root / "updates.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CatalogRejected) as rejected:
        assert api.load_catalog(root).catalog
    found = [d for d in rejected.value.diagnostics if d.severity == "error"]
    assert [d.code for d in found] == [code]
    assert found[0].error.location is not None and found[0].error.location.line in (3, 4, 7)


# The pages: login, formula, target, realisation


def test_edits_need_the_login(still: TestClient, still_root: Path) -> None:
    still.cookies.clear()  # the module's client: not logged in yet
    before = files_of(still_root)
    data = {"year": "2024", "text": "7,1", **SOURCE}
    refused = still.post("/indikator/persentase_pmks/realisasi", data=data)
    assert refused.status_code == 401 and "masuk dahulu" in visible(refused.text)
    wrong = still.post("/masuk", data={"token": "salah", "lanjut": "/"})
    assert wrong.status_code == 401 and "Token salah" in visible(wrong.text)
    login(still)
    cookie = still.cookies.get(COOKIE)
    assert cookie and TOKEN not in cookie
    assert files_of(still_root) == before
    assert _local("//evil.example/x") == "/" and _local("https://x") == "/"
    assert _local("/indikator/a") == "/indikator/a"


def test_without_a_token_the_pages_say_edits_are_off(root: Path) -> None:
    with TestClient(create_app({"renstra": root})) as client:
        page = visible(client.get("/indikator/persentase_pmks").text)
        assert "Perubahan tidak aktif" in page
        data = {"year": "2024", "text": "7,1", **SOURCE}
        assert client.post("/indikator/persentase_pmks/realisasi", data=data).status_code == 403


def test_save_formula_typo_then_fix(client: TestClient, root: Path) -> None:
    login(client)
    before = files_of(root)
    form = {"indikator": TERLATIH, "versi": "2022", "lama": "", "nama": "", **SOURCE}
    typo = client.post("/editor/simpan", data={**form, "formula": TYPO})
    assert typo.status_code == 400
    caret = re.search(r'<pre class="caret">(.*?)</pre>', typo.text, re.S)
    assert caret is not None
    source, marks = caret.group(1).replace("&#34;", '"').splitlines()
    assert source.index('"PMKS terlath"') == marks.index("^")
    assert files_of(root) == before
    assert client.get("/audit").text.count(f"/temuan/{FLAGGED}") == 1
    saved = client.post("/editor/simpan", data={**form, "formula": FIXED}, follow_redirects=False)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "Formula tersimpan" in visible(page.text) and FIXED in visible(page.text)
    assert f"/temuan/{FLAGGED}" not in client.get("/audit").text


def test_a_refused_save_words_the_formulas_problem_in_the_pages_language(
    client: TestClient, root: Path
) -> None:
    """The save's problem box: the resolver's message and its "did you mean" in
    Indonesian on an Indonesian page (the ids and labels as written), in English with
    lang=en; the error the facade raises (what the CLI prints) stays English."""
    login(client)
    before = files_of(root)
    form = {"indikator": TERLATIH, "versi": "2022", "lama": "", "nama": "", **SOURCE}
    typo = visible(client.post("/editor/simpan", data={**form, "formula": TYPO}).text)
    assert 'input atau indikator "PMKS terlath" tidak dikenal' in typo
    assert "maksud Anda 'PMKS terlatih'" in typo
    assert "unknown input" not in typo and "did you mean" not in typo
    english = client.post("/editor/simpan", data={**form, "formula": TYPO, "lang": "en"})
    shown = visible(english.text)
    assert 'unknown input or indicator "PMKS terlath"' in shown and "did you mean" in shown
    bad = client.post("/editor/simpan", data={**form, "formula": FIXED + " +"})
    assert "formula berakhir dengan operator '+'" in visible(bad.text)
    assert 'class="caret"' in bad.text and "the formula ends" not in visible(bad.text)
    assert files_of(root) == before


def test_a_realisation_gives_capaian_and_predikat(client: TestClient, root: Path) -> None:
    login(client)
    before = files_of(root)
    data = {"year": "2024", "period": "", **SOURCE}
    bad = client.post("/indikator/persentase_pmks/realisasi", data={**data, "text": "7,,1"})
    assert bad.status_code == 400
    assert re.search(r'id="real-text"[^>]*aria-invalid="true"', bad.text)
    assert "E572" in bad.text and "7,,1" in visible(bad.text)
    assert files_of(root) == before
    good = client.post(
        "/indikator/persentase_pmks/realisasi",
        data={**data, "text": "7,1"},
        follow_redirects=False,
    )
    assert good.status_code == 303
    page = client.get(good.headers["location"]).text
    row = re.search(r'<tr class="year-row"><th scope="row">2024</th>(.*?)</tr>', page, re.S)
    assert row is not None
    cells = visible(row.group(1))
    # lower is better (difference): (2 x 7,26 - 7,1) / 7,26 x 100 = 102,20 (half-up)
    assert "7,26" in cells and "7,1" in cells and "102,20" in cells
    assert "LKjIP" not in cells and "Perubahan Renstra 2025, 2025-03-01" in cells
    expected = api.capaian(api.load_catalog(root), 2024)
    mine = next(r for r in expected.rows if r.indicator == "persentase_pmks")
    assert mine.predikat and mine.predikat in cells
    assert '<polyline points="' in page and 'class="line realisation"' in page


def test_a_quarter_shows_its_own_capaian(client: TestClient) -> None:
    login(client)
    data = {"year": "2025", "period": "TW2", "text": "7,3", **SOURCE}
    assert client.post("/indikator/persentase_pmks/realisasi", data=data).status_code == 200
    page = client.get("/indikator/persentase_pmks").text
    quarter = re.search(r'<tr class="quarter-row">(.*?)</tr>', page, re.S)
    assert quarter is not None
    assert "s.d. TW2" in visible(quarter.group(1)) and "7,3" in visible(quarter.group(1))


def test_the_indicator_page_computes_its_capaian_once(
    client: TestClient, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One facade call per page for every year and quarter, never the whole plan's table;
    and what it gives is the row of that indicator in the plan's table (api.capaian)."""
    from formula_engine import capaian as capaian_module

    login(client)
    data = {"year": "2025", "period": "TW2", "text": "7,3", **SOURCE}
    assert client.post("/indikator/persentase_pmks/realisasi", data=data).status_code == 200
    calls: list[tuple[str, object]] = []
    facade, table = api.indicator_capaian, capaian_module.capaian_table

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(("indicator_capaian", args[2]))
        return facade(*args, **kwargs)  # type: ignore[arg-type]

    def whole(*args: object, **kwargs: object) -> object:
        calls.append(("capaian_table", args[1:]))
        return table(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "indicator_capaian", counted)
    monkeypatch.setattr(capaian_module, "capaian_table", whole)
    assert client.get("/indikator/persentase_pmks").status_code == 200
    assert [name for name, _ in calls] == ["indicator_capaian"]
    periods = calls[0][1]
    assert isinstance(periods, list) and (2025, 2) in periods and (2022, None) in periods
    monkeypatch.undo()
    handle = api.load_catalog(root)
    mine = api.indicator_capaian(handle, "persentase_pmks", periods)
    assert set(mine) == set(periods)
    for (year, quarter), row in mine.items():
        plan_rows = api.capaian(handle, year, quarter).rows
        assert row == next(r for r in plan_rows if r.indicator == "persentase_pmks")


def test_a_target_change_moves_the_chart(client: TestClient) -> None:
    login(client)
    data = {"year": "2025", "text": "7,0", **SOURCE}
    answer = client.post("/indikator/persentase_pmks/target", data=data)
    assert answer.status_code == 200 and "Target tersimpan" in visible(answer.text)
    assert "<title>Target 2025: 7,0</title>" in answer.text
    assert "<title>Target 2025: 7,15</title>" not in answer.text
    bad = client.post("/indikator/persentase_pmks/target", data={**data, "date": "2025-02-30"})
    assert bad.status_code == 400 and re.search(r'id="target-date"[^>]*aria-invalid', bad.text)


# The workbook upload


def workbook(root: Path, cells: dict[str, object]) -> bytes:
    rows = template_rows(api.load_catalog(root).catalog, 2024, None)
    book = openpyxl.load_workbook(io.BytesIO(template_bytes(rows)))
    for cell, value in cells.items():
        book["Realisasi"][cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_upload_names_every_bad_cell_and_saves_nothing(still: TestClient, still_root: Path) -> None:
    login(still)
    before = files_of(still_root)
    data = workbook(still_root, {"G2": "abc", "G3": -5, "G4": "12,5%", "G5": 80})
    answer = still.post("/unggah", files={"berkas": ("isian.xlsx", data, XLSX)})
    assert answer.status_code == 400
    cells = re.findall(r'<td class="where">(.*?)</td>', answer.text)
    assert cells == ["Realisasi!G2", "Realisasi!G3", "Realisasi!G4"]
    assert "Tidak ada yang disimpan" in visible(answer.text)
    # the cells' messages in the page's language (the CLI's stay English)
    text = visible(answer.text)
    assert "'abc' adalah teks, bukan angka" in text and "realisasi bernilai negatif" in text
    assert "is text, not a number" not in text
    english = still.post(
        "/unggah", data={"lang": "en"}, files={"berkas": ("isian.xlsx", data, XLSX)}
    )
    assert "'abc' is text, not a number" in visible(english.text)
    assert files_of(still_root) == before


def test_upload_shows_what_it_imports_then_saves_on_confirm(client: TestClient, root: Path) -> None:
    login(client)
    data = workbook(root, {"G2": 80})
    answer = client.post("/unggah", files={"berkas": ("isian.xlsx", data, XLSX)})
    assert answer.status_code == 200
    text = visible(answer.text)
    assert "1 nilai akan diimpor" in text and "Nilai SAKIP Perangkat Daerah" in text
    assert not (root / "updates.yaml").exists()  # nothing saved before the confirm
    rows = re.findall(r'name="row" value="([^"]+)"', answer.text)
    assert rows == ["tujuan_tata_kelola_nilai_sakip|2024||80"]
    saved = client.post("/unggah/simpan", data={"row": rows, **SOURCE})
    assert saved.status_code == 200 and "1 nilai tersimpan" in visible(saved.text)
    assert "tujuan_tata_kelola_nilai_sakip" in (root / "updates.yaml").read_text()


def test_multipart_reads_fields_and_the_file() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="lang"\r\n\r\nen\r\n'
        b'--b\r\nContent-Disposition: form-data; name="berkas"; filename="a.xlsx"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01PK\r\n--b--\r\n"
    )
    fields, data, name = multipart_of(body, "multipart/form-data; boundary=b")
    assert fields == {"lang": "en"} and data == b"\x00\x01PK" and name == "a.xlsx"
    assert multipart_of(b"junk", "text/plain") == ({}, b"", "")


# The plan tree's budgets


def test_the_tree_shows_budgets_per_year(still: TestClient, seed_lines: list[str]) -> None:
    page = still.get("/", params={"q": "1.06.01"}).text
    assert "2022: Rp 4.105.281.869" in visible(page)
    assert "4.105.281.869" in seed_lines[3319 - 1]  # Tabel 6.1 prints it at line 3319
    assert 'title="Tabel 6.1, baris 3319"' in page


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/editor/simpan", {"indikator": TERLATIH, "versi": "abc", "formula": FIXED}),
        ("/editor/simpan", {"indikator": "tidak_ada", "versi": "2022", "formula": FIXED}),
        ("/indikator/persentase_pmks/realisasi", {"year": "20x4", "text": "7"}),
        ("/indikator/persentase_pmks/realisasi", {"year": "2024", "period": "TW9", "text": "7"}),
        ("/indikator/persentase_pmks/target", {"year": "1999", "text": "7"}),
        ("/indikator/tidak_ada/target", {"year": "2024", "text": "7"}),
        ("/unggah/simpan", {"row": "persentase_pmks|abc||7"}),
        ("/unggah/simpan", {"row": "|||"}),
    ],
)
def test_hostile_forms_are_refused_as_pages(
    still: TestClient, still_root: Path, path: str, data: dict[str, str]
) -> None:
    login(still)
    before = files_of(still_root)
    answer = still.post(path, data={**data, **SOURCE})
    assert answer.status_code in (400, 404)
    assert answer.headers["content-type"].startswith("text/html")
    assert "Traceback" not in answer.text
    if answer.status_code == 400:  # the form again, the problem in it
        assert re.search(
            r'<div class="diagnostic error" id="masalah-\w+" role="alert">', answer.text
        )
    else:
        assert "Tidak ditemukan" in visible(answer.text)
    assert files_of(still_root) == before


def test_the_language_switch_of_a_refused_form_stays_on_its_page(still: TestClient) -> None:
    login(still)
    answer = still.post("/indikator/persentase_pmks/target", data={"year": "2024", "text": "x"})
    switch = re.search(r'<a class="lang" href="([^"]+)"', answer.text)
    assert switch is not None and switch.group(1).startswith("/indikator/persentase_pmks?")
    english = still.get(switch.group(1).replace("&amp;", "&"))
    assert "Change a target" in visible(english.text)


def test_a_csv_upload_names_line_and_column(still: TestClient, still_root: Path) -> None:
    from formula_engine.excel.realisasi import template_csv

    rows = template_rows(api.load_catalog(still_root).catalog, 2024, None)
    lines = template_csv(rows).splitlines()
    cells = lines[2].split(",")
    cells[6] = "banyak"  # the realisasi of the second row: not a number
    lines[2] = ",".join(cells)
    data = ("\n".join(lines) + "\n").encode()
    answer = still.post("/unggah", files={"berkas": ("isian-2024.csv", data, "text/csv")})
    assert answer.status_code == 400
    assert re.findall(r'<td class="where">(.*?)</td>', answer.text) == ["isian-2024.csv:3:7"]


# Refusals in the page's language (issue 14): for each family, the Indonesian page shows
# the Indonesian sentence (written by hand in renstra.po) and none of the English one;
# the English page (?lang=en, as the forms post it) shows the English; nothing is written.


def problem_box(html: str) -> str:
    found = re.search(r'<div class="diagnostic error"[^>]*role="alert">(.*?)</div>', html, re.S)
    assert found is not None, visible(html)[:500]
    return visible(found.group(1))


def in_both(
    client: TestClient, path: str, data: dict[str, str], indonesian: list[str], english: list[str]
) -> None:
    """The refusal's box in Indonesian (none of the English), then in English."""
    english_form = {**data, "lang": "en"}
    pages = [("", data, indonesian, english), ("?lang=en", english_form, english, indonesian)]
    for suffix, form, shown_texts, hidden_texts in pages:
        answer = client.post(path + suffix, data=form)
        assert answer.status_code == 400
        shown = problem_box(answer.text)
        assert all(text in shown for text in shown_texts), (shown, shown_texts)
        assert not any(text in shown for text in hidden_texts), (shown, hidden_texts)


VALUE_REFUSALS = [
    (  # a value that is no figure (updates.py, E572), and its hint
        "/indikator/persentase_pmks/target",
        {"year": "2024", "text": "tujuh"},
        ["'tujuh': bukan angka", "tulis nilainya dalam notasi Indonesia: 12,5 atau 1.234.567"],
        ["'tujuh': not a figure", "write the value in Indonesian notation"],
    ),
    (  # a malformed figure (printed.py)
        "/indikator/persentase_pmks/realisasi",
        {"year": "2024", "period": "", "text": "7,,1"},
        ["'7,,1' tidak dapat dibaca sebagai angka"],
        ["cannot read '7,,1' as a figure"],
    ),
    (  # a year before the schema's first (a schema error of updates.yaml, E501)
        "/indikator/persentase_pmks/target",
        {"year": "1999", "text": "7"},
        ["year: isian harus lebih besar dari atau sama dengan 2000"],
        ["Input should be greater than or equal to 2000"],
    ),
    (  # a quarter the form does not offer (a form's field, E723)
        "/indikator/persentase_pmks/realisasi",
        {"year": "2024", "period": "TW9", "text": "7"},
        ["isian harus 'TW1', 'TW2', 'TW3' atau 'TW4'"],
        ["Input should be 'TW1', 'TW2', 'TW3' or 'TW4'"],
    ),
    (  # a date the calendar does not have (the source's validator)
        "/indikator/persentase_pmks/realisasi",
        {"year": "2024", "period": "", "text": "7", "date": "2025-02-30"},
        ["nilai tidak sah: tanggal tidak ada dalam bulan itu"],
        ["Value error, day is out of range for month"],
    ),
    (  # an empty value
        "/indikator/persentase_pmks/realisasi",
        {"year": "2024", "period": "", "text": ""},
        ["teks harus berisi sedikitnya 1 karakter"],
        ["String should have at least 1 character"],
    ),
    (  # an upload's confirmed row of an indicator the catalog does not have (E570)
        "/unggah/simpan",
        {"row": "persentase_pmks_lama|2024||7"},
        ["indikator 'persentase_pmks_lama' tidak dikenal", "maksud Anda 'persentase_pmks'"],
        ["unknown indicator", "did you mean"],
    ),
    (  # E701: an indicator id no page links to, with its hint
        "/editor/simpan",
        {"indikator": "tidak_ada", "versi": "2022", "formula": FIXED},
        [
            "tidak ada indikator 'tidak_ada'",
            "pohon rencana (GET /v1/catalogs/NAME/tree) mendaftar setiap indikator",
        ],
        ["no indicator 'tidak_ada'", "lists every indicator"],
    ),
]


@pytest.mark.parametrize(("path", "data", "indonesian", "english"), VALUE_REFUSALS)
def test_a_refused_value_or_record_is_worded_in_the_pages_language(
    still: TestClient,
    still_root: Path,
    path: str,
    data: dict[str, str],
    indonesian: list[str],
    english: list[str],
) -> None:
    login(still)
    before = files_of(still_root)
    in_both(still, path, {**SOURCE, **data}, indonesian, english)
    assert files_of(still_root) == before


CATALOG_REFUSALS = [
    (  # two formula versions of one indicator overlap (validate.py, E515)
        ('            valid_to: 2023\n            printed: "Jumlah PMKS ___', "2023", "2024"),
        ["versi formula tumpang tindih pada tahun 2024", "setiap tahun memiliki paling banyak"],
        ["formula versions overlap in 2024", "each year has at most one formula"],
    ),
    (  # a key the schema does not know (loader.py, E502)
        (
            '      - id: persentase_pmks\n        name: "Persentase PMKS"\n',
            '"Persentase PMKS"\n',
            '"Persentase PMKS"\n        warna: merah\n',
        ),
        ["kunci 'warna' tidak dikenal", "periksa ejaannya"],
        ["unknown key 'warna'", "check the spelling"],
    ),
]


@pytest.mark.parametrize(("change", "indonesian", "english"), CATALOG_REFUSALS)
@pytest.mark.parametrize("form", ["formula", "target"])
def test_a_save_refused_by_the_catalog_is_worded_in_the_pages_language(
    client: TestClient,
    root: Path,
    change: tuple[str, str, str],
    indonesian: list[str],
    english: list[str],
    form: str,
) -> None:
    """The catalog's files changed outside the page so that it no longer checks: a save
    shows the catalog's first error, located, in the page's language (not the count of
    errors), and writes nothing."""
    login(client)
    plan = root / "renstra.yaml"
    text = plan.read_text(encoding="utf-8")
    where, old, new = change
    assert text.count(where) == 1
    plan.write_text(text.replace(where, where.replace(old, new, 1)), encoding="utf-8")
    before = files_of(root)
    if form == "formula":
        path = "/editor/simpan"
        data = {"indikator": TERLATIH, "versi": "2022", "formula": FIXED, **SOURCE}
    else:
        path, data = "/indikator/persentase_pmks/target", {"year": "2025", "text": "7", **SOURCE}
    in_both(client, path, data, indonesian, english)
    if form == "formula":  # the editor's box names the file and line
        assert "renstra.yaml:" in problem_box(client.post(path, data=data).text)
    assert files_of(root) == before


def test_a_path_no_page_has_is_the_not_found_page(still: TestClient) -> None:
    """A browser's 404 outside the API is the web's page in its language; the API's
    stays JSON, and so does any 404 asked without text/html (a client of the API)."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for path in ("/tidak-ada", "/indikator", "/static/pages.py"):
        page = still.get(path, headers=browser)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Tidak ditemukan" in visible(page.text) and "Not found" not in visible(page.text)
        english = still.get(path + "?lang=en", headers=browser)
        assert english.status_code == 404 and "Not found" in visible(english.text)
        assert "Tidak ditemukan" not in visible(english.text)
    api_answer = still.get("/v1/tidak-ada", headers=browser)
    assert api_answer.status_code == 404 and api_answer.json()["code"] == "E701"
    client_answer = still.get("/tidak-ada")  # no text/html: a client of the API
    assert client_answer.status_code == 404 and client_answer.json()["code"] == "E701"
