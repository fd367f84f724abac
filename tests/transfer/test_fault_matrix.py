"""Issue 14, "done means": a fault matrix. 5xx, 429, dropped connections, latency and token
expiry, each at 20 % and 50 % of the API requests, while a dxso and an EXTF transfer run; then
the network is good again and at most one ``resume`` (of the interrupted transfer) or one re-run
follows. Every run ends with all items at DATEV exactly once and nothing left open."""

import httpx
import pytest
from receipts_fixture import receipt_records
from sending import transfer_bookings, transfer_records
from test_crash_points import HEADER, bookings

from workbench.errors import WorkbenchError
from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger

CLIENT = "455148-1"
FAULTS = [
    ("5xx", 0.2),
    ("5xx", 0.5),
    ("429", 0.2),
    ("429", 0.5),
    ("drop", 0.2),
    ("drop", 0.5),
    ("latency", 0.2),
    ("latency", 0.5),
    ("expire", 0.2),
    ("expire", 0.5),
]


def _send(ledger, client, channel, tmp_path, number):
    if channel == "dxso":
        records = receipt_records(month="2026-09", prefix=f"F{number}")
        return transfer_records(
            ledger, client, client=CLIENT, records=records, out_dir=tmp_path / "pk"
        )
    frame = bookings().with_columns(
        bookings()["item_id"].map_elements(lambda i: f"F{number}-{i}", return_dtype=str)
    )
    return transfer_bookings(
        ledger, client, client=CLIENT, bookings=frame, header=HEADER, out_dir=tmp_path, kind="pos"
    )


@pytest.mark.parametrize("channel", ["dxso", "extf"])
@pytest.mark.parametrize(("fault", "rate"), FAULTS, ids=[f"{f}-{r}" for f, r in FAULTS])
def test_every_fault_ends_with_all_items_at_datev_exactly_once(
    sandbox, client, session, tmp_path, channel, fault, rate
):
    number = FAULTS.index((fault, rate)) + 10 * (channel == "extf")
    sandbox.state.clock.advance(60)  # earlier runs' jobs of the group are processed
    first_dxso = sandbox.state.store.query("SELECT COALESCE(MAX(rowid), 0) AS n FROM dxso_jobs")
    first_extf = sandbox.state.store.query("SELECT COALESCE(MAX(rowid), 0) AS n FROM extf_jobs")
    ledger = Ledger(tmp_path / "ledger.sqlite")
    control = f"{sandbox.url}/_sandbox/faults"
    setting = {fault: rate} if fault != "latency" else {"latency": rate}
    httpx.post(control, json={"clear": True, **setting, "retry_after": 0, "seed": number})
    try:
        try:
            sent = _send(ledger, client, channel, tmp_path, number)
        except WorkbenchError as error:
            sent, failure = [], str(error)
        else:
            failure = ""
    finally:
        httpx.post(control, json={"clear": True})
    if failure or not sent or sent[-1].local_status != "Transferiert":
        # one command, as the message says: resume the interrupted one, or run again
        interrupted = ledger.in_progress(CLIENT)
        if interrupted:
            assert "workbench resume" in failure or not failure, failure
            sent = [jobs.send_transfer(ledger, client, interrupted[0].id)]
        else:
            sent = _send(ledger, client, channel, tmp_path, number)
    done = [t for t in ledger.transfers() if t.local_status == "Transferiert"]
    assert len(done) == 1 and sent and sent[-1].id == done[0].id, [
        (t.local_status, t.error) for t in ledger.transfers()
    ]
    assert ledger.in_progress(CLIENT) == []
    if channel == "dxso":
        files = sandbox.state.store.query(
            "SELECT f.job_id, f.name FROM dxso_files f JOIN dxso_jobs j ON j.id = f.job_id "
            "WHERE j.deleted = 0 AND j.rowid > ?",
            (first_dxso[0]["n"],),
        )
        assert sorted(row["name"] for row in files) == [
            f"F{number}-1.xml",
            f"F{number}-2.xml",
            f"F{number}-3.xml",
            "document.xml",
        ]
        assert {row["job_id"] for row in files} == {done[0].job_id}
        still_open = sandbox.state.store.query(
            "SELECT id FROM dxso_jobs WHERE deleted = 0 AND finalized_at IS NULL AND rowid > ?",
            (first_dxso[0]["n"],),
        )
        assert still_open == []
    else:
        made = sandbox.state.store.query(
            "SELECT id FROM extf_jobs WHERE rowid > ?", (first_extf[0]["n"],)
        )
        assert [row["id"] for row in made] == [done[0].job_id]
    ledger.close()
