"""Safe fixes that survive a reload: recorded once, applied whenever the same file is loaded.

A fix the user accepted (old → new for one cell, see :func:`~workbench.checks.fixes.apply_fixes`)
is appended to ``$WORKBENCH_HOME/fixes.jsonl`` with the client, the file's name and SHA-256 and
who accepted it when. Loading the *same* file content for the same client applies the recorded
fixes again (cell by cell, only where the cell still holds the old text), so checks, preview and
transfer all see the corrected values; a changed file (corrected at its source) is left alone.
The file is only appended to; the transfer ledger's audit log notes each recording.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl

from workbench.checks.fixes import FIXES_SCHEMA

__all__ = ["FIXES_SCHEMA", "FixStore", "apply_recorded_fixes", "file_sha256"]


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (read in blocks)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class FixStore:
    """The recorded fixes under ``home`` (``fixes.jsonl``).

    >>> store = FixStore(home)  # doctest: +SKIP
    >>> store.record("455148-1", applied, {"belege.csv": sha})  # doctest: +SKIP
    """

    def __init__(self, home: str | Path) -> None:
        self.path = Path(home) / "fixes.jsonl"

    def record(self, client: str, applied: pl.DataFrame, hashes: Mapping[str, str]) -> int:
        """Append ``applied`` (``file, row, column, rule, old, new``); returns how many."""
        if applied.is_empty():
            return 0
        at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        user = _user()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            for row in applied.iter_rows(named=True):
                entry = {**row, "client": client, "sha256": hashes.get(row["file"]), "at": at}
                handle.write(json.dumps({**entry, "user": user}, ensure_ascii=False) + "\n")
        return applied.height

    def for_files(self, client: str, hashes: Mapping[str, str]) -> pl.DataFrame:
        """The fixes recorded for ``client`` on these exact file contents (latest per cell)."""
        if not self.path.exists():
            return pl.DataFrame(schema=FIXES_SCHEMA)
        rows = []
        with self.path.open(encoding="utf-8") as handle:
            for line in handle:
                entry = json.loads(line)
                if entry.get("client") == client and hashes.get(entry["file"]) == entry["sha256"]:
                    rows.append({name: entry.get(name) for name in FIXES_SCHEMA})
        if not rows:
            return pl.DataFrame(schema=FIXES_SCHEMA)
        frame = pl.DataFrame(rows, schema=FIXES_SCHEMA)
        return frame.unique(["file", "row", "column", "old"], keep="last", maintain_order=True)

    @staticmethod
    def apply(frame: pl.DataFrame, fixes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
        """``frame`` with ``fixes`` applied where the cell still holds ``old``; and the applied."""
        if fixes.is_empty() or frame.is_empty():
            return frame, fixes.clear()
        position = frame.select(
            pl.col("source_file").alias("file"), pl.col("source_row").cast(pl.Int64).alias("row")
        ).with_row_index("__pos")
        located = fixes.join(position, on=["file", "row"], how="inner")
        updates: dict[str, pl.Series] = {}
        done = []
        for (column,), group in located.group_by("column", maintain_order=True):
            if column not in frame.columns:
                continue
            values = updates.get(column, frame[column]).to_list()
            for row in group.iter_rows(named=True):
                if values[row["__pos"]] == row["old"]:
                    values[row["__pos"]] = row["new"]
                    done.append({name: row[name] for name in FIXES_SCHEMA})
            updates[column] = pl.Series(column, values, dtype=frame.schema[column])
        fixed = frame.with_columns(list(updates.values())) if updates else frame
        applied = pl.DataFrame(done, schema=FIXES_SCHEMA) if done else fixes.clear()
        return fixed, applied


def apply_recorded_fixes(
    loaded: Any, files: Sequence[Path], *, client: str, home: Path
) -> tuple[Any, pl.DataFrame]:
    """``loaded`` with the fixes recorded for ``client`` on these exact files, and those fixes."""
    store = FixStore(home)
    if not store.path.exists():
        return loaded, pl.DataFrame(schema=FIXES_SCHEMA)
    hashes = {path.name: file_sha256(path) for path in files if path.is_file()}
    fixed, applied = FixStore.apply(loaded.frame, store.for_files(client, hashes))
    return replace(loaded, frame=fixed), applied


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unbekannt"
