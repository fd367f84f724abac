"""Issue 14.4: client ids are validated and normalised where they enter (CLI, API, UI).

``--client "455148-2/../455148-1"`` used to reach 455148-1 over HTTP while the ledger keyed on the
raw string, so the same files went to DATEV twice.
"""

import httpx
import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.clients import normalise_client_id
from workbench.errors import UsageError
from workbench.transfer.client import DatevClient

runner = CliRunner()
GOOD = "InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;Müller;1,00\n"


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("455148-1", "455148-1"),
        (" 455148-1 ", "455148-1"),
        ("455148-1\n", "455148-1"),
        ("455148-001", "455148-1"),
        ("0455148-1", "455148-1"),
        ("1-1", "1-1"),
        ("9999999-99999", "9999999-99999"),
    ],
)
def test_valid_ids_are_normalised(given, normal):
    assert normalise_client_id(given) == normal


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        None,
        "455148-2/../455148-1",
        "455148-2?x=1",
        "455148-2#x",
        "455148",
        "455148-",
        "-1",
        "12345678-1",
        "455148-123456",
        "455148_1",
        "\uff14\uff15\uff15\uff11\uff14\uff18-1",  # fullwidth digits are not DATEV's digits
        "٤٥٥١٤٨-1",  # Arabic-Indic digits neither
        "0-1",
        "455148-0",
        "455148-1%2F..",
        5,
    ],
)
def test_invalid_ids_are_a_german_usage_error(given):
    with pytest.raises(UsageError, match=r"Mandanten-ID") as caught:
        normalise_client_id(given)
    assert "455148-1" in str(caught.value)  # shows the expected form


@pytest.mark.parametrize("given", ["", "455148-2/../455148-1", "455148-2?x=1", "abc", "455148-1/"])
@pytest.mark.parametrize("command", ["check", "map", "preview", "transfer"])
def test_cli_rejects_a_bad_client_id_before_anything_runs(write, command, given):
    path = write("a.csv", GOOD)
    result = runner.invoke(app, [command, "receipts", str(path), "--client", given])
    assert result.exit_code == 3, result.output
    assert "Mandanten-ID" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Usage" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_report_rejects_a_bad_client_id():
    result = runner.invoke(
        app, ["report", "--client", "455148-1/../2", "--period", "2026-01", "--source", "x=y"]
    )
    assert result.exit_code == 3
    assert "Mandanten-ID" in result.stderr


def test_the_http_client_never_sends_a_path_with_dot_segments_or_a_query():
    sent = []
    transport = httpx.MockTransport(lambda request: sent.append(request) or httpx.Response(200))
    datev = DatevClient(
        {"accounting-clients": "https://example.invalid/accounting-clients/platform/v2"},
        client_id="x",
        transport=transport,
    )
    for bad in ("455148-2/../455148-1", "455148-2?x=1", "455148-1%2F..", ""):
        with pytest.raises(UsageError, match=r"Mandanten-ID"):
            datev.get_client(bad)
    assert sent == []
    datev.get_client(" 455148-01")
    assert sent[0].url.path == "/accounting-clients/platform/v2/clients/455148-1"


def test_pipeline_api_normalises_the_client(write):
    from workbench.pipeline import check_run, load_run

    loaded = load_run("receipts", [write("a.csv", GOOD)])
    with pytest.raises(UsageError, match=r"Mandanten-ID"):
        check_run(loaded, client="455148-2/../455148-1")


def test_ledger_keys_on_the_normal_form(tmp_path):
    from workbench.transfer.ledger import Ledger

    ledger = Ledger(tmp_path / "ledger.sqlite")
    created = ledger.create(
        client="455148-01",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Kasse",
        items=[{"item_id": "A", "content_hash": "h"}],
    )
    assert created.client == "455148-1"
    assert ledger.transferred_items("455148-1", ["A"]) == {"A": created.id}
    assert ledger.transferred_items(" 455148-001", ["A"]) == {"A": created.id}
    with pytest.raises(UsageError):
        ledger.transferred_items("455148-2/../455148-1", ["A"])


def test_the_app_session_normalises_the_client():
    from workbench.ui.session import Session

    assert Session(connection=None, client="455148-01").client == "455148-1"
    with pytest.raises(UsageError, match=r"Mandanten-ID"):
        Session(connection=None, client="455148-2/../455148-1")


def test_the_report_runner_rejects_a_bad_client_before_papermill(tmp_path):
    from workbench.reports import run_report

    with pytest.raises(UsageError, match=r"Mandanten-ID"):
        run_report(client="x/../y", period="2026-01", sources=[], out=tmp_path / "r.html")
    with pytest.raises(UsageError, match=r"Monat"):
        run_report(client="455148-1", period="2026-00", sources=[], out=tmp_path / "r.html")
    assert not (tmp_path / "r.ipynb").exists()


def test_calls_restricted_to_a_client_use_its_datevconnect_number():
    from workbench.clients import normalise_client_id

    assert normalise_client_id("00003", allow_number=True) == "3"
    with pytest.raises(UsageError):
        normalise_client_id("3", allow_number=False)
    with pytest.raises(UsageError):
        normalise_client_id("3/../4", allow_number=True)
