"""The exit codes of the `renstra` command: one meaning each.

The table is the single source: `renstra --help` and the README list it, and every
command exits with one of these (never with a traceback).
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    """Done; no findings; the check passed."""
    FINDINGS = 1
    """Findings, a failed check, a formula with errors, or formulas that are not equivalent."""
    USAGE = 2
    """A usage error: an unknown option, a value out of range, an input over the limit."""
    NOT_COMPUTABLE = 3
    """The value is not computable (a missing value, a zero denominator) or not proven."""
    CATALOG_REJECTED = 4
    """The catalog does not load or does not pass its check; nothing was computed."""
    CANNOT_WRITE = 5
    """An output (a report, an edited file) cannot be written; no file was changed."""


MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "ok",
    ExitCode.FINDINGS: "findings, or a check that failed",
    ExitCode.USAGE: "usage error (bad option or value, input over the limit)",
    ExitCode.NOT_COMPUTABLE: "not computable (or, for equiv, not proven)",
    ExitCode.CATALOG_REJECTED: "the catalog does not load or does not check",
    ExitCode.CANNOT_WRITE: "an output cannot be written",
}
