"""Ad hoc error investigation: why did transfer X fail, which rows, what to fix.

:func:`investigate` gathers, for one transfer, what the ledger knows (items, files, audit log),
what DATEV says now (without storing it: that stays the user's decision, seed 004), the
protocol, DATEV's errors mapped back to source rows, the exact DATEV fields that were sent (read
back from the uploaded files) and the checks re-run on those fields and files.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.errors import DatevApiError, WorkbenchError

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection

__all__ = ["Investigation", "investigate", "investigation_html", "next_step", "sent_records"]


@dataclass
class Investigation:
    transfer: Any
    items: pl.DataFrame
    audit: pl.DataFrame
    datev_status: str | None
    datev_gone: bool
    protocol: list[dict]
    backmapped: pl.DataFrame
    sent: pl.DataFrame
    recheck: pl.DataFrame
    problems: list[str] = field(default_factory=list)

    @classmethod
    def nothing(cls, problem: str) -> Investigation:
        """No transfer to investigate, and why (shown instead of one)."""
        empty = pl.DataFrame()
        return cls(None, empty, empty, None, False, [], empty, empty, empty, [problem])


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
    problems: list[str] = []
    if not transfer_id.strip():  # the notebook's own parameter, "Run All" as it is
        transfers = ledger.transfers()
        if not transfers:
            return Investigation.nothing(NOTHING_TO_INVESTIGATE)
        transfer_id = transfers[-1].id
        problems.append(
            f"Keine Übertragung angegeben (Parameter transfer_id): gezeigt wird die neueste, "
            f"{transfer_id}. Eine andere: ihre ID aus 'workbench status' als transfer_id."
        )
    transfer_id = ledger.resolve(transfer_id)  # the notebook's parameter may be its first chars
    transfer = ledger.get(transfer_id)
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
        protocol=list(protocol),
        backmapped=backmap_findings(ledger, transfer_id),
        sent=sent,
        recheck=recheck,
        problems=problems,
    )


NOTHING_TO_INVESTIGATE = (
    "Noch keine Übertragungen in diesem Übertragungsprotokoll. Übertragen Sie zuerst "
    "(workbench transfer …) und tragen Sie dann die ID aus 'workbench status' als transfer_id "
    "in die Zelle parameters ein."
)


def show(investigation: Investigation) -> None:
    """Render the investigation as HTML (used by notebooks/investigate/transfer.ipynb)."""
    from IPython.display import HTML, display

    display(HTML(investigation_html(investigation)))


def investigation_html(investigation: Investigation) -> str:
    """The investigation as a bookkeeper reads it: where the transfer stands and what to do
    next, the source rows DATEV's errors concern, DATEV's protocol, the fields as sent, the
    re-check, the items and the audit log; every text from DATEV or a file escaped."""
    from workbench.reports.render import table_html
    from workbench.transfer.protocol import protocol_table

    if investigation.transfer is None:
        return "".join(f"<p>{html.escape(problem)}</p>" for problem in investigation.problems)
    protocol = investigation.protocol
    sections = (
        ("Betroffene Quellzeilen", "", investigation.backmapped),
        ("DATEV-Protokoll", _headline(protocol), protocol_table(protocol)),
        ("Gesendete DATEV-Felder", "", _as_sent(investigation.sent)),
        ("Erneute Prüfung der gesendeten Daten", "", investigation.recheck),
        ("Positionen", "", _german(investigation.items, ITEM_COLUMNS)),
        (
            "Protokoll der Workbench (Audit)",
            "",
            _german(_audit(investigation.audit), AUDIT_COLUMNS),
        ),
    )
    return _header_html(investigation) + "".join(
        # every line of the grouped protocol (a rejection is never cut off); the rest shows
        # its first rows with a count of the others
        f"<h3>{title}</h3>{intro}"
        + table_html(frame, limit=frame.height if title == "DATEV-Protokoll" else 200)
        for title, intro, frame in sections
    )


def _as_sent(sent: pl.DataFrame) -> pl.DataFrame:
    """The fields the transfer filled, as written. DATEV's formats have 125 (Buchungsstapel)
    or 254 (Debitoren/Kreditoren) fields and a file fills few of them: the empty ones would
    hide the rest. Whole numbers are accounts, keys and years (Konto 8300, not 8.300): shown
    without thousands separators."""
    if sent.is_empty():
        return sent
    filled = sent.select(
        (pl.col(name).is_not_null() & (pl.col(name).cast(pl.String) != "")).any()
        for name in sent.columns
    ).row(0)
    kept = [name for name, used in zip(sent.columns, filled, strict=True) if used]
    return sent.select(kept).with_columns(
        pl.col(name).cast(pl.String)
        for name in kept
        if sent.schema[name].is_integer() and name != "Zeile"
    )


#: The ledger's columns of items and audit entries a bookkeeper reads, with their German names
#: (ids and content hashes are the ledger's own business).
ITEM_COLUMNS = {
    "item_id": "Position",
    "source_file": "Datei",
    "source_row": "Zeile",
    "record_ref": "Stelle im Paket",
}
AUDIT_COLUMNS = {"at": "Zeit", "user": "Benutzer", "action": "Aktion", "details": "Angaben"}


#: Audit details the tables' column titles (``german.COLUMN_TITLES``) do not name.
_DETAIL_NAMES = {
    "package_no": "Paket",
    "retransfer_of": "sendet erneut, was gesendet wurde mit",
    "files": "Dateien",
    "job_id": "DATEV-Job",
    "protocol_fetched_at": "Protokoll abgerufen",
    "error": "Fehler",
}


def _audit(audit: pl.DataFrame) -> pl.DataFrame:
    """The audit log with each step's details as "Lokaler Status: Transferiert · DATEV-Job: …"
    (the ledger keeps them as JSON with its own field names)."""
    if "details" not in audit.columns:
        return audit
    return audit.with_columns(
        pl.col("details").map_elements(_details_text, return_dtype=pl.String, skip_nulls=True)
    )


def _details_text(details: str) -> str:
    from workbench.german import COLUMN_TITLES, format_datetime, format_month
    from workbench.transfer.ledger import datev_status_text

    try:
        values = json.loads(details)
    except ValueError:
        return details
    if not isinstance(values, dict):
        return details
    shown = {
        "kind": lambda v: _kind_label(str(v)) or str(v),
        "month": format_month,
        "datev_status": datev_status_text,
        "protocol_fetched_at": format_datetime,
    }
    names = {**COLUMN_TITLES, **_DETAIL_NAMES}
    return " · ".join(
        f"{names.get(name, name)}: {shown.get(name, str)(value)}"
        for name, value in values.items()
        if value is not None
    )


def _kind_label(kind: str) -> str:
    """The source kind as the user knows it ("Rechnungen"); "" for a ledger-only kind."""
    from workbench.kinds import KINDS, SourceKind

    return KINDS[SourceKind(kind)].label if kind in set(SourceKind) else ""


def _german(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    from workbench.german import format_datetime

    kept = [name for name in columns if name in frame.columns]
    frame = frame.select(kept)
    if "at" in kept or "time" in kept:
        moment = "at" if "at" in kept else "time"
        frame = frame.with_columns(
            pl.col(moment).map_elements(
                lambda value: format_datetime(value, seconds=True), return_dtype=pl.String
            )
        )
    return frame.rename({name: columns[name] for name in kept})


def _headline(entries: list[dict]) -> str:
    """DATEV's protocol in one sentence (files received and taken over, files with errors)."""
    from workbench.transfer.protocol import protocol_headline

    if not entries or not all("type" in entry for entry in entries):
        return ""  # an EXTF job's validation details speak for themselves
    return f"<p>{html.escape(protocol_headline(entries))}</p>"


def _header_html(investigation: Investigation) -> str:
    from workbench.german import format_month
    from workbench.transfer.ledger import datev_status_text

    transfer = investigation.transfer
    label = _kind_label(transfer.kind)
    status = investigation.datev_status
    said = datev_status_text(status) or "noch kein Status"
    gone = (
        " (bei DATEV nach Ablauf der Aufbewahrung gelöscht; gezeigt wird der zuletzt "
        "gespeicherte Stand)"
        if investigation.datev_gone
        else ""
    )
    where = ", ".join(
        part
        for part in (
            f"Mandant {transfer.client}",
            label or transfer.kind,
            format_month(transfer.month) if transfer.month else "",
            transfer.document_kind or "",
        )
        if part
    )
    red = "<p style='color:#b00'>{}</p>"
    return (
        f"<h2>Übertragung {html.escape(transfer.id)}</h2>"
        f"<p>{html.escape(where)}; lokal: <b>{html.escape(transfer.local_status)}</b>, "
        f"bei DATEV: <b>{html.escape(said)}</b>{gone}.</p>"
        + (red.format(html.escape(transfer.error)) if transfer.error else "")
        + "".join(red.format(html.escape(problem)) for problem in investigation.problems)
        + f"<p><b>Nächster Schritt:</b> "
        f"{html.escape(next_step(transfer, status, rows=investigation.backmapped.height))}</p>"
    )


def next_step(transfer: Any, datev_status: str | None, *, rows: int = 0) -> str:
    """What the user does now, by where the transfer stands (seed 004's statuses) and whether
    DATEV's errors name source ``rows``."""
    from workbench.transfer.ledger import DATEV_STATUS, IN_PROGRESS

    retransfer = f"workbench retransfer {transfer.id}"
    again = (
        "Korrigieren Sie die betroffenen Quellzeilen (unten) und übertragen Sie Beleg-Art und "
        f"Monat erneut (workbench transfer …); lag die Ursache bei DATEV, genügt {retransfer}."
        if rows
        else "DATEVs Meldung nennt keine Quellzeile: die Ursache liegt meist in der Einrichtung "
        "des Mandanten bei DATEV (Beleg-Art, Ordner, Wirtschaftsjahr, Datenservice). Beheben "
        f"Sie sie in DATEV Unternehmen online, dann {retransfer}; lag es an den Daten, "
        "korrigieren Sie sie und übertragen Sie erneut (workbench transfer …)."
    )
    if transfer.local_status == "Gelöscht":
        return "Keiner: die Übertragung ist gelöscht; ihre Positionen können neu übertragen werden."
    if transfer.local_status == "Fehlgeschlagen":
        return "DATEV hat die Übertragung abgelehnt (Meldung oben). " + again
    if transfer.local_status in IN_PROGRESS:
        return (
            f"Die Übertragung ist nicht abgeschlossen. Läuft kein Prozess mehr, setzen Sie sie "
            f"fort: workbench resume {transfer.id} (oder löschen: workbench delete {transfer.id})."
        )
    if datev_status in ("3", "4", "6", "failed"):
        meaning = DATEV_STATUS.get(int(datev_status), ("", ""))[1] if datev_status.isdigit() else ""
        return f"{meaning} {again}".strip()
    if datev_status in (None, "0", "1", "pending"):
        return (
            "DATEV verarbeitet die Daten noch: fragen Sie den Status später ab "
            f"(workbench status {transfer.id} --refresh)."
        )
    return "Keiner: DATEV hat die Übertragung verarbeitet."
