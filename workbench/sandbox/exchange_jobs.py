"""The account-postings jobs of Accounting Data Exchange: created at once, prepared in the
background, served in pages of 50,000.

A job is a snapshot: the bookings DATEV shows when the job is created (their ids are recorded
right away; a later change or deletion adds or hides rows, it never rewrites one). Rendering
the pages happens in a background thread while the job is PENDING, as DATEV prepares it
asynchronously; the job is COMPLETED once ``exchange_seconds`` of sandbox time have passed and
the pages are ready (a state request after that waits for a preparation still running, so a
frozen clock stays deterministic). Jobs are DELETED after 12 hours.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

from workbench.sandbox.processing import visible_job
from workbench.sandbox.seed import AccountingClient, FiscalYear
from workbench.sandbox.state import SandboxState

__all__ = ["PAGE_SIZE", "create_job", "job_state", "page"]

PAGE_SIZE = 50_000  # x-page-size: the OpenAPI file fixes it (minimum = maximum = 50000)


def create_job(
    state: SandboxState, client: AccountingClient, fiscal_year: FiscalYear, *, links: bool
) -> str:
    """Record the job and the bookings it covers; start preparing its pages."""
    _process_due_dxso_jobs(state, client)
    job_id = str(uuid.uuid4())
    now = state.clock.now()
    with state.store.transaction() as conn:
        conn.execute(
            "INSERT INTO exchange_jobs (id, client_id, fiscal_year, created_at, ready_at, "
            "document_links) VALUES (?,?,?,?,?,?)",
            (
                job_id,
                client.id,
                int(fiscal_year.start.strftime("%Y%m%d")),
                now,
                now + state.settings.exchange_seconds,
                int(links),
            ),
        )
        conn.execute(
            "INSERT INTO exchange_job_bookings SELECT ?, seq FROM account_bookings WHERE "
            "client_id = ? AND deleted = 0 AND visible_at <= ? AND date BETWEEN ? AND ?",
            (
                job_id,
                client.id,
                now,
                fiscal_year.start.isoformat(),
                fiscal_year.end.isoformat(),
            ),
        )
    done = threading.Event()
    state.preparing[job_id] = done
    threading.Thread(
        target=_prepare, args=(state, job_id, done), name="ade-job", daemon=True
    ).start()
    return job_id


def _process_due_dxso_jobs(state: SandboxState, client: AccountingClient) -> None:
    """DATEV processes dxso jobs whether anyone asks or not; the sandbox moves a job only when
    it is read, so every due one is read here before the bookings are taken."""
    rows = state.store.query(
        "SELECT id FROM dxso_jobs WHERE client_id = ? AND deleted = 0 AND status < 2 "
        "AND finalized_at IS NOT NULL ORDER BY finalized_at, rowid",
        (client.id,),
    )
    for row in rows:
        visible_job(state, client.id, row["id"])


def _prepare(state: SandboxState, job_id: str, done: threading.Event | None = None) -> None:
    try:
        [job] = state.store.query(
            "SELECT document_links FROM exchange_jobs WHERE id = ?", (job_id,)
        )
        column = "lines" if job[0] else "plain"
        # One concatenated string instead of a row per booking: half the time for 100,000.
        [row] = state.store.query(
            f"SELECT group_concat({column}, '') FROM (SELECT b.{column} FROM "
            "exchange_job_bookings j JOIN account_bookings b ON b.seq = j.seq "
            "WHERE j.job_id = ? ORDER BY b.date, b.seq)",
            (job_id,),
        )
        pages, total = _pages(row[0] or "")
        with state.store.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO exchange_pages VALUES (?,?,?)",
                [(job_id, number, body) for number, body in enumerate(pages, start=1)],
            )
            conn.execute(
                "UPDATE exchange_jobs SET total = ?, pages = ? WHERE id = ?",
                (total, len(pages), job_id),
            )
    except Exception:  # the store was reset or closed meanwhile: the job failed
        state.store.execute("UPDATE exchange_jobs SET failed = 1 WHERE id = ?", (job_id,))
    finally:
        if done is not None:
            done.set()


def _pages(text: str) -> tuple[list[bytes], int]:
    """NDJSON text cut after every 50,000th line (found, not split: no 100,000 strings)."""
    pages, start, total = [], 0, 0
    while start < len(text):
        end, count = start, 0
        while count < PAGE_SIZE:
            end = text.find("\n", end) + 1
            if end == 0:
                end = len(text)
                break
            count += 1
        pages.append(text[start:end].encode("utf-8"))
        total += count
        start = end
    return pages or [b""], total


def job_state(state: SandboxState, job: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The job (reloaded once prepared) and its ``jobState``."""
    now = state.clock.now()
    if now >= job["created_at"] + state.settings.exchange_retention_hours * 3600:
        return job, "DELETED"
    if now < job["ready_at"]:
        return job, "PENDING"
    if job["total"] is None and not job["failed"]:
        running = state.preparing.get(job["id"])
        if running is None:
            _prepare(state, job["id"])  # the sandbox restarted while the job was pending
        else:
            running.wait(timeout=120)
            state.preparing.pop(job["id"], None)
        [row] = state.store.query("SELECT * FROM exchange_jobs WHERE id = ?", (job["id"],))
        job = dict(row)
    if job["failed"]:
        return job, "FAILED"
    return job, "COMPLETED" if job["total"] is not None else "PENDING"


def page(state: SandboxState, job: dict[str, Any], number: int) -> bytes:
    rows = state.store.query(
        "SELECT body FROM exchange_pages WHERE job_id = ? AND page = ?", (job["id"], number)
    )
    return bytes(rows[0][0])
