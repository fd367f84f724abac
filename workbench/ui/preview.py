"""Reiter "Vorschau": abgebildete DATEV-Felder mit Herkunft (Datei, Zeile, Spalte), seitenweise."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.checks import concat_findings
from workbench.mapping import preview
from workbench.pipeline import map_run
from workbench.pipeline.map import mapping_of
from workbench.ui.tables import PagedTable, frame_html, message_html

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["PreviewTab"]

_COLUMNS = [
    "record",
    "field",
    "value",
    "source_column",
    "source_value",
    "source_file",
    "source_row",
    "rules",
    "severity",
]
_COUNTS = {
    "source_file": "Datei",
    "loaded": "Geladen",
    "mapped": "Abgebildet",
    "blocked": "Gesperrt",
    "skipped": "Übersprungen",
    "balanced": "Vollständig",
}


class PreviewTab:
    title = "Vorschau"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self.target = widgets.Dropdown(
            description="Ziel",
            options=[
                ("Vorgabe der Quellart", None),
                ("XML (Belegsatzdaten)", "xml"),
                ("EXTF (Buchungsstapel)", "extf"),
            ],
            value=app.session.target,
        )
        self.map = widgets.Button(description="Abbilden", button_style="primary", icon="table")
        self.map.add_class("wb-map")
        self.map.on_click(app.runner.guard(self.on_map))
        self.counts = widgets.HTML()
        self.counts.add_class("wb-counts")
        self.table = PagedTable(page_size=5, css_class="wb-preview", unit="Datensätze")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.target, self.map]),
                self.counts,
                widgets.HTML(
                    "<b>DATEV-Felder</b> (Wert ← Quellspalte, Datei und Zeile; Befunde farbig)"
                ),
                self.table.widget,
            ]
        )

    def on_map(self) -> None:
        session = self.app.session
        if session.run is None:
            self.app.runner.say("Bitte zuerst prüfen (Reiter Prüfungen).", level="warning")
            return
        session.target = self.target.value
        run = session.run

        def work(progress):
            progress(0, 1, "Abbilden")
            mapped = map_run(run, to=session.target, pos_mapping=session.pos_mapping)
            mapping_of(mapped)  # billed kinds (calls) have no records to preview
            return mapped

        def done(mapped) -> None:
            session.mapped = mapped
            self.show()
            self.app.changed("mapped")

        self.app.runner.run("Abbilden", work, done, success="DATEV-Datensätze abgebildet.")

    def show(self) -> None:
        session = self.app.session
        if session.mapped is None or session.mapped.mapping is None:
            return
        mapping = session.mapped.mapping
        # Highlight what the Prüfungen tab shows: the run's findings (after any fixes) plus
        # what mapping added, so the two tabs never disagree.
        mapped = replace(
            mapping,
            findings=concat_findings([session.mapped.findings, mapping.findings]).unique(
                maintain_order=True
            ),
        )
        counts = mapped.counts()
        self.counts.value = message_html(
            f"{mapped.records.height} DATEV-Datensätze.", level="ok"
        ) + frame_html(counts, severity=None, labels=_COUNTS)

        def page(number: int, size: int) -> pl.DataFrame:
            return preview(mapped, page=number, page_size=size).select(_COLUMNS)

        self.table.set_source(page, mapped.records.height)
