"""Schritt "Prüfen": Zeitraum, Prüfungen, Befunde to act on, safe fixes, the Prüfbericht.

The Zeitraum selects rows (other months are counted, never errors). Findings read message
first, one line each (the whole text on hover), filtered by rule, file, severity and column,
with charts per rule and per month. Safe fixes are shown old → new and, once accepted, saved:
they are applied again whenever the same file is loaded. The Prüfbericht (Excel) is made on
request and offered as a download.
"""

from __future__ import annotations

import base64
import html

import ipywidgets as widgets
import polars as pl

from workbench.checks import SAFE_FIXES
from workbench.german import format_count, format_period, parse_period, rule_title
from workbench.kinds import SourceKind
from workbench.pipeline import check_run, fix_run, load_run
from workbench.pipeline.map import with_mapping_findings
from workbench.ui.steps import Step
from workbench.ui.tables import PagedTable, frame_html, message_html, set_options

__all__ = ["ALL", "ChecksStep"]

ALL = "(alle)"
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
_LABELS = {
    "message": "Meldung",
    "severity": "Schwere",
    "source": "Datei",
    "sheet": "Blatt",
    "row": "Zeile",
    "column": "Spalte",
    "value": "Wert",
    "suggestion": "Vorschlag",
    "rule": "Regel",
}
_FIXES = {
    "file": "Datei",
    "row": "Zeile",
    "column": "Spalte",
    "old": "alt",
    "new": "neu",
    "rule": "Regel",
}
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ChecksStep(Step):
    key = "checks"
    title = "Prüfen"
    needs = (
        "Braucht geladene Quellen. Wählen Sie den Zeitraum (z. B. 2026-01, 01/2026 oder Januar "
        "2026; leer: alle Monate) und klicken Sie auf „Prüfen“."
    )

    def build(self) -> None:
        self._quiet = False
        session = self.app.session
        self.period = widgets.Text(
            description="Zeitraum",
            placeholder="2026-01, 01/2026, Januar 2026 oder 2026-01..2026-03",
            value=format_period(session.period) if session.period else "",
            layout=widgets.Layout(width="460px"),
        )
        self.period.add_class("wb-period")
        self.check = widgets.Button(description="Prüfen", button_style="primary", icon="check")
        self.check.add_class("wb-check")
        self.check.on_click(self.app.runner.guard(self.on_check))
        self.totals = widgets.HTML()
        self.totals.add_class("wb-totals")
        self.charts = widgets.HTML()
        self.charts.add_class("wb-charts")
        self.fixes = widgets.HTML()
        self.fixes.add_class("wb-fixes")
        self.fix = widgets.Button(
            description="Korrekturen übernehmen und speichern", icon="magic", disabled=True
        )
        self.fix.add_class("wb-fix")
        self.fix.on_click(self.app.runner.guard(self.on_fix))
        self.filters = {
            "rule": widgets.Dropdown(description="Regel", options=[ALL]),
            "source": widgets.Dropdown(description="Datei", options=[ALL]),
            "severity": widgets.Dropdown(description="Schwere", options=[ALL]),
            "column": widgets.Dropdown(description="Spalte", options=[ALL]),
        }
        for name, choice in self.filters.items():
            choice.add_class(f"wb-filter-{name}")
            choice.observe(self.app.runner.guard(self.show_findings), names="value")
        self.table = PagedTable(
            page_size=25,
            css_class="wb-findings",
            unit="Befunde",
            labels=_LABELS,
            one_line={"message": 560, "value": 160, "suggestion": 140, "source": 200},
            badge="severity",
        )
        self.report = widgets.Button(description="Prüfbericht (Excel) erstellen", icon="file")
        self.report.add_class("wb-make-report")
        self.report.on_click(self.app.runner.guard(self.on_report))
        self.download = widgets.HTML()
        self.download.add_class("wb-download")
        self.body.children = [
            widgets.HBox([self.period, self.check]),
            self.totals,
            self.charts,
            self.fixes,
            self.fix,
            widgets.HTML("<b>Befunde</b> (Meldung zuerst; ganze Texte beim Darüberfahren)"),
            widgets.HBox([self.filters["rule"], self.filters["source"]]),
            widgets.HBox([self.filters["severity"], self.filters["column"]]),
            self.table.widget,
            widgets.HBox([self.report, self.download]),
        ]
        self.reset()

    @property
    def findings(self) -> pl.DataFrame:
        run = self.app.session.run
        return run.findings if run is not None else pl.DataFrame()

    @property
    def done(self) -> bool:
        return self.app.session.run is not None

    # --- actions ---------------------------------------------------------------------------

    def on_check(self) -> None:
        from workbench.ui.sources import SourcesStep

        self.app.step(SourcesStep).read_form()
        session = self.app.session
        session.period = parse_period(self.period.value)
        files = session.sources

        loaded = session.loaded  # what "Laden" read, unless the sources changed since

        def work(progress):
            source = loaded
            if source is None or source.kind.value != session.kind:
                progress(0, 1, f"{len(files)} Datei(en) laden")
                source = load_run(
                    session.kind, files, profile=session.profile, belege=session.belege_folder
                )
            # Calls resolve to their Mandanten themselves (ARCHITECTURE §4.1).
            client = None if source.spec.billed else session.client
            run = check_run(
                source,
                client=client,
                connection=session.connection,
                period=session.period,
                target=session.target,
                progress=progress,
            )
            return _with_balance(run, session)

        def done(run) -> None:
            session.run = run
            session.settings = run.settings
            session.mapped = None
            session.assignments = []
            self.show()
            self.app.changed("checked")

        def failed(error) -> None:
            session.reset_from_load()
            self.reset()
            self.app.reset(keep=("client", "sources", "checks"))
            self.say(
                "Nicht geprüft. Beheben Sie die Ursache (siehe Meldung oben) und prüfen Sie "
                "erneut.",
                level="error",
            )

        self.app.runner.run(
            "Prüfen", work, done, success="Geprüft. Weiter mit der Vorschau.", failed=failed
        )

    def on_fix(self) -> None:
        session = self.app.session

        def work(progress):
            run, applied = fix_run(session.run, session.connection, progress=progress)
            return _with_balance(run, session), applied

        def done(result) -> None:
            run, applied = result
            session.run, session.mapped = run, None
            self.show()
            self.fixes.value = message_html(
                f"{format_count(applied.height)} Werte korrigiert und gespeichert: sie gelten "
                f"ab jetzt bei jedem Laden dieser Datei (auch nach einem Neuladen der Seite).",
                level="ok",
            ) + frame_html(applied.select(list(_FIXES)), severity=None, labels=_FIXES)
            self.app.changed("checked")

        self.app.runner.run("Korrigieren", work, done, success="Korrekturen gespeichert.")

    def on_report(self) -> None:
        session = self.app.session
        run = session.run
        if run is None:
            self.say("Bitte zuerst prüfen.", level="warning")
            return

        def work(progress):
            from workbench.checks.excel_report import write_check_report

            progress(0, 1, "Prüfbericht schreiben")
            path = session.home / "berichte" / _report_name(session)
            return write_check_report(
                path,
                findings=run.findings,
                loaded=run.loaded.result,
                files=run.files,
                client=session.client,
                period=run.period,
                other_months=run.other_months,
            )

        def done(path) -> None:
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            name = html.escape(path.name)
            self.download.value = (
                f'<a class="wb-download-link" download="{name}" '
                f'href="data:{_XLSX};base64,{data}" style="font-weight:bold">'
                f"⬇ {name} herunterladen</a>"
            )

        self.app.runner.run("Prüfbericht", work, done, success="Prüfbericht erstellt.")

    # --- showing ---------------------------------------------------------------------------

    def show(self) -> None:
        run = self.app.session.run
        findings = self.findings
        counts = {s: int((findings["severity"] == s).sum()) for s in _SEVERITY_ORDER}
        other = sum(run.other_months.values())
        text = f"{format_count(run.loaded.frame.height)} Zeilen geprüft (Profil {run.profile})"
        if other:
            text += (
                f"; {format_count(other)} Zeilen anderer Monate nicht geprüft "
                f"(Zeitraum {format_period(run.period)})"
            )
        text += (
            f": {_n(counts['error'], 'Fehler', 'Fehler')}, "
            f"{_n(counts['warning'], 'Warnung', 'Warnungen')}, "
            f"{_n(counts['info'], 'Hinweis', 'Hinweise')}."
        )
        if run.applied_fixes.height:
            text += (
                f" {format_count(run.applied_fixes.height)} gespeicherte Korrekturen angewendet."
            )
        self.totals.value = message_html(
            text, level="error" if counts["error"] else "warning" if counts["warning"] else "ok"
        )
        self._show_charts(run)
        self._show_fixes(run)
        self._fill_filters(findings)
        self.show_findings()
        self.download.value = ""
        self.say(
            "Geprüft. Fehler sperren ihre Zeilen für die Übertragung; korrigieren Sie sie in der "
            "Quelle oder übernehmen Sie die sicheren Korrekturen. Weiter mit der Vorschau.",
            level="ok",
        )

    def _show_charts(self, run) -> None:
        from workbench.charts import findings_per_month, findings_per_rule, svg

        findings = run.findings.filter(pl.col("rule") != "period.other_months")
        if findings.is_empty():
            self.charts.value = ""
            return
        parts = [svg(findings_per_rule(findings, width=420))]
        column = run.spec.period_column
        if column in run.loaded.frame.columns:
            parts.append(svg(findings_per_month(findings, run.loaded.frame, column, width=260)))
        self.charts.value = (
            "<div style='display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start'>"
            + "".join(f"<div>{part}</div>" for part in parts)
            + "</div>"
        )

    def _show_fixes(self, run) -> None:
        safe = run.findings.filter(
            pl.col("rule").is_in(list(SAFE_FIXES)) & pl.col("suggestion").is_not_null()
        )
        self.fix.disabled = run.spec.billed or safe.is_empty()
        if safe.is_empty():
            self.fixes.value = ""
            return
        shown = safe.select(
            pl.col("source").alias("file"),
            "row",
            pl.coalesce("source_column", "column").alias("column"),
            pl.col("value").alias("old"),
            pl.col("suggestion").alias("new"),
            "rule",
        )
        self.fixes.value = message_html(
            f"{_n(safe.height, 'sichere Korrektur', 'sichere Korrekturen')} möglich (die "
            f"Bedeutung ändert sich "
            f"nicht: Leerzeichen, Umlaute). Übernommen werden sie gespeichert."
        ) + frame_html(shown.head(50), severity=None, labels=_FIXES)

    def _fill_filters(self, findings: pl.DataFrame) -> None:
        self._quiet = True
        try:
            findings = _with_shown_column(findings)
            for column, choice in self.filters.items():
                values = (
                    sorted(v for v in findings[column].unique().to_list() if v is not None)
                    if findings.height
                    else []
                )
                if column == "severity":
                    labels = {"error": "Fehler", "warning": "Warnung", "info": "Hinweis"}
                    values = sorted(values, key=lambda value: _SEVERITY_ORDER.get(value, 9))
                    options = [(ALL, ALL), *((labels.get(v, v), v) for v in values)]
                elif column == "rule":
                    options = [(ALL, ALL), *((f"{rule_title(v)} ({v})", v) for v in values)]
                else:
                    options = [(ALL, ALL), *((v, v) for v in values)]
                set_options(choice, options, keep=False)
        finally:
            self._quiet = False

    def show_findings(self) -> None:
        findings = self.findings
        if self._quiet or not findings.columns:
            return
        findings = _with_shown_column(findings)
        for column, choice in self.filters.items():
            if choice.value not in (ALL, None):
                findings = findings.filter(pl.col(column) == choice.value)
        order = pl.col("severity").replace_strict(_SEVERITY_ORDER, default=3, return_dtype=pl.Int64)
        shown = findings.sort(order, "source", "row", nulls_last=True).select(
            "message",
            "severity",
            "source",
            "sheet",
            "row",
            "column",
            "value",
            "suggestion",
            "rule",
        )
        if shown["sheet"].null_count() == shown.height:
            shown = shown.drop("sheet")  # CSV sources have no Blatt
        self.table.set_frame(shown)

    def reset(self) -> None:
        self.totals.value = ""
        self.charts.value = ""
        self.fixes.value = ""
        self.download.value = ""
        self.fix.disabled = True
        self.table.clear()
        self._fill_filters(
            pl.DataFrame(
                {name: [] for name in self.filters}, schema=dict.fromkeys(self.filters, pl.String)
            )
        )

    def refresh(self) -> None:
        session = self.app.session
        if session.run is None:
            if session.loaded is None and not session.sources and not session.files:
                self.say(
                    "Zuerst im Schritt „Quellen“ eine Datei wählen und laden.", level="warning"
                )
            else:
                self.say("Bereit zum Prüfen.")


def _with_balance(run, session):
    """POS revenue with its account mapping: also what the mapping blocks (a transit account
    that does not balance, a category without Sachkonto), as ``check --pos-mapping`` shows."""
    if run.kind is not SourceKind.POS or session.pos_mapping is None:
        return run
    return with_mapping_findings(run, pos_mapping=session.pos_mapping)


def _with_shown_column(findings: pl.DataFrame) -> pl.DataFrame:
    """``column`` as the user knows it: the header in the file where there is one."""
    if "sheet" not in findings.columns:
        findings = findings.with_columns(pl.lit(None, dtype=pl.String).alias("sheet"))
    if "source_column" not in findings.columns:
        return findings
    return findings.with_columns(pl.coalesce("source_column", "column").alias("column"))


def _n(count: int, one: str, many: str) -> str:
    return f"{format_count(count)} {one if count == 1 else many}"


def _report_name(session) -> str:
    period = session.period
    label = (period if isinstance(period, str) else "-".join(period)) if period else "alle"
    return f"Pruefbericht_{session.client or 'Anrufe'}_{label}.xlsx"
