"""``workbench reconcile`` at its edges: one German line and exit code 3 for every usage or
runtime error (the embedded sandbox answers), exit code 0 and a table when nothing differs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, ["reconcile", *args])


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--client", "455148", "--period", "2026-01"], "Mandanten-ID '455148' ist ungültig"),
        (["--client", "455148-1", "--period", "2026-13"], "'2026-13' ist kein gültiger Monat"),
        (["--client", "455148-1", "--period", "01/2026x"], "JJJJ-MM"),
        (["--period", "2026-01"], "--client"),
        (
            ["--client", "455148-1", "--period", "2026-01", "--source", "belege.csv"],
            "ART=DATEI",
        ),
        (
            ["--client", "455148-1", "--period", "2026-01", "--format", "xlsx"],
            "--out bericht.xlsx",
        ),
    ],
)
def test_usage_errors_are_one_german_line(args, says):
    result = invoke(*args)
    assert result.exit_code == 3
    assert says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_calls_cannot_be_reconciled(tmp_path):
    calls = tmp_path / "anrufe.csv"
    calls.write_text("Anruf-ID;Beginn\n", encoding="utf-8")
    result = invoke("--client", "455148-1", "--period", "2026-01", "--source", f"calls={calls}")
    assert result.exit_code == 3
    assert "Anrufe werden als Auslagen" in result.stderr


def test_a_client_without_the_data_service_is_one_clear_message():
    # 455148-3 has not booked the Datenservice Export Rechnungswesen (sandbox seed).
    result = invoke("--client", "455148-3", "--period", "2025-01")
    assert result.exit_code == 3
    assert "nicht freigeschaltet" in result.stderr
    assert "Datenservice Export Rechnungswesen" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_month_without_fiscal_year_at_datev():
    result = invoke("--client", "455148-1", "--period", "2023-05")
    assert result.exit_code == 3
    assert "kein Wirtschaftsjahr" in result.stderr


def test_nothing_sent_and_nothing_booked_agree():
    result = invoke("--client", "455148-1", "--period", "2026-02")
    assert result.exit_code == 0, result.stderr
    assert "Keine Abweichungen" in result.stdout


def test_source_rows_left_out_are_said_before_the_differences():
    """Tour 28 #4: "Keine Abweichungen" came first; that 18 source rows were blocked and so in
    no line stood only after the account table."""
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "data" / "samples"
    source = f"receipts={samples / 'receipts_juston_booking_detail.csv'}"
    result = invoke("--client", "455148-1", "--period", "2026-01", "--source", source)
    assert result.exit_code in (0, 2), result.stderr
    text = result.stdout
    assert "wegen Fehlern gesperrt" in text
    first_table = min(text.index(word) for word in ("Abweichungen", "Je Konto") if word in text)
    assert text.index("wegen Fehlern gesperrt") < first_table
