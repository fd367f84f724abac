"""Checks and sandbox agree, row by row (issue 13; ARCHITECTURE §4.2).

Each row is one defect on otherwise clean data of DATEV's demo client 29098-55003 (seeded like
DATEV's, with DATEV's rules, see workbench/sandbox/README.md). The same items go through
``check`` and, unblocked, straight to the sandbox (``agreement_send``: DATEV files written
without the workbench's guards, sent by the production client over a real socket). Then:

* every row the sandbox rejects is an ``error`` in the check, and the row's DATEV rule fired;
* every ``error`` names the DATEV rule it predicts (``workbench.checks.predictions``) and that
  rule fired, or it is stricter than DATEV on purpose and its message says so;
* what DATEV accepts gets no error, and the rows DATEV's own data settle (short Sachkonto,
  amount without decimals, correction invoice, ...) no warning either: at most an info.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
from agreement_send import extf_file, send_extf, send_postings, send_xml

from workbench.checks import check
from workbench.checks.predictions import prediction
from workbench.clients import ClientSettings
from workbench.config import sandbox_endpoints
from workbench.sandbox import start_sandbox
from workbench.sources.schema import canonical_schema
from workbench.transfer.auth import Session, login
from workbench.transfer.client import DatevClient, RetryPolicy

SEED = Path(__file__).resolve().parents[1] / "data" / "sandbox" / "default.json"
CLIENT = "29098-55003"
FAMILIES = ("encoding", "account", "fiscal_year", "field", "amount", "duplicate", "cash",
            "attachment", "transfer", "calls")  # fmt: skip
BIG = 20 * 1024 * 1024 + 1


def item(**changes) -> dict:
    """A clean outgoing invoice of the demo client; ``changes`` put one defect on it."""
    base = {
        "document_id": "B-1", "item_id": "I-1", "document_kind": "Rechnungsausgang",
        "date": date(2024, 1, 15), "accounting_month": "2024-01", "amount": 119.0,
        "currency_code": "EUR", "account_no": "8400", "party_account_no": "10100",
        "bu_code": None, "tax": 19.0, "invoice_id": "R-2024-001", "internal_invoice_id": None,
        "booking_text": "Holzlieferung", "cost_category_id": "100", "cost_category_id2": None,
        "cost_amount": None, "party_name": "Möbelhaus Muster", "party_city": "Nürnberg",
        "vat_id": None, "iban": None, "swift_code": None, "delivery_date": None,
        "paid_at": None, "due_date": None, "information": None, "block_transfer": False,
        "attachment": None,
    }  # fmt: skip
    return {**base, **changes}


def cash(document_id: str, day: date, amount: float, **changes) -> dict:
    return item(document_id=document_id, item_id=f"{document_id}-{day:%d}-{amount}",
                document_kind="Kasse", date=day, accounting_month=f"{day:%Y-%m}", amount=amount,
                party_account_no=None, invoice_id=None, booking_text="Tageseinnahmen",
                cost_category_id=None, **changes)  # fmt: skip


def call(call_id: str = "C-1", seconds: int = 65) -> dict:
    return {"call_id": call_id, "started_at": datetime(2026, 1, 5, 9, 30), "duration_s": seconds,
            "direction": "outbound", "answered": True, "remote_number": "+49 911 4711-0",
            "extension": "11", "user": "Sabine Schröder", "note": "Rückfrage Lohn"}  # fmt: skip


@dataclass(frozen=True)
class Row:
    id: str
    target: str  # xml | extf | expense
    items: tuple[dict, ...]
    datev: str | None  # the sandbox rule that rejects it; None: DATEV accepts
    rule: str | None = None  # the check rule that must report it ...
    severity: str = "error"  # ... with this severity
    client: str = CLIENT
    settings: dict = field(default_factory=dict)  # the user's overrides (favourites, ...)
    before: tuple[dict, ...] = ()  # sent first (clean), e.g. a later cash month
    files: dict[str, int] = field(default_factory=dict)  # Belegbilder on disk: name -> size
    raw: dict[str, str] = field(default_factory=dict)  # EXTF text as the file has it
    bom: bool = False  # EXTF as UTF-8 with BOM
    quiet: bool = False  # DATEV accepts: no error and no warning

    @property
    def family(self) -> str:
        return (self.rule or "").split(".")[0]


X, E = "xml", "extf"
ROWS = [
    # -- clean data and what DATEV's own data settle: accepted, at most an info --------------
    Row("clean", X, (item(),), None, quiet=True),
    Row("clean-extf", E, (item(),), None, quiet=True),
    Row("short-sachkonto-85", X, (item(account_no="85"),), None, "account.short", "info",
        quiet=True),
    Row("short-sachkonto-extf", E, (item(account_no="85"),), None, "account.short", "info",
        quiet=True),
    Row("amount-without-decimals-extf", E, (item(amount=64083.0),), None,
        raw={"Umsatz": "64083"}, quiet=True),
    Row("correction-invoice", X, (item(amount=-119.0, invoice_id="RK-2024-001"),), None,
        quiet=True),
    Row("historic-currency-dem", X, (item(currency_code="DEM"),), None, quiet=True),
    Row("booking-text-over-30", X, (item(booking_text="Holzlieferung Eiche massiv, "
        "Zuschnitt nach Maß"),), None, "field.truncated", "info", quiet=True),
    Row("blocked-item-sent-anyway", X, (item(block_transfer=True),), None, "transfer.blocked",
        "info", quiet=True),
    # -- encoding.* ---------------------------------------------------------------------------
    Row("nbsp", X, (item(booking_text="Holz\u00a0Eiche"),), "xml.intruder_alert",
        "encoding.exotic_space"),
    Row("narrow-nbsp", X, (item(party_name="Möbel\u202fMuster"),), "xml.intruder_alert",
        "encoding.exotic_space"),
    Row("zero-width-space", X, (item(party_city="Nürn\u200bberg"),), "xml.intruder_alert",
        "encoding.exotic_space"),
    Row("nbsp-extf", E, (item(booking_text="Holz\u00a0Eiche"),), None, "encoding.exotic_space"),
    Row("control-character", X, (item(booking_text="Holz\x1fEiche"),), "xml.intruder_alert",
        "encoding.control_character"),
    Row("control-character-extf", E, (item(booking_text="Holz\x1fEiche"),),
        "extf.control_characters", "encoding.control_character"),
    Row("octal-escape", X, (item(party_name="M\\366bel Muster"),), "xml.intruder_alert",
        "encoding.escape_sequence"),
    Row("html-entity", X, (item(party_name="M&ouml;bel Muster"),), "xml.intruder_alert",
        "encoding.escape_sequence"),
    Row("private-use", X, (item(booking_text="Holz\ue000"),), "xml.intruder_alert",
        "encoding.rejected_character"),
    Row("emoji-extf", E, (item(booking_text="Holz 🪵"),), None, "encoding.not_cp1252", bom=True),
    Row("kost-outer-space", X, (item(cost_category_id=" 100"),), "xml.ledger_schema",
        "encoding.outer_space"),
    # -- account.* ----------------------------------------------------------------------------
    Row("account-letters", X, (item(account_no="84O0"),), "xml.ledger_schema",
        "account.non_numeric"),
    Row("account-too-long", X, (item(account_no="840000"),), "xml.account_length",
        "account.length_mismatch"),
    Row("account-too-long-extf", E, (item(account_no="840000"),), "extf.account",
        "account.length_mismatch"),
    Row("personal-account-as-sachkonto", X, (item(account_no="84000"),), None,
        "account.length_mismatch"),
    Row("personal-account-too-long", X, (item(party_account_no="101000"),),
        "xml.personal_account_length", "account.personal_length_mismatch"),
    # -- amount.* -----------------------------------------------------------------------------
    Row("amount-zero", X, (item(amount=0.0),), "xml.ledger_schema", "amount.zero"),
    Row("amount-zero-extf", E, (item(amount=0.0),), "extf.amount", "amount.zero"),
    Row("amount-three-decimals", X, (item(amount=119.005),), "xml.ledger_schema",
        "amount.decimals"),
    Row("amount-eleven-digits", X, (item(amount=12345678901.0),), "xml.ledger_schema",
        "amount.range"),
    Row("tax-rate-100", X, (item(tax=100.0),), "xml.ledger_schema", "amount.tax_rate"),
    Row("tax-rate-17", X, (item(tax=17.0),), None, "amount.tax_rate"),
    # -- field.* ------------------------------------------------------------------------------
    Row("invoice-id-missing", X, (item(invoice_id=None),), "xml.ledger_schema",
        "field.required"),
    Row("invoice-id-underscore", X, (item(invoice_id="R_2024_001"),), "xml.ledger_schema",
        "field.pattern"),
    Row("invoice-id-underscore-extf", E, (item(invoice_id="R_2024_001"),), "extf.belegfeld1",
        "field.pattern"),
    Row("invoice-id-37", X, (item(invoice_id="R" * 37),), "xml.ledger_schema",
        "field.max_length"),
    Row("booking-text-61-extf", E, (item(booking_text="x" * 61),), "extf.buchungstext",
        "field.max_length"),
    Row("currency-unknown", X, (item(currency_code="XYZ"),), "xml.ledger_schema",
        "field.currency"),
    Row("vat-id-hyphen", X, (item(vat_id="DE-123456789"),), "xml.ledger_schema",
        "field.vat_id"),
    Row("iban-checksum", X, (item(iban="DE89370400440532013001"),), None, "field.iban"),
    # -- fiscal_year.* ------------------------------------------------------------------------
    Row("fiscal-year-missing", X, (item(date=date(2028, 1, 14), accounting_month="2028-01"),),
        "dxso.not_configured", "fiscal_year.not_created"),
    Row("fiscal-year-missing-extf", E, (item(date=date(2028, 1, 14),
        accounting_month="2028-01"),), "extf.fiscal_year", "fiscal_year.not_created"),
    Row("date-outside-buchungsmonat", X, (item(date=date(2024, 2, 3)),),
        "xml.consolidated_period", "fiscal_year.month_mismatch"),
    # -- document_types.* (folders) -----------------------------------------------------------
    Row("no-folder-in-datev", X, (item(date=date(2026, 1, 15), accounting_month="2026-01",
        account_no="84000", party_account_no="101000"),), "dxso.not_configured",
        "document_types.no_folder", client="455148-2"),
    Row("favourite-folder-missing", X, (item(),), "xml.folder", "document_types.no_folder",
        settings={"folders": {"Rechnungsausgang": "Gibt es nicht"}}),
    Row("favourite-cash-book-missing", X, (cash("K-7", date(2024, 6, 3), 25.0),),
        "xml.cash_book", "document_types.no_folder",
        settings={"folders": {"Kasse": "Kasse Nebenraum"}}),
    # -- duplicate.* --------------------------------------------------------------------------
    Row("invoice-id-twice", X, (item(), item(document_id="B-2", item_id="I-2")), None,
        "duplicate.invoice_id"),
    Row("item-twice", X, (item(), item()), None, "duplicate.item_id"),
    Row("item-twice-extf", E, (item(), item()), None, "duplicate.item_id"),
    # -- cash.* (months ascending: DATEV takes no older cash month) --------------------------
    Row("cash-two-dates", X, (cash("K-1", date(2024, 2, 5), 50.0),
        cash("K-1", date(2024, 2, 6), 30.0)), "xml.consolidated_match", "cash.multiple_dates"),
    Row("cash-chronology", X, (cash("K-2", date(2024, 3, 10), 50.0),
        cash("K-3", date(2024, 3, 5), 20.0)), None, "cash.chronology"),
    Row("cash-negative", X, (cash("K-4", date(2024, 4, 2), -50.0),), None,
        "cash.negative_balance"),
    Row("cash-older-month", X, (cash("K-6", date(2024, 4, 30), 40.0),),
        "xml.cash_month_order", "cash.month_already_transferred", client="455148-1",
        settings={"last_transferred_cash_month": "2024-05"},
        before=(cash("K-5", date(2024, 5, 31), 40.0),)),
    # -- attachment.* -------------------------------------------------------------------------
    Row("belegbild-missing", X, (item(attachment="R-2024-001.pdf"),), "xml.file_missing",
        "attachment.missing"),
    Row("belegbild-zip", X, (item(attachment="R-2024-001.zip"),), "dxso.file_type",
        "attachment.unsupported_type", files={"R-2024-001.zip": 100}),
    Row("belegbild-over-20-mb", X, (item(attachment="R-2024-001.pdf"),), "dxso.file_size",
        "attachment.too_large", files={"R-2024-001.pdf": BIG}),
    Row("belegbild-empty", X, (item(attachment="R-2024-001.pdf"),), "dxso.file_type",
        "attachment.empty", files={"R-2024-001.pdf": 0}),
    # -- calls.* (expense postings of the call billing) ---------------------------------------
    Row("call-clean", "expense", (call(),), None, quiet=True),
    Row("call-negative-duration", "expense", (call(seconds=-60),), "expense.fields",
        "calls.invalid_duration"),
    Row("call-id-twice", "expense", (call(), call()), None, "duplicate.call_id"),
]  # fmt: skip


@pytest.fixture(scope="module")
def sandbox():
    with start_sandbox(control=True) as running:
        running.state.clock.freeze()
        yield running


@pytest.fixture(scope="module")
def datev(sandbox):
    endpoints = sandbox_endpoints(sandbox.url)
    with DatevClient(endpoints, client_id="workbench-sandbox",
                     connect_auth=("datevconnect", "sandbox"),
                     retry=RetryPolicy(attempts=3, backoff=0.01)) as client:  # fmt: skip
        tokens = login(client, client_secret="sandbox-secret",
                       authorize_url=endpoints["authorize"],
                       open_browser=client.approve_in_sandbox, offline=True)  # fmt: skip
        client.tokens = Session(client, client_secret="sandbox-secret", tokens=tokens)
        yield client


def settings_of(row: Row) -> ClientSettings:
    clients = json.loads(SEED.read_text(encoding="utf-8"))["accounting_clients"]
    raw = next(c for c in clients if c["id"] == row.client)
    return ClientSettings.from_dict(raw).with_overrides(row.settings)


def findings_of(row: Row, settings: ClientSettings, folder: Path) -> pl.DataFrame:
    kind = "calls" if row.target == "expense" else "receipts"
    schema = canonical_schema(kind)
    records = [{**values, "source_file": "quelle.csv", "source_row": n}
               for n, values in enumerate(row.items, start=2)]  # fmt: skip
    frame = pl.DataFrame(records, schema=schema)
    if kind == "calls":
        return check(frame, "calls", settings=None)
    return check(frame, "receipts", settings=settings, target=row.target,
                 attachment_folders={"quelle.csv": folder},
                 attachment_sizes={n: s for n, s in row.files.items()})  # fmt: skip


def send(row: Row, settings: ClientSettings, datev, sandbox, folder: Path):
    client = row.client
    if row.target == "expense":
        return send_postings(datev, [
            {"employee_id": "e1000000000000000000000000000001", "work_date": "2026-01-05",
             "cost_position": "TELB", "time_units": int(c["duration_s"] // 3) or 1,
             "comment": c["note"]} for c in row.items])  # fmt: skip
    if row.target == "extf":
        consultant, number = (int(p) for p in client.split("-"))
        day = row.items[0]["date"]
        year = settings.fiscal_year_of(day)
        content = extf_file(
            list(row.items),
            consultant=consultant,
            client=number,
            fiscal_year_start=year[0] if year else date(day.year, 1, 1),
            account_length=settings.account_length,
            raw=row.raw,
            bom=row.bom,
        )
        return send_extf(datev, sandbox, client, content)  # fmt: skip
    folders = {t.name: t.folder for t in settings.document_types if t.folder}
    if row.before:
        earlier = send_xml(datev, sandbox, client, list(row.before), folders=folders,
                           attachments=folder)  # fmt: skip
        assert not earlier.rules, earlier.texts
    return send_xml(datev, sandbox, client, list(row.items), folders=folders, attachments=folder)


OUTCOMES: dict[str, tuple[Row, set[str]]] = {}


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_checks_and_datev_agree(row, datev, sandbox, tmp_path):
    for name, size in row.files.items():
        (tmp_path / name).write_bytes((b"%PDF-1.4\n" + b"0" * max(size - 9, 0))[:size])
    settings = settings_of(row)
    findings = findings_of(row, settings, tmp_path)
    outcome = send(row, settings, datev, sandbox, tmp_path)
    OUTCOMES[row.id] = (row, outcome.rules)
    shown = findings.select("rule", "severity", "message").rows()
    errors = findings.filter(pl.col("severity") == "error")
    # the row's DATEV rule fired (and nothing else), or DATEV accepted everything
    if row.datev:
        assert row.datev in outcome.rules, (outcome.texts, shown)
        assert not {r for r in outcome.rules if r.startswith("unknown")}, outcome.texts
    else:
        assert not outcome.rules and outcome.answered, (outcome.texts, shown)
    # the row's check rule, with its severity
    if row.rule:
        assert (row.rule, row.severity) in set(findings.select("rule", "severity").rows()), shown
    # every rejection is an error of the check ...
    if outcome.rules:
        assert errors.height, (outcome.texts, shown)
    # ... and every error names the DATEV rule that fired, or is stricter on purpose
    for rule, message in errors.select("rule", "message").rows():
        predicted = prediction(rule, row.target)
        assert predicted is not None, (rule, row.target)
        if set(predicted.datev) & outcome.rules:
            continue
        assert predicted.stricter, (rule, outcome.texts)
        if row.target != "expense":  # the call log itself never goes to DATEV
            assert "strenger als DATEV" in message, (rule, message)
    if row.quiet:
        assert findings.filter(pl.col("severity") != "info").is_empty(), shown


def test_the_table_covers_every_rule_family():
    """At least 30 rows, every rule family of ARCHITECTURE §4.2, and the named cases."""
    assert len(ROWS) >= 30
    assert set(FAMILIES) <= {row.family for row in ROWS} | {"transfer"}
    names = {row.id for row in ROWS}
    assert {"nbsp", "short-sachkonto-85", "amount-without-decimals-extf",
            "correction-invoice"} <= names  # fmt: skip
    assert sum(1 for row in ROWS if row.datev) >= 20
