"""Rendering for the report notebook: one ``show_*`` function per section, HTML tables in German
formats (``1.234,56``, ``31.01.2026``, Berlin time), severity colours that read right (errors
red), and offline SVG charts (:mod:`workbench.charts`).
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import polars as pl

from workbench.german import (
    BERLIN,
    SEVERITY_LABELS,
    format_count,
    format_date,
    format_datetime,
    format_month,
    format_number,
    rule_title,
)
from workbench.reports.accounts import account_table
from workbench.transfer.status import FAILED_STATUSES

if TYPE_CHECKING:  # render draws what monthly gathered; monthly never imports render
    from workbench.reports.monthly import ReportData

__all__ = [
    "REPORT_STYLE",
    "show_amounts",
    "show_findings",
    "show_header",
    "show_open",
    "show_reconciliation",
    "show_rejections",
    "show_summary",
    "show_talks",
    "show_transfers",
    "table_html",
]

REPORT_STYLE = """
<style>
.wb-report { font-family: system-ui, sans-serif; color: #222; }
.wb-report table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13px; }
.wb-report th { background: #eef1f4; text-align: left; padding: 4px 8px;
  border-bottom: 2px solid #c8ced6; }
/* doubled class: wins over JupyterLab's right-aligned cells in nbconvert's HTML */
.wb-report.wb-report th, .wb-report.wb-report td { text-align: left; }
.wb-report td { padding: 3px 8px; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
.wb-report tr:nth-child(even) td { background: #fafbfc; }
.wb-report.wb-report td.num, .wb-report.wb-report th.num { text-align: right;
  font-variant-numeric: tabular-nums; }
.wb-report .neg { color: #a40000; }
.wb-badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; }
.wb-error { background: #fde2e1; color: #a40000; }
.wb-warning { background: #fff4d6; color: #7a5200; }
.wb-info { background: #e8f1fb; color: #1f4f87; }
.wb-ok { background: #e3f4e6; color: #1b6e1b; }
.wb-note { color: #555; }
</style>
"""
_BADGE = {"error": "wb-error", "warning": "wb-warning", "info": "wb-info"}
_STATE = {
    0: ("ohne Befunde", "wb-ok"),
    1: ("nur Warnungen", "wb-warning"),
    2: ("mit Fehlern", "wb-error"),
    3: ("unvollständig", "wb-error"),
}


def _cell(value: object, dtype: pl.DataType, decimals: int) -> tuple[str, str]:
    """``(text, css class)`` of one value in German formats."""
    if value is None:
        return "", ""
    if dtype.is_float():
        css = "num neg" if value < 0 else "num"  # type: ignore[operator]
        return format_number(value, decimals), css  # type: ignore[arg-type]
    if dtype.is_integer():
        return format_count(value), "num"  # type: ignore[arg-type]
    if isinstance(dtype, pl.Datetime):
        return format_datetime(value), ""  # type: ignore[arg-type]
    if dtype == pl.Date:
        return format_date(value), ""  # type: ignore[arg-type]
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value), ""
    return str(value), ""


def table_html(
    frame: pl.DataFrame, *, limit: int = 200, severity: str | None = None, decimals: int = 2
) -> str:
    """An HTML table of ``frame`` in German formats, values escaped, at most ``limit`` rows.

    ``severity`` names a column of ``error``/``warning``/``info`` shown as coloured badges.
    """
    if frame.is_empty():
        return "<p class='wb-note'><em>keine Einträge</em></p>"
    schema = frame.schema
    numeric = {name for name, dtype in schema.items() if dtype.is_numeric()}
    head = "".join(
        f"<th class='{'num' if name in numeric else ''}'>{html.escape(str(name))}</th>"
        for name in frame.columns
    )
    rows = []
    for row in frame.head(limit).iter_rows(named=True):
        cells = []
        for name, value in row.items():
            if name == severity and value:
                label = SEVERITY_LABELS.get(value, value)
                cells.append(
                    f"<td><span class='wb-badge {_BADGE.get(value, '')}'>"
                    f"{html.escape(label)}</span></td>"
                )
                continue
            text, css = _cell(value, schema[name], decimals)
            cells.append(f"<td class='{css}'>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p class='wb-note'>… {format_count(frame.height - limit)} weitere Zeilen</p>"
        if frame.height > limit
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(f"<div class='wb-report'>{markup}</div>"))


def show_header(data: ReportData) -> None:
    label, css = _STATE[data.exit_code]
    now = dt.datetime.now(BERLIN)
    note = (
        ""
        if data.sources_given
        else "<p class='wb-note'>Ohne Quelldateien: der Bericht zeigt die DATEV-Seite des Monats "
        "(Übertragungen, Status, Protokolle). Quellen mit <code>--source ART=DATEI</code> "
        "oder in den Einstellungen des Mandanten.</p>"
    )
    _display(
        REPORT_STYLE
        + f"<h2>Monatsabgleich {html.escape(data.client)}: {format_month(data.period)}</h2>"
        f"<p>Erstellt am {format_datetime(now)} Uhr · Ergebnis: "
        f"<span class='wb-badge {css}'>{label}</span></p>"
        + note
        + "".join(
            f"<p><span class='wb-badge wb-error'>Fehler</span> {html.escape(error)}</p>"
            for error in data.errors
        )
        + _test_banner(data)
    )


def _test_banner(data: ReportData) -> str:
    """Seed 003's test file: the report says so before anything else."""
    if not data.test:
        return ""
    files = "".join(f"<li>{html.escape(str(path))}</li>" for path in data.test_files)
    return (
        "<p><span class='wb-badge wb-warning'>Testdatei</span> Ein Bericht zum Testen: nichts "
        "wurde an DATEV übertragen oder als übertragen markiert.</p>"
        + (f"<p>Testdateien:</p><ul>{files}</ul>" if files else "")
    )


def show_summary(data: ReportData) -> None:
    if not data.runs:
        return
    _display(
        f"<h3>Quellen</h3><p class='wb-note'>Geprüft und abgebildet werden nur die Zeilen von "
        f"{format_month(data.period)}; Zeilen anderer Monate werden gezählt.</p>"
        + table_html(data.summary())
    )


def show_findings(data: ReportData) -> None:
    from workbench.charts import findings_per_rule, svg

    if not data.runs:
        return
    findings = data.findings.filter(pl.col("rule") != "period.other_months")
    if findings.is_empty():
        _display("<h3>Befunde je Regel</h3><p>Keine Befunde: die Daten des Monats sind bereit.</p>")
        return
    per_rule = (
        findings.group_by("rule", "severity")
        .len("Anzahl")
        .with_columns(
            pl.col("rule").map_elements(rule_title, return_dtype=pl.String).alias("Titel"),
            pl.col("severity").replace_strict({"error": 0, "warning": 1, "info": 2}).alias("_r"),
        )
        .sort("_r", "Anzahl", "rule", descending=[False, True, False])
        .select(
            pl.col("severity").alias("Schwere"),
            "Titel",
            pl.col("rule").alias("Regel"),
            pl.col("Anzahl").cast(pl.Int64),
        )
    )
    details = findings.sort(
        pl.col("severity").replace_strict({"error": 0, "warning": 1, "info": 2}), "source", "row"
    ).select(
        pl.col("severity").alias("Schwere"),
        pl.col("message").alias("Meldung"),
        pl.col("source").alias("Datei"),
        pl.col("row").alias("Zeile"),
        pl.coalesce("source_column", "column").alias("Spalte"),
        pl.col("value").alias("Wert"),
        pl.col("rule").alias("Regel"),
    )
    _display(
        "<h3>Befunde je Regel</h3>"
        + svg(findings_per_rule(findings))
        + table_html(per_rule, severity="Schwere")
        + "<h4>Alle Befunde des Monats</h4>"
        + table_html(details, limit=500, severity="Schwere")
    )


def show_amounts(data: ReportData) -> None:
    from workbench.charts import svg

    if not data.runs:
        return
    current = data.amounts()
    title = f"<h3>Beträge je Konto: {format_month(data.period)}</h3>"
    if current.is_empty():
        _display(title + "<p>Keine abgebildeten Buchungen in diesem Monat.</p>")
        return
    table = account_table(current, data.previous, data.account_names).rename(
        {"Vormonat": f"Saldo {format_month(data.previous_period)}"}, strict=False
    )
    source = (
        f"Vormonat aus den {data.previous_from}."
        if data.previous is not None
        else f"Für {format_month(data.previous_period)} liegen weder Quellzeilen noch "
        f"Übertragungen vor."
    )
    _display(
        title
        + f"<p class='wb-note'>Nur Buchungen des Monats; Saldo = Soll - Haben. {source}</p>"
        + svg(_amounts_chart(table))
        + table_html(table.with_columns(pl.col("Bezeichnung").fill_null("–")), limit=500)
    )


def _amounts_chart(table: pl.DataFrame):
    import altair as alt

    order = table["Konto"].to_list()
    return (
        alt.Chart(table.select("Konto", "Saldo"))
        .mark_bar()
        .encode(
            x=alt.X("Konto:N", sort=order, title="Konto", axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("Saldo:Q", title="Saldo (EUR)", axis=alt.Axis(format=",.0f")),
            color=alt.condition(alt.datum.Saldo < 0, alt.value("#c0392b"), alt.value("#3b78c2")),
            tooltip=["Konto", alt.Tooltip("Saldo:Q", format=",.2f")],
        )
        .properties(width=560, height=220, title="Saldo je Konto (Soll - Haben)")
    )


def _month_transfer_rows(data: ReportData) -> pl.DataFrame:
    month = data.month_transfers
    return month.sort("created_at").select(
        pl.col("month").map_elements(format_month, return_dtype=pl.String).alias("Buchungsmonat"),
        pl.col("document_kind").fill_null(pl.col("kind")).alias("Beleg-Art"),
        pl.col("items").cast(pl.Int64).alias("Positionen"),
        pl.col("created_at")
        .map_elements(format_datetime, return_dtype=pl.String)
        .alias("angelegt"),
        pl.col("local_status").alias("Lokaler Status"),
        pl.col("datev_status").replace("", "–").alias("DATEV-Status"),
        pl.col("id").str.slice(0, 8).alias("Übertragung"),
    )


def show_transfers(data: ReportData) -> None:
    import altair as alt

    from workbench.charts import status_colours, svg

    title = f"<h3>Übertragungen für {format_month(data.period)}</h3>"
    if data.month_transfers.is_empty():
        _display(title + f"<p>{html.escape(_why_no_transfers(data))}</p>")
        return
    rows = _month_transfer_rows(data)
    chart = (
        alt.Chart(rows)
        .mark_bar()
        .encode(
            x=alt.X("sum(Positionen):Q", title="Belegpositionen", axis=alt.Axis(format="d")),
            y=alt.Y("Beleg-Art:N", title=None),
            color=alt.Color(
                "DATEV-Status:N",
                scale=status_colours(rows["DATEV-Status"].to_list()),
                title="DATEV-Status",
            ),
            tooltip=["Beleg-Art", "DATEV-Status", "Positionen", "angelegt"],
        )
        .properties(width=520, title="Übertragene Belegpositionen je Beleg-Art")
    )
    _display(title + svg(chart) + table_html(rows))


def _why_no_transfers(data: ReportData) -> str:
    pending = int(data.pending["items"].sum()) if data.pending.height else 0
    month = format_month(data.period)
    if not data.sources_given:
        return f"Für {month} gibt es bei diesem Mandanten keine Übertragungen."
    if pending and not data.transfer_asked:
        return (
            f"Für {month} wurde noch nichts übertragen: {format_count(pending)} Belegpositionen "
            f"sind übertragbar. Der Bericht überträgt nur mit --transfer."
        )
    if pending:
        return (
            f"Für {month} wurde nichts übertragen; {format_count(pending)} Positionen sind offen."
        )
    return f"Für {month} gibt es nichts zu übertragen: keine übertragbaren Positionen."


def show_open(data: ReportData) -> None:
    if not data.runs:
        return
    parts = ["<h3>Noch offen</h3>"]
    if data.pending.height:
        pending = data.pending.select(
            pl.col("document_kind").alias("Beleg-Art"),
            pl.col("documents").alias("Belege"),
            pl.col("items").alias("Belegpositionen"),
        )
        parts.append("<p>Noch nicht an DATEV übertragen:</p>" + table_html(pending))
    else:
        parts.append("<p>Alle übertragbaren Positionen des Monats sind übertragen.</p>")
    if data.blocked.height:
        blocked = data.blocked.select(
            pl.col("rule").map_elements(rule_title, return_dtype=pl.String).alias("Grund"),
            pl.col("rule").alias("Regel"),
            pl.col("rows").alias("Zeilen"),
            pl.col("files").alias("Dateien"),
        )
        parts.append(
            "<p>Nicht übertragbar: gesperrt wegen Fehlern in der Quelle (erst nach der "
            "Korrektur übertragbar) oder von der Übertragung ausgeschlossen:</p>"
            + table_html(blocked)
        )
    _display("".join(parts))


def show_rejections(data: ReportData) -> None:
    month = data.month_transfers
    failed = (
        month.filter(pl.col("datev_status").is_in(list(FAILED_STATUSES))) if month.height else month
    )
    if failed.is_empty():
        if month.height:
            _display("<h3>DATEV-Ablehnungen</h3><p>DATEV hat nichts abgelehnt.</p>")
        return
    rows = data.rejections.select(
        pl.col("severity").alias("Schwere"),
        pl.col("message").alias("Meldung"),
        pl.col("source").alias("Datei"),
        pl.col("row").alias("Zeile"),
        pl.col("item_id").alias("Position"),
    )
    _display(
        f"<h3>DATEV-Ablehnungen</h3><p>{len(failed)} Übertragung(en) mit Status "
        f"{', '.join(sorted(set(failed['datev_status'].to_list())))}. Betroffene Quellzeilen:</p>"
        + table_html(rows, limit=500, severity="Schwere")
    )


def show_talks(data: ReportData) -> None:
    """Open Mandantentalk questions of the client, oldest first, with how long they wait."""
    talks = data.talks
    if talks.is_empty():
        _display("<h3>Offene Fragen an den Mandanten</h3><p>Keine offenen Fragen.</p>")
        return
    table = talks.select(
        pl.col("talk").alias("Talk"),
        pl.col("status").alias("Status"),
        pl.col("label").alias("Position"),
        pl.col("recipient").alias("Empfänger"),
        pl.col("asked_at")
        .str.to_datetime(time_zone="UTC")
        .dt.convert_time_zone("Europe/Berlin")
        .dt.strftime("%d.%m.%Y")
        .alias("gefragt am"),
        pl.col("days_open").alias("Tage offen"),
        pl.col("attachments").alias("Belege"),
    )
    waiting = talks.filter(pl.col("status") == "offen").height
    _display(
        f"<h3>Offene Fragen an den Mandanten ({format_count(talks.height)})</h3>"
        f"<p>{format_count(waiting)} warten auf den Mandanten, die älteste seit "
        f"{format_count(int(talks.select(pl.max('days_open')).item()))} Tagen.</p>"
        + table_html(table)
    )


def show_reconciliation(data: ReportData) -> None:
    """Abgleich mit DATEV: the differences first, then sent vs booked per account (chart and
    table with DATEV's Kontenbeschriftungen)."""
    from workbench.charts import sent_and_booked, svg
    from workbench.reconcile.tables import accounts_table, differences_table

    title = f"<h3>Abgleich mit DATEV: {format_month(data.period)}</h3>"
    result = data.reconciliation
    if result is None:
        _display(f"{title}<p>{html.escape(data.reconcile_note)}</p>")
        return
    counts = result.counts
    found = result.differences.height
    parts = [
        title,
        f"<p>{format_count(counts['sent'])} gesendete und {format_count(counts['booked'])} bei "
        f"DATEV gebuchte Buchungen"
        + (f", {format_count(counts['source'])} aus den Quellen" if result.with_sources else "")
        + ".</p>",
        f"<h4>Abweichungen ({format_count(found)})</h4>"
        + table_html(differences_table(result), limit=500)
        if found
        else "<p><span class='wb-badge wb-ok'>Keine Abweichungen</span> Gesendetes und bei "
        "DATEV Gebuchtes stimmen überein.</p>",
    ]
    accounts = accounts_table(result)
    if accounts.height:
        parts += [
            "<h4>Je Konto</h4><p class='wb-note'>Soll positiv, Haben negativ; Bezeichnung "
            "von DATEV; abweichende Konten zuerst.</p>",
            svg(sent_and_booked(accounts)),
            table_html(accounts, limit=500),
        ]
    parts += [f"<p class='wb-note'>{html.escape(note)}</p>" for note in result.notes]
    _display("".join(parts))
