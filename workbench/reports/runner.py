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

__all__ = ["ReportOptions", "ReportResult", "run_report", "run_reports", "write_overview"]


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
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    from workbench.clients import normalise_client_id, normalise_month

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
        papermill.execute_notebook(
            str(resource_path("notebooks", "reports", "monthly-reconciliation.ipynb")),
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


def write_overview(
    results: Sequence[ReportResult],
    *,
    out_dir: Path,
    period: str,
    failures: Sequence[tuple[str, str]] = (),
) -> Path:
    """``uebersicht_<period>.html``: one line per client report with its counts and exit code;
    ``failures`` are Mandanten whose report could not be made (client, reason), listed too."""
    rows = "".join(
        f"<tr><td><a href='{html.escape(result.html.name)}'>{html.escape(result.client)}</a></td>"
        f"<td>{result.details['errors']}</td><td>{result.details['warnings']}</td>"
        f"<td>{result.details['transfers']}</td><td>{result.details.get('open_talks', 0)}</td>"
        f"<td>{result.exit_code}</td></tr>"
        for result in results
    ) + "".join(
        f"<tr><td>{html.escape(client)}</td><td colspan='4'>kein Bericht: "
        f"{html.escape(reason)}</td><td>3</td></tr>"
        for client, reason in failures
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    overview = out_dir / f"uebersicht_{period}.html"
    overview.write_text(
        f"<!doctype html><meta charset='utf-8'><title>Übersicht {html.escape(period)}</title>"
        f"<h1>Monatsabgleich {html.escape(period)}: Übersicht</h1><table border='1'>"
        f"<tr><th>Mandant</th><th>Fehler</th><th>Warnungen</th><th>Übertragungen</th>"
        f"<th>Offene Fragen</th><th>Exit-Code</th></tr>{rows}</table>",
        encoding="utf-8",
    )
    return overview
