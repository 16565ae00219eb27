"""The audit kept in the cache (audit/stored.py): what is read back is the report that
was computed, to every message id, and it is used only for exactly the same files."""

from __future__ import annotations

import dataclasses
import json
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import formula_engine.audit as audit_package
from formula_engine.audit import AuditReport, audit, run_audit
from formula_engine.audit.figures import Place
from formula_engine.audit.html import render_html
from formula_engine.audit.messages import Msg
from formula_engine.audit.report import render_json, render_markdown, render_summary
from formula_engine.audit.stored import decode, encode
from formula_engine.catalog import bundled_catalog_path
from formula_engine.catalog.load import Catalog, load_catalog


def same(a: Any, b: Any, path: str = "report") -> None:
    """a and b equal, of the same types all the way down (a Msg's id and parameters too)."""
    assert type(a) is type(b), f"{path}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, Msg):
        assert (a.template, a.separator, str(a)) == (b.template, b.separator, str(b)), path
        same(a.params, b.params, f"{path}.params")
        same(list(a.parts), list(b.parts), f"{path}.parts")
    elif dataclasses.is_dataclass(a):
        for field in dataclasses.fields(a):
            same(getattr(a, field.name), getattr(b, field.name), f"{path}.{field.name}")
    elif isinstance(a, dict):
        assert list(a) == list(b), path
        for key in a:
            same(a[key], b[key], f"{path}[{key!r}]")
    elif isinstance(a, list | tuple):
        assert len(a) == len(b), path
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{index}]")
    else:
        assert a == b, path


def load(folder: Path) -> Catalog:
    catalog, diagnostics = load_catalog(folder)
    assert catalog is not None, diagnostics
    return catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load(bundled_catalog_path())


@pytest.fixture(scope="module")
def fresh(catalog: Catalog) -> AuditReport:
    return audit(catalog)


def test_a_report_read_back_is_the_report_computed(fresh: AuditReport) -> None:
    same(fresh, decode(json.dumps(encode(fresh), ensure_ascii=False)))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_report_of_a_stored_audit_is_byte_identical(
    catalog: Catalog, fresh: AuditReport, lang: str
) -> None:
    back = decode(json.dumps(encode(fresh)))
    assert render_markdown(back, lang) == render_markdown(fresh, lang)
    assert render_html(back, catalog, lang) == render_html(fresh, catalog, lang)
    assert render_summary(back, lang, 100) == render_summary(fresh, lang, 100)
    assert render_json(back) == render_json(fresh)


def test_the_codec_keeps_every_kind_of_value() -> None:
    place = Place("6.1", 10, None, "Tabel 6.1", "1.06", "2023")
    nested = Msg("{a} and {b}", {"a": Msg("x {n}", {"n": 3}), "b": place})
    for value in [None, True, 0, "teks", Fraction(1, 3), (1, "a"), [1, [2]], {"k": 1}, nested]:
        same(value, decode(json.dumps(encode(value))))


@pytest.mark.parametrize("value", [1.5, {1: "a"}, {"$msg": "a"}, {"a", "b"}, Path("x")])
def test_the_codec_refuses_what_it_cannot_give_back(value: object) -> None:
    with pytest.raises(Exception, match=r"."):
        encode(value)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = audit_package.audit

    def counted(catalog: Catalog) -> AuditReport:
        calls.append(1)
        return real(catalog)

    monkeypatch.setattr(audit_package, "audit", counted)
    return calls


def test_the_stored_audit_is_used_for_the_same_files_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RENSTRA_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "catalog"
    shutil.copytree(bundled_catalog_path(), folder)
    calls = _counting(monkeypatch)
    first = run_audit(load(folder))
    second = run_audit(load(folder))
    assert len(calls) == 1
    same(first, second)
    plan = folder / "renstra.yaml"
    plan.write_text(plan.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
    run_audit(load(folder))
    assert len(calls) == 2  # another file: computed again


def test_a_damaged_entry_is_ignored_and_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Catalog
) -> None:
    monkeypatch.setenv("RENSTRA_CACHE_DIR", str(tmp_path))
    calls = _counting(monkeypatch)
    run_audit(catalog)
    [entry] = tmp_path.glob("audit-*.json")
    header, _, body = entry.read_bytes().partition(b"\n")
    entry.write_bytes(header + b"\n" + body[:-10])  # truncated: its checksum fails
    run_audit(catalog)
    assert len(calls) == 2
    entry.write_bytes(entry.read_bytes().replace(b'"$class": "Figure"', b'"$class": "Other"'))
    run_audit(catalog)  # a changed body: checksum fails again
    assert len(calls) == 3


def test_no_cache_no_entry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RENSTRA_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("RENSTRA_CACHE", "0")
    run_audit(load(bundled_catalog_path()))
    assert not list(tmp_path.glob("audit-*.json"))
