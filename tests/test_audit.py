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

from formula_engine.audit import run_audit
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
    for figure in REPORT.findings:
        assert figure.recomputed is not None


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
    assert page.count("<svg") == 2 and page.count("<script") == 1  # the filters' script
    assert (tmp_path / "a.md").read_text().startswith("# Audit of Perubahan")
    assert runner.invoke(main, ["audit", "--no-fail"]).exit_code == 0
    streamed = runner.invoke(main, ["audit", "--json", "-", "--no-fail"])
    assert json.loads(streamed.stdout)["title"].startswith("Perubahan Rencana")


def test_cli_audit_of_a_broken_catalog_exits_4(tmp_path: Path) -> None:
    (tmp_path / "renstra.yaml").write_text("plan: [\n")
    result = CliRunner().invoke(main, ["audit", str(tmp_path)])
    assert result.exit_code == 4 and "error[E500]" in result.stderr
