"""DATEV-side processing of dxso jobs, as Belege online does it after `{"ready":"true"}`.

Status moves on the sandbox clock: 0 (open) until `processing_start_seconds` after finalising,
1 (processing) for `processing_seconds`, then 2/3/4. Transitions are evaluated whenever a job
is read, so a frozen clock holds a job in place and `advance` moves it deterministically; cash
jobs of one client run one at a time in the order they were finalised.

Checks: the official XSDs (document.xml and LedgerImport), then the business rules users
meet in DATEV's protocol (fiscal year created, account length, document type with folder,
consolidated amounts, characters DATEV rejects).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any

from workbench.sandbox import rules
from workbench.sandbox.postings import document_guid, ledger_bookings, store_bookings
from workbench.sandbox.seed import AccountingClient
from workbench.sandbox.state import SandboxState


@dataclass
class Entry:
    text: str
    type: str = "information"
    filename: str = ""
    context: str | None = None


@dataclass
class Outcome:
    status: int
    entries: list[Entry] = field(default_factory=list)
    invoices: list[str] = field(default_factory=list)
    bookings: list[dict[str, Any]] = field(default_factory=list)


def visible_job(state: SandboxState, client_id: str, job_id: str) -> dict[str, Any] | None:
    """The job after applying due transitions; None if unknown, deleted or past retention."""
    with state.store.transaction() as conn:
        row = conn.execute(
            "SELECT * FROM dxso_jobs WHERE id = ? AND client_id = ?", (job_id, client_id)
        ).fetchone()
        if row is None or row["deleted"]:
            return None
        job = dict(row)
        if job["import_type"] == "cashLedgerImport" and job["finalized_at"] is not None:
            chain = conn.execute(
                "SELECT * FROM dxso_jobs WHERE client_id = ? AND import_type = ? AND deleted = 0"
                " AND finalized_at IS NOT NULL AND finalized_at <= ? ORDER BY finalized_at, rowid",
                (client_id, "cashLedgerImport", job["finalized_at"]),
            ).fetchall()
        else:
            chain = [row]
        previous_done: float | None = None
        for item in chain:
            current = _advance(state, conn, dict(item), previous_done)
            previous_done = current["done_at"]
            if current["id"] == job_id:
                job = current
                break
            if previous_done is None:
                # An earlier cash job is still running: later ones wait (serialised).
                break
    last = max(v for v in (job["created_at"], job["finalized_at"], job["done_at"]) if v)
    if state.clock.now() > last + state.settings.retention_days * 86400:
        return None
    return job


def _advance(
    state: SandboxState, conn: sqlite3.Connection, job: dict[str, Any], previous_done: float | None
) -> dict[str, Any]:
    now = state.clock.now()
    settings = state.settings
    if job["status"] == 0 and job["finalized_at"] is not None:
        start = job["finalized_at"] + settings.processing_start_seconds
        if job["import_type"] == "cashLedgerImport" and previous_done is not None:
            start = max(start, previous_done)
        if now >= start:
            job["status"], job["started_at"] = 1, start
            conn.execute(
                "UPDATE dxso_jobs SET status = 1, started_at = ? WHERE id = ?", (start, job["id"])
            )
    if job["status"] == 1 and now >= job["started_at"] + settings.processing_seconds:
        done = job["started_at"] + settings.processing_seconds
        outcome = _process(state, conn, job)
        job["status"], job["done_at"] = outcome.status, done
        conn.execute(
            "UPDATE dxso_jobs SET status = ?, final_status = ?, done_at = ? WHERE id = ?",
            (outcome.status, outcome.status, done, job["id"]),
        )
        conn.executemany(
            "INSERT INTO protocol (job_id, time, visible_at, text, context, type, filename) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                (job["id"], done, done, e.text, e.context, e.type, e.filename)
                for e in outcome.entries
            ],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO invoices VALUES (?,?,?)",
            [(job["client_id"], inv, job["id"]) for inv in outcome.invoices],
        )
        store_bookings(conn, job["client_id"], job["id"], done, outcome.bookings)
    return job


def _process(state: SandboxState, conn: sqlite3.Connection, job: dict[str, Any]) -> Outcome:
    client = state.seed.client(job["client_id"])
    assert client is not None
    files = {
        r["name"]: bytes(r["content"])
        for r in conn.execute(
            "SELECT name, content FROM dxso_files WHERE job_id = ? ORDER BY seq", (job["id"],)
        )
    }
    if "document.xml" not in files:  # Assumption: status 3 and the text are ours
        return Outcome(
            3,
            [
                Entry(
                    "Die Datei document.xml fehlt. Die Datenübertragung wurde nicht verarbeitet.",
                    "error",
                )
            ],
        )
    schema_error = rules.xsd_error("document", files["document.xml"])
    if schema_error:
        return Outcome(
            3,
            [
                Entry(
                    f"Die Datei entspricht nicht dem XML-Schema: {schema_error}",
                    "error",
                    "document.xml",
                )
            ],
        )
    archive = rules.parse_document_xml(files["document.xml"])
    mismatch = rules.header_mismatch(archive, client)
    if mismatch:
        return Outcome(3, [Entry(mismatch, "error", "document.xml")])
    if job["import_type"] == "cashLedgerImport":
        later = conn.execute(
            "SELECT month FROM dxso_jobs WHERE client_id = ? AND import_type = ? "
            "AND status IN (2, 4) AND month > ?",
            (client.id, "cashLedgerImport", job["month"]),
        ).fetchone()
        if later:
            return Outcome(
                3,
                [
                    Entry(
                        f"Kassenbewegungen für {job['month']} können nicht übernommen werden: für "
                        f"{later['month']} wurden bereits Kassenbewegungen übertragen.",
                        "error",
                    )
                ],
            )
    entries = [Entry("nachfolgende Belege werden nach Belege online übernommen!")]
    ok = failed = 0
    invoices: list[str] = []
    bookings: list[dict[str, Any]] = []
    for number, document in enumerate(archive["documents"], start=1):
        doc_entries, doc_invoices, doc_bookings = _process_document(document, files, client, job)
        errors = [e for e in doc_entries if e.type == "error"]
        entries.extend(doc_entries)
        if errors:
            failed += 1
            entries.append(
                Entry(
                    "Beleg wurde nicht übernommen!",
                    "error",
                    document.get("datafile") or "",
                    f"Beleg {number}",
                )
            )
        else:
            ok += 1
            invoices.extend(doc_invoices)
            bookings.extend(doc_bookings)
    described = {
        name
        for d in archive["documents"]
        for name in d["files"] + ([d["datafile"]] if d["datafile"] else [])
    }
    # Assumption: an undescribed file is a warning (DATEV documents no answer for it).
    for name in sorted(set(files) - described - {"document.xml"}):
        entries.append(
            Entry(
                "Die Datei ist in document.xml nicht beschrieben und wurde nicht übernommen.",
                "warning",
                name,
            )
        )
    status = 2 if failed == 0 else (3 if ok == 0 else 4)
    entries.append(Entry(f"Verarbeitung abgeschlossen: {ok} von {ok + failed} Belegen übernommen."))
    return Outcome(status, entries, invoices, bookings)


def _process_document(
    document: dict[str, Any],
    files: dict[str, bytes],
    client: AccountingClient,
    job: dict[str, Any],
) -> tuple[list[Entry], list[str], list[dict[str, Any]]]:
    """Protocol entries, invoice ids and bookings of one Beleg (bookings only if taken over)."""
    entries: list[Entry] = []
    missing = [name for name in document["files"] if name not in files]
    for name in missing:
        entries.append(Entry(f"Die Datei {name} wurde nicht übertragen.", "error", name))
    invoices: list[str] = []
    ledger = document.get("ledger")
    if ledger:
        problems, invoices = rules.check_ledger(ledger, files, client, job)
        entries.extend(
            Entry(text, "error", ledger["datafile"], context) for text, context in problems
        )
    if any(e.type == "error" for e in entries):
        return entries, [], []
    ids = {name: document_guid() for name in document["files"]}
    for name in document["files"] + ([ledger["datafile"]] if ledger else []):
        beleg_id = ids[name].replace("-", "") if name in ids else uuid.uuid4().hex.upper()
        entries.append(
            Entry(
                "wurde in die Belegverwaltung übernommen!",
                filename=name,
                context=f"Beleg-ID Nr. {beleg_id}",
            )
        )
    if ledger:
        book = rules.LEDGER_BOOKS[ledger["kind"]]
        for invoice_id, period in ledger.get("summary", []):
            entries.append(
                Entry(
                    f"Rechnungsinformation wurden an {book}({invoice_id}/{period}) übergeben!",
                    filename=ledger["datafile"],
                )
            )
    bookings = (
        ledger_bookings(
            ledger["kind"],
            files[ledger["datafile"]],
            client,
            cash_account=ledger.get("cash_account"),
            document_guid=next(iter(ids.values()), None),
        )
        if ledger
        else []
    )
    return entries, invoices, bookings


def cancel(state: SandboxState, client_id: str, job_id: str, *, refused: bool) -> int | None:
    """Storno in Belege online: 5 when it worked, 6 when DATEV refused it."""
    job = visible_job(state, client_id, job_id)
    if job is None or job["status"] not in (2, 4):
        return None
    status = 6 if refused else 5
    now = state.clock.now()
    text = (
        "Die Stornierung wurde abgelehnt; die Belege bleiben in DATEV Unternehmen online."
        if refused
        else "Die Verarbeitung wurde in Belege online storniert."
    )
    with state.store.transaction() as conn:
        # done_at stays: it orders the cash chain and starts the retention period.
        conn.execute("UPDATE dxso_jobs SET status = ? WHERE id = ?", (status, job_id))
        conn.execute(
            "INSERT INTO protocol (job_id, time, visible_at, text, context, type, "
            "filename) VALUES (?,?,?,?,?,?,?)",
            (job_id, now, now, text, None, "warning" if refused else "information", ""),
        )
        if not refused:
            conn.execute("DELETE FROM invoices WHERE job_id = ?", (job_id,))
            conn.execute("UPDATE account_bookings SET deleted = 1 WHERE origin = ?", (job_id,))
    return status
