"""Schritt "Quellen": Quellart, Profil, the files (a path or an upload), their Belegbilder.

An upload replaces the typed path; every upload can be removed again; Belegbilder come as
single files or one ZIP and are found by the rows that name them. Paths are resolved the way
the README writes them (``data/samples/…`` from the project folder). Loading shows per file
what was read and every row problem.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import ipywidgets as widgets
import polars as pl

from workbench.german import COLUMN_TITLES, format_count
from workbench.kinds import KINDS
from workbench.pipeline import load_run
from workbench.sources import available_profiles
from workbench.sources.belege import save_belege
from workbench.ui.session import resolve_source_path
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, frame_html, message_html

__all__ = ["SourcesStep"]

_SUMMARY = {
    key: COLUMN_TITLES[key]
    for key in ("file", "sheet", "variant", "encoding", "rows", "row_problems", "unmapped_columns")
}
#: What a line of the summary holds: a file of invoices has a line for its positions too.
_CONTENT = {"positions": "Rechnungspositionen", "invoices": "Rechnungen"}
_KIND_LABELS = {spec.kind.value: spec.label for spec in KINDS.values()}
_PROBLEMS = {
    "message": "Meldung",
    "source": "Datei",
    "row": "Zeile",
    "source_column": "Spalte",
    "value": "Wert",
    "severity": "Schwere",
}
_TABLES = ".csv,.txt,.xlsx,.xlsm,.json"
_IMAGES = ".zip,.pdf,.jpg,.jpeg,.png,.gif,.tif,.tiff,.xml"


class SourcesStep(Step):
    key = "sources"
    title = "Quellen"
    needs = (
        "Laden Sie die Quelldatei hoch (oder tragen Sie ihren Pfad ein), dazu die Belegbilder "
        "als ZIP oder einzeln, und klicken Sie auf „Laden“."
    )

    def build(self) -> None:
        session = self.app.session
        wide = widgets.Layout(width="560px")
        self.kind = widgets.Dropdown(
            description="Quellart",
            options=[(spec.label, spec.kind.value) for spec in KINDS.values()],
            value=session.kind,
        )
        self.kind.add_class("wb-kind")
        self.profile = widgets.Dropdown(
            description="Profil",
            options=[("automatisch erkennen", "auto"), *((p, p) for p in available_profiles())],
            value=session.profile,
        )
        self.profile.add_class("wb-profile")
        self.paths = widgets.Textarea(
            description="Pfad",
            placeholder="z. B. data/samples/receipts_juston_booking_detail.csv (ein Pfad je Zeile)",
            value="\n".join(str(path) for path in session.files),
            layout=widgets.Layout(width="560px", height="60px"),
        )
        self.paths.add_class("wb-paths")
        self.upload = widgets.FileUpload(
            description="Datei hochladen",
            accept=_TABLES,
            multiple=True,
            layout=widgets.Layout(width="auto"),
        )
        self.upload.add_class("wb-upload")
        self.upload.observe(self.app.runner.guard(self.on_upload), names="value")
        self.upload_belege = widgets.FileUpload(
            description="Belegbilder hochladen (ZIP oder Dateien)",
            accept=_IMAGES,
            multiple=True,
            layout=widgets.Layout(width="auto"),
        )
        self.upload_belege.add_class("wb-upload-belege")
        self.upload_belege.observe(self.app.runner.guard(self.on_upload_belege), names="value")
        self.uploaded = widgets.VBox()
        self.uploaded.add_class("wb-uploads")
        self.pos_mapping = widgets.Text(
            description="POS-Zuordnung",
            placeholder="data/samples/pos_mapping.toml",
            value=str(session.pos_mapping or ""),
            layout=wide,
        )
        self.load = widgets.Button(description="Laden", button_style="primary", icon="upload")
        self.load.add_class("wb-load")
        self.load.on_click(self.app.runner.guard(self.on_load))
        self.summary = widgets.HTML()
        self.summary.add_class("wb-summary")
        self.problems = PagedTable(
            page_size=20,
            css_class="wb-row-problems",
            unit="Zeilenprobleme",
            labels=_PROBLEMS,
            one_line={"message": 520, "value": 160},
            badge="severity",
        )
        self.kind.observe(self.app.runner.guard(self._show_pos_mapping), names="value")
        self.body.children = [
            self.kind,
            self.profile,
            widgets.HBox([self.upload, self.upload_belege]),
            self.uploaded,
            self.paths,
            self.pos_mapping,
            self.load,
            self.summary,
            self.problems.widget,
        ]
        self._show_pos_mapping()
        self.reset()

    # --- uploads ---------------------------------------------------------------------------

    def on_upload(self) -> None:
        items = list(self.upload.value)
        if not items:
            return
        session = self.app.session
        folder = session.upload_folder
        folder.mkdir(parents=True, exist_ok=True)
        for item in items:
            path = folder / Path(item["name"]).name
            path.write_bytes(bytes(item["content"]))
            if path not in session.uploads:
                session.uploads.append(path)
        self.paths.value = ""  # the upload replaces a typed or pre-filled path
        self.upload.value = ()
        self._sources_changed()
        self.say(
            f"{len(items)} Datei(en) hochgeladen; sie ersetzen den Pfad. Belegbilder dazu? "
            f"Sonst weiter mit „Laden“.",
            level="ok",
        )

    def on_upload_belege(self) -> None:
        items = list(self.upload_belege.value)
        if not items:
            return
        session = self.app.session
        folder = session.upload_folder / "belege"
        saved = []
        for item in items:
            saved += save_belege(item["name"], bytes(item["content"]), folder)
        session.belege = sorted(set(session.belege) | set(saved))
        self.upload_belege.value = ()
        self._sources_changed()
        self.say(f"{len(saved)} Belegbild(er) übernommen. Weiter mit „Laden“.", level="ok")

    def remove_upload(self, path: Path) -> None:
        session = self.app.session
        session.uploads = [item for item in session.uploads if item != path]
        path.unlink(missing_ok=True)
        self._sources_changed()
        self.say(f"{path.name} entfernt.", level="ok")

    def remove_belege(self) -> None:
        import shutil

        session = self.app.session
        shutil.rmtree(session.upload_folder / "belege", ignore_errors=True)
        session.belege = []
        self._sources_changed()
        self.say("Belegbilder entfernt.", level="ok")

    def _sources_changed(self) -> None:
        self.app.session.clear_results()
        self.app.reset(keep=("client", "sources"))
        self.reset()
        self.app.changed("sources")

    def _show_uploads(self) -> None:
        session = self.app.session
        rows = []
        for path in session.uploads:
            remove = widgets.Button(description="Entfernen", icon="trash")
            remove.add_class("wb-remove-upload")
            remove.on_click(self.app.runner.guard(partial(self.remove_upload, path)))
            rows.append(widgets.HBox([widgets.Label(f"Hochgeladen: {path.name}"), remove]))
        if session.belege:
            remove = widgets.Button(description="Entfernen", icon="trash")
            remove.add_class("wb-remove-belege")
            remove.on_click(self.app.runner.guard(self.remove_belege))
            label = widgets.Label(f"Belegbilder: {format_count(len(session.belege))} Datei(en)")
            label.add_class("wb-belege")
            rows.append(widgets.HBox([label, remove]))
        self.uploaded.children = rows

    def _show_pos_mapping(self) -> None:
        self.pos_mapping.layout.display = None if self.kind.value == "pos" else "none"

    # --- loading ---------------------------------------------------------------------------

    def read_form(self) -> None:
        """Copy the form into the session (uploads replace typed paths)."""
        session = self.app.session
        if self.kind.value != session.kind:
            session.clear_results()
        session.kind = self.kind.value
        session.profile = self.profile.value
        mapping = self.pos_mapping.value.strip()
        session.pos_mapping = resolve_source_path(mapping) if mapping else None
        session.files = [
            resolve_source_path(line.strip())
            for line in self.paths.value.splitlines()
            if line.strip()
        ]

    def on_load(self) -> None:
        self.read_form()
        session = self.app.session
        files = session.sources

        def work(progress):
            from workbench.errors import SourceError

            if not files:
                raise SourceError(
                    "Es ist keine Quelldatei gewählt: laden Sie eine Datei hoch oder tragen Sie "
                    "ihren Pfad ein."
                )
            progress(0, 1, f"{len(files)} Datei(en) laden")
            return load_run(
                session.kind, files, profile=session.profile, belege=session.belege_folder
            )

        def done(loaded) -> None:
            session.clear_results()
            session.loaded = loaded
            self.app.reset(keep=("client", "sources"))
            self.show()
            self.app.changed("loaded")

        def failed(error) -> None:
            session.clear_results()
            self.app.reset(keep=("client", "sources"))
            self.summary.value = ""
            self.problems.clear()
            self.say(
                "Nicht geladen. Beheben Sie die Ursache (siehe Meldung oben) und klicken Sie "
                "erneut auf „Laden“.",
                level="error",
            )

        self.app.runner.run(
            "Laden",
            work,
            done,
            success="Quelldateien geladen. Weiter mit „Prüfen“.",
            failed=failed,
        )

    def show(self) -> None:
        loaded = self.app.session.loaded
        summary = loaded.result.summary()
        summary = summary.select(
            "file",
            pl.col("kind").replace(_CONTENT).replace(_KIND_LABELS).alias("content"),
            *list(_SUMMARY)[1:],
        )
        problems = loaded.result.findings.height
        self.summary.value = message_html(
            f"{format_count(loaded.frame.height)} Zeilen geladen (Profil {loaded.profile}); "
            f"{format_count(problems)} Zeilenprobleme.",
            level="warning" if problems else "ok",
        ) + frame_html(summary, severity=None, labels={**_SUMMARY, "content": "Inhalt"})
        self.problems.set_frame(loaded.result.findings.select(list(_PROBLEMS)))
        self.problems.widget.layout.display = None if problems else "none"
        self.say("Geladen. Weiter mit „Prüfen“.", level="ok")

    def reset(self) -> None:
        self.summary.value = ""
        self.problems.clear()
        self.problems.widget.layout.display = "none"
        self._show_uploads()

    def refresh(self) -> None:
        self._show_uploads()
        if self.app.session.loaded is None and not self.summary.value:
            self.state.value = ""

    @property
    def done(self) -> bool:
        return self.app.session.loaded is not None
