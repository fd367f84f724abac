"""The result of a mapping: DATEV records plus lineage, blocked and skipped rows, findings.

Nothing is lost between loading and mapping (ARCHITECTURE §2): every loaded row of the
*primary* source (receipt items, invoices, POS rows) ends up in exactly one of

* ``lineage`` (it contributed to at least one DATEV record),
* ``blocked`` (an error finding stops it; ``rules`` says which), or
* ``skipped`` (``block_transfer`` is set: seed 004's BlockTransfer__c),

and :meth:`Mapped.counts` proves it per source file. The mappers reach this through one row gate
(:mod:`workbench.mapping.gate`).

Records never carry lineage columns: ``records`` is exactly what the DATEV writers take.
``lineage`` links a record (its 0-based row in ``records``) to the canonical rows it came
from; ``role`` names the canonical frame (``receipts``, ``invoices``, ``positions``, ``pos``)
and ``index`` the row within it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from workbench.datev.extf_header import HeaderOptions
from workbench.errors import WorkbenchError
from workbench.sources.loader import SourceInfo

__all__ = [
    "BLOCKED_SCHEMA",
    "LINEAGE_SCHEMA",
    "Mapped",
    "SKIPPED_SCHEMA",
]

LINEAGE_SCHEMA = pl.Schema(
    {
        "record": pl.Int64,
        "role": pl.String,
        "index": pl.Int64,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "item_id": pl.String,
    }
)
BLOCKED_SCHEMA = pl.Schema(
    {
        "role": pl.String(),
        "index": pl.Int64(),
        "source_file": pl.String(),
        "source_row": pl.Int64(),
        "item_id": pl.String(),
        "rules": pl.List(pl.String()),
        "message": pl.String(),
    }
)
SKIPPED_SCHEMA = pl.Schema(
    {
        "role": pl.String,
        "index": pl.Int64,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "item_id": pl.String,
        "reason": pl.String,
    }
)


@dataclass(frozen=True)
class Mapped:
    """DATEV records of one source, with where each came from and what did not make it.

    ``target`` is ``"ledger"`` (LedgerImport records for ``build_packages``) or ``"extf"``
    (Buchungsstapel bookings with the verbatim DATEV column names for ``write_extf``).
    ``field_sources`` maps each DATEV field to its ``(role, canonical column)`` candidates, for
    the preview: the first candidate a record has lineage for is where the value came from
    (an invoice record's amount comes from its position, or from the invoice without positions).
    ``frames`` holds the canonical frames by role (for source values in the preview).
    """

    kind: str
    target: str
    records: pl.DataFrame
    lineage: pl.DataFrame
    blocked: pl.DataFrame
    skipped: pl.DataFrame
    findings: pl.DataFrame
    field_sources: dict[str, tuple[tuple[str, str], ...]]
    frames: dict[str, pl.DataFrame]
    sources: tuple[SourceInfo, ...] = ()
    primary: str = ""
    master_data: pl.DataFrame | None = None
    header: HeaderOptions = field(default_factory=HeaderOptions)
    #: Belegbilder the records link to (``guid``, ``attachment``, ``document_kind``): EXTF
    #: bookings carry ``BEDI "<guid>"`` and the transfer uploads the files under those GUIDs.
    attachments: pl.DataFrame | None = None

    def counts(self) -> pl.DataFrame:
        """Per source file of the primary frame: loaded, mapped, blocked, skipped rows.

        ``loaded == mapped + blocked + skipped`` holds for every file (the ``balanced`` column).
        """
        frame = self.frames[self.primary]
        loaded = frame.group_by("source_file").agg(pl.len().cast(pl.Int64).alias("loaded"))

        def per_file(rows: pl.DataFrame, name: str) -> pl.DataFrame:
            rows = rows.filter(pl.col("role") == self.primary).unique(["index"])
            return rows.group_by("source_file").agg(pl.len().cast(pl.Int64).alias(name))

        out = loaded
        for rows, name in (
            (self.lineage, "mapped"),
            (self.blocked, "blocked"),
            (self.skipped, "skipped"),
        ):
            out = out.join(per_file(rows, name), on="source_file", how="left")
        out = out.with_columns(pl.col("mapped", "blocked", "skipped").fill_null(0))
        return out.with_columns(
            (pl.col("loaded") == pl.col("mapped") + pl.col("blocked") + pl.col("skipped")).alias(
                "balanced"
            )
        ).sort("source_file")

    def verified(self) -> Mapped:
        """``self``, after making sure every loaded row is in exactly one place.

        A failure is a bug of the mapping, not a data problem, so it raises.
        """
        counts = self.counts()
        primary = pl.col("role") == self.primary
        places = pl.concat(
            [
                self.lineage.filter(primary)["index"].unique(),
                self.blocked.filter(primary)["index"],
                self.skipped.filter(primary)["index"],
            ]
        )
        once = places.len() == places.n_unique() == self.frames[self.primary].height
        if not (counts["balanced"].all() and once):
            bad = counts.sort("balanced").row(0, named=True)
            raise WorkbenchError(
                f"Interner Fehler der Abbildung: in {bad['source_file']} wurden "
                f"{bad['loaded']} Zeilen geladen, aber {bad['mapped']} abgebildet, "
                f"{bad['blocked']} gesperrt und {bad['skipped']} übersprungen. "
                "Bitte melden Sie diesen Fehler.",
                file=bad["source_file"],
            )
        return self
