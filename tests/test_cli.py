"""The command line: help for every command, exit codes, one clear line on errors."""

import json

import pytest
from typer.testing import CliRunner

from workbench.cli import app

runner = CliRunner()

COMMANDS = ["load", "sandbox", "check", "map", "preview", "transfer", "status", "report", "demo"]

GOOD = "InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;Müller;1,00\n"


@pytest.mark.parametrize(
    "command", [[name] for name in COMMANDS] + [["schedule", "add"], ["talk"], ["bank", "match"]]
)
def test_every_command_has_help_in_german(command):
    """Tour 29 #14: the help's frame was typer's English ("Usage:", "Options", "Show this
    message and exit.", "[default: …]") around German texts."""
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    shown = result.output
    assert "Aufruf: workbench" in shown and "Diese Hilfe zeigen." in shown
    for english in ("Usage", "Show this message", "Options", "Arguments", "[default:"):
        assert english not in shown, english


def test_load_prints_summary_and_exits_clean(write):
    result = runner.invoke(
        app, ["load", "receipts", str(write("bd.csv", GOOD)), "--profile", "juston"]
    )
    assert result.exit_code == 0, result.output
    assert "1 Zeilen geladen" in result.output
    assert "Keine Zeilenprobleme" in result.output


def test_load_json_lists_row_problems_and_exits_2(write):
    path = write("bd.csv", GOOD + "R2;kaputt;X;1,00\n")
    result = runner.invoke(app, ["load", "receipts", str(path), "-p", "juston", "--format", "json"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["rows"] == 2
    assert payload["files"][0]["encoding"] == "utf-8"
    assert [(f["row"], f["column"], f["value"]) for f in payload["findings"]] == [
        (3, "date", "kaputt")
    ]


def test_source_error_is_one_line_on_stderr_with_exit_3(tmp_path):
    result = runner.invoke(app, ["load", "receipts", str(tmp_path / "fehlt.csv"), "-p", "juston"])
    assert result.exit_code == 3
    assert result.stdout == ""
    assert "fehlt.csv wurde nicht gefunden" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_debug_shows_the_exception(tmp_path):
    result = runner.invoke(app, ["--debug", "load", "receipts", str(tmp_path / "fehlt.csv")])
    assert result.exit_code != 0
    assert result.exception is not None


def test_unknown_kind_is_a_usage_error(write):
    result = runner.invoke(app, ["load", "belege", str(write("a.csv", GOOD))])
    assert result.exit_code == 3  # a usage error (ARCHITECTURE §4.1), not "errors found"
    assert "belege" in result.stderr
