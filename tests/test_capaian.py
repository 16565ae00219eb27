"""Capaian (formula_engine/capaian.py) and `renstra capaian`.

The golden table of 2022 comes from the bundled catalog, whose 2022 targets and
realisations are Tabel 6.1's. The Renstra prints no capaian for 2022 (Tabel 6.1 has no
such column), so each computed capaian is checked against an oracle written here from the
printed texts; where the catalog does cite a printed capaian (Tabel 2.3.1, 2017-2020),
the capaian of that indicator and year is compared with it and every difference listed
in tests/golden/capaian_printed.txt, as the audit does.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import check_golden
from hypothesis import given
from hypothesis import strategies as st

from formula_engine.achievement import achievement
from formula_engine.capaian import CapaianTable, capaian_table, display_rows, indicator_capaian
from formula_engine.catalog import bundled_catalog_path, load_checked
from formula_engine.catalog.models import RecordSource
from formula_engine.catalog.printed import read_printed
from formula_engine.catalog.updates import add_realisations
from formula_engine.cli import main
from formula_engine.numbers import format_indonesian, round_half_up

GOLDEN = Path(__file__).parent / "golden"
FIXTURE = Path(__file__).parent / "fixtures" / "catalog"


@pytest.fixture(scope="module")
def bundled() -> object:
    return load_checked(bundled_catalog_path())[0]


def _oracle(polarity: str, target: Fraction, realised: Fraction) -> Fraction:
    """The three rules as docs/audit.md states them, written out here."""
    if polarity == "higher_is_better":
        return realised / target * 100
    if polarity == "lower_is_better_difference":
        return (2 * target - realised) / target * 100
    return target / realised * 100


def test_golden_capaian_2022(bundled: object, update_goldens: bool) -> None:
    table = capaian_table(bundled, 2022)  # type: ignore[arg-type]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(display_rows(table))
    check_golden(GOLDEN / "capaian_2022.csv", buffer.getvalue(), update_goldens)
    computed = [row for row in table.rows if row.status == "ok"]
    assert len(computed) >= 60  # Tabel 6.1 prints 93 target/realisation pairs
    polarity = {x.entry.id: x.entry.polarity for x in bundled.indicators()}  # type: ignore[attr-defined]
    for row in computed:
        target = read_printed(row.target or "").value
        realised = read_printed(row.realisasi or "").value
        assert target is not None and realised is not None
        expected = _oracle(str(polarity[row.indicator]), target, realised)
        assert row.capaian == str(expected)
        assert row.capaian_display == format_indonesian(expected, 2)


def test_printed_capaian_is_reproduced_or_listed(bundled: object, update_goldens: bool) -> None:
    lines = []
    compared = 0
    for located in bundled.history_indicators():  # type: ignore[attr-defined]
        indicator = located.entry
        for value in indicator.values:
            printed = read_printed(value.intended or value.text)
            if value.kind != "achievement" or printed.value is None or value.year is None:
                continue
            row = indicator_capaian(bundled, indicator, value.year)  # type: ignore[arg-type]
            compared += 1
            if row.capaian is None:
                lines.append(f"{indicator.id} {value.year}: printed {value.text}, {row.reason}")
                continue
            ours = round_half_up(Fraction(row.capaian), printed.decimals)
            if ours != printed.value:
                shown = format_indonesian(ours, printed.decimals)
                lines.append(
                    f"{indicator.id} {value.year}: printed {value.text} "
                    f"(Tabel {value.table}, line {value.line}), computed {shown}"
                )
    assert compared >= 40
    listed = "\n".join(lines) if lines else "none"
    text = f"{compared} printed capaian compared (Tabel 2.3.1); differences:\n{listed}\n"
    check_golden(GOLDEN / "capaian_printed.txt", text, update_goldens)


# Monotonic in the realisation, under each polarity (property).

positive = st.fractions(min_value=Fraction(1, 100), max_value=10**6, max_denominator=1000)


@given(positive, positive, positive)
def test_capaian_is_monotonic_in_the_realisation(
    target: Fraction, first: Fraction, second: Fraction
) -> None:
    low, high = sorted((first, second))
    for rule, rises in (
        ("higher_is_better", True),
        ("lower_is_better_difference", False),
        ("lower_is_better_ratio", False),
    ):
        at_low = achievement(rule, target, low).value
        at_high = achievement(rule, target, high).value
        assert at_low is not None and at_high is not None
        assert (at_low <= at_high) if rises else (at_low >= at_high)


@given(
    st.lists(st.integers(0, 10_000), min_size=4, max_size=4), st.integers(0, 3), st.integers(1, 500)
)
def test_a_larger_quarter_never_lowers_a_summed_capaian(
    quarters: list[int], which: int, more: int
) -> None:
    """Rolled up by sum then rated higher-is-better: raising one quarter raises capaian."""
    from formula_engine.catalog.updates import roll_up

    target = Fraction(1000)
    raised = [q + (more if i == which else 0) for i, q in enumerate(quarters)]
    base = achievement("higher_is_better", target, roll_up("sum", [Fraction(q) for q in quarters]))
    after = achievement("higher_is_better", target, roll_up("sum", [Fraction(q) for q in raised]))
    assert base.value is not None and after.value is not None and after.value > base.value


# The table from entered quarters, and the command.


def test_quarters_entered_give_the_quarters_capaian(tmp_path: Path) -> None:
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    source = RecordSource(document="entry", date="2025-01-05", entered_by="Sari")
    # persentase_pmks: target 2024 7,26 (Tabel 4.2), lower is better (difference), a
    # percentage: the year's value is the last quarter's.
    add_realisations(
        root,
        [("persentase_pmks", 2024, "TW1", "7,5"), ("persentase_pmks", 2024, "TW2", "7,26")],
        source,
    )
    catalog, _ = load_checked(root)
    rows = {r.indicator: r for r in capaian_table(catalog, 2024, quarter=1).rows}
    first = rows["persentase_pmks"]
    assert (first.target, first.realisasi, first.periods) == ("7,26", "7,5", ("TW1",))
    assert first.capaian == str((2 * Fraction("7.26") - Fraction("7.5")) / Fraction("7.26") * 100)
    year = {r.indicator: r for r in capaian_table(catalog, 2024).rows}["persentase_pmks"]
    assert (year.capaian_display, year.predikat, year.rollup) == ("100,00", "Sangat Tinggi", "last")
    missing = rows["p_1_06_02_psks_aktif"]
    assert (
        missing.status == "not_computable" and missing.reason == "no realisation for 2024 up to TW1"
    )


def test_capaian_command_writes_csv_json_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = {kind: tmp_path / f"capaian.{kind}" for kind in ("csv", "json", "xlsx")}
    result = CliRunner().invoke(
        main,
        [
            "capaian",
            "-y",
            "2022",
            *[arg for kind, path in out.items() for arg in (f"--{kind}", str(path))],
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Capaian kinerja 2022\n")
    header = "Kode,Indikator,Satuan,Target,Realisasi,Capaian (%),Predikat,Keterangan"
    assert out["csv"].read_text().splitlines()[0] == header
    table = CapaianTable.model_validate(json.loads(out["json"].read_text()))
    assert table.year == 2022 and table.quarter is None
    sheet = load_workbook(out["xlsx"]).active
    assert sheet is not None and sheet.cell(1, 6).value == "Capaian (%)"
    assert sheet.max_row == len(table.rows) + 1
    first = next(n for n, row in enumerate(table.rows, start=2) if row.capaian_display)
    assert isinstance(sheet.cell(first, 6).value, float)
    assert sheet.cell(first, 6).number_format == "#,##0.00"
    english = CliRunner().invoke(main, ["capaian", "-y", "2022", "--lang", "en"])
    assert "Achievement (%)" in english.stdout


def test_capaian_command_checks_its_outputs_first(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["capaian", "-y", "2022", "--csv", str(tmp_path)])
    assert result.exit_code == 5 and "E601" in result.stderr


@pytest.mark.parametrize("year", [2022, 2023, 2026])
def test_every_reason_is_said_in_indonesian(bundled: object, year: int) -> None:
    table = capaian_table(bundled, year)  # type: ignore[arg-type]
    for row, shown in zip(table.rows, display_rows(table), strict=True):
        if row.reason is not None:
            assert shown[-1] and shown[-1] != row.reason, row.reason
    english = display_rows(table, "en")
    assert [r[-1] for r in english] == [r.reason or "" for r in table.rows]


def test_the_plan_may_name_the_band_table(tmp_path: Path) -> None:
    """Permendagri 86/2017 as printed leaves 100 < x undefined; the default closes it."""
    root = tmp_path / "catalog"
    shutil.copytree(FIXTURE, root)
    source = RecordSource(document="entry", date="2025-01-05", entered_by="Sari")
    add_realisations(root, [("persentase_pmks", 2024, None, "7")], source)  # capaian > 100
    catalog, _ = load_checked(root)
    row = {r.indicator: r for r in capaian_table(catalog, 2024).rows}["persentase_pmks"]
    assert (row.predikat, row.reason) == ("Sangat Tinggi", None)
    plan = root / "renstra.yaml"
    plan.write_text(
        plan.read_text().replace("plan:\n", "plan:\n  capaian_bands: capaian_permendagri_86_2017\n")
    )
    catalog, _ = load_checked(root)
    table = capaian_table(catalog, 2024)
    row = {r.indicator: r for r in table.rows}["persentase_pmks"]
    assert table.bands == "capaian_permendagri_86_2017"
    assert row.predikat is None and row.reason == "103,58 falls in a gap between the bands"
