"""Issue 14.4 end to end: one client under two spellings is one client; a path is no client."""

import pytest
from receipts_fixture import receipt_records
from sending import transfer_records

from workbench.errors import UsageError
from workbench.transfer.ledger import Ledger


def test_same_items_under_another_spelling_of_the_client_are_not_sent_again(
    sandbox, client, session, tmp_path
):
    ledger = Ledger(tmp_path / "ledger.sqlite")
    records = receipt_records(month="2026-05", prefix="CID")
    [first] = transfer_records(
        ledger, client, client="455148-01", records=records, out_dir=tmp_path / "a"
    )
    assert first.client == "455148-1"
    assert (
        transfer_records(
            ledger, client, client=" 455148-1", records=records, out_dir=tmp_path / "b"
        )
        == []
    )
    with pytest.raises(UsageError, match=r"Mandanten-ID"):
        transfer_records(
            ledger,
            client,
            client="455148-2/../455148-1",
            records=records,
            out_dir=tmp_path / "c",
        )
    jobs_at_datev = sandbox.state.store.query(
        "SELECT id FROM dxso_jobs WHERE client_id = '455148-1' AND month = '2026-05' "
        "AND deleted = 0"
    )
    assert len(jobs_at_datev) == 1
