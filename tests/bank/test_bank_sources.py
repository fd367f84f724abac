"""Bank lines from camt.053, MT940 and CSV (profile): the canonical frame, rows, bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from workbench.errors import SourceError
from workbench.sources import canonical_schema, load_bank
from workbench.sources.bank import sniff_bank_format

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
FILES = ["camt053.xml", "mt940.sta", "sparkasse.csv"]


@pytest.mark.parametrize(("name", "kind"), list(zip(FILES, ["camt", "mt940", "csv"], strict=True)))
def test_format_is_recognised_by_content(name, kind, tmp_path):
    assert sniff_bank_format(DATA / name) == kind
    renamed = tmp_path / "export.txt"
    renamed.write_bytes((DATA / name).read_bytes())
    assert sniff_bank_format(renamed) == kind


@pytest.mark.parametrize("name", FILES)
def test_canonical_frame_with_rows_the_user_sees(name):
    result = load_bank([DATA / name])
    frame = result.frame
    assert frame.schema == canonical_schema("bank")
    first = frame.row(0, named=True)
    assert first["booking_date"] == dt.date(2026, 1, 10)
    assert first["amount"] == -1190.0 and first["currency_code"] == "EUR"
    assert first["counterparty_iban"] == "DE02120300000000202051"
    assert "ER-2026-0042" in first["purpose"]
    assert first["end_to_end_id"] == "E2E-0042"
    assert frame["line_id"].n_unique() == frame.height
    assert frame["line_id"].str.contains(r"^B[0-9a-f]{12}$").all()
    lines = (DATA / name).read_bytes().decode("cp1252" if name.endswith(".csv") else "utf-8")
    text_lines = lines.splitlines()
    for row in frame.iter_rows(named=True):
        # the row points at the line where the bank line starts in the file
        line = text_lines[row["source_row"] - 1]
        assert any(marker in line for marker in ("<Ntry>", "<TxDtls>", ":61:", '"DE89')), line


def test_camt_specifics_batch_booking_pending_entry_and_fallback_purpose():
    result = load_bank(DATA / "camt053.xml")
    frame = result.frame
    batch = frame.filter(pl.col("booking_date") == dt.date(2026, 1, 22))
    assert batch["amount"].to_list() == [119.0, 238.0]  # each payment of the Sammelbuchung
    assert batch["counterparty_name"].to_list() == ["Kunde Beta AG", "Kunde Gamma KG"]
    fee = frame.filter(pl.col("amount") == -9.9).row(0, named=True)
    assert fee["purpose"] == "Kontoführungsgebühr Januar" and fee["counterparty_name"] is None
    skonto = frame.filter(pl.col("amount") == -490.0).row(0, named=True)
    assert skonto["end_to_end_id"] is None  # NOTPROVIDED is no reference
    (pending,) = result.findings.to_dicts()
    assert pending["rule"] == "bank.not_booked" and pending["value"] == "PDNG"
    assert pending["severity"] == "info" and pending["row"] == 158
    info = result.summary().row(0, named=True)
    assert info["rows"] == frame.height + 1  # read = loaded + skipped by rule


def test_the_same_statement_gets_the_same_line_ids_again():
    assert load_bank(DATA / "mt940.sta").frame["line_id"].to_list() == (
        load_bank(DATA / "mt940.sta").frame["line_id"].to_list()
    )


def test_identical_lines_get_numbered_ids(tmp_path):
    text = (DATA / "sparkasse.csv").read_bytes().decode("cp1252").splitlines()
    path = tmp_path / "doppelt.csv"
    path.write_bytes(("\r\n".join([text[0], text[7], text[7]]) + "\r\n").encode("cp1252"))
    ids = load_bank(path).frame["line_id"].to_list()
    assert ids[1] == f"{ids[0]}-2"


def test_several_files_of_all_formats_load_together():
    result = load_bank([DATA / name for name in FILES])
    assert result.frame.height == 9 + 7 + 7
    assert set(result.frame["source_file"]) == set(FILES)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("<?xml version='1.0'?><Document><Broken>", "kein gültiges XML"),
        ("<?xml version='1.0'?><Document><Other/></Document>", "kein camt-Kontoauszug"),
        (":20:X\r\n:25:1/2\r\n:28C:1\r\n:61:kaputt\r\n", "nicht lesbar"),
    ],
)
def test_unreadable_statements_raise_one_clear_german_error(tmp_path, content, message):
    path = tmp_path / "auszug.dat"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as caught:
        load_bank(path)
    assert "auszug.dat" in str(caught.value)


def test_bad_camt_amount_is_a_finding_naming_file_row_column_and_value(tmp_path):
    text = (DATA / "camt053.xml").read_text(encoding="utf-8")
    path = tmp_path / "auszug.xml"
    path.write_text(text.replace('<Amt Ccy="EUR">45.90</Amt>', '<Amt Ccy="EUR">45,90</Amt>', 1))
    result = load_bank(path)
    finding = result.findings.filter(pl.col("rule") == "field.unparseable").row(0, named=True)
    assert (finding["source"], finding["column"], finding["value"]) == (
        "auszug.xml",
        "amount",
        "45,90",
    )
    assert finding["row"] == 108 and "Zeile 108" in finding["message"]
    assert finding["item_id"] is not None
    assert result.frame.height == 9  # the line stays, its amount is empty


def test_csv_without_matching_profile_names_the_columns(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text("Datum;Summe\n01.01.2026;5,00\n", encoding="utf-8")
    with pytest.raises(SourceError, match="kein Profil für Kontoumsätze"):
        load_bank(path)


def test_canonical_bank_csv(tmp_path):
    path = tmp_path / "bank.csv"
    path.write_text(
        "booking_date,amount,purpose,counterparty_name\n2026-01-05,-12.50,Porto,Post\n",
        encoding="utf-8",
    )
    frame = load_bank(path).frame
    assert frame.row(0, named=True)["amount"] == -12.5 and frame["source_row"].to_list() == [2]


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("auszug.sta", "garbage\n", "MT940"),
        ("auszug.mt940", "Kontoauszug Januar\nnichts\n", "MT940"),
        ("auszug.xml", "kein XML\n", "camt"),
    ],
)
def test_a_statement_named_as_mt940_or_camt_that_is_none_says_so(tmp_path, name, content, said):
    """Tour 28, defect 11: a broken MT940 file was read as a CSV table and reported as "enthält
    nur die Kopfzeile und keine Datenzeilen"."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_bank([path])
    message = " ".join(raised.value.message.split())
    assert said in message and name in message and "Kopfzeile" not in message, message
    assert content.splitlines()[0] in message  # what the file starts with
