"""``workbench schedule serve``: a long-running process that calls ``run_due`` on APScheduler.

Each schedule's Tagesabschluss is a cron trigger (Europe/Berlin), so a file goes out at its
time; a catch-up tick every 15 minutes (and one at start) runs what a failure or a stopped
service left behind and picks up schedules added meanwhile. Ticks run one at a time, and the
per-schedule lock keeps the service and a cron ``run-due`` apart. SIGTERM (systemd) stops it
after the running tick.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import datetime, time
from typing import Any

from workbench.config import Settings, load_settings
from workbench.errors import WorkbenchError
from workbench.operations.periods import BERLIN
from workbench.operations.schedules import DueRun, run_due
from workbench.operations.store import ScheduleStore

__all__ = ["CATCH_UP_MINUTES", "build_scheduler", "serve"]

CATCH_UP_MINUTES = 15
log = logging.getLogger(__name__)


def _tick(settings: Settings, on_run: Callable[[DueRun], None]) -> None:
    try:
        due = run_due(settings=settings)
    except WorkbenchError as error:  # DATEV or the settings unavailable: try again next tick
        log.error("Zeitpläne nicht ausgeführt: %s", error)
        return
    on_run(due)


def build_scheduler(
    settings: Settings,
    *,
    on_run: Callable[[DueRun], None] = lambda due: None,
    scheduler: Any = None,
    now: datetime | None = None,
) -> Any:
    """An APScheduler scheduler (blocking unless ``scheduler`` is given) with one cron job per
    Tagesabschluss of the stored schedules and the catch-up tick."""
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    if scheduler is None:
        scheduler = BlockingScheduler(timezone=BERLIN)
    # One tick at a time: a cron tick and the catch-up tick never overlap.
    scheduler.configure(
        executors={"default": ThreadPoolExecutor(1)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone=BERLIN,
    )
    with ScheduleStore(settings.ledger_path) as store:
        closes: set[time] = {schedule.at for schedule in store.schedules()}
    for close in sorted(closes):
        scheduler.add_job(
            _tick,
            CronTrigger(hour=close.hour, minute=close.minute, timezone=BERLIN),
            args=(settings, on_run),
            id=f"tagesabschluss-{close:%H%M}",
            name=f"Tagesabschluss {close:%H:%M}",
        )
    scheduler.add_job(
        _tick,
        IntervalTrigger(minutes=CATCH_UP_MINUTES, timezone=BERLIN),
        args=(settings, on_run),
        id="nachholen",
        name="Nachholen",
        next_run_time=now or datetime.now(BERLIN),
    )
    return scheduler


def serve(
    *, settings: Settings | None = None, on_run: Callable[[DueRun], None] = lambda due: None
) -> None:
    """Run until stopped (Ctrl-C or SIGTERM)."""
    settings = settings or load_settings()
    scheduler = build_scheduler(settings, on_run=on_run)

    def stop(signum: int, frame: object) -> None:
        scheduler.shutdown(wait=True)

    signal.signal(signal.SIGTERM, stop)
    log.info("Zeitpläne laufen (Europe/Berlin); beenden mit Strg-C.")
    scheduler.start()
