"""The reconcile stage (after status): sources vs sent vs what DATEV booked, per account and Beleg.

Its input is what the stages before left: the ledger's transfers (send, status) and, if the
user names source files, their mapped runs (load → check → map, the same path a transfer
takes, so a source row becomes exactly the booking the workbench would send).

>>> with connect() as connection:  # doctest: +SKIP
...     sources = map_sources(connection, [("receipts", [Path("belege.csv"), None])],
...                           client="455148-1", period="2026-01")
...     result = reconcile_run(connection, client="455148-1", period="2026-01", sources=sources)
>>> result.exit_code  # doctest: +SKIP
0
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.errors import ConfigError
from workbench.german import format_count, format_month
from workbench.kinds import Target, kind_spec
from workbench.pipeline.check import check_run
from workbench.pipeline.load import load_run
from workbench.pipeline.map import map_run, mapping_of, records_with_lineage
from workbench.pipeline.results import MappedRun

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection
    from workbench.reconcile import Reconciliation

__all__ = ["map_sources", "reconcile_run"]

#: (kind, files, profile or None for "auto")
SourceSpec = tuple[str, Sequence[Path], str | None]


def map_sources(
    connection: Connection,
    sources: Sequence[SourceSpec],
    *,
    client: str,
    period: str,
    pos_mapping: Path | None = None,
) -> list[MappedRun]:
    """Load, check and map each source for ``client`` the way a transfer does, with the rows
    of ``period`` selected (ARCHITECTURE §4.1: ``--period`` selects)."""
    runs = []
    for kind, files, profile in sources:
        spec = kind_spec(kind)
        if spec.billed:
            raise ConfigError(
                f"'{kind}' lässt sich nicht abgleichen: Anrufe werden als Auslagen in DATEV "
                "Eigenorganisation gebucht, nicht im Rechnungswesen des Mandanten."
            )
        loaded = load_run(spec.kind, files, profile=profile or "auto")
        # The whole files are checked, as for a transfer (cash balances and duplicates look
        # across months); then the period selects its rows, the others are counted.
        checked = check_run(loaded, client=client, connection=connection, period=period)
        runs.append(map_run(checked, pos_mapping=pos_mapping))
    return runs


def reconcile_run(
    connection: Connection,
    *,
    client: str,
    period: str,
    sources: Sequence[MappedRun] = (),
) -> Reconciliation:
    """Reconcile ``client`` for ``period`` (``YYYY-MM``): DATEV's bookings read back through
    Accounting Data Exchange, the ledger's transfers, and the mapped ``sources`` (optional)."""
    from workbench.reconcile import reconcile

    records, notes = [], []
    for mapped in sources:
        mapping = mapping_of(mapped)
        target = "extf" if mapped.target is Target.EXTF else "ledger"
        records.append((records_with_lineage(mapping), target))
        notes.extend(_counted(mapping.counts()))
        notes.extend(
            f"{file}: {format_count(count)} Zeilen anderer Monate als {format_month(period)} "
            "gehören zum Abgleich ihres Monats."
            for file, count in sorted(mapped.checked.other_months.items())
        )
    return reconcile(
        client=client,
        period=period,
        ledger=connection.ledger,
        datev=connection.datev,
        sources=records if sources else None,
        notes=notes,
    )


def _counted(counts: pl.DataFrame) -> list[str]:
    """A note per source file with rows that have no booking (blocked or skipped)."""
    notes = []
    for row in counts.iter_rows(named=True):
        if row["blocked"] or row["skipped"]:
            notes.append(
                f"{row['source_file']}: {format_count(row['loaded'])} Zeilen, davon "
                f"{format_count(row['blocked'])} wegen Fehlern gesperrt und "
                f"{format_count(row['skipped'])} von der Übertragung ausgenommen; sie "
                "fehlen in der Spalte Quelle."
            )
    return notes
