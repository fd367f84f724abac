"""Tour 27, defect 2: an item id that another Beleg-Art or month already used is another item and
is sent; what is not sent because it went before is said (count, earlier transfer and date),
and a re-run of the same file still books nothing twice.

Two JustOn objects may share Salesforce Ids, as the bundled samples once did: here the expense
export (Rechnungseingang) gets the Ids of the booking detail export (Rechnungsausgang) again,
a0B7Q0000000001AAK onwards.
"""

import json
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


def test_ids_reused_by_another_beleg_art_are_sent_and_a_rerun_says_what_went_before(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    expense = _expense_with_booking_detail_ids(tmp_path)
    first = _transfer(SAMPLES / "receipts_juston_booking_detail.csv")
    assert first.exit_code in (1, 2), first.stderr
    sent_out = _items(_status(), "Rechnungsausgang")
    assert sent_out > 0

    second = _transfer(expense)
    assert second.exit_code in (1, 2), second.stderr
    rows = _status()
    # 65 rows: 61 mapped, 3 blocked, 1 skipped; every mapped Eingangsrechnung item goes,
    # although its Id is also the Id of an Ausgangsrechnung item sent before
    assert _items(rows, "Rechnungseingang") == 61
    assert "bereits übertragen" not in second.stdout

    again = _transfer(expense)
    assert _items(_status(), "Rechnungseingang") == 61  # nothing booked twice
    [earlier] = [row for row in rows if row["document_kind"] == "Rechnungseingang"]
    out = " ".join(again.stdout.split())
    assert "61 Positionen bereits übertragen" in out
    assert earlier["id"] in out
    assert format_date(_transfer_date(earlier["id"])) in out
    assert "Transferiert" not in out  # no new transfer in this run's table
    assert "nicht erneut gesendet" in out

    # check and map say it too: map writes every item, a transfer would not send these again
    checked = runner.invoke(app, ["check", "receipts", str(expense), "--client", CLIENT])
    mapped = runner.invoke(
        app, ["map", "receipts", str(expense), "--client", CLIENT, "--to", "xml", "--out", "out"]
    )
    for result in (checked, mapped):
        said = " ".join(result.stdout.split())
        assert (
            "61 Positionen bereits übertragen (Rechnungseingang Januar 2026, "
            f"Übertragung {earlier['id']}" in said
        )
        assert "'workbench transfer' sendet sie nicht erneut" in said


def _transfer_date(transfer_id):
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    with Ledger(load_settings().ledger_path) as ledger:
        return ledger.get(transfer_id).created_at
