"""The stores' SQLite file: two processes (or threads) opening it at the same moment both get
it. Switching a new file to WAL needs it alone for a moment; when two connections switch at
once, SQLite answers "database is locked" at once instead of waiting (waiting could deadlock),
so the opener tries again within the usual 30 s."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from workbench import sqlite_file
from workbench.sqlite_file import SqliteFile

SCHEMA = "CREATE TABLE IF NOT EXISTS entries (value INTEGER);"


class _FailingWal:
    """A connection whose first WAL switches fail with ``message`` (as in the race, but
    deterministic)."""

    def __init__(self, real: sqlite3.Connection, failures: int, message: str) -> None:
        self._real, self.failures, self.message = real, failures, message

    def execute(self, sql: str, *args):
        if sql == "PRAGMA journal_mode=WAL" and self.failures:
            self.failures -= 1
            raise sqlite3.OperationalError(self.message)
        return self._real.execute(sql, *args)

    def __getattr__(self, name: str):
        return getattr(self._real, name)


def _failing_wal(monkeypatch, failures: int, message: str) -> list[_FailingWal]:
    connect, opened = sqlite3.connect, []

    def connect_failing(*args, **kwargs):
        opened.append(_FailingWal(connect(*args, **kwargs), failures, message))
        return opened[-1]

    monkeypatch.setattr(sqlite_file.sqlite3, "connect", connect_failing)
    return opened


def test_a_wal_switch_that_finds_the_file_locked_is_tried_again(tmp_path, monkeypatch):
    opened = _failing_wal(monkeypatch, 3, "database is locked")
    with SqliteFile(tmp_path / "store.sqlite", SCHEMA) as store:
        assert opened[0].failures == 0
        assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_other_errors_of_the_wal_switch_are_not_retried(tmp_path, monkeypatch):
    opened = _failing_wal(monkeypatch, 3, "disk I/O error")
    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        SqliteFile(tmp_path / "store.sqlite", SCHEMA)
    assert opened[0].failures == 2


def test_eight_openers_of_a_new_file_at_once_all_write(tmp_path):
    """The real race, 40 times: eight threads open a fresh file at the same moment."""
    errors: list[str] = []

    def open_and_write(path, barrier):
        barrier.wait()
        try:
            with SqliteFile(path, SCHEMA) as store, store.transaction() as db:
                db.execute("INSERT INTO entries VALUES (1)")
        except sqlite3.Error as error:
            errors.append(repr(error))

    for round_ in range(40):
        path, barrier = tmp_path / f"{round_}.sqlite", threading.Barrier(8)
        threads = [threading.Thread(target=open_and_write, args=(path, barrier)) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with SqliteFile(path, SCHEMA) as store:
            assert store._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0] == 8
    assert errors == []
