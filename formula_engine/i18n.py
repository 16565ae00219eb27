"""The reports' languages: a gettext message catalog, Indonesian by default, English on request.

    _ = translator(lang)      # lang "id" (default) or "en"
    _("Capaian")              # the message in that language

The messages live in `formula_engine/locale/<lang>/LC_MESSAGES/renstra.po` (the source,
edited by hand; the web pages' in `web.po`, the domain "web") and are read at run time
from the compiled `renstra.mo` (`web.mo`) beside it, with the standard library's gettext
(no dependency at run time). `tools/messages.py` adds new message ids to both .po files
and compiles them with Babel; tests/test_reports_i18n.py
checks that every id the code uses is in both catalogs and that each .mo is its .po.

The message ids are English; a placeholder is written `{name}` and filled by the caller
with `str.format` after translation. Numbers are formatted by numbers.format_indonesian in
both languages: the document's notation, whatever the language of the text around it.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "renstra"
DOMAINS = ("renstra", "web")  # the reports' messages, the web pages' (formula_engine/web/)
LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

Translate = Callable[[str], str]


def locale_dir() -> Path:
    return Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Marks a message id kept in a table and translated later (gettext's convention)."""
    return message


@cache
def _translations(lang: str, domain: str = DOMAIN) -> gettext.GNUTranslations:
    with (locale_dir() / lang / "LC_MESSAGES" / f"{domain}.mo").open("rb") as file:
        return gettext.GNUTranslations(file)


def translator(lang: str = DEFAULT_LANGUAGE, domain: str = DOMAIN) -> Translate:
    """The function that translates a message id into `lang` ("id" or "en"), from the
    catalog `domain`: "renstra" (the reports) or "web" (the pages, formula_engine.web).

    An unknown language is a ValueError naming the known ones (the CLI's --lang option
    only offers those), and so is an unknown domain."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    if domain not in DOMAINS:
        raise ValueError(f"unknown message domain {domain!r}; expected one of {DOMAINS}")
    return _translations(lang, domain).gettext


# Messages that keep their id and parameters (formula_engine/audit/messages.py says how
# they are used); here, beside the catalogs, so that the parser, the resolver and the
# units can word their errors as messages without importing the audit.


class Msg(str):
    """An English text that remembers its message id and parameters (see the module)."""

    template: str
    params: dict[str, object]
    separator: str | None  # for a joined list of texts: the separator; else None
    parts: tuple[object, ...]

    def __new__(cls, template: str, params: dict[str, object]) -> Msg:
        text = template.format(**{k: str(v) for k, v in params.items()})
        self = super().__new__(cls, text)
        self.template, self.params, self.separator, self.parts = template, params, None, ()
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        if self.separator is not None:
            return (joined, (self.separator, self.parts))
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, object]) -> Msg:
    return Msg(template, params)


def msg(template: str, /, **params: object) -> Msg:
    """The message `template` (an English message id with {name} placeholders), filled."""
    return Msg(template, params)


def joined(separator: str, parts: Iterable[object]) -> Msg:
    """Texts joined by `separator` ("; "), each translated on its own."""
    items = tuple(parts)
    self = Msg("{text}", {"text": separator.join(str(p) for p in items)})
    self.separator, self.parts = separator, items
    return self


def either(choices: Iterable[object]) -> Msg:
    """Choices joined by "or" ("'a' or 'b' or 'c'"; "atau" in Indonesian), each as it is."""
    items = list(choices)
    if not items:
        return msg("{text}", text="")
    found = msg("{text}", text=items[0])
    for item in items[1:]:
        found = msg("{first} or {second}", first=found, second=item)
    return found
