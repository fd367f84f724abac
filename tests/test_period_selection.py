"""Issue 15, item 2: a chosen Buchungsmonat/Zeitraum selects rows; rows of other months are
counted ("… Zeilen anderer Monate nicht geprüft") and never become errors. Same rule in the
pipeline (app, report) and the CLI; ``2026-01``, ``01/2026``, ``01.2026``, ``Januar 2026``.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from workbench.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
BOOKING = SAMPLES / "receipts_juston_booking_detail.csv"
runner = CliRunner()

#: receipts_juston_booking_detail.csv: 300 rows; 97 of 2026-01, 2 without a readable date.
JANUARY, UNDATED, ROWS = 97, 2, 300


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture(scope="module")
def january_json():
    result = invoke(
        "check",
        "receipts",
        BOOKING,
        "--client",
        "455148-1",
        "--period",
        "2026-01",
        "--format",
        "json",
    )
    assert result.exit_code == 2, result.stderr
    return json.loads(result.stdout)


def test_rows_of_other_months_never_become_errors(january_json):
    assert not [f for f in january_json if f["rule"] == "fiscal_year.outside_period"]
    assert all(f["severity"] != "error" or f["rule"] != "period.other_months" for f in january_json)


def test_other_months_are_counted_in_the_json_output(january_json):
    [counted] = [f for f in january_json if f["rule"] == "period.other_months"]
    assert counted["severity"] == "info"
    assert counted["source"] == BOOKING.name
    assert counted["row"] is None
    assert "201 Zeilen anderer Monate nicht geprüft" in counted["message"]


def test_the_other_months_hinweis_names_the_months_as_its_value(january_json):
    """Its value was the count ("accounting_month = '201'" in the findings table, read as a
    month 201); the value of the Buchungsmonat column is the months set aside."""
    [counted] = [f for f in january_json if f["rule"] == "period.other_months"]
    assert counted["column"] == "accounting_month"
    assert counted["value"] == "Dezember 2025, Februar 2026, März 2026, April 2026"


def test_findings_concern_only_rows_of_the_month(january_json):
    from workbench.sources import load_receipts

    frame = load_receipts(BOOKING, profile="juston").frame
    months = dict(
        zip(frame["source_row"].to_list(), frame["accounting_month"].to_list(), strict=True)
    )
    rows = {f["row"] for f in january_json if f["row"] is not None}
    assert rows
    assert {months[row] for row in rows} <= {"2026-01", None}


def test_table_summary_says_how_many_rows_were_not_checked():
    result = invoke("check", "receipts", BOOKING, "--client", "455148-1", "--period", "Januar 2026")
    assert result.exit_code == 2, result.stderr
    assert "99 Zeilen geprüft" in result.stdout
    assert "201 Zeilen anderer Monate nicht geprüft (Zeitraum Januar 2026)" in result.stdout
    assert "fiscal_year.outside_period" not in result.stdout


@pytest.mark.parametrize("period", ["01/2026", "01.2026", "Januar 2026", "2026-01"])
def test_the_period_is_accepted_as_people_write_it(period):
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect

    with connect() as connection:
        run = check_run(
            load_run("receipts", [BOOKING]), client="455148-1", connection=connection, period=period
        )
    assert run.loaded.frame.height == JANUARY + UNDATED
    assert run.other_months == {BOOKING.name: ROWS - JANUARY - UNDATED}


def test_a_wrong_period_is_rejected_before_anything_is_loaded(tmp_path):
    missing = tmp_path / "gibt-es-nicht.csv"
    result = invoke("check", "receipts", missing, "--client", "455148-1", "--period", "2026-13")
    assert result.exit_code == 3
    assert "2026-13" in result.stderr and "Januar 2026" in result.stderr
    assert "gibt-es-nicht" not in result.stderr


def test_a_range_selects_its_months():
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect

    with connect() as connection:
        run = check_run(
            load_run("receipts", [BOOKING]),
            client="455148-1",
            connection=connection,
            period="Januar 2026 bis März 2026",
        )
    months = set(run.loaded.frame["accounting_month"].drop_nulls().unique().to_list())
    assert months == {"2026-01", "2026-02", "2026-03"}
    assert run.other_months == {BOOKING.name: 2}  # December 2025 and April 2026


def test_without_a_period_every_row_is_checked():
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect

    with connect() as connection:
        run = check_run(load_run("receipts", [BOOKING]), client="455148-1", connection=connection)
    assert run.loaded.frame.height == ROWS
    assert run.other_months == {}
    assert run.findings.filter(pl.col("rule") == "period.other_months").is_empty()


def test_progress_is_shown_on_a_terminal_and_silent_when_piped():
    import io

    from rich.console import Console

    from workbench.cli.progress import progress_for

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=120)
    with progress_for("Prüfen", console=terminal) as report:
        report(4, 5, "Prüfregeln")
    assert "Prüfen: Prüfregeln" in screen.getvalue()
    piped = io.StringIO()
    with progress_for("Prüfen", console=Console(file=piped)) as report:
        report(4, 5, "Prüfregeln")
    assert piped.getvalue() == ""
    result = invoke("check", "receipts", BOOKING, "--client", "455148-1", "--format", "json")
    assert "Prüfregeln" not in result.stderr and "Prüfregeln" not in result.stdout


def test_invoices_take_their_positions_along(tmp_path):
    from workbench.pipeline import check_run, load_run
    from workbench.pipeline.connection import connect
    from workbench.sources import load_invoices

    path = SAMPLES / "invoices_crmplus.xlsx"
    whole = load_invoices(path, profile="crmplus")
    with connect() as connection:
        run = check_run(
            load_run("invoices", [path]), client="455148-1", connection=connection, period="2026-02"
        )
    frame = run.loaded.frame
    assert set(frame["date"].dt.strftime("%Y-%m").drop_nulls().to_list()) == {"2026-02"}
    kept = set(frame["invoice_id"].drop_nulls().to_list())
    assert set(run.loaded.result.positions["invoice_id"].to_list()) <= kept
    assert run.loaded.result.positions.height < whole.positions.height
    assert frame.height + run.other_months[path.name] == whole.frame.height
    others = set(whole.frame["invoice_id"].drop_nulls().to_list()) - kept
    assert not {f for f in run.findings["item_id"].drop_nulls().to_list() if f in others}
