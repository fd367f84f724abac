"""The Abgleich end to end against the real sandbox over sockets (issue 19, "done means").

The sample receipts (Rechnungsausgang, Rechnungseingang, Kassenbuch) go to DATEV as XML packages
(dxso) and the sample invoices as an EXTF Buchungsstapel, through the same stages ``workbench
transfer`` runs; DATEV (the sandbox)
processes them; the reconcile reads DATEV's bookings back through Accounting Data Exchange.
Then a colleague changes one booking, deletes one and adds one (the sandbox's control
endpoint), and the Abgleich shows exactly those three differences.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from unittest import mock

import httpx
import polars as pl
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.pipeline import (
    check_run,
    load_run,
    map_run,
    map_sources,
    package_run,
    reconcile_run,
    send_run,
    status_run,
)
from workbench.pipeline.connection import connect
from workbench.reconcile.sent import sent_bookings
from workbench.sandbox import start_sandbox

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
CLIENT, PERIOD = "455148-1", "2026-01"
KASSE = SAMPLES / "receipts_juston_kasse.csv"
RECEIPTS = (
    SAMPLES / "receipts_juston_booking_detail.csv",
    SAMPLES / "receipts_juston_expense.csv",
    KASSE,
)
INVOICES = SAMPLES / "invoices_crmplus.xlsx"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A sandbox that has processed the sample receipts (dxso) and invoices (EXTF) of January,
    and the Kanzlei home whose ledger sent them."""
    home = tmp_path_factory.mktemp("reconcile-home")
    with start_sandbox(control=True) as sandbox:
        sandbox.state.clock.freeze()
        sandbox.state.settings.exchange_seconds = 0  # the postings job's polling: unit tests
        environment = {"WORKBENCH_HOME": str(home), "WORKBENCH_SANDBOX_URL": sandbox.url}
        with mock.patch.dict(os.environ, environment), connect() as connection:
            sources = [("receipts", path, None) for path in RECEIPTS]
            for kind, path, target in (*sources, ("invoices", INVOICES, "extf")):
                checked = check_run(
                    load_run(kind, [path]), client=CLIENT, connection=connection, target=target
                )
                packaged = package_run(
                    map_run(checked),
                    out_dir=home / "packages" / kind,
                    ledger=connection.ledger,
                    month=PERIOD,
                )
                send_run(packaged, connection, wait=0)
            sandbox.state.clock.advance(30)  # DATEV processes the transfers
            status_run(connection, client=CLIENT)
            statuses = {t.document_kind: t.datev_status for t in connection.ledger.transfers()}
        assert statuses == {
            "Rechnungsausgang": "2",
            "Rechnungseingang": "2",
            "Kasse": "2",
            "Buchungsstapel": "succeeded",
            "Debitoren/Kreditoren": "succeeded",  # the Kreditoren's names, sent first
        }
        yield home, sandbox


@pytest.fixture
def env(world, monkeypatch):
    home, sandbox = world
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
    return sandbox


def reconciled(sources=()):
    with connect() as connection:
        mapped = map_sources(
            connection,
            sources,
            client=CLIENT,
            period=PERIOD,
            pos_mapping=SAMPLES / "pos_mapping.toml",
        )
        return reconcile_run(connection, client=CLIENT, period=PERIOD, sources=mapped)


def a_single_booking(channel: str) -> dict:
    """A Beleg the workbench sent as one booking, from the transfer ``channel``."""
    with connect() as connection:
        ids = {t.id for t in connection.ledger.transfers() if t.channel == channel}
        sent = sent_bookings(
            connection.ledger,
            CLIENT,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 1, 31),
            account_length=4,
        )
    sent = sent.filter(pl.col("transfer_id").is_in(list(ids)))
    once = sent.filter(pl.len().over("belegfeld1") == 1).sort("source_row")
    return once.row(0, named=True)


def test_sent_and_booked_agree_until_a_colleague_changes_deletes_and_adds(env):
    clean = reconciled()
    assert clean.differences.is_empty(), clean.differences["message"].to_list()
    assert clean.exit_code == 0
    assert clean.counts["sent"] == clean.counts["booked"] > 150
    accounts = {row["account"]: row for row in clean.accounts.iter_rows(named=True)}
    assert accounts["8300"]["name"] == "Erlöse 7 % USt"  # DATEV's Kontenbeschriftung
    assert accounts["1000"]["sent"] == accounts["1000"]["booked"] != 0  # the Kassenkonto
    changed, deleted = a_single_booking("dxso"), a_single_booking("extf")
    control = f"{env.url}/_sandbox/clients/{CLIENT}/postings"
    technical = int(changed["account"].ljust(8, "0"))
    side = "amountCredit" if changed["credit"] == changed["account"] else "amountDebit"
    for body in (
        {
            "action": "change",
            "match": {"documentField1": changed["belegfeld1"], "accountNumber": technical},
            "posting": {side: changed["cents"] / 100 + 10},
        },
        {"action": "delete", "match": {"documentField1": deleted["belegfeld1"]}},
        {
            "action": "add",
            "posting": {
                "accountNumber": 49300000,
                "contraAccountNumber": 10000000,
                "amountDebit": 12.5,
                "date": "2026-01-20",
                "documentField1": "MAN-2026-1",
            },
        },
    ):
        answer = httpx.post(control, json=body)
        assert answer.status_code in (200, 201), answer.text
    result = reconciled()
    rows = {row["kind"]: row for row in result.differences.iter_rows(named=True)}
    assert result.differences.height == 3 and result.exit_code == 2
    assert rows["abweichend"]["belegfeld1"] == changed["belegfeld1"]
    assert (rows["abweichend"]["source"], rows["abweichend"]["row"]) == (
        changed["source_file"],
        changed["source_row"],
    )
    assert abs(rows["abweichend"]["booked"] - rows["abweichend"]["sent"]) == 1000
    assert (rows["nicht_gebucht"]["belegfeld1"], rows["nicht_gebucht"]["source"]) == (
        deleted["belegfeld1"],
        INVOICES.name,
    )
    assert rows["nicht_gebucht"]["row"] == deleted["source_row"]
    assert rows["nicht_gesendet"]["belegfeld1"] == "MAN-2026-1"
    assert rows["nicht_gesendet"]["row"] is None  # no source row exists
    assert (rows["nicht_gesendet"]["account"], rows["nicht_gesendet"]["booked"]) == ("4930", 1250)
    # The source rows are the rows of the files: the changed Beleg's number is on its line.
    text = (SAMPLES / changed["source_file"]).read_bytes().decode("utf-8-sig")
    assert changed["belegfeld1"] in text.splitlines()[changed["source_row"] - 1]

    # The same through the CLI, as JSON (ARCHITECTURE §4.1: exit code 2 for differences).
    cli = CliRunner().invoke(
        app, ["reconcile", "--client", CLIENT, "--period", PERIOD, "--format", "json"]
    )
    assert cli.exit_code == 2, cli.stderr
    answer = json.loads(cli.stdout)
    assert set(answer) == {"client", "period", "accounts", "differences"}
    assert [d["kind"] for d in answer["differences"]] == [
        "nicht_gebucht",
        "abweichend",
        "nicht_gesendet",
    ]
    assert set(answer["differences"][0]) == {
        "kind", "belegfeld1", "account", "sent", "booked", "source", "row", "message",
    }  # fmt: skip
    manual = answer["differences"][2]
    assert (manual["booked"], manual["sent"], manual["source"]) == (12.5, None, None)
    assert {"account": "4930", "name": "Bürobedarf"}.items() <= next(
        a for a in answer["accounts"] if a["account"] == "4930"
    ).items()


def test_sources_are_the_third_side(env):
    """With the sent files as sources nothing changes; a source nobody sent (the POS revenue)
    is ``nur_in_quelle``, every booking pointing at its row; blocked rows are named."""
    without = reconciled()
    # (The booking-detail and expense samples share Salesforce Ids, so the ledger's "never
    # twice" rule kept part of the expense file from being sent; they would be nur_in_quelle.)
    kasse_and_invoices = [("receipts", [KASSE], None), ("invoices", [INVOICES], None)]
    with_sent = reconciled(sources=kasse_and_invoices)
    assert with_sent.differences.drop("message").equals(without.differences.drop("message"))
    kasse = with_sent.accounts.filter(pl.col("account") == "1000")  # only the Kassenbuch books it
    assert kasse["source"].to_list() == kasse["sent"].to_list() != [0]
    # Every row is accounted for: the Kassenbuch's 63 rows of January all booked, the rest
    # (5 of them blocked there) are other months' (not an error); six invoices are blocked.
    assert with_sent.notes == [
        f"{KASSE.name}: 119 Zeilen anderer Monate als Januar 2026 gehören zum Abgleich ihres "
        "Monats.",
        f"{INVOICES.name}: 28 Zeilen, davon 6 wegen Fehlern gesperrt und 0 von der Übertragung "
        "ausgenommen; sie fehlen in der Spalte Quelle.",
        f"{INVOICES.name}: 53 Zeilen anderer Monate als Januar 2026 gehören zum Abgleich ihres "
        "Monats.",
    ]
    pos = reconciled(sources=[("pos", [SAMPLES / "pos_lightspeed.csv"], None)])
    only = pos.differences.filter(pl.col("kind") == "nur_in_quelle")
    assert only.height > 50
    assert set(only["source"]) == {"pos_lightspeed.csv"}
    assert only["row"].is_not_null().all()


def test_excel_output_reads_back_typed_and_safe(env, tmp_path):
    """``--format xlsx``: differences and accounts as sheets, amounts as numbers, and a
    Belegfeld 1 that looks like a formula stays text."""
    from openpyxl import load_workbook

    answer = httpx.post(
        f"{env.url}/_sandbox/clients/{CLIENT}/postings",
        json={
            "action": "add",
            "posting": {
                "accountNumber": 49300000,
                "contraAccountNumber": 10000000,
                "amountDebit": 1234.56,
                "date": "2026-01-21",
                "documentField1": "=HYPERLINK(1)",
            },
        },
    )
    assert answer.status_code == 201, answer.text
    out = tmp_path / "abgleich.xlsx"
    cli = CliRunner().invoke(
        app,
        [
            "reconcile",
            "--client",
            CLIENT,
            "--period",
            PERIOD,
            "--format",
            "xlsx",
            "--out",
            str(out),
        ],
    )
    assert cli.exit_code == 2, cli.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["Abweichungen", "Konten"]
    rows = list(book["Abweichungen"].iter_rows(values_only=True))
    assert rows[0][:5] == ("Art", "Belegfeld 1", "Konto", "gesendet", "gebucht")
    injected = next(row for row in rows if "HYPERLINK" in str(row[1]))
    assert injected[1] == "'=HYPERLINK(1)"
    assert injected[4] == 1234.56
    assert injected[0] == "nicht gesendet"  # tour 28 #7: as the table says, not the code
    accounts = {row[0]: row for row in book["Konten"].iter_rows(values_only=True)}
    assert accounts["4930"][1] == "Bürobedarf"
    assert isinstance(accounts["8300"][3], float)
