"""Reiter "Quellen": Mandant aus DATEV, Zeitraum, Quellart, Profil, Dateien; was geladen wurde."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as widgets

from workbench.kinds import KINDS
from workbench.pipeline import load_run
from workbench.sources import available_profiles
from workbench.ui.session import parse_period
from workbench.ui.tables import PagedTable, frame_html, message_html

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["SourcesTab"]

_SUMMARY = {
    "file": "Datei",
    "sheet": "Blatt",
    "variant": "Variante",
    "encoding": "Kodierung",
    "rows": "Zeilen",
    "row_problems": "Zeilenprobleme",
    "unmapped_columns": "Nicht zugeordnete Spalten",
}
_PROBLEMS = ["source", "row", "rule", "column", "source_column", "value", "message", "severity"]


class SourcesTab:
    title = "Quellen"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        session = app.session
        wide = widgets.Layout(width="520px")
        self.client = widgets.Dropdown(description="Mandant", options=[], layout=wide)
        self.client.add_class("wb-client")
        self.period = widgets.Text(
            description="Zeitraum",
            placeholder="JJJJ-MM oder JJJJ-MM..JJJJ-MM",
            value=_period_text(session.period),
        )
        self.kind = widgets.Dropdown(
            description="Quellart",
            options=[(spec.label, kind.value) for kind, spec in KINDS.items()],
            value=session.kind,
        )
        self.kind.add_class("wb-kind")
        self.profile = widgets.Dropdown(
            description="Profil", options=["auto", *available_profiles()], value=session.profile
        )
        self.paths = widgets.Textarea(
            description="Dateien",
            placeholder="Ein Pfad je Zeile",
            value="\n".join(str(path) for path in session.files),
            layout=widgets.Layout(width="520px", height="70px"),
        )
        self.paths.add_class("wb-paths")
        self.upload = widgets.FileUpload(
            description="Hochladen", accept=".csv,.xlsx,.json,.txt", multiple=True
        )
        self.pos_mapping = widgets.Text(
            description="POS-Zuordnung",
            placeholder="pos_mapping.toml",
            value=str(session.pos_mapping or ""),
            layout=wide,
        )
        self.load = widgets.Button(description="Laden", button_style="primary", icon="upload")
        self.load.add_class("wb-load")
        self.load.on_click(app.runner.guard(self.on_load))
        self.summary = widgets.HTML()
        self.summary.add_class("wb-summary")
        self.problems = PagedTable(page_size=20, css_class="wb-row-problems")
        self.widget = widgets.VBox(
            [
                self.client,
                self.period,
                self.kind,
                self.profile,
                self.paths,
                widgets.HBox([self.upload, widgets.Label("oder Pfade oben eintragen")]),
                self.pos_mapping,
                self.load,
                self.summary,
                widgets.HTML("<b>Zeilenprobleme</b>"),
                self.problems.widget,
            ]
        )
        self._fill_clients()

    def _fill_clients(self) -> None:
        try:
            clients = self.app.session.connection.datev.list_clients()
        except Exception as error:
            self.app.runner.say(
                f"Die Mandantenliste von DATEV ist nicht abrufbar: {error}", level="error"
            )
            clients = []
        options = [(f"{c['id']} – {c.get('name', '')}", c["id"]) for c in clients]
        wanted = self.app.session.client
        if wanted and wanted not in {value for _, value in options}:
            options.insert(0, (f"{wanted} (nicht in der DATEV-Liste)", wanted))
        self.client.options = options
        self.client.value = wanted if wanted else (options[0][1] if options else None)

    def uploaded_files(self) -> list[Path]:
        """Save uploaded files under ``$WORKBENCH_HOME/uploads`` and return their paths."""
        folder = self.app.session.home / "uploads"
        saved = []
        for item in self.upload.value:
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / Path(item["name"]).name
            path.write_bytes(bytes(item["content"]))
            saved.append(path)
        return saved

    def read_form(self) -> None:
        """Copy the form into the session (paths first, then uploads)."""
        session = self.app.session
        session.client = self.client.value
        session.kind = self.kind.value
        session.profile = self.profile.value
        session.period = parse_period(self.period.value)
        mapping = self.pos_mapping.value.strip()
        session.pos_mapping = Path(mapping) if mapping else None
        paths = [Path(line.strip()) for line in self.paths.value.splitlines() if line.strip()]
        session.files = paths + self.uploaded_files()

    def on_load(self) -> None:
        self.read_form()
        session = self.app.session

        def work(progress):
            if not session.files:
                from workbench.errors import SourceError

                raise SourceError(
                    "Bitte wählen Sie mindestens eine Quelldatei (Pfad oder Hochladen)."
                )
            progress(0, 1, "Dateien laden")
            return load_run(session.kind, session.files, profile=session.profile)

        def done(loaded) -> None:
            session.loaded = loaded
            session.reset_from_load()
            self.show(loaded.profile)
            self.app.changed("loaded")

        self.app.runner.run("Laden", work, done, success="Quelldateien geladen.")

    def show(self, profile: str) -> None:
        if self.app.session.loaded is None:
            return
        loaded = self.app.session.loaded.result
        summary = loaded.summary().select(list(_SUMMARY))
        self.summary.value = message_html(
            f"{loaded.frame.height} Zeilen geladen (Profil {profile}); "
            f"{loaded.findings.height} Zeilenprobleme.",
            level="warning" if loaded.findings.height else "ok",
        ) + frame_html(summary, severity=None, labels=_SUMMARY)
        self.problems.set_frame(loaded.findings.select(_PROBLEMS))


def _period_text(period: str | tuple[str, str] | None) -> str:
    if period is None:
        return ""
    return period if isinstance(period, str) else f"{period[0]}..{period[1]}"
