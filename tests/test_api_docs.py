"""The API reference builds from the docstrings: `mkdocs build --strict` (mkdocs.yml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_api_reference_builds_strictly(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    reference = (tmp_path / "reference" / "index.html").read_text(encoding="utf-8")
    for name in ("load_catalog", "evaluate_indicator", "set_target", "create_app", "ErrorOut"):
        assert name in reference, name
