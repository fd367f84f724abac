"""The SQLite transfer ledger: statuses, items, files, append-only audit, GoBD guards."""

import sqlite3

import pytest

from workbench.errors import TransferError
from workbench.transfer.ledger import DATEV_STATUS, Ledger


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite", user="anna")
    yield opened
    opened.close()


def items(*ids):
    return [
        {"item_id": item, "content_hash": f"h-{item}", "source_file": "r.csv", "source_row": n + 2}
        for n, item in enumerate(ids)
    ]


def test_create_records_items_and_audit(ledger):
    transfer = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungseingang",
        items=items("A-1", "A-2"),
    )
    assert transfer.local_status == "Neu"
    assert [item["item_id"] for item in ledger.items(transfer.id)] == ["A-1", "A-2"]
    entry = ledger.audit_log(transfer.id)[0]
    assert (entry["user"], entry["action"]) == ("anna", "anlegen")
    assert '"items": 2' in entry["details"]


def test_no_second_transfer_while_one_is_in_progress(ledger):
    first = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=items("K-1"),
    )
    ledger.update(first.id, action="übertragen", local_status="In Übertragung")
    with pytest.raises(TransferError, match=rf"läuft bereits die Übertragung {first.id}"):
        ledger.create(
            client="455148-1",
            kind="receipts",
            channel="dxso",
            month="2026-02",
            document_kind="Kasse",
            items=items("K-2"),
        )
    other_client = ledger.create(
        client="455148-2",
        kind="receipts",
        channel="dxso",
        month="2026-02",
        document_kind="Kasse",
        items=items("K-9"),
    )
    assert other_client.local_status == "Neu"
    ledger.update(first.id, action="übertragen", local_status="Transferiert", datev_status="1")
    assert ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-02",
        document_kind="Kasse",
        items=items("K-2"),
    )


def test_transferred_items_ignore_failed_and_deleted_transfers(ledger):
    live = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=items("A-1"),
    )
    failed = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=items("A-2"),
    )
    ledger.update(failed.id, action="fehlgeschlagen", local_status="Fehlgeschlagen")
    assert ledger.transferred_items("455148-1", ["A-1", "A-2", "A-3"]) == {"A-1": live.id}
    assert ledger.transferred_items("455148-2", ["A-1"]) == {}


def test_audit_log_is_append_only_and_items_are_never_deleted(ledger):
    transfer = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=items("A-1"),
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger._db.execute("UPDATE audit SET user = 'mallory'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        ledger._db.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.IntegrityError, match="GoBD"):
        ledger._db.execute("DELETE FROM transfer_items")
    with pytest.raises(sqlite3.IntegrityError, match="GoBD"):
        ledger._db.execute("DELETE FROM transfers WHERE id = ?", (transfer.id,))


def test_a_failing_change_leaves_nothing_behind(ledger):
    duplicate = items("A-1", "A-1")  # violates the primary key halfway through
    with pytest.raises(sqlite3.IntegrityError):
        ledger.create(
            client="455148-1",
            kind="receipts",
            channel="dxso",
            month="2026-01",
            document_kind="Kasse",
            items=duplicate,
        )
    assert ledger.transfers() == []
    assert ledger.audit_log() == []


def test_protocol_and_status_survive_reopening(tmp_path):
    path = tmp_path / "ledger.sqlite"
    first = Ledger(path, user="anna")
    transfer = first.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungsausgang",
        items=items("A-1"),
    )
    protocol = [
        {
            "time": "2026-02-01T10:00:00+01:00",
            "text": "wurde empfangen!",
            "type": "information",
            "filename": "document.xml",
        }
    ]
    first.update(
        transfer.id,
        action="status",
        datev_status="2",
        protocol=protocol,
        protocol_fetched_at="2026-02-01T10:00:05+00:00",
        local_status="Transferiert",
    )
    first.close()
    again = Ledger(path).get(transfer.id)
    assert again.protocol == protocol
    assert again.datev_status_text == "Fertig"


def test_file_upload_marks_support_resume(ledger):
    transfer = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=items("A-1"),
    )
    ledger.add_files(transfer.id, [("document.xml", "s1", 10), ("ledger.xml", "s2", 20)])
    ledger.mark_uploaded(transfer.id, "document.xml")
    assert [(f["name"], f["uploaded_at"] is not None) for f in ledger.files(transfer.id)] == [
        ("document.xml", True),
        ("ledger.xml", False),
    ]
    ledger.reset_uploads(transfer.id)
    assert all(f["uploaded_at"] is None for f in ledger.files(transfer.id))


def test_unknown_transfer_is_a_clear_error(ledger):
    with pytest.raises(TransferError, match=r"Übertragung abc ist im Übertragungsprotokoll nicht"):
        ledger.get("abc")


@pytest.mark.parametrize(
    ("status", "text"), [(0, "Status offen"), (4, "Zu Prüfen"), (5, "Erfolgreich storniert")]
)
def test_datev_status_table_follows_seed_004(status, text):
    assert DATEV_STATUS[status][0] == text


def test_an_item_is_its_id_whatever_beleg_art_or_month_it_has_now(ledger):
    """An id is one record: moved to another Beleg-Art or month after it was sent, it is still
    the item that went (sending it again would book it twice); ``sent_items`` says where."""
    sent = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungsausgang",
        items=items("X-1"),
    )
    ledger.update(sent.id, action="übertragen", local_status="Transferiert")
    assert ledger.transferred_items("455148-1", ["X-1"]) == {"X-1": sent.id}
    [(item, kind, month, transfer, at)] = ledger.sent_items("455148-1", ["X-1"])
    assert (item, kind, month, transfer, at) == (
        "X-1",
        "Rechnungsausgang",
        "2026-01",
        sent.id,
        sent.created_at,
    )
    for document_kind, month in (("Rechnungseingang", "2026-01"), ("Rechnungsausgang", "2026-02")):
        with pytest.raises(TransferError, match="derselben Positionen"):
            ledger.create(
                client="455148-1",
                kind="receipts",
                channel="dxso",
                month=month,
                document_kind=document_kind,
                items=items("X-1"),
            )


def test_pending_groups_leave_out_an_id_sent_in_another_beleg_art_and_name_that_transfer(ledger):
    """The monthly report's "noch nicht übertragen" (pending_groups): an id a Rechnungsausgang
    transfer carries is not pending again as a Rechnungseingang item; split_sent names the
    transfer that has it, with its Beleg-Art and month."""
    import polars as pl

    from workbench.transfer.groups import pending_groups, sent_summary, split_sent

    sent = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungsausgang",
        items=items("S-1", "S-2"),
    )
    records = pl.DataFrame(
        {
            "item_id": ["S-1", "S-2", "S-1", "S-3"],
            "document_id": ["A", "A", "E", "E"],
            "document_kind": ["Rechnungsausgang"] * 2 + ["Rechnungseingang"] * 2,
            "accounting_month": ["2026-01"] * 4,
        }
    )
    groups = pending_groups(records, ledger, "455148-1")
    assert groups.to_dicts() == [
        {"month": "2026-01", "document_kind": "Rechnungseingang", "documents": 1, "items": 1}
    ]
    pending, before = split_sent(records, ledger, "455148-1")
    assert pending["item_id"].to_list() == ["S-3"]
    [summary] = sent_summary(before)
    assert summary == {
        "transfer_id": sent.id,
        "transferred_at": sent.created_at,
        "document_kind": "Rechnungsausgang",
        "month": "2026-01",
        "items": 2,
    }
