"""Later values (catalog/updates.yaml): sources, validation, roll-up, the set commands.

The catalog is the small fixture catalog (tests/fixtures/catalog), copied per test. Its
indicator persentase_pmks prints a 2024 target of 7,26 (Tabel 4.2, line 2724).
"""

from __future__ import annotations

import difflib
import shutil
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from formula_engine.catalog import CatalogRejected, load_checked
from formula_engine.catalog.models import RecordSource, UpdateRecord, UpdatesFile
from formula_engine.catalog.updates import (
    add_realisations,
    find_indicator,
    history_lines,
    realisation_in_force,
    roll_up,
    set_target,
)
from formula_engine.cli import main
from formula_engine.cli_data import parse_period

FIXTURE = Path(__file__).parent / "fixtures" / "catalog"
SOURCE = RecordSource(document="LKjIP 2024", date="2025-02-01", entered_by="Sari")
INDICATOR = "persentase_pmks"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "catalog"
    shutil.copytree(FIXTURE, copy)
    return copy


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# The schema: no value without a source, no seed citation for a later value.


def test_a_record_without_source_is_refused() -> None:
    with pytest.raises(ValidationError, match="source"):
        UpdateRecord.model_validate(
            {"kind": "realisation", "indicator": "a", "year": 2024, "text": "1", "unit": "%"}
        )


@pytest.mark.parametrize("key", ["table", "line"])
def test_a_later_value_cannot_claim_a_seed_citation(key: str) -> None:
    source = {"document": "entry", "date": "2025-01-01", key: "6.3" if key == "table" else 1}
    record = {"kind": "target_revision", "indicator": "a", "year": 2024, "text": "1", "unit": "%"}
    with pytest.raises(ValidationError, match="Extra inputs"):
        UpdateRecord.model_validate({**record, "source": source})
    with pytest.raises(ValidationError, match="Extra inputs"):
        UpdateRecord.model_validate({**record, key: source[key], "source": source | {key: None}})


def test_dates_are_real_dates_and_targets_have_no_period() -> None:
    with pytest.raises(ValidationError):
        RecordSource(document="entry", date="2025-02-30")
    with pytest.raises(ValidationError, match="no period"):
        UpdateRecord.model_validate(
            {
                "kind": "target_revision",
                "indicator": "a",
                "year": 2024,
                "period": "TW1",
                "text": "1",
                "unit": "%",
                "source": {"document": "x", "date": "2025-01-01"},
            }
        )


# The library functions and what the catalog then says.


def test_revision_keeps_the_printed_target_and_is_in_force(root: Path) -> None:
    set_target(
        root,
        INDICATOR,
        2024,
        "7",
        RecordSource(document="Perubahan Renstra 2025", date="2025-03-01"),
    )
    catalog, _ = load_checked(root)
    indicator = find_indicator(catalog, INDICATOR)
    assert indicator is not None
    assert history_lines(catalog, indicator, 2024) == [
        "target 2024: 7,26 (Tabel 4.2, seed line 2724) [printed, replaced]",
        "target 2024: 7 (Perubahan Renstra 2025, 2025-03-01) [in force]",
        "capaian 2024 of the values in force: not computable: no realisation for 2024",
    ]
    add_realisations(root, [(INDICATOR, 2024, None, "7,35")], SOURCE)
    catalog, _ = load_checked(root)
    # lower is better (difference): (2 x 7 - 7,35) / 7 x 100 = 95 %
    assert history_lines(catalog, indicator, 2024)[-2:] == [
        "realisation 2024: 7,35 (LKjIP 2024, 2025-02-01, entered by Sari) [in force]",
        "capaian 2024 of the values in force: 95,00 % (Sangat Tinggi)",
    ]
    assert b"7,26" in (root / "renstra.yaml").read_bytes()


def test_quarters_roll_up_and_the_latest_entry_of_a_period_is_in_force(root: Path) -> None:
    add_realisations(root, [(INDICATOR, 2024, "TW1", "8"), (INDICATOR, 2024, "TW2", "7,5")], SOURCE)
    later = RecordSource(document="LKjIP 2024", date="2025-03-01", reference="revisi")
    add_realisations(root, [(INDICATOR, 2024, "TW2", "7")], later)
    catalog, _ = load_checked(root)
    indicator = find_indicator(catalog, INDICATOR)
    assert indicator is not None
    year = realisation_in_force(catalog, indicator, 2024)
    assert (year.value, year.rollup) == (Fraction(7), "last")  # a percentage: the last period
    assert realisation_in_force(catalog, indicator, 2024, quarter=1).value == Fraction(8)
    assert realisation_in_force(catalog, indicator, 2025).reason == "no realisation for 2025"
    assert history_lines(catalog, indicator, 2024)[1:4] == [
        "realisation 2024 TW1: 8 (LKjIP 2024, 2025-02-01, entered by Sari) [in force]",
        "realisation 2024 TW2: 7,5 (LKjIP 2024, 2025-02-01, entered by Sari) [replaced]",
        "realisation 2024 TW2: 7 (LKjIP 2024, 2025-03-01, revisi) [in force]",
    ]
    add_realisations(root, [(INDICATOR, 2024, None, "6,5")], SOURCE)  # the year's own value
    catalog, _ = load_checked(root)
    assert realisation_in_force(catalog, indicator, 2024).value == Fraction("6.5")
    assert realisation_in_force(catalog, indicator, 2024, quarter=2).value == Fraction(7)
    assert history_lines(catalog, indicator, 2024)[1].endswith(
        "[a period: for a quarter's capaian]"
    )


def test_comments_and_layout_of_updates_yaml_are_kept(root: Path) -> None:
    add_realisations(root, [(INDICATOR, 2024, None, "7")], SOURCE)
    path = root / "updates.yaml"
    path.write_text(path.read_text().replace("records:", "# kept\nrecords:  # also kept"))
    add_realisations(root, [(INDICATOR, 2025, None, "6,9")], SOURCE)
    text = path.read_text()
    assert "# kept\nrecords:  # also kept" in text
    assert UpdatesFile.model_validate(__import__("ruamel.yaml").yaml.YAML(typ="safe").load(text))


@pytest.mark.parametrize(
    ("record", "code", "where"),
    [
        (("persentase_pmkz", 2024, None, "7"), "E570", "did you mean 'persentase_pmks'"),
        ((INDICATOR, 2030, None, "7"), "E571", "outside the plan period 2022-2026"),
        ((INDICATOR, 2024, None, "tujuh"), "E572", "not a figure"),
        ((INDICATOR, 2024, None, "7.5"), "E572", "a point is used as decimal mark"),
        ((INDICATOR, 2024, None, "7,5,1"), "E572", "cannot read"),
        ((INDICATOR, 2024, None, "-"), "E572", "not a figure"),
    ],
)
def test_a_bad_record_is_located_and_nothing_is_written(
    root: Path, record: tuple[str, int, None, str], code: str, where: str
) -> None:
    before = snapshot(root)
    with pytest.raises(CatalogRejected) as rejected:
        add_realisations(root, [record], SOURCE)
    [diagnostic] = rejected.value.diagnostics
    rendered = diagnostic.render()
    assert f"error[{code}]" in rendered and where in rendered
    assert "updates.yaml:" in rendered and "^" in rendered
    assert snapshot(root) == before


def test_quarters_and_months_do_not_mix(root: Path) -> None:
    add_realisations(root, [(INDICATOR, 2024, "TW1", "7")], SOURCE)
    before = snapshot(root)
    with pytest.raises(CatalogRejected, match="does not check") as rejected:
        add_realisations(root, [(INDICATOR, 2024, 5, "7")], SOURCE)
    assert rejected.value.diagnostics[0].code == "E575"
    assert snapshot(root) == before


def test_a_unit_that_is_not_the_indicators_is_refused(root: Path) -> None:
    add_realisations(root, [(INDICATOR, 2024, None, "7")], SOURCE)
    path = root / "updates.yaml"
    path.write_text(path.read_text().replace("unit: '%'", "unit: orng"))
    with pytest.raises(CatalogRejected) as rejected:
        load_checked(root)
    rendered = rejected.value.diagnostics[0].render()
    assert "E573" in rendered and "unknown unit 'orng'" in rendered and "'orang'" in rendered


def test_a_source_named_by_id_must_be_declared(root: Path) -> None:
    (root / "updates.yaml").write_text(
        "sources:\n  - {id: lkjip_2024, document: LKjIP 2024, date: 2025-02-01}\n"
        "records:\n"
        "  - {kind: realisation, indicator: persentase_pmks, year: 2024, text: '7', unit: '%',"
        " source: lkjip_2024}\n"
        "  - {kind: realisation, indicator: persentase_pmks, year: 2025, text: '7', unit: '%',"
        " source: lkjip_2042}\n"
    )
    with pytest.raises(CatalogRejected) as rejected:
        load_checked(root)
    [diagnostic] = rejected.value.diagnostics
    assert diagnostic.code == "E574" and "did you mean 'lkjip_2024'" in diagnostic.render()


# The commands: the same state as the library, nothing changed on failure.


def test_set_by_command_equals_set_by_library(tmp_path: Path) -> None:
    by_command, by_library = tmp_path / "a", tmp_path / "b"
    shutil.copytree(FIXTURE, by_command)
    shutil.copytree(FIXTURE, by_library)
    source = ["--source", "LKjIP 2024", "--date", "2025-02-01", "--by", "Sari"]
    assert (
        run("set", "realisasi", INDICATOR, "2024Q3", "7,1", "-c", str(by_command), *source)[0] == 0
    )
    assert run("set", "target", INDICATOR, "2025", "7", "-c", str(by_command), *source)[0] == 0
    add_realisations(by_library, [(INDICATOR, 2024, "TW3", "7,1")], SOURCE)
    set_target(by_library, INDICATOR, 2025, "7", SOURCE)
    assert snapshot(by_command) == snapshot(by_library)


@pytest.mark.parametrize(
    ("args", "exit_code"),
    [
        (["realisasi", "nope", "2024", "7"], 4),
        (["realisasi", INDICATOR, "2024Q5", "7"], 2),
        (["realisasi", INDICATOR, "2024-13", "7"], 2),
        (["target", INDICATOR, "2024", "12.5"], 4),
        (["target", INDICATOR, "2024", "7", "--date", "2025-13-01"], 2),
    ],
)
def test_a_failed_command_leaves_every_file_byte_identical(
    root: Path, args: list[str], exit_code: int
) -> None:
    add_realisations(root, [(INDICATOR, 2024, None, "7")], SOURCE)
    before = snapshot(root)
    code, _, stderr = run("set", *args, "-c", str(root), "--source", "entry")
    assert code == exit_code
    assert snapshot(root) == before
    if exit_code == 4:
        assert "updates.yaml:" in stderr and "no file was changed" in stderr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", (2024, None)),
        ("2024Q3", (2024, "TW3")),
        ("2024-TW3", (2024, "TW3")),
        ("2024tw2", (2024, "TW2")),
        ("2024-07", (2024, 7)),
        ("2024-M12", (2024, 12)),
    ],
)
def test_periods_as_typed(text: str, expected: tuple[int, object]) -> None:
    assert parse_period(text) == expected


# Roll-up by type (property).

quarters = st.lists(
    st.fractions(min_value=-1000, max_value=1000, max_denominator=100), min_size=1, max_size=12
)


@given(quarters)
def test_roll_up_obeys_its_type(values: list[Fraction]) -> None:
    assert roll_up("sum", values) == sum(values)
    assert roll_up("last", values) == values[-1]
    assert roll_up("max", values) >= max(values[0], values[-1])
    assert roll_up("max", values) in values and roll_up("min", values) in values
    assert all(roll_up("min", values) <= v <= roll_up("max", values) for v in values)
    # adding a period: sum changes by it, last becomes it, max/min move only outward
    extra = values[0] + 1
    longer = [*values, extra]
    assert roll_up("sum", longer) - roll_up("sum", values) == extra
    assert roll_up("last", longer) == extra
    assert roll_up("max", longer) >= roll_up("max", values)
    assert roll_up("min", longer) <= roll_up("min", values)


# A new indicator.

NEW = ["--id", "jumlah_psks_baru", "--name", "Jumlah PSKS baru", "--satuan", "orang"]


def test_add_indicator_only_adds_lines_and_the_catalog_checks(root: Path) -> None:
    program = root / "programs" / "1.06.02.yaml"
    before = program.read_text().splitlines()
    code, stdout, _ = run(
        "add",
        "indicator",
        "1.06.02",
        *NEW,
        "--formula",
        '"Jumlah PSKS"',
        "--rollup",
        "sum",
        "-c",
        str(root),
    )
    assert code == 0, stdout
    after = program.read_text().splitlines()
    opcodes = difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes()
    assert {tag for tag, *_ in opcodes} == {"equal", "insert"}  # nothing else changed
    added = [line for tag, _, _, j1, j2 in opcodes if tag == "insert" for line in after[j1:j2]]
    assert "    - id: jumlah_psks_baru" in added and "      rollup: sum" in added
    catalog, _ = load_checked(root)
    indicator = find_indicator(catalog, "jumlah_psks_baru")
    assert indicator is not None and indicator.formulas[0].valid_to == 2026


@pytest.mark.parametrize(
    ("code", "formula", "expected"),
    [
        ("1.06.02", '"Jumlah PSKZ"', "error[E201]"),  # the formula is checked
        ("1.06.02", '"Jumlah PSKS" / "Jumlah PSKS"', "error[E313]"),  # against the unit
        ("1.06.09", '"Jumlah PSKS"', "error[E577]"),
    ],
)
def test_a_bad_new_indicator_changes_no_file(
    root: Path, code: str, formula: str, expected: str
) -> None:
    before = snapshot(root)
    exit_code, _, stderr = run(
        "add", "indicator", code, *NEW, "--formula", formula, "-c", str(root)
    )
    assert exit_code == 4 and expected in stderr and "no file was changed" in stderr
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"unit": "%", "end_of_period": {"rule": "last_year"}}, "last"),
        ({"unit": "orang", "end_of_period": {"rule": "sum"}}, "sum"),
        ({"unit": "orang", "end_of_period": {"rule": "baseline_plus_sum"}}, "sum"),
        ({"unit": "Rp"}, "sum"),
        ({"unit": "indeks"}, "last"),
        ({"unit": "orang", "end_of_period": {"rule": "sum"}, "rollup": "max"}, "max"),
    ],
)
def test_the_default_rollup_follows_unit_and_end_of_period(
    fields: dict[str, object], expected: str
) -> None:
    from formula_engine.catalog.models import IndicatorEntry
    from formula_engine.catalog.updates import rollup_of

    indicator = IndicatorEntry.model_validate({"id": "x", "name": "X", **fields})
    assert rollup_of(indicator) == expected
