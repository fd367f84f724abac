"""Send canonical items to the sandbox *unblocked*: as DATEV files written without the
workbench's own guards (no checks, no writer validation), through the production DATEV client
over a real socket. The agreement test (``test_agreement.py``) compares what DATEV (the sandbox)
then says with what ``check`` said about the same items.

The renderers follow DATEV's formats (LedgerImport v6.0 + document.xml, EXTF Buchungsstapel v13,
expense postings) but take every value as it is: a defect reaches DATEV exactly as it is in the
source.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from workbench.datev.ledger_fields import ELEMENT_ORDER
from workbench.datev.package import DEFAULT_FOLDERS
from workbench.errors import DatevApiError
from workbench.sandbox.rule_table import Rule, rule_for
from workbench.transfer.client import DatevClient

LEDGERS = {
    "Rechnungsausgang": ("accountsReceivableLedger", "accountsReceivableLedgerImport", "customer"),
    "Rechnungseingang": ("accountsPayableLedger", "accountsPayableLedgerImport", "supplier"),
    "Kasse": ("cashLedger", "cashLedgerImport", None),
}
#: canonical receipts column -> LedgerImport element (party name/city per ledger below)
ELEMENTS = {
    "date": "date", "amount": "amount", "account_no": "accountNo", "bu_code": "buCode",
    "cost_amount": "costAmount", "cost_category_id": "costCategoryId",
    "cost_category_id2": "costCategoryId2", "tax": "tax", "information": "information",
    "currency_code": "currencyCode", "invoice_id": "invoiceId", "booking_text": "bookingText",
    "internal_invoice_id": "internalInvoiceId", "vat_id": "vatId", "iban": "iban",
    "swift_code": "swiftCode", "due_date": "dueDate", "party_account_no": "bpAccountNo",
    "delivery_date": "deliveryDate", "paid_at": "paidAt",
}  # fmt: skip
LEDGER_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<LedgerImport '
    'xmlns="http://xml.datev.de/bedi/tps/ledger/v060" version="6.0" generator_info="Agreement" '
    'generating_system="Agreement" '
    'xml_data="Kopie nur zur Verbuchung berechtigt nicht zum Vorsteuerabzug">'
)


@dataclass
class Outcome:
    """What DATEV said: the rules that rejected something (sandbox rule ids) and its texts."""

    rules: set[str] = field(default_factory=set)
    texts: list[str] = field(default_factory=list)
    answered: int = 0  # jobs or postings DATEV answered

    def add(self, api: str, text: str) -> None:
        rule: Rule | None = rule_for(api, text)
        self.texts.append(text)
        self.rules.add(rule.id if rule else f"unknown: {text}")


def number(value: float, comma: bool = False) -> str:
    """Two decimals where the value has at most two; otherwise the value as it is."""
    text = f"{value:.2f}" if round(value, 2) == value else repr(value)
    return text.replace(".", ",") if comma else text


def _text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return number(value)
    return str(value)


def ledger_file(items: list[dict], kind: str) -> bytes:
    """One LedgerImport with one consolidate for the items of one Beleg."""
    ledger, _, party = LEDGERS[kind]
    order = ELEMENT_ORDER[ledger]
    records = []
    for item in items:
        values = {ELEMENTS[k]: v for k, v in item.items() if k in ELEMENTS and v is not None}
        if party:
            values[f"{party}Name"] = item.get("party_name")
            values[f"{party}City"] = item.get("party_city")
        body = "".join(
            f"<{name}>{escape(_text(values[name]))}</{name}>"
            for name in order
            if values.get(name) is not None
        )
        records.append(f"<{ledger}>{body}</{ledger}>")
    first = items[0]
    attrs = {
        "consolidatedAmount": number(sum(i["amount"] for i in items)),
        "consolidatedDate": first["date"].isoformat(),
        "consolidatedCurrencyCode": first["currency_code"],
    }
    if first.get("invoice_id"):
        attrs["consolidatedInvoiceId"] = first["invoice_id"]
    head = "".join(f" {k}={quoteattr(v)}" for k, v in attrs.items())
    text = f"{LEDGER_HEAD}<consolidate{head}>{''.join(records)}</consolidate></LedgerImport>"
    return text.encode("utf-8")


def document_xml(documents: list[tuple[str, str, str, str, list[str]]]) -> bytes:
    """(ledger, datafile, month, folder, Belegbilder) per document."""
    body = []
    for ledger, datafile, month, folder, files in documents:
        body.append(
            f'<document><extension xsi:type="{ledger}" datafile={quoteattr(datafile)}>'
            f'<property key="1" value="{month}"/><property key="3" value={quoteattr(folder)}/>'
            "</extension>"
            + "".join(f'<extension xsi:type="File" name={quoteattr(n)}/>' for n in files)
            + "</document>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><archive '
        'xmlns="http://xml.datev.de/bedi/tps/document/v06.0" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="6.0" '
        'generatingSystem="Agreement"><header><date>2024-03-01T10:00:00</date></header>'
        f"<content>{''.join(body)}</content></archive>"
    ).encode()


def send_xml(
    datev: DatevClient, sandbox, client: str, items: list[dict], *,
    folders: dict[str, str], attachments: Path,
) -> Outcome:  # fmt: skip
    """One dxso job per Beleg-Art and Buchungsmonat, like a transfer; DATEV processes it."""
    outcome = Outcome()
    groups: dict[tuple[str, str], list[dict]] = {}
    for item in items:
        groups.setdefault((item["document_kind"], item["accounting_month"]), []).append(item)
    for (kind, month), group in groups.items():
        ledger, import_type, _ = LEDGERS[kind]
        try:
            job = datev.create_dxso_job(client, import_type=import_type, accounting_month=month)
        except DatevApiError as error:
            outcome.add("dxso", error.code or str(error))
            continue
        documents, files = [], {}
        for document_id in dict.fromkeys(i["document_id"] for i in group):
            beleg = [i for i in group if i["document_id"] == document_id]
            datafile = f"{document_id}.xml"
            files[datafile] = ledger_file(beleg, kind)
            images = sorted({i["attachment"] for i in beleg if i.get("attachment")})
            for name in images:
                if (attachments / name).is_file():
                    files[name] = (attachments / name).read_bytes()
            folder = folders.get(kind, DEFAULT_FOLDERS[kind])
            documents.append((ledger, datafile, month, folder, images))
        files["document.xml"] = document_xml(documents)
        try:
            for name, content in files.items():
                media = "application/pdf" if name.endswith(".pdf") else "application/xml"
                if name.endswith(".zip"):
                    media = "application/zip"
                datev.upload_dxso_file(client, job["id"], name, content, media)
        except DatevApiError as error:
            outcome.add("dxso", error.code or str(error))
            datev.delete_dxso_job(client, job["id"])
            continue
        datev.finalize_dxso_job(client, job["id"])
        sandbox.state.clock.advance(10)
        outcome.answered += 1
        for entry in datev.dxso_protocol(client, job["id"]):
            if entry["type"] == "error" and entry["text"] != "Beleg wurde nicht übernommen!":
                outcome.add("dxso protocol", entry["text"])
    return outcome


def _quoted(value: object) -> str:
    return '"' + ("" if value is None else str(value)).replace('"', '""') + '"'


def extf_file(
    items: list[dict], *, consultant: int, client: int, fiscal_year_start: date,
    account_length: int, raw: dict[str, str] | None = None, bom: bool = False,
) -> bytes:  # fmt: skip
    """A Buchungsstapel: the Beleg's party books against its Sachkonto, Kasse against 1000.

    ``raw`` replaces a column's text as DATEV would find it in the file (``{"Umsatz": "64083"}``).
    """
    days = [i["date"] for i in items]
    start = min(days).replace(day=1)
    end = max(days)
    header = (
        f'"EXTF";700;21;"Buchungsstapel";13;20240301100000000;;"RE";"";"";{consultant};{client};'
        f'{fiscal_year_start:%Y%m%d};{account_length};{start:%Y%m%d};{end:%Y%m%d};"Agreement";'
        '"WD";1;0;0;"EUR";;"";;;"03";;;"";""'
    )
    columns = ";".join(f"Feld {n}" for n in range(1, 126))
    lines = [header, columns]
    for item in items:
        amount = item["amount"]
        debit = (amount >= 0) == (item["document_kind"] != "Rechnungseingang")
        account = item.get("party_account_no") or "1000"
        fields = [""] * 125
        fields[0] = (raw or {}).get("Umsatz") or number(abs(amount), comma=True)
        fields[1] = _quoted("S" if debit else "H")
        fields[2] = _quoted(item.get("currency_code"))
        fields[6] = account
        fields[7] = item.get("account_no") or ""
        fields[8] = _quoted(item.get("bu_code"))
        fields[9] = f"{item['date']:%d%m}"
        fields[10] = _quoted(item.get("invoice_id"))
        fields[13] = _quoted(item.get("booking_text"))
        fields[36] = _quoted(item.get("cost_category_id"))
        lines.append(";".join(fields))
    text = "\r\n".join(lines) + "\r\n"
    return codecs.BOM_UTF8 + text.encode("utf-8") if bom else text.encode("cp1252")


def send_extf(datev: DatevClient, sandbox, client: str, content: bytes) -> Outcome:
    outcome = Outcome()
    job = datev.upload_extf(client, "EXTF_Agreement.csv", content)
    sandbox.state.clock.advance(10)
    result = datev.extf_job(client, job)
    outcome.answered += 1
    if result["result"] == "failed":
        details = result["validation_details"]
        for element in details.get("affected_elements") or [{"reason": details["detail"]}]:
            outcome.add("extf", element["reason"])
    return outcome


def send_postings(datev: DatevClient, postings: list[dict]) -> Outcome:
    """Expense postings to the seed's order 1001, suborder 2 (Telefonische Beratung)."""
    outcome = Outcome()
    for posting in postings:
        try:
            datev.post_expense_posting("1001", "2", posting)
            outcome.answered += 1
        except DatevApiError as error:
            outcome.add("expense postings", str(error))
    return outcome
