"""Tour 27, defect 2: items whose id an earlier transfer carries were dropped without a word.
An id is one record (Salesforce Ids are unique across objects), so it is still not sent again,
whatever Beleg-Art or month it has now, but it is said: how many, which earlier transfer (its
Beleg-Art, month, id and date), in transfer, check and map.

The bundled samples once shared Ids between two exports: here the expense export
(Rechnungseingang) gets the Ids of the booking detail export (Rechnungsausgang) again,
a0B7Q0000000001AAK onwards.
"""

import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app
from workbench.german import format_date

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CLIENT = "455148-1"
runner = CliRunner()


OPTIONS = ("--client", CLIENT, "--month", "2026-01", "--yes")


def _transfer(path):
    return runner.invoke(app, ["transfer", "receipts", str(path), *OPTIONS])


def _expense_with_booking_detail_ids(folder: Path) -> Path:
    shutil.copytree(SAMPLES / "belege", folder / "belege")
    expense = folder / "receipts_juston_expense.csv"
    content = (SAMPLES / expense.name).read_bytes()
    expense.write_bytes(content.replace(b"a0B7Q0000004", b"a0B7Q0000000"))
    booking_detail = (SAMPLES / "receipts_juston_booking_detail.csv").read_bytes()
    assert b"a0B7Q0000000001AAK;" in content.replace(b"a0B7Q0000004", b"a0B7Q0000000")
    assert b"a0B7Q0000000001AAK;" in booking_detail
    return expense


def _status():
    return json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)


def _items(rows, document_kind):
    return sum(row["items"] for row in rows if row["document_kind"] == document_kind)


def test_ids_an_earlier_transfer_carries_are_not_sent_again_and_it_is_said(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    expense = _expense_with_booking_detail_ids(tmp_path)
    first = _transfer(SAMPLES / "receipts_juston_booking_detail.csv")
    assert first.exit_code in (1, 2), first.stderr
    [earlier] = [row for row in _status() if row["document_kind"] == "Rechnungsausgang"]
    sent_ids = _sent_ids(earlier["id"])

    second = _transfer(expense)
    assert second.exit_code in (1, 2), second.stderr
    # 65 rows: 61 mapped, 3 blocked, 1 skipped; the mapped ids the first transfer carries stay
    # back, and the run says how many and where they went
    out = " ".join(second.stdout.split())
    said = re.search(
        rf"(\d+) Positionen bereits übertragen \(Rechnungsausgang Januar 2026, "
        rf"Übertragung {earlier['id']} vom {format_date(_transfer_date(earlier['id']))}",
        out,
    )
    assert said, out
    reused = int(said.group(1))
    assert 0 < reused <= len(_mapped_ids(expense) & sent_ids)
    assert _items(_status(), "Rechnungseingang") == 61 - reused
    assert "nicht erneut gesendet" in out

    again = _transfer(expense)
    assert _items(_status(), "Rechnungseingang") == 61 - reused  # nothing booked twice
    assert "Transferiert" not in " ".join(again.stdout.split())  # no new transfer

    # check and map say it too: map writes every item, a transfer would not send these again
    checked = runner.invoke(app, ["check", "receipts", str(expense), "--client", CLIENT])
    mapped = runner.invoke(
        app, ["map", "receipts", str(expense), "--client", CLIENT, "--to", "xml", "--out", "out"]
    )
    for result in (checked, mapped):
        said = " ".join(result.stdout.split())
        where = f"(Rechnungsausgang Januar 2026, Übertragung {earlier['id']}"
        assert f"Positionen bereits übertragen {where}" in said
        assert "'workbench transfer' sendet sie nicht erneut" in said


def _sent_ids(transfer_id) -> set[str]:
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    with Ledger(load_settings().ledger_path) as ledger:
        return {row["item_id"] for row in ledger.items(transfer_id)}


def _mapped_ids(path) -> set[str]:
    from workbench.sources import load_receipts

    frame = load_receipts(path, profile="juston").frame
    january = frame.filter(frame["accounting_month"] == "2026-01")
    return set(january["item_id"].to_list())


def _transfer_date(transfer_id):
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    with Ledger(load_settings().ledger_path) as ledger:
        return ledger.get(transfer_id).created_at
