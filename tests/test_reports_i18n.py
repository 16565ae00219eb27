"""The reports' message catalogs: every id the code uses is translated in both languages,
each compiled .mo is its .po, and translations keep their placeholders."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from formula_engine.i18n import LANGUAGES, translator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import messages  # noqa: E402  (tools/messages.py)

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_every_message_id_used_in_code_is_in_both_catalogs_and_compiled() -> None:
    used = messages.used_messages()
    assert len(used) > 50  # the extraction finds the reports' messages
    assert messages.check() == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_translation_keeps_the_placeholders_of_its_id(lang: str) -> None:
    with messages.po_path(lang).open("rb") as file:
        catalog = read_po(file, locale=lang)
    for message in catalog:
        if message.id:
            ids = sorted(PLACEHOLDER.findall(str(message.id)))
            assert sorted(PLACEHOLDER.findall(str(message.string))) == ids, message.id


def test_the_mo_files_are_what_gettext_reads() -> None:
    # Written by hand: what an auditor reads in each language for three messages.
    indonesian, english = translator("id"), translator("en")
    assert indonesian("Findings") == "Temuan" and english("Findings") == "Findings"
    assert indonesian("seed line {line}").format(line=1584) == "baris naskah 1584"
    assert indonesian("Notation only (the value holds)") == "Notasi saja (nilainya benar)"


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of id, en"):
        translator("fr")
