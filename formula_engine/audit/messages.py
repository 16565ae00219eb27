"""The audit's own texts (rules, steps, causes, reasons) as translatable messages.

A check words what it found in English, as a message of the catalog:

    figure.explanation = msg("a transposed digit: {shown} with two adjacent digits swapped",
                             shown="22.535.370.108")

`msg` returns a `Msg`: a `str` whose value is the English text (what the JSON, the tests
and any code comparing texts see), which also keeps its message id and its parameters.
A report in another language renders it with `tr(text, _)`: the id translated by the
message catalog (formula_engine/locale/*/LC_MESSAGES/renstra.po), then its parameters,
themselves translated when they are messages. Text the catalog provides (names, printed
figures, formulas) is a plain `str` parameter and is never translated. `tools/messages.py`
extracts the ids of `msg(...)` calls as it does those of `_(...)` and `N_(...)`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..i18n import N_, Msg, Translate, joined, msg

__all__ = ["Msg", "joined", "msg", "tr"]  # Msg, msg, joined live in i18n (no import cycle)

if TYPE_CHECKING:
    from ..bands import BandTable
    from .figures import Place

# The kinds of printed value, as the reports name them (message ids).
KIND_TEXTS = {
    "target": N_("target"),
    "realisation": N_("realisation"),
    "achievement": N_("achievement"),
    "baseline": N_("baseline"),
    "end_of_period": N_("end of period"),
    "growth_budget": N_("average growth of the budget"),
    "growth_realisation": N_("average growth of the realisation"),
    "nspk": N_("NSPK target"),
    "ikk": N_("IKK target"),
    "other_target": N_("other target"),
}


def tr(text: object, _: Translate) -> str:
    """`text` in the language of `_`: a `Msg` translated, anything else as it is."""
    if isinstance(text, Msg):
        if text.separator is not None:
            return text.separator.join(tr(part, _) for part in text.parts)
        values = {key: tr(value, _) for key, value in text.params.items()}
        return _(text.template).format(**values)
    from .figures import Place

    if isinstance(text, Place):
        return tr(where(text), _)
    return "" if text is None else str(text)


def where(place: Place) -> Msg:
    """A term's place in a sentence: "Tabel 2.3.2, line 1595" (baris naskah in Indonesian)."""
    lines = f"{place.line}-{place.last_line}" if place.last_line else f"{place.line}"
    return msg("Tabel {table}, line {lines}", table=place.table.split("-", 1)[0], lines=lines)


# The achievement rules (achievement.RULE_FORMULAS) as the reports name them: never the
# catalog's rule name (a test checks that every rule has its words).
ACHIEVEMENT_RULE_NAMES: dict[str, Msg] = {
    "higher_is_better": msg("higher is better"),
    "lower_is_better_difference": msg("lower is better, difference form"),
    "lower_is_better_ratio": msg("lower is better, ratio form"),
}
ACHIEVEMENT_RULE_SOURCES: dict[str, Msg] = {
    "higher_is_better": msg("Permendagri 86/2017 (capaian = realisasi / target x 100%)"),
    "lower_is_better_difference": msg(
        "PermenPANRB 8/2021 (capaian = 1 + (1 - realisasi/target)); reproduces the Indeks "
        "Gini ratios of Tabel 2.3.1"
    ),
    "lower_is_better_ratio": msg("SIPD companion tools (capaian = target / realisasi x 100%)"),
}
# What achievement.achievement says when a capaian is not computable.
ACHIEVEMENT_REASONS: dict[str, Msg] = {
    "the target is missing or not a figure": msg("the target is missing or not a figure"),
    "the realisation is missing or not a figure": msg("the realisation is missing or not a figure"),
    "the target is zero": msg("the target is zero"),
    "the realisation is zero": msg("the realisation is zero"),
}


def achievement_rule(rule: str, formula: str) -> Msg:
    """An achievement rule in words, with its formula: "higher is better: r / t x 100%"."""
    return msg("{name}: capaian = {formula}", name=ACHIEVEMENT_RULE_NAMES[rule], formula=formula)


def end_of_period_rule(rule: str, years: list[int]) -> Msg:
    """An end-of-period rule in words over its years ("the targets 2022-2026 added"): the
    description of rules.END_OF_PERIOD_RULES, a message id there."""
    from ..rules import END_OF_PERIOD_RULES

    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else (str(years[0]) if years else "")
    return Msg(END_OF_PERIOD_RULES[rule].description, {"span": span})


def band_name(table: BandTable) -> str:
    """A band table as the reports name it: its title, as the regulation words it."""
    return f"\N{LEFT DOUBLE QUOTATION MARK}{table.title}\N{RIGHT DOUBLE QUOTATION MARK}"


def table_number(table: str) -> str:
    """The number the document prints: "2.3.2" for both of its tables numbered 2.3.2."""
    return table.split("-", 1)[0]
