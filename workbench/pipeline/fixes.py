"""Safe fixes that survive a reload: accepted once (:func:`fix_run`), applied by the check stage
whenever the same file content is checked for the same client.

The fixes are recorded in ``$WORKBENCH_HOME/fixes.jsonl`` (:class:`~workbench.checks.fixstore.
FixStore`) and each acceptance is noted in the transfer ledger's append-only audit log.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from workbench.pipeline.results import CheckedRun

if TYPE_CHECKING:
    from workbench.pipeline.connection import Connection
    from workbench.transfer.jobs import Progress

__all__ = ["fix_run"]


def _home(connection: Connection | None) -> Path:
    from workbench.config import load_settings

    return Path(connection.settings.home if connection is not None else load_settings().home)


def fix_run(
    checked: CheckedRun, connection: Connection | None, *, progress: Progress | None = None
) -> tuple[CheckedRun, pl.DataFrame]:
    """Accept the safe fixes of a checked run: record them (they survive a reload), note them in
    the audit log, and check again. Returns the new checked run and the fixes (``file, row,
    column, rule, old, new``).

    >>> checked, applied = fix_run(checked, connection)  # doctest: +SKIP
    """
    from workbench.checks import SAFE_FIXES, apply_fixes
    from workbench.checks.fixstore import FixStore, file_sha256
    from workbench.pipeline.check import check_run
    from workbench.pipeline.load import load_run

    _, applied = apply_fixes(checked.loaded.frame, checked.findings, rules=SAFE_FIXES)
    if applied.height:
        hashes = {path.name: file_sha256(path) for path in checked.files}
        FixStore(_home(connection)).record(checked.client or "", applied, hashes)
        if connection is not None:
            for (file,), group in applied.group_by("file", maintain_order=True):
                connection.ledger.log(
                    "Korrekturen gespeichert",
                    client=checked.client,
                    file=file,
                    sha256=hashes.get(file),
                    fixes=group.select("row", "column", "rule", "old", "new").to_dicts(),
                )
    again = check_run(
        load_run(checked.kind, checked.files, profile=checked.profile),
        client=checked.client,
        connection=connection,
        period=checked.period,
        target=checked.target,
        progress=progress,
    )
    return again, applied
