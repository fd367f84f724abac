"""One SQLite file opened the same way by every store (transfer ledger, Mandantentalk,
schedules): WAL, autocommit outside explicit transactions, a writer waits up to 30 s for another.

WAL + ``synchronous=NORMAL`` survives a killed process completely; after a power cut the newest
writes may be missing, which the transfer's resume logic treats as "unclear" (upload again,
never twice).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

__all__ = ["SqliteFile"]

#: How long a writer waits for another (also for the switch to WAL).
BUSY_SECONDS = 30.0


class SqliteFile:
    """Base of the stores: ``self._db`` opened on ``path`` with ``schema`` applied."""

    def __init__(self, path: Path, schema: str) -> None:
        self.path = path
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(
            str(path), isolation_level=None, check_same_thread=False, timeout=BUSY_SECONDS
        )
        self._db.row_factory = sqlite3.Row
        _switch_to_wal(self._db)
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(schema)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic change: all or nothing, even if the process dies halfway."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")


def _switch_to_wal(db: sqlite3.Connection) -> None:
    """WAL needs the file alone for a moment. When two connections switch a new file at once,
    SQLite answers "database is locked" at once rather than wait (waiting could deadlock), so
    try again until the writers' usual wait is up."""
    deadline = time.monotonic() + BUSY_SECONDS
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)
