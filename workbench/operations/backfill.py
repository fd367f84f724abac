"""Historical backfill (seed 003, "Historische Anziehungskraft"): past months sent one by one.

One transfer per month (and Beleg-Art), oldest first, as cash books need it. ``missing`` (the
default) skips every month the ledger already has a live transfer for; ``all`` sends them again
(the caller asks for the re-transfer confirmation first). A backfill is resumable: each month is
a run in the ledger, so after a crash the next call skips what is done and starts with the month
it was in, where the transfer ledger resumes an upload that was under way instead of repeating it.

>>> result = backfill(client="455148-1", kind="pos", sources=["kasse/*.csv"], first="2025-01",
...                   last="2025-12", pos_mapping=Path("map.toml"))  # doctest: +SKIP
>>> [(o.period.key, o.status) for o in result.outcomes][:2]  # doctest: +SKIP
[('2025-01', 'skipped'), ('2025-02', 'done')]
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.config import Settings, load_settings
from workbench.errors import ConfigError, WorkbenchError
from workbench.kinds import kind_spec
from workbench.operations.period_run import Job, PeriodOutcome, resume_interrupted, run_period
from workbench.operations.periods import Period, periods_between
from workbench.operations.store import ScheduleStore

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection

__all__ = ["MODES", "BackfillCancelled", "BackfillResult", "backfill", "transferred_months"]

MODES = ("missing", "all")


class BackfillCancelled(WorkbenchError):
    """The user declined to send already transferred months again."""


@dataclass
class BackfillResult:
    """One outcome per month: ``done``, ``failed``, ``skipped`` (already transferred) or
    ``waiting`` (not started: an earlier month failed)."""

    outcomes: list[PeriodOutcome] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(outcome.status == "failed" for outcome in self.outcomes)


def transferred_months(ledger: object, client: str, kind: str) -> set[str]:
    """Months (``YYYY-MM``) with a live transfer of ``kind`` for ``client`` in the ledger."""
    return {
        transfer.month
        for transfer in ledger.transfers(client=client)  # type: ignore[attr-defined]
        if transfer.kind == kind
        and transfer.month
        and transfer.local_status not in ("Fehlgeschlagen", "Gelöscht")
    }


def _job_id(store: ScheduleStore, client: str, kind: str, periods: list[Period], mode: str) -> str:
    """``missing`` has one job per client and kind. ``all`` re-sends what is done, so each
    backfill is its own job, and an interrupted one is resumed rather than started again."""
    if mode == "missing":
        return f"backfill/{client}/{kind}"
    prefix = f"backfill-all/{client}/{kind}/{periods[0].key}..{periods[-1].key}/"
    earlier = [run.job for run in store.runs() if run.job.startswith(prefix)]
    if earlier:
        last = earlier[-1]
        if not {p.key for p in periods} <= store.done_periods(last, mode="live"):
            return last
    return prefix + uuid.uuid4().hex[:8]


def _skip(job: Job, period: Period, reason: str, status: str = "skipped") -> PeriodOutcome:
    return PeriodOutcome(job.name, job.client, job.kind, period, job.mode, status, error=reason)


def _resume_interrupted(
    connection: Connection, job: Job, months: set[str]
) -> dict[str, Callable[[Period], PeriodOutcome]]:
    """Finish the transfers of these months that a killed run left in progress; per month, how
    to report it: ``done`` ("fortgesetzt") or ``failed`` with the reason."""
    said = resume_interrupted(connection, job.client, kind=job.kind, months=months)
    return {month: partial(_resumed, job, results) for month, results in said.items()}


def _resumed(job: Job, results: list[tuple[str, str, str]], period: Period) -> PeriodOutcome:
    failed = any(status == "failed" for status, _, _ in results)
    return PeriodOutcome(
        job.name, job.client, job.kind, period, job.mode, "failed" if failed else "done",
        transfers=tuple(transfer for _, transfer, _ in results),
        error="; ".join(reason for _, _, reason in results),
    )  # fmt: skip


def backfill(
    *,
    client: str,
    kind: str,
    sources: Sequence[str],
    first: str,
    last: str,
    mode: str = "missing",
    profile: str = "auto",
    pos_mapping: Path | None = None,
    target: str | None = None,
    settings: Settings | None = None,
    confirm: Callable[[list[str]], bool] | None = None,
    on_period: Callable[[PeriodOutcome], None] | None = None,
) -> BackfillResult:
    """Send the months ``first``..``last`` (``YYYY-MM``) of ``client``'s ``kind`` data.

    ``confirm`` is asked with the months already transferred before ``mode="all"`` sends them
    again (no ``confirm``: they are sent); ``on_period`` sees each month's outcome (progress).
    """
    from workbench.clients import normalise_client_id
    from workbench.pipeline.connection import connect

    client = normalise_client_id(client)
    if mode not in MODES:
        raise ConfigError(f"--mode '{mode}': erlaubt sind {', '.join(MODES)}.")
    spec = kind_spec(kind)
    periods = periods_between(first, last)
    settings = settings or load_settings()
    result = BackfillResult()
    with ScheduleStore(settings.ledger_path) as store:
        job = Job(
            id=_job_id(store, client, spec.kind.value, periods, mode),
            name=f"Nachholen {client} {spec.kind.value}",
            origin="backfill",
            client=client,
            kind=spec.kind.value,
            sources=tuple(str(Path(source).expanduser().absolute()) for source in sources),
            profile=profile,
            target=target,
            pos_mapping=str(Path(pos_mapping).resolve()) if pos_mapping else None,
            resend=mode == "all",
        )
        with store.job_lock(job.id), connect(settings) as connection:
            done = store.done_periods(job.id, mode="live")
            sent = transferred_months(connection.ledger, client, job.kind)
            again = [p.key for p in periods if p.key in sent and p.key not in done]
            if mode == "all" and again and confirm is not None and not confirm(again):
                raise BackfillCancelled("Abgebrochen: nichts erneut übertragen.")
            # "missing": a month with a live transfer is done (a month that sent nothing, its
            # rows all blocked, runs again: fixed since, they go now). "all": the months this
            # re-transfer already ran (resumed after a crash).
            skip = sent if mode == "missing" else done
            resumed = _resume_interrupted(connection, job, {p.key for p in periods})
            stopped = False
            for period in periods:
                if stopped:
                    outcome = _skip(
                        job, period, "nicht begonnen: ein früherer Monat fehlt", "waiting"
                    )
                elif period.key in resumed:
                    store.close_interrupted(job.id, period.key)
                    outcome = resumed[period.key](period)
                    stopped = outcome.status == "failed"
                elif period.key in skip:
                    store.close_interrupted(job.id, period.key)
                    outcome = _skip(job, period, "bereits übertragen")
                else:
                    outcome = run_period(job, period, connection=connection, store=store)
                    stopped = outcome.status == "failed"
                result.outcomes.append(outcome)
                if on_period is not None:
                    on_period(outcome)
    return result
