"""Rendering for the report notebook: HTML tables and offline charts (altair rendered to SVG by
vl-convert, so the HTML needs no internet). Each ``show_*`` function is one section.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import polars as pl

from workbench.findings import summarize_findings
from workbench.reports.monthly import ReportData, mapping_of

__all__ = [
    "amounts_per_account",
    "show_amounts",
    "show_findings",
    "show_header",
    "show_summary",
    "show_transfers",
    "table_html",
]


def table_html(frame: pl.DataFrame, *, limit: int = 200) -> str:
    """An HTML table of ``frame`` (values escaped), at most ``limit`` rows."""
    if frame.is_empty():
        return "<p><em>keine Einträge</em></p>"
    head = "".join(f"<th>{html.escape(str(name))}</th>" for name in frame.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{'' if value is None else html.escape(str(value))}</td>" for value in row)
        + "</tr>"
        for row in frame.head(limit).iter_rows()
    )
    more = f"<p>… {frame.height - limit} weitere Zeilen</p>" if frame.height > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{more}"


def _svg(chart: Any) -> str:
    import vl_convert

    return vl_convert.vegalite_to_svg(chart.to_dict())


def _display(markup: str) -> None:
    from IPython.display import HTML, display

    display(HTML(markup))


def show_header(data: ReportData) -> None:
    state = {0: "ohne Befunde", 1: "nur Warnungen", 2: "mit Fehlern", 3: "unvollständig"}
    _display(
        f"<h2>Monatsabgleich {html.escape(data.client)}, {html.escape(data.period)}</h2>"
        f"<p>Erstellt am {dt.datetime.now():%d.%m.%Y %H:%M}; Ergebnis: "
        f"<strong>{state[data.exit_code]}</strong>.</p>"
        + "".join(f"<p style='color:#b00'>{html.escape(error)}</p>" for error in data.errors)
        + _test_banner(data)
    )


def _test_banner(data: ReportData) -> str:
    """Seed 003's test file: the report says so before anything else."""
    if not data.test:
        return ""
    files = "".join(f"<li>{html.escape(str(path))}</li>" for path in data.test_files)
    return (
        "<p style='background:#fff3cd;border:2px solid #b58105;padding:.6em'><strong>Testdatei"
        "</strong>: nichts wurde an DATEV übertragen oder als übertragen markiert.</p>"
        + (f"<p>Testdateien:</p><ul>{files}</ul>" if files else "")
    )


def show_summary(data: ReportData) -> None:
    _display("<h3>Quellen</h3>" + table_html(data.summary()))


def show_findings(data: ReportData) -> None:
    import altair as alt

    if data.findings.is_empty():
        _display("<h3>Befunde</h3><p>Keine Befunde.</p>")
        return
    per_rule = summarize_findings(data.findings)
    chart = (
        alt.Chart(per_rule)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="Anzahl"),
            y=alt.Y("rule:N", sort="-x", title="Regel"),
            color=alt.Color("severity:N", title="Schwere"),
        )
        .properties(width=520, title="Befunde je Regel")
    )
    details = data.findings.select(
        "source", "row", "column", "rule", "severity", "value", "message"
    )
    _display(
        "<h3>Befunde je Regel</h3>"
        + _svg(chart)
        + table_html(per_rule.drop("message"))
        + "<h4>Alle Befunde</h4>"
        + table_html(details, limit=500)
    )


def amounts_per_account(data: ReportData) -> pl.DataFrame:
    """Mapped amounts per account across all sources (signed: Soll positive)."""
    parts = []
    for run in data.runs:
        mapping = mapping_of(run)
        records = mapping.records if mapping is not None else None
        if records is None or records.is_empty():
            continue
        if "accountNo" in records.columns:
            parts.append(
                records.select(
                    pl.col("accountNo").cast(pl.String).alias("Konto"),
                    pl.col("amount").cast(pl.Float64).alias("Betrag"),
                )
            )
        elif "Konto" in records.columns:
            sign = pl.when(pl.col("Soll/Haben-Kennzeichen") == "H").then(-1.0).otherwise(1.0)
            parts.append(
                records.select(
                    pl.col("Konto").cast(pl.String),
                    (pl.col("Umsatz (ohne Soll/Haben-Kz)").cast(pl.Float64) * sign).alias("Betrag"),
                )
            )
    if not parts:
        return pl.DataFrame(
            schema={"Konto": pl.String, "Betrag": pl.Float64, "Buchungen": pl.UInt32}
        )
    return (
        pl.concat(parts)
        .group_by("Konto")
        .agg(pl.col("Betrag").sum().round(2), pl.len().alias("Buchungen"))
        .sort("Konto")
    )


def show_amounts(data: ReportData) -> None:
    import altair as alt

    amounts = amounts_per_account(data)
    if amounts.is_empty():
        _display("<h3>Beträge je Konto</h3><p>Keine abgebildeten Buchungen.</p>")
        return
    chart = (
        alt.Chart(amounts)
        .mark_bar()
        .encode(
            x=alt.X("Konto:N", sort=None),
            y=alt.Y("Betrag:Q", title="Betrag (EUR)"),
            tooltip=["Konto", "Betrag", "Buchungen"],
        )
        .properties(width=520, title="Beträge je Konto")
    )
    _display("<h3>Beträge je Konto</h3>" + _svg(chart) + table_html(amounts))


def show_transfers(data: ReportData) -> None:
    import altair as alt

    if data.transfers.is_empty():
        _display("<h3>Übertragungen</h3><p>Keine Übertragungen für diesen Mandanten.</p>")
        return
    timeline = data.transfers.with_columns(
        pl.col("created_at").str.to_datetime(time_zone="UTC").alias("angelegt"),
        pl.format("{} {}", "month", "document_kind").alias("Gruppe"),
    )
    chart = (
        alt.Chart(timeline)
        .mark_point(filled=True, size=90)
        .encode(
            x=alt.X("angelegt:T", title="angelegt"),
            y=alt.Y("Gruppe:N", title=None),
            color=alt.Color("datev_status:N", title="DATEV-Status"),
        )
        .properties(width=520, title="Übertragungen")
    )
    _display("<h3>Übertragungen</h3>" + _svg(chart) + table_html(data.transfers))


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
        f"<h3>Offene Fragen an den Mandanten ({talks.height})</h3>"
        f"<p>{waiting} warten auf den Mandanten, die älteste seit "
        f"{int(talks.select(pl.max('days_open')).item())} Tagen.</p>" + table_html(table)
    )
