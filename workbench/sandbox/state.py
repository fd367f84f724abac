"""Sandbox state: seed, clock, faults and a thread-safe SQLite store.

In memory by default; with `state_dir` the database lives in `state_dir/sandbox.sqlite3`, so a
restarted sandbox still knows its tokens, jobs, files and protocols. One connection behind a
lock keeps concurrent requests (uvicorn's thread pool) safe without SQLite busy errors.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError
from workbench.sandbox.clock import Clock
from workbench.sandbox.faults import Faults
from workbench.sandbox.seed import FiscalYear, Seed, load_seed

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL, scope TEXT NOT NULL,
    expires_at REAL NOT NULL, used INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS dxso_jobs (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, import_type TEXT, month TEXT,
    created_at REAL NOT NULL, finalized_at REAL, started_at REAL, done_at REAL,
    status INTEGER NOT NULL DEFAULT 0, final_status INTEGER, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS dxso_files (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, name TEXT NOT NULL,
    size INTEGER NOT NULL, content BLOB NOT NULL, uploaded_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS dxso_files_job_name ON dxso_files(job_id, name);
CREATE TABLE IF NOT EXISTS protocol (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL, time REAL NOT NULL,
    visible_at REAL NOT NULL, text TEXT NOT NULL, context TEXT, type TEXT NOT NULL,
    filename TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS protocol_job ON protocol(job_id);
CREATE TABLE IF NOT EXISTS extf_jobs (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, received_at REAL NOT NULL,
    ready_at REAL NOT NULL, job TEXT NOT NULL, outcome TEXT NOT NULL, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    file_id TEXT PRIMARY KEY, document_id TEXT NOT NULL, client_id TEXT NOT NULL,
    received_at REAL NOT NULL, sha256 TEXT NOT NULL, body TEXT NOT NULL, content BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS documents_id ON documents(document_id);
CREATE INDEX IF NOT EXISTS documents_hash ON documents(client_id, sha256);
CREATE TABLE IF NOT EXISTS expense_postings (
    id TEXT PRIMARY KEY, order_id INTEGER NOT NULL, suborder_id INTEGER NOT NULL,
    body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invoices (
    client_id TEXT NOT NULL, invoice_id TEXT NOT NULL, job_id TEXT NOT NULL,
    PRIMARY KEY (client_id, invoice_id));
CREATE TABLE IF NOT EXISTS revocations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, client_id TEXT NOT NULL,
    sub TEXT, revoked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS account_bookings (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, origin TEXT NOT NULL,
    date TEXT NOT NULL, visible_at REAL NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
    posting TEXT NOT NULL, lines TEXT NOT NULL, plain TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS account_bookings_client ON account_bookings(client_id, date);
CREATE INDEX IF NOT EXISTS account_bookings_origin ON account_bookings(origin);
CREATE TABLE IF NOT EXISTS exchange_jobs (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, fiscal_year INTEGER NOT NULL,
    created_at REAL NOT NULL, ready_at REAL NOT NULL, document_links INTEGER NOT NULL,
    total INTEGER, pages INTEGER, failed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS exchange_job_bookings (job_id TEXT NOT NULL, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS exchange_job_bookings_job ON exchange_job_bookings(job_id);
CREATE TABLE IF NOT EXISTS exchange_pages (
    job_id TEXT NOT NULL, page INTEGER NOT NULL, body BLOB NOT NULL,
    PRIMARY KEY (job_id, page));
CREATE TABLE IF NOT EXISTS fiscal_years (
    client_id TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,
    PRIMARY KEY (client_id, start));
"""

TABLES = (
    "tokens",
    "dxso_jobs",
    "dxso_files",
    "protocol",
    "extf_jobs",
    "documents",
    "expense_postings",
    "invoices",
    "fiscal_years",
    "revocations",
    "account_bookings",
    "exchange_jobs",
    "exchange_job_bookings",
    "exchange_pages",
)


def _private_database(folder: Path) -> Path:
    """The database file in ``folder``, both readable by the owner only: the token table holds
    live tokens. Created 0600 before SQLite opens it (its -wal and -shm files take the same
    rights); an existing one is made private."""
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / "sandbox.sqlite3"
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for existing in (path, folder / "sandbox.sqlite3-wal", folder / "sandbox.sqlite3-shm"):
        if existing.exists():
            os.chmod(existing, 0o600)
    return path


def _columns(conn: sqlite3.Connection) -> dict[str, list[str]]:
    return {
        table: [row[1] for row in conn.execute(f"PRAGMA table_info({table})")] for table in TABLES
    }


def _missing(columns: list[str]) -> str:
    if len(columns) == 1:
        return f"Spalte {columns[0]} fehlt"
    return f"Spalten {', '.join(columns)} fehlen"


def _refuse_an_older_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Stop with what to do when ``path`` was written by another version of the sandbox.

    ``CREATE TABLE IF NOT EXISTS`` keeps an existing table as it is, so a table written by an
    older version would fail at its first write (HTTP 500 "has no column named ..."). The
    sandbox only stands in for DATEV: starting again from its seed loses nothing of the user's.
    """
    with contextlib.closing(sqlite3.connect(":memory:")) as fresh:
        fresh.executescript(SCHEMA)
        expected = _columns(fresh)
    for table, columns in _columns(conn).items():
        missing = [name for name in expected[table] if name not in columns]
        if missing:
            conn.close()
            raise ConfigError(
                f"Sandbox-Zustand veraltet: {path} stammt von einer anderen Version der Werkbank "
                f"(Tabelle {table}: {_missing(missing)}). Bitte den Ordner "
                f"{path.parent} löschen; die Sandbox beginnt dann neu mit ihren Beispielmandanten.",
                file=str(path),
            )


class Store:
    """SQLite behind one lock; rows come back as `sqlite3.Row`."""

    def __init__(self, path: Path | None) -> None:
        target = str(path) if path else ":memory:"
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            if path:
                self._conn.execute("PRAGMA journal_mode=WAL")
                self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)
            if path:
                _refuse_an_older_schema(self._conn, path)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a read-modify-write sequence and commit it atomically."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        with self._lock:
            return self._conn.execute(sql, params).rowcount

    def clear(self) -> None:
        with self.transaction() as conn:
            for table in TABLES:
                conn.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@dataclass
class Settings:
    """Timing knobs. Defaults keep every final status within 10 s of real time."""

    access_token_seconds: float = 900.0
    refresh_token_seconds: float = 11 * 3600.0
    offline_refresh_token_seconds: float = 2 * 366 * 86400.0
    code_seconds: float = 60.0
    processing_start_seconds: float = 1.0
    processing_seconds: float = 3.0
    extf_seconds: float = 2.0
    exchange_seconds: float = 1.0
    exchange_retention_hours: float = 12.0
    retention_days: float = 60.0


@dataclass
class SandboxState:
    """Everything one sandbox server knows; tests reach it through `RunningSandbox.state`."""

    seed_data: dict[str, Any]
    store: Store
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    settings: Settings = field(default_factory=Settings)
    control: bool = False
    #: Account-postings jobs whose pages a background thread is still preparing.
    preparing: dict[str, threading.Event] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.seed = Seed(self.seed_data)
        self._apply_stored_fiscal_years()

    @classmethod
    def create(
        cls,
        *,
        seed: Path | None = None,
        state_dir: Path | None = None,
        control: bool = False,
        faults: str | None = None,
    ) -> SandboxState:
        path = None
        if state_dir is not None:
            path = _private_database(Path(state_dir))
        return cls(
            seed_data=load_seed(seed),
            store=Store(path),
            control=control,
            faults=Faults.parse(faults),
        )

    def _apply_stored_fiscal_years(self) -> None:
        for row in self.store.query("SELECT client_id, start, end FROM fiscal_years"):
            client = self.seed.client(row["client_id"])
            fy = FiscalYear(date.fromisoformat(row["start"]), date.fromisoformat(row["end"]))
            if client and fy not in client.fiscal_years:
                client.fiscal_years.append(fy)
                client.fiscal_years.sort(key=lambda f: f.start)

    def remember_fiscal_year(self, client_id: str, fy: FiscalYear) -> None:
        self.store.execute(
            "INSERT OR IGNORE INTO fiscal_years VALUES (?, ?, ?)",
            (client_id, fy.start.isoformat(), fy.end.isoformat()),
        )

    def reset(self) -> None:
        """Forget every token, job, file and protocol and reload the seed."""
        self.store.clear()
        self.seed = Seed(self.seed_data)
        self.faults.clear()
        self.preparing.clear()

    def expire_access_tokens(self) -> None:
        """Early token expiry: every issued access token stops working now."""
        self.store.execute(
            "UPDATE tokens SET expires_at = ? WHERE kind = 'access'", (self.clock.now() - 1,)
        )
