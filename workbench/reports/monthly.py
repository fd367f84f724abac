"""The monthly report's data: :func:`collect` runs the main job for one client and period (load,
check, map and, if asked, transfer and poll DATEV's status) into a :class:`ReportData`;
:func:`finish` writes the machine-readable result that ``workbench report`` reads.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import WorkbenchError
from workbench.findings import concat_findings, exit_code

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.mapping import Mapped
    from workbench.pipeline import CheckedRun, MappedRun
    from workbench.pipeline.connection import Connection

    Run = CheckedRun | MappedRun

__all__ = ["ReportData", "collect", "finish", "in_period", "open_talks", "rows_in_period"]

_FINAL_DXSO = {"2", "3", "4", "5", "6"}
_FINAL_EXTF = {"succeeded", "failed"}


@dataclass
class ReportData:
    """Everything a report shows for one client and period."""

    client: str
    period: str
    #: One per source: mapped, or (calls, which are billed) checked only.
    runs: list[Run] = field(default_factory=list)
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)
    transfers: pl.DataFrame = field(default_factory=pl.DataFrame)
    talks: pl.DataFrame = field(default_factory=pl.DataFrame)
    errors: list[str] = field(default_factory=list)
    #: A test report (seed 003's "Testdatei"): nothing was sent; ``test_files`` is what would be.
    test: bool = False
    test_files: list[Path] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 3 if self.errors else exit_code(self.findings)

    def summary(self) -> pl.DataFrame:
        rows = []
        for run in self.runs:
            checked, mapping = checked_of(run), mapping_of(run)
            counts = mapping.counts() if mapping is not None else None
            severities = run.findings["severity"].value_counts() if run.findings.height else None
            by = dict(severities.iter_rows()) if severities is not None else {}
            rows.append(
                {
                    "Quelle": ", ".join(path.name for path in checked.files),
                    "Art": checked.kind.value,
                    "Profil": checked.profile,
                    "Zeilen": checked.loaded.frame.height,
                    f"davon {self.period}": rows_in_period(run, self.period).height,
                    "Fehler": by.get("error", 0),
                    "Warnungen": by.get("warning", 0),
                    # mapped/blocked/skipped count every row of the files, not only the month's
                    "abgebildet": int(counts["mapped"].sum()) if counts is not None else None,
                    "gesperrt": int(counts["blocked"].sum()) if counts is not None else None,
                    "übersprungen": int(counts["skipped"].sum()) if counts is not None else None,
                }
            )
        return pl.DataFrame(rows) if rows else pl.DataFrame()


def collect(
    *,
    client: str,
    period: str,
    sources: Sequence[dict],
    transfer: bool = False,
    engine: str = "polars",
    pos_mapping: str | None = None,
    poll_seconds: float = 30.0,
    base: Path | None = None,
    test: bool = False,
) -> ReportData:
    """Run the main job for ``client`` and ``period`` over ``sources`` and gather the results.

    ``sources``: ``[{"kind": "receipts", "files": ["…csv"], "profile": "auto"}, …]``; relative
    paths are taken from ``base`` (the repository when run by ``workbench report``), and a file
    may be a glob pattern (``kasse/*.csv``). A source that cannot be loaded is reported, not
    fatal: the report shows what went wrong. ``test``: nothing is sent; with ``transfer`` the
    files that would go to DATEV are written to the test folder, marked "Testdatei".
    """
    from workbench.pipeline.connection import connect
    from workbench.sources.patterns import expand_files

    base = base or Path.cwd()
    data = ReportData(client=client, period=period, test=test)
    mapping = _resolve(base, pos_mapping) if pos_mapping else None
    with connect() as connection:
        for source in sources:
            files = expand_files(source["files"], base=base)
            try:
                run = _run_source(
                    source,
                    files,
                    connection,
                    client=client,
                    period=period,
                    engine=engine,
                    pos_mapping=mapping,
                    transfer=transfer and not test,
                )
                if test and transfer and not checked_of(run).spec.billed:
                    data.test_files += _write_test_files(run, connection, client, period)
            except WorkbenchError as error:
                data.errors.append(f"{source['kind']}: {error}")
                continue
            data.runs.append(run)
        if transfer and not test:
            _poll(connection, client, poll_seconds)
        data.transfers = _transfers(connection, client)
        data.talks = open_talks(connection.settings, client)
    data.findings = concat_findings([run.findings for run in data.runs])
    return data


def _run_source(
    source: dict,
    files: list[Path],
    connection: Connection,
    *,
    client: str,
    period: str,
    engine: str,
    pos_mapping: Path | None,
    transfer: bool,
) -> Run:
    """Load, check and map one source (and package and send the period, if asked)."""
    from workbench.pipeline import check_run, load_run, map_run, package_run, send_run

    loaded = load_run(source["kind"], files, profile=source.get("profile", "auto"))
    checked = check_run(loaded, client=client, connection=connection, engine=engine)
    # Rows of other months belong to other months' reports: the report shows the findings of
    # the period's rows (and of whole files), and transfers that month.
    checked = replace(checked, findings=in_period(checked, period))
    if checked.spec.billed:
        return checked
    mapped = map_run(checked, pos_mapping=pos_mapping)
    if transfer:
        packaged = package_run(
            mapped,
            out_dir=connection.settings.home / "packages",
            ledger=connection.ledger,
            month=period,
        )
        send_run(packaged, connection)
    return mapped


def _write_test_files(run: Run, connection: Connection, client: str, period: str) -> list[Path]:
    """What a transfer of the period would send, as test files (nothing marked transferred)."""
    from workbench.pipeline import CheckedRun, package_run
    from workbench.pipeline.testfile import as_test, folder_of_test_files, write_note

    if isinstance(run, CheckedRun):  # billed (calls): nothing a transfer would send
        return []
    folder = folder_of_test_files(connection.settings, f"bericht_{client}_{period}")
    packaged = package_run(as_test(run), out_dir=folder, ledger=connection.ledger, month=period)
    write_note(folder, next_step="workbench report … --transfer (ohne --test)")
    return list(packaged.written)


def checked_of(run: Run) -> CheckedRun:
    """The check stage's result of a report's run."""
    from workbench.pipeline import CheckedRun

    return run if isinstance(run, CheckedRun) else run.checked


def mapping_of(run: Run) -> Mapped | None:
    """The mapped DATEV records of a report's run (None for calls, which are billed)."""
    from workbench.pipeline import CheckedRun

    return None if isinstance(run, CheckedRun) else run.mapping


def rows_in_period(run: Run, period: str) -> pl.DataFrame:
    """``source`` and ``row`` of the run's loaded rows that belong to ``period`` (YYYY-MM)."""
    checked = checked_of(run)
    column = checked.spec.period_column
    frame = checked.loaded.frame
    month = (
        pl.col(column) if frame.schema[column] == pl.String else pl.col(column).dt.strftime("%Y-%m")
    )
    return frame.filter(month == period).select(
        pl.col("source_file").alias("source"), pl.col("source_row").alias("row")
    )


def in_period(run: Run, period: str) -> pl.DataFrame:
    """The run's findings on rows of ``period`` (YYYY-MM) and on whole files."""
    rows = rows_in_period(run, period)
    findings = run.findings
    keep = findings.join(rows, on=["source", "row"], how="semi")
    return concat_findings([keep, findings.filter(pl.col("row").is_null())])


def _resolve(base: Path, name: str | Path) -> Path:
    path = Path(name)
    return path if path.is_absolute() else base / path


def _poll(connection: Connection, client: str, seconds: float) -> None:
    """Polling mode for reports: refresh open transfers until DATEV is done or time is up."""
    from workbench.pipeline import status_run

    deadline = time.monotonic() + seconds
    while True:
        open_ones = [
            item.id
            for item in connection.ledger.transfers(client=client)
            if item.job_id and item.datev_status not in (_FINAL_DXSO | _FINAL_EXTF)
        ]
        status_run(connection, open_ones, confirm=True)
        still_open = [
            item
            for item in connection.ledger.transfers(client=client)
            if item.job_id and item.datev_status not in (_FINAL_DXSO | _FINAL_EXTF)
        ]
        if not still_open or time.monotonic() > deadline:
            return
        time.sleep(1.0)


def _transfers(connection: Connection, client: str) -> pl.DataFrame:
    from workbench.transfer.status import describe

    rows = []
    for item in connection.ledger.transfers(client=client):
        row = describe(connection.ledger, item)
        row.update(
            {"channel": item.channel, "created_at": item.created_at, "updated_at": item.updated_at}
        )
        rows.append(row)
    return pl.DataFrame(rows).drop("job_ids") if rows else pl.DataFrame()


def open_talks(settings: Settings, client: str) -> pl.DataFrame:
    """The client's Mandantentalk questions not yet closed, oldest first (seed 002)."""
    if not settings.talk_path.is_file():
        return pl.DataFrame()
    from workbench.talk import TalkStore, open_talks_frame

    with TalkStore.open(settings) as store:
        return open_talks_frame(store, client=client)


def finish(data: ReportData, result_path: str | None) -> None:
    """Write the machine-readable result (exit code, counts) that ``workbench report`` reads."""
    if not result_path:
        return
    severities = (
        dict(data.findings["severity"].value_counts().iter_rows()) if data.findings.height else {}
    )
    Path(result_path).write_text(
        json.dumps(
            {
                "client": data.client,
                "period": data.period,
                "exit_code": data.exit_code,
                "errors": severities.get("error", 0),
                "warnings": severities.get("warning", 0),
                "transfers": data.transfers.height,
                "open_talks": data.talks.height,
                "problems": data.errors,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
