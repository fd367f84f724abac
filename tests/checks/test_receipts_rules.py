"""Every receipts rule of the suite, one defect at a time on an otherwise clean item."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from workbench.checks import check
from workbench.samples import generate

PERIOD = ("2026-01", "2026-03")


@pytest.fixture(scope="module")
def clean(with_lineage) -> pl.DataFrame:
    """Clean items of Bäckerei Müller: an incoming invoice with IBAN and VAT id first."""
    frame = generate("receipts", 60, seed=5, defects=False).frame
    incoming = frame.filter(
        (pl.col("document_kind") == "Rechnungseingang")
        & pl.col("iban").is_not_null()
        & pl.col("vat_id").is_not_null()
    )
    return with_lineage(incoming.head(1))


def _bump(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10)


CASES = [
    # column, value (callable: from the clean value), rule, suggestion
    ("booking_text", "Brot\u00a0Laib", "encoding.exotic_space", "Brot Laib"),
    ("booking_text", "Brot\u202fLaib", "encoding.exotic_space", "Brot Laib"),
    ("booking_text", "Brot\u200bLaib", "encoding.exotic_space", "BrotLaib"),
    ("booking_text", "Brot\u200eLaib", "encoding.exotic_space", "BrotLaib"),
    ("booking_text", "Brot\u202aLaib\u202c", "encoding.exotic_space", "BrotLaib"),
    ("party_city", "Bad\u2009Tölz", "encoding.exotic_space", "Bad Tölz"),
    ("booking_text", "Brot\x1fLaib", "encoding.control_character", None),
    ("booking_text", "Brot\x0cLaib", "encoding.control_character", None),
    ("booking_text", "Brot\x85Laib", "encoding.control_character", None),
    ("party_name", "B&#228;ckerei M&#252;ller", "encoding.escape_sequence", None),
    ("party_name", "M&uuml;ller", "encoding.escape_sequence", None),
    ("party_name", "M\\374ller", "encoding.escape_sequence", None),
    ("party_name", "Kaffee &2F Kuchen", "encoding.escape_sequence", None),
    ("party_name", "MÃ¼ller GmbH", "encoding.mojibake", "Müller GmbH"),
    ("party_city", "NÃ¼rnberg", "encoding.mojibake", "Nürnberg"),
    ("booking_text", "Preis 5 â‚¬", "encoding.mojibake", "Preis 5 €"),
    ("party_name", "Müller\ue000", "encoding.rejected_character", None),
    ("party_name", "M\ufffdller", "encoding.rejected_character", None),
    ("booking_text", " Brot", "encoding.outer_space", "Brot"),
    ("cost_category_id", "Café ", "encoding.outer_space", "Café"),
    ("account_no", "K400", "account.non_numeric", None),
    ("account_no", "40000", "account.length_mismatch", None),
    ("account_no", "400000", "account.length_mismatch", None),
    ("account_no", "85", "account.short", None),
    ("party_account_no", "7000", "account.personal_length_mismatch", None),
    ("party_account_no", "70-01", "account.non_numeric", None),
    ("amount", 0.0, "amount.zero", None),
    ("amount", -0.0, "amount.zero", None),
    ("amount", 12.345, "amount.decimals", None),
    ("amount", 12345678901.0, "amount.range", None),
    ("tax", 17.0, "amount.tax_rate", None),
    ("currency_code", "eur", "field.currency", None),
    ("currency_code", "EURO", "field.currency", None),
    ("invoice_id", "RE_2026", "field.pattern", None),
    ("invoice_id", "RE 2026.1", "field.pattern", None),
    ("invoice_id", "A" * 37, "field.max_length", None),
    ("internal_invoice_id", "EXP-0000000001", "field.max_length", None),
    ("booking_text", "x" * 61, "field.max_length", None),
    ("booking_text", "x" * 31, "field.truncated", None),
    ("party_name", "x" * 51, "field.max_length", None),
    ("party_city", "x" * 31, "field.max_length", None),
    ("information", "x" * 121, "field.max_length", None),
    ("vat_id", "DE-123", "field.vat_id", None),
    ("vat_id", _bump, "field.vat_id", None),
    ("iban", "DE89 3704 0044 0532 0130 00", "field.iban", None),
    ("iban", _bump, "field.iban", None),
    ("swift_code", "COBADEF", "field.pattern", None),
    ("attachment", "BEL-000001.zip", "attachment.unsupported_type", None),
    ("attachment", "BEL-000001.docx", "attachment.unsupported_type", None),
    ("block_transfer", True, "transfer.blocked", None),
    ("date", date(2026, 4, 2), "fiscal_year.outside_period", None),
    ("accounting_month", "2026-05", "fiscal_year.outside_period", None),
    (
        "date",
        lambda d: d.replace(month=2 if d.month == 1 else 1),
        "fiscal_year.month_mismatch",
        None,
    ),
    ("date", date(2027, 1, 5), "fiscal_year.not_created", None),
    ("date", None, "field.required", None),
    ("document_id", "   ", "field.required", None),
    ("invoice_id", None, "field.required", None),
    ("currency_code", None, "field.required", None),
    ("document_kind", "Sonstige", "document_types.no_folder", None),
]


@pytest.mark.parametrize(
    ("column", "value", "rule", "suggestion"),
    CASES,
    ids=[f"{c[2]}-{c[0]}-{i}" for i, c in enumerate(CASES)],
)
def test_rule_is_reported(clean, settings, column, value, rule, suggestion):
    if callable(value):
        value = value(clean[column][0])
    frame = clean.with_columns(pl.Series(column, [value], dtype=clean.schema[column]))
    findings = check(frame, "receipts", settings=settings, period=PERIOD)
    hit = findings.filter(pl.col("rule") == rule)
    assert hit.height >= 1, findings.select("rule", "column", "value").to_dicts()
    first = hit.row(0, named=True)
    assert (first["source"], first["row"], first["item_id"]) == (
        "belege.csv",
        2,
        clean["item_id"][0],
    )
    assert first["message"] and first["severity"] in ("error", "warning", "info")
    if column != "date" or rule != "fiscal_year.not_created":
        assert first["column"] == column
    assert first["suggestion"] == suggestion


def test_clean_item_has_no_findings(clean, settings):
    assert check(clean, "receipts", settings=settings, period=PERIOD, target="extf").is_empty()


def test_tab_and_line_break_are_not_control_characters(clean, settings):
    frame = clean.with_columns(pl.lit("Zeile 1\r\nZeile\t2").alias("information"))
    assert check(frame, "receipts", settings=settings, period=PERIOD).is_empty()


def test_not_cp1252_only_for_extf(clean, settings):
    frame = clean.with_columns(pl.lit("Brezn 🥨 und ő").alias("booking_text"))
    assert check(frame, "receipts", settings=settings, period=PERIOD).is_empty()
    extf = check(frame, "receipts", settings=settings, period=PERIOD, target="extf")
    assert extf["rule"].to_list() == ["encoding.not_cp1252"]


def test_not_activated_document_type(clean, settings):
    from dataclasses import replace

    without_cash = replace(
        settings, document_types=tuple(t for t in settings.document_types if t.name != "Kasse")
    )
    frame = clean.with_columns(pl.lit("Kasse").alias("document_kind"))
    rules = check(frame, "receipts", settings=without_cash, period=PERIOD)["rule"].to_list()
    assert "document_types.not_activated" in rules
    assert "document_types.no_folder" not in rules


def test_messages_are_german_and_filled(clean, settings):
    frame = clean.with_columns(pl.lit("40000").alias("account_no"))
    finding = check(frame, "receipts", settings=settings, period=PERIOD).row(0, named=True)
    assert finding["rule"] == "account.length_mismatch"
    assert "'40000'" in finding["message"] and "4 Stellen" in finding["message"]
    assert finding["expected"] == "höchstens 4 Stellen"
    assert "{" not in finding["message"]


def test_period_rules_need_a_period(clean, settings):
    frame = clean.with_columns(
        pl.lit(date(2026, 4, 2)).alias("date"), pl.lit("2026-04").alias("accounting_month")
    )
    assert check(frame, "receipts", settings=settings).is_empty()


def test_without_settings_client_rules_are_skipped(clean):
    frame = clean.with_columns(pl.lit("40000").alias("account_no"))
    assert check(frame, "receipts", settings=None).is_empty()


def test_blank_required_values_are_missing_and_frame_untouched():
    frame = pl.DataFrame(
        {"document_id": ["  ", "B1", "", "\t"], "booking_text": ["a", "b", "c", "d"]}
    )
    findings = check(frame, "receipts", settings=None)
    assert findings.select("row", "rule").rows() == [
        (1, "field.required"),
        (3, "field.required"),
        (4, "field.required"),
    ]
    assert frame["document_id"].to_list() == ["  ", "B1", "", "\t"]


def test_frame_with_some_columns_only():
    frame = pl.DataFrame({"booking_text": ["Brot\u00a0Laib", "Brot"]})
    findings = check(frame, "receipts", settings=None)
    assert findings.select("row", "rule").rows() == [(1, "encoding.exotic_space")]


def test_source_column_from_mapping(clean, settings):
    frame = clean.with_columns(pl.lit("K400").alias("account_no"))
    mapped = {"belege.csv": {"account_no": "AccountNo__c"}}
    finding = check(frame, "receipts", settings=settings, mapped=mapped).row(0, named=True)
    assert finding["source_column"] == "AccountNo__c"
    finding = check(frame, "receipts", settings=settings, mapped={"account_no": "Konto"}).row(
        0, named=True
    )
    assert finding["source_column"] == "Konto"


@pytest.mark.parametrize(
    ("mapped", "expected"),
    [
        # same headers in both files (looked up by column alone), then per file
        ({"a.csv": {"account_no": "Konto"}, "b.csv": {"account_no": "Konto"}}, ["Konto"] * 2),
        ({"a.csv": {"account_no": "Konto"}, "b.csv": {"account_no": "Kto"}}, ["Konto", "Kto"]),
        # a file the mapping does not name has no source column, whichever way it is looked up
        ({"a.csv": {"account_no": "Konto"}}, ["Konto", None]),
        ({"a.csv": {"account_no": "Konto"}, "c.csv": {"account_no": "Konto"}}, ["Konto", None]),
        ({"a.csv": {"account_no": "Konto"}, "c.csv": {"account_no": "Kto"}}, ["Konto", None]),
    ],
)
def test_source_column_per_file(clean, settings, mapped, expected):
    frame = pl.concat([clean.head(1)] * 2).with_columns(
        pl.lit("K400").alias("account_no"), pl.Series("source_file", ["a.csv", "b.csv"])
    )
    found = check(frame, "receipts", settings=settings, mapped=mapped)
    wrong = found.filter(pl.col("rule") == "account.non_numeric").sort("source")
    assert wrong["source_column"].to_list() == expected


def test_unknown_engine_and_target(clean, settings):
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="Engine"):
        check(clean, "receipts", settings=settings, engine="spark")
    with pytest.raises(WorkbenchError, match="Ziel"):
        check(clean, "receipts", settings=settings, target="csv")


@pytest.mark.parametrize(
    ("column", "value", "rule", "severity"),
    [
        # DATEV rejects these ("Intruder Alert"): errors, with a safe fix
        ("booking_text", "Brot\u00a0Laib", "encoding.exotic_space", "error"),
        ("booking_text", "Brot\u202fLaib", "encoding.exotic_space", "error"),
        ("party_name", "Bäckerei\u200b", "encoding.exotic_space", "error"),
        # DATEV reads 85 as 0085 (Musterdaten): at most an info
        ("account_no", "85", "account.short", "info"),
        ("account_no", "840", "account.short", "info"),
        # longer than a personal account: DATEV rejects
        ("account_no", "840000", "account.length_mismatch", "error"),
    ],
)
def test_severity_follows_what_datev_does(clean, settings, column, value, rule, severity):
    frame = clean.with_columns(pl.Series(column, [value], dtype=clean.schema[column]))
    for target in ("xml", "extf"):
        findings = check(frame, "receipts", settings=settings, period=PERIOD, target=target)
        assert findings.select("rule", "severity").rows() == [(rule, severity)], target
        if rule == "encoding.exotic_space":
            assert findings["suggestion"][0] is not None
