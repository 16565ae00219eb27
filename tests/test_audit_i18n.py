"""The audit's reports speak one language: the Indonesian report carries no English text
of the audit's own messages, the English report no Indonesian one (issue 11). Data-driven:
every message of the catalog whose two translations differ is looked for, by its
literal fragments, in the report of the other language."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from formula_engine.audit import run_audit
from formula_engine.audit.html import render_html
from formula_engine.audit.locate import KIND_WORDS
from formula_engine.audit.messages import joined, msg, tr
from formula_engine.audit.report import render_markdown, render_summary
from formula_engine.catalog import load_catalog
from formula_engine.explain import explain
from formula_engine.i18n import translator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import messages  # noqa: E402  (tools/messages.py)

CATALOG, _ = load_catalog(ROOT / "catalog")
assert CATALOG is not None
REPORT = run_audit(CATALOG)
PLACEHOLDER = re.compile(r"\{\w*\}")


def _fragments(text: str) -> list[str]:
    """The literal parts of a message, long enough to be telling (a phrase, not a word)."""
    parts = (p.strip(" ;:,.()") for p in PLACEHOLDER.split(text))
    return [p for p in parts if len(p) >= 16 and " " in p]


# The columns as the document heads them ("rata-rata pertumbuhan anggaran"): the
# document's own words, shown in both languages (audit/locate.py).
DOCUMENT_WORDS = tuple(KIND_WORDS.values())


def _phrases(lang: str) -> dict[str, str]:
    """The phrases of the messages in `lang` that the other language words otherwise
    (leaving out the document's own column names)."""
    catalogs = {}
    for each in ("id", "en"):
        with messages.po_path(each).open("rb") as file:
            catalogs[each] = {m.id: m.string for m in read_po(file, locale=each) if m.id}
    other = "en" if lang == "id" else "id"
    found: dict[str, str] = {}
    for message_id, text in catalogs[lang].items():
        if text == catalogs[other].get(message_id):
            continue
        for fragment in _fragments(text):
            if fragment not in catalogs[other].get(message_id, "") and not any(
                fragment in words for words in DOCUMENT_WORDS
            ):
                found[fragment] = message_id
    return found


def _reports(lang: str) -> str:
    shown = [
        render_summary(REPORT, lang, width=120),
        render_markdown(REPORT, lang),
        render_html(REPORT, CATALOG, lang),
    ]
    subjects = dict.fromkeys((f.subject, f.year) for f in REPORT.figures if f.status != "holds")
    for subject, year in subjects:
        shown.append(explain(CATALOG, REPORT, subject, year, year is None, lang).render())
    return "\n".join(shown)


@pytest.mark.parametrize(("lang", "foreign"), [("id", "en"), ("en", "id")])
def test_a_report_has_no_text_of_the_other_language(lang: str, foreign: str) -> None:
    phrases = _phrases(foreign)
    assert len(phrases) > 100  # the audit's rules, causes and reasons are in the catalogs
    text = _reports(lang)
    leaked = sorted({f"{phrase!r} ({phrases[phrase]!r})" for phrase in phrases if phrase in text})
    assert leaked == []


def test_a_message_is_english_as_a_string_and_translated_on_rendering() -> None:
    # written by hand: what the JSON keeps (English) and what an Indonesian auditor reads
    cause = msg("a transposed digit: {shown} with two adjacent digits swapped", shown="1.234")
    assert cause == "a transposed digit: 1.234 with two adjacent digits swapped"
    assert tr(cause, translator("id")) == (
        "digit tertukar: 1.234 dengan dua digit berdampingan bertukar tempat"
    )
    both = joined("; ", [cause, "Belanja Modal"])  # catalog text stays as it is
    assert tr(both, translator("id")).endswith("; Belanja Modal")
    assert tr(both, translator("en")) == str(both)


def test_the_rule_tables_have_their_words() -> None:
    from formula_engine.achievement import RULE_FORMULAS
    from formula_engine.audit.messages import ACHIEVEMENT_RULE_NAMES, ACHIEVEMENT_RULE_SOURCES

    assert set(ACHIEVEMENT_RULE_NAMES) == set(RULE_FORMULAS) == set(ACHIEVEMENT_RULE_SOURCES)
    indonesian = translator("id")
    for words in ACHIEVEMENT_RULE_NAMES.values():
        assert "_" not in words and tr(words, indonesian) != str(words)


def test_a_message_survives_pickling() -> None:
    # the service sends its results from a worker process as pickles (service/workers.py)
    import pickle

    cause = joined(
        "; ", [msg("a digit left out: {expected} with one digit missing", expected="12"), "x"]
    )
    again = pickle.loads(pickle.dumps(cause))
    assert again == cause
    assert tr(again, translator("id")) == "digit terlewat: 12 dengan satu digit hilang; x"
