"""Issue 14.8: exit codes as ARCHITECTURE §4.1 says, with one German line.

Usage errors exit 3 (not click's 2, which scripts read as "errors found") with one German line
and no English usage box; ``--debug`` keeps the codes; No at a prompt exits 4.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
KASSE = SAMPLES / "receipts_juston_kasse.csv"
GOOD = "InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;Müller;1,00\n"


def _one_german_line(result, *words):
    assert result.exit_code == 3, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Usage" not in result.stderr and "Error" not in result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["load", "belege", "{file}"], ["'belege'", "calls, invoices, receipts, pos"]),
        (["load", "receipts", "{file}", "--gibts-nicht"], ["Unbekannte Option", "--gibts-nicht"]),
        (["load", "receipts", "{file}", "--formt", "json"], ["--formt", "--format"]),
        (["load", "receipts"], ["Es fehlt", "FILES"]),
        (["load"], ["Es fehlt", "KIND"]),
        (["gibtsnicht"], ["Unbekannter Befehl", "'gibtsnicht'"]),
        (["preview", "receipts", "{file}", "--rows", "x"], ["--rows", "'x'", "ganze Zahl"]),
        (["preview", "receipts", "{file}", "--rows", "0"], ["--rows", "mindestens 1"]),
        (["preview", "receipts", "{file}", "--rows", "-5"], ["--rows", "mindestens 1"]),
        (["preview", "receipts", "{file}", "--page", "0"], ["--page", "mindestens 1"]),
        (["load", "receipts", "{file}", "--format"], ["--format", "braucht einen Wert"]),
        (["load", "receipts", "{file}", "--format", "xml"], ["--format", "'xml'", "table, json"]),
        (["check", "receipts", "{file}", "--period", "2026-00"], ["--period", "2026-00"]),
        (["check", "receipts", "{file}", "--period", "Januar"], ["--period", "JJJJ-MM"]),
        (["transfer", "receipts", "{file}", "--month", "2026-13"], ["--month", "2026-13"]),
        (["report", "--client", "455148-1", "--period", "2026-00"], ["--period"]),
        (["status", "eins", "zwei"], ["Überzähliges Argument", "zwei"]),
        (["map", "receipts", "{file}", "--to", "pdf"], ["'pdf'", "erlaubt"]),
    ],
)
def test_usage_errors_exit_3_with_one_german_line(write, args, words):
    path = write("a.csv", GOOD)
    result = runner.invoke(app, [arg.replace("{file}", str(path)) for arg in args])
    _one_german_line(result, *words)


def test_debug_keeps_the_exit_codes(write, tmp_path):
    usage = runner.invoke(app, ["--debug", "load", "belege", str(write("a.csv", GOOD))])
    assert usage.exit_code == 3
    missing = runner.invoke(app, ["--debug", "load", "receipts", str(tmp_path / "fehlt.csv")])
    assert missing.exit_code == 3
    assert "Traceback" in missing.stderr and "fehlt.csv" in missing.stderr


def test_no_arguments_shows_the_help():
    result = runner.invoke(app, [])
    assert result.exit_code == 0
    assert "DATEV-Abgleich" in result.stdout


def test_answering_no_at_the_transfer_prompt_exits_4_in_german():
    result = runner.invoke(
        app, ["transfer", "receipts", str(KASSE), "--client", "455148-1"], input="n\n"
    )
    assert result.exit_code == 4, result.output
    assert "[j/N]" in result.stderr
    assert "[y/N]" not in result.output
    assert "Abgebrochen" in result.stderr
    assert json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout) == []


def test_no_answer_at_a_prompt_is_a_cancel_not_a_crash():
    result = runner.invoke(app, ["transfer", "receipts", str(KASSE), "--client", "455148-1"])
    assert result.exit_code == 4, result.output
    assert "Abgebrochen" in result.stderr
    assert "Aborted" not in result.output


def test_ja_at_the_prompt_is_yes(tmp_path):
    result = runner.invoke(
        app,
        ["transfer", "receipts", str(KASSE), "--client", "455148-1", "--month", "2026-01"],
        input="ja\n",
    )
    assert result.exit_code in (0, 2), result.output
    assert "Übertragungen" in result.stdout


def test_status_listing_exits_0_even_with_a_failed_transfer(_isolated_home):
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    ledger = Ledger(load_settings().ledger_path)
    created = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=[{"item_id": "A", "content_hash": "h"}],
    )
    ledger.update(created.id, action="fehlgeschlagen", local_status="Fehlgeschlagen")
    ledger.close()
    listing = runner.invoke(app, ["status"])
    assert listing.exit_code == 0, listing.output
    assert "Fehlgeschlagen" in listing.stdout
    # the month as people say it in the table; JSON keeps the contract's 2026-01
    assert "Januar 2026" in listing.stdout and "2026-01" not in listing.stdout
    as_json = runner.invoke(app, ["status", "--format", "json"])
    assert as_json.exit_code == 0 and json.loads(as_json.stdout)[0]["month"] == "2026-01"


def test_a_transfer_datev_rejects_exits_2_transfer_failed(_isolated_home):
    """Tour 27, defect 6: DATEV refusing the transfer (HTTP 400, here #DCO01002: the client has
    no folder for the Beleg-Art) is "transfer failed", exit 2 (§4.1), not a runtime error 3."""
    group = ("--client", "455148-2", "--month", "2026-01", "--document-kind", "Rechnungsausgang")
    canonical = str(SAMPLES / "receipts_canonical.csv")
    result = runner.invoke(app, ["transfer", "receipts", canonical, *group, "--yes"])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 2, (result.exit_code, said)
    assert "HTTP 400" in said and "#DCO01002" in said and "fehlgeschlagen" in said
    assert "Traceback" not in said
    [failed] = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert failed["local_status"] == "Fehlgeschlagen"
