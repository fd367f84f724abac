"""Running reports: :func:`run_report` executes the report notebook with papermill and converts
it to HTML with the code hidden; :func:`run_reports` does that for several clients and writes an
overview, as tax offices run it at month end.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict, Unpack

from workbench.errors import WorkbenchError
from workbench.resources import resource_path

__all__ = [
    "ReportOptions",
    "ReportResult",
    "run_investigation",
    "run_report",
    "run_reports",
    "write_overview",
]


class ReportOptions(TypedDict, total=False):
    """The options of :func:`run_report` that :func:`run_reports` passes to every client."""

    transfer: bool
    engine: str
    pos_mapping: str | None
    base: Path | None
    test: bool


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
    test: bool = False,
) -> ReportResult:
    """Execute the report notebook for one client with papermill and write HTML (code hidden).

    ``test``: a test report (marked "Testdatei"); nothing is sent, the files a transfer would
    send go to the test folder instead.
    """
    import papermill

    from workbench.clients import normalise_client_id, normalise_month
    from workbench.german import format_month

    client, period = normalise_client_id(client), normalise_month(period)

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
        "test": test,
    }
    try:
        _execute("reports/monthly-reconciliation.ipynb", executed, parameters, base or Path.cwd())
    except papermill.PapermillExecutionError as error:
        raise WorkbenchError(
            f"Der Bericht für {client} ist in Zelle {error.exec_count} "
            f"gescheitert: {error.ename}: {error.evalue}"
        ) from error
    # The browser tab and a bookmark name the report (nbconvert's default: "Notebook").
    title = f"Monatsabgleich {client}: {format_month(period)}"
    _write_html(executed, out, title=f"Testdatei – {title}" if test else title)
    details = json.loads(result_path.read_text(encoding="utf-8"))
    return ReportResult(
        client=client, html=out, exit_code=int(details["exit_code"]), details=details
    )


def run_investigation(transfer_id: str, out: Path) -> Path:
    """Execute the investigation notebook for one transfer (its full id) and write it as HTML
    with the code hidden: ``workbench status ID --investigate`` for those without JupyterLab."""
    import papermill

    out.parent.mkdir(parents=True, exist_ok=True)
    executed = out.with_suffix(".ipynb")
    try:
        _execute("investigate/transfer.ipynb", executed, {"transfer_id": transfer_id}, Path.cwd())
    except papermill.PapermillExecutionError as error:
        raise WorkbenchError(
            f"Die Untersuchung der Übertragung {transfer_id} ist in Zelle {error.exec_count} "
            f"gescheitert: {error.ename}: {error.evalue}"
        ) from error
    _write_html(executed, out, title=f"Untersuchung der Übertragung {transfer_id[:8]}")
    return out


def _execute(notebook: str, executed: Path, parameters: dict, cwd: Path) -> None:
    """Run a shipped notebook with papermill in a kernel on private sockets."""
    import papermill

    from workbench.reports.kernel import private_kernel

    with private_kernel() as kernel_manager:
        papermill.execute_notebook(
            str(resource_path("notebooks", *notebook.split("/"))),
            str(executed),
            parameters=parameters,
            progress_bar=False,
            kernel_name="python3",
            kernel_manager_class=kernel_manager,
            cwd=str(cwd),
        )


def _write_html(executed: Path, out: Path, *, title: str) -> None:
    """The executed notebook as HTML: outputs only (the notebook's code and notes hidden),
    ``title`` in the browser's tab."""
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_markdown=True,  # the notebook's own notes; the report has its header
        language_code="de",
    )
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook)
    out.write_text(body, encoding="utf-8")


def run_reports(
    *,
    clients: Sequence[str],
    period: str,
    sources: dict[str, Sequence[dict]],
    out_dir: Path,
    **options: Unpack[ReportOptions],
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


_STATES = {
    0: ("ohne Befunde", "wb-ok"),
    1: ("nur Warnungen", "wb-warning"),
    2: ("mit Fehlern", "wb-error"),
    3: ("unvollständig", "wb-error"),
}


def write_overview(
    results: Sequence[ReportResult],
    *,
    out_dir: Path,
    period: str,
    failures: Sequence[tuple[str, str]] = (),
) -> Path:
    """``uebersicht_<period>.html``: one row per Mandant with its state, counts and report link;
    ``failures`` are Mandanten whose report could not be made (client, reason), listed too."""
    from workbench.german import format_count, format_datetime, format_month
    from workbench.reports.render import REPORT_STYLE

    def row(result: ReportResult) -> str:
        details = result.details
        label, css = _STATES.get(result.exit_code, ("unbekannt", "wb-error"))
        numbers = [
            details.get("errors", 0),
            details.get("warnings", 0),
            details.get("transfers", 0),
            details.get("rejected", 0),
            details.get("open_items", 0),
            details.get("open_talks", 0),
        ]
        cells = "".join(f"<td class='num'>{format_count(int(n))}</td>" for n in numbers)
        return (
            f"<tr><td>{html.escape(result.client)}</td>"
            f"<td><span class='wb-badge {css}'>{label}</span></td>{cells}"
            f"<td><a href='{html.escape(result.html.name)}'>Bericht öffnen</a></td></tr>"
        )

    def failed(client: str, reason: str) -> str:
        label, css = _STATES[3]
        return (
            f"<tr><td>{html.escape(client)}</td>"
            f"<td><span class='wb-badge {css}'>{label}</span></td>"
            f"<td colspan='7'>kein Bericht: {html.escape(reason)}</td></tr>"
        )

    import datetime as dt

    from workbench.german import BERLIN

    month = format_month(period)
    out_dir.mkdir(parents=True, exist_ok=True)
    overview = out_dir / f"uebersicht_{period}.html"
    overview.write_text(
        f"<!doctype html><html lang='de'><meta charset='utf-8'>"
        f"<title>Monatsabgleich {html.escape(month)}: Übersicht</title>{REPORT_STYLE}"
        f"<body class='wb-report'><h1>Monatsabgleich {html.escape(month)}: Übersicht</h1>"
        f"<p class='wb-note'>Erstellt am {format_datetime(dt.datetime.now(BERLIN))} Uhr; "
        f"ein Bericht je Mandant.</p><table><thead><tr><th>Mandant</th><th>Ergebnis</th>"
        f"<th class='num'>Fehler</th><th class='num'>Warnungen</th>"
        f"<th class='num'>Übertragungen</th><th class='num'>abgelehnt</th>"
        f"<th class='num'>offene Positionen</th><th class='num'>offene Fragen</th>"
        f"<th>Bericht</th></tr></thead><tbody>"
        + "".join(row(result) for result in results)
        + "".join(failed(client, reason) for client, reason in failures)
        + "</tbody></table></body></html>",
        encoding="utf-8",
    )
    return overview
