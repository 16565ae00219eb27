"""python -m tests.fuzz [--minutes M | --seconds S | --inputs N] [--seed N] [--out DIR]

Runs the fuzzer (tests/fuzz/runner.py) with the address space capped, writes minimised
failing inputs to DIR (default fuzz-findings/), prints the summary, and exits 1
(ExitCode.FINDINGS) when it found something new, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from formula_engine.exit_codes import ExitCode

from .runner import fuzz
from .watchdog import limit_memory


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="run for this long")
    budget.add_argument("--seconds", type=float, help="run for this long")
    budget.add_argument("--inputs", type=int, help="run this many inputs (reproducible)")
    parser.add_argument("--seed", type=int, default=None, help="default: from the clock")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--limit", type=float, default=1.0, help="deadline of one call (s)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address space allowed")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    seconds = args.seconds if args.minutes is None else args.minutes * 60
    if seconds is None and args.inputs is None:
        seconds = 60.0
    args.out.mkdir(parents=True, exist_ok=True)
    limit_memory(args.memory_mb * 2**20)
    print(f"fuzzing with seed {seed}; findings go to {args.out}/", flush=True)
    summary = fuzz(
        seed,
        inputs=args.inputs,
        seconds=seconds,
        out=args.out,
        limit=args.limit,
        log=sys.stdout,
    )
    print(summary.render(), flush=True)
    return int(ExitCode.FINDINGS if summary.findings else ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
