"""One cause, one finding: which printed cell the broken identities blame.

Three passes over the figures of every check, after they are judged:

1. Blame. A sum (a kegiatan's rollup, Belanja Langsung = its parts, TOTAL = its parts, an
   end-of-period Rp) that fails may fail only because one of its terms is itself wrong: the
   term's own identity (another sum, broken too) says what it should be. When putting that
   value in its place makes the sum hold, the sum is not a second finding: it holds
   through that cell, and the cell's finding lists the sum among the rules it breaks.
   ("TOTAL 2017 = Belanja Tidak Langsung + Belanja Langsung" fails only through Belanja
   Langsung 2017, whose three components give the figure the TOTAL uses.)
2. Corroborate. A broken sum whose printed figure another sum uses and holds with (a
   kegiatan whose program adds up with it) is more likely wrong in a part: said so.
3. Merge. Two findings that judge the same printed cell (the end-of-period Rp of a
   program, as the sum of its kegiatan and as the sum of its yearly targets) are one
   finding: the first keeps its place and lists every rule; the others are folded into it.
"""

from __future__ import annotations

from ..numbers import format_indonesian
from .figures import Cell, Figure
from .messages import Msg, msg, where

# The checks whose figure is the sum of its terms (each term's `value`).
SUM_CHECKS = frozenset({"budget_parts", "rollup", "end_of_period_rp"})


def _broken_sums(figures: list[Figure]) -> dict[Cell, Figure]:
    broken: dict[Cell, Figure] = {}
    for figure in figures:
        if (
            figure.check in SUM_CHECKS
            and figure.status == "finding"
            and figure.recomputed is not None
            and figure.printed_value is not None
            and figure.cell is not None
        ):
            broken.setdefault(figure.cell, figure)
    return broken


def blame(figures: list[Figure]) -> int:
    """Settle each broken sum that holds once one term takes the value its own broken
    identity gives; returns how many were settled."""
    broken = _broken_sums(figures)
    settled = 0
    for figure in list(broken.values()):
        assert figure.recomputed is not None
        for term in figure.terms:
            culprit = broken.get(term.cell) if term.cell else None
            if culprit is None or culprit is figure or term.value is None:
                continue
            assert culprit.recomputed is not None
            corrected = figure.recomputed - term.value + culprit.recomputed
            if corrected != figure.printed_value:
                continue
            shown = format_indonesian(culprit.recomputed, 0)
            figure.status = "holds"
            figure.explanation = msg(
                "holds with {term} = {shown}, the figure its own rule gives ({rule}); the "
                "printed {printed} ({where}) is the cell at fault, a finding of its own",
                term=term.label,
                shown=shown,
                rule=culprit.rule,
                printed=term.text,
                where=term.place if term.place is None else where(term.place),
            )
            culprit.rules = [
                *(culprit.rules or [culprit.rule]),
                msg("{rule} ({where})", rule=figure.rule, where=where(figure.place)),
            ]
            culprit.steps.append(
                msg(
                    "with {shown} in its place, {label} = {total} as printed ({where})",
                    shown=shown,
                    label=f"{figure.label} {figure.year or ''}".strip(),
                    total=format_indonesian(corrected, 0),
                    where=where(figure.place),
                )
            )
            settled += 1
            break
    return settled


def corroborate(figures: list[Figure]) -> int:
    """A broken sum whose printed figure is a term of another sum that holds with it: the
    figure is corroborated, so one of its parts is the more likely cell at fault (which one
    the document does not tell). Says so in the explanation; returns how many."""
    holding: dict[Cell, Figure] = {}
    for figure in figures:
        # a sum that holds as printed (not through an intended reading or another cell)
        if figure.check in SUM_CHECKS and figure.status == "holds" and not figure.explanation:
            for term in figure.terms:
                if term.cell is not None:
                    holding.setdefault(term.cell, figure)
    told = 0
    for figure in _broken_sums(figures).values():
        witness = holding.get(figure.cell) if figure.cell else None
        if witness is None:
            continue
        said = msg(
            "the printed {printed} agrees with {rule} ({where}), which holds with it: one of "
            "its parts is more likely at fault",
            printed=figure.printed,
            rule=witness.rule,
            where=where(witness.place),
        )
        figure.explanation = (
            msg("{first}; {second}", first=said, second=figure.explanation)
            if figure.explanation
            else said
        )
        told += 1
    return told


def merge(figures: list[Figure]) -> list[Figure]:
    """The findings that judge a cell already judged by an earlier finding: folded into
    that one (its rules and steps), and returned so their checks can drop them."""
    first: dict[Cell, Figure] = {}
    folded: list[Figure] = []
    for figure in figures:
        if figure.status != "finding" or figure.cell is None:
            continue
        kept = first.setdefault(figure.cell, figure)
        if kept is figure:
            continue
        kept.rules = [*(kept.rules or [kept.rule]), figure.rule]
        kept.steps.append(
            msg("also by {rule}: {result}", rule=figure.rule, result=_recomputed(figure))
        )
        folded.append(figure)
    return folded


def _recomputed(figure: Figure) -> Msg:
    if figure.recomputed is None:
        return msg("not recomputed")
    return msg(
        "recomputed {recomputed}, printed {printed}",
        recomputed=figure.recomputed_text(),
        printed=figure.printed,
    )
