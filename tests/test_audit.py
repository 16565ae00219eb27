"""The audit of the bundled catalog: golden report, known mistakes, rollup properties, CLI."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check_golden
from hypothesis import given, settings
from hypothesis import strategies as st

from formula_engine.audit import audit, run_audit
from formula_engine.audit.recompute import budget_rollups
from formula_engine.catalog import load_catalog
from formula_engine.catalog.load import Catalog, Located
from formula_engine.catalog.models import Kegiatan, PlanFile, Printed, Program, Source, SubKegiatan
from formula_engine.cli import main
from formula_engine.loader import YamlFile
from formula_engine.numbers import format_indonesian

ROOT = Path(__file__).resolve().parent.parent
CATALOG, _ = load_catalog(ROOT / "catalog")
assert CATALOG is not None
REPORT = run_audit(CATALOG)


def test_golden_audit_report(update_goldens: bool) -> None:
    from formula_engine.audit.report import render_markdown

    check_golden(ROOT / "tests" / "golden" / "audit.md", render_markdown(REPORT), update_goldens)


# Mistakes of the document found while transcribing it, independently of the audit (the
# transcription notes in catalog/transcription/ and the second transcription): each must
# be a finding, at its place.
KNOWN_MISTAKES = [
    (
        "budget_ratio",
        "belanja_tidak_langsung",
        2019,
        "93,74",
        1584,
    ),  # 2.712.279.815 / 3.238.828.778 = 83,74
    ("budget_ratio", "belanja_tidak_langsung", 2020, "87,84", 1584),  # 87,8346 -> 87,83
    ("budget_ratio", "belanja_langsung", 2020, "90,16", 1586),  # computes to 98,04
    ("budget_ratio", "belanja_barang_dan_jasa", 2019, "98,86", 1591),  # 98,8543 -> 98,85
    ("budget_growth", "belanja_langsung", None, "13,72", 1586),  # computes to 3,43
    (
        "budget_parts",
        "belanja_langsung",
        2017,
        "20.800.284.676",
        1586,
    ),  # parts add up to 22.000.000 more
    ("rollup", "1.06.01.2.09", 2024, "136.420.000", 10238),  # sub kegiatan add up to 136.420.354
    ("rollup", "1.06.01", None, "22.535.730.108", 8025),  # kegiatan add up to 22.535.370.108
    ("end_of_period_rp", "1.06.01.2.06.0003", None, "117.564.8355", 9267),  # a stray digit
    ("rollup", "1.06.04.2.01", 2022, "494.179.400", 4596),  # sub kegiatan add up to 498.179.400
    ("rollup", "1.06.05.2.02", 2022, "18.792.409200", 5636),  # a separator missing
    ("rollup", "1.06.06.2.02", 2026, "350.721.079", 14335),  # its only sub kegiatan: ...080
    ("end_of_period", "s_1_06_04_2_01_0012_jumlah_orang_layanan_rujukan", None, "256", 12757),
    # Tabel 4.2 prints SAKIP A (84,96) as the condition of 2022; Tabel 4.1 prints it for 2023.
    ("cross_table", "tujuan_tata_kelola_nilai_sakip", 2022, "A (84,96)", 2601),
    ("cross_table", "sasaran_kinerja_pd_nilai_sakip", 2022, "A (84,96)", 2643),
    # Misprinted codes (issue 11), each checked against the seed line: Tabel 6.1 prints
    # "1.06.02.\n03" (the .2. of the kegiatan part left out), "1.06.04.\n2.02.135", the
    # kegiatan code "1.06.01.\n2.02" and "1.06.01.\n2.04" for sub kegiatan 2.08.0002 and
    # 2.08.0004, "1.06.01.\n2.02.02" for 2.02.0007; Tabel 6.2 prints 1.06.05.2.02.03 for
    # both 0003 (line 7726) and 0004 (line 7756).
    ("code", "1.06.02.2.03", None, "1.06.02.03", 4229),
    ("code", "1.06.02.2.03.0004", None, "1.06.02.03.04", 4329),
    ("code", "1.06.04.2.02.0013", None, "1.06.04.2.02.135", 4979),
    ("code", "1.06.05.2.02.0004", None, "1.06.05.2.02.03", 7756),
    ("code", "1.06.01.2.08.0002", None, "1.06.01.2.02", 3900),
    ("code", "1.06.01.2.08.0004", None, "1.06.01.2.04", 3920),
    ("code", "1.06.01.2.02.0007", None, "1.06.01.2.02.02", 3500),
    # Formula versions contradicted by the document's own figures (issue 11).
    ("formula_vs_figures", "p_1_06_05_persentase_peningkatan_pmks_terlatih", 2020, "28,79", 5588),
    ("formula_vs_figures", "persentase_fakir_miskin_berdaya", 2021, "0,16", 2829),
]


@pytest.mark.parametrize(("check", "subject", "year", "printed", "line"), KNOWN_MISTAKES)
def test_known_mistakes_are_findings(
    check: str, subject: str, year: int | None, printed: str, line: int
) -> None:
    matches = [
        f
        for f in REPORT.findings
        if (f.check, f.subject, f.year, f.printed, f.place.line)
        == (check, subject, year, printed, line)
    ]
    assert len(matches) == 1


def test_figures_that_hold_are_not_findings() -> None:
    # The end-of-period Rp of 1.06.06 holds as printed; the kegiatan total that includes
    # a misprinted child holds with the child's intended reading and is not a second finding.
    holding = {(f.check, f.subject, f.year) for f in REPORT.figures if f.status == "holds"}
    assert ("rollup", "1.06.06", 2026) in holding
    assert ("end_of_period_rp", "1.06.01.2.09", None) in holding
    assert ("end_of_period", "persentase_penurunan_pmks", None) in holding
    unvalued = {"code", "literal_reading", "formula_vs_figures"}  # no number to recompute
    for figure in REPORT.findings:
        assert figure.recomputed is not None or figure.check in unvalued


def _figure(check: str, subject: str, year: int | None, printed: str) -> list[object]:
    return [
        f
        for f in REPORT.figures
        if (f.check, f.subject, f.year, f.printed) == (check, subject, year, printed)
    ]


def test_one_cause_one_finding() -> None:
    # TOTAL 2017 (Tabel 2.3.2, line 1595) = Belanja Tidak Langsung + the three components
    # of Belanja Langsung: it holds through Belanja Langsung 2017, whose finding lists
    # both rules (issue 11's false finding "printed 22.984.189.676, recomputed 22.962...").
    (total,) = _figure("budget_parts", "total", 2017, "22.984.189.676")
    assert total.status == "holds" and "Belanja Langsung = 20.822.284.676" in total.explanation
    (langsung,) = _figure("budget_parts", "belanja_langsung", 2017, "20.800.284.676")
    assert len(langsung.rules) == 2 and langsung.rules[1].startswith("TOTAL = ")
    # The end-of-period Rp of program 1.06.01 breaks two rules: one finding.
    named = [f for f in REPORT.findings if f.subject == "1.06.01" and f.year is None]
    assert len(named) == 1 and len(named[0].rules) == 2
    assert any(r.startswith("sum of the yearly budget targets") for r in named[0].rules)
    # 1.06.04.2.01 2022: the program's realisation adds up with the printed kegiatan
    # figure, so a sub kegiatan is the more likely cell at fault (catalog note, line 4596)
    (kegiatan,) = _figure("rollup", "1.06.04.2.01", 2022, "494.179.400")
    assert kegiatan.explanation.startswith("the printed 494.179.400 agrees with 1.06.04 = ")
    cells = [f.cell for f in REPORT.findings]
    assert len(cells) == len(set(cells))


def test_readings_tried_before_none_is_found() -> None:
    (growth,) = _figure("budget_growth", "belanja_langsung", None, "13,72")
    assert growth.explanation.startswith("a sum instead of a mean: the 4 yearly growth rates")
    (rujukan,) = _figure(
        "end_of_period", "s_1_06_04_2_01_0012_jumlah_orang_layanan_rujukan", None, "256"
    )
    assert rujukan.explanation.startswith("a neighbouring row's value: with 55, the 2023 target")
    assert "1.06.04.2.02.0013" in rujukan.explanation and "line 7261" in rujukan.explanation


def test_classes_severity_weight_and_places() -> None:
    holds = [f for f in REPORT.findings if (f.explanation or "").endswith("the value holds")]
    assert len(holds) == 12 and {f.finding_class for f in holds} == {"notation"}
    counts = REPORT.counts_by_class()
    assert counts["code"] == 7 and counts["formula_vs_figures"] == 2
    assert sum(counts.values()) == len(REPORT.findings) + REPORT.counts()["not_recomputable"]
    for figure in REPORT.findings:
        assert figure.finding_class and figure.severity and figure.rules
        assert figure.place.title and not figure.place.title.startswith(
            "Tabel "
        )  # the number is apart
        assert figure.place.row and figure.place.column
    (rollup,) = _figure("rollup", "1.06.04.2.01", 2022, "494.179.400")
    assert (rollup.weight, rollup.severity) == (4_000_000, "high")
    assert rollup.place.column == "2022, Rp, realisasi"
    assert rollup.place.row.startswith("1.06.04.2.01 Rehabilitasi Sosial Dasar")
    # the two tables the document titles "Tabel 2.3.2" are told apart by their titles
    (ratio,) = _figure("budget_ratio", "belanja_tidak_langsung", 2019, "93,74")
    assert ratio.place.title.startswith("Anggaran dan Realisasi Pendanaan")


def test_every_figure_cites_its_place_and_every_unrecomputable_says_why() -> None:
    for figure in REPORT.figures:
        assert figure.place.table and figure.place.line > 0
        if figure.status == "not_recomputable":
            assert figure.reason


# Rollups: for any budget tree whose totals are the sums of their children, every rollup
# holds; changing one child's figure makes its parent's rollup a finding.

amounts = st.integers(0, 10**12)


def _printed(value: int, year: int) -> Printed:
    return Printed(
        kind="target", year=year, text=format_indonesian(Fraction(value), 0), table="6.3", line=1
    )


def _tree(draw_amounts: list[list[int]], year: int) -> Program:
    source = Source(table="6.3", line=1)
    kegiatan = []
    for k, subs in enumerate(draw_amounts):
        children = tuple(
            SubKegiatan(
                code=f"1.06.01.2.0{k + 1}.000{s + 1}",
                name="sub",
                source=source,
                budget=(_printed(a, year),),
            )
            for s, a in enumerate(subs)
        )
        kegiatan.append(
            Kegiatan(
                code=f"1.06.01.2.0{k + 1}",
                name="keg",
                source=source,
                budget=(_printed(sum(subs), year),),
                sub_kegiatan=children,
            )
        )
    total = sum(sum(subs) for subs in draw_amounts)
    return Program(
        code="1.06.01",
        name="program",
        source=source,
        budget=(_printed(total, year),),
        kegiatan=tuple(kegiatan),
    )


def _catalog_of(program: Program) -> Catalog:
    plan = PlanFile.model_validate(
        {
            "plan": {
                "name": "x",
                "opd": "x",
                "first_year": 2022,
                "last_year": 2026,
                "baseline_year": 2021,
                "seed": "x",
            },
            "tables": [],
            "tujuan": [],
        }
    )
    source = YamlFile(Path("x.yaml"), "", {})
    return Catalog(
        Path("."), plan, source, programs=[Located(program, source, ("program",), "1.06.01")]
    )


trees = st.lists(st.lists(amounts, min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=50)
@given(tree=trees, year=st.integers(2022, 2026))
def test_rollups_hold_for_any_consistent_budget_tree(tree: list[list[int]], year: int) -> None:
    figures = budget_rollups(_catalog_of(_tree(tree, year)))
    assert len(figures) == 1 + len(tree)
    assert {f.status for f in figures} == {"holds"}


@settings(max_examples=50)
@given(tree=trees, year=st.integers(2022, 2026), delta=st.integers(1, 10**6))
def test_a_changed_child_makes_its_parent_a_finding(
    tree: list[list[int]], year: int, delta: int
) -> None:
    program = _tree(tree, year)
    first = program.kegiatan[0]
    sub = first.sub_kegiatan[0]
    changed = sub.model_copy(update={"budget": (_printed(sum(tree[0][:1]) + delta, year),)})
    first = first.model_copy(update={"sub_kegiatan": (changed, *first.sub_kegiatan[1:])})
    program = program.model_copy(update={"kegiatan": (first, *program.kegiatan[1:])})
    statuses = {f.subject: f.status for f in budget_rollups(_catalog_of(program))}
    assert statuses[first.code] == "finding"
    assert statuses["1.06.01"] == "holds"


def test_cli_audit_exit_codes_and_outputs(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "audit",
            "--markdown",
            str(tmp_path / "a.md"),
            "--html",
            str(tmp_path / "a.html"),
            "--json",
            str(tmp_path / "a.json"),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 1  # the document has findings
    assert result.stdout.startswith("Audit of Perubahan Rencana Strategis Dinas Sosial Kota Blitar")
    total = re.search(r"^\s*total\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$", result.stdout, re.M)
    counts = REPORT.counts()
    assert total is not None and [int(g) for g in total.groups()] == [
        len(REPORT.figures),
        counts["holds"],
        counts["finding"],
        counts["not_recomputable"],
    ]
    data = json.loads((tmp_path / "a.json").read_text())
    assert data["counts"]["finding"] == len(REPORT.findings)
    page = (tmp_path / "a.html").read_text()
    assert page.count("<svg") > 2 and page.count("<script") == 1  # the filters' script
    assert (tmp_path / "a.md").read_text().startswith("# Audit of Perubahan")
    assert runner.invoke(main, ["audit", "--no-fail"]).exit_code == 0
    streamed = runner.invoke(main, ["audit", "--json", "-", "--no-fail"])
    assert json.loads(streamed.stdout)["title"].startswith("Perubahan Rencana")


def test_cli_audit_of_a_broken_catalog_exits_4(tmp_path: Path) -> None:
    (tmp_path / "renstra.yaml").write_text("plan: [\n")
    result = CliRunner().invoke(main, ["audit", str(tmp_path)])
    assert result.exit_code == 4 and "error[E500]" in result.stderr


# Each audit check has a fixture of its own (tests/fixtures/audit/<check>.yaml): a small
# catalog, as files, and every figure the check must produce, worked by hand.

FIXTURES = ROOT / "tests" / "fixtures" / "audit"
DEFAULT_PLAN = """\
plan: {name: "Renstra uji", opd: "Dinas Sosial", first_year: 2022, last_year: 2026,
       baseline_year: 2021, seed: "seed.txt"}
tables:
  - {id: "2.3.2-anggaran", title: "Anggaran dan Realisasi Pendanaan", first_line: 1, last_line: 99}
  - {id: "6.1", title: "Rencana Program 2022", first_line: 1, last_line: 99}
  - {id: "6.2", title: "Rencana Program 2023", first_line: 100, last_line: 199}
  - {id: "6.3", title: "Rencana Program 2024-2026", first_line: 200, last_line: 999}
tujuan: []
"""


def test_every_audit_check_has_its_fixture() -> None:
    from formula_engine.audit.recompute import AUDIT_CHECKS

    names = {check.__name__ for _, check in AUDIT_CHECKS}
    assert {path.stem for path in FIXTURES.glob("*.yaml")} == names


def _fixture_report(path: Path, tmp_path: Path) -> list[dict[str, object]]:
    import yaml

    from formula_engine.audit.recompute import AUDIT_CHECKS

    fixture = yaml.safe_load(path.read_text())
    files = {"renstra.yaml": DEFAULT_PLAN, **fixture["files"]}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    catalog, diagnostics = load_catalog(tmp_path)
    assert catalog is not None, [str(d) for d in diagnostics]
    report = run_audit(catalog)
    (section,) = [
        s
        for s, (_, check) in zip(report.sections, AUDIT_CHECKS, strict=True)
        if check.__name__ == path.stem
    ]
    expected: list[dict[str, object]] = fixture["expected"]
    assert len(section.figures) == len(expected), [
        (f.subject, f.year, f.printed, f.status) for f in section.figures
    ]
    for figure, want in zip(section.figures, expected, strict=True):
        got = {
            "subject": figure.subject,
            "year": figure.year,
            "printed": figure.printed,
            "status": figure.status,
            "class": figure.finding_class,
            "severity": figure.severity,
            "weight": figure.weight,
            "rules": len(figure.rules),
            "recomputed": figure.recomputed_text(),
        }
        for key, value in want.items():
            if key == "explanation":
                assert str(value) in (figure.explanation or ""), (
                    figure.subject,
                    figure.explanation,
                )
            else:
                assert got[key] == value, (key, figure.subject, figure.printed, got)
        for key in ("year", "class", "severity", "weight"):
            if key not in want:
                assert got[key] is None, (key, figure.subject, figure.printed, got)
    return expected


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_audit_check_fixture(path: Path, tmp_path: Path) -> None:
    assert _fixture_report(path, tmp_path)


def test_each_printed_text_is_read_once_per_run() -> None:
    from formula_engine.catalog.printed import READS, read_printed

    read_printed.cache_clear()
    before = READS.count
    report = audit(CATALOG)  # computed, not read from the cache
    parses = READS.count - before
    texts = {f.printed for f in report.figures} | {t.text for f in report.figures for t in f.terms}
    # at most one parse per distinct text the figures show (and those their terms read, or
    # the intended readings); the audit looks printed texts up thousands of times
    lookups = read_printed.cache_info().hits + read_printed.cache_info().misses
    assert parses <= len(texts) + len([f for f in report.figures if f.intended])
    assert lookups > 5 * parses


def test_the_end_of_period_rules_are_one_table() -> None:
    from typing import get_args

    from formula_engine.catalog.models import EndOfPeriod
    from formula_engine.rules import END_OF_PERIOD_RULES

    declared = get_args(EndOfPeriod.model_fields["rule"].annotation)
    assert set(declared) == set(END_OF_PERIOD_RULES)
    docs = (ROOT / "docs" / "audit.md").read_text()
    for name in END_OF_PERIOD_RULES:
        assert f"`{name}`" in docs
