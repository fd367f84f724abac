"""LedgerImport and document.xml: samples read back, round trips, XSD validity, golden files."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest

from workbench.datev.document_xml import (
    Archive,
    Document,
    Extension,
    read_document_xml,
    write_document_xml,
)
from workbench.datev.ledger_xml import (
    LEDGER_KINDS,
    XML_DATA,
    read_ledger_xml,
    validate_ledger_records,
    write_ledger_xml,
)
from workbench.datev.xsd import validate_xml
from workbench.errors import DatevFormatError

SAMPLE_LEDGERS = [
    "Provisionsgutschrift_GS-2023-101.xml",
    "Rechnungsdaten_RA_R-2023-101-EU.xml",
    "Rechnungsdaten_RA_R-2023-101.xml",
    "Rechnungsdaten_RA_R-2023-204.xml",
]


@pytest.mark.parametrize("name", SAMPLE_LEDGERS)
def test_samples_are_valid_and_read_back_into_records(samples, name):
    path = samples / name
    assert validate_xml(path, "ledger") == []
    result = read_ledger_xml(path)
    assert result.ledger in LEDGER_KINDS
    assert result.attributes["xml_data"] == XML_DATA
    amounts = result.records["amount"].to_list()
    assert f"{sum(amounts):.2f}" == result.consolidate["consolidatedAmount"]
    assert result.records["date"].unique().to_list() == [
        date.fromisoformat(result.consolidate["consolidatedDate"])
    ]
    assert result.records["invoiceId"].unique().to_list() == [
        result.consolidate["consolidatedInvoiceId"]
    ]


def test_sample_values_are_typed(samples):
    records = read_ledger_xml(samples / "Rechnungsdaten_RA_R-2023-204.xml").records
    assert records.height == 4
    assert records["amount"].to_list() == [1190.0, 1190.0, 107.0, 100.0]
    assert records["accountNo"].to_list() == [8400, 8400, 8300, 8100]
    assert records["tax"].to_list() == [19.0, 19.0, 19.0, 0.0]
    assert records["bookingText"][0] == 'Produkt "ABC",Art-Nr. Art123'
    assert records["dueDate"][0] == date(2023, 2, 19)
    assert records.columns[:4] == ["date", "amount", "accountNo", "costCategoryId"]


@pytest.mark.parametrize("name", SAMPLE_LEDGERS)
def test_samples_round_trip_through_the_writer(samples, name):
    original = read_ledger_xml(samples / name)
    data = write_ledger_xml(original.records, ledger=original.ledger, generator_info="ameax")
    assert validate_xml(data, "ledger") == []
    assert validate_xml(data, "ledger", engine="lxml") == []
    again = read_ledger_xml(data)
    assert again.records.equals(original.records)
    for key in (
        "consolidatedAmount",
        "consolidatedDate",
        "consolidatedInvoiceId",
        "consolidatedCurrencyCode",
    ):
        assert again.consolidate[key] == original.consolidate[key]


def payable() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [date(2024, 1, 10), date(2024, 1, 10)],
            "amount": [119.0, -19.99],
            "accountNo": [4930, 4930],
            "buCode": [9, None],
            "costCategoryId": ["Vertrieb Süd", None],
            "tax": [19.0, 19.0],
            "information": ["Büromaterial & Porto", None],
            "currencyCode": ["EUR", "EUR"],
            "invoiceId": ["ER-2024/001", "ER-2024/001"],
            "bookingText": ['Papier "A4" <80g>', "Rabatt"],
            "paidAt": [date(2024, 1, 12), None],
            "vatId": ["DE123456789", "DE123456789"],
            "iban": ["DE33762500000121540061", None],
            "swiftCode": ["BYLADEM1001", None],
            "dueDate": [date(2024, 1, 24), date(2024, 1, 24)],
            "bpAccountNo": [70001, 70001],
            "deliveryDate": [date(2024, 1, 8), date(2024, 1, 8)],
            "supplierName": ["Papier & Co GmbH", "Papier & Co GmbH"],
            "supplierCity": ["Köln", "Köln"],
        }
    )


def receivable() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": ["2024-01-15"],
            "amount": ["1190.00"],
            "accountNo": [8400],
            "tax": [19.0],
            "currencyCode": ["EUR"],
            "invoiceId": ["AR-1"],
            "bookingText": ["Beratung Januar"],
            "orderId": ["A.2024.7"],
            "customerName": ["Kunde AG"],
            "customerCity": ["München"],
        }
    )


def cash() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [date(2024, 1, 20)] * 2,
            "amount": [-20.0, -5.5],
            "accountNo": [4650, 4650],
            "tax": [19.0, 7.0],
            "currencyCode": ["EUR", "EUR"],
            "bookingText": ["Bewirtung", "Bewirtung Getränke"],
        }
    )


LEDGERS = {
    "accountsPayableLedger": payable,
    "accountsReceivableLedger": receivable,
    "cashLedger": cash,
}


@pytest.mark.parametrize("ledger", LEDGER_KINDS)
def test_ledger_golden_files_validate(golden, ledger):
    data = write_ledger_xml(
        LEDGERS[ledger](),
        ledger=ledger,
        generator_info="workbench",
        generating_system="workbench 0.1",
    )
    golden(f"ledger_{ledger}.xml", data)
    assert validate_xml(data, "ledger") == []
    assert read_ledger_xml(data).ledger == ledger


def test_payable_round_trip_and_consolidate():
    result = read_ledger_xml(write_ledger_xml(payable(), ledger="accountsPayableLedger"))
    assert result.records.equals(payable().with_columns(pl.col("buCode").cast(pl.Int64)))
    assert result.consolidate == {
        "consolidatedAmount": "99.01",
        "consolidatedDate": "2024-01-10",
        "consolidatedInvoiceId": "ER-2024/001",
        "consolidatedDeliveryDate": "2024-01-08",
        "consolidatedCurrencyCode": "EUR",
    }


def test_element_order_is_the_xsds_even_if_columns_are_shuffled():
    frame = payable()
    shuffled = frame.select(list(reversed(frame.columns)))
    assert write_ledger_xml(shuffled, ledger="accountsPayableLedger") == write_ledger_xml(
        frame, ledger="accountsPayableLedger"
    )


@pytest.mark.parametrize(
    ("column", "bad", "match"),
    [
        (
            "bookingText",
            "x" * 61,
            r"Element 'bookingText' in Belegposition 1 \(Index 0\).*länger als 60",
        ),
        ("invoiceId", "ER_2024", r"Element 'invoiceId'.*'ER_2024' enthält Zeichen außerhalb"),
        ("invoiceId", "ER 2024", r"invoiceId"),
        ("invoiceId", "E" * 37, r"länger als 36"),
        ("amount", 0.0, r"Element 'amount'.*darf nicht 0 sein"),
        ("amount", 1190.5001, r"mehr als 2 Nachkommastellen"),
        ("tax", 100.0, r"Element 'tax'.*mehr als 2 Vorkommastellen"),
        ("accountNo", 0, r"accountNo.*kleiner als 1"),
        ("bpAccountNo", 9999, r"bpAccountNo.*kleiner als 10000"),
        ("currencyCode", "eur", r"currencyCode.*erlaubten Werte"),
        ("vatId", "DE-123", r"vatId"),
        ("information", "i" * 121, r"information.*länger als 120"),
        ("supplierName", "n" * 51, r"supplierName.*länger als 50"),
        ("costCategoryId", " 100", r"costCategoryId.*Muster"),
        ("iban", "DE33 7625", r"iban.*Muster IBAN"),
    ],
)
def test_invalid_values_never_reach_a_file(tmp_path, column, bad, match):
    frame = payable()
    frame = frame.with_columns(pl.Series(column, [bad, frame[column][1]]))
    path = tmp_path / "bad.xml"
    with pytest.raises(DatevFormatError, match=match) as info:
        write_ledger_xml(frame, ledger="accountsPayableLedger", path=path)
    assert info.value.column == column and info.value.row == 0
    assert not path.exists()


def test_elements_of_other_ledgers_are_rejected():
    frame = payable().with_columns(pl.lit("Kunde").alias("customerName"))
    with pytest.raises(DatevFormatError, match=r"customerName.*nicht vorgesehen"):
        write_ledger_xml(frame, ledger="accountsPayableLedger")


def test_cash_ledger_rules():
    with pytest.raises(DatevFormatError, match="muss im Kassenbuch online EUR sein"):
        write_ledger_xml(
            cash().with_columns(pl.lit("USD").alias("currencyCode")), ledger="cashLedger"
        )
    with pytest.raises(DatevFormatError, match="Pflichtfeld 'bookingText' fehlt"):
        write_ledger_xml(cash().drop("bookingText"), ledger="cashLedger")


def test_records_of_one_document_must_agree():
    frame = payable().with_columns(pl.Series("invoiceId", ["ER-1", "ER-2"]))
    with pytest.raises(DatevFormatError, match="verschiedene Werte im Element 'invoiceId'"):
        write_ledger_xml(frame, ledger="accountsPayableLedger")
    frame = payable().with_columns(pl.Series("date", [date(2024, 1, 10), date(2024, 1, 11)]))
    with pytest.raises(DatevFormatError, match="'date'"):
        write_ledger_xml(frame, ledger="accountsPayableLedger")


def test_unknown_columns_and_kinds():
    with pytest.raises(DatevFormatError, match="'Betrag' ist kein Element"):
        write_ledger_xml(payable().rename({"amount": "Betrag"}), ledger="accountsPayableLedger")
    with pytest.raises(DatevFormatError, match="Belegart 'invoice' ist unbekannt"):
        write_ledger_xml(payable(), ledger="invoice")


def test_validate_ledger_records_collects_findings():
    frame = payable().with_columns(
        pl.Series("invoiceId", ["A_1", "B 2"]), pl.Series("amount", [0.0, 5.0])
    )
    findings = validate_ledger_records(frame, ledger="accountsPayableLedger")
    assert findings.select("row", "field", "value").rows() == [
        (0, "amount", "0.0"),
        (0, "invoiceId", "A_1"),
        (1, "invoiceId", "B 2"),
    ]
    assert validate_ledger_records(payable(), ledger="accountsPayableLedger").height == 0


def test_read_rejects_non_ledger_xml(samples):
    with pytest.raises(DatevFormatError, match="kein DATEV-LedgerImport"):
        read_ledger_xml(samples / "document.xml")
    with pytest.raises(DatevFormatError, match="wohlgeformtes"):
        read_ledger_xml(b"<LedgerImport")


# -- document.xml ----------------------------------------------------------------------------


def test_document_sample_reads_and_round_trips(samples):
    archive = read_document_xml(samples / "document.xml")
    assert archive.created_at == datetime(2023, 6, 16, 8, 30, 6)
    assert archive.generating_system == "ameax Unternehmenssoftware"
    first = archive.documents[0]
    assert [e.type for e in first.extensions] == ["accountsPayableLedger", "File", "File"]
    assert first.extensions[0].file == "Eingangsrechnung 123.xml"
    assert first.extensions[0].properties == [("1", "2023-06"), ("3", "Eingangsrechnungen")]
    assert first.repository == [(1, "ameax Unternehmensoftware"), (2, "Import 2023 RE"), (3, "06")]
    data = write_document_xml(archive)
    assert validate_xml(data, "document") == []
    assert read_document_xml(data) == archive


def archive() -> Archive:
    return Archive(
        [
            Document(
                [
                    Extension(
                        "accountsPayableLedger",
                        "ER-2024_001.xml",
                        [("1", "2024-01"), ("3", "Eingangsrechnungen")],
                    ),
                    Extension("File", "Rechnung Müller & Söhne (1).pdf"),
                ]
            ),
            Document(
                [Extension("cashLedger", "K-1.xml", [("1", "2024-01"), ("3", "Kasse")])],
                description="Kasse Januar",
            ),
        ],
        created_at=datetime(2024, 2, 1, 8, 0, 0),
        consultant_number=455148,
        client_number=1,
        generating_system="workbench",
    )


def test_document_golden_file(golden):
    data = write_document_xml(archive())
    golden("document.xml", data)
    assert validate_xml(data, "document") == []
    assert validate_xml(data, "document", engine="lxml") == []


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda a: setattr(a, "documents", []), "1–4999 Dokumente"),
        (lambda a: setattr(a, "created_at", datetime(2024, 1, 1).astimezone()), "ohne Zeitzone"),
        (
            lambda a: a.documents[0].extensions.extend(
                [Extension("File", f"f{i}.pdf") for i in range(49)]
            ),
            "1–50 Extensions",
        ),
        (
            lambda a: a.documents[0].extensions.append(Extension("cashLedger", "x.xml")),
            "höchstens eine Belegsatz",
        ),
        (lambda a: setattr(a.documents[0].extensions[1], "file", "a/b.pdf"), "Dateiname"),
        (lambda a: setattr(a, "client_name", "x" * 37), "clientName"),
        (lambda a: setattr(a.documents[1], "description", "d" * 41), "description"),
    ],
)
def test_document_rules(change, match):
    value = archive()
    change(value)
    with pytest.raises(DatevFormatError, match=match):
        write_document_xml(value)


def test_xsd_errors_are_german_strings(samples):
    data = (samples / "Rechnungsdaten_RA_R-2023-101.xml").read_bytes()
    for engine in ("xmlschema", "lxml"):
        errors = validate_xml(
            data.replace(b"<invoiceId>R-2023-101", b"<invoiceId>R_2023"), "ledger", engine=engine
        )
        assert len(errors) == 1 and "entspricht nicht dem DATEV-Schema" in errors[0]
        assert validate_xml(
            data.replace(b'version="6.0"', b'version="5.0"'), "ledger", engine=engine
        )
        assert "kein wohlgeformtes XML" in validate_xml(b"<a>", "ledger", engine=engine)[0]
    with pytest.raises(ValueError):
        validate_xml(data, "invoice")
