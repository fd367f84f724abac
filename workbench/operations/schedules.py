"""Schedules (seed 003): a file per day, week or month after the Tagesabschluss, a test file
before go-live, and every period that is due and not yet done run oldest first.

``run_due`` is what cron, a systemd timer and ``schedule serve`` call. It is safe to call twice
at once (one lock per schedule), it catches up every period a failure or a switched-off
machine left behind, and it never sends a period twice: a period counts as done once a run of
it ended well, and the transfer ledger never sends an item twice. A failed period stops its
schedule for this call, since the later ones must not overtake it (cash chronology); the next
call starts with it again.

>>> due = run_due(now=datetime(2026, 1, 6, 4, 5, tzinfo=BERLIN))  # doctest: +SKIP
>>> [outcome.period.key for outcome in due.outcomes]  # doctest: +SKIP
['2026-01-05']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from workbench.config import Settings, load_settings
from workbench.errors import ConfigError
from workbench.kinds import kind_spec
from workbench.operations.period_run import DELIVERIES, Job, PeriodOutcome, run_period
from workbench.operations.periods import (
    BERLIN,
    FREQUENCIES,
    Period,
    business_day,
    due_periods,
    month_start,
    period_of,
)
from workbench.operations.store import JobBusy, Schedule, ScheduleStore

__all__ = ["DueRun", "due_for", "go_live", "new_schedule", "run_due"]

_NAME = re.compile(r"^[A-Za-z0-9ÄÖÜäöüß][A-Za-z0-9ÄÖÜäöüß_.\-]{0,39}$")


@dataclass
class DueRun:
    """What one ``run-due`` did: a result per period run, and the schedules another process
    was running already (left to it)."""

    outcomes: list[PeriodOutcome] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[PeriodOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == "failed"]


def _clock(text: str | None, default: time) -> time:
    if not text:
        return default
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--at '{text}' ist keine Uhrzeit der Form HH:MM (z. B. 04:00)."
        ) from None


def new_schedule(
    *,
    name: str,
    client: str,
    kind: str,
    sources: Sequence[str],
    every: str | None = None,
    at: str | None = None,
    deliver: str = "transfer",
    first_month: str | None = None,
    profile: str = "auto",
    pos_mapping: Path | None = None,
    mail_to: str | None = None,
    out: Path | None = None,
    target: str | None = None,
    now: datetime | None = None,
) -> Schedule:
    """A checked schedule, starting in test mode (seed 003: "Testen" before "Automatisieren").

    For POS revenue the account mapping's "Bericht ausführen bis" and "Tagesabschluss" are the
    defaults of ``every`` and ``at``. Without ``first_month`` the first period is the current
    one; earlier periods are the backfill's job. Relative source paths and patterns are kept
    absolute, so cron's working directory does not matter.
    """
    from workbench.clients import normalise_client_id

    client = normalise_client_id(client)
    if not _NAME.match(name):
        raise ConfigError(
            f"Der Zeitplanname '{name}' ist ungültig: 1 bis 40 Zeichen, Buchstaben, Ziffern, "
            f"Punkt, Unterstrich und Bindestrich (z. B. kasse-taeglich)."
        )
    spec = kind_spec(kind)
    if not sources:
        raise ConfigError(
            "Der Zeitplan braucht mindestens eine Quelle (--source PFAD_ODER_MUSTER)."
        )
    mapping = None
    if spec.account_mapping:
        if pos_mapping is None:
            raise ConfigError(
                "Für Kassenumsätze braucht der Zeitplan die Kontenzuordnung (--pos-mapping "
                "DATEI.toml, Beispiel: data/samples/pos_mapping.toml)."
            )
        from workbench.pipeline import load_pos_mapping

        mapping = load_pos_mapping(pos_mapping)
    every = every or (mapping.period if mapping else "monthly")
    if every not in FREQUENCIES:
        raise ConfigError(f"--every '{every}': erlaubt sind {', '.join(FREQUENCIES)}.")
    # A kind selected by its Buchungsmonat (receipts) or billed per month (calls) has no days.
    by_month = spec.date_column is None or spec.period_column != spec.date_column
    if every != "monthly" and by_month:
        raise ConfigError(f"{spec.label} werden je Buchungsmonat übertragen: --every monthly.")
    close = _clock(at, (mapping.day_close if mapping and mapping.day_close else time(0, 0)))
    if deliver not in DELIVERIES:
        raise ConfigError(f"--deliver '{deliver}': erlaubt sind {', '.join(DELIVERIES)}.")
    if deliver == "email":
        from workbench.mail import is_mail_address

        if not mail_to or not is_mail_address(mail_to):
            raise ConfigError(
                f"Für --deliver email ist eine gültige Empfängeradresse nötig (--mail-to), "
                f"nicht '{mail_to or ''}'."
            )
    if target is not None and target not in {t.value for t in spec.targets}:
        allowed = ", ".join(t.value for t in spec.targets)
        raise ConfigError(f"--to '{target}' passt nicht zu {spec.label}: erlaubt ist {allowed}.")
    moment = now or datetime.now(BERLIN)
    first = (
        month_start(first_month)
        if first_month
        else period_of(business_day(moment, close), every).start
    )
    return Schedule(
        name=name,
        client=client,
        kind=spec.kind.value,
        sources=tuple(_absolute(source) for source in sources),
        every=every,
        at=close,
        deliver=deliver,
        first=first,
        profile=profile,
        pos_mapping=str(Path(pos_mapping).resolve()) if pos_mapping else None,
        mail_to=mail_to,
        out=str(Path(out).resolve()) if out else None,
        target=target,
    )


def _absolute(source: str) -> str:
    path = Path(source).expanduser()
    return str(path if path.is_absolute() else Path.cwd() / path)


def due_for(schedule: Schedule, store: ScheduleStore, now: datetime) -> list[Period]:
    """The periods of ``schedule`` due at ``now`` and not yet done (in its mode), oldest first."""
    start = schedule.first
    if schedule.live and schedule.live_from and schedule.live_from > start:
        start = schedule.live_from
    done = store.done_periods(schedule.id, mode=schedule.mode)
    return [
        period
        for period in due_periods(schedule.every, start, now=now, close=schedule.at)
        if period.key not in done
    ]


def run_due(
    *,
    client: str | None = None,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> DueRun:
    """Run every due period of every schedule (of ``client``), oldest first."""
    from workbench.pipeline.connection import connect

    settings = settings or load_settings()
    now = now or datetime.now(BERLIN)
    result = DueRun()
    with ScheduleStore(settings.ledger_path) as store:
        chosen = [s for s in store.schedules() if client is None or s.client == client]
        waiting = [schedule for schedule in chosen if due_for(schedule, store, now)]
        if not waiting:
            return result
        with connect(settings) as connection:
            for schedule in waiting:
                try:
                    with store.job_lock(schedule.id):
                        # Again under the lock: another process may have just done some.
                        for period in due_for(schedule, store, now):
                            outcome = run_period(
                                Job.of_schedule(schedule),
                                period,
                                connection=connection,
                                store=store,
                            )
                            result.outcomes.append(outcome)
                            if outcome.status == "failed":
                                break
                except JobBusy:
                    result.busy.append(schedule.name)
    return result


def go_live(
    name: str, *, now: datetime | None = None, settings: Settings | None = None
) -> Schedule:
    """Switch ``name`` from test files to sending (seed 003: "Automatisieren"), from the current
    period on; earlier periods are the backfill's job."""
    settings = settings or load_settings()
    moment = now or datetime.now(BERLIN)
    with ScheduleStore(settings.ledger_path) as store:
        schedule = store.get(name)
        current = period_of(business_day(moment, schedule.at), schedule.every)
        return store.go_live(name, live_from=max(current.start, schedule.first))


def first_live_period(schedule: Schedule) -> Period | None:
    """The first period a live schedule sends."""
    if not schedule.live:
        return None
    start: date = max(schedule.first, schedule.live_from or schedule.first)
    return period_of(start, schedule.every)
