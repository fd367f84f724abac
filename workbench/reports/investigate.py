"""Ad hoc error investigation: why did transfer X fail, which rows, what to fix.

:func:`investigate` gathers, for one transfer, what the ledger knows (items, files, audit log),
what DATEV says now (without storing it: that stays the user's decision, seed 004), the
protocol, DATEV's errors mapped back to source rows, the exact DATEV fields that were sent (read
back from the uploaded files) and the checks re-run on those fields and files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.errors import DatevApiError, WorkbenchError

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection

__all__ = ["Investigation", "investigate", "sent_records"]


@dataclass
class Investigation:
    transfer: Any
    items: pl.DataFrame
    audit: pl.DataFrame
    datev_status: str | None
    datev_gone: bool
    protocol: pl.DataFrame
    backmapped: pl.DataFrame
    sent: pl.DataFrame
    recheck: pl.DataFrame
    problems: list[str] = field(default_factory=list)


def sent_records(transfer: Any) -> pl.DataFrame:
    """The DATEV fields exactly as uploaded, read back from the transfer's files."""
    from workbench.datev.extf import read_extf
    from workbench.datev.ledger_xml import read_ledger_xml

    path = Path(transfer.package_path or "")
    if transfer.channel == "extf":
        return read_extf(path).frame.with_row_index("Zeile", offset=3)
    parts = []
    for file in sorted(path.glob("*.xml")):
        if file.name == "document.xml":
            continue
        ledger = read_ledger_xml(file)
        parts.append(
            ledger.records.with_columns(
                pl.lit(file.name).alias("datafile"), pl.lit(ledger.ledger).alias("ledger")
            )
        )
    return pl.concat(parts, how="diagonal_relaxed") if parts else pl.DataFrame()


def _recheck(transfer: Any, sent: pl.DataFrame) -> pl.DataFrame:
    """Schema and field checks on what was sent (a changed file shows up here too)."""
    from workbench.datev.xsd import validate_xml

    rows: list[dict[str, str]] = []
    path = Path(transfer.package_path or "")
    if transfer.channel == "extf":
        from workbench.datev.extf import read_extf, validate_bookings

        header = read_extf(path).header
        found = validate_bookings(sent.drop("Zeile"), header)
        return found
    for file in sorted(path.glob("*.xml")):
        kind = "document" if file.name == "document.xml" else "ledger"
        rows.extend(
            {"datei": file.name, "prüfung": f"XSD ({kind})", "meldung": message}
            for message in validate_xml(file, kind)
        )
    return pl.DataFrame(
        rows, schema={"datei": pl.String, "prüfung": pl.String, "meldung": pl.String}
    )


def investigate(connection: Connection, transfer_id: str) -> Investigation:
    """Everything known about one transfer; DATEV's current status is shown, not stored."""
    from workbench.pipeline import status_run
    from workbench.transfer.backmap import backmap_findings

    ledger = connection.ledger
    transfer = ledger.get(transfer_id)
    problems: list[str] = []
    status, gone, protocol = transfer.datev_status, False, transfer.protocol or []
    try:
        for current in status_run(connection, [transfer_id], confirm=False):
            status, gone = current.datev_status, current.gone
            protocol = current.protocol if current.protocol is not None else protocol
    except DatevApiError as error:
        problems.append(f"DATEV-Status nicht abrufbar: {error}")
    try:
        sent = sent_records(transfer)
        recheck = _recheck(transfer, sent)
    except (OSError, WorkbenchError) as error:
        problems.append(f"Die übertragenen Dateien sind nicht mehr lesbar: {error}")
        sent, recheck = pl.DataFrame(), pl.DataFrame()
    return Investigation(
        transfer=transfer,
        items=pl.DataFrame(ledger.items(transfer_id)),
        audit=pl.DataFrame(ledger.audit_log(transfer_id)),
        datev_status=status,
        datev_gone=gone,
        protocol=pl.DataFrame(protocol[:1000]) if protocol else pl.DataFrame(),
        backmapped=backmap_findings(ledger, transfer_id),
        sent=sent,
        recheck=recheck,
        problems=problems,
    )


def show(investigation: Investigation) -> None:
    """Render the investigation as HTML blocks (used by notebooks/investigate/transfer.ipynb)."""
    from IPython.display import HTML, display

    from workbench.reports.render import table_html

    transfer = investigation.transfer
    gone = (
        " (bei DATEV nach Ablauf der Aufbewahrung gelöscht; gezeigt wird der zuletzt "
        "gespeicherte Stand)"
        if investigation.datev_gone
        else ""
    )
    display(
        HTML(
            f"<h2>Übertragung {transfer.id}</h2><p>Mandant {transfer.client}, {transfer.kind}, "
            f"{transfer.month}, {transfer.document_kind}; lokal: <b>{transfer.local_status}</b>, "
            f"DATEV jetzt: <b>{investigation.datev_status}</b>{gone}.</p>"
            + (f"<p style='color:#b00'>{transfer.error}</p>" if transfer.error else "")
            + "".join(f"<p style='color:#b00'>{problem}</p>" for problem in investigation.problems)
        )
    )
    for title, frame in (
        ("Betroffene Quellzeilen", investigation.backmapped),
        ("DATEV-Protokoll", investigation.protocol),
        ("Gesendete DATEV-Felder", investigation.sent),
        ("Erneute Prüfung der gesendeten Daten", investigation.recheck),
        ("Positionen", investigation.items),
        ("Protokoll der Workbench (Audit)", investigation.audit),
    ):
        display(HTML(f"<h3>{title}</h3>" + table_html(frame)))
