"""Reiter "Status": Übertragungen mit lokalem und DATEV-Status; Status aktualisieren, dann
"Bestätigen" (erst dann wird er gespeichert, seed 004); Protokoll (max. 1000 Zeilen) und die
betroffenen Quellzeilen; eine unterbrochene Übertragung fortsetzen, eine offene oder von DATEV
nicht verarbeitete löschen, eine fehlgeschlagene neu übertragen (jeweils mit Rückfrage).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar

import ipywidgets as widgets
import polars as pl

from workbench.pipeline import status_run
from workbench.transfer import jobs
from workbench.transfer.backmap import backmap_findings
from workbench.transfer.ledger import DATEV_STATUS
from workbench.transfer.status import describe
from workbench.ui.tables import PagedTable, frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["StatusTab", "status_meaning"]

PROTOCOL_LIMIT = 1000
#: DATEV statuses that need the user's attention (highlighted as errors).
_FAILED = {"Abgebrochen", "Zu Prüfen", "Storniert mit Fehler"}
_MEANINGS = {label: meaning for label, meaning in DATEV_STATUS.values()}
_LABELS = {
    "id": "Übertragung",
    "client": "Mandant",
    "kind": "Quellart",
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "items": "Positionen",
    "local_status": "Lokaler Status",
    "datev_status": "DATEV-Status",
    "job_ids": "DATEV-Job",
}


def status_meaning(text: str) -> str:
    """Seed 004's meaning of a DATEV status as shown (``Fertig`` …), or ``""``."""
    return _MEANINGS.get(text, "")


class StatusTab:
    title = "Status"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.pending = None
        self.reload = widgets.Button(description="Liste neu laden", icon="refresh")
        self.reload.on_click(app.runner.guard(self.refresh))
        self.overview = widgets.HTML()
        self.overview.add_class("wb-transfers")
        self.transfer = widgets.Dropdown(
            description="Übertragung", options=[], layout=widgets.Layout(width="620px")
        )
        self.transfer.add_class("wb-transfer-choice")
        self.fetch = widgets.Button(
            description="Status aktualisieren",
            button_style="primary",
            icon="cloud-download",
            layout=widgets.Layout(width="200px"),
        )
        self.fetch.add_class("wb-refresh-status")
        self.fetch.on_click(app.runner.guard(self.on_fetch))
        self.confirm = widgets.Button(
            description="Bestätigen", button_style="success", icon="check", disabled=True
        )
        self.confirm.add_class("wb-confirm-status")
        self.confirm.on_click(app.runner.guard(self.on_confirm))
        self.show_protocol = widgets.Button(description="Protokoll anzeigen", icon="list")
        self.show_protocol.add_class("wb-show-protocol")
        self.show_protocol.on_click(app.runner.guard(self.on_protocol))
        self.actions = {
            "resume": widgets.Button(description="Fortsetzen", icon="play"),
            "delete": widgets.Button(description="Löschen", icon="trash", button_style="danger"),
            "retransfer": widgets.Button(description="Neu übertragen", icon="repeat"),
        }
        for name, button in self.actions.items():
            button.add_class(f"wb-{name}")
            button.on_click(app.runner.guard(functools.partial(self.ask, name)))
        self.pending_action: tuple[str, str] | None = None
        self.action_question = widgets.HTML()
        self.action_confirm = widgets.Button(
            description="Ja, ausführen", button_style="warning", disabled=True
        )
        self.action_confirm.on_click(app.runner.guard(self.on_action))
        self.fetched = widgets.HTML()
        self.fetched.add_class("wb-fetched-status")
        self.protocol = PagedTable(
            page_size=50, severity="type", css_class="wb-protocol", unit="Protokollzeilen"
        )
        self.backmapped = PagedTable(page_size=25, css_class="wb-backmapped", unit="Befunde")
        self.widget = widgets.VBox(
            [
                self.reload,
                self.overview,
                self.transfer,
                widgets.HBox([self.fetch, self.confirm, self.show_protocol]),
                self.fetched,
                widgets.HBox([*self.actions.values(), self.action_confirm]),
                self.action_question,
                widgets.HTML("<b>Protokoll</b>"),
                self.protocol.widget,
                widgets.HTML("<b>Betroffene Quellzeilen</b>"),
                self.backmapped.widget,
            ]
        )

    def refresh(self) -> None:
        ledger = self.app.session.connection.ledger
        transfers = ledger.transfers()
        rows = [describe(ledger, item) for item in transfers]
        rows = [{**row, "job_ids": ", ".join(row["job_ids"])} for row in rows]
        if rows:
            frame = pl.DataFrame(rows).with_columns(
                pl.when(
                    pl.col("datev_status").is_in(list(_FAILED))
                    | (pl.col("local_status") == "Fehlgeschlagen")
                )
                .then(pl.lit("error"))
                .when(pl.col("datev_status") == "Fertig")
                .then(pl.lit("ok"))
                .otherwise(None)
                .alias("severity")
            )
            self.overview.value = frame_html(frame, labels={**_LABELS, "severity": "Hinweis"})
        else:
            self.overview.value = message_html("Noch keine Übertragungen.")
        set_options(
            self.transfer,
            [
                (
                    f"{t.id[:8]} · {t.client} · {t.month} · {t.document_kind or t.kind} · "
                    f"{t.local_status} / {t.datev_status_text or '–'}",
                    t.id,
                )
                for t in reversed(transfers)
            ],
        )

    def on_fetch(self) -> None:
        session = self.app.session
        identifier = self.transfer.value
        if identifier is None:
            self.app.runner.say("Bitte eine Übertragung wählen.", level="warning")
            return

        def work(progress):
            progress(0, 1, "Status bei DATEV abrufen")
            shown = status_run(session.connection, [identifier], confirm=False)
            return shown[0] if shown else None

        def done(result) -> None:
            self.pending = result
            if result is None:
                self.fetched.value = message_html(
                    "Für diese Übertragung gibt es noch keinen DATEV-Job und damit keinen "
                    "Status; setzen Sie sie fort oder löschen Sie sie.",
                    level="warning",
                )
                self.confirm.disabled = True
                return
            if result.gone:
                self.fetched.value = message_html(
                    "Status und Protokoll sind bei DATEV nicht mehr vorhanden (nach ca. zwei "
                    "Monaten gelöscht); der zuletzt gespeicherte Status bleibt.",
                    level="warning",
                )
                self.confirm.disabled = True
                return
            text = replace(result.transfer, datev_status=result.datev_status).datev_status_text
            failed = text in _FAILED
            self.fetched.value = message_html(
                f"DATEV-Status: {text or '–'}. {status_meaning(text)} Mit „Bestätigen“ wird "
                f"der Status in die Übertragung übernommen.",
                level="error" if failed else "ok" if text == "Fertig" else "info",
            )
            self.confirm.disabled = False
            self._show_protocol(result.protocol or [], result.transfer.id, stored=False)

        self.app.runner.run(
            "Status abrufen",
            work,
            done,
            success="Status abgerufen; bitte bestätigen, um ihn zu speichern.",
        )

    def on_confirm(self) -> None:
        session = self.app.session
        if self.pending is None:
            return
        identifier = self.pending.transfer.id

        def work(progress):
            progress(0, 1, "Status speichern")
            [stored] = status_run(session.connection, [identifier], confirm=True)
            return stored

        def done(result) -> None:
            self.pending = None
            self.confirm.disabled = True
            self.fetched.value = message_html(
                f"Gespeichert: DATEV-Status {result.transfer.datev_status_text or '–'}.",
                level="ok" if result.saved else "warning",
            )
            self.refresh()
            self._show_protocol(result.transfer.protocol or [], identifier, stored=True)

        self.app.runner.run("Bestätigen", work, done, success="Status gespeichert.")

    _QUESTIONS: ClassVar[dict[str, str]] = {
        "resume": "Übertragung fortsetzen? Bereits hochgeladene Dateien werden nicht doppelt "
        "übertragen.",
        "delete": "Übertragung löschen? Das geht nur, solange DATEV sie nicht verarbeitet hat; "
        "ihre Positionen können danach neu übertragen werden.",
        "retransfer": "Fehlgeschlagene Übertragung neu übertragen? Dieselben Dateien gehen als "
        "neue Übertragung an DATEV.",
    }

    def ask(self, action: str) -> None:
        """First click: say what will happen; the action runs only after "Ja, ausführen"."""
        identifier = self.transfer.value
        if identifier is None:
            self.app.runner.say("Bitte eine Übertragung wählen.", level="warning")
            return
        self.pending_action = (action, identifier)
        self.action_question.value = message_html(
            f"{identifier[:8]}: {self._QUESTIONS[action]}", level="warning"
        )
        self.action_confirm.disabled = False

    def on_action(self) -> None:
        if self.pending_action is None:
            return
        action, identifier = self.pending_action
        session = self.app.session
        operation = {
            "resume": jobs.send_transfer,
            "delete": jobs.delete_transfer,
            "retransfer": jobs.retransfer,
        }[action]

        def work(progress):
            progress(0, 1, self.actions[action].description)
            return operation(session.connection.ledger, session.connection.datev, identifier)

        def done(result) -> None:
            self.pending_action = None
            self.action_confirm.disabled = True
            self.action_question.value = message_html(
                f"{result.id[:8]}: {result.local_status}", level="ok"
            )
            self.refresh()

        self.app.runner.run(
            self.actions[action].description,
            work,
            done,
            success=f"{self.actions[action].description}: erledigt.",
        )

    def on_protocol(self) -> None:
        identifier = self.transfer.value
        if identifier is None:
            return
        transfer = self.app.session.connection.ledger.get(identifier)
        self._show_protocol(transfer.protocol or [], identifier, stored=True)

    def _show_protocol(self, protocol: list[dict], identifier: str, *, stored: bool) -> None:
        entries = pl.DataFrame(protocol[:PROTOCOL_LIMIT]) if protocol else pl.DataFrame()
        self.protocol.set_frame(entries)
        found = (
            backmap_findings(self.app.session.connection.ledger, identifier)
            if stored
            else pl.DataFrame()
        )
        self.backmapped.set_frame(
            found.select("severity", "source", "row", "item_id", "message")
            if found.height
            else found
        )
