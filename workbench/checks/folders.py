"""Folders (Rechnungsordner, Kassenbücher) nobody knows yet: one ``info`` per Beleg-Art.

DATEV names a Beleg-Art's folders only when a transfer job is created, and a check never creates
one (it would write to DATEV, race with a parallel check and need transfer rights). Until the
user chose a favourite or a transfer asked DATEV (``workbench.clients``), the folder is unknown:
that is worth one note per Beleg-Art, on its first row, not an error on every row. A folder DATEV
said does not exist is the suite's ``document_types.no_folder`` error.
"""

from __future__ import annotations

import polars as pl

from workbench.checks.engine_polars import ROW_INDEX
from workbench.clients import ClientSettings
from workbench.datev.package import DEFAULT_FOLDERS

__all__ = ["folder_unknown"]


def folder_unknown(frame: pl.DataFrame, settings: ClientSettings | None) -> pl.DataFrame:
    """Hits (``rules.HITS_SCHEMA``) on the first item of each Beleg-Art with an unknown folder."""
    unknown = [
        kind
        for kind in (settings.document_types_with_unknown_folder if settings else [])
        if kind in DEFAULT_FOLDERS
    ]
    if not unknown or "document_kind" not in frame.columns:
        return pl.DataFrame()
    first = (
        frame.select(ROW_INDEX, "document_kind")
        .filter(pl.col("document_kind").is_in(unknown))
        .unique("document_kind", keep="first", maintain_order=True)
    )
    default = pl.col("document_kind").replace_strict(DEFAULT_FOLDERS, default=None)
    return first.select(
        pl.col(ROW_INDEX).cast(pl.UInt32),
        pl.lit("document_types.folder_unknown").alias("rule"),
        pl.lit("info").alias("severity"),
        pl.lit("document_kind").alias("column"),
        pl.col("document_kind").alias("value"),
        pl.format("Ordner '{}' oder ein Favorit aus den Einstellungen", default).alias("expected"),
        pl.format(
            "Für die Beleg-Art '{}' ist noch kein Ziel-Ordner bekannt: DATEV nennt die "
            "Ordner erst beim Übertragen. Die Workbench verwendet '{}' und merkt sich bei der "
            "ersten Übertragung, welche Ordner DATEV anbietet. Einen anderen Ordner legen Sie "
            'als Favorit in den Einstellungen fest ([clients."{}".folders]).',
            pl.col("document_kind"),
            default,
            pl.lit(settings.client_id if settings else ""),
        ).alias("message"),
        pl.lit(None, dtype=pl.String).alias("suggestion"),
    )
