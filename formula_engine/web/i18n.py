"""The UI strings of the web pages: Indonesian by default, English with `?lang=en`.

One translation system with the reports: each string is an English message id of the
gettext domain `web` (formula_engine/locale/<lang>/LC_MESSAGES/web.po, compiled to web.mo;
`formula_engine.i18n.translator(lang, domain="web")`), named here by the key the templates
use (`t.plan`). `tools/messages.py` adds new ids to both web.po files and compiles them;
tests/test_web.py checks that every id has its Indonesian text.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

from ..i18n import N_, translator

Lang = Literal["id", "en"]
DOMAIN = "web"

STRINGS: dict[str, str] = {
    "plan": N_("Plan"),
    "audit": N_("Audit"),
    "editor": N_("Formula editor"),
    "skip": N_("Skip to content"),
    "language": N_("Language"),
    "search": N_("Search"),
    "search_label": N_("Search by code, name or indicator"),
    "no_match": N_("Nothing matches"),
    "tujuan": N_("Goal (tujuan)"),
    "sasaran": N_("Target area (sasaran)"),
    "program": N_("Programme"),
    "kegiatan": N_("Activity (kegiatan)"),
    "sub_kegiatan": N_("Sub-activity (sub kegiatan)"),
    "indicators": N_("Indicators"),
    "unit": N_("Unit"),
    "definition": N_("Definition"),
    "formula": N_("Formula"),
    "printed": N_("As printed in the document"),
    "ours": N_("In the formula language"),
    "valid": N_("Valid"),
    "values": N_("Targets and realisations by year"),
    "year": N_("Year"),
    "kind": N_("Kind"),
    "value": N_("Value"),
    "source": N_("Source"),
    "chart": N_("Target and realisation"),
    "chart_note": N_("Chart of the printed figures (first source per year)."),
    "no_chart": N_("No figures to draw."),
    "trail": N_("Explain trail"),
    "edit_formula": N_("Edit the formula"),
    "table": N_("Table"),
    "line": N_("line"),
    "row": N_("Row"),
    "col": N_("column"),
    "column": N_("Column"),
    "findings": N_("Findings"),
    "findings_below": N_("audit findings"),
    "check": N_("Kind of check"),
    "all": N_("All"),
    "filter": N_("Filter"),
    "checked": N_("Checked"),
    "holds": N_("Holds"),
    "finding": N_("Findings"),
    "not_recomputable": N_("Not recomputable"),
    "subject": N_("Subject"),
    "place": N_("Place in the document"),
    "recomputed": N_("Recomputed"),
    "difference": N_("Difference"),
    "rule": N_("Rule"),
    "terms": N_("Terms"),
    "explanation": N_("Explanation"),
    "note": N_("Note"),
    "open": N_("Open"),
    "shown": N_("shown"),
    "formula_text": N_("Formula"),
    "old_formula": N_("Old formula"),
    "check_now": N_("Check"),
    "checks_ok": N_("The formula checks."),
    "unit_inferred": N_("Unit inferred"),
    "equivalent": N_("Equivalent to the old formula."),
    "not_equivalent": N_("Not equivalent to the old formula."),
    "not_proven": N_("Equivalence not proven."),
    "counterexample": N_("Counterexample"),
    "inputs": N_("Inputs"),
    "old_result": N_("Old formula gives"),
    "new_result": N_("New formula gives"),
    "hint": N_("Hint"),
    "live_note": N_("Checked as you type; without JavaScript press Check."),
    "not_found": N_("Not found"),
    "did_you_mean": N_("Did you mean"),
    "baseline": N_("Baseline"),
    "target": N_("Target"),
    "realisation": N_("Realisation"),
    "end_of_period": N_("End of period"),
    "achievement": N_("Achievement"),
    "other_target": N_("Other target"),
    "nspk": N_("NSPK"),
    "ikk": N_("IKK"),
    "without_sasaran": N_("Programmes without a sasaran"),
    "problem_login": N_("Changes need the service's token: log in first."),
    "problem_edits_off": N_(
        "Changes are off: the service runs without a token (renstra serve --token-file)."
    ),
    "problem_year": N_("The year is four digits: 2024."),
    "login": N_("Log in"),
    "logout": N_("Log out"),
    "login_note": N_(
        "Enter the token given to renstra serve. The browser keeps a login mark in a cookie "
        "until you log out."
    ),
    "login_to_save": N_("to save changes."),
    "token": N_("Service token"),
    "wrong_token": N_("Wrong token."),
    "source_of_change": N_("Source of the change"),
    "source_document": N_("Document or reason"),
    "source_date": N_("Date of the document"),
    "entered_by": N_("Entered by"),
    "reference": N_("Number or reference"),
    "valid_from": N_("valid from"),
    "save_formula": N_("Save the formula"),
    "save_note": N_(
        "Saved only if the whole catalog still checks; the change is recorded with its source."
    ),
    "save": N_("Save"),
    "saved_formula": N_("The formula is saved."),
    "saved_target": N_("The target is saved."),
    "saved_realisation": N_("The realisation is saved."),
    "see_audit": N_("See the audit"),
    "capaian_by_year": N_("Achievement by year"),
    "period": N_("Period"),
    "predikat": N_("Grade (predikat)"),
    "whole_year": N_("Whole year"),
    "up_to": N_("up to"),
    "rollup_sum": N_("sum of quarters"),
    "rollup_last": N_("last quarter"),
    "rollup_max": N_("highest"),
    "rollup_min": N_("lowest"),
    "trail_of_year": N_("Explain trail of the year"),
    "chart_desc": N_("Lines of the target and realisation in force per year, in"),
    "change_values": N_("Change a target or enter a realisation"),
    "change_target": N_("Change a target"),
    "new_target": N_("New target"),
    "save_target": N_("Save the target"),
    "enter_realisation": N_("Enter a realisation"),
    "save_realisation": N_("Save the realisation"),
    "upload": N_("Upload"),
    "upload_link": N_("Or upload the realisation workbook (Excel)"),
    "upload_title": N_("Upload the realisation workbook"),
    "upload_note": N_("Fill in the realisasi column of the template of"),
    "upload_check_note": N_("The file is checked first; nothing is saved before you confirm."),
    "workbook": N_("File (.xlsx or .csv)"),
    "check_file": N_("Check the file"),
    "bad_cells": N_("bad cells"),
    "nothing_saved": N_("Nothing was saved. Fix these cells and upload again."),
    "cell": N_("Cell"),
    "problem": N_("Problem"),
    "cell_text": N_("Cell text"),
    "expected": N_("Expected"),
    "values_to_import": N_("values to import"),
    "confirm_import": N_("Confirm and save"),
    "values_saved": N_("values saved."),
    "open_indicator": N_("The indicator and its explain trail"),
    "budget": N_("Budget per year"),
}


@cache
def strings(lang: Lang) -> dict[str, str]:
    """The UI strings in this language (key -> text); do not change the dict returned."""
    _ = translator(lang, DOMAIN)
    return {key: _(message) for key, message in STRINGS.items()}


def lang_of(value: str | None) -> Lang:
    """`en` for English, Indonesian otherwise."""
    return "en" if value == "en" else "id"


CHECKS: dict[str, str] = {
    "achievement": N_("Achievement ratios"),
    "budget_growth": N_("Average budget growth"),
    "budget_parts": N_("Budget parts"),
    "budget_ratio": N_("Budget realisation ratios"),
    "cross_table": N_("Across tables"),
    "end_of_period": N_("End-of-period values"),
    "end_of_period_rp": N_("End-of-period budgets (Rp)"),
    "grade": N_("Grades"),
    "percentage": N_("Percentages"),
    "rollup": N_("Budget rollups (Tabel 6.1-6.3)"),
}


def check_label(check: str, lang: Lang) -> str:
    """A check's name for planners and auditors (the check's own name if unknown)."""
    message = CHECKS.get(check)
    return check.replace("_", " ") if message is None else translator(lang, DOMAIN)(message)
