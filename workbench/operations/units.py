"""What one Mandant's unit of work does, per command: its monthly report, its checks, or its
due schedules. Each calls the same stage functions as the single-Mandant commands."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from workbench.errors import ConfigError
from workbench.findings import concat_findings, exit_code
from workbench.operations.fanout import Unit, UnitResult

__all__ = ["ACTIONS"]


def _report(unit: Unit) -> UnitResult:
    from workbench.reports import run_report

    options = unit.options
    out = Path(options["out_dir"]) / f"bericht_{unit.client}_{unit.period}.html"
    result = run_report(
        client=unit.client,
        period=unit.period or "",
        sources=list(unit.sources),
        out=out,
        transfer=bool(options.get("transfer")),
        engine=options.get("engine", "polars"),
        pos_mapping=options.get("pos_mapping"),
        base=Path(options["base"]),
        test=bool(options.get("test")),
    )
    return UnitResult(
        client=unit.client,
        action=unit.action,
        exit_code=result.exit_code,
        details=result.details,
        html=str(result.html),
    )


def _check(unit: Unit) -> UnitResult:
    import json

    from workbench.checks import findings_json
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect
    from workbench.sources.patterns import expand_files

    base = Path(unit.options["base"])
    parts, rows = [], 0
    with connect() as connection:
        for source in unit.sources:
            files = expand_files(source.get("files") or [], base=base)
            if not files:
                raise ConfigError(
                    f"Mandant {unit.client}: für die Quelle {source.get('kind')} passt keine "
                    f"Datei zu files = {source.get('files') or []} in den Einstellungen."
                )
            run = check_run(
                load_run(source["kind"], files, profile=source.get("profile", "auto")),
                client=unit.client,
                connection=connection,
                engine=unit.options.get("engine", "polars"),
                period=unit.period,
            )
            rows += run.loaded.frame.height
            parts.append(run.findings)
    findings = concat_findings(parts)
    counts = findings["severity"].value_counts() if findings.height else None
    by = dict(counts.iter_rows()) if counts is not None else {}
    out_dir = unit.options.get("out_dir")
    if out_dir:
        path = Path(out_dir) / f"befunde_{unit.client}_{unit.period or 'alle'}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(findings_json(findings), ensure_ascii=False, indent=1, default=str),
            encoding="utf-8",
        )
    code = exit_code(findings)
    details = {
        "rows": rows,
        "errors": by.get("error", 0),
        "warnings": by.get("warning", 0),
    }
    return UnitResult(client=unit.client, action=unit.action, exit_code=code, details=details)


def _run_due(unit: Unit) -> UnitResult:
    from workbench.operations.schedules import run_due

    now = unit.options.get("now")
    due = run_due(client=unit.client, now=datetime.fromisoformat(now) if now else None)
    details = {
        "periods": len(due.outcomes),
        "failed": len(due.failed),
        "busy": due.busy,
        "transfers": sum(len(outcome.transfers) for outcome in due.outcomes),
        "problems": [f"{o.job} {o.period.label}: {o.error}" for o in due.failed],
    }
    return UnitResult(
        client=unit.client, action=unit.action, exit_code=2 if due.failed else 0, details=details
    )


ACTIONS: dict[str, Callable[[Unit], UnitResult]] = {
    "report": _report,
    "check": _check,
    "run-due": _run_due,
}
