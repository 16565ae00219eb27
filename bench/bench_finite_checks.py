"""Micro-benchmark of the finiteness checks of a share's division (issue 9, item 1).

Side by side in one process, medians of several repeats, at 10^6 rows by default:
  now:   isfinite(quotient).all() + add.reduce(denominator)   (the steps before 2c5535c)
  dot:   np.dot(quotient, denominator), one pass over both (inf x 0 = nan keeps it sound)
  sums:  add.reduce(quotient) + add.reduce(denominator)
Run: python bench/bench_finite_checks.py [--rows N] [--repeat R]; state `uptime` beside it.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import timeit

import numpy as np

from formula_engine.backends.numpy import _not_finite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    rng = np.random.default_rng(9)
    numerator = rng.random(args.rows) * 1e9
    denominator = rng.random(args.rows) * 1e9 + 1.0
    quotient = numerator / denominator

    def now() -> bool:
        return bool(np.isfinite(quotient).all()) and math.isfinite(np.add.reduce(denominator))

    def dot() -> bool:
        return math.isfinite(np.dot(quotient, denominator))

    def sums() -> bool:
        return math.isfinite(np.add.reduce(quotient)) and math.isfinite(np.add.reduce(denominator))

    def divide() -> object:
        return np.divide(numerator, denominator)

    def not_finite() -> object:  # the step as it is now: one sum, no temporary
        return _not_finite(quotient)

    cases = {"divide (the pass itself)": divide, "now": now, "dot": dot, "sums": sums}
    cases["_not_finite(quotient)"] = not_finite
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeat):  # round-robin, so load hits every case alike
        for name, case in cases.items():
            times[name].append(min(timeit.repeat(case, number=5, repeat=1)) / 5)
    base = statistics.median(times["now"])
    print(f"rows={args.rows} repeat={args.repeat} load={os.getloadavg()[0]:.2f}")
    for name, ts in times.items():
        median = statistics.median(ts)
        print(f"{name:26s} {median * 1e6:10.1f} us  {median / base:5.2f}x now")


if __name__ == "__main__":
    main()
