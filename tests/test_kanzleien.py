"""Several Kanzleien on one installation (seed 000, "mandantenfähig"): where each one's state
lives, whose settings it reads, and, against one sandbox with two DATEV tenants, that transfers,
tokens, ledgers and reports stay apart and a token of one is refused for the other."""

from __future__ import annotations

import json

import httpx
import pytest
from cryptography.fernet import Fernet
from typer.testing import CliRunner

from workbench.cli import app
from workbench.config import (
    DEFAULT_KANZLEI,
    current_kanzlei,
    kanzlei_home,
    kanzlei_name,
    list_kanzleien,
    load_settings,
    workbench_home,
)
from workbench.errors import ConfigError
from workbench.pipeline.connection import connect
from workbench.sandbox import start_sandbox
from workbench.transfer.access import open_registry

runner = CliRunner()
NORD = "Kanzlei Nord"
NORD_SETTINGS = """\
[datev]
client_id = "workbench-kanzlei-nord"
client_secret = "sandbox-secret-nord"
user = "kai.brandt@kanzlei-nord.example"

[datevconnect]
user = "kanzlei-nord"
password = "sandbox-nord"
"""
RECEIPTS = (
    "document_id,item_id,document_kind,date,accounting_month,amount,currency_code,account_no,"
    "party_account_no,tax,invoice_id,booking_text,party_name,block_transfer\n"
    "ER-1,ER-1-1,Rechnungseingang,2026-01-05,2026-01,119.00,EUR,4930,70001,19.00,RE-4711,"
    "Büromaterial,Papier Hansen GmbH,false\n"
    "ER-2,ER-2-1,Rechnungseingang,2026-01-07,2026-01,53.50,EUR,4930,70002,7.00,RE-4712,"
    "Fachliteratur,Buchhandlung Nord,false\n"
)


def cli(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


# --- where a Kanzlei lives --------------------------------------------------------------------


def test_standard_keeps_the_home_and_others_live_below_it(_isolated_home, monkeypatch):
    assert current_kanzlei() == DEFAULT_KANZLEI
    assert workbench_home() == _isolated_home  # an existing installation needs no migration
    assert kanzlei_home(NORD) == _isolated_home / "kanzleien" / NORD
    monkeypatch.setenv("WORKBENCH_KANZLEI", NORD)
    settings = load_settings()
    assert settings.home == _isolated_home / "kanzleien" / NORD
    assert settings.ledger_path.parent == settings.home
    assert settings.tokens_path.parent == settings.home
    assert settings.profiles_dir == _isolated_home / "profiles"  # file layouts stay shared
    from workbench.clients import cache_path

    assert cache_path("455148-1").is_relative_to(settings.home)


@pytest.mark.parametrize("bad", ["", "../Nord", "Nord/Süd", ".versteckt", "x" * 41, "Nord."])
def test_kanzlei_names_are_checked(bad, monkeypatch):
    with pytest.raises(ConfigError, match="Kanzleiname"):
        kanzlei_name(bad)
    monkeypatch.setenv("WORKBENCH_KANZLEI", bad or " ")
    result = cli("kanzleien")
    assert result.exit_code == 3 and "Kanzleiname" in result.stderr
    assert "Traceback" not in result.output


def test_list_and_select_kanzleien(_isolated_home):
    assert list_kanzleien() == [DEFAULT_KANZLEI]
    (_isolated_home / "kanzleien" / "Kanzlei Süd").mkdir(parents=True)
    (_isolated_home / "kanzleien" / NORD).mkdir()
    (_isolated_home / "kanzleien" / NORD / "settings.toml").write_text(NORD_SETTINGS)
    result = cli("--kanzlei", NORD, "kanzleien", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [row["name"] for row in rows] == [DEFAULT_KANZLEI, NORD, "Kanzlei Süd"]
    assert [row["selected"] for row in rows] == [False, True, False]
    assert rows[1]["settings"].endswith("settings.toml")
    table = cli("kanzleien")
    assert "Kanzlei Süd" in table.stdout and "Sandbox" in table.stdout


def test_a_name_in_other_case_is_the_existing_kanzlei(_isolated_home, monkeypatch):
    """Tour 28 #24: ``--kanzlei "kanzlei nord"`` made a second, empty Kanzlei beside "Kanzlei
    Nord" (on Windows and macOS the same folder under two names)."""
    (_isolated_home / "kanzleien" / NORD).mkdir(parents=True)
    monkeypatch.setenv("WORKBENCH_KANZLEI", "kanzlei nord")
    assert current_kanzlei() == NORD
    assert workbench_home() == _isolated_home / "kanzleien" / NORD
    monkeypatch.setenv("WORKBENCH_KANZLEI", "STANDARD")
    assert (current_kanzlei(), workbench_home()) == (DEFAULT_KANZLEI, _isolated_home)
    assert list_kanzleien() == [DEFAULT_KANZLEI, NORD]


def test_settings_are_never_inherited_from_another_kanzlei(tmp_path, monkeypatch):
    config = tmp_path / "workbench.toml"
    config.write_text(
        '[datev]\nclient_id = "kanzlei-a"\nclient_secret = "geheim-a"\n'
        '[datevconnect]\nuser = "a"\npassword = "pw-a"\n'
        '[kanzleien."Kanzlei Nord".datev]\nclient_id = "kanzlei-b"\nclient_secret = "geheim-b"\n'
    )
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    standard = load_settings()
    assert (standard.mode, standard.client_id, standard.connect_user) == (
        "production",
        "kanzlei-a",
        "a",
    )
    nord = load_settings(kanzlei=NORD)
    assert (nord.mode, nord.client_id, nord.connect_user) == ("production", "kanzlei-b", None)
    assert nord.connect_auth is None  # A's DATEVconnect login is not B's
    other = load_settings(kanzlei="Kanzlei Süd")
    assert (other.mode, other.client_id, other.client_secret) == (
        "sandbox",
        "workbench-sandbox",
        None,
    )


# --- two Kanzleien against one sandbox with two tenants -------------------------------------


@pytest.fixture(scope="module")
def two_tenants():
    with start_sandbox(control=True) as sandbox:
        yield sandbox


@pytest.fixture
def offices(two_tenants, _isolated_home, monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", two_tenants.url)
    monkeypatch.setenv("WORKBENCH_TOKEN_KEY", Fernet.generate_key().decode())
    nord_home = _isolated_home / "kanzleien" / NORD
    nord_home.mkdir(parents=True)
    (nord_home / "settings.toml").write_text(NORD_SETTINGS)
    receipts = tmp_path / "eingang.csv"
    receipts.write_text(RECEIPTS, encoding="utf-8")
    return receipts


def jobs_of(sandbox) -> list[str]:
    return [
        row["client_id"] for row in sandbox.state.store.query("SELECT client_id FROM dxso_jobs")
    ]


def statuses(*kanzlei: str) -> list[dict]:
    result = cli(*kanzlei, "status", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_transfers_tokens_ledgers_and_reports_stay_apart(offices, two_tenants, monkeypatch):
    nord = ("--kanzlei", NORD)
    assert cli("login").exit_code == 0
    assert cli(*nord, "login").exit_code == 0
    a = cli("transfer", "receipts", offices, "--client", "455148-1", "--yes")
    b = cli(*nord, "transfer", "receipts", offices, "--client", "70010-1", "--yes")
    assert a.exit_code == 0 and b.exit_code == 0, (a.stderr, b.stderr)
    # Each ledger knows only its own transfer.
    assert [row["client"] for row in statuses()] == ["455148-1"]
    assert [row["client"] for row in statuses(*nord)] == ["70010-1"]
    # A's DATEV user has no rights for B's client: refused, nothing created at DATEV.
    jobs = jobs_of(two_tenants)
    crossing = cli("transfer", "receipts", offices, "--client", "70010-1", "--yes")
    assert crossing.exit_code == 3
    assert jobs_of(two_tenants) == jobs
    assert [row["client"] for row in statuses()] == ["455148-1"]
    # Tokens: each Kanzlei's overview holds its own person's key only.
    people = {}
    for kanzlei, args in ((DEFAULT_KANZLEI, ()), (NORD, nord)):
        rows = json.loads(cli(*args, "tokens", "--format", "json").stdout)
        people[kanzlei] = {row["person"] for row in rows}
    assert people == {DEFAULT_KANZLEI: {"Sabine Schröder"}, NORD: {"Kai Brandt"}}
    # Reports read the Kanzlei's ledger: B's report knows nothing of A's transfer.
    from workbench.reports.monthly import collect

    monkeypatch.setenv("WORKBENCH_KANZLEI", NORD)
    assert collect(client="455148-1", period="2026-01", sources=[]).transfers.is_empty()
    assert collect(client="70010-1", period="2026-01", sources=[]).transfers.height == 1
    # DATEVconnect: each Kanzlei reads its own installation's master data.
    with connect() as connection:
        names = [
            c["name"] for c in connection.datev.connect_get("master-data", "/clients", what="x")
        ]
    assert names == ["Fischräucherei Petersen GmbH", "Hafenkontor Jensen KG"]


def test_a_token_of_one_kanzlei_is_refused_for_the_other(offices, two_tenants, monkeypatch):
    assert cli("login").exit_code == 0
    [(_, tokens_a)] = open_registry(load_settings()).active(_user())
    bearer = {"Authorization": f"Bearer {tokens_a.access_token}"}
    clients = f"{two_tenants.url}/accounting-clients/platform/v2/clients"
    # A's key with A's app: A's client yes, B's client no (no rights for its consultant).
    own = httpx.get(
        f"{clients}/455148-1", headers=bearer | {"X-DATEV-Client-Id": "workbench-sandbox"}
    )
    assert own.status_code == 200
    foreign = httpx.get(
        f"{clients}/70010-1", headers=bearer | {"X-DATEV-Client-Id": "workbench-sandbox"}
    )
    assert foreign.status_code == 403
    listed = httpx.get(clients, headers=bearer | {"X-DATEV-Client-Id": "workbench-sandbox"}).json()
    assert "70010-1" not in {c["id"] for c in listed}
    # A's key presented as B's app: refused outright.
    as_b = httpx.get(
        f"{clients}/70010-1", headers=bearer | {"X-DATEV-Client-Id": "workbench-kanzlei-nord"}
    )
    assert as_b.status_code == 401
    # And the workbench never offers A's keys to B: B has none until B logs in.
    monkeypatch.setenv("WORKBENCH_KANZLEI", NORD)
    assert open_registry(load_settings()) is None
    status = cli("status")
    assert status.exit_code == 0  # sandbox without any login: a throwaway session of B's user
    assert cli("tokens", "--format", "json").stdout.strip() == "[]"


def _user() -> str:
    from workbench.transfer.access import local_user

    return local_user()


def test_embedded_sandboxes_are_per_kanzlei(_isolated_home, monkeypatch):
    monkeypatch.setenv("WORKBENCH_KANZLEI", NORD)
    with connect() as connection:
        assert connection.settings.ledger_path.parent == _isolated_home / "kanzleien" / NORD
        connection.datev.get_client("455148-1")  # Nord without settings: the default app
    assert (_isolated_home / "kanzleien" / NORD / "sandbox" / "sandbox.sqlite3").is_file()
    assert (_isolated_home / "kanzleien" / NORD / "ledger.sqlite").is_file()
    assert not (_isolated_home / "sandbox").exists()
    assert not (_isolated_home / "ledger.sqlite").exists()
