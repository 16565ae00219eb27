"""The coverage-guided target for atheris (libFuzzer), where atheris installs:

    pip install -e '.[fuzz]'
    python -m tests.fuzz.atheris_target -max_total_time=600 -artifact_prefix=fuzz-findings/ \\
        tests/fuzz/atheris-corpus

Each input is bytes, decoded as UTF-8 with surrogate escapes, and run through the same
oracle as the grammar and mutation fuzzers; a finding (other than a KNOWN_OPEN one) is
raised as an exception, which libFuzzer saves as a crash artifact. The corpus folder is
seeded with the formulas of tests/corpus/seed_formulas.txt when it is empty.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .mutate import seeds


class FuzzFinding(Exception):
    """A finding of the oracle, raised so that libFuzzer records the input."""


def test_one_input(data: bytes) -> None:
    from .oracle import check

    text = data.decode("utf-8", "surrogateescape")
    for finding in check(text).findings:
        raise FuzzFinding(f"{finding.signature}: {text!r} {finding.context}")


def _seed_corpus(arguments: list[str]) -> None:
    folders = [Path(a) for a in arguments[1:] if not a.startswith("-")]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        if not any(folder.iterdir()):
            for number, formula in enumerate(seeds()):
                (folder / f"seed-{number:03d}").write_text(formula, encoding="utf-8")


def main() -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]  # optional

    _seed_corpus(sys.argv)
    with atheris.instrument_imports(include=["formula_engine", "lark"]):
        import formula_engine  # noqa: F401  (coverage of the engine and its parser)
    from .oracle import check

    check("a / b x 100%", limit=60)  # builds the (instrumented) parser before any deadline
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
