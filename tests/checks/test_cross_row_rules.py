"""Rules across rows (cash book, duplicates, call overlaps), on disk (Belegbilder), on settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import polars as pl
import pytest

from workbench.checks import ClientSettings, check
from workbench.checks.rules import settings_findings
from workbench.datev.limits import MAX_ATTACHMENT_BYTES


def cash_frame(rows: list[tuple[str, str, float]]) -> pl.DataFrame:
    """Kasse items (document_id, ISO date, amount) in file order."""
    return pl.DataFrame(
        {
            "document_id": [r[0] for r in rows],
            "item_id": [f"I{i}" for i in range(len(rows))],
            "document_kind": ["Kasse"] * len(rows),
            "date": [date.fromisoformat(r[1]) for r in rows],
            "accounting_month": [r[1][:7] for r in rows],
            "amount": [r[2] for r in rows],
            "currency_code": ["EUR"] * len(rows),
            "invoice_id": [r[0] for r in rows],
            "booking_text": ["Tageseinnahmen"] * len(rows),
            "source_file": ["kasse.csv"] * len(rows),
            "source_row": list(range(2, len(rows) + 2)),
        }
    )


def rules_at(findings: pl.DataFrame) -> list[tuple[int, str]]:
    return sorted(findings.select("row", "rule").rows())


def test_clean_cash_book(settings):
    frame = cash_frame(
        [
            ("K1", "2026-01-02", 500.0),
            ("K1", "2026-01-02", 20.0),
            ("K2", "2026-01-03", -80.0),
            ("K3", "2026-01-03", -440.0),
        ]
    )
    assert check(frame, "receipts", settings=settings).is_empty()


def test_chronology(settings):
    frame = cash_frame(
        [
            ("K1", "2026-01-05", 500.0),
            ("K2", "2026-01-03", 20.0),
            ("K2", "2026-01-03", 20.0),
            ("K3", "2026-01-06", 20.0),
        ]
    )
    findings = check(frame, "receipts", settings=settings)
    # all items of the Kassenbeleg dated before the one before it
    assert rules_at(findings) == [(3, "cash.chronology"), (4, "cash.chronology")]
    assert "05.01.2026" in findings["message"][0]


def test_negative_balance_reported_where_it_starts(settings):
    frame = cash_frame(
        [
            ("K1", "2026-01-02", 100.0),
            ("K2", "2026-01-02", -150.0),
            ("K3", "2026-01-03", -10.0),
            ("K4", "2026-01-03", 200.0),
            ("K5", "2026-01-04", -300.0),
        ]
    )
    assert rules_at(check(frame, "receipts", settings=settings)) == [
        (3, "cash.negative_balance"),
        (6, "cash.negative_balance"),
    ]
    opened = replace(settings, cash_opening_balance=1000.0)
    assert check(frame, "receipts", settings=opened).is_empty()


def test_one_date_per_kassenbeleg(settings):
    frame = cash_frame(
        [("K1", "2026-01-02", 100.0), ("K1", "2026-01-02", 10.0), ("K1", "2026-01-03", 5.0)]
    )
    # every item of the Kassenbeleg is reported (as the samples' manifest lists them)
    assert rules_at(check(frame, "receipts", settings=settings)) == [
        (2, "cash.multiple_dates"),
        (3, "cash.multiple_dates"),
        (4, "cash.multiple_dates"),
    ]


def test_no_month_older_than_transferred(settings):
    frame = cash_frame([("K1", "2026-01-30", 100.0), ("K2", "2026-02-02", 10.0)])
    transferred = replace(settings, last_transferred_cash_month="2026-02")
    assert rules_at(check(frame, "receipts", settings=transferred)) == [
        (2, "cash.month_already_transferred")
    ]


def test_cash_rules_ignore_invoices(settings):
    frame = cash_frame([("K1", "2026-01-05", 100.0), ("K2", "2026-01-03", -500.0)])
    frame = frame.with_columns(pl.lit("Rechnungseingang").alias("document_kind"))
    assert check(frame, "receipts", settings=settings).is_empty()


def test_duplicate_invoice_id_across_documents(settings):
    frame = cash_frame(
        [
            ("K1", "2026-01-02", 100.0),
            ("K1", "2026-01-02", 10.0),
            ("K2", "2026-01-02", 5.0),
            ("K3", "2026-02-02", 5.0),
        ]
    )
    frame = frame.with_columns(pl.lit("R-1").alias("invoice_id"))
    findings = check(frame, "receipts", settings=settings)
    # K1 and K2 share the number in January (all their items); K3 is another month
    assert rules_at(findings) == [
        (2, "duplicate.invoice_id"),
        (3, "duplicate.invoice_id"),
        (4, "duplicate.invoice_id"),
    ]
    assert "Zeilen 2, 3, 4" in findings["message"][0]


def test_duplicate_invoices_and_calls():
    invoices = pl.DataFrame(
        {"invoice_id": ["RE-1", "RE-2", "RE-1"], "date": [date(2026, 1, 5)] * 3}
    )
    # without lineage the row is the position + 1; both occurrences are reported
    assert rules_at(check(invoices, "invoices", settings=None)) == [
        (1, "duplicate.invoice_id"),
        (3, "duplicate.invoice_id"),
    ]
    calls = pl.DataFrame({"call_id": ["A", "B", "A"]})
    assert rules_at(check(calls, "calls", settings=None)) == [
        (1, "duplicate.call_id"),
        (3, "duplicate.call_id"),
    ]


def test_call_duration_and_overlap():
    start = datetime(2026, 1, 5, 9, 0)
    calls = pl.DataFrame(
        {
            "call_id": ["C1", "C2", "C3", "C4", "C5"],
            "started_at": [
                start,
                start.replace(minute=5),
                start.replace(minute=3),
                start.replace(hour=11),
                start.replace(hour=12),
            ],
            "duration_s": [600, 60, 60, -5, 50_000],
            "direction": ["inbound"] * 5,
            "remote_number": ["+49 911 1"] * 5,
            "extension": ["11", "11", "12", "11", "11"],
        }
    )
    assert rules_at(check(calls, "calls", settings=None)) == [
        (1, "calls.overlap"),
        (2, "calls.overlap"),
        (4, "calls.invalid_duration"),
        (5, "calls.invalid_duration"),
    ]


def test_fiscal_year_not_created_message():
    settings = ClientSettings(
        "455148-3", account_length=6, fiscal_years=((date(2025, 1, 1), date(2025, 12, 31)),)
    )
    frame = pl.DataFrame({"date": [date(2025, 12, 31), date(2026, 1, 2)]})
    findings = check(frame, "receipts", settings=settings)
    assert rules_at(findings) == [(2, "fiscal_year.not_created")]
    assert findings["message"][0].startswith(
        "Das Wirtschaftsjahr 2026 ist in DATEV Unternehmen online nicht angelegt"
    )


def test_date_outside_the_fiscal_year_of_the_accounting_month(seed_settings):
    settings = seed_settings("455148-2")  # fiscal years from 1 July
    frame = pl.DataFrame(
        {
            "date": [date(2025, 6, 30), date(2025, 7, 1), date(2026, 7, 3)],
            "accounting_month": ["2025-07", "2025-07", "2026-07"],
        }
    )
    findings = check(frame, "receipts", settings=settings)
    # row 1: June belongs to 2024/25; row 3: 2026/27 is not created (that rule says it)
    assert rules_at(findings) == [(1, "fiscal_year.month_mismatch"), (3, "fiscal_year.not_created")]


def test_attachments_on_disk(tmp_path, settings):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "big.pdf").write_bytes(b"%PDF-1.4")
    frame = pl.DataFrame(
        {
            "attachment": ["a.pdf", "missing.pdf", "big.pdf", None, "a.zip"],
            "source_file": ["belege.csv"] * 5,
            "source_row": [2, 3, 4, 5, 6],
        }
    )
    sizes = {"big.pdf": MAX_ATTACHMENT_BYTES + 1}
    findings = check(
        frame,
        "receipts",
        settings=settings,
        attachment_folders={"belege.csv": tmp_path},
        attachment_sizes=sizes,
    )
    assert rules_at(findings) == [
        (3, "attachment.missing"),
        (4, "attachment.too_large"),
        (6, "attachment.missing"),
        (6, "attachment.unsupported_type"),
    ]
    # without folders only the type is checked
    assert rules_at(check(frame, "receipts", settings=settings)) == [
        (6, "attachment.unsupported_type")
    ]


def test_attachment_size_from_stat(tmp_path, settings, monkeypatch):
    import os

    (tmp_path / "scan.pdf").write_bytes(b"%PDF")
    real = os.stat

    class Big:
        st_size = MAX_ATTACHMENT_BYTES + 10

    monkeypatch.setattr(
        os,
        "stat",
        lambda path, *a, **k: Big() if str(path).endswith("scan.pdf") else real(path, *a, **k),
    )
    frame = pl.DataFrame({"attachment": ["scan.pdf"], "source_file": ["b.csv"], "source_row": [2]})
    findings = check(frame, "receipts", settings=settings, attachment_folders={"b.csv": tmp_path})
    assert findings["rule"].to_list() == ["attachment.too_large"]
    assert "20 MB" in findings["message"][0]


@pytest.mark.parametrize(
    ("changes", "rules"),
    [
        ({}, []),
        ({"configured_account_length": 5}, ["account.configured_length_mismatch"]),
        ({"configured_wj_begin": "0101"}, []),
        ({"configured_wj_begin": "1301"}, ["fiscal_year.invalid_start"]),
        ({"configured_wj_begin": "0731"}, ["fiscal_year.invalid_start"]),
        ({"configured_wj_begin": "1.7."}, ["fiscal_year.invalid_start"]),
    ],
)
def test_settings_findings(settings, changes, rules):
    findings = settings_findings(replace(settings, **changes))
    assert findings["rule"].to_list() == rules


def test_configured_length_message_is_crm_plus_wording(settings):
    message = settings_findings(replace(settings, configured_account_length=5))["message"][0]
    assert message.startswith(
        "Die in den Addon-Einstellungen hinterlegte Kontenlänge (5) stimmt "
        "nicht mit der Kontenlänge in DATEV (4) überein!"
    )


def test_duplicates_with_an_untyped_empty_accounting_month(settings):
    frame = pl.DataFrame(
        {
            "invoice_id": ["R-1", "R-1"],
            "document_id": ["B1", "B2"],
            "accounting_month": [None, None],
            "date": [date(2026, 2, 1)] * 2,
        }
    )
    assert frame.schema["accounting_month"] == pl.Null
    findings = check(frame, "receipts", settings=None)
    assert rules_at(findings.filter(pl.col("rule") == "duplicate.invoice_id")) == [
        (1, "duplicate.invoice_id"),
        (2, "duplicate.invoice_id"),
    ]
