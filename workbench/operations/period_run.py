"""One period of an unattended job, through the same stages as ``workbench transfer``:
load → (the period's rows) → check → map → package → send, recorded as a run in the ledger.

A job is a schedule or a backfill. How the period's files leave depends on the job:

* ``transfer``: to DATEV (or the sandbox); the ledger never sends an item twice, and a transfer
  a crash left open is resumed first;
* ``files``: into a folder (another system picks them up);
* ``email``: as attachments over SMTP (seed 003: "die Datei wird Ihnen automatisch zugesandt");
* in test mode (a schedule before go-live, ``--test``): into the test folder, marked
  "Testdatei", and nothing is sent or marked transferred.

Every run also writes a short report (``bericht.html``) into its folder (see :func:`output_folder`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.errors import SourceError, TransferError, WorkbenchError
from workbench.kinds import kind_spec
from workbench.operations.periods import Period
from workbench.operations.store import Schedule, ScheduleStore

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.pipeline import LoadedRun, MappedRun, PackagedRun
    from workbench.pipeline.connection import Connection

__all__ = [
    "DELIVERIES",
    "Job",
    "PeriodOutcome",
    "output_folder",
    "resume_interrupted",
    "run_period",
    "select_days",
]

DELIVERIES = ("transfer", "files", "email")


@dataclass(frozen=True)
class Job:
    """What to run for each period: a schedule's settings, or a backfill's."""

    id: str
    name: str
    origin: str  # "schedule" or "backfill"
    client: str
    kind: str
    sources: tuple[str, ...]
    profile: str = "auto"
    target: str | None = None
    pos_mapping: str | None = None
    deliver: str = "transfer"
    mail_to: str | None = None
    out: str | None = None
    test: bool = False
    #: Backfill ``--mode all``: package what was already transferred as well (re-transfer).
    resend: bool = False

    @classmethod
    def of_schedule(cls, schedule: Schedule) -> Job:
        return cls(
            id=schedule.id,
            name=schedule.name,
            origin="schedule",
            client=schedule.client,
            kind=schedule.kind,
            sources=schedule.sources,
            profile=schedule.profile,
            target=schedule.target,
            pos_mapping=schedule.pos_mapping,
            deliver=schedule.deliver,
            mail_to=schedule.mail_to,
            out=schedule.out,
            test=not schedule.live,
        )

    @property
    def mode(self) -> str:
        return "test" if self.test else "live"


@dataclass(frozen=True)
class PeriodOutcome:
    """What one period's run did: ``done`` or ``failed`` (then ``error`` says why)."""

    job: str
    client: str
    kind: str
    period: Period
    mode: str
    status: str
    rows: int = 0
    records: int = 0
    blocked: int = 0
    errors: int = 0
    warnings: int = 0
    transfers: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    mailed_to: str | None = None
    report: str | None = None
    error: str | None = None
    #: The rows left out of DATEV's files, each ``{source, row, item_id, status, rules,
    #: reason}`` (as ``transfer`` lists them under "Nicht übernommen").
    left_out: tuple[dict[str, Any], ...] = ()

    def summary(self) -> dict[str, Any]:
        """What the ledger's run row keeps as its outcome (what was sent, and the counts; the
        rows left out are in the run's report, their count is ``blocked``)."""
        data = asdict(self)
        data["period"] = self.period.key
        del data["left_out"]
        return data

    @property
    def exit_code(self) -> int:
        """2 when the run failed or found errors (rows left out), 1 for warnings only, else 0:
        the codes of ``workbench transfer`` for the same month."""
        if self.status == "failed" or self.errors:
            return 2
        return 1 if self.warnings else 0


def output_folder(job: Job, period: Period, settings: Settings) -> Path:
    """Where a period's files go: ``--out`` or ``$WORKBENCH_HOME/test/`` (test mode) or
    ``$WORKBENCH_HOME/schedules/`` (files, e-mail), one folder per job and period."""
    default = settings.home / ("test" if job.test else "schedules")
    base = Path(job.out) if job.out else default
    return base / _safe(job.name) / period.key.replace("/", "_")


def _safe(name: str) -> str:
    return "".join(char if char.isalnum() or char in "-_." else "_" for char in name)


def run_period(
    job: Job, period: Period, *, connection: Connection, store: ScheduleStore
) -> PeriodOutcome:
    """Run ``period`` of ``job`` and record it; a failure is recorded and returned, not raised
    (the next ``run-due`` or ``backfill`` catches the period up)."""
    run_id = store.start_run(
        job.id,
        origin=job.origin,
        client=job.client,
        kind=job.kind,
        period=period.key,
        mode=job.mode,
    )
    try:
        outcome = _run(job, period, connection)
    except Exception as error:  # recorded: one bad period must not stop a daemon
        message = (
            str(error)
            if isinstance(error, WorkbenchError)
            else f"Unerwarteter Fehler: {type(error).__name__}: {error}"
        )
        store.finish_run(run_id, status="failed", outcome={}, error=message)
        return PeriodOutcome(
            job.name, job.client, job.kind, period, job.mode, "failed", error=message
        )
    store.finish_run(run_id, status="done", outcome=outcome.summary())
    return outcome


def _run(job: Job, period: Period, connection: Connection) -> PeriodOutcome:
    from workbench.pipeline import check_run, load_run, map_run
    from workbench.sources.patterns import expand_files

    files = expand_files(job.sources, base=Path.cwd())
    if not files:
        raise SourceError(
            f"Für {period.label} liegt keine Quelldatei vor ({', '.join(job.sources)}); "
            f"der Zeitraum wird beim nächsten Lauf nachgeholt."
        )
    sending = job.deliver == "transfer" and not job.test
    # A transfer a killed run left open blocks the client's next one: finish it first, say so.
    resumed = resume_interrupted(connection, job.client) if sending else {}
    said = [result for results in resumed.values() for result in results]
    if any(status == "failed" for status, _, _ in said):
        raise TransferError("; ".join(reason for status, _, reason in said if status == "failed"))
    loaded = select_days(load_run(job.kind, files, profile=job.profile), period, job)
    checked = check_run(
        loaded, client=job.client, connection=connection, period=period.month, target=job.target
    )
    mapped = map_run(checked, pos_mapping=Path(job.pos_mapping) if job.pos_mapping else None)
    if job.test:
        from workbench.pipeline.testfile import as_test

        mapped = as_test(mapped)
    outcome = (
        _deliver(job, period, mapped, connection)
        if sending
        else _write(job, period, mapped, connection)
    )
    from workbench.operations.run_report import write_run_report

    # Beside the files; for a transfer in the schedule's own folder (packages are shared).
    if said:
        outcome = replace(
            outcome,
            transfers=(*(transfer for _, transfer, _ in said), *outcome.transfers),
            error="; ".join(reason for _, _, reason in said),
        )
    report = write_run_report(
        outcome, mapped, folder=output_folder(job, period, connection.settings)
    )
    return replace(outcome, report=str(report))


def _counts(job: Job, period: Period, mapped: MappedRun) -> dict[str, Any]:
    from workbench.pipeline.left_out import left_out

    severities = (
        mapped.findings["severity"] if mapped.findings.height else pl.Series([], dtype=pl.String)
    )
    mapping = mapped.mapping
    return {
        "job": job.name,
        "client": job.client,
        "kind": job.kind,
        "period": period,
        "mode": job.mode,
        "status": "done",
        "rows": mapped.checked.loaded.frame.height,
        "records": mapping.records.height if mapping is not None else 0,
        "blocked": mapping.blocked.height if mapping is not None else 0,
        "errors": int((severities == "error").sum()),
        "warnings": int((severities == "warning").sum()),
        "left_out": tuple(left_out(mapped).to_dicts()),
    }


def _deliver(job: Job, period: Period, mapped: MappedRun, connection: Connection) -> PeriodOutcome:
    """Package what is not yet transferred (everything, for a re-transfer) and send it."""
    from workbench.pipeline import package_run, send_run

    packaged = package_run(
        mapped,
        # Its own folder: a daily file has the same name every day of the month.
        out_dir=connection.settings.home
        / "packages"
        / _safe(job.name)
        / period.key.replace("/", "_"),
        ledger=None if job.resend else connection.ledger,
        month=period.month,
    )
    if job.resend:
        packaged = _as_retransfer(packaged, connection, job)
    sent = send_run(packaged, connection)
    if sent.failed:
        failed = [t.id for t in sent.transfers if t.local_status == "Fehlgeschlagen"]
        raise TransferError(
            f"Die Übertragung für {period.label} ist fehlgeschlagen ({', '.join(failed)}); "
            f"siehe 'workbench status --protocol'. Der Zeitraum wird beim nächsten Lauf "
            f"nachgeholt."
        )
    return PeriodOutcome(
        **_counts(job, period, mapped),
        transfers=tuple(transfer.id for transfer in sent.transfers),
        files=tuple(str(path) for path in packaged.written),
    )


def _as_retransfer(packaged: PackagedRun, connection: Connection, job: Job) -> PackagedRun:
    """Each upload names the live transfer of its month and Beleg-Art it sends again, so the
    ledger records an explicit re-transfer (and does not refuse the items as taken)."""
    live = [
        transfer
        for transfer in connection.ledger.transfers(client=job.client)
        if transfer.kind == job.kind and transfer.local_status not in ("Fehlgeschlagen", "Gelöscht")
    ]
    uploads = []
    for upload in packaged.uploads:
        earlier = [
            t.id
            for t in live
            if t.month == upload.month and t.document_kind == upload.document_kind
        ]
        uploads.append(replace(upload, retransfer_of=earlier[-1] if earlier else None))
    return replace(packaged, uploads=tuple(uploads))


def _write(job: Job, period: Period, mapped: MappedRun, connection: Connection) -> PeriodOutcome:
    """The period's files into its folder; mailed for ``email`` (never in test mode)."""
    from workbench.pipeline import package_run

    folder = output_folder(job, period, connection.settings)
    packaged = package_run(mapped, out_dir=folder, month=period.month)
    written = tuple(str(path) for path in packaged.written)
    if job.test:
        from workbench.pipeline.testfile import write_note

        write_note(folder, next_step=f"workbench schedule go-live {job.name}")
    mailed = None
    if job.deliver == "email" and not job.test and packaged.written:
        from workbench.operations.delivery import mail_files

        mailed = mail_files(
            connection.settings,
            to=job.mail_to or "",
            job=job.name,
            client=job.client,
            period=period,
            files=list(packaged.written),
        )
    return PeriodOutcome(**_counts(job, period, mapped), files=written, mailed_to=mailed)


def resume_interrupted(
    connection: Connection, client: str, *, kind: str | None = None, months: set[str] | None = None
) -> dict[str, list[tuple[str, str, str]]]:
    """Finish the transfers of ``client`` (of ``kind`` and ``months``; None: all) that a killed
    run left in progress, unless another process holds the client's sending lock (it finishes
    them itself). The ledger knows what DATEV already has, so nothing goes twice. Per month, each
    transfer's ``(status, id, reason)``: ``done`` ("fortgesetzt: Übertragung ID (Transferiert)")
    or ``failed`` with the reason."""
    from workbench.pipeline.send import transfer_action
    from workbench.transfer.senders import someone_sending

    ledger = connection.ledger
    if someone_sending(ledger, client):
        return {}
    said: dict[str, list[tuple[str, str, str]]] = {}
    for transfer in ledger.in_progress(client):
        if (kind is not None and transfer.kind != kind) or (
            months is not None and transfer.month not in months
        ):
            continue
        try:
            finished = transfer_action(connection, "resume", transfer.id)
        except WorkbenchError as error:
            reason = f"Übertragung {transfer.id} nicht fortgesetzt: {error}"
            said.setdefault(transfer.month or "", []).append(("failed", transfer.id, reason))
            continue
        reason = f"fortgesetzt: Übertragung {finished.id} ({finished.local_status})"
        said.setdefault(transfer.month or "", []).append(("done", finished.id, reason))
    return said


def select_days(loaded: LoadedRun, period: Period, job: Job) -> LoadedRun:
    """The rows of a day or week (rows of other days belong to their own period); a month is
    selected by the check stage itself (``--period``), so its cross-row rules see the file."""
    if period.frequency == "monthly":
        return loaded
    spec = kind_spec(job.kind)
    frame = loaded.frame
    if spec.date_column is None or spec.date_column not in frame.columns:
        raise SourceError(
            f"{spec.label} lassen sich nur monatlich auswählen, nicht für {period.label}."
        )
    day = pl.col(spec.date_column).cast(pl.Date)
    if spec.account_mapping:
        from workbench.mapping.pos import business_days
        from workbench.pipeline import load_pos_mapping

        close = load_pos_mapping(Path(job.pos_mapping)).day_close if job.pos_mapping else None
        day = business_days(frame, close)
    inside = day.is_between(period.start, period.end)
    kept = frame.filter(inside)
    positions = loaded.result.positions
    if positions is not None and "invoice_id" in kept.columns:
        positions = positions.filter(pl.col("invoice_id").is_in(kept["invoice_id"].implode()))
    result = replace(loaded.result, frame=kept, positions=positions)
    return replace(loaded, result=result)
