"""The committed sample data, checked and mapped.

Every seeded error is blocked, the rest reaches DATEV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tomllib
from pathlib import Path

import polars as pl
import pytest
from mapping_helpers import assert_accounted

from workbench.checks import ClientSettings, check_sources
from workbench.datev.extf import ExtfHeader, read_extf, write_extf, write_extf_files
from workbench.datev.package import build_packages
from workbench.mapping import PosMapping, map_invoices, map_pos, map_receipts, preview
from workbench.sources import load_invoices, load_pos, load_receipts

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
SEED = REPO / "data" / "sandbox" / "default.json"


def settings(client: str) -> ClientSettings:
    clients = json.loads(SEED.read_text(encoding="utf-8"))["accounting_clients"]
    return ClientSettings.from_dict(next(c for c in clients if c["id"] == client))


def with_belege(result):
    """Belegbild names resolved against ``data/samples/belege`` (as the pipeline does for users)."""
    folder = str(SAMPLES / "belege") + "/"
    frame = result.frame.with_columns(
        pl.when(pl.col("attachment").is_not_null())
        .then(pl.lit(folder) + pl.col("attachment"))
        .alias("attachment")
    )
    return dataclasses.replace(result, frame=frame)


def error_rows(findings: pl.DataFrame) -> set[tuple[str, int]]:
    errors = findings.filter(pl.col("severity") == "error").select("source", "row").drop_nulls()
    return set(errors.iter_rows())


def mapped_rows(mapped) -> set[tuple[str, int]]:
    return set(mapped.lineage.select("source_file", "source_row").iter_rows())


def test_juston_receipts_checked_mapped_and_packaged(tmp_path):
    files = [
        SAMPLES / name
        for name in (
            "receipts_juston_booking_detail.csv",
            "receipts_juston_expense.csv",
            "receipts_juston_kasse.csv",
        )
    ]
    result = with_belege(load_receipts(files, profile="juston"))
    # The check stage looks for the Belegbilder (missing ones are seeded defects).
    findings = check_sources(result, settings=settings("455148-1"), folder=SAMPLES)
    mapped = map_receipts(result, findings=findings, client="455148-1")
    assert_accounted(mapped, result.frame.height)
    assert not error_rows(findings) & mapped_rows(mapped)
    assert mapped.skipped.height == result.frame["block_transfer"].sum()
    packages = build_packages(mapped.records, out_dir=tmp_path / "out", validate=True)
    assert packages.manifest.height == mapped.records.height
    assert {p.document_kind for p in packages.packages} == {
        "Rechnungsausgang",
        "Rechnungseingang",
        "Kasse",
    }
    page = preview(mapped, page_size=5)
    first = page.filter((pl.col("record") == 0) & (pl.col("field") == "invoiceId")).row(
        0, named=True
    )
    assert (first["source_column"], first["source_file"], first["source_row"]) == (
        "InvoiceNo",
        "receipts_juston_booking_detail.csv",
        2,
    )


@pytest.mark.parametrize("mode", ["rds", "bds"])
def test_crmplus_invoices_checked_and_mapped(tmp_path, mode):
    result = with_belege(load_invoices(SAMPLES / "invoices_crmplus.xlsx", profile="crmplus"))
    findings = check_sources(result, settings=settings("455148-1"), folder=SAMPLES)
    mapped = map_invoices(result, mode=mode, findings=findings, client="455148-1", kost_menge=True)
    assert_accounted(mapped, result.frame.height)
    invoice_rows = set(
        mapped.lineage.filter(pl.col("role") == "invoices")
        .select("source_file", "source_row")
        .iter_rows()
    )
    blocked_ids = set(mapped.blocked["item_id"])
    assert not blocked_ids & set(mapped.lineage["item_id"])
    assert invoice_rows
    if mode == "rds":
        packages = build_packages(mapped.records, out_dir=tmp_path / "out", validate=True)
        assert (
            sum(p.documents for p in packages.packages)
            == mapped.lineage.filter(pl.col("role") == "invoices")["index"].n_unique()
        )
    else:
        header = ExtfHeader(
            consultant_number=455148,
            client_number=1,
            fiscal_year_start=dt.date(2026, 1, 1),
            chart_of_accounts="03",
        )
        paths = write_extf_files(mapped.records, header, directory=tmp_path / "extf")
        assert sum(read_extf(path).frame.height for path in paths) == mapped.records.height
        stamm = ExtfHeader(
            consultant_number=455148,
            client_number=1,
            fiscal_year_start=dt.date(2026, 1, 1),
            category=16,
        )
        assert (
            read_extf(write_extf(mapped.master_data, stamm)).frame.height
            == mapped.master_data.height
        )


def test_lightspeed_pos_checked_and_mapped_balances_every_day(tmp_path):
    result = load_pos(SAMPLES / "pos_lightspeed.csv", profile="lightspeed")
    findings = check_sources(result, settings=settings("455148-1"))
    config = tomllib.loads((SAMPLES / "pos_mapping.toml").read_text(encoding="utf-8"))
    mapping = PosMapping(
        accounts=config["accounts"],
        transit_account=config["transit_account"],
        tip_account=config["tip_account"],
        period=config["period"],
        day_close=dt.time.fromisoformat(config["day_close"]),
        fixation=config["fixation"],
        journal_description=config["journal_description"],
    )
    mapped = map_pos(result, mapping=mapping, findings=findings)
    assert_accounted(mapped, result.frame.height)
    assert not error_rows(findings) & mapped_rows(mapped)
    records = mapped.records
    signed = pl.when(pl.col("Soll/Haben-Kennzeichen") == "S").then(1).otherwise(-1) * pl.col(
        "Umsatz (ohne Soll/Haben-Kz)"
    )
    transit = (
        pl.when(pl.col("Konto") == "1590")
        .then(signed)
        .when(pl.col("Gegenkonto (ohne BU-Schlüssel)") == "1590")
        .then(-signed)
        .otherwise(0.0)
    )
    per_day = records.group_by("Belegdatum").agg(transit.sum().round(2).alias("balance"))
    assert per_day["balance"].abs().max() == 0
    header = ExtfHeader(
        consultant_number=455148,
        client_number=1,
        fiscal_year_start=dt.date(2026, 1, 1),
        **mapped.header,
    )
    paths = write_extf_files(records, header, directory=tmp_path / "extf")
    assert sum(read_extf(path).frame.height for path in paths) == records.height
