"""Issue 14.2/14.3/14.5: nothing stuck. After a failure the DATEV job is resumed or deleted (and
the user told which), #DCO01001 names the transfer holding the group and the command that frees
it, a crash between DATEV creating a job and the ledger storing its id is explained, and two
transfers at once never rewrite each other's packages."""

import threading

import pytest
from receipts_fixture import receipt_records
from sending import transfer_records

from workbench.errors import DatevApiError, TransferError, WorkbenchError
from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger

CLIENT = "455148-1"


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


def _open_jobs(sandbox, month):
    return sandbox.state.store.query(
        "SELECT id FROM dxso_jobs WHERE client_id = ? AND month = ? AND deleted = 0 "
        "AND finalized_at IS NULL",
        (CLIENT, month),
    )


def test_a_rejected_upload_deletes_the_open_job_and_frees_the_group(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-04", prefix="REJ")
    real, calls = client.upload_dxso_file, []

    def rejected_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DatevApiError(
                "Datei hochladen: HTTP 400. #DCO01016", status=400, code="#DCO01016"
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "upload_dxso_file", rejected_second)
    with pytest.raises(
        DatevApiError, match=r"fehlgeschlagen.*wurde bei DATEV gelöscht.*retransfer"
    ):
        transfer_records(ledger, client, client=CLIENT, records=records, out_dir=tmp_path)
    monkeypatch.undo()
    [failed] = ledger.transfers()
    assert failed.local_status == "Fehlgeschlagen" and failed.job_id is None
    assert _open_jobs(sandbox, "2026-04") == []
    [again] = transfer_records(ledger, client, client=CLIENT, records=records, out_dir=tmp_path)
    assert again.local_status == "Transferiert"  # no #DCO01001 forever


def test_a_transient_failure_leaves_the_transfer_resumable_and_says_so(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-05", prefix="TRA")
    real = client.upload_dxso_file

    def unavailable(*args, **kwargs):
        raise DatevApiError("Datei hochladen: HTTP 503.", status=503)

    monkeypatch.setattr(client, "upload_dxso_file", unavailable)
    with pytest.raises(DatevApiError, match=r"unterbrochen.*workbench resume"):
        transfer_records(ledger, client, client=CLIENT, records=records, out_dir=tmp_path)
    monkeypatch.setattr(client, "upload_dxso_file", real)
    [interrupted] = ledger.in_progress(CLIENT)
    assert interrupted.job_id
    assert jobs.send_transfer(ledger, client, interrupted.id).local_status == "Transferiert"


def test_deleting_a_failed_transfer_deletes_its_open_job_at_datev(
    sandbox, client, session, ledger, tmp_path
):
    records = receipt_records(month="2026-06", prefix="DEL")
    job = client.create_dxso_job(
        CLIENT, import_type="accountsReceivableLedgerImport", accounting_month="2026-06"
    )
    created = ledger.create(
        client=CLIENT,
        kind="receipts",
        channel="dxso",
        month="2026-06",
        document_kind="Rechnungsausgang",
        items=[{"item_id": "DEL-1-1", "content_hash": "h"}],
    )
    # a ledger from before the fix: failed, with its job still open at DATEV
    ledger.update(
        created.id, action="fehlgeschlagen", local_status="Fehlgeschlagen", job_id=job["id"]
    )
    with pytest.raises(TransferError, match=rf"{created.id}.*workbench delete {created.id}"):
        transfer_records(ledger, client, client=CLIENT, records=records, out_dir=tmp_path)
    jobs.delete_transfer(ledger, client, created.id)
    assert _open_jobs(sandbox, "2026-06") == []
    [waiting] = ledger.in_progress(CLIENT)  # the message said: then 'workbench resume <it>'
    assert jobs.send_transfer(ledger, client, waiting.id).local_status == "Transferiert"


def test_a_job_datev_created_but_the_ledger_never_stored_is_explained(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-07", prefix="LOST")
    real_update = ledger.update

    def crash_before_storing(transfer_id, *, action, **fields):
        if action == "job angelegt":
            raise KeyboardInterrupt  # the process dies: DATEV has the job, the ledger not
        return real_update(transfer_id, action=action, **fields)

    monkeypatch.setattr(ledger, "update", crash_before_storing)
    with pytest.raises(KeyboardInterrupt):
        transfer_records(ledger, client, client=CLIENT, records=records, out_dir=tmp_path)
    monkeypatch.undo()
    [interrupted] = ledger.in_progress(CLIENT)
    assert interrupted.local_status == "In Übertragung" and interrupted.job_id is None
    with pytest.raises(TransferError, match=r"abgebrochen, während DATEV ihren Job anlegte"):
        jobs.send_transfer(ledger, client, interrupted.id)


def test_two_transfers_at_once_never_rewrite_each_others_package(
    sandbox, client, session, tmp_path, endpoints
):
    for attempt in range(4):
        records = receipt_records(month="2026-08", prefix=f"PAR{attempt}")
        outcomes: list = []
        barrier = threading.Barrier(2)
        shared = tmp_path / f"shared{attempt}.sqlite"
        threads = [
            threading.Thread(
                target=_transfer_at_once,
                args=(endpoints, session, shared, records, barrier, outcomes, tmp_path / "pk"),
            )
            for _ in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        sent = [o for o in outcomes if isinstance(o, list) and o]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(sent) == 1, outcomes  # exactly one wins ...
        assert sent[0][0].local_status == "Transferiert"
        for error in lost:  # ... the other one is told a transfer is already running
            assert "läuft bereits" in str(error), error
        sandbox.state.clock.advance(60)


def _transfer_at_once(endpoints, session, shared, records, barrier, outcomes, out_dir):
    from workbench.transfer.auth import Session
    from workbench.transfer.client import DatevClient, RetryPolicy

    datev = DatevClient(endpoints, client_id="workbench-sandbox", retry=RetryPolicy(backoff=0.01))
    datev.tokens = Session(datev, client_secret="sandbox-secret", tokens=session.tokens)
    opened = Ledger(shared)
    barrier.wait()
    try:
        outcomes.append(
            transfer_records(opened, datev, client=CLIENT, records=records, out_dir=out_dir)
        )
    except WorkbenchError as error:
        outcomes.append(error)
    finally:
        opened.close()
        datev.close()
