"""Invoices (Rechnungen, Eingangsrechnungen, Gutschriften, Stornos) with their positions."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from workbench.findings import concat_findings
from workbench.sources.loader import LoadResult, PathLike, load_source
from workbench.sources.profiles import Profile, load_profile

__all__ = ["load_invoices"]


def load_invoices(
    files: PathLike | Iterable[PathLike], *, profile: str | Profile = "canonical"
) -> LoadResult:
    """Load invoices and their positions (``result.positions``).

    Positions come from the same files: an Excel sheet named by the profile (CRM+ exports an
    invoices sheet and a positions sheet) or a separate CSV/JSON file recognised by its headers.
    Positions without a number are numbered per invoice in file order. A profile with
    ``format = "einvoice"`` (the built-in ``einvoice``) reads XRechnung and ZUGFeRD files instead.

    >>> result = load_invoices("data/samples/invoices_crmplus.xlsx", profile="crmplus")
    >>> result.positions.columns[:3]
    ['invoice_id', 'position', 'name']
    """
    if profile == "auto":  # an e-invoice by its content, else the table profile that fits
        profile = _detected(files)
    profile = profile if isinstance(profile, Profile) else load_profile(profile)
    if profile.format == "einvoice":
        from workbench.sources.einvoice import load_einvoices

        return load_einvoices(files, direction=profile.options.get("direction", "incoming"))
    loaded = load_source("invoices", files, profile=profile, sub_kinds=("invoices", "positions"))
    frame, findings, infos = loaded["invoices"]
    positions, position_findings, position_infos = loaded["positions"]
    number = pl.int_range(1, pl.len() + 1).over("source_file", "invoice_id")
    # an unreadable number stays empty (its finding says why): only missing ones are numbered
    unreadable = position_findings.filter(pl.col("column") == "position").select(
        pl.format("{}\x1f{}", "source", "row")
    )
    key = pl.format("{}\x1f{}", "source_file", "source_row")
    positions = positions.with_columns(
        pl.when(key.is_in(unreadable.to_series().implode()))
        .then(pl.col("position"))
        .otherwise(pl.coalesce("position", number))
        .alias("position")
    )
    return LoadResult(
        kind="invoices",
        frame=frame,
        findings=concat_findings([findings, position_findings]),
        sources=infos,
        positions=positions,
        position_sources=position_infos,
    )


def _detected(files: PathLike | Iterable[PathLike]) -> str:
    from workbench.sources.detect import detect_profile
    from workbench.sources.einvoice import is_einvoice

    given = [files] if isinstance(files, (str, os.PathLike)) else list(files)
    paths = [Path(path) for path in given]
    if paths and is_einvoice(paths[0]):
        return "einvoice"
    return detect_profile("invoices", paths)
