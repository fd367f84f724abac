"""The ledger's vocabulary and SQLite schema: statuses with seed 004's meanings, the item fields,
and the tables with their GoBD triggers (items and audit entries are never deleted, audit entries
never changed). Mostly data; :mod:`workbench.transfer.ledger` works on it.
"""

from __future__ import annotations

__all__ = ["DATEV_STATUS", "IN_PROGRESS", "ITEM_FIELDS", "LOCAL_STATUSES", "SCHEMA"]

#: Local statuses in the order a transfer passes them (seed 004's Salesforce-Status).
LOCAL_STATUSES = (
    "Neu",
    "In Vorbereitung",
    "Vorbereitet zur Übertragung",
    "In Übertragung",
    "Transferiert",
    "Fehlgeschlagen",
    "Gelöscht",
)
#: While one of these holds, no other transfer may start for the same client (seed 004).
IN_PROGRESS = ("In Vorbereitung", "Vorbereitet zur Übertragung", "In Übertragung")
#: What the ledger records of each item of a transfer: which item, its content, where it came
#: from, and where it is in the files sent (``record_ref``).
ITEM_FIELDS = ("item_id", "content_hash", "source_file", "source_row", "record_ref")

#: DATEV dxso status -> (DATEV-Status as shown in seed 004, meaning).
DATEV_STATUS = {
    0: ("Status offen", "Daten in Verarbeitung bei DATEV. Bitte aktualisieren Sie den Status."),
    1: ("In Arbeit", "Daten in Verarbeitung bei DATEV. Bitte aktualisieren Sie den Status."),
    2: ("Fertig", "Die Datenübertragung und Verarbeitung bei DATEV war erfolgreich."),
    3: (
        "Abgebrochen",
        "Die Verarbeitung in DATEV Unternehmen online war fehlerhaft. Prüfen Sie "
        "die Fehlermeldungen im Protokoll.",
    ),
    4: (
        "Zu Prüfen",
        "Die Verarbeitung war teilweise fehlerhaft. Prüfen Sie die Fehlermeldungen; "
        "falls einzelne Belege bereits verarbeitet wurden, klären Sie das weitere "
        "Vorgehen mit Ihrer Steuerberatung.",
    ),
    5: (
        "Erfolgreich storniert",
        "Die Stornierung in DATEV Unternehmen online war erfolgreich; "
        "Belege und verarbeitete Daten wurden entfernt.",
    ),
    6: (
        "Storniert mit Fehler",
        "Die Stornierung war nicht erfolgreich; Belege und verarbeitete "
        "Daten konnten nicht entfernt werden.",
    ),
}

SCHEMA = """
CREATE TABLE IF NOT EXISTS transfers (
    id TEXT PRIMARY KEY,
    client TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    month TEXT,
    document_kind TEXT,
    package_no INTEGER NOT NULL DEFAULT 1,
    local_status TEXT NOT NULL,
    datev_status TEXT,
    job_id TEXT,
    package_path TEXT,
    max_files_reached INTEGER NOT NULL DEFAULT 0,
    retransfer_of TEXT REFERENCES transfers(id),
    protocol TEXT,
    protocol_fetched_at TEXT,
    error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS transfer_items (
    transfer_id TEXT NOT NULL REFERENCES transfers(id),
    item_id TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    source_file TEXT,
    source_row INTEGER,
    record_ref TEXT,
    PRIMARY KEY (transfer_id, item_id)
);
CREATE INDEX IF NOT EXISTS transfer_items_item ON transfer_items(item_id);
CREATE TABLE IF NOT EXISTS transfer_files (
    transfer_id TEXT NOT NULL REFERENCES transfers(id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size INTEGER NOT NULL,
    upload_started_at TEXT,
    uploaded_at TEXT,
    PRIMARY KEY (transfer_id, name)
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    transfer_id TEXT,
    details TEXT
);
CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS items_never_deleted BEFORE DELETE ON transfer_items
BEGIN SELECT RAISE(ABORT, 'transfer items are never deleted (GoBD)'); END;
CREATE TRIGGER IF NOT EXISTS transfers_never_deleted BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'transfers are never deleted (GoBD)'); END;
"""
