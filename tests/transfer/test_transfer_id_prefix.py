"""A transfer is named by its first characters, as git names a commit: the ids are 32 hex
characters, and `workbench status` shows them whole, so a user types the first few."""

import pytest
from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()


def _transfer(ledger, month: str):
    return ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month=month,
        document_kind="Kasse",
        items=[{"item_id": f"A-{month}", "content_hash": "h"}],
    )


@pytest.fixture
def ledger(_isolated_home):
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    ledger = Ledger(load_settings().ledger_path)
    yield ledger
    ledger.close()


def test_the_first_characters_name_a_transfer(ledger):
    created = _transfer(ledger, "2026-01")
    assert ledger.resolve(created.id[:6]) == created.id
    assert ledger.resolve(created.id) == created.id
    assert ledger.resolve(created.id[:6].upper()) == created.id
    listing = runner.invoke(app, ["status", created.id[:6], "--format", "json"])
    assert listing.exit_code == 0, listing.output
    assert '"month": "2026-01"' in listing.stdout


def test_a_prefix_of_two_transfers_names_both_and_asks_for_more(ledger, monkeypatch):
    import workbench.transfer.ledger as module

    ids = iter(["abcd1111" + "0" * 24, "abcd2222" + "0" * 24])
    monkeypatch.setattr(module, "_new_id", lambda: next(ids))
    first, second = _transfer(ledger, "2026-01"), _transfer(ledger, "2026-02")
    result = runner.invoke(app, ["delete", "abcd", "--yes"])
    assert result.exit_code == 3, result.output
    said = " ".join(result.stderr.split())
    assert "mehrdeutig" in said and first.id in said and second.id in said, said
    assert ledger.get(first.id).local_status == first.local_status  # nothing deleted


@pytest.mark.parametrize("text", ["abc", "zzzz", "", "%", "a_b%"])
def test_too_short_or_not_an_id_is_not_found(ledger, text):
    from workbench.transfer.ledger import TransferError

    _transfer(ledger, "2026-01")
    with pytest.raises(TransferError, match="nicht vorhanden"):
        ledger.resolve(text)
