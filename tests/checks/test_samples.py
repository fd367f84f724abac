"""The committed samples: every seeded defect of ``data/samples/defects.json`` is found with its
rule and row, and rows not listed there have no findings (runs when the manifest exists)."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest

from workbench.checks import check_sources

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
MANIFEST = SAMPLES / "defects.json"
#: Call-number matching against DATEV master data is a later issue (not these checks).
LATER = {
    "calls.unmatched_number",
    "calls.ambiguous_number",
    "calls.fax_number",
    "calls.inactive_addressee",
}


def _groups() -> list[tuple[str, str, str | None, tuple[str, ...]]]:
    """(kind, profile, client, files) per load: invoices load with their positions file."""
    if not MANIFEST.exists():
        return []
    from workbench.samples import sample_files

    grouped: dict[tuple, list[str]] = defaultdict(list)
    for sample in sample_files():
        key = (
            sample.kind,
            sample.profile,
            sample.client,
            sample.name.replace("_positions", "") if sample.kind == "invoices" else sample.name,
        )
        grouped[key].append(sample.name)
    return [
        (kind, profile, client, tuple(files))
        for (kind, profile, client, _), files in grouped.items()
    ]


@pytest.fixture(scope="module")
def manifest() -> pl.DataFrame:
    records = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return pl.DataFrame(
        records,
        schema={
            "file": pl.String,
            "sheet": pl.String,
            "row": pl.Int64,
            "item_id": pl.String,
            "column": pl.String,
            "rule": pl.String,
            "value": pl.String,
            "note": pl.String,
        },
    )


@pytest.mark.parametrize(
    ("kind", "profile", "client", "files"),
    _groups(),
    ids=lambda value: value[0] if isinstance(value, tuple) else None,
)
def test_sample_defects_found_and_clean_rows_clean(
    kind, profile, client, files, manifest, seed_settings
):
    from workbench.pipeline.registry import REGISTRY

    result = REGISTRY[kind].load([SAMPLES / name for name in files], profile=profile)
    settings = seed_settings(client) if client else None
    # both targets: Windows-1252 is an EXTF rule, Beleg-Arten and folders are XML rules
    findings = pl.concat(
        [
            check_sources(
                result,
                settings=settings,
                period=("2026-01", "2026-03"),
                target=target,
                folder=SAMPLES,
            )
            for target in ("extf", "xml")
        ]
    ).unique(maintain_order=True)
    expected = manifest.filter(
        pl.col("file").is_in(list(files)) & ~pl.col("rule").is_in(list(LATER))
    )
    found = findings.select(pl.col("source").alias("file"), "row", "rule").unique()
    missing = expected.join(found, on=["file", "row", "rule"], how="anti", nulls_equal=True)
    assert missing.is_empty(), missing.select("file", "row", "column", "rule", "value").to_dicts()
    if client == "455148-2" and kind == "receipts":
        # the seed keeps 455148-2's Rechnungsausgang without folder; the manifest lists them
        folder = findings.filter(pl.col("rule") == "document_types.no_folder")
        outgoing = result.frame.filter(pl.col("document_kind") == "Rechnungsausgang")
        assert folder.height == outgoing.height > 0
    listed = manifest.filter(pl.col("file").is_in(list(files))).select("file", "row").unique()
    extra = findings.join(
        listed, left_on=["source", "row"], right_on=["file", "row"], how="anti", nulls_equal=True
    )
    assert extra.is_empty(), extra.select("source", "row", "column", "rule", "value").to_dicts()[:8]
