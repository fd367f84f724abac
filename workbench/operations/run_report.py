"""The short report every unattended run writes beside its files (``bericht.html``): which
period, how many rows, what was sent where, the findings per rule. A test run's report says
"Testdatei" in its title and in a banner, so nobody takes it for a delivered file."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.findings import summarize_findings
from workbench.german import SEVERITY_LABELS, rule_title
from workbench.kinds import kind_spec
from workbench.operations.periods import BERLIN

if TYPE_CHECKING:
    from workbench.operations.period_run import PeriodOutcome
    from workbench.pipeline import MappedRun

__all__ = ["write_run_report"]

_STYLE = (
    "body{font-family:sans-serif;margin:2em;max-width:60em}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}"
    ".test{background:#fff3cd;border:2px solid #b58105;padding:.8em;font-weight:bold}"
)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(
        f"<tr><th>{html.escape(name)}</th><td>{html.escape(value)}</td></tr>"
        for name, value in pairs
    )


def write_run_report(outcome: PeriodOutcome, mapped: MappedRun, *, folder: Path) -> Path:
    """Write ``bericht.html`` for one period's run into ``folder``; returns its path."""
    from workbench.pipeline.testfile import TEST_MARK

    test = outcome.mode == "test"
    title = f"{outcome.job}: {outcome.client}, {outcome.period.label}"
    if test:
        title = f"{TEST_MARK} – {title}"
    banner = (
        f"<p class='test'>{TEST_MARK}: nichts wurde an DATEV übertragen oder als übertragen "
        f"markiert. Prüfen Sie die Dateien; danach 'workbench schedule go-live "
        f"{html.escape(outcome.job)}'.</p>"
        if test
        else ""
    )
    sent = (
        ", ".join(outcome.transfers)
        or (f"per E-Mail an {outcome.mailed_to}" if outcome.mailed_to else "")
        or ("nur Dateien" if outcome.files else "nichts")
    )
    facts = _rows(
        [
            ("Mandant", outcome.client),
            ("Quellart", kind_spec(outcome.kind).label),
            ("Zeitraum", outcome.period.label),
            ("Zeilen im Zeitraum", _number(outcome.rows)),
            ("DATEV-Datensätze", _number(outcome.records)),
            ("gesperrte Zeilen", _number(outcome.blocked)),
            ("Fehler / Warnungen", f"{_number(outcome.errors)} / {_number(outcome.warnings)}"),
            ("Übertragen", sent),
            ("Erstellt", f"{dt.datetime.now(BERLIN):%d.%m.%Y %H:%M}"),
        ]
    )
    files = "".join(f"<li>{html.escape(Path(name).name)}</li>" for name in outcome.files)
    findings = mapped.findings
    rules = ""
    if findings.height:
        summary = summarize_findings(findings).select("rule", "severity", "count")
        rules = (
            "<h2>Befunde je Regel</h2><table><tr><th>Regel</th><th>Schwere</th><th>Anzahl</th></tr>"
            + "".join(
                f"<tr><td>{html.escape(f'{rule_title(rule)} ({rule})')}</td>"
                f"<td>{html.escape(SEVERITY_LABELS.get(severity, severity))}</td>"
                f"<td>{_number(count)}</td></tr>"
                for rule, severity, count in summary.iter_rows()
            )
            + "</table>"
        )
    page = (
        f"<!doctype html><html lang='de'><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style><h1>{html.escape(title)}</h1>{banner}<table>{facts}</table>"
        f"<h2>Dateien</h2><ul>{files or '<li>keine</li>'}</ul>{rules}</html>"
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "bericht.html"
    path.write_text(page, encoding="utf-8")
    return path
