"""The monthly report's data: :func:`collect` runs the main job for one client and month (load,
check, map and, if asked, transfer and poll DATEV's status) into a :class:`ReportData`;
:func:`finish` writes the machine-readable result that ``workbench report`` reads.

The month selects (as ``--period`` everywhere): amounts, findings and open items are the
month's. The previous month comes from the same sources where they cover it, else from what was
transferred for it. Without sources the report shows the DATEV side of the month: transfers,
statuses, protocols and DATEV's rejections with their source rows.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.errors import WorkbenchError
from workbench.findings import concat_findings, empty_findings, exit_code
from workbench.german import format_month, parse_month
from workbench.reports.accounts import ACCOUNTS_SCHEMA, amounts_per_account, read_account_names
from workbench.transfer.status import FAILED_STATUSES

if TYPE_CHECKING:
    from workbench.mapping import Mapped
    from workbench.pipeline import CheckedRun, MappedRun
    from workbench.pipeline.connection import Connection
    from workbench.reconcile import Reconciliation

    Run = CheckedRun | MappedRun

__all__ = [
    "FAILED_STATUSES",
    "ReportData",
    "checked_of",
    "collect",
    "finish",
    "mapping_of",
    "open_talks",
    "previous_month",
]

_FINAL_DXSO = {"2", "3", "4", "5", "6"}
_FINAL_EXTF = {"succeeded", "failed"}


@dataclass
class ReportData:
    """Everything a report shows for one client and month."""

    client: str
    period: str
    #: One per source: mapped, or (calls, which are billed) checked only.
    runs: list[Run] = field(default_factory=list)
    findings: pl.DataFrame = field(default_factory=empty_findings)
    #: Every transfer of the client (``describe`` rows plus channel and times).
    transfers: pl.DataFrame = field(default_factory=pl.DataFrame)
    errors: list[str] = field(default_factory=list)
    sources_given: bool = True
    transfer_asked: bool = False
    previous: pl.DataFrame | None = None
    previous_from: str = ""
    account_names: dict[str, str] = field(default_factory=dict)
    #: Not yet transferred items of the month per Beleg-Art; blocked rows per rule.
    pending: pl.DataFrame = field(default_factory=pl.DataFrame)
    blocked: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: DATEV's rejections of the month's transfers, mapped back to source rows (findings).
    rejections: pl.DataFrame = field(default_factory=empty_findings)
    #: Mandantentalk questions of the client not yet closed, oldest first (seed 002).
    talks: pl.DataFrame = field(default_factory=pl.DataFrame)
    #: A test report (seed 003's "Testdatei"): nothing was sent; ``test_files`` is what would be.
    test: bool = False
    test_files: list[Path] = field(default_factory=list)
    #: The Abgleich with what DATEV booked in the month, or why there is none.
    reconciliation: Reconciliation | None = None
    reconcile_note: str = ""

    @property
    def previous_period(self) -> str:
        return previous_month(self.period)

    @property
    def exit_code(self) -> int:
        return 3 if self.errors else max(exit_code(self.findings), exit_code(self.rejections))

    @property
    def month_transfers(self) -> pl.DataFrame:
        if self.transfers.is_empty():
            return self.transfers
        return self.transfers.filter(pl.col("month") == self.period)

    def summary(self) -> pl.DataFrame:
        """One row per source: rows, rows of the month, other months, findings, mapping counts."""
        rows = []
        for run in self.runs:
            checked, mapping = checked_of(run), mapping_of(run)
            counts = mapping.counts() if mapping is not None else None
            by = (
                dict(run.findings["severity"].value_counts().iter_rows())
                if run.findings.height
                else {}
            )
            other = sum(checked.other_months.values())
            rows.append(
                {
                    "Quelle": ", ".join(path.name for path in checked.files),
                    "Art": checked.spec.label,
                    "Profil": checked.profile,
                    "Zeilen": checked.loaded.frame.height + other,
                    "im Monat": checked.loaded.frame.height,
                    "andere Monate": other,
                    "Fehler": by.get("error", 0),
                    "Warnungen": by.get("warning", 0),
                    "abgebildet": int(counts["mapped"].sum()) if counts is not None else None,
                    "gesperrt": int(counts["blocked"].sum()) if counts is not None else None,
                    "übersprungen": int(counts["skipped"].sum()) if counts is not None else None,
                }
            )
        return pl.DataFrame(rows) if rows else pl.DataFrame()

    @property
    def cash_account(self) -> str | None:
        """The Kasse's account (settings ``cash_account``, else the chart's standard one): the
        counter side of Kasse items, which DATEV books against it."""
        from workbench.pipeline.registry import cash_account_of

        accounts = (cash_account_of(checked_of(run)) for run in self.runs)
        return next((account for account in accounts if account), None)

    def amounts(self) -> pl.DataFrame:
        """Soll/Haben per account of the month's mapped records, all sources together."""
        parts = [
            amounts_per_account(mapping.records, cash_account=self.cash_account)
            for mapping in map(mapping_of, self.runs)
            if mapping is not None and mapping.records.height
        ]
        return _sum_accounts(parts)


def checked_of(run: Run) -> CheckedRun:
    """The check stage's result of a report's run."""
    from workbench.pipeline import CheckedRun

    return run if isinstance(run, CheckedRun) else run.checked


def mapping_of(run: Run) -> Mapped | None:
    """The mapped DATEV records of a report's run (None for calls, which are billed)."""
    from workbench.pipeline import CheckedRun

    return None if isinstance(run, CheckedRun) else run.mapping


def previous_month(month: str) -> str:
    """``2026-01`` → ``2025-12``."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _sum_accounts(parts: list[pl.DataFrame]) -> pl.DataFrame:
    parts = [part for part in parts if part.height]
    if not parts:
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    return (
        pl.concat(parts)
        .group_by("Konto")
        .agg(pl.col("Soll", "Haben").sum().round(2), pl.col("Buchungen").sum())
        .cast(dict(ACCOUNTS_SCHEMA))  # type: ignore[arg-type]
    )


def _as_written(pattern: str, base: Path) -> str:
    """A file as the README writes it (``data/samples/…``), found as the app finds it, also
    when JupyterLab runs this notebook in notebooks/reports; a glob pattern stays as it is."""
    from workbench.resources import resolve_source_path

    if any(char in str(pattern) for char in "*?["):
        return pattern
    return str(resolve_source_path(pattern, base=base))


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
    """Run the main job for ``client`` and month ``period`` over ``sources`` and gather the results.

    ``sources``: ``[{"kind": "receipts", "files": ["…csv"], "profile": "auto"}, …]``; relative
    paths are taken from ``base``, and a file may be a glob pattern (``kasse/*.csv``). A source
    that cannot be loaded is reported, not fatal: the report shows what went wrong. No sources:
    the DATEV side of the month only. ``test``: nothing is sent; with ``transfer`` the files that
    would go to DATEV are written to the test folder, marked "Testdatei".
    """
    from workbench.pipeline.connection import connect
    from workbench.sources.patterns import expand_files

    base = base or Path.cwd()
    data = ReportData(
        client=client,
        period=parse_month(period),
        sources_given=bool(sources),
        transfer_asked=transfer and not test,
        test=test,
    )
    mapping = _resolve(base, pos_mapping) if pos_mapping else None
    previous_parts: list[pl.DataFrame] = []
    with connect() as connection:
        for source in sources:
            files = expand_files([_as_written(f, base) for f in source["files"]], base=base)
            try:
                run = _month_run(source, files, data, connection, engine, mapping)
                if test and transfer:
                    data.test_files += _write_test_files(run, connection, client, data.period)
                previous_parts.append(_previous_amounts(source, files, data, connection, mapping))
            except WorkbenchError as error:
                data.errors.append(f"{source['kind']}: {error}")
                continue
            data.runs.append(run)
        if data.transfer_asked:
            _poll(connection, client, poll_seconds)
        data.transfers = _transfers(connection, client)
        data.pending = _pending(data, connection)
        data.rejections = _rejections(data, connection)
        data.reconciliation, data.reconcile_note = _reconciliation(data, connection)
        if any(part.height for part in previous_parts):
            data.previous, data.previous_from = _sum_accounts(previous_parts), "Quellen"
        else:
            data.previous, data.previous_from = _transferred_amounts(data, connection)
        # the configured Kontenbeschriftungen first, else DATEV's own names (as the Abgleich
        # shows them) for the accounts DATEV booked
        data.account_names = {
            **_datev_account_names(data.reconciliation),
            **_account_names(connection.settings, client, base),
        }
        data.talks = open_talks(connection.settings, client)
    data.findings = concat_findings([run.findings for run in data.runs])
    data.blocked = _blocked(data)
    return data


def _month_run(
    source: dict,
    files: list[Path],
    data: ReportData,
    connection: Connection,
    engine: str,
    mapping: Path | None,
) -> Run:
    """Load, check and map the month's rows of one source (and transfer them, if asked)."""
    from workbench.pipeline import check_run, load_run, map_run, package_run, send_run

    loaded = load_run(source["kind"], files, profile=source.get("profile", "auto"))
    checked = check_run(
        loaded, client=data.client, connection=connection, engine=engine, period=data.period
    )
    if checked.spec.billed:
        return checked
    mapped = map_run(checked, pos_mapping=mapping)
    if data.transfer_asked:
        packaged = package_run(
            mapped,
            out_dir=connection.settings.home / "packages",
            ledger=connection.ledger,
            month=data.period,
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


def _previous_amounts(
    source: dict, files: list[Path], data: ReportData, connection: Connection, mapping: Path | None
) -> pl.DataFrame:
    """The previous month's amounts from the same files (empty if they do not cover it)."""
    from workbench.pipeline import check_run, load_run, map_run
    from workbench.pipeline import mapping_of as pipeline_mapping

    loaded = load_run(source["kind"], files, profile=source.get("profile", "auto"))
    if loaded.spec.billed:
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    checked = check_run(
        loaded, client=data.client, connection=connection, period=data.previous_period
    )
    if checked.loaded.frame.is_empty():
        return pl.DataFrame(schema=ACCOUNTS_SCHEMA)
    mapped = map_run(checked, pos_mapping=mapping)
    return amounts_per_account(pipeline_mapping(mapped).records, cash_account=data.cash_account)


def _transferred_amounts(
    data: ReportData, connection: Connection
) -> tuple[pl.DataFrame | None, str]:
    """The previous month as it was sent to DATEV (read back from the transfers' files)."""
    from workbench.reports.investigate import sent_records

    if data.transfers.is_empty():
        return None, ""
    parts = []
    done = data.transfers.filter(
        (pl.col("month") == data.previous_period)
        & ~pl.col("local_status").is_in(["Fehlgeschlagen", "Gelöscht"])
    )
    for identifier in done["id"].to_list():
        transfer = connection.ledger.get(identifier)
        if transfer.package_path and Path(transfer.package_path).exists():
            parts.append(
                amounts_per_account(sent_records(transfer), cash_account=data.cash_account)
            )
    if not parts:
        return None, ""
    return _sum_accounts(parts), "Übertragungen"


def _datev_account_names(reconciliation: Reconciliation | None) -> dict[str, str]:
    """The Kontenbeschriftungen DATEV gave the Abgleich, by account number."""
    if reconciliation is None or reconciliation.accounts.is_empty():
        return {}
    named = reconciliation.accounts.filter(pl.col("name").is_not_null())
    return dict(named.select("account", "name").iter_rows())


def _account_names(settings: Any, client: str, base: Path) -> dict[str, str]:
    configured = settings.clients.get(client, {}).get("kontenbeschriftungen")
    return read_account_names(_resolve(base, configured)) if configured else {}


def _pending(data: ReportData, connection: Connection) -> pl.DataFrame:
    from workbench.pipeline import records_with_lineage
    from workbench.transfer.groups import PENDING_SCHEMA, pending_groups

    parts = [
        pending_groups(
            records_with_lineage(mapping),
            connection.ledger,
            data.client,
            daily=checked_of(run).spec.daily_items,
        )
        for run in data.runs
        if (mapping := mapping_of(run)) is not None
    ]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=PENDING_SCHEMA)
    return frame.filter(pl.col("month") == data.period)


def _blocked(data: ReportData) -> pl.DataFrame:
    """Blocked rows of the month per rule: what keeps them from DATEV."""
    parts = [
        mapping.blocked.select("source_file", "rules")
        for mapping in map(mapping_of, data.runs)
        if mapping is not None and mapping.blocked.height
    ]
    if not parts:
        return pl.DataFrame(schema={"rule": pl.String, "rows": pl.Int64, "files": pl.String})
    return (
        pl.concat(parts)
        .explode("rules")
        .group_by(pl.col("rules").alias("rule"))
        .agg(
            pl.len().cast(pl.Int64).alias("rows"),
            pl.col("source_file").unique().sort().str.join(", ").alias("files"),
        )
        .sort("rows", "rule", descending=[True, False])
    )


def _rejections(data: ReportData, connection: Connection) -> pl.DataFrame:
    """DATEV's errors on the month's transfers, as findings on the source rows they concern."""
    from workbench.transfer.backmap import backmap_findings

    month = data.month_transfers
    if month.is_empty():
        return empty_findings()
    failed = month.filter(pl.col("datev_status").is_in(list(FAILED_STATUSES)))
    return concat_findings(
        [backmap_findings(connection.ledger, identifier) for identifier in failed["id"]]
    )


def _reconciliation(data: ReportData, connection: Connection) -> tuple[Reconciliation | None, str]:
    """The Abgleich of the month's transfers with DATEV's bookings (the month's sources as the
    third side); without transfers, or when DATEV cannot be read, the reason instead."""
    from workbench.pipeline import MappedRun, reconcile_run

    if data.month_transfers.is_empty():
        return None, (
            f"Für {format_month(data.period)} wurde nichts übertragen; der Abgleich mit DATEV "
            "folgt auf die Übertragungen des Monats."
        )
    sources = [run for run in data.runs if isinstance(run, MappedRun)]
    try:
        return reconcile_run(
            connection, client=data.client, period=data.period, sources=sources
        ), ""
    except WorkbenchError as error:
        return None, f"Abgleich mit DATEV nicht möglich: {error}"


def open_talks(settings: Any, client: str) -> pl.DataFrame:
    """The client's Mandantentalk questions not yet closed, oldest first (seed 002)."""
    if not settings.talk_path.is_file():
        return pl.DataFrame()
    from workbench.talk import TalkStore, open_talks_frame

    with TalkStore.open(settings) as store:
        return open_talks_frame(store, client=client)


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


def finish(data: ReportData, result_path: str | None) -> None:
    """Write the machine-readable result (exit code, counts) that ``workbench report`` reads."""
    if not result_path:
        return
    severities = (
        dict(data.findings["severity"].value_counts().iter_rows()) if data.findings.height else {}
    )
    month = data.month_transfers
    Path(result_path).write_text(
        json.dumps(
            {
                "client": data.client,
                "period": data.period,
                "exit_code": data.exit_code,
                "errors": severities.get("error", 0),
                "warnings": severities.get("warning", 0),
                "infos": severities.get("info", 0),
                "transfers": month.height,
                "rejected": int(month["datev_status"].is_in(list(FAILED_STATUSES)).sum())
                if month.height
                else 0,
                "open_items": int(data.pending["items"].sum()) if data.pending.height else 0,
                "open_talks": data.talks.height,
                "problems": data.errors,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
