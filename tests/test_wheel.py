"""The built wheel carries the grammar: install it in a fresh venv and parse a formula."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str | Path, cwd: Path | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_wheel_ships_the_grammar_and_parses_in_a_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ROOT
    )
    (wheel,) = dist.glob("formula_engine-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "formula_engine/grammar/formula.lark" in names
    assert "formula_engine/data/catalog/renstra.yaml" in names
    assert "formula_engine/py.typed" in names  # a consumer's mypy --strict reads our hints
    assert "formula_engine/bands/sakip_permenpanrb_88_2021.yaml" in names
    assert "formula_engine/locale/id/LC_MESSAGES/renstra.mo" in names  # the reports' messages

    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    _run(python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel)
    # The dependencies (lark, ...) come from this test's environment: its site-packages
    # is put on the path, but its .pth files (the editable install) are not processed.
    site = next(env.glob("lib/python*/site-packages"))
    (site / "test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    script = (
        "import formula_engine; "
        f"assert formula_engine.__file__.startswith({str(env)!r}), formula_engine.__file__; "
        "print(formula_engine.to_text(formula_engine.parse('a/b*100%')))"
    )
    assert _run(python, "-c", script, cwd=tmp_path) == "a / b x 100%\n"
    # The bundled catalog loads from the installed package, without the source tree.
    bundled = _run(python, "-c", BUNDLED, cwd=tmp_path).strip()
    assert bundled.startswith(str(env))
    output = _run(env / "bin" / "renstra", "check", bundled, cwd=tmp_path)
    assert "1 path(s) checked: 0 error(s)" in output


BUNDLED = "from formula_engine.catalog import bundled_catalog_path as p; print(p())"
