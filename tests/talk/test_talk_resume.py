"""Talks close when their items reach DATEV, also when that happens later than the transfer
command: `workbench resume` after an interrupted upload, `workbench retransfer` after a rejected
one (seed 002: "beim Exportieren der Positionen werden die noch offene Talks geschlossen")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pages import PDF
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import DatevApiError
from workbench.transfer.client import DatevClient

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
CLIENT = "455148-1"
runner = CliRunner()
TRANSIENT = DatevApiError("Datei hochladen: HTTP 503.", status=503)
REJECTED = DatevApiError("Datei hochladen: HTTP 400. #DCO01016", status=400, code="#DCO01016")


def invoke(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture
def receipts(tmp_path) -> Path:
    """The bank test's incoming invoices (one Beleg-Art: one transfer) with every Belegbild on
    disk: the check passes."""
    header, *rows = (DATA / "receipts.csv").read_text(encoding="utf-8").splitlines()
    rows = [row for row in rows if ",Rechnungseingang," in row]
    path = tmp_path / "belege.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    for row in rows:
        (tmp_path / row.rsplit(",", 1)[1]).write_bytes(PDF)
    return path


def _ask(receipts: Path, row: int) -> int:
    asked = invoke(
        "talk",
        "ask",
        "--client",
        CLIENT,
        "--row",
        f"{receipts}:{row}",
        "--to",
        "chef@mandant.de",
        "--from",
        "M. Muster",
        "--text",
        "Bitte den Beleg prüfen.",
    )
    assert asked.exit_code == 0, asked.output
    return int(asked.stdout)


def _talks(status: str) -> list[dict]:
    listed = invoke("talk", "list", "--client", CLIENT, "--status", status, "--format", "json")
    assert listed.exit_code == 0, listed.output
    return json.loads(listed.stdout)


def _failed_transfer(receipts: Path, monkeypatch, error: DatevApiError) -> str:
    """Transfer with every upload failing with ``error``; the transfer's id from the ledger."""

    def failing(*args, **kwargs):
        raise error

    with monkeypatch.context() as patch:
        patch.setattr(DatevClient, "upload_dxso_file", failing)
        transferred = invoke("transfer", "receipts", receipts, "--client", CLIENT, "--yes")
    assert transferred.exit_code != 0, transferred.output
    listed = invoke("status", "--format", "json")
    [transfer] = json.loads(listed.stdout)
    return transfer["id"]


@pytest.mark.parametrize(
    ("error", "command"), [(TRANSIENT, "resume"), (REJECTED, "retransfer")], ids=["resume", "re"]
)
def test_talks_close_when_a_later_command_sends_their_items(receipts, monkeypatch, error, command):
    talk = _ask(receipts, 4)
    transfer = _failed_transfer(receipts, monkeypatch, error)
    assert [t["id"] for t in _talks("offen")] == [talk]  # nothing reached DATEV yet

    sent = invoke(command, transfer, "--yes")
    assert sent.exit_code == 0, sent.output
    closed = _talks("geschlossen")
    assert [t["id"] for t in closed] == [talk], sent.output
    assert closed[0]["close_reason"] == "bei der Übertragung geschlossen"
    assert _talks("offen") == []
