"""Small source files for the mapping tests, loaded with the real profiles."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from workbench.sources import load_invoices, load_pos, load_receipts

BOOKING_DETAIL = (
    "InvoiceNo;BookingDate;AccountName;BillingCity;Amount;AccountNo;TaxRate;IBAN;BIC;VATId;DeliveryDate;"
    "CustomerNumber;BlockTransfer__c\n"
    "R-2026-001;31.01.2026;Müller & Söhne GmbH;Görlitz;1.234,56;4400;19;DE89370400440532013000;COBADEFFXXX;"
    "DE123456789;30.01.2026;10001;\n"
    "R-2026-002;15.01.2026;Bäckerei Weiß KG;Köln;-12,50;8300;7,00;;;;;10002;x\n"
    "R-2026-003;16.01.2026;Café Ütz;Bonn;zwölf;8400;19;;;;;10003;\n"
    "R-2026-004;17.01.2026;Blumen Kraus;Ulm;59,50;8400;19;;;;;10004;\n"
)
EXPENSE = (
    "ReceiptNo;ReceiptDate;PayeeName;SenderCity;GrossAmount;GLAccount;TaxRate;PaymentDate;Name;PayeeIBAN;"
    "SenderTaxId;CurrencyIsoCode\n"
    "ER-17;03.01.2026;Büro Schäfer;Düsseldorf;119,00;4930;19;10.01.2026;INT-1;DE02120300000000202051;"
    "DE987654321;EUR\n"
    "ER-18;04.01.2026;Tankstelle Nord;Kiel;50,00;4530;19;;INT-2;;;EUR\n"
)
KASSE = (
    "document_id,item_id,document_kind,date,amount,account_no,tax,invoice_id,booking_text,cost_category_id\n"
    "K1,K1-1,Kasse,2026-01-02,-50.00,4650,19,K1,Bewirtung Kunde,100\n"
    "K1,K1-2,Kasse,2026-01-02,-20.50,4650,7,K1,Bewirtung Getränke,100\n"
    "K2,K2-1,Kasse,2026-01-03,300.00,1000,,K2,Bareinlage,\n"
    "K3,K3-1,Kasse,2026-01-04,-10.00,4930,19,K3,,\n"
)


@pytest.fixture
def receipts(write):
    """JustOn Booking Detail + Expense and a canonical Kasse file (10 rows)."""
    files = [write("bd.csv", BOOKING_DETAIL), write("ex.csv", EXPENSE, "cp1252"), write("kasse.csv", KASSE)]
    juston = load_receipts(files[:2], profile="juston")
    kasse = load_receipts(files[2], profile="canonical")
    return juston, kasse


INVOICE_HEADERS = ["Modul", "Rechnungsnr.", "Rechnungsdatum", "Organisation oder Kontakt", "Rechnungsadresse: Straße",
                   "Rechnungsadresse: PLZ", "Rechnungsadresse: Ort", "Rechnungsadresse: Länderkürzel", "Währung",
                   "Nettobetrag", "Steuerbetrag", "Bruttobetrag", "Sachkonto", "Kundennr.", "Kostenstelle",
                   "original Buchungsbeleg"]
POSITION_HEADERS = ["Rechnungsnr.", "Produktposition(en): Name", "Produktposition(en): Steuer-Prozent",
                    "Produktposition(en): Positions-Netto", "Produktposition(en): Positions-Steuer",
                    "Produktposition(en): Positions-Brutto", "Menge"]
INVOICES = [
    ["Rechnungen", "RE-1001", dt.date(2026, 1, 15), "Zahnarztpraxis Dr. Özdemir", "Hauptstr. 1", "01067", "Dresden",
     "DE", "EUR", 100, 19, 119, "8400", "10001", "100", None],
    ["Gutschriften", "GS-7", "20.01.2026", "Möbelhaus Jürgens", None, "04109", "Leipzig", "DE", "EUR", "1.000,00",
     "190,00", "1.190,00", "8400", "10002", None, None],
    ["Eingangsrechnungen", "ER-5", "21.01.2026", "Büro Schäfer", None, "40210", "Düsseldorf", "DE", "EUR", "50,00",
     "3,50", "53,50", "3400", "70001", None, None],
    ["Rechnungen", "RE-1002", "22.01.2026", "Ein sehr langer Organisationsname der Firma Mustermann und Söhne GmbH",
     None, "04109", "Leipzig", "DE", "EUR", "10,00", "1,90", "11,90", None, "10003", None, None],
    ["Stornos", "ST-1", "23.01.2026", "Zahnarztpraxis Dr. Özdemir", None, "01067", "Dresden", "DE", "EUR", "100,00",
     "19,00", "119,00", "8400", "10001", None, None],
]
POSITIONS = [
    ["RE-1001", "Beratung", 19, 60, 11.4, 71.4, 1],
    ["RE-1001", "Material", 19, 40, 7.6, 47.6, 2],
    ["GS-7", "Gutschrift Rabatt", 19, 1000, 190, 1190, 1],
]


@pytest.fixture
def crm_workbook(tmp_path):
    """Write a CRM+ workbook (Rechnungen + Positionen sheets); returns a function of rows."""

    def _write(invoices=INVOICES, positions=POSITIONS, name="crm.xlsx"):
        path = tmp_path / name
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Rechnungen"
        sheet.append(INVOICE_HEADERS)
        for row in invoices:
            sheet.append(row)
        sheet = workbook.create_sheet("Positionen")
        sheet.append(POSITION_HEADERS)
        for row in positions:
            sheet.append(row)
        workbook.save(path)
        return load_invoices(path, profile="crmplus")

    return _write


POS_TEXT = (
    "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
    "02.01.2026;Umsatz;Speisen;1.523,40;7\n"
    "02.01.2026;Umsatz;Getränke;476,60;19\n"
    "02.01.2026;Zahlung;EC-Karte;1.800,00;\n"
    "02.01.2026;Zahlung;Bar;223,40;\n"
    "02.01.2026;Trinkgeld;Trinkgeld;23,40;\n"
    "03.01.2026;Umsatz;Speisen;100,00;7\n"
    "03.01.2026;Umsatz;Getränke;-5,00;19\n"
    "03.01.2026;Zahlung;Bar;95,00;\n"
)


@pytest.fixture
def pos_result(write):
    return load_pos(write("pos.csv", POS_TEXT), profile="lightspeed")
