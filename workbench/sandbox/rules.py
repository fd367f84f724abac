"""Belege online's checks on an uploaded XML package: XSDs plus DATEV's business rules.

The protocol texts are German because users read them in DATEV's protocol; the fiscal-year,
account-length and "Intruder Alert" texts are the ones quoted in the vendors' documentation
(seeds 001 and 004). DATEV's Musterdaten pass every rule: corrections (ARK/ERK) are negative
amounts under their own invoice id and need no original invoice, so "Der Ordnungsbegriff ist
nicht angelegt" (seed 001, cause not documented) is not simulated. Each rule, its source and
whether it is an assumption: ``rule_table.py`` and the README.
"""

from __future__ import annotations

import functools
import io
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from lxml import etree

from workbench.resources import resource_path
from workbench.sandbox.seed import AccountingClient

if TYPE_CHECKING:
    import xmlschema

DOC_NS = "{http://xml.datev.de/bedi/tps/document/v06.0}"
LEDGER_NS = "{http://xml.datev.de/bedi/tps/ledger/v060}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
LEDGER_KINDS = ("accountsPayableLedger", "accountsReceivableLedger", "cashLedger")
IMPORT_TYPES = {
    "accountsPayableLedger": "accountsPayableLedgerImport",
    "accountsReceivableLedger": "accountsReceivableLedgerImport",
    "cashLedger": "cashLedgerImport",
}
DOCUMENT_TYPES = {
    "accountsPayableLedger": "Rechnungseingang",
    "accountsReceivableLedger": "Rechnungsausgang",
    "cashLedger": "Kasse",
}
LEDGER_BOOKS = {
    "accountsPayableLedger": "Rechnungseingangsbuch",
    "accountsReceivableLedger": "Rechnungsausgangsbuch",
    "cashLedger": "Kassenbuch",
}
FOLDER_CATEGORIES = {
    "accountsPayableLedger": "invoices_received",
    "accountsReceivableLedger": "outgoing_invoices",
}
INTRUDER_ALERT = "Rechnung passt nicht zu Rechnungsschema. Ursache: Intruder Alert"
# Characters DATEV's XML interface rejects: controls, exotic spaces, zero-width and
# private-use characters, the replacement character, and escaped octets such as "\303".
# Vendor source (seed 004: exotic spaces, "\3xx"); the exact set beyond it is an assumption.
REJECTED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00a0\u1680\u2000-\u200f"
    "\u2028-\u202f\u205f-\u2064\u3000\ufeff\ue000-\uf8ff\ufffd]|\\\\3[0-7]{2}"
)
#: Escape debris in a text (seed 004: "&xx oder \\3x"): HTML entities and octal escapes that a
#: source system left instead of the character; checked on the element texts, after XML parsing.
ESCAPE_DEBRIS = re.compile(
    r"&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z][A-Za-z0-9]{1,7};"
    r"|\\[0-3][0-7][0-7]|\\x[0-9A-Fa-f]{2}|&[0-9A-Fa-f]{2}(?![0-9A-Za-z;])"
)
XSD_FILES = {
    "document": "Document_v060.xsd",
    "ledger": "Belegverwaltung_online_ledger_import_v060.xsd",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@functools.cache
def _schema(kind: str) -> xmlschema.XMLSchema:
    import xmlschema  # ~0.3 s: only when the first XML upload is validated, not at every start

    return xmlschema.XMLSchema(str(resource_path("xsd", XSD_FILES[kind])))


def xsd_error(kind: str, content: bytes) -> str | None:
    """First XSD violation as "reason (path)", or None when the file is valid."""
    import xmlschema

    try:
        for error in _schema(kind).iter_errors(io.BytesIO(content)):
            where = f" ({error.path})" if getattr(error, "path", None) else ""
            return f"{error.reason or error.message}{where}"
    except (xmlschema.XMLSchemaException, etree.LxmlError, SyntaxError, ValueError) as exc:
        return f"Die Datei ist kein wohlgeformtes XML: {exc}"
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_document_xml(content: bytes) -> dict[str, Any]:
    """Header and documents of a schema-valid document.xml."""
    root = etree.fromstring(content, _PARSER)
    header = {
        _local(el.tag): (el.text or "").strip()
        for el in root.iterfind(f"{DOC_NS}header/*")
        if isinstance(el.tag, str)
    }  # skip comments and processing instructions
    documents = []
    for doc in root.iter(f"{DOC_NS}document"):
        item: dict[str, Any] = {"files": [], "ledger": None, "datafile": None}
        for ext in doc.iter(f"{DOC_NS}extension"):
            kind = ext.get(XSI_TYPE, "").rsplit(":", 1)[-1]
            props = {p.get("key"): p.get("value") for p in ext.iter(f"{DOC_NS}property")}
            if kind in LEDGER_KINDS:
                item["ledger"] = {
                    "kind": kind,
                    "datafile": ext.get("datafile"),
                    "period": props.get("1"),
                    "folder": props.get("3"),
                    "cash_account": props.get("2"),
                }
                item["datafile"] = ext.get("datafile")
            elif ext.get("name"):
                item["files"].append(ext.get("name"))
            elif ext.get("datafile"):
                item["files"].append(ext.get("datafile"))
        documents.append(item)
    return {"header": header, "documents": documents}


def header_mismatch(archive: dict[str, Any], client: AccountingClient) -> str | None:
    header = archive["header"]
    for key, expected in (
        ("consultantNumber", client.consultant_number),
        ("clientNumber", client.client_number),
    ):
        if header.get(key) and header[key].lstrip("0") != str(expected):
            return (
                f"Die {'Beraternummer' if key == 'consultantNumber' else 'Mandantennummer'}"
                f" {header[key]} in document.xml passt nicht zum Mandanten {client.id}."
            )
    return None


def fiscal_year_missing(client: AccountingClient, day: date) -> str | None:
    if client.fiscal_year_for(day) is None:
        return f"Das Wirtschaftsjahr {day.year} ist in DATEV Unternehmen online nicht angelegt."
    return None


def check_ledger(
    ledger: dict[str, Any],
    files: dict[str, bytes],
    client: AccountingClient,
    job: dict[str, Any],
) -> tuple[list[tuple[str, str | None]], list[str]]:
    """Problems as (text, context) and the invoice ids the ledger file books."""
    kind, name = ledger["kind"], ledger["datafile"]
    if name not in files:
        return [(f"Die Datei {name} wurde nicht übertragen.", None)], []
    problems: list[tuple[str, str | None]] = []
    if job["import_type"] and job["import_type"] != IMPORT_TYPES[kind]:
        problems.append(
            (
                f"Die Belegart {DOCUMENT_TYPES[kind]} passt nicht zur "
                f"Datenübertragung ({job['import_type']}).",
                None,
            )
        )
    period = ledger.get("period") or ""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period):
        return [*problems, (f"Der Buchungsmonat '{period}' ist ungültig (JJJJ-MM).", None)], []
    if job["month"] and period != job["month"]:
        problems.append(
            (f"Der Buchungsmonat {period} passt nicht zur Datenübertragung ({job['month']}).", None)
        )
    missing_fy = fiscal_year_missing(client, date(int(period[:4]), int(period[5:]), 1))
    if missing_fy:
        problems.append((missing_fy, f"Buchungsmonat {period}"))
    problems.extend(_folder_problems(kind, ledger.get("folder"), client))
    content = files[name]
    try:  # Assumption: UTF-8 only (every DATEV sample is UTF-8; the XSDs say nothing)
        text = content.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        return [*problems, (INTRUDER_ALERT, "Die Datei ist nicht UTF-8-kodiert.")], []
    intruder = REJECTED.search(text)
    if intruder:
        return [*problems, (INTRUDER_ALERT, f"Zeichen U+{ord(intruder.group()[0]):04X}")], []
    error = xsd_error("ledger", content)
    if error:
        return [*problems, (f"Rechnung passt nicht zu Rechnungsschema. Ursache: {error}", None)], []
    debris = _escape_debris(content)
    if debris:
        return [*problems, (INTRUDER_ALERT, f"Escape-Rest {debris}")], []
    record_problems, invoices, summary = _check_records(kind, content, client, period)
    ledger["summary"] = summary
    return problems + record_problems, invoices


def _folder_problems(
    kind: str, folder: str | None, client: AccountingClient
) -> list[tuple[str, str | None]]:
    if kind == "cashLedger":
        if folder not in client.cash_ledgers:
            return [
                (f"Das Kassenbuch '{folder}' ist in DATEV Unternehmen online nicht angelegt.", None)
            ]
        return []
    folders = client.folders(FOLDER_CATEGORIES[kind])
    if not folders:
        return [
            (
                f"Der Belegtyp {DOCUMENT_TYPES[kind]} ist in DATEV Unternehmen online nicht "
                "aktiviert oder hat keinen Rechnungsordner.",
                None,
            )
        ]
    if folder not in folders:
        return [
            (
                f"Der Rechnungsordner '{folder}' ist in DATEV Unternehmen online nicht angelegt.",
                f"Vorhanden: {', '.join(folders)}",
            )
        ]
    return []


def _escape_debris(content: bytes) -> str | None:
    for element in etree.fromstring(content, _PARSER).iter():
        found = ESCAPE_DEBRIS.search(element.text or "") if isinstance(element.tag, str) else None
        if found:
            return found.group()
    return None


def _check_records(
    kind: str, content: bytes, client: AccountingClient, period: str
) -> tuple[list[tuple[str, str | None]], list[str], list[tuple[str, str]]]:
    root = etree.fromstring(content, _PARSER)
    problems: list[tuple[str, str | None]] = []
    invoices: list[str] = []
    summary: list[tuple[str, str]] = []
    length = client.account_length
    for consolidate in root.iter(f"{LEDGER_NS}consolidate"):
        records = [el for el in consolidate if isinstance(el.tag, str)]
        if any(_local(r.tag) != kind for r in records):
            problems.append(
                (f"Die Buchungen passen nicht zur Belegart {DOCUMENT_TYPES[kind]}.", None)
            )
            continue
        values = [
            {_local(c.tag): (c.text or "") for c in r if isinstance(c.tag, str)} for r in records
        ]
        total = sum((_decimal(v.get("amount")) for v in values), Decimal("0"))
        declared = _decimal(consolidate.get("consolidatedAmount"))
        if total != declared:
            problems.append(
                (
                    f"Der Gesamtbetrag {declared:.2f} (consolidatedAmount) stimmt "
                    f"nicht mit der Summe der Buchungen {total:.2f} überein.",
                    None,
                )
            )
        consolidated = consolidate.get("consolidatedDate") or ""
        if not consolidated.startswith(period):
            problems.append(
                (
                    f"Das Datum {consolidated} (consolidatedDate) liegt nicht im Buchungsmonat "
                    f"{period} der document.xml.",
                    None,
                )
            )
        for attr, element in (
            ("consolidatedCurrencyCode", "currencyCode"),
            ("consolidatedInvoiceId", "invoiceId"),
            ("consolidatedDate", "date"),
        ):
            wanted = consolidate.get(attr)
            if wanted and any(v.get(element, wanted) != wanted for v in values):
                problems.append(
                    (f"{attr} {wanted} stimmt nicht mit {element} der Buchungen überein.", None)
                )
        for v in values:
            day = date.fromisoformat(v["date"])
            missing_fy = fiscal_year_missing(client, day)
            if missing_fy:
                problems.append((missing_fy, f"Belegdatum {v['date']}"))
            problems.extend(_account_problems(v, length))
        invoice_id = consolidate.get("consolidatedInvoiceId") or values[0].get("invoiceId", "")
        if invoice_id:
            invoices.append(invoice_id)
        day = date.fromisoformat(values[0]["date"])
        summary.append((invoice_id, f"{day.month:02d}.{day.year}"))
    return problems, invoices, summary


def _account_problems(values: dict[str, str], length: int) -> list[tuple[str, str | None]]:
    problems: list[tuple[str, str | None]] = []
    account = values.get("accountNo")
    # Sachkonten may be shorter (leading zeros omitted, as in DATEV's Musterdaten); longer
    # than a personal account (Sachkontenlänge + 1) is no account of this client.
    if account and len(account) > length + 1:
        problems.append(
            (
                f"Die Kontenlänge der Kontonummer {account} ({len(account)} Stellen) "
                f"stimmt nicht mit der Kontenlänge in DATEV ({length}) überein!",
                "accountNo",
            )
        )
    partner = values.get("bpAccountNo")
    if partner and len(partner) != length + 1:
        problems.append(
            (
                f"Die Kontenlänge des Personenkontos {partner} ({len(partner)} "
                f"Stellen) stimmt nicht mit der Kontenlänge in DATEV ({length + 1}) "
                "überein!",
                "bpAccountNo",
            )
        )
    return problems


def _decimal(value: str | None) -> Decimal:
    try:
        return Decimal(value or "0")
    except InvalidOperation:
        return Decimal("0")
