"""``workbench bank match`` and its ``--ask``: buckets, exit codes, questions "Beleg fehlt"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


def _match(*extra: object, bank: str = "mt940.sta"):
    return invoke(
        "bank",
        "match",
        DATA / bank,
        "--client",
        "455148-1",
        "--receipts",
        DATA / "receipts.csv",
        *extra,
    )


def test_table_lists_unclear_and_missing_lines_with_reasons_and_exit_code_2():
    result = _match()
    assert result.exit_code == 2, result.output
    assert "7 Kontoumsätze abgeglichen" in result.stdout
    assert "zugeordnet" in result.stdout and "ohne Beleg" in result.stdout
    assert "mt940.sta:15" in result.stdout and "-45,90 EUR" in result.stdout
    assert "Teilzahlung" in result.stdout


def test_json_and_ask_turn_every_line_without_receipt_into_one_question():
    result = _match("--format", "json", "--ask", "--to", "chef@mandant.de", "--from", "M. Muster")
    assert result.exit_code == 2, result.output
    payload = json.loads(result.stdout)
    assert payload["counts"] == {"matched": 3, "unclear": 2, "no_receipt": 2}
    missing = [line for line in payload["lines"] if line["bucket"] == "no_receipt"]
    assert [a["line_id"] for a in payload["asked"]] == [line["line_id"] for line in missing]
    talks = json.loads(invoke("talk", "list", "--format", "json").stdout)
    assert [t["item_id"] for t in talks] == [line["line_id"] for line in missing]
    assert all(t["status"] == "offen" and t["recipient"] == "chef@mandant.de" for t in talks)
    assert talks[0]["source"] == "mt940.sta" and talks[0]["row"] == 15
    assert talks[0]["messages"][0]["text"].startswith("Beleg fehlt")
    assert "Tankstelle Nord" in talks[0]["label"] and "-45,90 EUR" in talks[0]["label"]
    again = json.loads(_match("--format", "json", "--ask", "--to", "chef@mandant.de").stdout)
    assert again["asked"] == []  # an open question is not asked twice


def test_all_matched_exits_0(tmp_path):
    text = (DATA / "sparkasse.csv").read_bytes().decode("cp1252").splitlines()
    path = tmp_path / "matched.csv"
    path.write_bytes(("\r\n".join([text[0], text[1], text[2], text[5]]) + "\r\n").encode("cp1252"))
    result = invoke(
        "bank", "match", path, "--client", "455148-1", "--receipts", DATA / "receipts.csv"
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--ask",), "fehlt der Empfänger"),
        (("--format", "xml"), "Unbekanntes Format"),
    ],
)
def test_usage_errors_are_one_german_line_and_exit_3(args, message):
    result = _match(*args)
    assert result.exit_code == 3
    assert message in result.stderr and "Traceback" not in result.output


def test_bad_client_id_and_missing_file():
    result = invoke(
        "bank",
        "match",
        DATA / "mt940.sta",
        "--client",
        "455148/1",
        "--receipts",
        DATA / "receipts.csv",
    )
    assert result.exit_code == 3 and "Beraternummer-Mandantennummer" in result.stderr
    result = invoke(
        "bank",
        "match",
        DATA / "fehlt.sta",
        "--client",
        "455148-1",
        "--receipts",
        DATA / "receipts.csv",
    )
    assert result.exit_code == 3 and "fehlt.sta" in result.stderr


def test_an_unreadable_booking_day_is_shown_as_a_finding_and_named_as_the_reason(tmp_path):
    """Tour 28 #2: a stray quote made line 3's Buchungstag unreadable; the table showed an
    empty date and "Kein Beleg passt", the finding only in JSON."""
    lines = (DATA / "sparkasse.csv").read_text(encoding="cp1252").splitlines()
    lines[2] = lines[2].replace(';"12.01.26"', ';"x"12.01.26"', 1)
    stray = tmp_path / "stray.csv"
    stray.write_text("\n".join(lines) + "\n", encoding="cp1252")
    result = _match(bank=str(stray))
    assert "Befunde beim Laden (1)" in result.stdout, result.stdout
    assert "stray.csv:3" in result.stdout and "Buchungstag" in result.stdout
    payload = json.loads(_match("--format", "json", bank=str(stray)).stdout)
    (line,) = [line for line in payload["lines"] if line["source_row"] == 3]
    assert "Buchungstag" in line["reason"] and "nicht lesbar" in line["reason"]
    assert "Kein Beleg passt" not in line["reason"]


def test_a_second_ask_says_which_lines_are_already_asked():
    """Tour 28 #13: the second ``--ask`` printed nothing about the lines it did not ask."""
    _match("--ask", "--to", "chef@mandant.de", "--from", "M. Muster")
    again = _match("--ask", "--to", "chef@mandant.de", "--from", "M. Muster")
    assert "2 Umsätze ohne Beleg haben schon eine offene Frage (Talks 1, 2)" in again.stdout
