"""Issue 14.7: nothing skipped without a word. ``map calls … --to expense-postings`` used to
write an empty or short list (exit 1) with the blocked calls listed nowhere; every command that
leaves rows out now says which and why (table, and JSON with ``--format json``), its exit code
follows the findings, and ``--employee`` names the employee for calls whose extension has none."""

import json
from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()
SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CALLS = "Anruf-ID;Beginn;Dauer;Richtung;Angenommen;Rufnummer;Nebenstelle;Teilnehmer;Notiz\n"


def _calls(write):
    # Weiß Straßen- und Tiefbau AG (Mandant 3) from extension 99 (no employee there) and from
    # extension 11 (Sabine Schröder)
    return write(
        "anrufe.csv",
        CALLS
        + "C1;05.01.2026 10:00:00;00:10:00;eingehend;ja;+49 30 9876540;99;Gast;\n"
        + "C2;05.01.2026 11:00:00;00:05:00;eingehend;ja;+49 30 9876540;11;Schröder, Sabine;\n",
    )


def test_map_calls_lists_every_call_it_leaves_out_and_exits_by_the_findings(write, tmp_path):
    result = runner.invoke(
        app,
        ["map", "calls", str(_calls(write)), "--to", "expense-postings", "--out", str(tmp_path)],
    )
    assert result.exit_code == 2, result.output  # an error finding: a call is blocked
    assert "calls.no_employee" in result.stdout and "anrufe.csv:2" in result.stdout
    written = json.loads((tmp_path / "expense_postings.json").read_text(encoding="utf-8"))
    assert len(written) == 1


def test_map_json_names_written_files_counts_and_left_out_rows(write, tmp_path):
    result = runner.invoke(
        app,
        [
            "map",
            "calls",
            str(_calls(write)),
            "--to",
            "expense-postings",
            "--out",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 2, result.output
    payload = json.loads(result.stdout)
    assert payload["written"] == [str(tmp_path / "expense_postings.json")]
    [left] = payload["left_out"]
    assert (left["source"], left["row"], left["item_id"]) == ("anrufe.csv", 2, "C1")
    assert "calls.no_employee" in left["rules"] and left["reason"]
    assert any(f["rule"] == "calls.no_employee" for f in payload["findings"])


def test_employee_option_fills_in_the_missing_employee(write, tmp_path):
    for employee in ("102", "e1000000000000000000000000000002"):  # number or DATEV id
        out = tmp_path / employee
        result = runner.invoke(
            app,
            [
                "map",
                "calls",
                str(_calls(write)),
                "--to",
                "expense-postings",
                "--out",
                str(out),
                "--employee",
                employee,
            ],
        )
        assert result.exit_code in (0, 1), result.output
        written = json.loads((out / "expense_postings.json").read_text(encoding="utf-8"))
        assert len(written) == 2
        assert {body["employee_id"] for body in written} >= {"e1000000000000000000000000000002"}


def test_an_unknown_employee_is_a_usage_error(write, tmp_path):
    result = runner.invoke(
        app,
        [
            "map",
            "calls",
            str(_calls(write)),
            "--to",
            "expense-postings",
            "--out",
            str(tmp_path),
            "--employee",
            "999",
        ],
    )
    assert result.exit_code == 3
    assert "Mitarbeiter" in result.stderr and "999" in result.stderr


def test_map_receipts_lists_blocked_and_skipped_rows(tmp_path):
    result = runner.invoke(
        app,
        [
            "map",
            "receipts",
            str(SAMPLES / "receipts_juston_kasse.csv"),
            "--client",
            "455148-1",
            "--to",
            "xml",
            "--out",
            str(tmp_path),
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    counts = payload["counts"][0]
    assert counts["blocked"] + counts["skipped"] == len(payload["left_out"]) > 0
    assert all(row["source"] and row["row"] and row["reason"] for row in payload["left_out"])
    table = runner.invoke(
        app,
        ["map", "receipts", str(SAMPLES / "receipts_juston_kasse.csv"), "--client", "455148-1",
         "--out", str(tmp_path / "t")],
    )  # fmt: skip
    assert "Nicht übernommen" in table.stdout
