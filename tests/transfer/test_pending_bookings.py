""" "Noch nicht übertragen" (monthly report, the app's Übertragen step) for EXTF bookings: what a
transfer carried is not pending again. POS revenue and the Buchungsdatenservice key their items
as the transfer does (a POS category per business day; an item of several bookings once per
booking), so the same key is looked up in the ledger."""

from pathlib import Path

import polars as pl

from workbench.pipeline import check_run, load_run, map_run, package_run, send_run
from workbench.pipeline.connection import connect
from workbench.pipeline.map import mapping_of, records_with_lineage
from workbench.transfer.groups import pending_groups

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_pos_bookings_a_transfer_carried_are_no_longer_pending(tmp_path):
    with connect() as connection:
        loaded = load_run("pos", [SAMPLES / "pos_lightspeed.csv"])
        checked = check_run(loaded, client="455148-1", connection=connection)
        mapped = map_run(checked, pos_mapping=SAMPLES / "pos_mapping.toml")
        records = records_with_lineage(mapping_of(mapped))
        daily = mapped.checked.spec.daily_items
        before = pending_groups(records, connection.ledger, "455148-1", daily=daily)
        packaged = package_run(mapped, out_dir=tmp_path, ledger=connection.ledger, month="2026-01")
        sent = sum(len(upload.items) for upload in packaged.uploads)
        send_run(packaged, connection)
        after = pending_groups(records, connection.ledger, "455148-1", daily=daily)
    january = pl.col("month") == "2026-01"
    assert before.filter(january)["items"].sum() == sent > 0
    assert after.filter(january).is_empty(), after
    assert after.filter(~january)["items"].sum() == before.filter(~january)["items"].sum()
