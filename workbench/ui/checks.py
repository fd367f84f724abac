"""Reiter "Prüfungen": Prüfungen ausführen, Befunde filtern, Zahl je Regel, Korrekturen."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import ipywidgets as widgets
import polars as pl

from workbench.checks import SAFE_FIXES, apply_fixes, summarize_findings
from workbench.pipeline import check_run, load_run
from workbench.ui.tables import PagedTable, frame_html, message_html, set_options

if TYPE_CHECKING:
    from workbench.ui.app import WorkbenchApp

__all__ = ["ALL", "ChecksTab"]

ALL = "(alle)"
_COLUMNS = [
    "severity",
    "rule",
    "source",
    "sheet",
    "row",
    "item_id",
    "column",
    "source_column",
    "value",
    "expected",
    "message",
    "suggestion",
]
_LABELS = {
    "severity": "Schwere",
    "rule": "Regel",
    "source": "Datei",
    "sheet": "Blatt",
    "row": "Zeile",
    "item_id": "Position",
    "column": "Spalte",
    "source_column": "Quellspalte",
    "value": "Wert",
    "expected": "Erwartet",
    "message": "Meldung",
    "suggestion": "Vorschlag",
}


class ChecksTab:
    title = "Prüfungen"

    def __init__(self, app: WorkbenchApp) -> None:
        self.app = app
        self._quiet = False
        self.check = widgets.Button(description="Prüfen", button_style="primary", icon="check")
        self.check.add_class("wb-check")
        self.check.on_click(app.runner.guard(self.on_check))
        self.fix = widgets.Button(
            description="Sichere Korrekturen anwenden",
            icon="magic",
            disabled=True,
            layout=widgets.Layout(width="240px"),
        )
        self.fix.add_class("wb-fix")
        self.fix.on_click(app.runner.guard(self.on_fix))
        self.rule = widgets.Dropdown(description="Regel", options=[ALL])
        self.severity = widgets.Dropdown(description="Schwere", options=[ALL])
        self.column = widgets.Dropdown(description="Spalte", options=[ALL])
        for choice in (self.rule, self.severity, self.column):
            choice.observe(app.runner.guard(self.show_findings), names="value")
        self.totals = widgets.HTML()
        self.totals.add_class("wb-totals")
        self.counts = widgets.HTML()
        self.counts.add_class("wb-rule-counts")
        self.fixed = widgets.HTML()
        self.table = PagedTable(
            page_size=25, css_class="wb-findings", unit="Befunde", labels=_LABELS
        )
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.check, self.fix]),
                self.totals,
                self.fixed,
                widgets.HTML("<b>Befunde je Regel</b>"),
                self.counts,
                widgets.HTML("<b>Befunde</b>"),
                widgets.HBox([self.rule, self.severity, self.column]),
                self.table.widget,
            ]
        )

    @property
    def findings(self) -> pl.DataFrame:
        run = self.app.session.run
        return run.findings if run is not None else pl.DataFrame()

    def on_check(self) -> None:
        self.app.tabs["sources"].read_form()
        session = self.app.session

        def work(progress):
            progress(0, 1, "Prüfungen laufen")
            loaded = load_run(session.kind, session.files, profile=session.profile)
            # Calls resolve to their Mandanten themselves (ARCHITECTURE §4.1).
            client = session.client if loaded.spec.needs_client else None
            return check_run(
                loaded,
                client=client,
                connection=session.connection,
                period=session.period,
                target=session.target,
            )

        def done(run) -> None:
            session.run = run
            session.mapped = None
            session.assignments = []
            self.show()
            self.app.changed("checked")

        self.app.runner.run("Prüfen", work, done, success="Prüfungen abgeschlossen.")

    def on_fix(self) -> None:
        session = self.app.session
        run = session.run
        if run is None:
            return

        def work(progress):
            progress(0, 2, "Korrekturen anwenden")
            fixed, applied = apply_fixes(run.loaded.frame, run.findings, rules=SAFE_FIXES)
            if applied.is_empty():
                return applied, None
            loaded = replace(run.loaded, result=replace(run.loaded.result, frame=fixed))
            progress(1, 2, "Erneut prüfen")
            rechecked = check_run(
                loaded,
                client=run.client,
                connection=session.connection,
                period=session.period,
                target=run.target,
            )
            return applied, rechecked

        def done(result) -> None:
            applied, rechecked = result
            if rechecked is not None:
                session.run = rechecked
                session.mapped = None
            self.fixed.value = (
                message_html(f"{applied.height} Werte korrigiert und erneut geprüft.", level="ok")
                + frame_html(applied, severity=None)
                if applied.height
                else message_html("Keine sicheren Korrekturen möglich.")
            )
            self.show()
            self.app.changed("checked")

        self.app.runner.run("Korrigieren", work, done, success="Sichere Korrekturen angewendet.")

    def show(self) -> None:
        findings = self.findings
        if findings.is_empty() and not findings.columns:
            return
        run = self.app.session.run
        if run is None:
            return
        by_severity = (
            dict(findings.group_by("severity").len().iter_rows()) if findings.height else {}
        )
        self.totals.value = message_html(
            f"{run.loaded.frame.height} Zeilen geprüft (Profil {run.profile}): {findings.height} "
            f"Befunde, davon {by_severity.get('error', 0)} Fehler, "
            f"{by_severity.get('warning', 0)} Warnungen, {by_severity.get('info', 0)} Hinweise.",
            level="error" if by_severity.get("error") else "warning" if findings.height else "ok",
        )
        counts = (
            summarize_findings(findings).select("rule", "severity", "count")
            if findings.height
            else pl.DataFrame({"rule": [], "severity": [], "count": []})
        )
        self.counts.value = frame_html(
            counts, labels={"rule": "Regel", "severity": "Schwere", "count": "Anzahl"}
        )
        self._quiet = True
        try:
            for choice, column in (
                (self.rule, "rule"),
                (self.severity, "severity"),
                (self.column, "column"),
            ):
                values = (
                    sorted(v for v in findings[column].unique().to_list() if v is not None)
                    if findings.height
                    else []
                )
                set_options(choice, [ALL, *values], keep=False)
        finally:
            self._quiet = False
        safe = (
            findings.filter(
                pl.col("rule").is_in(list(SAFE_FIXES)) & pl.col("suggestion").is_not_null()
            )
            if findings.height
            else findings
        )
        # Billed kinds (calls) are re-billed after a change, not re-checked here.
        self.fix.disabled = run.spec.billed or safe.is_empty()
        self.show_findings()

    def show_findings(self) -> None:
        findings = self.findings
        if self._quiet or not findings.columns:
            return
        for choice, column in (
            (self.rule, "rule"),
            (self.severity, "severity"),
            (self.column, "column"),
        ):
            if choice.value not in (ALL, None):
                findings = findings.filter(pl.col(column) == choice.value)
        order = pl.col("severity").replace_strict(
            {"error": 0, "warning": 1, "info": 2}, default=3, return_dtype=pl.Int64
        )
        self.table.set_frame(
            findings.sort(order, "source", "row", nulls_last=True).select(_COLUMNS)
        )
