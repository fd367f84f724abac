"""Monthly reconciliation reports: papermill runs of ``notebooks/reports/*.ipynb`` as HTML.

The report notebook stays thin: each cell calls one function here. :func:`collect` runs the
main job for one client and period (load, check, map and, if asked, transfer and poll the
status); the ``show_*`` functions render tables and offline charts (altair rendered to SVG by
vl-convert, so the HTML needs no internet); :func:`run_report` executes the notebook with
papermill and converts it to HTML with the code hidden; :func:`run_reports` does that for
several clients and writes an overview, as tax offices run it at month end.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from workbench.checks.findings import concat_findings, exit_code, summarize_findings
from workbench.errors import WorkbenchError

__all__ = [
    "ReportData",
    "collect",
    "finish",
    "run_report",
    "run_reports",
    "show_amounts",
    "show_findings",
    "show_header",
    "show_summary",
    "show_transfers",
    "table_html",
    "write_overview",
]

NOTEBOOK = (
    Path(__file__).resolve().parents[1] / "notebooks" / "reports" / "monthly-reconciliation.ipynb"
)
_FINAL_DXSO = {"2", "3", "4", "5", "6"}
_FINAL_EXTF = {"succeeded", "failed"}


@dataclass
class ReportData:
    """Everything a report shows for one client and period."""

    client: str
    period: str
    runs: list = field(default_factory=list)
    findings: pl.DataFrame = field(default_factory=pl.DataFrame)
    transfers: pl.DataFrame = field(default_factory=pl.DataFrame)
    errors: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 3 if self.errors else exit_code(self.findings)

    def summary(self) -> pl.DataFrame:
        rows = []
        for run in self.runs:
            counts = run.mapped.counts() if run.mapped is not None else None
            severities = run.findings["severity"].value_counts() if run.findings.height else None
            by = dict(severities.iter_rows()) if severities is not None else {}
            rows.append(
                {
                    "Quelle": ", ".join(path.name for path in run.files),
                    "Art": run.kind,
                    "Profil": run.profile,
                    "Zeilen": run.loaded.frame.height,
                    f"davon {self.period}": rows_in_period(run, self.period).height,
                    "Fehler": by.get("error", 0),
                    "Warnungen": by.get("warning", 0),
                    # mapped/blocked/skipped count every row of the files, not only the month's
                    "abgebildet": int(counts["mapped"].sum()) if counts is not None else None,
                    "gesperrt": int(counts["blocked"].sum()) if counts is not None else None,
                    "übersprungen": int(counts["skipped"].sum()) if counts is not None else None,
                }
            )
        return pl.DataFrame(rows) if rows else pl.DataFrame()


def collect(
    *,
    client: str,
    period: str,
    sources: Sequence[dict],
    transfer: bool = False,
    engine: str = "polars",
    pos_mapping: str | None = None,
    poll_seconds: float = 30.0,
    base: Path | None = None,
) -> ReportData:
    """Run the main job for ``client`` and ``period`` over ``sources`` and gather the results.

    ``sources``: ``[{"kind": "receipts", "files": ["…csv"], "profile": "auto"}, …]``; relative
    paths are taken from ``base`` (the repository when run by ``workbench report``). A source
    that cannot be loaded is reported, not fatal: the report shows what went wrong.
    """
    from workbench.config import load_settings
    from workbench.pipeline import check_run, map_run, transfer_run
    from workbench.transfer.connection import connect

    base = base or Path.cwd()
    data = ReportData(client=client, period=period)
    with connect() as connection:
        for source in sources:
            files = [_resolve(base, name) for name in source["files"]]
            try:
                # Rows of other months belong to other months' reports: the report shows the
                # findings of the period's rows (and of whole files), and transfers that month.
                run = check_run(
                    source["kind"],
                    files,
                    client=client,
                    profile=source.get("profile", "auto"),
                    connection=connection,
                    engine=engine,
                )
                run.findings = in_period(run, period)
                if run.kind != "calls":
                    mapping = _resolve(base, pos_mapping) if pos_mapping else None
                    map_run(run, pos_mapping=mapping)
                    if transfer:
                        transfer_run(
                            run, connection, out_dir=load_settings().home / "packages", month=period
                        )
            except WorkbenchError as error:
                data.errors.append(f"{source['kind']}: {error}")
                continue
            data.runs.append(run)
        if transfer:
            _poll(connection, client, poll_seconds)
        data.transfers = _transfers(connection, client)
    data.findings = concat_findings([run.findings for run in data.runs])
    return data


_PERIOD_COLUMN = {
    "receipts": "accounting_month",
    "invoices": "date",
    "pos": "business_date",
    "calls": "started_at",
}


def rows_in_period(run: Any, period: str) -> pl.DataFrame:
    """``source`` and ``row`` of the run's loaded rows that belong to ``period`` (YYYY-MM)."""
    column = _PERIOD_COLUMN[run.kind]
    frame = run.loaded.frame
    month = (
        pl.col(column) if frame.schema[column] == pl.String else pl.col(column).dt.strftime("%Y-%m")
    )
    return frame.filter(month == period).select(
        pl.col("source_file").alias("source"), pl.col("source_row").alias("row")
    )


def in_period(run: Any, period: str) -> pl.DataFrame:
    """The run's findings on rows of ``period`` (YYYY-MM) and on whole files."""
    rows = rows_in_period(run, period)
    findings = run.findings
    keep = findings.join(rows, on=["source", "row"], how="semi")
    return concat_findings([keep, findings.filter(pl.col("row").is_null())])


def _resolve(base: Path, name: str | Path) -> Path:
    path = Path(name)
    return path if path.is_absolute() else base / path


def _poll(connection: Any, client: str, seconds: float) -> None:
    """Polling mode for reports: refresh open transfers until DATEV is done or time is up."""
    from workbench.transfer.jobs import refresh_status

    deadline = time.monotonic() + seconds
    while True:
        open_ones = [
            item
            for item in connection.ledger.transfers(client=client)
            if item.job_id and item.datev_status not in (_FINAL_DXSO | _FINAL_EXTF)
        ]
        for item in open_ones:
            refresh_status(connection.ledger, connection.datev, item.id, confirm=True)
        still_open = [
            item
            for item in connection.ledger.transfers(client=client)
            if item.job_id and item.datev_status not in (_FINAL_DXSO | _FINAL_EXTF)
        ]
        if not still_open or time.monotonic() > deadline:
            return
        time.sleep(1.0)


def _transfers(connection: Any, client: str) -> pl.DataFrame:
    from workbench.transfer.jobs import describe

    rows = []
    for item in connection.ledger.transfers(client=client):
        row = describe(connection.ledger, item)
        row.update(
            {"channel": item.channel, "created_at": item.created_at, "updated_at": item.updated_at}
        )
        rows.append(row)
    return pl.DataFrame(rows).drop("job_ids") if rows else pl.DataFrame()


# --- rendering (used by the report notebook) -----------------------------------------------------


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
        records = run.mapped.records if run.mapped is not None else None
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


def finish(data: ReportData, result_path: str | None) -> None:
    """Write the machine-readable result (exit code, counts) that ``workbench report`` reads."""
    if not result_path:
        return
    severities = (
        dict(data.findings["severity"].value_counts().iter_rows()) if data.findings.height else {}
    )
    Path(result_path).write_text(
        json.dumps(
            {
                "client": data.client,
                "period": data.period,
                "exit_code": data.exit_code,
                "errors": severities.get("error", 0),
                "warnings": severities.get("warning", 0),
                "transfers": data.transfers.height,
                "problems": data.errors,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )


# --- running ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportResult:
    client: str
    html: Path
    exit_code: int
    details: dict


def run_report(
    *,
    client: str,
    period: str,
    sources: Sequence[dict],
    out: Path,
    transfer: bool = False,
    engine: str = "polars",
    pos_mapping: str | None = None,
    base: Path | None = None,
) -> ReportResult:
    """Execute the report notebook for one client with papermill and write HTML (code hidden)."""
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out.parent.mkdir(parents=True, exist_ok=True)
    executed = out.with_suffix(".ipynb")
    result_path = out.with_suffix(".json")
    parameters = {
        "client": client,
        "period": period,
        "sources": list(sources),
        "transfer": transfer,
        "engine": engine,
        "pos_mapping": pos_mapping,
        "base": str(base or Path.cwd()),
        "result_path": str(result_path),
    }
    try:
        papermill.execute_notebook(
            str(NOTEBOOK),
            str(executed),
            parameters=parameters,
            progress_bar=False,
            kernel_name="python3",
            cwd=str(base or Path.cwd()),
        )
    except papermill.PapermillExecutionError as error:
        raise WorkbenchError(
            f"Der Bericht für {client} ist in Zelle {error.exec_count} "
            f"gescheitert: {error.ename}: {error.evalue}"
        ) from error
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    out.write_text(body, encoding="utf-8")
    details = json.loads(result_path.read_text(encoding="utf-8"))
    return ReportResult(
        client=client, html=out, exit_code=int(details["exit_code"]), details=details
    )


def run_reports(
    *,
    clients: Sequence[str],
    period: str,
    sources: dict[str, Sequence[dict]],
    out_dir: Path,
    **options: Any,
) -> tuple[list[ReportResult], Path]:
    """One report per client plus ``overview.html`` linking them (for tax offices)."""
    results = [
        run_report(
            client=client,
            period=period,
            sources=sources[client],
            out=out_dir / f"bericht_{client}_{period}.html",
            **options,
        )
        for client in clients
    ]
    return results, write_overview(results, out_dir=out_dir, period=period)


def write_overview(results: Sequence[ReportResult], *, out_dir: Path, period: str) -> Path:
    """``uebersicht_<period>.html``: one line per client report with its counts and exit code."""
    rows = "".join(
        f"<tr><td><a href='{html.escape(result.html.name)}'>{html.escape(result.client)}</a></td>"
        f"<td>{result.details['errors']}</td><td>{result.details['warnings']}</td>"
        f"<td>{result.details['transfers']}</td><td>{result.exit_code}</td></tr>"
        for result in results
    )
    overview = out_dir / f"uebersicht_{period}.html"
    overview.write_text(
        f"<!doctype html><meta charset='utf-8'><title>Übersicht {html.escape(period)}</title>"
        f"<h1>Monatsabgleich {html.escape(period)}: Übersicht</h1><table border='1'>"
        f"<tr><th>Mandant</th><th>Fehler</th><th>Warnungen</th><th>Übertragungen</th>"
        f"<th>Exit-Code</th></tr>{rows}</table>",
        encoding="utf-8",
    )
    return overview
