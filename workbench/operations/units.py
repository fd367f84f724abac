"""One Mandant's unit of work and what it does, per command: its monthly report, its checks,
or its due schedules. Each calls the same stage functions as the single-Mandant commands;
:func:`run_unit` is what a worker process (pool or Dask) executes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.errors import ConfigError, WorkbenchError
from workbench.findings import concat_findings, exit_code

__all__ = ["ACTIONS", "Unit", "UnitResult", "run_unit"]

#: What a unit's process must see to work on the same Kanzlei as the caller (no secrets).
_ENVIRONMENT = ("WORKBENCH_HOME", "WORKBENCH_KANZLEI", "WORKBENCH_SANDBOX_URL", "WORKBENCH_CONFIG")


@dataclass(frozen=True)
class Unit:
    """One Mandant's share of a command: ``action`` is ``report``, ``check`` or ``run-due``."""

    action: str
    client: str
    period: str | None = None
    sources: tuple[dict, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)
    environment: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class UnitResult:
    """What one Mandant's unit produced; ``error`` is set when it failed."""

    client: str
    action: str
    exit_code: int
    details: dict[str, Any] = field(default_factory=dict)
    html: str | None = None
    error: str | None = None
    attempts: int = 1

    @property
    def failed(self) -> bool:
        return self.error is not None


def _source_files(unit: Unit, source: dict, base: Path) -> list[Path]:
    """The files of one of the Mandant's sources; none is an error (for report and check)."""
    from workbench.sources.patterns import expand_files

    files = expand_files(source.get("files") or [], base=base)
    if not files:
        raise ConfigError(
            f"Mandant {unit.client}: für die Quelle {source.get('kind')} passt keine "
            f"Datei zu files = {source.get('files') or []} in den Einstellungen."
        )
    return files


def _report(unit: Unit) -> UnitResult:
    from workbench.reports import run_report

    options = unit.options
    for source in unit.sources:  # as the check: a pattern that finds nothing is no report
        _source_files(unit, source, Path(options["base"]))
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
    from workbench.pipeline.map import UNCHECKED_BALANCE, with_mapping_findings

    base = Path(unit.options["base"])
    mapping = unit.options.get("pos_mapping")
    parts, rows, problems = [], 0, []
    with connect() as connection:
        for source in unit.sources:
            files = _source_files(unit, source, base)
            run = check_run(
                load_run(source["kind"], files, profile=source.get("profile", "auto")),
                client=unit.client,
                connection=connection,
                engine=unit.options.get("engine", "polars"),
                period=unit.period,
            )
            if source["kind"] == "pos":  # as ``check pos``: the balance needs the mapping
                if mapping:
                    run = with_mapping_findings(run, pos_mapping=Path(mapping))
                else:
                    problems.append(UNCHECKED_BALANCE)
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
        "problems": problems,
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


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in _ENVIRONMENT}
    for name in _ENVIRONMENT:
        if name in values:
            os.environ[name] = values[name]
        elif values:
            os.environ.pop(name, None)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_unit(unit: Unit) -> UnitResult:
    """Run one unit in this process; a failure becomes a failed result, never an exception."""
    with _environment(unit.environment):
        try:
            return ACTIONS[unit.action](unit)
        except WorkbenchError as error:
            message = str(error)
        except Exception as error:  # one Mandant's surprise must not stop the others
            message = f"Unerwarteter Fehler: {type(error).__name__}: {error}"
    return UnitResult(client=unit.client, action=unit.action, exit_code=3, error=message)
