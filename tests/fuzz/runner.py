"""The fuzz loop: draw inputs (grammar-aware generation and seed mutation), run the
oracle, tally outcomes, minimise and write each new finding, print a summary.

Reproducible: the inputs depend only on the seed, and each input's scenario on the seed
and the text (`salt`). A budget is either a number of inputs (the CI run: the same inputs
on every machine) or a time.
"""

from __future__ import annotations

import faulthandler
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .generate import generate
from .mutate import mutate
from .oracle import Finding, Outcome, check
from .shrink import shrink

PER_SIGNATURE = 3  # minimised examples written per finding signature


@dataclass
class Summary:
    seed: int
    inputs: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    evaluations: Counter[str] = field(default_factory=Counter)
    findings: Counter[str] = field(default_factory=Counter)  # new, by signature
    longest: tuple[float, str, str] = (0.0, "", "")  # seconds, stage, input
    written: list[Path] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, outcome: Outcome) -> None:
        self.inputs += 1
        self.outcomes[outcome.outcome] += 1
        self.evaluations.update(outcome.evaluations)
        if outcome.longest[0] > self.longest[0]:
            self.longest = (*outcome.longest, outcome.text)

    def render(self) -> str:
        seconds, stage, text = self.longest
        lines = [
            f"fuzz summary (seed {self.seed}): {self.inputs} inputs in {self.seconds:.0f} s",
            "outcomes by class:",
            *_table(self.outcomes),
            "evaluations (policy x year x row) by class:",
            *_table(self.evaluations),
            "findings (new):" if self.findings else "findings (new): none",
            *_table(self.findings),
            f"longest single call: {seconds:.3f} s ({stage}) on {text[:120]!r}",
        ]
        lines += [f"written: {path}" for path in self.written]
        return "\n".join(line for line in lines if line)


def _table(counts: Counter[str]) -> list[str]:
    return [f"  {name:<48} {count:>8}" for name, count in sorted(counts.items())]


def draw_input(rng: random.Random) -> tuple[str, bool, str]:
    """(text, expect_valid, source)."""
    if rng.random() < 0.6:
        generated = generate(rng)
        return generated.text, generated.expect_valid, "grammar"
    return mutate(rng), False, "mutation"


def fuzz(
    seed: int,
    *,
    inputs: int | None = None,
    seconds: float | None = None,
    out: Path | None = None,
    limit: float = 1.0,
    log: TextIO | None = None,
) -> Summary:
    check("a / b x 100%")  # builds the parser once, so that no call is timed with it
    rng, summary, start = random.Random(seed), Summary(seed), time.monotonic()
    salt = str(seed)
    written: Counter[str] = Counter()
    while not _spent(summary.inputs, inputs, start, seconds):
        text, expect_valid, source = draw_input(rng)
        if out is not None:  # the input in flight, for a crash that kills the process
            (out / "in-flight.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
        faulthandler.dump_traceback_later(60 * limit, exit=True)
        outcome = check(text, expect_valid=expect_valid, salt=salt, limit=limit)
        faulthandler.cancel_dump_traceback_later()
        summary.add(outcome)
        for finding in outcome.findings:
            summary.findings[finding.signature] += 1
            if out is not None and written[finding.signature] < PER_SIGNATURE:
                written[finding.signature] += 1
                path = _write(out, text, finding, seed, salt, source, limit)
                summary.written.append(path)
                if log:
                    print(f"finding {finding.signature} -> {path}", file=log, flush=True)
    summary.seconds = time.monotonic() - start
    return summary


def _spent(count: int, inputs: int | None, start: float, seconds: float | None) -> bool:
    if inputs is not None and count >= inputs:
        return True
    return seconds is not None and time.monotonic() - start >= seconds


def reproduces(signature: str, salt: str, limit: float) -> Callable[[str], bool]:
    def fails(candidate: str) -> bool:
        found = check(candidate, salt=salt, limit=limit).findings
        return any(f.signature == signature for f in found)

    return fails


def _write(
    out: Path,
    text: str,
    finding: Finding,
    seed: int,
    salt: str,
    source: str,
    limit: float,
    shrunk: bool = True,
) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    minimised = text
    if shrunk and finding.kind != "rejected_valid":  # validity is known for the original only
        minimised = shrink(text, reproduces(finding.signature, salt, limit))
    again = check(minimised, salt=salt, limit=limit).findings
    context = next((f.context for f in again if f.signature == finding.signature), {})
    stem = re.sub(r"[^a-z0-9]+", "-", finding.signature.lower()).strip("-")
    number = len(list(out.glob(f"{stem}-*.txt"))) + 1
    path = out / f"{stem}-{number}.txt"
    path.write_text(minimised, encoding="utf-8", errors="surrogatepass")
    record = {
        "signature": finding.signature,
        "input": minimised,
        "original": text,
        "source": source,
        "seed": seed,
        "salt": salt,
        "context": context or finding.context,
        "replay": f"python -c 'from tests.fuzz.oracle import check; import json; "
        f'print(check(json.load(open("{path.with_suffix(".json")}"))["input"], '
        f'salt="{salt}").findings)\'',
    }
    path.with_suffix(".json").write_text(
        json.dumps(record, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
    )
    return path
