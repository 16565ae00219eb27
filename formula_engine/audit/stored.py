"""The audit of a catalog, kept in the catalog cache (catalog/cache.py) under the key of
exactly the files it was made from, so that `renstra audit` of an unchanged catalog does
not recompute it.

The key is the catalog's: the package's version and a fingerprint of its own files, and
the SHA-256 of every catalog file as read in this run. An edited file, a file added or
removed, or other code gives another key, and the audit is computed again; a catalog
without a key (the cache off, or a catalog that did not load from files) is never kept.

An entry is JSON of plain data, each value tagged with its type: texts, numbers, exact
ratios as "n/d", tuples, the report's dataclasses (by a fixed table of their names) and
the audit's messages (`Msg`: template and parameters, so a report in another language is
translated as a fresh one is). The codec refuses anything else (then nothing is kept),
and reading back what it wrote gives an equal report, message ids included
(tests/test_audit_stored.py). A body that does not decode is ignored and recomputed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from fractions import Fraction
from functools import cache as once
from typing import TYPE_CHECKING, Any

from ..catalog import cache
from .figures import Figure, Place, Term
from .messages import Msg, joined

if TYPE_CHECKING:
    from . import AuditReport

KIND = "audit"


class _Refused(Exception):
    """A value the codec does not keep."""


def cached_report(key: str | None, compute: Callable[[], AuditReport]) -> AuditReport:
    """The report stored under the catalog `key`, or `compute()` (then stored)."""
    name = f"{KIND}-{key}.json"
    body = cache.read_entry(name, key) if key is not None else None
    if body is not None:
        try:
            report = decode(body)
        except (ValueError, KeyError, TypeError, IndexError, _Refused):
            report = None
        if isinstance(report, _classes()["AuditReport"][0]):
            return report  # type: ignore[no-any-return]
    report = compute()
    if key is not None:
        try:
            text = json.dumps(encode(report), ensure_ascii=False)
        except _Refused:
            return report
        cache.write_entry(name, key, text)
    return report


@once
def _classes() -> dict[str, tuple[type[Any], frozenset[str]]]:
    """The report's dataclasses by name, with the names of their fields."""
    from . import AuditReport, Section

    kinds = (AuditReport, Section, Figure, Place, Term)
    return {k.__name__: (k, frozenset(f.name for f in dataclasses.fields(k))) for k in kinds}


def encode(value: object) -> object:
    """`value` as tagged plain data (see the module)."""
    if value is None or type(value) in (bool, int, str):
        return value
    if isinstance(value, Msg):
        if value.separator is not None:
            return {"$joined": value.separator, "parts": [encode(p) for p in value.parts]}
        return {"$msg": value.template, "params": _mapping(value.params)}
    if type(value) is Fraction:
        return {"$q": [value.numerator, value.denominator]}
    if type(value) is list:
        return [encode(item) for item in value]
    if type(value) is tuple:
        return {"$tuple": [encode(item) for item in value]}
    if type(value) is dict:
        return {"$dict": _mapping(value)}
    kind = type(value)
    known, fields = _classes().get(kind.__name__, (None, frozenset()))
    if known is kind:
        names = [f.name for f in dataclasses.fields(kind)]
        if vars(value).keys() != fields:
            raise _Refused(f"{kind.__name__} with other attributes")
        return {"$class": kind.__name__, "fields": {n: encode(getattr(value, n)) for n in names}}
    raise _Refused(type(value).__name__)


def _mapping(value: dict[Any, Any]) -> dict[str, object]:
    if not all(type(k) is str and not k.startswith("$") for k in value):
        raise _Refused("a key that is not text, or that starts with $")
    return {k: encode(v) for k, v in value.items()}


def decode(text: str) -> Any:
    """The value `encode` wrote, from its JSON text (each tagged object rebuilt as the
    parser meets it, innermost first)."""
    return json.loads(text, object_hook=_rebuilt)


def _rebuilt(data: dict[str, Any]) -> Any:
    tag = next(iter(data), "")  # encode writes the tag first
    if not tag.startswith("$"):
        return data  # the fields, parameters or items of a tagged value around it
    return _TAGS[tag](data)


def _message(data: dict[str, Any]) -> Msg:
    template, params = data["$msg"], data["params"]
    if type(template) is not str or type(params) is not dict:
        raise _Refused("not a message")
    return Msg(template, params)


def _ratio(data: dict[str, Any]) -> Fraction:
    numerator, denominator = data["$q"]
    if type(numerator) is not int or type(denominator) is not int:
        raise _Refused("not a ratio")
    return Fraction(numerator, denominator)


def _instance(data: dict[str, Any]) -> object:
    kind, names = _classes()[data["$class"]]
    given = data["fields"]
    if type(given) is not dict or given.keys() != names:
        raise _Refused("fields of another version")
    return kind(**given)


_TAGS: dict[str, Callable[[dict[str, Any]], object]] = {
    "$msg": _message,
    "$joined": lambda data: joined(str(data["$joined"]), data["parts"]),
    "$q": _ratio,
    "$tuple": lambda data: tuple(data["$tuple"]),
    "$dict": lambda data: dict(data["$dict"]),
    "$class": _instance,
}
