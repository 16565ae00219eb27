"""The UI strings of the web pages: Indonesian by default, English with `?lang=en`."""

from __future__ import annotations

from typing import Literal

Lang = Literal["id", "en"]

STRINGS: dict[str, tuple[str, str]] = {
    # key: (Indonesian, English)
    "plan": ("Rencana", "Plan"),
    "audit": ("Audit", "Audit"),
    "editor": ("Editor formula", "Formula editor"),
    "skip": ("Langsung ke isi", "Skip to content"),
    "language": ("Bahasa", "Language"),
    "search": ("Cari", "Search"),
    "search_label": (
        "Cari kode, nama, atau indikator",
        "Search by code, name or indicator",
    ),
    "no_match": ("Tidak ada yang cocok dengan", "Nothing matches"),
    "tujuan": ("Tujuan", "Goal (tujuan)"),
    "sasaran": ("Sasaran", "Target area (sasaran)"),
    "program": ("Program", "Programme"),
    "kegiatan": ("Kegiatan", "Activity (kegiatan)"),
    "sub_kegiatan": ("Sub Kegiatan", "Sub-activity (sub kegiatan)"),
    "indicators": ("Indikator", "Indicators"),
    "unit": ("Satuan", "Unit"),
    "definition": ("Definisi operasional", "Definition"),
    "formula": ("Formula", "Formula"),
    "printed": ("Tertulis di dokumen", "As printed in the document"),
    "ours": ("Dalam bahasa formula", "In the formula language"),
    "valid": ("Berlaku", "Valid"),
    "values": ("Target dan realisasi per tahun", "Targets and realisations by year"),
    "year": ("Tahun", "Year"),
    "kind": ("Jenis", "Kind"),
    "value": ("Nilai", "Value"),
    "source": ("Sumber", "Source"),
    "chart": ("Target dan realisasi", "Target and realisation"),
    "chart_note": (
        "Grafik dari angka yang tertulis (sumber pertama per tahun).",
        "Chart of the printed figures (first source per year).",
    ),
    "no_chart": ("Tidak ada angka untuk digambar.", "No figures to draw."),
    "trail": ("Jejak perhitungan", "Explain trail"),
    "edit_formula": ("Ubah formula", "Edit the formula"),
    "table": ("Tabel", "Table"),
    "line": ("baris", "line"),
    "row": ("Baris tabel", "Row"),
    "col": ("kolom", "column"),
    "column": ("Kolom", "Column"),
    "findings": ("Temuan", "Findings"),
    "findings_below": ("temuan audit", "audit findings"),
    "check": ("Jenis pemeriksaan", "Check"),
    "all": ("Semua", "All"),
    "filter": ("Saring", "Filter"),
    "checked": ("Diperiksa", "Checked"),
    "holds": ("Sesuai", "Holds"),
    "finding": ("Temuan", "Findings"),
    "not_recomputable": ("Tidak dapat dihitung ulang", "Not recomputable"),
    "subject": ("Pokok", "Subject"),
    "place": ("Letak di dokumen", "Place in the document"),
    "recomputed": ("Dihitung ulang", "Recomputed"),
    "difference": ("Selisih", "Difference"),
    "rule": ("Aturan", "Rule"),
    "terms": ("Unsur", "Terms"),
    "explanation": ("Penjelasan", "Explanation"),
    "note": ("Catatan", "Note"),
    "open": ("Buka", "Open"),
    "shown": ("ditampilkan", "shown"),
    "formula_text": ("Formula", "Formula"),
    "old_formula": ("Formula lama", "Old formula"),
    "check_now": ("Periksa", "Check"),
    "checks_ok": ("Formula benar.", "The formula checks."),
    "unit_inferred": ("Satuan hasil", "Unit inferred"),
    "equivalent": ("Setara dengan formula lama.", "Equivalent to the old formula."),
    "not_equivalent": ("Tidak setara dengan formula lama.", "Not equivalent to the old formula."),
    "not_proven": ("Kesetaraan tidak terbukti.", "Equivalence not proven."),
    "counterexample": ("Contoh penyangkal", "Counterexample"),
    "inputs": ("Masukan", "Inputs"),
    "old_result": ("Hasil formula lama", "Old formula gives"),
    "new_result": ("Hasil formula baru", "New formula gives"),
    "hint": ("Petunjuk", "Hint"),
    "live_note": (
        "Diperiksa otomatis saat mengetik; tanpa JavaScript tekan Periksa.",
        "Checked as you type; without JavaScript press Check.",
    ),
    "not_found": ("Tidak ditemukan", "Not found"),
    "did_you_mean": ("Mungkin maksud Anda", "Did you mean"),
    "baseline": ("Kondisi awal", "Baseline"),
    "target": ("Target", "Target"),
    "realisation": ("Realisasi", "Realisation"),
    "end_of_period": ("Kondisi akhir", "End of period"),
    "achievement": ("Capaian", "Achievement"),
    "other_target": ("Target lain", "Other target"),
    "nspk": ("NSPK", "NSPK"),
    "ikk": ("IKK", "IKK"),
    "without_sasaran": ("Program tanpa sasaran", "Programmes without a sasaran"),
    "problem_login": (
        "Perubahan perlu token layanan: masuk dahulu.",
        "Changes need the service's token: log in first.",
    ),
    "problem_edits_off": (
        "Perubahan tidak aktif: layanan dijalankan tanpa token (renstra serve --token-file).",
        "Changes are off: the service runs without a token (renstra serve --token-file).",
    ),
    "problem_year": ("Tahun harus empat angka, misalnya 2024.", "The year is four digits: 2024."),
    "login": ("Masuk", "Log in"),
    "logout": ("Keluar", "Log out"),
    "login_note": (
        "Masukkan token yang diberikan ke renstra serve. Browser menyimpan tanda masuk"
        " dalam cookie sampai Anda keluar.",
        "Enter the token given to renstra serve. The browser keeps a login mark in a"
        " cookie until you log out.",
    ),
    "login_to_save": ("untuk menyimpan perubahan.", "to save changes."),
    "token": ("Token layanan", "Service token"),
    "wrong_token": ("Token salah.", "Wrong token."),
    "source_of_change": ("Sumber perubahan", "Source of the change"),
    "source_document": ("Dokumen atau alasan", "Document or reason"),
    "source_date": ("Tanggal dokumen", "Date of the document"),
    "entered_by": ("Dimasukkan oleh", "Entered by"),
    "reference": ("Nomor atau rujukan", "Number or reference"),
    "valid_from": ("berlaku mulai", "valid from"),
    "save_formula": ("Simpan formula", "Save the formula"),
    "save_note": (
        "Disimpan hanya jika seluruh katalog tetap benar; perubahan dicatat dengan sumbernya.",
        "Saved only if the whole catalog still checks; the change is recorded with its source.",
    ),
    "save": ("Simpan", "Save"),
    "saved_formula": ("Formula tersimpan.", "The formula is saved."),
    "saved_target": ("Target tersimpan.", "The target is saved."),
    "saved_realisation": ("Realisasi tersimpan.", "The realisation is saved."),
    "see_audit": ("Lihat audit", "See the audit"),
    "capaian_by_year": ("Capaian per tahun", "Achievement by year"),
    "period": ("Periode", "Period"),
    "predikat": ("Predikat", "Grade (predikat)"),
    "whole_year": ("Setahun", "Whole year"),
    "up_to": ("s.d.", "up to"),
    "rollup_sum": ("jumlah triwulan", "sum of quarters"),
    "rollup_last": ("triwulan terakhir", "last quarter"),
    "rollup_max": ("tertinggi", "highest"),
    "rollup_min": ("terendah", "lowest"),
    "trail_of_year": ("Jejak perhitungan tahun", "Explain trail of the year"),
    "chart_desc": (
        "Garis target dan realisasi yang berlaku per tahun, dalam satuan",
        "Lines of the target and realisation in force per year, in",
    ),
    "change_values": (
        "Ubah target atau masukkan realisasi",
        "Change a target or enter a realisation",
    ),
    "change_target": ("Ubah target", "Change a target"),
    "new_target": ("Target baru", "New target"),
    "save_target": ("Simpan target", "Save the target"),
    "enter_realisation": ("Masukkan realisasi", "Enter a realisation"),
    "save_realisation": ("Simpan realisasi", "Save the realisation"),
    "upload": ("Unggah", "Upload"),
    "upload_link": (
        "Atau unggah lembar kerja realisasi (Excel)",
        "Or upload the realisation workbook (Excel)",
    ),
    "upload_title": ("Unggah lembar kerja realisasi", "Upload the realisation workbook"),
    "upload_note": (
        "Isi kolom realisasi pada templat dari",
        "Fill in the realisasi column of the template of",
    ),
    "upload_check_note": (
        "Berkas diperiksa dahulu; tidak ada yang disimpan sebelum Anda menyetujui.",
        "The file is checked first; nothing is saved before you confirm.",
    ),
    "workbook": ("Berkas (.xlsx atau .csv)", "File (.xlsx or .csv)"),
    "check_file": ("Periksa berkas", "Check the file"),
    "bad_cells": ("sel bermasalah", "bad cells"),
    "nothing_saved": (
        "Tidak ada yang disimpan. Perbaiki sel-sel ini lalu unggah lagi.",
        "Nothing was saved. Fix these cells and upload again.",
    ),
    "cell": ("Sel", "Cell"),
    "problem": ("Masalah", "Problem"),
    "cell_text": ("Isi sel", "Cell text"),
    "expected": ("Yang diharapkan", "Expected"),
    "values_to_import": ("nilai akan diimpor", "values to import"),
    "confirm_import": ("Setujui dan simpan", "Confirm and save"),
    "values_saved": ("nilai tersimpan.", "values saved."),
    "budget": ("Pagu anggaran per tahun", "Budget per year"),
}


def strings(lang: Lang) -> dict[str, str]:
    """The UI strings in this language."""
    index = 0 if lang == "id" else 1
    return {key: pair[index] for key, pair in STRINGS.items()}


def lang_of(value: str | None) -> Lang:
    """`en` for English, Indonesian otherwise."""
    return "en" if value == "en" else "id"


CHECKS: dict[str, tuple[str, str]] = {
    "achievement": ("Rasio capaian", "Achievement ratios"),
    "budget_growth": ("Rata-rata pertumbuhan anggaran", "Average budget growth"),
    "budget_parts": ("Bagian anggaran", "Budget parts"),
    "budget_ratio": ("Rasio realisasi anggaran", "Budget realisation ratios"),
    "cross_table": ("Antar tabel", "Across tables"),
    "end_of_period": ("Kondisi akhir periode", "End-of-period values"),
    "end_of_period_rp": ("Anggaran akhir periode (Rp)", "End-of-period budgets (Rp)"),
    "grade": ("Predikat", "Grades"),
    "percentage": ("Persentase dari pembilang dan penyebut", "Percentages"),
    "rollup": ("Jumlah anggaran (Tabel 6.1-6.3)", "Budget rollups (Tabel 6.1-6.3)"),
}


def check_label(check: str, lang: Lang) -> str:
    """A check's name for planners and auditors (the check's own name if unknown)."""
    pair = CHECKS.get(check)
    return check.replace("_", " ") if pair is None else pair[0 if lang == "id" else 1]
