"""What DATEV books from what the sandbox processed, as Accounting Data Exchange AccountPostings.

Every line of a succeeded EXTF Buchungsstapel and every record of a dxso Beleg that Belege
online took over becomes one booking (Buchungssatz). A booking is stored once, as the
AccountPosting seen from its first account (EXTF: Konto; dxso: accountNo), and served once per
general-ledger account it touches (Kontoblatt): ADE's ``AccountNumber`` carries at most 8
digits ("technical length"), so a Personenkonto (9 digits) only ever appears as
``contraAccountNumber`` [I]. Amounts stay gross, as the booking was entered (followOnPostingType
``journal_entry``); DATEV's follow-on tax postings are not simulated (sandbox README).

Account numbers are DATEV's technical form: a Sachkonto padded with zeros to 8 digits (8400 ->
84000000, the ADE file's examples 10000000 and 84010000), a Personenkonto to 9 digits.
"""

from __future__ import annotations

import csv
import json
import re
import sqlite3
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

from workbench.sandbox.extf_rules import _belegdatum, _date, decode
from workbench.sandbox.seed import AccountingClient

__all__ = [
    "account_postings",
    "document_guid",
    "extf_bookings",
    "flipped",
    "is_general_ledger",
    "ledger_bookings",
    "rendered",
    "store_bookings",
    "technical_account",
]

LEDGER_NS = "{http://xml.datev.de/bedi/tps/ledger/v060}"
GL_LIMIT = 100_000_000  # technical Sachkonten have 8 digits, Personenkonten 9
# Buchungsstapel v13 field numbers (FACTS.md §7), 1-based.
_AMOUNT, _SIDE, _CURRENCY, _KONTO, _GEGENKONTO, _BU, _DAY = 1, 2, 3, 7, 8, 9, 10
_FIELD1, _FIELD2, _TEXT, _LINK, _KOST1, _KOST2, _ORIGIN, _REVERSAL = (
    11,
    12,
    14,
    20,
    37,
    38,
    102,
    118,
)
_LINK_FORMAT = re.compile(r'^\s*([A-Za-z]{1,4})\s+"([^"]{1,210})"\s*$')
_ORIGIN_FORMAT = re.compile(r"^[A-Z][A-Z0-9]?$")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
#: Record side of the Sachkonto (accountNo) for a positive amount, per LedgerImport kind.
_ACCOUNT_SIDE = {"accountsPayableLedger": "S", "accountsReceivableLedger": "H", "cashLedger": "H"}


def technical_account(account: str, length: int) -> int:
    """DATEV's technical account number: ``8400`` -> 84000000, Personenkonto ``10141`` (length
    4) -> 101410000; a Sachkonto written shorter than the length gets its leading zeros."""
    digits = account.strip()
    if len(digits) == length + 1:
        return int(digits.ljust(9, "0"))
    return int(digits.zfill(length).ljust(8, "0"))


def is_general_ledger(technical: int) -> bool:
    return technical < GL_LIMIT


def _cell(row: list[str], number: int) -> str:
    return row[number - 1].strip() if len(row) >= number else ""


def _money(value: str) -> float | None:
    try:
        amount = Decimal(value.replace(".", "").replace(",", ".") if "," in value else value)
    except InvalidOperation:
        return None
    return float(amount)


def _side(posting: dict[str, Any], side: str, amount: float) -> dict[str, Any]:
    """Put ``amount`` on the Soll (S) or Haben (H) side; a negative amount swaps the side."""
    if amount < 0:
        side, amount = ("H" if side == "S" else "S"), -amount
    posting["amountDebit" if side == "S" else "amountCredit"] = round(amount, 2)
    return posting


def extf_bookings(content: bytes, client: AccountingClient) -> list[dict[str, Any]]:
    """The bookings of a Buchungsstapel that the Buchungsdatenservice accepted."""
    text = decode(content).replace("\r\n", "\n")
    lines = [line for line in text.split("\n") if line.strip()]
    header = next(csv.reader([lines[0]], delimiter=";", quotechar='"'))
    start, end = _date(header[14].strip()), _date(header[15].strip())
    origin = header[7].strip() if len(header) > 7 else ""
    length = client.account_length
    bookings = []
    for row in csv.reader(lines[2:], delimiter=";", quotechar='"'):
        day = _belegdatum(_cell(row, _DAY), start, end)
        amount = _money(_cell(row, _AMOUNT))
        if day is None or amount is None:
            continue  # check_extf refused such a file; nothing of it is booked
        posting: dict[str, Any] = {
            "accountNumber": technical_account(_cell(row, _KONTO), length),
            "contraAccountNumber": technical_account(_cell(row, _GEGENKONTO), length),
            "date": day.isoformat(),
            "currencyCode": _cell(row, _CURRENCY) or "EUR",
        }
        _side(posting, _cell(row, _SIDE), amount)
        bu = _cell(row, _BU)
        if bu.isdigit() and int(bu) > 0:
            posting["accountingTransactionKey"] = int(bu)
        for number, key in (
            (_FIELD1, "documentField1"),
            (_FIELD2, "documentField2"),
            (_TEXT, "postingDescription"),
            (_KOST1, "kost1CostCenterId"),
            (_KOST2, "kost2CostCenterId"),
        ):
            if _cell(row, number):
                posting[key] = _cell(row, number)
        link = _LINK_FORMAT.match(_cell(row, _LINK))
        if link:
            posting["documentLink"] = {"sourceSystem": link[1], "documentGuid": link[2]}
        if _cell(row, _REVERSAL) == "1":
            posting["generalReversal"] = True
        mark = _cell(row, _ORIGIN) or origin
        if _ORIGIN_FORMAT.match(mark):
            posting["markOfOrigin"] = mark
        bookings.append(posting)
    return bookings


def ledger_bookings(
    kind: str,
    content: bytes,
    client: AccountingClient,
    *,
    cash_account: str | None = None,
    document_guid: str | None = None,
) -> list[dict[str, Any]]:
    """The bookings of one LedgerImport file Belege online took over.

    Belege online hands Rechnungsdaten to Rechnungswesen as booking proposals; the sandbox
    plays the bookkeeper who posts every complete one at once (an assumption). A record without
    ``accountNo`` stays a proposal, and ADE never delivers proposals (OpenAPI, account-postings).
    """
    chart = client.chart
    fallback = {
        "accountsPayableLedger": chart.payables if chart else None,
        "accountsReceivableLedger": chart.receivables if chart else None,
        "cashLedger": cash_account or (chart.cash if chart else None),
    }[kind]
    length = client.account_length
    bookings = []
    root = etree.fromstring(content, _PARSER)
    for consolidate in root.iter(f"{LEDGER_NS}consolidate"):
        for record in consolidate:
            if not isinstance(record.tag, str):
                continue
            values = {
                child.tag.rsplit("}", 1)[-1]: (child.text or "").strip()
                for child in record
                if isinstance(child.tag, str)
            }
            contra = (values.get("bpAccountNo") if kind != "cashLedger" else None) or fallback
            if not values.get("accountNo") or not contra:
                continue
            posting: dict[str, Any] = {
                "accountNumber": technical_account(values["accountNo"], length),
                "contraAccountNumber": technical_account(contra, length),
                "date": values["date"],
                "currencyCode": values.get("currencyCode") or "EUR",
            }
            _side(posting, _ACCOUNT_SIDE[kind], float(Decimal(values.get("amount") or "0")))
            invoice = values.get("invoiceId") or consolidate.get("consolidatedInvoiceId")
            optional = {
                "documentField1": invoice,
                "postingDescription": values.get("bookingText"),
                "kost1CostCenterId": values.get("costCategoryId"),
                "kost2CostCenterId": values.get("costCategoryId2"),
                "deliveryDate": values.get("deliveryDate"),
            }
            posting.update({key: value for key, value in optional.items() if value})
            if values.get("buCode", "").isdigit() and int(values["buCode"]) > 0:
                posting["accountingTransactionKey"] = int(values["buCode"])
            if values.get("tax"):
                posting["taxRate"] = float(values["tax"])
            if document_guid:
                posting["documentLink"] = {"sourceSystem": "BEDI", "documentGuid": document_guid}
            bookings.append(posting)
    return bookings


def flipped(posting: dict[str, Any]) -> dict[str, Any]:
    """The same booking seen from its contra account (the other Kontoblatt)."""
    other = dict(posting)
    other["accountNumber"], other["contraAccountNumber"] = (
        posting["contraAccountNumber"],
        posting["accountNumber"],
    )
    other.pop("amountDebit", None)
    other.pop("amountCredit", None)
    if "amountDebit" in posting:
        other["amountCredit"] = posting["amountDebit"]
    if "amountCredit" in posting:
        other["amountDebit"] = posting["amountCredit"]
    return other


_CONSTANT = {
    "recordType": "financial_accounting",
    "followOnPostingType": "journal_entry",
    "isOpeningBalancePosting": False,
}


def account_postings(booking: dict[str, Any], *, document_links: bool) -> list[dict[str, Any]]:
    """The AccountPostings of one booking: one per general-ledger account it touches."""
    views = [booking, flipped(booking)]
    postings = []
    for view in views:
        if not is_general_ledger(view["accountNumber"]):
            continue
        posting = {**view, **_CONSTANT}
        if not document_links:
            posting.pop("documentLink", None)
        postings.append(posting)
    return postings


def store_bookings(
    conn: sqlite3.Connection,
    client_id: str,
    origin: str,
    visible_at: float,
    bookings: list[dict[str, Any]],
) -> None:
    """Record bookings inside the caller's transaction; DATEV shows them from ``visible_at``.

    Each row keeps its postings rendered as NDJSON lines, with and without document links, so
    a postings job of 100,000 bookings is one query instead of 200,000 JSON round trips.
    """
    conn.executemany(
        "INSERT INTO account_bookings (client_id, origin, date, visible_at, posting, lines, "
        "plain) VALUES (?,?,?,?,?,?,?)",
        [(client_id, origin, b["date"], visible_at, *rendered(b)) for b in bookings],
    )


def rendered(booking: dict[str, Any]) -> tuple[str, str, str]:
    """The booking as stored JSON, and its postings as NDJSON with and without links."""
    postings = account_postings(booking, document_links=True)
    lines = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in postings)
    if "documentLink" in booking:
        for posting in postings:
            posting.pop("documentLink", None)
        plain = "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in postings)
    else:
        plain = lines
    return json.dumps(booking, ensure_ascii=False), lines, plain


def document_guid() -> str:
    """A Belegbild's id in Belege online, as DATEV's document links carry it."""
    return str(uuid.uuid4()).upper()
