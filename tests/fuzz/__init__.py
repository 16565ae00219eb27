"""Fuzzers of the formula engine, used through its public API.

    generate.py       grammar-aware formula text (random.Random or hypothesis st.randoms)
    mutate.py         byte and token mutation of tests/corpus/seed_formulas.txt
    oracle.py         what must hold for any text; the class of its outcome
    agree.py          when the fast path must agree with the exact path, and how closely
    scenario.py       the ad hoc declarations, values and years a formula is evaluated with
    watchdog.py       a deadline per call (hang) and an address-space cap (memory)
    shrink.py         minimising a failing input
    runner.py         the loop and its summary; __main__.py: python -m tests.fuzz
    atheris_target.py the coverage-guided target, where atheris installs
    regressions/      each fixed defect's inputs, replayed by tests/test_fuzz.py

docs/reliability.md says how to run them and what a long run found.
"""
