"""The committed sample files in ``data/samples/``: which rows carry which defect, and how each
file is spelled: the building blocks the ``*_files`` modules share. ``sample_files`` in
``workbench.samples.generator`` collects them (pure: bytes and frames); ``write_samples`` writes
them.

Every defect is placed on a chosen row of a clean, seeded frame; rows are picked evenly spread
over the file and never twice, and document-level defects (dates, invoice ids, names, Belegbild)
go to single-item documents so that exactly the listed rows are affected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import polars as pl

from workbench.kinds import SourceKind
from workbench.samples.defects import Defect
from workbench.samples.writers import (
    Layout,
    csv_bytes,
    line_numbers,
    pdf_bytes,
    text_frame,
)

__all__ = ["SampleFile"]

PERIOD = (date(2026, 1, 1), date(2026, 3, 31))
TOO_LARGE = {"RE-2026-0042_Scan.pdf": 22_548_480}


@dataclass
class SampleFile:
    """One file of ``data/samples/`` (or several sheets of one Excel file)."""

    name: str
    kind: str
    profile: str
    client: str | None
    encoding: str
    data: bytes | None = None  # CSV / JSON bytes
    sheets: list | None = None  # Excel: (sheet, headers, rows, formats)
    frame: pl.DataFrame | None = None  # expected canonical frame (typed)
    positions: pl.DataFrame | None = None
    manifest: list[dict] = field(default_factory=list)
    attachments: dict[str, bytes] = field(default_factory=dict)


class Picker:
    """Deterministic, spread-out choice of rows that no other defect uses."""

    def __init__(self, frame: pl.DataFrame, group: str | None = None) -> None:
        self.frame = frame
        self.used: set[int] = set()
        self.calls = 0
        self.single = (
            frame.select(pl.len().over(group) == 1).to_series().to_numpy()
            if group
            else np.ones(frame.height, dtype=bool)
        )

    def __call__(
        self, mask: pl.Expr | np.ndarray | None = None, k: int = 1, *, single: bool = False
    ) -> list[int]:
        ok = np.ones(self.frame.height, dtype=bool)
        if isinstance(mask, pl.Expr):
            ok &= self.frame.select(mask.fill_null(False)).to_series().to_numpy()
        elif mask is not None:
            ok &= mask
        if single:
            ok &= self.single
        # keep a neighbour free on both sides: one defect per row, clearly apart
        taken = np.zeros(self.frame.height, dtype=bool)
        for row in self.used:
            taken[max(row - 1, 0) : row + 2] = True
        candidates = np.flatnonzero(ok & ~taken)
        if len(candidates) < k:
            raise ValueError("not enough rows for the requested defects")
        self.calls += 1
        start = (self.calls * 0.377) % 1.0
        chosen = []
        for i in range(k):
            position = int(((start + i / k) % 1.0) * len(candidates))
            while candidates[position] in chosen:
                position = (position + 1) % len(candidates)
            chosen.append(int(candidates[position]))
        self.used.update(chosen)
        return chosen


#: Columns a kind's loader fills in when the file has none (profile defaults).
_LOADER_DEFAULTS: dict[str, set[str]] = {
    SourceKind.RECEIPTS: {"document_kind", "currency_code", "block_transfer"}
}


def _value(frame: pl.DataFrame, row: int, column: str):
    return frame[column][row]


def _manifest(
    file: SampleFile,
    defects: list[Defect],
    text: pl.DataFrame | None,
    rows: list[int] | None,
    layout_headers: dict[str, str],
    item_header: str | None,
    *,
    sheet: str | None = None,
) -> None:
    for defect in defects:
        entry: dict[str, object] = {
            "file": file.name,
            "sheet": sheet,
            "row": None,
            "item_id": None,
            "column": defect.column,
            "rule": defect.rule,
            "value": None,
            "note": defect.note,
        }
        if defect.row is not None and text is not None and rows is not None:
            entry["row"] = rows[defect.row]
            if item_header:
                entry["item_id"] = text[item_header][defect.row]
            header = layout_headers.get(defect.column) if defect.column else None
            if header:
                entry["value"] = text[header][defect.row]
        file.manifest.append(entry)


def _csv_file(
    file: SampleFile,
    typed: pl.DataFrame,
    defects: list[Defect],
    layout: Layout,
    item_column: str,
    *,
    raw_extra: dict | None = None,
) -> None:
    raw: dict[str, pl.Series] = {}
    for defect in defects:
        if defect.raw is not None and defect.row is not None and defect.column is not None:
            base = raw.get(defect.column, pl.Series([None] * typed.height, dtype=pl.String))
            raw[defect.column] = base.scatter([defect.row], [defect.raw])
    text = text_frame(typed, layout, raw)
    file.data = csv_bytes(text, layout)
    headers = dict(layout.columns)
    _manifest(file, defects, text, line_numbers(text), headers, headers.get(item_column))
    mapped = [canonical for canonical, _ in layout.columns]
    # What the loader fills in itself: profile defaults, the Buchungsmonat from the date.
    derived = _LOADER_DEFAULTS.get(file.kind, set())
    expected = typed.with_columns(
        [
            pl.lit(None, dtype=dtype).alias(name)
            for name, dtype in typed.schema.items()
            if name not in mapped and name not in derived
        ]
    )
    if "accounting_month" in typed.columns and "accounting_month" not in mapped:
        expected = expected.with_columns(
            pl.col("date").dt.strftime("%Y-%m").alias("accounting_month")
        )
    file.frame = expected


def _html(text: str) -> str:
    for good, bad in {"ü": "&#252;", "ä": "&auml;", "ö": "&#246;", "ß": "&szlig;"}.items():
        text = text.replace(good, bad)
    return text


def _mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252", errors="replace")


def _bump(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10)


def _attachments(frame: pl.DataFrame, skip: set[str], title: str) -> dict[str, bytes]:
    out = {}
    docs = (
        frame.filter(pl.col("attachment").is_not_null())
        .group_by("attachment", maintain_order=True)
        .agg(
            pl.col("invoice_id").first(),
            pl.col("date").first(),
            pl.col("party_name").first(),
            pl.col("amount").sum().round(2),
        )
    )
    for name, invoice, day, party, amount in docs.iter_rows():
        if name in skip or not name.endswith(".pdf"):
            continue
        out[name] = pdf_bytes(
            f"{title} {invoice or ''}".strip(),
            [
                f"Datum: {day:%d.%m.%Y}" if day else "Datum: -",
                f"Partner: {party or '-'}",
                f"Betrag: {amount:.2f} EUR".replace(".", ","),
            ],
        )
    return out


def attachment_sizes() -> dict[str, int]:
    """Declared sizes of Belegbilder that are larger on the user's disk than in the repository."""
    return dict(TOO_LARGE)
