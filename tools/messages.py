"""Keep the reports' message catalogs in step with the code, and compile them.

    python tools/messages.py            # add new ids to both .po files, compile the .mo files
    python tools/messages.py --check    # exit 1 if an id is missing or a .mo is stale
    python tools/messages.py web        # only the web pages' domain (web.po)

A message id is the first argument, a string literal, of a call `_(...)`, `N_(...)` or
`msg(...)` (formula_engine/audit/messages.py) in formula_engine/ (see
formula_engine/i18n.py): of the domain "web" (web.po) in formula_engine/web/, of
"renstra" (renstra.po) everywhere else. A new id is added to the
English catalog translated as itself and to the Indonesian one untranslated (msgstr ""),
to be written by hand; tests/test_reports_i18n.py fails while one is empty. Needs Babel
(the `test` extra).
"""

from __future__ import annotations

import ast
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "formula_engine"
LOCALE = PACKAGE / "locale"
LANGUAGES = ("id", "en")
MARKERS = ("_", "N_", "msg")
DOMAINS = ("renstra", "web")


def domain_of(path: Path, package: Path = PACKAGE) -> str:
    """The message domain of a source file: "web" for the web pages, else "renstra"."""
    return "web" if (package / "web") in path.parents else "renstra"


def used_messages(package: Path = PACKAGE, domain: str = "renstra") -> dict[str, list[str]]:
    """Every message id the code of `domain` uses, with the places ("file:line")."""
    found: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        if domain_of(path, package) != domain:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in MARKERS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                place = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.setdefault(node.args[0].value, []).append(place)
    return found


def po_path(lang: str, domain: str = "renstra") -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{domain}.po"


def compiled(lang: str, domain: str = "renstra") -> bytes:
    """The .mo of the .po of `lang`, as Babel compiles it."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang, domain).open("rb") as file:
        catalog = read_po(file, locale=lang)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update(domains: tuple[str, ...] = DOMAINS) -> None:
    from babel.messages.pofile import read_po, write_po

    for domain in domains:
        used = used_messages(domain=domain)
        for lang in LANGUAGES:
            with po_path(lang, domain).open("rb") as file:
                catalog = read_po(file, locale=lang)
            for message_id in used:
                if message_id not in catalog:
                    catalog.add(message_id, message_id if lang == "en" else "")
            for message in list(catalog):
                if message.id and message.id not in used:
                    del catalog[message.id]
            out = io.BytesIO()
            write_po(out, catalog, width=0, omit_header=False, sort_output=True)
            po_path(lang, domain).write_bytes(out.getvalue())
            po_path(lang, domain).with_suffix(".mo").write_bytes(compiled(lang, domain))


def check(domains: tuple[str, ...] = DOMAINS) -> list[str]:
    from babel.messages.pofile import read_po

    problems = []
    for domain in domains:
        used = used_messages(domain=domain)
        for lang in LANGUAGES:
            path = po_path(lang, domain)
            with path.open("rb") as file:
                catalog = read_po(file, locale=lang)
            for message_id, places in used.items():
                message = catalog.get(message_id)
                if message is None or not message.string:
                    problems.append(f"{path}: no {lang} text for {message_id!r} ({places[0]})")
            if path.with_suffix(".mo").read_bytes() != compiled(lang, domain):
                problems.append(f"{path}: the .mo is stale; run python tools/messages.py")
    return problems


if __name__ == "__main__":
    arguments = sys.argv[1:]
    chosen = tuple(a for a in arguments if a in DOMAINS) or DOMAINS
    if "--check" in arguments:
        problems = check(chosen)
        print("\n".join(problems) or "message catalogs up to date")
        sys.exit(1 if problems else 0)
    update(chosen)
    print("\n".join(check(chosen)) or "message catalogs up to date")
