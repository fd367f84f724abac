"""The transfer ledger: a SQLite record of every transfer, its items, files and an audit log.

GoBD-minded rules live in the schema itself, not only in code: items and audit entries can
never be deleted and audit entries never changed (triggers), so the ledger stays a faithful
history even if a bug or a user tries otherwise. Every change is one transaction, so a crash at
any moment leaves the ledger consistent and the next run resumes from what it says.

Statuses follow seed 004: the *local* status says where the workbench is, the *DATEV* status
(dxso 0-6, or EXTF pending/succeeded/failed) what DATEV reported when it was last asked. The
last DATEV status and protocol are kept for good, even after DATEV deletes them (404).
"""

from __future__ import annotations

import getpass
import json
import sqlite3
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from workbench.clients import normalise_client_id
from workbench.errors import TransferError
from workbench.sqlite_file import SqliteFile
from workbench.transfer.ledger_schema import (
    DATEV_STATUS,
    IN_PROGRESS,
    ITEM_FIELDS,
    LOCAL_STATUSES,
    SCHEMA,
)

__all__ = [
    "DATEV_STATUS",
    "IN_PROGRESS",
    "ITEM_FIELDS",
    "LOCAL_STATUSES",
    "Ledger",
    "Transfer",
    "datev_status_text",
]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Transfer:
    """One row of the ledger."""

    id: str
    client: str
    kind: str
    channel: str
    month: str | None
    document_kind: str | None
    package_no: int
    local_status: str
    datev_status: str | None
    job_id: str | None
    package_path: str | None
    max_files_reached: bool
    retransfer_of: str | None
    protocol: list[dict] | None
    protocol_fetched_at: str | None
    error: str | None
    created_at: str
    updated_at: str

    @property
    def datev_status_text(self) -> str:
        """DATEV status as seed 004 shows it (``Fertig``, ``Zu Prüfen`` …)."""
        return datev_status_text(self.datev_status)


def datev_status_text(status: str | None) -> str:
    """A DATEV status (dxso ``0``-``6``, EXTF ``pending``/``succeeded``/``failed``) as seed 004
    shows it: ``2`` → ``Fertig``."""
    if status is None:
        return ""
    if status.isdigit():
        return DATEV_STATUS.get(int(status), (status, ""))[0]
    return {"pending": "In Arbeit", "succeeded": "Fertig", "failed": "Abgebrochen"}.get(
        status, status
    )


#: The fewest first characters of a transfer id that name it (``workbench status 7f3a``).
MIN_PREFIX = 4


def _new_id() -> str:
    return uuid.uuid4().hex


class Ledger(SqliteFile):
    """The SQLite transfer ledger at ``path`` (created on first use).

    >>> ledger = Ledger(Path(":memory:"))  # doctest: +SKIP
    """

    def __init__(self, path: Path, *, user: str | None = None) -> None:
        super().__init__(path, SCHEMA)
        self.user = user or _current_user()

    def _audit(
        self, db: sqlite3.Connection, action: str, transfer_id: str | None, **details: object
    ) -> None:
        db.execute(
            "INSERT INTO audit (at, user, action, transfer_id, details) VALUES (?,?,?,?,?)",
            (
                _now(),
                self.user,
                action,
                transfer_id,
                json.dumps(details, ensure_ascii=False, default=str),
            ),
        )

    # --- reading -----------------------------------------------------------------------------

    def get(self, transfer_id: str) -> Transfer:
        row = self._db.execute("SELECT * FROM transfers WHERE id = ?", (transfer_id,)).fetchone()
        if row is None:
            raise TransferError(
                f"Die Übertragung {transfer_id} ist im Übertragungsprotokoll nicht vorhanden."
            )
        return _transfer(row)

    def resolve(self, text: str) -> str:
        """The id of the transfer ``text`` names: its whole id or its first characters (at
        least four, as ``workbench status`` shows ids of 32), like a commit in git."""
        wanted = text.strip().lower()
        if self._db.execute("SELECT 1 FROM transfers WHERE id = ?", (wanted,)).fetchone():
            return wanted
        found = []
        if len(wanted) >= MIN_PREFIX and all(char in "0123456789abcdef" for char in wanted):
            found = [
                row[0]
                for row in self._db.execute(
                    "SELECT id FROM transfers WHERE substr(id, 1, ?) = ? ORDER BY rowid",
                    (len(wanted), wanted),
                )
            ]
        if len(found) > 1:
            raise TransferError(
                f"Die Angabe {text} ist mehrdeutig: sie passt zu den Übertragungen "
                f"{', '.join(found)}. Geben Sie mehr Zeichen der ID an."
            )
        if not found:
            raise TransferError(
                f"Die Übertragung {text} ist im Übertragungsprotokoll nicht vorhanden. "
                f"Geben Sie die ID aus 'workbench status' an (mindestens die ersten "
                f"{MIN_PREFIX} Zeichen)."
            )
        return found[0]

    def transfers(self, *, client: str | None = None) -> list[Transfer]:
        sql = "SELECT * FROM transfers"
        args: tuple[str, ...] = ()
        if client:
            sql, args = sql + " WHERE client = ?", (normalise_client_id(client, allow_number=True),)
        return [_transfer(row) for row in self._db.execute(sql + " ORDER BY rowid", args)]

    def items(self, transfer_id: str) -> list[dict]:
        rows = self._db.execute(
            "SELECT * FROM transfer_items WHERE transfer_id = ? ORDER BY source_file, source_row",
            (transfer_id,),
        )
        return [dict(row) for row in rows]

    def item_rows(self, transfer_id: str) -> list[tuple[str, str | None, int | None, str | None]]:
        """``(item_id, source_file, source_row, record_ref)`` of every item of a transfer, unsorted:
        the lean read for transfers of 100,000 items (plain tuples, no dicts)."""
        cursor = self._db.cursor()
        cursor.row_factory = None
        return cursor.execute(
            "SELECT item_id, source_file, source_row, record_ref FROM transfer_items "
            "WHERE transfer_id = ?",
            (transfer_id,),
        ).fetchall()

    def files(self, transfer_id: str) -> list[dict]:
        rows = self._db.execute(
            "SELECT * FROM transfer_files WHERE transfer_id = ? ORDER BY rowid", (transfer_id,)
        )
        return [dict(row) for row in rows]

    def audit_log(self, transfer_id: str | None = None) -> list[dict]:
        sql = "SELECT * FROM audit"
        args: tuple[str, ...] = ()
        if transfer_id:
            sql, args = sql + " WHERE transfer_id = ?", (transfer_id,)
        return [dict(row) for row in self._db.execute(sql + " ORDER BY id", args)]

    def transferred_items(self, client: str, item_ids: Iterable[str]) -> dict[str, str]:
        """Item id -> transfer id for items already in a live (not failed, not deleted)
        transfer of ``client``, of any Beleg-Art and month (an id is one record: see
        ``transfer/groups.py``)."""
        found: dict[str, str] = {}
        for item_id, _, _, transfer_id, _ in self.sent_items(client, item_ids):
            found.setdefault(item_id, transfer_id)
        return found

    def sent_items(
        self, client: str, item_ids: Iterable[str]
    ) -> list[tuple[str, str | None, str | None, str, str]]:
        """``(item_id, document_kind, month, transfer_id, created_at)`` for every live (not
        failed, not deleted) transfer of ``client`` that carries one of ``item_ids``, oldest
        transfer first."""
        client = normalise_client_id(client, allow_number=True)
        wanted = list(item_ids)
        found: list[tuple[str, str | None, str | None, str, str]] = []
        cursor = self._db.cursor()
        cursor.row_factory = None
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.extend(
                cursor.execute(
                    "SELECT i.item_id, t.document_kind, t.month, t.id, t.created_at "
                    "FROM transfer_items i JOIN transfers t ON t.id = i.transfer_id "
                    "WHERE t.client = ? AND t.local_status NOT IN ('Fehlgeschlagen', 'Gelöscht') "
                    f"AND i.item_id IN ({marks}) ORDER BY t.rowid",
                    (client, *chunk),
                )
            )
        return sorted(found, key=lambda row: row[4])

    def in_progress(self, client: str) -> list[Transfer]:
        client = normalise_client_id(client, allow_number=True)
        marks = ",".join("?" * len(IN_PROGRESS))
        rows = self._db.execute(
            f"SELECT * FROM transfers WHERE client = ? AND local_status IN "
            f"({marks}) ORDER BY rowid",
            (client, *IN_PROGRESS),
        )
        return [_transfer(row) for row in rows]

    # --- writing -----------------------------------------------------------------------------

    def create(
        self,
        *,
        client: str,
        kind: str,
        channel: str,
        month: str | None,
        document_kind: str | None,
        items: Iterable[dict],
        package_no: int = 1,
        package_path: str | None = None,
        max_files_reached: bool = False,
        retransfer_of: str | None = None,
        allow_concurrent: bool = False,
        files: Iterable[tuple[str, str, int]] = (),
    ) -> Transfer:
        """Record a new transfer with its items (dicts with item_id, content_hash, source_*).

        With ``files`` (name, sha256, size) the transfer is registered complete in one
        transaction, "Vorbereitet zur Übertragung": a crash can never leave a transfer with
        items but no files (which would later finish as an empty job at DATEV).
        """
        client = normalise_client_id(client, allow_number=True)
        transfer_id = _new_id()
        now = _now()
        with self.transaction() as db:
            if not allow_concurrent:
                busy = self.in_progress(client)
                if busy:
                    raise TransferError(
                        f"Für den Mandanten {client} läuft bereits die Übertragung {busy[0].id} "
                        f"({busy[0].local_status}). Eine neue Datenübertragung ist erst möglich, "
                        f"wenn alle Übertragungen vollständig an DATEV übertragen wurden."
                    )
            rows = [
                (
                    transfer_id,
                    item["item_id"],
                    item["content_hash"],
                    item.get("source_file"),
                    item.get("source_row"),
                    item.get("record_ref"),
                )
                for item in items
            ]
            if retransfer_of is None and channel in ("dxso", "extf"):
                self._refuse_taken_items(client, [row[1] for row in rows])
            db.execute(
                "INSERT INTO transfers (id, client, kind, channel, month, document_kind,"
                " package_no, package_path, local_status, max_files_reached, retransfer_of,"
                " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    transfer_id,
                    client,
                    kind,
                    channel,
                    month,
                    document_kind,
                    package_no,
                    package_path,
                    "Neu",
                    int(max_files_reached),
                    retransfer_of,
                    now,
                    now,
                ),
            )
            db.executemany("INSERT INTO transfer_items VALUES (?,?,?,?,?,?)", rows)
            self._audit(
                db,
                "anlegen",
                transfer_id,
                client=client,
                kind=kind,
                month=month,
                document_kind=document_kind,
                items=len(rows),
                package_no=package_no,
                retransfer_of=retransfer_of,
            )
            self._register_files(db, transfer_id, list(files))
        return self.get(transfer_id)

    def _refuse_taken_items(self, client: str, item_ids: list[str]) -> None:
        """Checked again inside the creating transaction: a run that started at the same time
        may have taken these items since this one looked (two transfers at once). Call
        postings keep their own per-posting marks (calls/postings.py) and are not checked."""
        taken = self.transferred_items(client, item_ids)
        if taken:
            holder = next(iter(taken.values()))
            raise TransferError(
                f"Für den Mandanten {client} läuft bereits die Übertragung {holder} mit "
                f"{len(taken)} derselben Positionen (gleichzeitig gestartet?). Prüfen Sie sie "
                f"mit 'workbench status {holder}'."
            )

    def _register_files(
        self, db: sqlite3.Connection, transfer_id: str, files: list[tuple[str, str, int]]
    ) -> None:
        """The files of a new transfer, in its creating transaction: prepared at once."""
        if not files:
            return
        db.executemany(
            "INSERT INTO transfer_files (transfer_id, name, sha256, size) VALUES (?,?,?,?)",
            [(transfer_id, *file) for file in files],
        )
        db.execute(
            "UPDATE transfers SET local_status = ? WHERE id = ?",
            ("Vorbereitet zur Übertragung", transfer_id),
        )
        self._audit(
            db,
            "vorbereitet",
            transfer_id,
            local_status="Vorbereitet zur Übertragung",
            files=len(files),
        )

    def update(self, transfer_id: str, *, action: str, **fields: object) -> Transfer:
        """Change status fields of a transfer and log the change in the audit log."""
        allowed = {
            "local_status",
            "datev_status",
            "job_id",
            "protocol",
            "protocol_fetched_at",
            "error",
            "max_files_reached",
            "package_path",
        }
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        values = {
            key: (
                json.dumps(value, ensure_ascii=False)
                if key == "protocol" and value is not None
                else value
            )
            for key, value in fields.items()
        }
        values["updated_at"] = _now()
        with self.transaction() as db:
            assignments = ", ".join(f"{key} = ?" for key in values)
            db.execute(
                f"UPDATE transfers SET {assignments} WHERE id = ?", (*values.values(), transfer_id)
            )
            self._audit(
                db,
                action,
                transfer_id,
                **{key: value for key, value in fields.items() if key != "protocol"},
            )
        return self.get(transfer_id)

    def add_files(self, transfer_id: str, files: Iterable[tuple[str, str, int]]) -> None:
        """Record the files a transfer will upload (name, sha256, size), before any upload."""
        with self.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO transfer_files (transfer_id, name, sha256, size)"
                " VALUES (?,?,?,?)",
                [(transfer_id, *file) for file in files],
            )

    def mark_upload_started(self, transfer_id: str, *names: str) -> None:
        """Note that the uploads of ``names`` are under way (one transaction for all of them):
        after a crash each may or may not have arrived."""
        self._mark_files("upload_started_at", transfer_id, names)

    def mark_uploaded(self, transfer_id: str, *names: str) -> None:
        """Note that DATEV confirmed the uploads of ``names`` (one transaction for all)."""
        self._mark_files("uploaded_at", transfer_id, names)

    def _mark_files(self, column: str, transfer_id: str, names: tuple[str, ...]) -> None:
        now = _now()
        with self.transaction() as db:
            db.executemany(
                f"UPDATE transfer_files SET {column} = ? WHERE transfer_id = ? AND name = ?",
                [(now, transfer_id, name) for name in names],
            )

    def reset_uploads(self, transfer_id: str) -> None:
        """Forget upload marks (the DATEV job they went to was discarded)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE transfer_files SET uploaded_at = NULL, upload_started_at = NULL "
                "WHERE transfer_id = ?",
                (transfer_id,),
            )
            self._audit(db, "uploads zurückgesetzt", transfer_id)

    def log(self, action: str, transfer_id: str | None = None, **details: object) -> None:
        with self.transaction() as db:
            self._audit(db, action, transfer_id, **details)


def _current_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in containers without passwd entry
        return "unbekannt"


def _transfer(row: sqlite3.Row) -> Transfer:
    data = dict(row)
    data["max_files_reached"] = bool(data["max_files_reached"])
    data["protocol"] = json.loads(data["protocol"]) if data["protocol"] else None
    return Transfer(**data)
