"""Schritt "Status": the Mandant's transfers, "Status aktualisieren", then "Bestätigen" (seed 004:
only then is DATEV's status stored), and the way to the protocol.

Only the current Mandant's transfers are listed, newest first, with Buchungsmonat, Beleg-Art,
date and both statuses, filterable; the newest one is selected. Transfers without a DATEV job
(expense postings of call lists) have no DATEV status and cannot be chosen here. A fetched
status belongs to the transfer it was fetched for: choosing another one withdraws the
"Bestätigen". Experts resume, delete or re-transfer, each after a confirmation.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import ipywidgets as widgets
import polars as pl

from workbench.german import format_count, format_datetime, format_month
from workbench.pipeline.send import transfer_action
from workbench.transfer.ledger import DATEV_STATUS
from workbench.transfer.status import FAILED_STATUSES, describe, refresh_status
from workbench.ui.steps import Step
from workbench.ui.tables import frame_html, message_html, set_options

__all__ = ["FAILED", "StatusStep", "status_meaning"]

#: DATEV statuses that need the user's attention (highlighted as errors).
FAILED = set(FAILED_STATUSES)
_MEANINGS = {label: meaning for label, meaning in DATEV_STATUS.values()}
_ALL = "(alle)"
_LABELS = {
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "items": "Positionen",
    "created": "angelegt",
    "local_status": "Lokaler Status",
    "datev_status": "DATEV-Status",
    "short": "Übertragung",
}
_QUESTIONS = {
    "resume": "Übertragung fortsetzen? Bereits hochgeladene Dateien werden nicht doppelt "
    "übertragen.",
    "delete": "Übertragung löschen? Das geht nur, solange DATEV sie nicht verarbeitet hat; "
    "ihre Positionen können danach neu übertragen werden.",
    "retransfer": "Fehlgeschlagene Übertragung neu übertragen? Dieselben Dateien gehen als "
    "neue Übertragung an DATEV.",
}


def status_meaning(text: str) -> str:
    """Seed 004's meaning of a DATEV status as shown (``Fertig`` …), or ``""``."""
    return _MEANINGS.get(text, "")


class StatusStep(Step):
    key = "status"
    title = "Status"
    needs = (
        "„Status aktualisieren“ fragt DATEV; erst „Bestätigen“ übernimmt den Status "
        "(wie in DATEV Unternehmen online)."
    )

    def build(self) -> None:
        self.pending = None
        #: The transfer that ``fetched`` speaks of (a fetched or a stored status).
        self.said_for: str | None = None
        self.filters = {
            "month": widgets.Dropdown(description="Buchungsmonat", options=[_ALL]),
            "document_kind": widgets.Dropdown(description="Beleg-Art", options=[_ALL]),
            "datev_status": widgets.Dropdown(description="DATEV-Status", options=[_ALL]),
        }
        for name, choice in self.filters.items():
            choice.add_class(f"wb-status-filter-{name}")
            choice.observe(self.app.runner.guard(self._show), names="value")
        self.overview = widgets.HTML()
        self.overview.add_class("wb-transfers")
        self.transfer = widgets.Dropdown(
            description="Übertragung", options=[], layout=widgets.Layout(width="640px")
        )
        self.transfer.add_class("wb-transfer-choice")
        self.transfer.observe(self.app.runner.guard(self._chosen), names="value")
        self.fetch = widgets.Button(
            description="Status aktualisieren", button_style="primary", icon="cloud-download"
        )
        self.fetch.add_class("wb-refresh-status")
        self.fetch.on_click(self.app.runner.guard(self.on_fetch))
        self.confirm = widgets.Button(
            description="Bestätigen", button_style="success", icon="check", disabled=True
        )
        self.confirm.add_class("wb-confirm-status")
        self.confirm.on_click(self.app.runner.guard(self.on_confirm))
        self.show_protocol = widgets.Button(description="Protokoll anzeigen", icon="list")
        self.show_protocol.add_class("wb-show-protocol")
        self.show_protocol.on_click(self.app.runner.guard(lambda: self.app.go("protocol")))
        self.fetched = widgets.HTML()
        self.fetched.add_class("wb-fetched-status")
        self.actions = {
            "resume": widgets.Button(description="Fortsetzen", icon="play"),
            "delete": widgets.Button(description="Löschen", icon="trash", button_style="danger"),
            "retransfer": widgets.Button(description="Neu übertragen", icon="repeat"),
        }
        for name, button in self.actions.items():
            button.add_class(f"wb-{name}")
            button.on_click(self.app.runner.guard(partial(self.ask, name)))
        self.pending_action: tuple[str, str] | None = None
        self.action_question = widgets.HTML()
        self.action_confirm = widgets.Button(
            description="Ja, ausführen", button_style="warning", disabled=True
        )
        self.action_confirm.on_click(self.app.runner.guard(self.on_action))
        expert = widgets.Accordion(
            children=[
                widgets.VBox(
                    [
                        widgets.HBox([*self.actions.values(), self.action_confirm]),
                        self.action_question,
                    ]
                )
            ],
            titles=("Für Fachleute: fortsetzen, löschen, neu übertragen",),
        )
        self.body.children = [
            widgets.HBox(list(self.filters.values())),
            self.overview,
            self.transfer,
            widgets.HBox([self.fetch, self.confirm, self.show_protocol]),
            self.fetched,
            expert,
        ]

    @property
    def done(self) -> bool:
        session = self.app.session
        if not session.client:
            return False
        return any(
            item.datev_status and item.protocol_fetched_at
            for item in session.connection.ledger.transfers(client=session.client)
        )

    # --- listing ---------------------------------------------------------------------------

    def _rows(self) -> pl.DataFrame:
        session = self.app.session
        ledger = session.connection.ledger
        transfers = ledger.transfers(client=session.client) if session.client else []
        rows = [
            {
                **describe(ledger, item),
                "created": item.created_at,
                "has_job": bool(item.job_id),
            }
            for item in reversed(transfers)  # the ledger lists them oldest first
        ]
        if not rows:
            return pl.DataFrame()
        return (
            pl.DataFrame(rows)
            .drop("job_ids")
            .sort("created", descending=True, maintain_order=True)
            .with_columns(
                pl.col("document_kind").fill_null(pl.col("kind")),
                pl.col("datev_status").replace("", "–"),
                pl.col("id").str.slice(0, 8).alias("short"),
            )
        )

    def refresh(self) -> None:
        rows = self._rows()
        for name, choice in self.filters.items():
            values = sorted(set(rows[name].drop_nulls().to_list())) if rows.height else []
            labels = format_month if name == "month" else str
            set_options(choice, [(_ALL, _ALL), *((labels(v), v) for v in values)])
        self._show(rows)

    def _show(self, rows: pl.DataFrame | None = None) -> None:
        rows = self._rows() if rows is None or not isinstance(rows, pl.DataFrame) else rows
        if rows.is_empty():
            self.overview.value = message_html(
                "Für diesen Mandanten gibt es noch keine Übertragungen (Schritt „Übertragen“)."
            )
            set_options(self.transfer, [])
            return
        for name, choice in self.filters.items():
            if choice.value not in (_ALL, None):
                rows = rows.filter(pl.col(name) == choice.value)
        severity = (
            pl.when(
                pl.col("datev_status").is_in(list(FAILED))
                | (pl.col("local_status") == "Fehlgeschlagen")
            )
            .then(pl.lit("error"))
            .otherwise(None)
            .alias("severity")
        )
        shown = rows.with_columns(
            pl.col("month").map_elements(format_month, return_dtype=pl.String),
            pl.col("created").map_elements(format_datetime, return_dtype=pl.String),
            severity,
        ).select(*_LABELS, "severity")
        self.overview.value = message_html(
            f"{format_count(rows.height)} Übertragung(en) für {self.app.session.client}, "
            f"neueste zuerst."
        ) + frame_html(shown, labels={**_LABELS, "severity": "Achtung"})
        with_job = rows.filter(pl.col("has_job"))
        set_options(
            self.transfer,
            [
                (
                    f"{format_month(row['month'])} · {row['document_kind']} · "
                    f"{format_datetime(row['created'])} · {row['local_status']} / "
                    f"{row['datev_status']} · {row['short']}",
                    row["id"],
                )
                for row in with_job.iter_rows(named=True)
            ],
            keep=False,  # the newest of this Mandant, never a stale choice
        )

    def _chosen(self) -> None:
        # A fetched or stored status belongs to its transfer: another choice withdraws it.
        if self.said_for is not None and self.said_for != self.transfer.value:
            self.pending = None
            self.said_for = None
            self.confirm.disabled = True
            self.fetched.value = ""
        self.app.session.transfer_id = self.transfer.value

    # --- status ----------------------------------------------------------------------------

    def on_fetch(self) -> None:
        session = self.app.session
        identifier = self.transfer.value
        if identifier is None:
            self.say("Bitte eine Übertragung wählen.", level="warning")
            return

        def work(progress):
            progress(0, 1, "Status bei DATEV abrufen")
            return refresh_status(
                session.connection.ledger, session.connection.datev, identifier, confirm=False
            )

        def done(result) -> None:
            session.transfer_id = identifier
            session.fetched_protocol = result.protocol
            self.said_for = identifier
            if result.gone:
                self.pending = None
                self.confirm.disabled = True
                self.fetched.value = message_html(
                    "Status und Protokoll sind bei DATEV nicht mehr vorhanden (nach ca. zwei "
                    "Monaten gelöscht); der zuletzt gespeicherte Status bleibt.",
                    level="warning",
                )
                return
            self.pending = result
            text = replace(result.transfer, datev_status=result.datev_status).datev_status_text
            self.fetched.value = message_html(
                f"DATEV-Status: {text or '–'}. {status_meaning(text)} Mit „Bestätigen“ wird "
                f"der Status in die Übertragung übernommen.",
                level="error" if text in FAILED else "ok" if text == "Fertig" else "info",
            )
            self.confirm.disabled = False

        self.app.runner.run(
            "Status abrufen",
            work,
            done,
            success="Status abgerufen; bitte bestätigen, um ihn zu speichern.",
        )

    def on_confirm(self) -> None:
        session = self.app.session
        if self.pending is None or self.pending.transfer.id != self.transfer.value:
            self.say("Bitte zuerst den Status dieser Übertragung aktualisieren.", level="warning")
            return
        identifier = self.pending.transfer.id

        def work(progress):
            progress(0, 1, "Status speichern")
            return refresh_status(
                session.connection.ledger, session.connection.datev, identifier, confirm=True
            )

        def done(result) -> None:
            self.pending = None
            self.confirm.disabled = True
            session.fetched_protocol = None
            self.refresh()
            self.transfer.value = identifier
            # After the list is rebuilt (which withdraws what was said for another choice).
            self.said_for = identifier
            self.fetched.value = message_html(
                f"Gespeichert: DATEV-Status {result.transfer.datev_status_text or '–'}. "
                f"Weiter mit dem Protokoll.",
                level="ok" if result.saved else "warning",
            )
            self.app.changed("status-confirmed")

        self.app.runner.run("Bestätigen", work, done, success="Status gespeichert.")

    # --- expert actions --------------------------------------------------------------------

    def ask(self, action: str) -> None:
        """First click: say what will happen; the action runs only after "Ja, ausführen"."""
        identifier = self.transfer.value
        if identifier is None:
            self.app.runner.say("Bitte eine Übertragung wählen.", level="warning")
            return
        self.pending_action = (action, identifier)
        self.action_question.value = message_html(
            f"{identifier[:8]}: {_QUESTIONS[action]}", level="warning"
        )
        self.action_confirm.disabled = False

    def on_action(self) -> None:
        if self.pending_action is None:
            return
        action, identifier = self.pending_action
        session = self.app.session
        label = self.actions[action].description

        def work(progress):
            progress(0, 1, label)
            return transfer_action(session.connection, action, identifier)

        def done(result) -> None:
            self.pending_action = None
            self.action_confirm.disabled = True
            self.action_question.value = message_html(
                f"{result.id[:8]}: {result.local_status}", level="ok"
            )
            self.refresh()

        self.app.runner.run(label, work, done, success=f"{label}: erledigt.")

    def reset(self) -> None:
        self.pending = None
        self.said_for = None
        self.confirm.disabled = True
        self.fetched.value = ""
        self.action_question.value = ""
        self.refresh()
