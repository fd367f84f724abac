"""Charts for the report and the app: altair specs rendered offline to SVG (vl-convert) with
German number and date formats, and severity colours that read right (errors red).

>>> markup = svg(findings_per_rule(findings))  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import polars as pl

from workbench.german import SEVERITY_LABELS, format_month, month_expr, rule_title

__all__ = [
    "SEVERITY_COLOURS",
    "findings_per_month",
    "findings_per_rule",
    "sent_and_booked",
    "status_colours",
    "svg",
]

#: Errors red, warnings amber, Hinweise blue (the same tones as the tables and Excel).
SEVERITY_COLOURS = {"Fehler": "#c0392b", "Warnung": "#e0a100", "Hinweis": "#3b78c2"}
_STATUS = {
    "Fertig": "#2e8b57",
    "In Arbeit": "#e0a100",
    "Status offen": "#9e9e9e",
    "Zu Prüfen": "#c0392b",
    "Abgebrochen": "#c0392b",
    "Storniert mit Fehler": "#c0392b",
    "Erfolgreich storniert": "#607d8b",
}


def svg(chart: Any) -> str:
    """The chart as inline SVG, numbers and dates in German (``1.234,5``, ``Jan``)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(
        chart.to_dict(), format_locale="de-DE", time_format_locale="de-DE"
    )


def _count_axis(counts: pl.DataFrame, by: str) -> Any:
    """Whole-number ticks (no ``0, 1, 1, 2, 2`` for small counts)."""
    import altair as alt

    totals = counts.group_by(by).agg(pl.col("Anzahl").sum())
    top = int(totals.select(pl.col("Anzahl").max()).item() or 0)
    values = list(range(top + 1)) if top <= 10 else alt.Undefined
    return alt.Axis(format="d", values=values, tickMinStep=1)


def _severity_scale() -> Any:
    import altair as alt

    return alt.Scale(domain=list(SEVERITY_COLOURS), range=list(SEVERITY_COLOURS.values()))


def findings_per_rule(findings: pl.DataFrame, *, width: int = 520) -> Any:
    """Horizontal bars: findings per rule (German title and id), stacked by severity."""
    import altair as alt

    counts = (
        findings.group_by("rule", "severity")
        .len("Anzahl")
        .with_columns(
            pl.col("severity").replace_strict(SEVERITY_LABELS, default="Hinweis").alias("Schwere"),
            pl.format(
                "{} ({})",
                pl.col("rule").map_elements(rule_title, return_dtype=pl.String),
                pl.col("rule"),
            ).alias("Regel"),
        )
    )
    rank = {"error": 0, "warning": 1, "info": 2}
    order = (
        counts.group_by("Regel")
        .agg(
            pl.col("severity").replace_strict(rank, default=3, return_dtype=pl.Int64).min(),
            pl.col("Anzahl").sum(),
        )
        .sort("severity", "Anzahl", "Regel", descending=[False, True, False])["Regel"]
        .to_list()
    )  # errors first, then warnings, then Hinweise; most frequent first within each
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("Anzahl:Q", title="Befunde", axis=_count_axis(counts, "Regel")),
            y=alt.Y("Regel:N", sort=order, title=None, axis=alt.Axis(labelLimit=420)),
            color=alt.Color("Schwere:N", scale=_severity_scale(), title="Schwere"),
            tooltip=["Regel", "Schwere", "Anzahl"],
        )
        .properties(width=width, title="Befunde je Regel")
    )


def findings_per_month(
    findings: pl.DataFrame, frame: pl.DataFrame, month_column: str, *, width: int = 520
) -> Any:
    """Bars per month of the rows concerned (file-level findings are left out), by severity."""
    import altair as alt

    months = frame.select(
        pl.col("source_file").alias("source"),
        pl.col("source_row").alias("row"),
        month_expr(pl.col(month_column)).alias("month"),
    )
    counts = (
        findings.filter(pl.col("row").is_not_null())
        .join(months, on=["source", "row"], how="left")
        .with_columns(pl.col("month").fill_null("ohne Datum"))
        .group_by("month", "severity")
        .len("Anzahl")
        .with_columns(
            pl.col("severity").replace_strict(SEVERITY_LABELS, default="Hinweis").alias("Schwere"),
            pl.col("month").map_elements(format_month, return_dtype=pl.String).alias("Monat"),
        )
        .sort("month")
    )
    order = counts.unique("month", maintain_order=True)["Monat"].to_list()
    return (
        alt.Chart(counts)
        .mark_bar()
        .encode(
            x=alt.X("Monat:N", sort=order, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("Anzahl:Q", title="Befunde", axis=_count_axis(counts, "Monat")),
            color=alt.Color("Schwere:N", scale=_severity_scale(), title="Schwere"),
            tooltip=["Monat", "Schwere", "Anzahl"],
        )
        .properties(width=width, title="Befunde je Monat")
    )


def status_colours(statuses: list[str]) -> Any:
    """A colour scale for DATEV statuses: done green, working amber, failed red."""
    import altair as alt

    domain = [status for status in _STATUS if status in statuses] + sorted(
        status for status in set(statuses) if status not in _STATUS
    )
    return alt.Scale(domain=domain, range=[_STATUS.get(status, "#9e9e9e") for status in domain])


def sent_and_booked(accounts: pl.DataFrame, *, width: int = 560) -> Any:
    """Bars per Sachkonto, what the workbench sent beside what DATEV booked (the Abgleich's
    ``accounts_table``: Konto, gesendet, gebucht in euros, Soll positive). Personenkonten
    (one digit longer than the Sachkonten) are the other side of the same bookings and stay in
    the table only."""
    import altair as alt

    length = pl.col("Konto").str.len_chars()
    general = accounts.filter(length == length.min())
    order = general["Konto"].to_list()
    sides = general.unpivot(
        ["gesendet", "gebucht"], index="Konto", variable_name="Seite", value_name="Betrag"
    )
    return (
        alt.Chart(sides)
        .mark_bar()
        .encode(
            x=alt.X("Konto:N", sort=order, title="Konto", axis=alt.Axis(labelAngle=-45)),
            xOffset=alt.XOffset("Seite:N", sort=["gesendet", "gebucht"]),
            y=alt.Y("Betrag:Q", title="Soll - Haben (EUR)", axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "Seite:N",
                scale=alt.Scale(domain=["gesendet", "gebucht"], range=["#9e9e9e", "#3b78c2"]),
                title=None,
            ),
            tooltip=["Konto", "Seite", alt.Tooltip("Betrag:Q", format=",.2f")],
        )
        .properties(width=width, height=220, title="Gesendet und gebucht je Sachkonto")
    )
