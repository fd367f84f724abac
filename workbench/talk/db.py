"""The Mandantentalk's SQLite database: schema, transactions and the append-only audit log.

It lives beside the transfer ledger (``Settings.talk_path``) and follows the ledger's GoBD rules
in the schema itself: talks, messages, attachments and audit entries are never deleted, audit
entries never changed (triggers). A message the Kanzlei takes back is marked deleted, and the
audit log keeps what it said.
"""

from __future__ import annotations

import getpass
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from workbench.sqlite_file import SqliteFile

__all__ = ["TalkDb", "now"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS talks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL,
    item_id TEXT NOT NULL,
    item_kind TEXT,
    source TEXT,
    row INTEGER,
    rule TEXT,
    label TEXT,
    recipient TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('offen', 'beantwortet', 'intern', 'geschlossen')),
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    closed_at TEXT,
    closed_by TEXT,
    close_reason TEXT
);
CREATE INDEX IF NOT EXISTS talks_client_item ON talks(client, item_id);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    talk_id INTEGER NOT NULL REFERENCES talks(id),
    author TEXT NOT NULL CHECK (author IN ('kanzlei', 'mandant')),
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    at TEXT NOT NULL,
    mail_due INTEGER NOT NULL DEFAULT 0,
    sent_at TEXT,
    read_at TEXT,
    deleted_at TEXT
);
CREATE INDEX IF NOT EXISTS messages_talk ON messages(talk_id);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id INTEGER NOT NULL REFERENCES messages(id),
    talk_id INTEGER NOT NULL REFERENCES talks(id),
    name TEXT NOT NULL,
    stored TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS access_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client TEXT NOT NULL,
    recipient TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    last_used_at TEXT,
    failed_logins INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    token_id INTEGER NOT NULL REFERENCES access_tokens(id),
    csrf TEXT NOT NULL,
    authenticated INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passwords (
    client TEXT NOT NULL,
    recipient TEXT NOT NULL,
    salt TEXT NOT NULL,
    hash TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (client, recipient)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    talk_id INTEGER,
    details TEXT
);
CREATE TRIGGER IF NOT EXISTS talk_audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS talk_audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS talks_never_deleted BEFORE DELETE ON talks
BEGIN SELECT RAISE(ABORT, 'talks are never deleted (GoBD)'); END;
CREATE TRIGGER IF NOT EXISTS messages_never_deleted BEFORE DELETE ON messages
BEGIN SELECT RAISE(ABORT, 'messages are never deleted (GoBD)'); END;
CREATE TRIGGER IF NOT EXISTS attachments_never_deleted BEFORE DELETE ON attachments
BEGIN SELECT RAISE(ABORT, 'attachments are never deleted (GoBD)'); END;
"""


def now() -> str:
    """UTC time stamp as stored (ISO 8601, seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # containers without a passwd entry
        return "unbekannt"


class TalkDb(SqliteFile):
    """The SQLite connection with the schema, one-transaction changes and the audit log."""

    def __init__(self, path: Path, *, files: Path, user: str | None = None) -> None:
        super().__init__(path, _SCHEMA)
        self.files = files
        self.user = user or _current_user()

    def audit(
        self,
        db: sqlite3.Connection,
        action: str,
        talk_id: int | None = None,
        *,
        user: str | None = None,
        **details: object,
    ) -> None:
        """Append one entry to the audit log (inside the caller's transaction)."""
        db.execute(
            "INSERT INTO audit (at, user, action, talk_id, details) VALUES (?,?,?,?,?)",
            (
                now(),
                user or self.user,
                action,
                talk_id,
                json.dumps(details, ensure_ascii=False, default=str),
            ),
        )

    def audit_log(self, talk_id: int | None = None) -> list[dict]:
        sql = "SELECT * FROM audit"
        args: tuple[object, ...] = ()
        if talk_id is not None:
            sql, args = sql + " WHERE talk_id = ?", (talk_id,)
        return [dict(row) for row in self._db.execute(sql + " ORDER BY id", args)]

    def query(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        return list(self._db.execute(sql, args))
