"""Schritt "Übertragen": "Neue Datenübertragung" as in seed 004.

Jahr/Buchungsmonat (months with not yet transferred items carry a star), Beleg-Art with the
number of transferable items, Ziel-Ordner (Rechnungsordner or Kassenbuch; one can be saved as
the favourite of the Beleg-Art), then a confirmation and the upload with a progress bar per
file. Which items are still pending is the ledger's answer.
"""

from __future__ import annotations

import ipywidgets as widgets
import polars as pl

from workbench.clients import known_folders
from workbench.german import format_count, format_counted, format_month
from workbench.pipeline import mapping_of, package_run, records_with_lineage, send_run
from workbench.transfer.groups import pending_groups
from workbench.transfer.status import describe
from workbench.ui.session import Favourites
from workbench.ui.steps import Step
from workbench.ui.tables import frame_html, message_html, set_options

__all__ = ["TransferStep"]

_TRANSFERS = {
    "month": "Buchungsmonat",
    "document_kind": "Beleg-Art",
    "items": "Positionen",
    "local_status": "Lokaler Status",
    "datev_status": "DATEV-Status",
}
_EXTF = "Buchungsstapel"
#: The Ziel-Ordner "Vorgabe von DATEV": the transfer names no folder, DATEV takes its default.
_DATEV_DEFAULT = ""


class TransferStep(Step):
    key = "transfer"
    title = "Übertragen"
    needs = (
        "Braucht die Vorschau. Wählen Sie Buchungsmonat, Beleg-Art und Ziel-Ordner; übertragen "
        "werden alle noch nicht übertragenen Positionen dieser Auswahl."
    )

    def build(self) -> None:
        self.groups = pl.DataFrame()
        wide = widgets.Layout(width="460px")
        self.month = widgets.Dropdown(description="Buchungsmonat", options=[], layout=wide)
        self.month.add_class("wb-month")
        self.document_kind = widgets.Dropdown(description="Beleg-Art", options=[], layout=wide)
        self.document_kind.add_class("wb-document-kind")
        self.folder = widgets.Dropdown(description="Ziel-Ordner", options=[], layout=wide)
        self.folder.add_class("wb-folder")
        self.favourite = widgets.Checkbox(description="als Favorit für diese Beleg-Art speichern")
        self.favourite.add_class("wb-favourite")
        self.month.observe(self.app.runner.guard(self._fill_kinds), names="value")
        self.document_kind.observe(self.app.runner.guard(self._fill_folders), names="value")
        self.overview = widgets.HTML()
        self.overview.add_class("wb-groups")
        self.new = widgets.Button(
            description="Neue Datenübertragung",
            button_style="primary",
            icon="paper-plane",
            disabled=True,
        )
        self.new.add_class("wb-new-transfer")
        self.new.on_click(self.app.runner.guard(self.on_new))
        self.question = widgets.HTML()
        self.question.add_class("wb-confirm-question")
        self.confirm = widgets.Button(description="Übertragen", button_style="danger", icon="check")
        self.confirm.add_class("wb-confirm-transfer")
        self.cancel = widgets.Button(description="Abbrechen")
        self.confirm.on_click(self.app.runner.guard(self.on_confirm))
        self.cancel.on_click(self.app.runner.guard(self.on_cancel))
        self.confirmation = widgets.VBox(
            [self.question, widgets.HBox([self.confirm, self.cancel])],
            layout=widgets.Layout(display="none"),
        )
        self.result = widgets.HTML()
        self.result.add_class("wb-transfer-result")
        self.body.children = [
            self.overview,
            self.month,
            self.document_kind,
            widgets.HBox([self.folder, self.favourite]),
            self.new,
            self.confirmation,
            self.result,
        ]

    @property
    def done(self) -> bool:
        return bool(self.app.session.transfers)

    def refresh(self) -> None:
        session = self.app.session
        if session.run is not None and session.run.spec.billed:
            self._empty("Anrufe werden im Schritt „Anrufe“ als Aufwände übertragen.")
            return
        if session.mapped is None:
            self._empty("Zuerst im Schritt „Vorschau“ abbilden.")
            return
        mapping = mapping_of(session.mapped)
        self.groups = pending_groups(
            records_with_lineage(mapping),
            session.connection.ledger,
            session.client,
            daily=session.mapped.checked.spec.daily_items,
        )
        months = sorted({*_mapped_months(mapping), *self.groups["month"].to_list()})
        pending = set(self.groups["month"].to_list())
        items = format_counted(int(self.groups["items"].sum()), "Belegposition", "Belegpositionen")
        self.overview.value = (
            message_html(
                f"Noch nicht übertragen für {session.client}: {items} in "
                f"{format_counted(len(pending), 'Buchungsmonat', 'Buchungsmonaten')} (★)."
            )
            if self.groups.height
            else message_html("Alle abgebildeten Positionen sind übertragen.", level="ok")
        )
        set_options(
            self.month,
            [(f"{format_month(m)}{' ★' if m in pending else ''}", m) for m in months],
        )
        self._fill_kinds()
        self.say(
            "Bereit: Auswahl treffen, dann „Neue Datenübertragung“."
            if self.groups.height
            else "Nichts mehr zu übertragen."
        )

    def _empty(self, text: str) -> None:
        self.overview.value = message_html(text)
        set_options(self.month, [])
        set_options(self.document_kind, [])
        set_options(self.folder, [])
        self.new.disabled = True
        self.on_cancel()

    def _fill_kinds(self) -> None:
        month = self.month.value
        rows = self.groups.filter(pl.col("month") == month) if self.groups.height else self.groups
        set_options(
            self.document_kind,
            [
                (f"{row['document_kind']} ({format_count(row['items'])})", row["document_kind"])
                for row in rows.iter_rows(named=True)
            ],
        )
        self._fill_folders()

    def _fill_folders(self) -> None:
        kind = self.document_kind.value
        session = self.app.session
        settings = session.run.settings if session.run is not None else None
        entry = settings.document_type(kind) if settings is not None and kind else None
        offered = list(entry.folders or ()) if entry is not None else []
        if not offered and kind:  # named by DATEV when an earlier transfer created its job
            offered = known_folders(session.client or "", home=session.home).get(kind, [])
        if entry is not None and entry.folder and entry.folder not in offered:
            offered.insert(0, entry.folder)
        favourite = Favourites(session.home).folder(session.client or "", kind) if kind else None
        if favourite and favourite not in offered:
            offered.insert(0, favourite)
        options = [(f"{name}{' (Favorit)' if name == favourite else ''}", name) for name in offered]
        if kind == _EXTF or not options:
            # "" not None: a dropdown shows no label for the value None
            options = [("Vorgabe von DATEV", _DATEV_DEFAULT)]
        set_options(self.folder, options, keep=False)
        if favourite in offered:
            self.folder.value = favourite
        self.favourite.value = False
        self.new.disabled = kind is None
        self.on_cancel()

    def on_new(self) -> None:
        if self.document_kind.value is None:
            return
        month, kind = self.month.value, self.document_kind.value
        row = self.groups.filter((pl.col("month") == month) & (pl.col("document_kind") == kind))
        folder = f", Ziel-Ordner {self.folder.value}" if self.folder.value else ""
        items = format_counted(row["items"][0], "Belegposition", "Belegpositionen")
        documents = format_counted(row["documents"][0], "Beleg", "Belege")
        self.question.value = message_html(
            f"{items} ({documents}) des Buchungsmonats {format_month(month)}, Beleg-Art "
            f"{kind}{folder}, für Mandant {self.app.session.client} an DATEV übertragen?",
            level="warning",
        )
        self.confirmation.layout.display = "flex"

    def on_cancel(self) -> None:
        self.confirmation.layout.display = "none"
        self.question.value = ""

    def on_confirm(self) -> None:
        session = self.app.session
        month, kind = self.month.value, self.document_kind.value
        folder = self.folder.value or None  # _DATEV_DEFAULT: DATEV's default folder
        if self.favourite.value and folder:
            Favourites(session.home).save(session.client or "", kind, folder)
        self.on_cancel()

        def work(progress):
            progress(0, 1, "Pakete schreiben")
            packaged = package_run(
                session.mapped,
                out_dir=session.home / "packages",
                ledger=session.connection.ledger,
                month=month,
                document_kind=None if kind == _EXTF else kind,
                folder=folder,
            )
            sent = send_run(
                packaged,
                session.connection,
                progress=lambda n, total, name: progress(n, total, f"Hochladen {name}"),
            )
            made = list(sent.transfers)
            return [describe(session.connection.ledger, item) for item in made], made

        def done(result) -> None:
            rows, made = result
            session.transfers = [*session.transfers, *made]
            frame = pl.DataFrame(rows).drop("job_ids") if rows else pl.DataFrame()
            if frame.height:
                frame = frame.with_columns(
                    pl.col("month").map_elements(format_month, return_dtype=pl.String)
                ).select(list(_TRANSFERS))
            self.result.value = (
                message_html(
                    f"{len(rows)} Datenübertragung(en) angelegt. Bitte prüfen Sie den Status "
                    f"(Schritt „Status“: Status aktualisieren, dann Bestätigen).",
                    level="ok",
                )
                + frame_html(frame, severity=None, labels=_TRANSFERS)
                if rows
                else message_html("Nichts zu übertragen.")
            )
            self.app.changed("transferred")

        self.app.runner.run("Übertragen", work, done, success="Übertragen. Weiter mit „Status“.")

    def reset(self) -> None:
        self.result.value = ""
        self._empty("Zuerst im Schritt „Vorschau“ abbilden.")


def _mapped_months(mapped) -> list[str]:
    """Every Buchungsmonat of the mapped records (with or without pending items)."""
    records = mapped.records
    if "accounting_month" in records.columns:
        months = records["accounting_month"]
    elif "Belegdatum" in records.columns:
        months = records["Belegdatum"].dt.strftime("%Y-%m")
    else:
        return []
    return [month for month in months.drop_nulls().unique().to_list() if month]
