"""Each profile, each encoding, German formats, leading zeros and row lineage."""

import datetime as dt
import json

import openpyxl
import polars as pl
import pytest

from workbench.sources import (
    canonical_schema,
    load_calls,
    load_invoices,
    load_pos,
    load_profile,
    load_receipts,
)

BOOKING_DETAIL = (
    "InvoiceNo;BookingDate;AccountName;BillingCity;Amount;AccountNo;TaxRate;IBAN;BlockTransfer__c\n"
    "R-2026-001;31.01.2026;Müller & Söhne GmbH;Görlitz;1.234,56;04400;19;DE89370400440532013000;\n"
    "R-2026-002;15.02.2026;Bäckerei Weiß KG;Köln;-12,50;8400;7,00;;x\n"
)
EXPENSE = (
    "ReceiptNo;ReceiptDate;PayeeName;SenderCity;GrossAmount;GLAccount;TaxRate;PaymentDate;Name\n"
    "ER-17;03.01.2026;Büro Schäfer;Düsseldorf;119,00;4930;19;10.01.2026;INT-1\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_juston_booking_detail_in_every_encoding(write, encoding):
    result = load_receipts(write("bd.csv", BOOKING_DETAIL, encoding), profile="juston")
    frame = result.frame
    assert frame.schema == canonical_schema("receipts")
    assert frame["party_name"].to_list() == ["Müller & Söhne GmbH", "Bäckerei Weiß KG"]
    assert frame["amount"].to_list() == [1234.56, -12.5]
    assert frame["account_no"].to_list() == ["04400", "8400"]
    assert frame["date"].to_list() == [dt.date(2026, 1, 31), dt.date(2026, 2, 15)]
    assert frame["accounting_month"].to_list() == ["2026-01", "2026-02"]
    assert frame["document_kind"].unique().to_list() == ["Rechnungsausgang"]
    assert frame["block_transfer"].to_list() == [False, True]
    assert frame["source_row"].to_list() == [2, 3]
    assert frame["source_file"].unique().to_list() == ["bd.csv"]
    assert result.findings.is_empty()
    expected_codec = {
        "utf-8": "utf-8",
        "utf-8-sig": "utf-8-sig",
        "utf-16": "utf-16-le",
        "cp1252": "cp1252",
    }[encoding]
    assert result.sources[0].encoding == expected_codec


def test_juston_expense_variant_and_several_files(write):
    result = load_receipts(
        [write("bd.csv", BOOKING_DETAIL), write("ex.csv", EXPENSE, "cp1252")], profile="juston"
    )
    assert [info.variant for info in result.sources] == ["Booking Detail", "Expense"]
    expense = result.frame.filter(pl.col("source_file") == "ex.csv").row(0, named=True)
    assert expense["document_kind"] == "Rechnungseingang"
    assert expense["invoice_id"] == "ER-17"
    assert expense["internal_invoice_id"] == "INT-1"
    assert expense["paid_at"] == dt.date(2026, 1, 10)
    assert expense["party_city"] == "Düsseldorf"
    assert result.frame.height == 3


def test_canonical_receipts_csv_and_json(write, tmp_path):
    csv_text = (
        "document_id,item_id,document_kind,date,amount,account_no,party_account_no,tax\n"
        "D1,D1-1,Kasse,2026-01-02,-50.00,1000,,19\n"
        "D1,D1-2,Kasse,2026-01-02,20.5,1000,,7\n"
    )
    from_csv = load_receipts(write("r.csv", csv_text))
    records = [
        {
            "document_id": "D1",
            "document_kind": "Rechnungseingang",
            "date": "2026-01-02",
            "amount": 1190.0,
            "party_account_no": "070001",
            "block_transfer": True,
        }
    ]
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"records": records}), encoding="utf-8")
    from_json = load_receipts(path)
    assert from_csv.frame["amount"].to_list() == [-50.0, 20.5]
    assert from_json.frame.row(0, named=True) | {} == from_json.frame.row(0, named=True)
    assert from_json.frame["party_account_no"].to_list() == ["070001"]
    assert from_json.frame["item_id"].to_list() == ["D1-1"]
    assert from_json.frame["block_transfer"].to_list() == [True]
    assert from_json.frame["source_row"].to_list() == [1]


def test_crmplus_excel_with_positions_sheet(tmp_path):
    path = tmp_path / "crm.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rechnungen"
    sheet.append(
        [
            "Modul",
            "Rechnungsnr.",
            "Rechnungsdatum",
            "Organisation oder Kontakt",
            "Rechnungsadresse: PLZ",
            "Rechnungsadresse: Ort",
            "Währung",
            "Nettobetrag",
            "Steuerbetrag",
            "Bruttobetrag",
            "Sachkonto",
        ]
    )
    sheet.append(
        [
            "Rechnungen",
            "RE-1001",
            dt.date(2026, 1, 15),
            "Zahnarztpraxis Dr. Özdemir",
            "01067",
            "Dresden",
            "EUR",
            100,
            19,
            119,
            "8400",
        ]
    )
    sheet.append(
        [
            "Gutschriften",
            "GS-7",
            "20.01.2026",
            "Möbelhaus Jürgens",
            "04109",
            "Leipzig",
            "EUR",
            "1.000,00",
            "190,00",
            "1.190,00",
            "8400",
        ]
    )
    positions = workbook.create_sheet("Positionen")
    positions.append(
        [
            "Rechnungsnr.",
            "Produktposition(en): Name",
            "Produktposition(en): Steuer-Prozent",
            "Produktposition(en): Positions-Netto",
            "Produktposition(en): Positions-Steuer",
            "Produktposition(en): Positions-Brutto",
            "Menge",
        ]
    )
    positions.append(["RE-1001", "Beratung", 19, 60, 11.4, 71.4, 1])
    positions.append(["RE-1001", "Material", 19, 40, 7.6, 47.6, 2])
    positions.append(["GS-7", "Gutschrift Rabatt", 19, 1000, 190, 1190, 1])
    workbook.save(path)

    result = load_invoices(path, profile="crmplus")
    frame = result.frame
    assert frame["invoice_kind"].to_list() == ["Rechnung", "Gutschrift"]
    assert frame["zip"].to_list() == ["01067", "04109"]
    assert frame["date"].to_list() == [dt.date(2026, 1, 15), dt.date(2026, 1, 20)]
    assert frame["gross"].to_list() == [119.0, 1190.0]
    assert frame["source_row"].to_list() == [2, 3]
    assert result.positions["position"].to_list() == [1, 2, 1]
    assert result.positions["gross"].to_list() == [71.4, 47.6, 1190.0]
    assert result.positions["source_row"].to_list() == [2, 3, 4]
    assert [info.sheet for info in result.sources] == ["Rechnungen"]
    assert [info.sheet for info in result.position_sources] == ["Positionen"]
    assert result.findings.is_empty()


def test_excel_rows_are_sheet_rows_even_with_offset_header_and_blank_rows(tmp_path):
    path = tmp_path / "offset.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A3"] = "document_id"
    sheet["B3"] = "document_kind"
    sheet["C3"] = "date"
    sheet["D3"] = "amount"
    sheet.append(["D1", "Kasse", "2026-01-05", 10])
    sheet.append([None, None, None, None])
    sheet.append(["D2", "Kasse", "2026-01-06", "kaputt"])
    workbook.save(path)
    profile = load_profile("canonical")
    variant = profile.variants["receipts"][0]
    object.__setattr__(variant, "header_row", 3)
    result = load_receipts(path, profile=profile)
    assert result.frame["source_row"].to_list() == [4, 6]
    finding = result.findings.row(0, named=True)
    assert (finding["row"], finding["column"], finding["value"]) == (6, "amount", "kaputt")


def test_starface_calls(write):
    text = (
        "Anruf-ID;Beginn;Dauer;Richtung;Angenommen;Rufnummer;Nebenstelle;Teilnehmer;Notiz\n"
        "c-1;31.01.2026 09:15:02;00:03:25;eingehend;ja;+49 30 1234567;21;Jörg Weiß;Rückfrage USt\n"
        "c-2;31.01.2026 10:00:00;0:00:00;ausgehend;nein;0049 89 7654321-12;22;Anna Groß;\n"
    )
    result = load_calls(write("calls.csv", text, "utf-16"), profile="starface")
    frame = result.frame
    assert frame["duration_s"].to_list() == [205, 0]
    assert frame["direction"].to_list() == ["inbound", "outbound"]
    assert frame["answered"].to_list() == [True, False]
    assert frame["extension"].to_list() == ["21", "22"]
    assert frame["started_at"][0] == dt.datetime(2026, 1, 31, 9, 15, 2)
    assert frame["remote_number"][1] == "0049 89 7654321-12"


def test_lightspeed_pos(write):
    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        "02.01.2026;Umsatz;Speisen;1.523,40;7\n"
        "02.01.2026;Zahlung;EC-Karte;1.200,00;\n"
        "02.01.2026;Trinkgeld;Trinkgeld;23,40;\n"
    )
    result = load_pos(write("pos.csv", text), profile="lightspeed")
    assert result.frame["category_type"].to_list() == ["revenue", "payment", "tip"]
    assert result.frame["amount"].to_list() == [1523.4, 1200.0, 23.4]
    assert result.frame["tax"].to_list() == [7.0, None, None]


def test_unparseable_values_become_findings_and_rows_stay(write):
    text = BOOKING_DETAIL + "R-2026-003;32.01.2026;Firma;Ort;zwölf;4400;19;;vielleicht\n"
    result = load_receipts(write("bd.csv", text), profile="juston")
    assert result.frame.height == 3
    findings = result.findings.sort("column")
    assert findings.select(
        "row", "column", "source_column", "value", "rule", "severity"
    ).rows() == [
        (4, "amount", "Amount", "zwölf", "field.unparseable", "error"),
        (4, "block_transfer", "BlockTransfer__c", "vielleicht", "field.unparseable", "error"),
        (4, "date", "BookingDate", "32.01.2026", "field.unparseable", "error"),
    ]
    message = findings.filter(pl.col("column") == "amount")["message"].item()
    assert (
        "bd.csv" in message and "Zeile 4" in message and "Amount" in message and "zwölf" in message
    )
    assert findings["item_id"].unique().to_list() == ["R-2026-003-1"]


def test_quoted_line_breaks_and_blank_lines_keep_true_line_numbers(write):
    text = (
        "InvoiceNo;BookingDate;AccountName;Amount\n"
        'R1;01.01.2026;"Zeile eins\nZeile zwei";1,00\n'
        "\n"
        "R2;02.01.2026;Normal;kaputt\n"
    )
    result = load_receipts(write("multi.csv", text), profile="juston")
    assert result.frame["source_row"].to_list() == [2, 5]
    rules = result.findings.select("rule", "row").rows()
    assert sorted(rules) == [("field.line_break", 2), ("field.unparseable", 5)]


def test_comma_delimited_file_is_sniffed(write):
    text = 'document_id,document_kind,date,amount\nD1,Kasse,2026-01-02,"1,234.50"\n'
    result = load_receipts(write("comma.csv", text))
    assert result.frame["amount"].to_list() == [1234.5]


def test_user_profile_from_workbench_home(_isolated_home, write):
    profiles = _isolated_home / "profiles"
    profiles.mkdir()
    (profiles / "meinkassenbuch.toml").write_text(
        '[[receipts]]\nvariant = "Kassenbuch"\n[receipts.columns]\ndocument_id = "Beleg"\n'
        'date = "Datum"\namount = "Betrag"\n[receipts.defaults]\ndocument_kind = "Kasse"\n',
        encoding="utf-8",
    )
    result = load_receipts(
        write("k.csv", "Beleg;Datum;Betrag\nK1;02.01.2026;-5,00\n"), profile="meinkassenbuch"
    )
    assert result.frame.select("document_id", "document_kind", "amount").row(0) == (
        "K1",
        "Kasse",
        -5.0,
    )


def test_summary_counts_rows_and_problems(write):
    result = load_receipts(
        write("bd.csv", BOOKING_DETAIL + "R3;x;F;O;1,00;4400;19;;\n"), profile="juston"
    )
    summary = result.summary().row(0, named=True)
    assert summary["rows"] == 3
    assert summary["row_problems"] == 1
    assert summary["encoding"] == "utf-8"
    assert summary["variant"] == "Booking Detail"


def test_excel_numbers_keep_their_decimal_point_under_a_german_profile(tmp_path):
    path = tmp_path / "crm.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Rechnungen"
    sheet.append(
        [
            "Modul",
            "Rechnungsnr.",
            "Rechnungsdatum",
            "Organisation oder Kontakt",
            "Bruttobetrag",
            "Nettobetrag",
        ]
    )
    sheet.append(["Rechnungen", "RE-1", dt.date(2026, 1, 15), "Firma", 12.345, "1.234,56"])
    workbook.save(path)
    frame = load_invoices(path, profile="crmplus").frame
    assert frame["gross"].to_list() == [12.345]  # a numeric cell, not 12345
    assert frame["net"].to_list() == [1234.56]  # German text in a cell still works


def test_unparseable_values_in_a_large_file_read_in_chunks(tmp_path):
    lines = ["document_id,document_kind,date,amount"]
    lines += [
        f"D{n},Kasse,2026-01-02,{'kaputt' if n % 5000 == 0 else '1.00'}" for n in range(1, 60001)
    ]
    path = tmp_path / "gross.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = load_receipts(path)
    assert result.frame.height == 60000
    assert result.findings["row"].to_list() == [n + 1 for n in range(5000, 60001, 5000)]


# --- files larger than the 64 KiB probe: UTF-8 is parsed from the file, the rest decoded ---


def _big_booking_detail(rows: int, tail: str = "") -> str:
    body = "".join(
        f"R-{n};31.01.2026;Müller & Söhne GmbH;Görlitz;1.234,56;4400;19;;\n" for n in range(rows)
    )
    return BOOKING_DETAIL.split("\n", 1)[0] + "\n" + body + tail


@pytest.mark.parametrize(
    ("encoding", "reported"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252")]
)
def test_large_files_in_each_encoding_keep_names_values_and_lines(write, encoding, reported):
    text = _big_booking_detail(3000)
    assert len(text.encode(encoding)) > 65536 * 2
    result = load_receipts(write("gross.csv", text, encoding), profile="juston")
    assert result.frame.height == 3000
    assert result.frame["invoice_id"][0] == "R-0"  # no byte order mark in the first header
    assert result.frame["party_name"].unique().to_list() == ["Müller & Söhne GmbH"]
    assert result.frame["source_row"][-1] == 3001
    assert result.sources[0].encoding == reported


def test_windows_1252_after_the_probe_is_still_decoded(tmp_path):
    # the first 64 KiB are ASCII; the first umlaut (cp1252 byte 0xFC) comes later
    head = "".join(f"R-{n};31.01.2026;Firma;Berlin;1,00;4400;19;;\n" for n in range(2000))
    text = (
        BOOKING_DETAIL.split("\n", 1)[0] + "\n" + head + "R-x;31.01.2026;Büro;Köln;1,00;4400;19;;\n"
    )
    path = tmp_path / "spaet.csv"
    path.write_bytes(text.encode("cp1252"))
    result = load_receipts(path, profile="juston")
    assert result.frame["party_name"][-1] == "Büro"
    assert result.sources[0].encoding == "cp1252"


def test_multibyte_character_across_the_probe_boundary(tmp_path):
    header = BOOKING_DETAIL.split("\n", 1)[0] + "\n"
    filler = (
        "R-0;31.01.2026;" + "x" * (65535 - len(header.encode()) - 15) + "ü;Köln;1,00;4400;19;;\n"
    )
    data = (header + filler + _big_booking_detail(10).split("\n", 1)[1]).encode("utf-8")
    assert data[65535:65537] == "ü".encode()  # the probe's last byte splits the umlaut
    path = tmp_path / "grenze.csv"
    path.write_bytes(data)
    result = load_receipts(path, profile="juston")
    assert result.sources[0].encoding == "utf-8"
    assert result.frame["party_name"][0].endswith("xü")


def test_quoted_line_break_after_the_probe_keeps_true_line_numbers(write):
    text = _big_booking_detail(2000, tail='R-q;01.02.2026;"zwei\nZeilen";Köln;kaputt;4400;19;;\n')
    result = load_receipts(write("spaet.csv", text), profile="juston")
    assert result.frame["party_name"][-1] == "zwei\nZeilen"
    rules = result.findings.select("rule", "row").rows()
    assert sorted(rules) == [("field.line_break", 2002), ("field.unparseable", 2002)]


def test_file_name_with_glob_characters_is_a_name(write):
    result = load_receipts(write("Belege [Jan]*.csv", _big_booking_detail(1500)), profile="juston")
    assert result.frame.height == 1500


@pytest.mark.parametrize("rows", [2, 3000])  # read whole, and parsed by polars from the file
def test_a_second_byte_order_mark_does_not_stick_to_the_first_header(tmp_path, rows):
    path = tmp_path / "doppelt.csv"
    path.write_bytes(b"\xef\xbb\xbf" * 2 + _big_booking_detail(rows).encode("utf-8"))
    result = load_receipts(path, profile="juston")
    assert "InvoiceNo" in result.sources[0].mapped.values()
    assert result.frame["invoice_id"][0] == "R-0"


def test_a_folder_named_tilde_is_not_the_home_folder(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / "b.csv").write_text(_big_booking_detail(3000).replace("R-", "FREMD-"), encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    (tmp_path / "~").mkdir()
    (tmp_path / "~" / "b.csv").write_text(_big_booking_detail(3000), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = load_receipts("~/b.csv", profile="juston")
    assert result.frame["invoice_id"][0] == "R-0"


def test_a_pipe_is_read_once_and_whole(tmp_path):
    import os
    import threading

    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    text = _big_booking_detail(3000).encode("utf-8")
    writer = threading.Thread(target=fifo.write_bytes, args=(text,))
    writer.start()
    try:
        result = load_receipts(fifo, profile="juston")
    finally:
        writer.join(timeout=10)
    assert result.frame.height == 3000
    assert result.frame["source_row"][-1] == 3001


def test_windows_1252_with_bytes_it_leaves_undefined_is_reported_as_latin1(tmp_path):
    # the byte 0x81 (undefined in Windows-1252) comes after the 64 KiB probe
    text = (
        _big_booking_detail(3000).encode("cp1252")
        + b"R-x;31.01.2026;A\x81B;K\xf6ln;1,00;4400;19;;\n"
    )
    path = tmp_path / "alt.csv"
    path.write_bytes(text)
    result = load_receipts(path, profile="juston")
    assert result.sources[0].encoding == "latin-1"
    assert result.frame["party_name"][-1] == "A\x81B"
