"""Schritt "Protokoll": DATEV's protocol of the chosen transfer, errors first, each with the source
rows it concerns ("Betroffene Quellzeilen").

Receipt confirmations ("wurde empfangen!", one per uploaded file) come last and folded into one
line unless asked for. The whole protocol is shown, page by page: a large transfer's first
thousand lines are confirmations, DATEV's rejections come after them (seed 004's "maximal 1.000
Zeilen" is a vendor's display limit, not DATEV's).
"""

from __future__ import annotations

import ipywidgets as widgets
import polars as pl

from workbench.german import format_count, format_datetime, format_month
from workbench.transfer.backmap import backmap_findings
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, message_html

__all__ = ["ProtocolStep", "protocol_frame"]

_TYPES = {"error": ("error", 0), "warning": ("warning", 1)}
_LABELS = {
    "severity": "Typ",
    "text": "Meldung",
    "filename": "Datei bei DATEV",
    "rows": "Betroffene Quellzeilen",
    "time": "Zeit",
}
_BACKMAPPED = {
    "severity": "Schwere",
    "message": "Meldung",
    "source": "Datei",
    "row": "Zeile",
    "item_id": "Position",
}


def protocol_frame(protocol: list[dict], items: list[dict]) -> pl.DataFrame:
    """Protocol lines, errors first, each with the source rows of the file it names.

    EXTF answers (``title``/``affected_elements``) count as errors.
    """
    by_file: dict[str, dict[str, list[int]]] = {}
    for item in items:
        datafile = (item.get("record_ref") or "").split("#", 1)[0].rsplit("/", 1)[-1]
        if item.get("source_file"):
            numbers = by_file.setdefault(datafile, {}).setdefault(item["source_file"], [])
            numbers.append(int(item["source_row"]))
    lines: list[dict[str, object]] = []
    for entry in protocol:
        if "type" in entry:
            kind, text, filename = entry.get("type"), entry.get("text"), entry.get("filename")
        else:
            kind = "error"
            text = entry.get("title") or entry.get("detail") or "Import abgelehnt"
            text += "".join(
                f"; {element.get('name')}: {element.get('reason')}"
                for element in entry.get("affected_elements") or []
            )
            filename = None
        severity, rank = _TYPES.get(kind or "", ("info", 2))
        affected = by_file.get(filename or "", {}) if severity != "info" else {}
        shown = "; ".join(_rows_text(source, numbers) for source, numbers in affected.items())
        lines.append(
            {
                "rank": rank,
                "severity": severity,
                "text": text,
                "filename": filename,
                "rows": shown or ("die ganze Übertragung" if severity != "info" else ""),
                "time": format_datetime(entry.get("time")) if entry.get("time") else "",
            }
        )
    schema = {"rank": pl.Int64, **dict.fromkeys(_LABELS, pl.String)}
    if not lines:
        return pl.DataFrame(schema=schema).drop("rank")
    return (
        pl.DataFrame(lines, schema=schema)
        .with_row_index("order")
        .sort("rank", "order")
        .drop("rank", "order")
    )


def _rows_text(source: str, rows: list[int]) -> str:
    """``belege.csv: Zeilen 3, 4, 5`` (the first ten, then how many in all)."""
    numbers = sorted(set(rows))
    shown = ", ".join(str(number) for number in numbers[:10])
    more = f" … ({format_count(len(numbers))} Zeilen)" if len(numbers) > 10 else ""
    return f"{source}: Zeile{'n' if len(numbers) > 1 else ''} {shown}{more}"


class ProtocolStep(Step):
    key = "protocol"
    title = "Protokoll"
    needs = (
        "Zeigt das DATEV-Protokoll der im Schritt „Status“ gewählten Übertragung: Fehler zuerst, "
        "mit den betroffenen Quellzeilen."
    )

    def build(self) -> None:
        self.which = widgets.HTML()
        self.which.add_class("wb-protocol-transfer")
        self.everything = widgets.Checkbox(description="auch Eingangsbestätigungen zeigen")
        self.everything.add_class("wb-protocol-all")
        self.everything.observe(self.app.runner.guard(self.refresh), names="value")
        self.folded = widgets.HTML()
        self.protocol = PagedTable(
            page_size=50,
            css_class="wb-protocol",
            unit="Protokollzeilen",
            labels=_LABELS,
            one_line={"text": 520, "rows": 320},
            badge="severity",
        )
        self.backmapped = PagedTable(
            page_size=25,
            css_class="wb-backmapped",
            unit="Quellzeilen",
            labels=_BACKMAPPED,
            one_line={"message": 560},
            badge="severity",
        )
        self.body.children = [
            self.which,
            self.everything,
            self.protocol.widget,
            self.folded,
            widgets.HTML("<b>Betroffene Quellzeilen</b> (was Sie in der Quelle korrigieren)"),
            self.backmapped.widget,
        ]

    def refresh(self) -> None:
        session = self.app.session
        identifier = session.transfer_id
        if identifier is None:
            self.say("Bitte im Schritt „Status“ eine Übertragung wählen und ihren Status abrufen.")
            self.which.value = ""
            self.protocol.clear()
            self.backmapped.clear()
            return
        ledger = session.connection.ledger
        transfer = ledger.get(identifier)
        fetched = session.fetched_protocol
        protocol = fetched if fetched is not None else transfer.protocol or []
        state = "abgerufen, noch nicht bestätigt" if fetched is not None else "gespeichert"
        self.which.value = message_html(
            f"Übertragung {identifier[:8]} ({format_month(transfer.month)}, "
            f"{transfer.document_kind or transfer.kind}); Protokoll {state}, "
            f"{format_count(len(protocol))} Zeilen."
        )
        frame = protocol_frame(protocol, ledger.items(identifier))
        infos = frame.filter(pl.col("severity") == "info")
        shown = frame if self.everything.value else frame.filter(pl.col("severity") != "info")
        self.protocol.set_frame(shown)
        self.folded.value = (
            message_html(
                f"{format_count(infos.height)} Eingangsbestätigungen (z. B. „{infos['text'][0]}“) "
                f"ausgeblendet."
            )
            if infos.height and not self.everything.value
            else ""
        )
        found = backmap_findings(ledger, identifier, protocol=protocol)
        self.backmapped.set_frame(found.select(list(_BACKMAPPED)))
        errors = frame.filter(pl.col("severity") == "error").height
        self.say(
            f"{format_count(errors)} Fehler im Protokoll; korrigieren Sie die betroffenen "
            f"Quellzeilen und übertragen Sie neu."
            if errors
            else "Keine Fehler im Protokoll.",
            level="error" if errors else "ok",
        )

    @property
    def done(self) -> bool:
        return self.app.session.transfer_id is not None

    def reset(self) -> None:
        self.which.value = ""
        self.folded.value = ""
        self.protocol.clear()
        self.backmapped.clear()
