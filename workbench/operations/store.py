"""Schedules and their runs, kept in the Kanzlei's ledger (SQLite) beside the transfers.

A run is one period of one job (a schedule, or a backfill of one client and kind): when it
started and ended, its outcome and what it sent. Runs are history: a row is never deleted, a
removed schedule is only marked removed. A period counts as done for a job once one of its runs
ended ``done``; a run whose process died stays ``running`` until the next caller, holding the
job's lock, marks it ``interrupted`` and runs the period again (the transfer ledger resumes what
was under way, so nothing goes to DATEV twice).

Two callers at once (cron and a hand-started ``run-due``) are kept apart by a lock file per job:
the operating system releases it when its process dies, so a crash never leaves a job locked.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError
from workbench.sqlite_file import SqliteFile

__all__ = ["RUN_STATUS", "JobBusy", "Run", "Schedule", "ScheduleStore"]

#: Run status -> German word shown to users.
RUN_STATUS = {
    "running": "läuft",
    "done": "erledigt",
    "failed": "fehlgeschlagen",
    "interrupted": "unterbrochen",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schedules (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    client TEXT NOT NULL,
    kind TEXT NOT NULL,
    definition TEXT NOT NULL,
    mode TEXT NOT NULL,
    live_from TEXT,
    created_at TEXT NOT NULL,
    removed_at TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS schedules_active_name ON schedules(name)
    WHERE removed_at IS NULL;
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job TEXT NOT NULL,
    origin TEXT NOT NULL,
    client TEXT NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    mode TEXT NOT NULL,
    status TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,
    error TEXT,
    owner TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_job_period ON runs(job, period);
CREATE TRIGGER IF NOT EXISTS runs_never_deleted BEFORE DELETE ON runs
BEGIN SELECT RAISE(ABORT, 'runs are history and never deleted'); END;
CREATE TRIGGER IF NOT EXISTS schedules_never_deleted BEFORE DELETE ON schedules
BEGIN SELECT RAISE(ABORT, 'schedules are only marked removed'); END;
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Schedule:
    """What ``workbench schedule add`` stored: which data, how often, how it is delivered."""

    name: str
    client: str
    kind: str
    sources: tuple[str, ...]
    every: str
    at: time
    deliver: str
    first: date
    profile: str = "auto"
    pos_mapping: str | None = None
    mail_to: str | None = None
    out: str | None = None
    target: str | None = None
    mode: str = "test"
    live_from: date | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: str = ""

    @property
    def live(self) -> bool:
        return self.mode == "live"

    def definition(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "every": self.every,
            "at": self.at.strftime("%H:%M"),
            "deliver": self.deliver,
            "first": self.first.isoformat(),
            "profile": self.profile,
            "pos_mapping": self.pos_mapping,
            "mail_to": self.mail_to,
            "out": self.out,
            "target": self.target,
        }

    def describe(self) -> dict[str, Any]:
        """The JSON shape of ``workbench schedule list --format json``."""
        return {
            "name": self.name,
            "client": self.client,
            "kind": self.kind,
            **self.definition(),
            "mode": self.mode,
            "live_from": self.live_from.isoformat() if self.live_from else None,
        }


@dataclass(frozen=True)
class Run:
    """One row of the run history."""

    id: int
    job: str
    origin: str
    client: str
    kind: str
    period: str
    mode: str
    status: str
    started_at: str
    finished_at: str | None
    outcome: dict[str, Any]
    error: str | None
    owner: str


class JobBusy(ConfigError):
    """Another process runs the same job right now."""


class ScheduleStore(SqliteFile):
    """The schedule and run tables in the SQLite file at ``path`` (the Kanzlei's ledger)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, _SCHEMA)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    # --- schedules ---------------------------------------------------------------------------

    def add(self, schedule: Schedule) -> Schedule:
        stored = replace(schedule, created_at=_now())
        try:
            with self.transaction() as db:
                db.execute(
                    "INSERT INTO schedules (id, name, client, kind, definition, mode, live_from,"
                    " created_at) VALUES (?,?,?,?,?,?,?,?)",
                    (
                        stored.id,
                        stored.name,
                        stored.client,
                        stored.kind,
                        json.dumps(stored.definition(), ensure_ascii=False),
                        stored.mode,
                        stored.live_from.isoformat() if stored.live_from else None,
                        stored.created_at,
                    ),
                )
        except sqlite3.IntegrityError:
            raise ConfigError(
                f"Einen Zeitplan '{schedule.name}' gibt es schon. Wählen Sie einen anderen "
                f"Namen oder entfernen Sie ihn zuerst (workbench schedule remove)."
            ) from None
        return stored

    def schedules(self) -> list[Schedule]:
        rows = self._db.execute(
            "SELECT * FROM schedules WHERE removed_at IS NULL ORDER BY name"
        ).fetchall()
        return [_schedule(row) for row in rows]

    def get(self, name: str) -> Schedule:
        row = self._db.execute(
            "SELECT * FROM schedules WHERE name = ? AND removed_at IS NULL", (name,)
        ).fetchone()
        if row is None:
            known = ", ".join(schedule.name for schedule in self.schedules()) or "keine"
            raise ConfigError(f"Einen Zeitplan '{name}' gibt es nicht (vorhanden: {known}).")
        return _schedule(row)

    def remove(self, name: str) -> Schedule:
        schedule = self.get(name)
        with self.transaction() as db:
            db.execute("UPDATE schedules SET removed_at = ? WHERE id = ?", (_now(), schedule.id))
        return schedule

    def go_live(self, name: str, *, live_from: date) -> Schedule:
        schedule = self.get(name)
        with self.transaction() as db:
            db.execute(
                "UPDATE schedules SET mode = 'live', live_from = ? WHERE id = ?",
                (live_from.isoformat(), schedule.id),
            )
        return self.get(name)

    # --- runs --------------------------------------------------------------------------------

    @contextmanager
    def job_lock(self, job: str) -> Iterator[None]:
        """Hold ``job`` for this process; :class:`JobBusy` if another process holds it."""
        from filelock import FileLock, Timeout

        folder = self.path.parent / "locks"
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder / f"{uuid.uuid5(uuid.NAMESPACE_URL, job).hex}.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise JobBusy(f"'{job}' läuft bereits in einem anderen Prozess.") from None
        try:
            yield
        finally:
            lock.release()

    def done_periods(self, job: str, *, mode: str) -> set[str]:
        rows = self._db.execute(
            "SELECT DISTINCT period FROM runs WHERE job = ? AND mode = ? AND status = 'done'",
            (job, mode),
        )
        return {row[0] for row in rows}

    def start_run(
        self, job: str, *, origin: str, client: str, kind: str, period: str, mode: str
    ) -> int:
        """Record that ``period`` of ``job`` starts now; a run of it left ``running`` by a
        dead process becomes ``interrupted`` (call this only while holding the job's lock)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? "
                "WHERE job = ? AND period = ? AND status = 'running'",
                (_now(), job, period),
            )
            cursor = db.execute(
                "INSERT INTO runs (job, origin, client, kind, period, mode, status, started_at,"
                " owner) VALUES (?,?,?,?,?,?,'running',?,?)",
                (job, origin, client, kind, period, mode, _now(), self.owner),
            )
        return int(cursor.lastrowid or 0)

    def close_interrupted(self, job: str, period: str) -> None:
        """A run of ``period`` left ``running`` by a dead process becomes ``interrupted`` (when
        the period is skipped rather than run again; hold the job's lock)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = 'interrupted', finished_at = ? "
                "WHERE job = ? AND period = ? AND status = 'running'",
                (_now(), job, period),
            )

    def finish_run(
        self, run_id: int, *, status: str, outcome: dict[str, Any], error: str | None = None
    ) -> Run:
        if status not in RUN_STATUS:
            raise ValueError(f"unknown run status {status!r}")
        with self.transaction() as db:
            db.execute(
                "UPDATE runs SET status = ?, finished_at = ?, outcome = ?, error = ? WHERE id = ?",
                (
                    status,
                    _now(),
                    json.dumps(outcome, ensure_ascii=False, default=str),
                    error,
                    run_id,
                ),
            )
        return self.run(run_id)

    def run(self, run_id: int) -> Run:
        return _run(self._db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone())

    def runs(self, job: str | None = None) -> list[Run]:
        sql, args = "SELECT * FROM runs", tuple[str, ...]()
        if job is not None:
            sql, args = sql + " WHERE job = ?", (job,)
        return [_run(row) for row in self._db.execute(sql + " ORDER BY id", args)]


def _schedule(row: sqlite3.Row) -> Schedule:
    definition = json.loads(row["definition"])
    return Schedule(
        id=row["id"],
        name=row["name"],
        client=row["client"],
        kind=row["kind"],
        sources=tuple(definition["sources"]),
        every=definition["every"],
        at=time.fromisoformat(definition["at"]),
        deliver=definition["deliver"],
        first=date.fromisoformat(definition["first"]),
        profile=definition.get("profile") or "auto",
        pos_mapping=definition.get("pos_mapping"),
        mail_to=definition.get("mail_to"),
        out=definition.get("out"),
        target=definition.get("target"),
        mode=row["mode"],
        live_from=date.fromisoformat(row["live_from"]) if row["live_from"] else None,
        created_at=row["created_at"],
    )


def _run(row: sqlite3.Row) -> Run:
    data = dict(row)
    data["outcome"] = json.loads(data["outcome"]) if data["outcome"] else {}
    return Run(**data)
