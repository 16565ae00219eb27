"""The codes the tables print for each program, kegiatan and sub kegiatan (Tabel 6.1-6.3).

The catalog keeps each row's code (the 2023 nomenclature: 1.06.04.2.01.0012) and, in
`codes_printed`, every other form a table prints. Each printed code is checked against
five rules; a code that breaks any is one finding listing every rule it breaks:

- row: it is the row's code once a two-digit last part is written with four
  (1.06.01.2.01.01 -> 1.06.01.2.01.0001);
- parent: it starts with its parent's code, as the same table prints it or as it is;
- pattern: its parts have the shape of its level (program 1.06.01, kegiatan 1.06.01.2.01,
  sub kegiatan 1.06.01.2.01.01 or .0001);
- unique: no other row of the same table is printed under the same code;
- name: no row of another name stands under that code in Tabel 6.1, 6.2 or 6.3 (as its
  own code or as another table prints it).

A table that prints a row without a `codes_printed` entry prints the row's own code;
those codes take part in the uniqueness and name rules (the catalog records no place
for them, so they are not figures of their own). Each row's code at its own place
(`source`) is a figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..catalog.load import Catalog
from ..catalog.models import Program, Source
from .figures import Figure, Place, Term
from .locate import printed_code
from .messages import Msg, joined, msg

PATTERNS = {
    "program": re.compile(r"\d\.\d{2}\.\d{2}"),
    "kegiatan": re.compile(r"\d\.\d{2}\.\d{2}\.\d\.\d{2}"),
    "sub_kegiatan": re.compile(r"\d\.\d{2}\.\d{2}\.\d\.\d{2}\.(\d{2}|\d{4})"),
}
PATTERN_WORDS = {
    "program": "U.UU.PP (1.06.01)",
    "kegiatan": "U.UU.PP.K.KK (1.06.01.2.01)",
    "sub_kegiatan": msg("U.UU.PP.K.KK.SSSS (1.06.01.2.01.0001, or .01)"),
}
# The document's own words for the levels (the same in both languages).
LEVEL_WORDS = {"program": "program", "kegiatan": "kegiatan", "sub_kegiatan": "sub kegiatan"}
RULE = msg("the printed code is the row's code, under its parent's, of its level's pattern, unique")
SEVERE = "another row's code"


def normalised(code: str) -> str:
    """A sub kegiatan's two-digit last part written with four: .01 -> .0001."""
    parts = code.split(".")
    if len(parts) == 6 and len(parts[-1]) == 2:
        parts[-1] = parts[-1].zfill(4)
    return ".".join(parts)


@dataclass(frozen=True)
class _Row:
    entry: Any
    level: str
    parent: Any | None


@dataclass(frozen=True)
class _Printed:
    row: _Row
    table: str
    text: str
    place: Source | None  # None: implied (the table prints the row's own code)


def _rows(catalog: Catalog) -> Iterator[_Row]:
    for located in catalog.programs:
        program: Program = located.entry
        yield _Row(program, "program", None)
        for kegiatan in program.kegiatan:
            yield _Row(kegiatan, "kegiatan", program)
            for sub in kegiatan.sub_kegiatan:
                yield _Row(sub, "sub_kegiatan", kegiatan)


def _tables(entry: Any) -> set[str]:
    """The tables of 6.1-6.3 that print the row."""
    values = [*entry.budget, *(v for i in entry.indicators for v in i.values)]
    tables = {v.table for v in values} | {c.table for c in entry.codes_printed}
    own = entry.source.table if isinstance(entry.source, Source) else None  # not a workbook's
    return {t for t in (*tables, own) if t in ("6.1", "6.2", "6.3")}


def _printed(rows: list[_Row]) -> list[_Printed]:
    printed = []
    for row in rows:
        entry = row.entry
        explicit = {c.table: c for c in entry.codes_printed}
        for table in sorted(_tables(entry)):
            if table in explicit:
                code = explicit[table]
                place = Source(table=code.table, line=code.line, last_line=code.last_line)
                printed.append(_Printed(row, table, code.text, place))
            else:
                seed = entry.source if isinstance(entry.source, Source) else None
                own = seed if seed is not None and seed.table == table else None
                printed.append(_Printed(row, table, entry.code, own))
    return printed


def code_checks(catalog: Catalog) -> list[Figure]:
    rows = list(_rows(catalog))
    printed = _printed(rows)
    by_code: dict[str, list[_Printed]] = {}
    for p in printed:
        by_code.setdefault(normalised(p.text), []).append(p)
    own_codes = {row.entry.code: row for row in rows}
    return [_judge(p, by_code, own_codes) for p in printed if p.place is not None]


def _judge(p: _Printed, by_code: dict[str, list[_Printed]], own_codes: dict[str, _Row]) -> Figure:
    entry, level = p.row.entry, p.row.level
    code = normalised(p.text)
    assert p.place is not None
    row = f"{p.text} {entry.name}"
    place = Place(p.table, p.place.line, p.place.last_line, row=row, column="kode")
    figure = Figure(
        "code",
        entry.code,
        entry.name,
        None,
        p.text,
        place,
        RULE,
        terms=[Term(msg("the code of the {level}", level=LEVEL_WORDS[level]), entry.code, None)],
        cell=(p.table, place.line, "code", None),
    )
    broken: list[str] = []
    causes: list[str] = []
    if code != entry.code:
        broken.append(
            msg("row: {printed} is not the row's code {code}", printed=p.text, code=entry.code)
        )
    if p.row.parent is not None:
        parent = printed_code(p.row.parent, p.table)
        figure.terms.append(
            Term(msg("its parent's code in Tabel {table}", table=p.table), parent, None)
        )
        # under the parent's code as this table prints it, or as it is (a misprinted
        # parent is the parent's finding)
        if not any(code.startswith(f"{c}.") for c in (normalised(parent), p.row.parent.code)):
            broken.append(
                msg(
                    "parent: {printed} is not under its parent's {parent}",
                    printed=p.text,
                    parent=parent,
                )
            )
    if not PATTERNS[level].fullmatch(p.text):
        broken.append(
            msg(
                "pattern: a {level} code has the form {pattern}",
                level=LEVEL_WORDS[level],
                pattern=PATTERN_WORDS[level],
            )
        )
    same_table = [o for o in by_code.get(code, []) if o.table == p.table and o.row != p.row]
    if same_table and code != entry.code:
        others = ", ".join(f"{o.row.entry.code} {o.row.entry.name}" for o in same_table)
        broken.append(
            msg(
                "unique: Tabel {table} also prints {printed} for {others}",
                table=p.table,
                printed=p.text,
                others=others,
            )
        )
    other = own_codes.get(code)
    if other is not None and other.entry.code != entry.code and other.entry.name != entry.name:
        broken.append(
            msg(
                "name: {code} is the code of {name} ({level})",
                code=code,
                name=other.entry.name,
                level=LEVEL_WORDS[other.level],
            )
        )
        what = f"{LEVEL_WORDS[other.level]} {other.entry.code} {other.entry.name}"
        causes.append(msg("another row's code: {printed} is {what}", printed=p.text, what=what))
    elif code != entry.code:
        elsewhere = sorted(
            {
                (o.table, o.text, o.row.entry.name)
                for o in by_code.get(code, [])
                if o.table != p.table and o.row.entry.name != entry.name
            }
        )
        if elsewhere:
            said = [
                msg("Tabel {table} prints {printed} for {name}", table=t, printed=x, name=n)
                for t, x, n in elsewhere
            ]
            broken.append(msg("name: {said}", said=joined("; ", said)))
    if not broken:
        figure.status = "holds"
        return figure
    figure.status = "finding"
    figure.rules = broken
    figure.intended = entry.code
    found = [*causes, *_digit_causes(p.text, entry.code)]
    figure.explanation = joined("; ", found) if found else None
    if causes:
        figure.severity = "high"
    return figure


def _digit_causes(printed: str, code: str) -> list[Msg]:
    """A part left out or a stray digit, compared with the row's code."""
    printed_parts, parts = normalised(printed).split("."), code.split(".")

    def same(a: list[str], b: list[str]) -> bool:
        return len(a) == len(b) and all(int(x) == int(y) for x, y in zip(a, b, strict=True))

    if len(printed_parts) + 1 == len(parts):
        left_out = [parts[:i] + parts[i + 1 :] for i in range(len(parts))]
        for test in (lambda a, b: a == b, same):  # the digits as printed first
            for index, rest in enumerate(left_out):
                if test(rest, printed_parts):
                    return [
                        msg(
                            "the part '.{part}.' of {code} is left out",
                            part=parts[index],
                            code=code,
                        )
                    ]
    if len(printed_parts) == len(parts) and printed_parts[:-1] == parts[:-1]:
        last, expected = printed_parts[-1], parts[-1].lstrip("0")
        if last.startswith(expected) and len(last) == len(expected) + 1:
            return [
                msg(
                    "a stray digit: the last part {last} for {expected} ({full})",
                    last=last,
                    expected=expected,
                    full=parts[-1],
                )
            ]
        if last.lstrip("0") != expected:
            shown = printed.split(".")[-1]
            return [
                msg("the last part is {shown} where the row's is {own}", shown=shown, own=parts[-1])
            ]
    return []
