"""Upload marks in batches (issue 21, transfer performance): the ledger writes "upload started"
and "uploaded" once per batch of files, batches double from one file, and a failure inside a
batch still leaves exactly the confirmed files marked, so the resume decides as before."""

import pytest
from receipts_fixture import receipt_records
from transfer_helpers import transfer_records

from workbench.errors import DatevApiError
from workbench.transfer import jobs
from workbench.transfer.ledger import Ledger


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite", user="test")
    yield opened
    opened.close()


def _job_files(sandbox, job_id):
    rows = sandbox.state.store.query("SELECT name FROM dxso_files WHERE job_id = ?", (job_id,))
    return sorted(row["name"] for row in rows)


def test_marks_name_several_files_in_one_call(ledger):
    transfer = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungsausgang",
        items=[{"item_id": "A-1", "content_hash": "h"}],
        files=[("a.xml", "s1", 1), ("b.xml", "s2", 1), ("document.xml", "s3", 1)],
    )
    ledger.mark_upload_started(transfer.id, "a.xml", "b.xml")
    ledger.mark_uploaded(transfer.id, "a.xml")
    marks = {
        f["name"]: (f["upload_started_at"], f["uploaded_at"]) for f in ledger.files(transfer.id)
    }
    assert marks["a.xml"][0] and marks["a.xml"][1]
    assert marks["b.xml"][0] and marks["b.xml"][1] is None
    assert marks["document.xml"] == (None, None)


def test_batches_double_from_one_file_up_to_the_limits():
    files = [(number, {"size": 10}) for number in range(1, 1001)]
    sizes = [len(batch) for batch in jobs._batches(files)]
    assert sizes == [1, 2, 4, 8, 16, 32, 64, 128, 256, 256, 233]
    assert [number for batch in jobs._batches(files) for number, _ in batch] == list(range(1, 1001))
    big = [(number, {"size": jobs.UPLOAD_BATCH_BYTES // 2 + 1}) for number in range(1, 5)]
    assert [len(batch) for batch in jobs._batches(big)] == [1, 1, 1, 1]
    assert jobs._batches([]) == []


def test_one_ledger_write_per_batch_and_every_file_once_at_datev(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    writes = []
    for name in ("mark_upload_started", "mark_uploaded"):
        real = getattr(Ledger, name)

        def counted(self, transfer_id, *names, _real=real, _name=name):
            writes.append((_name, names))
            return _real(self, transfer_id, *names)

        monkeypatch.setattr(Ledger, name, counted)
    [sent] = transfer_records(
        ledger,
        client,
        client="455148-1",
        records=receipt_records(month="2026-10", prefix="OKT", documents=6),
        out_dir=tmp_path / "out",
    )
    assert sent.local_status == "Transferiert"
    files = [f["name"] for f in ledger.files(sent.id)]  # 6 Belege + document.xml, in order
    assert [len(names) for _, names in writes] == [1, 1, 2, 2, 4, 4]
    assert [name for kind, names in writes if kind == "mark_uploaded" for name in names] == files
    assert _job_files(sandbox, sent.job_id) == sorted(files)


def test_failure_inside_a_batch_marks_the_confirmed_files_and_resume_sends_each_once(
    sandbox, client, session, ledger, tmp_path, monkeypatch
):
    real, seen = client.upload_dxso_file, []

    def failing_third(*args, **kwargs):
        seen.append(args[2])
        if len(seen) == 3:  # second file of the second batch: DATEV does not answer
            raise DatevApiError("keine Antwort", status=503)
        return real(*args, **kwargs)

    monkeypatch.setattr(client, "upload_dxso_file", failing_third)
    with pytest.raises(DatevApiError, match="unterbrochen"):
        transfer_records(
            ledger,
            client,
            client="455148-1",
            records=receipt_records(month="2026-11", prefix="NOV", documents=5),
            out_dir=tmp_path / "out",
        )
    monkeypatch.undo()
    [interrupted] = ledger.in_progress("455148-1")
    marks = [(f["name"], bool(f["upload_started_at"]), bool(f["uploaded_at"]))
             for f in ledger.files(interrupted.id)]  # fmt: skip
    assert marks == [
        ("NOV-1.xml", True, True),
        ("NOV-2.xml", True, True),  # confirmed before the failure in its batch
        ("NOV-3.xml", True, False),  # unclear: may or may not be at DATEV
        ("NOV-4.xml", False, False),  # next batch: never started
        ("NOV-5.xml", False, False),
        ("document.xml", False, False),
    ]
    first_job = interrupted.job_id
    resumed = jobs.send_dxso(ledger, client, interrupted.id)
    assert resumed.local_status == "Transferiert" and resumed.job_id != first_job
    expected = ["NOV-1.xml", "NOV-2.xml", "NOV-3.xml", "NOV-4.xml", "NOV-5.xml", "document.xml"]
    assert _job_files(sandbox, resumed.job_id) == expected
    assert _job_files(sandbox, first_job) == []  # the unclear job was deleted at DATEV
