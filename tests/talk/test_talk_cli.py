"""``workbench talk`` usage: ids, rows, filters, bad input (one German line, exit 3)."""

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


def _ask(*target: object, to: str = "chef@mandant.de"):
    return invoke(
        "talk",
        "ask",
        "--client",
        "455148-1",
        *target,
        "--to",
        to,
        "--from",
        "M. Muster",
        "--text",
        "Bitte Beleg hochladen.",
    )


def test_ask_prints_the_id_and_list_filters_by_status_and_client():
    first = _ask("--item", "BEL-0042")
    second = _ask("--row", f"{DATA / 'receipts.csv'}:6", to="intern")
    third = invoke(
        "talk",
        "ask",
        "--client",
        "455148-2",
        "--item",
        "X-1",
        "--to",
        "a@b.de",
        "--from",
        "M",
        "--text",
        "?",
    )
    assert [first.stdout, second.stdout, third.stdout] == ["1\n", "2\n", "3\n"]
    listed = json.loads(invoke("talk", "list", "--client", "455148-1", "--format", "json").stdout)
    assert [t["id"] for t in listed] == [1, 2]
    assert listed[1]["item_id"] == "BEL-0045-1" and listed[1]["row"] == 6
    assert listed[1]["source"] == "receipts.csv" and listed[1]["status"] == "intern"
    assert set(listed[0]) == {
        "id",
        "client",
        "item_id",
        "source",
        "row",
        "rule",
        "status",
        "recipient",
        "label",
        "created_at",
        "closed_at",
        "close_reason",
        "messages",
    }
    assert set(listed[0]["messages"][0]) >= {"sender", "text", "at", "attachments"}
    intern = json.loads(invoke("talk", "list", "--status", "intern", "--format", "json").stdout)
    assert [t["id"] for t in intern] == [2]
    table = invoke("talk", "list")
    assert table.exit_code == 0 and "Beleg BEL-0045-1" not in table.stdout
    assert "ER-2026-0045" in table.stdout  # the row's label names its invoice


def test_ask_about_a_finding():
    result = _ask("--row", f"{DATA / 'receipts.csv'}:2", "--rule", "attachment.missing")
    assert result.exit_code == 0, result.output
    (talk,) = json.loads(invoke("talk", "list", "--format", "json").stdout)
    assert (talk["item_id"], talk["rule"], talk["row"]) == ("BEL-0042-1", "attachment.missing", 2)


def test_ask_a_bank_line_by_row():
    result = _ask("--row", f"{DATA / 'camt053.xml'}:108")
    assert result.exit_code == 0, result.output
    (talk,) = json.loads(invoke("talk", "list", "--format", "json").stdout)
    assert talk["item_id"].startswith("B") and "Tankstelle Nord" in talk["label"]


def test_close_and_send_without_anything_due():
    _ask("--item", "BEL-0042")
    assert invoke("talk", "close", "1").stdout.strip() == "Talk 1 geschlossen."
    assert invoke("talk", "close", "1").exit_code == 3
    # nothing due: no mail server needed
    assert invoke("talk", "send").stdout.strip() == "0 E-Mail(s) gesendet."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("talk", "ask", "--client", "455148-1", "--to", "a@b.de", "--from", "M", "--text", "?"),
            "genau eines",
        ),
        (
            (
                "talk",
                "ask",
                "--client",
                "455148-1",
                "--item",
                "X",
                "--row",
                "a.csv:1",
                "--to",
                "a@b.de",
                "--from",
                "M",
                "--text",
                "?",
            ),
            "genau eines",
        ),
        (
            (
                "talk",
                "ask",
                "--client",
                "455148-1",
                "--row",
                "belege.csv",
                "--to",
                "a@b.de",
                "--from",
                "M",
                "--text",
                "?",
            ),
            "DATEI:ZEILE",
        ),
        (
            (
                "talk",
                "ask",
                "--client",
                "455148-1",
                "--row",
                f"{DATA / 'receipts.csv'}:99",
                "--to",
                "a@b.de",
                "--from",
                "M",
                "--text",
                "?",
            ),
            "Zeile 99",
        ),
        (
            (
                "talk",
                "ask",
                "--client",
                "455148-1",
                "--item",
                "X",
                "--to",
                "kein mail",
                "--from",
                "M",
                "--text",
                "?",
            ),
            "weder eine E-Mail-Adresse",
        ),
        (
            (
                "talk",
                "ask",
                "--client",
                "abc",
                "--item",
                "X",
                "--to",
                "a@b.de",
                "--from",
                "M",
                "--text",
                "?",
            ),
            "Beraternummer-Mandantennummer",
        ),
        (("talk", "list", "--status", "erledigt"), "Unbekannter Status"),
        (("talk", "close", "42"), "gibt es nicht"),
        (("talk", "delete", "42"), "gibt es nicht"),
    ],
)
def test_bad_input_is_one_german_line_and_exit_3(args, message):
    result = invoke(*args)
    assert result.exit_code == 3, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_send_with_something_due_needs_a_mail_server_and_the_page_address(monkeypatch):
    _ask("--item", "BEL-0042")
    monkeypatch.delenv("WORKBENCH_SMTP_URL", raising=False)
    result = invoke("talk", "send")
    assert result.exit_code == 3 and "kein Mailserver" in result.stderr
    monkeypatch.setenv("WORKBENCH_SMTP_URL", "smtp://127.0.0.1:1?tls=none")
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
    monkeypatch.delenv("WORKBENCH_TALK_URL", raising=False)
    result = invoke("talk", "send")
    assert result.exit_code == 3 and "WORKBENCH_TALK_URL" in result.stderr


def test_send_one_talk_at_once(smtp, monkeypatch):
    monkeypatch.setenv("WORKBENCH_TALK_URL", "https://talk.kanzlei.example")
    _ask("--item", "A-1")
    _ask("--item", "A-2")
    result = invoke("talk", "send", "--talk", "2")
    assert result.stdout.strip() == "1 E-Mail(s) gesendet."
    (mail,) = smtp.inbox.messages
    body = mail.get_content()
    assert "eine neue Frage" in body and "A-2" in body and "A-1" not in body
    assert "https://talk.kanzlei.example/login/" in body
    assert invoke("talk", "send").stdout.strip() == "1 E-Mail(s) gesendet."  # A-1 collected
    listed = json.loads(invoke("talk", "list", "--format", "json").stdout)
    assert {t["messages"][0]["delivery"] for t in listed} == {"per E-Mail benachrichtigt"}


def test_delete_an_unread_message_and_reply():
    _ask("--item", "A-1")
    assert invoke("talk", "delete", "1").exit_code == 0
    reply = invoke("talk", "reply", "1", "--from", "M. Muster", "--text", "Richtig: Beleg A-1")
    assert reply.exit_code == 0
    (talk,) = json.loads(invoke("talk", "list", "--format", "json").stdout)
    assert [m["text"] for m in talk["messages"]] == ["Richtig: Beleg A-1"]


def test_password_from_stdin_and_revoke():
    _ask("--item", "A-1")
    result = runner.invoke(
        app,
        ["talk", "password", "--client", "455148-1", "--to", "chef@mandant.de"],
        input="ein-gutes-passwort\n",
    )
    assert result.exit_code == 0, result.output
    assert invoke("talk", "revoke", "--client", "455148-1").stdout.strip().startswith("0 ")


def test_talks_belong_to_their_kanzlei():
    from workbench.config import load_settings

    nord = invoke(
        "--kanzlei",
        "Nord",
        "talk",
        "ask",
        "--client",
        "455148-1",
        "--item",
        "N-1",
        "--to",
        "a@b.de",
        "--from",
        "M",
        "--text",
        "?",
    )
    assert nord.exit_code == 0, nord.output
    assert json.loads(invoke("talk", "list", "--format", "json").stdout) == []
    listed = json.loads(invoke("--kanzlei", "Nord", "talk", "list", "--format", "json").stdout)
    assert [t["item_id"] for t in listed] == ["N-1"]
    nord_home, home = load_settings(kanzlei="Nord").talk_path, load_settings().talk_path
    assert nord_home.is_file() and nord_home.parent != home.parent
