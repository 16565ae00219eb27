"""Cold start: what a fresh process imports, counted by module (never timed).

sympy takes about as long to import as everything else a command needs; a command that
does not compute symbolically must not import it. Each case runs in a new interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from formula_engine.catalog import bundled_catalog_path

PROBE = """
import json, sys
from formula_engine.cli import main
try:
    main({arguments!r})
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {roots!r})))
"""


def imported(code: str, cache: Path) -> list[str]:
    """The modules `code` prints (those of the packages it looks for), loaded in a fresh
    interpreter."""
    environment = {"RENSTRA_CACHE_DIR": str(cache), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, check=True
    )
    found: list[str] = json.loads(done.stdout.splitlines()[-1])
    return found


def test_importing_the_package_and_its_cli_does_not_import_sympy(tmp_path: Path) -> None:
    code = "import json, sys, formula_engine, formula_engine.cli, formula_engine.catalog\n"
    code += "print(json.dumps(sorted(m for m in sys.modules if m.startswith('sympy'))))"
    assert imported(code, tmp_path) == []


def test_the_facade_still_gives_every_public_name() -> None:
    import formula_engine

    for name in formula_engine.__all__:
        assert getattr(formula_engine, name) is not None
    with pytest.raises(AttributeError):
        formula_engine.no_such_name  # noqa: B018


def test_check_catalog_with_its_report_cached_imports_neither_sympy_nor_numpy(
    tmp_path: Path,
) -> None:
    probe = PROBE.format(arguments=["check", str(bundled_catalog_path())], roots=("sympy", "numpy"))
    first = imported(probe, tmp_path)  # a miss: the symbolic checks run
    assert any(name == "sympy" for name in first)
    assert imported(probe, tmp_path) == []


def test_audit_with_the_catalog_cached_imports_neither_sympy_nor_numpy(tmp_path: Path) -> None:
    # The achievement rules and the recomputation use the exact path only (issue 9:
    # numpy was imported by formula_engine.model for them, a fifth of the audit's start).
    probe = PROBE.format(arguments=["audit", "--no-fail"], roots=("sympy", "numpy"))
    imported(probe, tmp_path)  # a miss: the catalog is parsed and checked, then cached
    assert imported(probe, tmp_path) == []


def test_audit_with_its_report_cached_loads_no_grammar(tmp_path: Path) -> None:
    # the audit of unchanged files is read back (audit/stored.py): the formula language
    # (lark) is not needed to report it, nor sympy
    probe = PROBE.format(arguments=["audit", "--no-fail"], roots=("lark", "sympy"))
    first = imported(probe, tmp_path)  # a miss: parsed, checked and audited
    assert {"lark", "sympy"} <= set(first)
    assert imported(probe, tmp_path) == []


def test_evaluating_one_value_imports_no_numpy(tmp_path: Path) -> None:
    code = (
        "import json, sys\n"
        "from formula_engine import Model, Declarations, Input\n"
        "model = Model(Declarations(inputs=(Input(id='a', label='a', unit='1'),)))\n"
        "formula = model.compile('a x 2')\n"
        "assert formula.evaluate_value({'a': {2022: 3}}, 2022) == 6\n"
        "assert formula.scalar(2022).function(3.0) == 6.0\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'numpy')))"
    )
    assert imported(code, tmp_path) == []
