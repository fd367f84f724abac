"""Reiter "Übertragung": Datenübertragungen je Buchungsmonat und Beleg-Art (seed 004).

Like "Neue Datenübertragung": the groups with not yet transferred items are listed with their
counts (months with such items carry a star); one group is chosen, the user confirms, and the
upload runs with a progress bar. Which items are still pending is the ledger's answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.pipeline import package_run, records_with_lineage, send_run
from workbench.pipeline.map import mapping_of
from workbench.transfer.jobs import pending_items
from workbench.transfer.status import describe
from workbench.ui.tables import frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.pipeline import MappedRun
    from workbench.transfer.ledger import Ledger
    from workbench.ui.app import WorkbenchApp

__all__ = ["TransferTab", "transfer_groups"]

_GROUPS = {
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "documents": "Belege",
    "items": "Belegpositionen",
}
_TRANSFERS = {
    "id": "Übertragung",
    "client": "Mandant",
    "kind": "Quellart",
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "items": "Positionen",
    "local_status": "Lokaler Status",
    "datev_status": "DATEV-Status",
}


def transfer_groups(mapped: MappedRun, ledger: Ledger, client: str) -> pl.DataFrame:
    """Per Buchungsmonat and Beleg-Art: Belege and Belegpositionen not yet transferred.

    EXTF bookings (POS, Buchungsdatenservice) go per month as one Buchungsstapel; their
    records are counted as they are.
    """
    records = records_with_lineage(mapping_of(mapped))
    schema = pl.Schema(
        {
            "month": pl.String,
            "document_kind": pl.String,
            "documents": pl.Int64,
            "items": pl.Int64,
        }
    )
    if records.is_empty():
        return pl.DataFrame(schema=schema)
    if "accounting_month" in records.columns:
        pending = pending_items(ledger, client, records["item_id"].unique().to_list())
        frame = records.filter(pl.col("item_id").is_in(list(pending))).select(
            pl.col("accounting_month").alias("month"), "document_kind", "document_id", "item_id"
        )
    else:
        frame = records.select(
            pl.col("Belegdatum").dt.strftime("%Y-%m").alias("month"),
            pl.lit("Buchungsstapel").alias("document_kind"),
            pl.col("Belegfeld 1").alias("document_id"),
            pl.col("item_id"),
        )
    return (
        frame.group_by("month", "document_kind")
        .agg(
            pl.col("document_id").n_unique().cast(pl.Int64).alias("documents"),
            pl.col("item_id").n_unique().cast(pl.Int64).alias("items"),
        )
        .sort("month", "document_kind")
        .cast(schema)
    )


class TransferTab:
    title = "Übertragung"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.groups = pl.DataFrame()
        self.overview = widgets.HTML(message_html("Bitte zuerst prüfen und abbilden."))
        self.overview.add_class("wb-groups")
        self.group = widgets.Dropdown(
            description="Übertragen", options=[], layout=widgets.Layout(width="520px")
        )
        self.group.add_class("wb-group")
        self.new = widgets.Button(
            description="Neue Datenübertragung",
            button_style="primary",
            icon="paper-plane",
            layout=widgets.Layout(width="220px"),
            disabled=True,
        )
        self.new.add_class("wb-new-transfer")
        self.new.on_click(app.runner.guard(self.on_new))
        self.question = widgets.HTML()
        self.question.add_class("wb-confirm-question")
        self.confirm = widgets.Button(description="Übertragen", button_style="danger", icon="check")
        self.confirm.add_class("wb-confirm-transfer")
        self.cancel = widgets.Button(description="Abbrechen")
        self.confirm.on_click(app.runner.guard(self.on_confirm))
        self.cancel.on_click(app.runner.guard(self.on_cancel))
        self.confirmation = widgets.VBox(
            [self.question, widgets.HBox([self.confirm, self.cancel])],
            layout=widgets.Layout(display="none"),
        )
        self.result = widgets.HTML()
        self.result.add_class("wb-transfer-result")
        self.widget = widgets.VBox(
            [self.overview, self.group, self.new, self.confirmation, self.result]
        )

    def refresh(self) -> None:
        session = self.app.session
        if session.run is not None and session.run.spec.billed:
            self.overview.value = message_html(
                "Anrufe werden im Reiter Anrufe als Aufwände übertragen."
            )
            set_options(self.group, [])
            self.new.disabled = True
            return
        if session.mapped is None or session.client is None:
            self.overview.value = message_html(
                "Bitte zuerst prüfen und abbilden (Reiter Vorschau)."
            )
            set_options(self.group, [])
            self.new.disabled = True
            return
        self.groups = transfer_groups(session.mapped, session.connection.ledger, session.client)
        months = set(self.groups["month"].to_list())
        shown = self.groups.with_columns(pl.col("month") + pl.lit(" ★"))
        self.overview.value = (
            message_html(
                f"Noch nicht übertragen für {session.client}: "
                f"{self.groups['items'].sum()} Belegpositionen in {len(months)} "
                f"Buchungsmonaten (★)."
            )
            + frame_html(shown, severity=None, labels=_GROUPS)
            if self.groups.height
            else message_html(
                "Alle abgebildeten Belegpositionen sind bereits übertragen.", level="ok"
            )
        )
        set_options(
            self.group,
            [
                (
                    f"{row['month']} · {row['document_kind']} ({row['items']} Positionen, "
                    f"{row['documents']} Belege)",
                    (row["month"], row["document_kind"]),
                )
                for row in self.groups.iter_rows(named=True)
            ],
        )
        self.new.disabled = not self.groups.height
        self.on_cancel()

    def on_new(self) -> None:
        if self.group.value is None:
            return
        month, kind = self.group.value
        row = self.groups.filter((pl.col("month") == month) & (pl.col("document_kind") == kind))
        self.question.value = message_html(
            f"{row['items'][0]} Belegpositionen ({row['documents'][0]} Belege) des Buchungsmonats "
            f"{month}, Beleg-Art {kind}, für Mandant {self.app.session.client} an DATEV "
            f"übertragen?",
            level="warning",
        )
        self.confirmation.layout.display = "flex"

    def on_cancel(self) -> None:
        self.confirmation.layout.display = "none"
        self.question.value = ""

    def on_confirm(self) -> None:
        session = self.app.session
        month, kind = self.group.value
        self.on_cancel()
        mapped = session.mapped
        if mapped is None:
            return

        def work(progress):
            progress(0, 1, "Pakete schreiben")
            packaged = package_run(
                mapped,
                out_dir=session.home / "packages",
                ledger=session.connection.ledger,
                month=month,
                document_kind=None if kind == "Buchungsstapel" else kind,
            )
            sent = send_run(
                packaged,
                session.connection,
                progress=lambda n, total, name: progress(n, total, f"Hochladen {name}"),
            )
            return [describe(session.connection.ledger, item) for item in sent.transfers]

        def done(rows) -> None:
            frame = pl.DataFrame(rows).drop("job_ids") if rows else pl.DataFrame()
            self.result.value = (
                message_html(
                    f"{len(rows)} Datenübertragung(en) angelegt. "
                    f"Prüfen Sie den Status im Reiter Status.",
                    level="ok",
                )
                + frame_html(frame, severity=None, labels=_TRANSFERS)
                if rows
                else message_html("Nichts zu übertragen.")
            )
            self.refresh()
            self.app.changed("transferred")

        self.app.runner.run(
            "Übertragen",
            work,
            done,
            success="Übertragung abgeschlossen; bitte Status aktualisieren.",
        )
