"""Small source files for the mapping tests, loaded with the real profiles."""

from __future__ import annotations

import openpyxl
import pytest
from mapping_helpers import INVOICE_HEADERS, INVOICES, POS_TEXT, POSITION_HEADERS, POSITIONS

from workbench.sources import load_invoices, load_pos, load_receipts

BOOKING_DETAIL = (
    "InvoiceNo;BookingDate;AccountName;BillingCity;Amount;AccountNo;TaxRate;IBAN;BIC;VATId;DeliveryDate;"
    "CustomerNumber;BlockTransfer__c\n"
    "R-2026-001;31.01.2026;Müller & Söhne GmbH;Görlitz;1.234,56;4400;19;"
    "DE89370400440532013000;COBADEFFXXX;DE123456789;30.01.2026;10001;\n"
    "R-2026-002;15.01.2026;Bäckerei Weiß KG;Köln;-12,50;8300;7,00;;;;;10002;x\n"
    "R-2026-003;16.01.2026;Café Ütz;Bonn;zwölf;8400;19;;;;;10003;\n"
    "R-2026-004;17.01.2026;Blumen Kraus;Ulm;59,50;8400;19;;;;;10004;\n"
)
EXPENSE = (
    "ReceiptNo;ReceiptDate;PayeeName;SenderCity;GrossAmount;GLAccount;TaxRate;PaymentDate;Name;PayeeIBAN;"
    "SenderTaxId;CurrencyIsoCode\n"
    "ER-17;03.01.2026;Büro Schäfer;Düsseldorf;119,00;4930;19;10.01.2026;INT-1;"
    "DE02120300000000202051;DE987654321;EUR\n"
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
    files = [
        write("bd.csv", BOOKING_DETAIL),
        write("ex.csv", EXPENSE, "cp1252"),
        write("kasse.csv", KASSE),
    ]
    juston = load_receipts(files[:2], profile="juston")
    kasse = load_receipts(files[2], profile="canonical")
    return juston, kasse


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


@pytest.fixture
def pos_result(write):
    return load_pos(write("pos.csv", POS_TEXT), profile="lightspeed")
