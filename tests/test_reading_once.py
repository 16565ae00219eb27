"""One reader, one read: the command line's files go through formula_engine.reading, a
--declarations file is read once, and given values follow one rule (outcomes.exact_number).

Work is counted (reads of the file system at reading.read_bytes, validations of the
schema), never timed.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from formula_engine import cli_params, reading
from formula_engine.backends.exact import InputError
from formula_engine.cli import main
from formula_engine.declarations import Declarations
from formula_engine.errors import EvaluationError
from formula_engine.model import Model, ad_hoc_declarations, to_fraction
from formula_engine.outcomes import NotANumber, exact_number

GOOD = Path(__file__).parent / "fixtures" / "files" / "good.yaml"


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    original = reading.read_bytes

    def counted(path: Path, limit: int) -> bytes:
        reads.append(Path(path))
        return original(path, limit)

    monkeypatch.setattr(reading, "read_bytes", counted)
    return reads


def _count_validations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    original = Declarations.model_validate.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Declarations], *args: object, **kwargs: object) -> Declarations:
        calls.append(1)
        return original(cls, *args, **kwargs)  # type: ignore[no-any-return]

    monkeypatch.setattr(Declarations, "model_validate", classmethod(counted))
    return calls


@pytest.mark.parametrize(
    "argv",
    [
        ["eval", '"Jumlah PMKS" / "Jumlah penduduk" x 100%', "-i", "jumlah_pmks=11217",
         "-i", "Jumlah penduduk=151700", "-y", "2022"],
        ["equiv", "jumlah_pmks + jumlah_penduduk", "jumlah_penduduk + jumlah_pmks"],
    ],
    ids=["eval", "equiv"],
)  # fmt: skip
def test_a_declarations_file_is_read_and_validated_once(
    monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    reads, validations = _count_reads(monkeypatch), _count_validations(monkeypatch)
    result = CliRunner().invoke(main, [*argv, "-d", str(GOOD)])
    assert result.exit_code == 0, result.output
    assert reads.count(GOOD) == 1
    assert len(validations) == 1


def test_the_command_line_reads_files_with_the_catalog_reader(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    reads = _count_reads(monkeypatch)
    file = tmp_path / "formulas.txt"
    file.write_bytes("\ufeffa + b\r\n".encode())  # a byte order mark and CRLF are fine
    assert cli_params.read_text(file).text == "a + b\r\n"
    assert reads == [file]
    file.write_bytes(b"a\n" * (cli_params.MAX_FILE_BYTES // 2 + 1))
    with pytest.raises(cli_params.UnreadableInput, match="longer than 1,048,576 bytes"):
        cli_params.read_text(file)


@pytest.mark.parametrize(
    ("given", "exact"),
    [
        (3, 3),
        (np.int64(3), 3),
        (Fraction(1, 3), Fraction(1, 3)),
        (0.1, Fraction(1, 10)),  # the shortest repr, not the binary value
        (np.float32(0.5), Fraction(1, 2)),
        (Decimal("16.24"), Fraction(406, 25)),
        (" 16.24 ", Fraction(406, 25)),
        (None, None),
        (float("nan"), None),
        (np.float64("nan"), None),
        (Decimal("NaN"), None),
    ],
    ids=repr,
)
def test_one_rule_reads_a_given_value(given: object, exact: object) -> None:
    assert exact_number(given) == exact
    assert to_fraction(given) == (None if exact is None else Fraction(exact))  # type: ignore[arg-type]
    formula = Model(ad_hoc_declarations("a")).compile("a")
    program = formula.exact_program(2022)
    if exact is None:
        assert formula.evaluate({"a": {2022: given}}, 2022).code == "E401"  # type: ignore[dict-item]
    else:
        assert program({("a", 2022): given}) == exact


@pytest.mark.parametrize(
    ("given", "hint"),
    [
        (True, "a truth value is not a number"),
        (np.bool_(True), "a truth value is not a number"),
        (float("inf"), "an infinite value cannot be computed with; leave it out"),
        (Decimal("-Infinity"), "an infinite value cannot be computed with; leave it out"),
        ("many", "write a decimal number such as 16.24"),
        ([1], "give a number (int, float, Fraction, Decimal or text)"),
    ],
    ids=repr,
)
def test_one_rule_refuses_what_is_not_a_finite_number(given: object, hint: str) -> None:
    with pytest.raises(NotANumber) as refused:
        exact_number(given)
    assert refused.value.hint == hint
    with pytest.raises(EvaluationError) as by_model:
        to_fraction(given, "the value of 'a' for 2022")
    assert (by_model.value.code, by_model.value.hint) == ("E403", hint)
    assert str(by_model.value).startswith("the value of 'a' for 2022 is not a finite number")
    program = Model(ad_hoc_declarations("a")).compile("a").exact_program(2022)
    with pytest.raises(InputError) as by_exact:
        program({("a", 2022): given})
    assert (by_exact.value.code, by_exact.value.hint) == ("E403", hint)
