"""dxso transfers end to end against the sandbox: package, send, status, crash and resume."""

import pytest
from receipts_fixture import receipt_records
from transfer_helpers import transfer_records

from workbench.errors import DatevApiError, TransferError
from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger
from workbench.transfer.status import describe, refresh_status


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite", user="test")
    yield opened
    opened.close()


def finish_processing(sandbox):
    sandbox.state.clock.advance(60)


def job_files(sandbox, job_id):
    with sandbox.state.store.transaction() as conn:
        return sorted(
            row[0]
            for row in conn.execute("SELECT name FROM dxso_files WHERE job_id = ?", (job_id,))
        )


def test_transfer_then_status_and_protocol(sandbox, client, session, ledger, tmp_path):
    [transfer] = transfer_records(
        ledger, client, client="455148-1", records=receipt_records(), out_dir=tmp_path / "out"
    )
    assert transfer.local_status == "Transferiert"
    assert transfer.datev_status == "0"
    assert len(ledger.items(transfer.id)) == 6
    assert job_files(sandbox, transfer.job_id) == [
        "RE-1.xml",
        "RE-2.xml",
        "RE-3.xml",
        "document.xml",
    ]

    preview = refresh_status(ledger, client, transfer.id, confirm=False)
    assert not preview.saved and ledger.get(transfer.id).protocol is None
    finish_processing(sandbox)
    result = refresh_status(ledger, client, transfer.id, confirm=True)
    assert result.saved and result.datev_status == "2"
    stored = ledger.get(transfer.id)
    assert stored.datev_status_text == "Fertig"
    assert any("übernommen" in entry["text"] for entry in stored.protocol)
    assert describe(ledger, stored) == {
        "id": transfer.id,
        "client": "455148-1",
        "kind": "receipts",
        "month": "2026-01",
        "document_kind": "Rechnungsausgang",
        "items": 6,
        "local_status": "Transferiert",
        "datev_status": "Fertig",
        "job_ids": [transfer.job_id],
    }


def test_items_are_never_transferred_twice(sandbox, client, session, ledger, tmp_path):
    records = receipt_records(month="2026-02", prefix="FEB")
    first = transfer_records(
        ledger, client, client="455148-1", records=records, out_dir=tmp_path / "a"
    )
    assert len(first) == 1
    finish_processing(sandbox)
    assert (
        transfer_records(ledger, client, client="455148-1", records=records, out_dir=tmp_path / "b")
        == []
    )


def test_status_survives_datev_deleting_it_after_two_months(
    sandbox, client, session, ledger, tmp_path
):
    [transfer] = transfer_records(
        ledger,
        client,
        client="455148-1",
        records=receipt_records(month="2026-03", prefix="MRZ"),
        out_dir=tmp_path / "out",
    )
    finish_processing(sandbox)
    refresh_status(ledger, client, transfer.id, confirm=True)
    sandbox.state.clock.advance(61 * 86400)
    later = refresh_status(ledger, client, transfer.id, confirm=True)
    assert later.gone
    assert ledger.get(transfer.id).datev_status_text == "Fertig"
    assert ledger.get(transfer.id).protocol


def test_crash_mid_upload_with_unclear_file_restarts_in_a_fresh_job(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-04", prefix="APR")
    real_upload = client.upload_dxso_file
    calls = []

    def upload_then_die(*args, **kwargs):
        calls.append(args[2])
        real_upload(*args, **kwargs)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process dies after DATEV got the file, before we noted it

    monkeypatch.setattr(client, "upload_dxso_file", upload_then_die)
    with pytest.raises(KeyboardInterrupt):
        transfer_records(
            ledger, client, client="455148-1", records=records, out_dir=tmp_path / "out"
        )
    monkeypatch.setattr(client, "upload_dxso_file", real_upload)
    [interrupted] = ledger.in_progress("455148-1")
    first_job = interrupted.job_id
    resumed = jobs.send_dxso(ledger, client, interrupted.id)
    assert resumed.local_status == "Transferiert"
    assert resumed.job_id != first_job
    assert job_files(sandbox, resumed.job_id) == [
        "APR-1.xml",
        "APR-2.xml",
        "APR-3.xml",
        "document.xml",
    ]
    with pytest.raises(DatevApiError):  # the abandoned job was deleted at DATEV
        client.dxso_job("455148-1", first_job)
    finish_processing(sandbox)
    assert refresh_status(ledger, client, resumed.id, confirm=True).datev_status == "2"


def test_crash_after_create_and_after_finalise_resume_without_duplicates(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-05", prefix="MAI")
    # Dies right after the job was created and recorded, before any upload began.
    monkeypatch.setattr(
        jobs, "_upload_missing", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        transfer_records(
            ledger, client, client="455148-1", records=records, out_dir=tmp_path / "out"
        )
    monkeypatch.undo()
    [after_create] = ledger.in_progress("455148-1")
    assert after_create.job_id and after_create.local_status == "In Übertragung"
    resumed = jobs.send_dxso(ledger, client, after_create.id)
    assert resumed.job_id == after_create.job_id  # nothing unclear: same job continues
    assert len(job_files(sandbox, resumed.job_id)) == 4

    # Crash right after finalising: the ledger still says "In Übertragung".
    ledger.update(resumed.id, action="test: absturz nach abschluss", local_status="In Übertragung")
    again = jobs.send_dxso(ledger, client, resumed.id)
    assert again.local_status == "Transferiert"
    assert len(job_files(sandbox, again.job_id)) == 4


def test_no_new_transfer_while_one_is_interrupted(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    monkeypatch.setattr(
        client, "finalize_dxso_job", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        transfer_records(
            ledger,
            client,
            client="29098-55003",
            records=receipt_records(month="2026-01", prefix="B"),
            out_dir=tmp_path / "a",
        )
    with pytest.raises(TransferError, match=r"wurde unterbrochen.*workbench resume"):
        transfer_records(
            ledger,
            client,
            client="29098-55003",
            records=receipt_records(month="2026-02", prefix="C"),
            out_dir=tmp_path / "b",
        )


def test_delete_open_transfer_frees_its_items(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    records = receipt_records(month="2026-06", prefix="JUN")
    monkeypatch.setattr(
        client, "finalize_dxso_job", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt())
    )
    with pytest.raises(KeyboardInterrupt):
        transfer_records(ledger, client, client="455148-1", records=records, out_dir=tmp_path / "a")
    monkeypatch.undo()
    [open_transfer] = ledger.in_progress("455148-1")
    deleted = jobs.delete_transfer(ledger, client, open_transfer.id)
    assert deleted.local_status == "Gelöscht"
    assert jobs.pending_items(ledger, "455148-1", records["item_id"].to_list()) == set(
        records["item_id"].to_list()
    )
    [again] = transfer_records(
        ledger, client, client="455148-1", records=records, out_dir=tmp_path / "b"
    )
    finish_processing(sandbox)
    with pytest.raises(TransferError, match="kann nicht mehr gelöscht werden"):
        jobs.delete_transfer(ledger, client, again.id)


def test_datev_rejection_marks_the_transfer_failed(sandbox, client, session, ledger, tmp_path):
    # 455148-3 has no Rechnungsdatenservice: DATEV refuses the job.
    with pytest.raises(DatevApiError):
        transfer_records(
            ledger,
            client,
            client="455148-3",
            records=receipt_records(month="2025-01", prefix="X"),
            out_dir=tmp_path / "out",
        )
    [failed] = ledger.transfers(client="455148-3")
    assert failed.local_status == "Fehlgeschlagen"
    assert failed.error


def test_failed_transfer_can_be_retransferred_or_deleted(
    sandbox, client, session, ledger, tmp_path
):
    records = receipt_records(month="2026-11", kind="Kasse", prefix="NOV", documents=1)
    records = records.drop("customerName", "customerCity")
    [failed] = transfer_records(
        ledger,
        client,
        client="455148-1",
        records=records,
        out_dir=tmp_path / "a",
        folders={"Kasse": "Gibt es nicht"},
    )
    finish_processing(sandbox)
    assert refresh_status(ledger, client, failed.id, confirm=True).datev_status == "3"
    again = jobs.retransfer(ledger, client, failed.id)
    assert again.retransfer_of == failed.id and again.local_status == "Transferiert"
    assert [i["item_id"] for i in ledger.items(again.id)] == [
        i["item_id"] for i in ledger.items(failed.id)
    ]
    finish_processing(sandbox)
    refresh_status(ledger, client, again.id, confirm=True)
    deleted = jobs.delete_transfer(ledger, client, again.id)  # DATEV processed nothing of it
    assert deleted.local_status == "Gelöscht"
    assert ledger.transferred_items("455148-1", ["NOV-1-1"]) == {"NOV-1-1": failed.id}
    jobs.delete_transfer(ledger, client, failed.id)
    assert jobs.pending_items(ledger, "455148-1", ["NOV-1-1"]) == {"NOV-1-1"}  # free again
    with pytest.raises(TransferError, match="nicht fehlgeschlagen"):
        jobs.retransfer(ledger, client, deleted.id)
