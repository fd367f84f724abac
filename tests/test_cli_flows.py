"""The main job through the CLI against the embedded sandbox.

Check, map, preview, transfer, status.
"""

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def test_check_json_lists_findings_and_exit_code_follows_severity():
    result = invoke(
        "check",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--format",
        "json",
    )
    assert result.exit_code == 2, result.stderr
    findings = json.loads(result.stdout)
    assert {f["rule"] for f in findings} >= {"cash.chronology", "cash.negative_balance"}
    assert all(f["source"] == "receipts_juston_kasse.csv" and f["row"] for f in findings)
    assert all(f["sheet"] is None for f in findings)  # a CSV file has no sheets


def test_check_without_client_is_a_clear_usage_error():
    result = invoke("check", "receipts", SAMPLES / "receipts_juston_kasse.csv")
    assert result.exit_code == 3
    assert "Mandant" in result.stderr


def test_map_writes_xml_packages_and_extf(tmp_path):
    xml = invoke(
        "map",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--to",
        "xml",
        "--out",
        tmp_path / "xml",
    )
    assert xml.exit_code == 2  # blocked rows stay out, the rest is written
    packages = sorted((tmp_path / "xml").iterdir())
    assert packages and all((package / "document.xml").is_file() for package in packages)
    extf = invoke(
        "map",
        "pos",
        SAMPLES / "pos_lightspeed.csv",
        "--client",
        "455148-1",
        "--to",
        "extf",
        "--out",
        tmp_path / "extf",
        "--pos-mapping",
        SAMPLES / "pos_mapping.toml",
    )
    assert extf.exit_code in (1, 2), extf.stderr
    files = sorted((tmp_path / "extf").glob("EXTF_*.csv"))
    assert files
    assert files[0].read_bytes().startswith(b'"EXTF";700;21;"Buchungsstapel";13;')


def test_preview_names_the_source_column_and_row():
    result = invoke(
        "preview",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--rows",
        "2",
    )
    assert result.exit_code in (1, 2), result.stderr
    out = result.stdout
    # DATEV's words (the element beside it), German values, the source cell as written
    assert "Belegfeld 1 (invoiceId)" in out and "ReceiptNo" in out
    assert "Umsatz (amount)" in out and "Konto (accountNo)" in out
    assert "1.738,72" in out and "»1.738,72«" in out and "1738.72" not in out
    assert "02.01.2026" in out and "2026-01-02" not in out
    assert "Seite 1 von" in out and "Datensatz 1 " in out and "Datensatz 0" not in out


def test_transfer_then_status_refresh_with_confirmation():
    transfer = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
    )
    assert transfer.exit_code == 2, transfer.stderr  # some rows are blocked by their findings
    assert "Transferiert" in transfer.stdout
    listed = json.loads(invoke("status", "--format", "json").stdout)
    assert [row["month"] for row in listed] == ["2026-01", "2026-02", "2026-03"]
    assert {row["datev_status"] for row in listed} == {"Status offen"}
    assert set(listed[0]) == {
        "id",
        "client",
        "kind",
        "month",
        "document_kind",
        "items",
        "local_status",
        "datev_status",
        "job_ids",
    }
    deadline = time.monotonic() + 20
    while True:
        refreshed = invoke("status", "--refresh", "--yes", "--format", "json")
        rows = json.loads(refreshed.stdout)
        if {row["datev_status"] for row in rows} == {"Fertig"} or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert {row["datev_status"] for row in rows} == {"Fertig"}
    assert refreshed.exit_code == 0
    again = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
    )
    assert "Nichts zu übertragen" in again.stdout


def test_status_refresh_without_confirmation_stores_nothing():
    invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
        "--month",
        "2026-01",
    )
    time.sleep(11)
    shown = invoke("status", "--refresh", "--format", "json")  # no --yes, no terminal: not stored
    assert "DATEV-Status Fertig" in shown.stderr  # seed 004's name, not "2"
    assert json.loads(shown.stdout)[0]["datev_status"] == "Status offen"


@pytest.mark.parametrize("kind", ["invoices", "receipts"])
def test_transfer_asks_before_sending(kind):
    files = {
        "invoices": SAMPLES / "invoices_crmplus.xlsx",
        "receipts": SAMPLES / "receipts_juston_kasse.csv",
    }[kind]
    result = runner.invoke(app, ["transfer", kind, str(files), "--client", "455148-1"], input="n\n")
    assert result.exit_code == 4  # cancelled by the user at a prompt (ARCHITECTURE §4.1)
    assert "nichts übertragen" in result.stderr
    assert json.loads(invoke("status", "--format", "json").stdout) == []


def test_no_token_appears_in_cli_output_or_logs(_isolated_home, caplog):
    import logging
    import sqlite3

    caplog.set_level(logging.DEBUG)
    results = [
        invoke(
            "transfer",
            "receipts",
            SAMPLES / "receipts_juston_kasse.csv",
            "--client",
            "455148-1",
            "--yes",
            "--month",
            "2026-03",
        ),
        invoke("status", "--refresh", "--yes", "--protocol"),
        invoke("--debug", "status", "--format", "json"),
    ]
    with sqlite3.connect(_isolated_home / "sandbox" / "sandbox.sqlite3") as db:
        tokens = [row[0] for row in db.execute("SELECT token FROM tokens")]
    assert tokens  # the commands did log in
    text = caplog.text + "".join(result.stdout + result.stderr for result in results)
    for token in tokens:
        assert token not in text
    ledger_and_home = b"".join(
        path.read_bytes()
        for path in _isolated_home.rglob("*")
        if path.is_file() and "sandbox" not in path.parts
    )
    for token in tokens:
        assert token.encode() not in ledger_and_home


def test_interrupted_transfer_is_resumed_deleted_or_retransferred_from_the_cli(monkeypatch):
    from workbench.transfer import jobs

    real_finalize = jobs._finalize

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(jobs, "_finalize", crash)  # Ctrl-C right before finalising
    aborted = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
        "--month",
        "2026-01",
    )
    assert aborted.exit_code != 0
    monkeypatch.setattr(jobs, "_finalize", real_finalize)
    [interrupted] = json.loads(invoke("status", "--format", "json").stdout)
    assert interrupted["local_status"] == "In Übertragung"
    blocked = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
        "--month",
        "2026-02",
    )
    said = " ".join(blocked.stderr.split())  # nothing runs: interrupted, with the commands
    assert blocked.exit_code == 3 and "wurde unterbrochen" in said, said
    assert f"workbench resume {interrupted['id']}" in said
    # The same transfer again: its items belong to the interrupted one, which is named with
    # the command that finishes it (not just "Nichts zu übertragen")
    again = invoke(
        "transfer",
        "receipts",
        SAMPLES / "receipts_juston_kasse.csv",
        "--client",
        "455148-1",
        "--yes",
        "--month",
        "2026-01",
    )
    said = " ".join((again.stdout + again.stderr).split())
    assert f"workbench resume {interrupted['id']}" in said, said
    # Tour 29 #11: they are not "bereits übertragen": the transfer holding them never finished.
    assert "bereits übertragen" not in said, said
    assert f"noch nicht abgeschlossenen Übertragung {interrupted['id']}" in said, said
    resumed = invoke("resume", interrupted["id"], "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert "Transferiert" in resumed.stdout
    refused = invoke("retransfer", interrupted["id"], "--yes")
    assert refused.exit_code == 3 and "nicht fehlgeschlagen" in refused.stderr


def test_calls_are_billed_and_posted_once():
    first = invoke("transfer", "calls", SAMPLES / "calls_starface.csv", "--yes")
    assert "übertragen" in first.stdout and "Abrechnung je Mandant" in first.stdout
    # Tour 29 #7/#8: German words, no DATEVconnect GUIDs, Mandantennummern without separators.
    for english in ("posted", " len ", "billed_minutes", "client_id", "55.003"):
        assert english not in first.stdout, english
    assert "Gespräche" in first.stdout and "55003" in first.stdout
    second = invoke("transfer", "calls", SAMPLES / "calls_starface.csv", "--yes")
    assert "übersprungen" in second.stdout and "übertragen │" not in second.stdout


def test_calls_transfers_name_their_mandant_as_every_other_transfer():
    """Tour 29, defect 1: a calls transfer is listed under DATEV's Beraternummer-Mandantennummer
    (455148-3), as receipts are, not under the DATEVconnect Mandant number ("3")."""
    assert invoke("transfer", "calls", SAMPLES / "calls_starface.csv", "--yes").exit_code == 2
    rows = json.loads(invoke("status", "--format", "json").stdout)
    calls = {(row["client"], row["month"]) for row in rows if row["kind"] == "calls"}
    assert calls == {
        (client, month)
        for client in ("455148-2", "455148-3")
        for month in ("2026-01", "2026-02", "2026-03")
    }
    table = invoke("status").stdout
    assert "455148-3" in table and "│ 3 " not in table


def test_status_speaks_german_in_the_refresh_prompt_and_the_protocol():
    """Tour 27, defect 14: the --refresh prompt names DATEV's status as seed 004 does, not
    "DATEV-Status 2"; the protocol table has German headers and Berlin local times."""
    import re

    from workbench.transfer.ledger_schema import DATEV_STATUS

    kasse = SAMPLES / "receipts_juston_kasse.csv"
    transfer = invoke(
        "transfer", "receipts", kasse, "--client", "455148-1", "--month", "2026-01", "--yes"
    )
    assert "Transferiert" in transfer.stdout, transfer.stderr
    [row] = json.loads(invoke("status", "--format", "json").stdout)
    names = "|".join(re.escape(name) for name, _ in DATEV_STATUS.values())
    deadline = time.monotonic() + 20
    while True:
        refreshed = runner.invoke(app, ["status", row["id"], "--refresh"], input="j\n")
        assert re.search(rf"{row['id']}: DATEV-Status ({names})\b", refreshed.stderr), (
            refreshed.stderr
        )
        assert not re.search(r"DATEV-Status \d", refreshed.stderr)
        if "DATEV-Status Fertig" in refreshed.stderr or time.monotonic() > deadline:
            break
        time.sleep(1)
    shown = invoke("status", row["id"], "--protocol")
    header = next(line for line in shown.stdout.splitlines() if "Meldung" in line)
    assert "Zeit" in header and "Typ" in header
    assert not re.search(r"\b(time|text|type|filename|context)\b", header), header
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", shown.stdout), shown.stdout
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:", shown.stdout), shown.stdout
