"""Schritt "Vorschau": one row per DATEV record, in DATEV's words, with where each value came from.

Columns carry DATEV's names (Umsatz, Soll/Haben, Konto, Gegenkonto, BU-Schlüssel, Belegdatum,
Belegfeld 1, Buchungstext, KOST1 …) and values in German formats. Hovering a cell shows the
source cell *as written in the file* (``90,07``, ``02.01.2026``) with its column, file and row;
the "Quelle" column names file and row; a cell with a finding is coloured by its severity and
its tooltip says which rules.
"""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

import ipywidgets as widgets
import polars as pl

from workbench.checks import concat_findings
from workbench.datev.vocabulary import EXTF_SHORT_NAMES, LEDGER_FIELD_NAMES, ledger_side
from workbench.german import COLUMN_TITLES, SEVERITY_LABELS, format_count
from workbench.mapping import preview
from workbench.pipeline import map_run, mapping_of
from workbench.sources.raw import RawCells
from workbench.ui.steps import Step
from workbench.ui.tables import ROW_STYLES, cell_text, frame_html, message_html

__all__ = ["PreviewStep", "wide_preview_html"]

_COUNTS = {
    key: COLUMN_TITLES[key]
    for key in ("source_file", "loaded", "mapped", "blocked", "skipped", "balanced")
}
_CELL = "border:1px solid #d0d0d0;padding:2px 6px;white-space:nowrap;"
_SIDE = "Soll/Haben"
#: Customer and supplier fields of a record share one column (a record has one of them).
_MERGED = {
    "customerName": "partner",
    "supplierName": "partner",
    "customerCity": "city",
    "supplierCity": "city",
}
_SOURCES_OF = {
    "partner": ("customerName", "supplierName"),
    "city": ("customerCity", "supplierCity"),
    _SIDE: ("amount",),
}


def _columns(records: pl.DataFrame) -> list[tuple[str, str]]:
    """(record column, header) in DATEV's order and words."""
    if "Soll/Haben-Kennzeichen" in records.columns:  # EXTF: DATEV's own names
        return [(name, EXTF_SHORT_NAMES.get(name, name)) for name in records.columns]
    shown, seen = [], set()
    for name, header in LEDGER_FIELD_NAMES.items():
        if name not in records.columns:
            continue
        merged = _MERGED.get(name, name)  # customer or supplier: one column
        if merged not in seen:
            shown.append((merged, header))
            seen.add(merged)
    if "amount" in records.columns:
        shown.insert(1, (_SIDE, "Soll/Haben"))
    return shown


def _display_values(records: pl.DataFrame) -> pl.DataFrame:
    """The page's records as shown: amounts without sign plus Soll/Haben (LedgerImport), the
    Belegbild by its file name."""
    if "attachment" in records.columns:  # the file the user knows, not where it lies here
        records = records.with_columns(pl.col("attachment").str.extract(r"([^/\\]+)$"))
    if "amount" not in records.columns or "Soll/Haben-Kennzeichen" in records.columns:
        return records
    kind = pl.col("document_kind") if "document_kind" in records.columns else pl.lit("")
    merged = [
        pl.coalesce(*(pl.col(name) for name in names if name in records.columns)).alias(target)
        for target, names in _SOURCES_OF.items()
        if target != _SIDE and any(name in records.columns for name in names)
    ]
    return records.with_columns(
        ledger_side(kind, pl.col("amount")).alias(_SIDE), pl.col("amount").abs(), *merged
    )


def wide_preview_html(mapped, page: int, size: int, raw: RawCells | None) -> str:
    """One HTML row per DATEV record of page ``page``: values, origin tooltips, findings."""
    total = mapped.records.height
    lo = min(page * size, total)
    records = _display_values(mapped.records.slice(lo, size))
    long = preview(mapped, page=page, page_size=size)
    origin = {
        (row["record"], row["field"]): row
        for row in long.select(
            "record", "field", "source_column", "source_file", "source_row", "rules", "severity"
        ).iter_rows(named=True)
    }
    firsts = long.filter(pl.col("source_file").is_not_null()).unique("record", keep="first")
    where = {
        row["record"]: f"{row['source_file']}:{row['source_row']}"
        for row in firsts.iter_rows(named=True)
    }
    columns = _columns(mapped.records)
    head = "".join(
        f"<th style='{_CELL}background:#f0f0f0'>{html.escape(header)}</th>"
        for _, header in [("", "Quelle (Datei:Zeile)"), *columns]
    )
    rows = []
    for offset, record in enumerate(records.iter_rows(named=True)):
        number = lo + offset
        cells = [f"<td style='{_CELL}color:#555'>{html.escape(where.get(number, ''))}</td>"]
        for name, _ in columns:
            candidates = _SOURCES_OF.get(name, (name,))
            source = next((origin[(number, c)] for c in candidates if (number, c) in origin), None)
            cells.append(_cell(record.get(name), source, raw))
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        "<div style='overflow-x:auto;max-width:100%'><table class='wb-preview-table' "
        "style='border-collapse:collapse;font-size:12px'>"
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def _cell(value: object, source: dict | None, raw: RawCells | None) -> str:
    text = html.escape(cell_text(value))
    if source is None or source["source_file"] is None:
        return f"<td style='{_CELL}'>{text}</td>"
    column = source["source_column"]
    written = (
        raw.text(source["source_file"], source["source_row"], column)
        if raw is not None and column
        else None
    )
    derived = written is None and raw is not None and raw.is_document(source["source_file"])
    tip = (
        f"Quelle: {column} = »{written if written is not None else ''}« "
        f"({source['source_file']}:{source['source_row']})"
        if column and not derived
        else f"abgeleitet ({source['source_file']}:{source['source_row']})"
    )
    severity = source["severity"]
    style = ROW_STYLES.get(severity or "", "")
    if severity:
        tip += f"\n{SEVERITY_LABELS.get(severity, severity)}: {', '.join(source['rules'] or [])}"
    marker = f" data-severity='{html.escape(severity)}'" if severity else ""
    return f"<td style='{_CELL}{style}' title='{html.escape(tip)}'{marker}>{text}</td>"


class PreviewStep(Step):
    key = "preview"
    title = "Vorschau"
    needs = (
        "Braucht eine Prüfung. „Abbilden“ zeigt jeden DATEV-Datensatz, wie er übertragen wird; "
        "gesperrte Zeilen (Fehler) fehlen darin."
    )

    def build(self) -> None:
        self.target = widgets.Dropdown(
            description="Ziel",
            options=[
                ("Vorgabe der Quellart", "default"),
                ("XML (Belegsatzdaten)", "xml"),
                ("EXTF (Buchungsstapel)", "extf"),
            ],
            value=self.app.session.target or "default",
        )
        self.map = widgets.Button(description="Abbilden", button_style="primary", icon="table")
        self.map.add_class("wb-map")
        self.map.on_click(self.app.runner.guard(self.on_map))
        self.counts = widgets.HTML()
        self.counts.add_class("wb-counts")
        from workbench.ui.tables import PagedTable

        self.table = PagedTable(page_size=15, css_class="wb-preview", unit="Datensätze")
        self.body.children = [
            widgets.HBox([self.target, self.map]),
            self.counts,
            widgets.HTML(
                "<b>DATEV-Datensätze</b>: Fahren Sie über einen Wert, um die Quellzelle zu sehen, "
                "wie sie in der Datei steht; farbig: Befunde."
            ),
            self.table.widget,
        ]

    @property
    def done(self) -> bool:
        return self.app.session.mapped is not None

    def on_map(self) -> None:
        session = self.app.session
        if session.run is None:
            self.say("Bitte zuerst prüfen (Schritt „Prüfen“).", level="warning")
            self.app.runner.say("Bitte zuerst prüfen (Schritt „Prüfen“).", level="warning")
            return
        session.target = None if self.target.value == "default" else self.target.value
        run = session.run

        def work(progress):
            progress(0, 1, "DATEV-Datensätze abbilden")
            return map_run(run, to=session.target, pos_mapping=session.pos_mapping)

        def done(mapped) -> None:
            session.mapped = mapped
            self.show()
            self.app.changed("mapped")

        self.app.runner.run("Abbilden", work, done, success="Abgebildet. Weiter mit „Übertragen“.")

    def show(self) -> None:
        session = self.app.session
        mapping = mapping_of(session.mapped)
        # Highlight what the Prüfen step shows: the run's findings plus what mapping added.
        mapped = replace(
            mapping,
            findings=concat_findings([session.run.findings, mapping.findings]).unique(
                maintain_order=True
            ),
        )
        counts = mapped.counts()
        self.counts.value = message_html(
            f"{format_count(mapped.records.height)} DATEV-Datensätze; gesperrt: "
            f"{format_count(int(counts['blocked'].sum()))} Zeilen.",
            level="ok",
        ) + frame_html(counts, severity=None, labels=_COUNTS)
        raw = RawCells({Path(p).name: Path(p) for p in session.run.files}, _infos(session.run))
        self.table.set_source(
            lambda page, size: wide_preview_html(mapped, page, size, raw), mapped.records.height
        )
        # The app's status line says "Abgebildet …" and the counts say what: nothing a third time.
        self.state.value = ""

    def reset(self) -> None:
        self.counts.value = ""
        self.table.clear()

    def refresh(self) -> None:
        session = self.app.session
        if session.mapped is None:
            self.say(
                "Geprüft. Klicken Sie auf „Abbilden“: gesperrte Zeilen (Fehler) fehlen darin."
                if session.run is not None
                else "Zuerst im Schritt „Prüfen“ prüfen."
            )


def _infos(run) -> tuple:
    loaded = run.loaded.result
    return (*loaded.sources, *loaded.position_sources)
