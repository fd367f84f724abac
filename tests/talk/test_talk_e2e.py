"""Mandantentalk end to end over real sockets: questions -> collected e-mails (SMTP on loopback)
-> the link -> the client answers with text and a PDF -> talk list -> the check no longer
misses the Belegbild -> the transfer (embedded sandbox) closes the talks."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from pages import OPENED, PDF
from typer.testing import CliRunner

from workbench.cli import app

DATA = Path(__file__).resolve().parents[1] / "data" / "bank"
CLIENT = "455148-1"
runner = CliRunner()


def invoke(*args: object):
    return runner.invoke(app, [str(arg) for arg in args])


@pytest.fixture
def receipts(tmp_path) -> Path:
    """The bank test's receipts; every Belegbild is there except ER-2026-0042.pdf (rows 2, 3)."""
    path = tmp_path / "belege.csv"
    shutil.copy(DATA / "receipts.csv", path)
    for name in (
        "ER-2026-0043",
        "ER-2026-0044",
        "ER-2026-0045",
        "RA-2026-0101",
        "RA-2026-0102",
        "RA-2026-0103",
    ):
        (tmp_path / f"{name}.pdf").write_bytes(PDF)
    return path


@pytest.fixture
def talk_url(monkeypatch):
    from workbench.config import load_settings
    from workbench.talk.server import start_talk_server

    with start_talk_server(load_settings()) as server:
        monkeypatch.setenv("WORKBENCH_TALK_URL", server.url)
        yield server.url


def _missing_attachments(receipts: Path) -> set[int]:
    result = invoke("check", "receipts", receipts, "--client", CLIENT, "--format", "json")
    assert result.exit_code in (0, 1, 2), result.output
    return {f["row"] for f in json.loads(result.stdout) if f["rule"] == "attachment.missing"}


def test_questions_mail_answer_check_and_transfer(smtp, talk_url, receipts):
    assert _missing_attachments(receipts) == {2, 3}
    asked = [
        invoke(
            "talk",
            "ask",
            "--client",
            CLIENT,
            "--row",
            f"{receipts}:2",
            "--to",
            "chef@mandant.de",
            "--from",
            "M. Muster",
            "--text",
            "Uns fehlt die Rechnung von Bürobedarf Muster.",
        ),
        invoke(
            "talk",
            "ask",
            "--client",
            CLIENT,
            "--item",
            "BEL-0043-1",
            "--to",
            "chef@mandant.de",
            "--from",
            "M. Muster",
            "--text",
            "Ist der Skontoabzug richtig?",
        ),
        invoke(
            "talk",
            "ask",
            "--client",
            CLIENT,
            "--item",
            "BEL-0101-1",
            "--to",
            "buchhaltung@mandant.de",
            "--from",
            "M. Muster",
            "--text",
            "Bitte die Leistungsbeschreibung ergänzen.",
        ),
        invoke(
            "talk",
            "ask",
            "--client",
            CLIENT,
            "--item",
            "BEL-0101-1",
            "--to",
            "intern",
            "--from",
            "M. Muster",
            "--text",
            "Kollegen: Kunde zahlt spät.",
        ),
    ]
    assert [a.exit_code for a in asked] == [0, 0, 0, 0], [a.output for a in asked]
    first, second, third, internal = (int(a.stdout.strip()) for a in asked)

    sent = invoke("talk", "send")
    assert sent.exit_code == 0, sent.output
    assert "2 E-Mail(s) gesendet" in sent.stdout
    mails = {m["To"]: m for m in smtp.inbox.messages}
    assert sorted(mails) == ["buchhaltung@mandant.de", "chef@mandant.de"]
    chef = mails["chef@mandant.de"].get_content()
    assert "2 neue Fragen" in chef and "Bürobedarf Muster GmbH" in chef
    assert (
        "Kollegen" not in chef and "Kollegen" not in mails["buchhaltung@mandant.de"].get_content()
    )
    assert invoke("talk", "send").stdout.strip() == "0 E-Mail(s) gesendet."  # nothing twice

    link = re.search(rf"{re.escape(talk_url)}/login/\S+", chef).group(0)
    browser = httpx.Client(follow_redirects=True, timeout=30)
    OPENED.append(browser)
    page = browser.get(link)
    assert page.status_code == 200 and str(page.url) == f"{talk_url}/"
    assert "Uns fehlt die Rechnung" in page.text and "Leistungsbeschreibung" not in page.text
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    answered = browser.post(
        f"{talk_url}/talks/{first}/antwort",
        data={"csrf": token, "text": "Hier ist die Rechnung."},
        files={"beleg": ("Rechnung März.pdf", PDF, "application/pdf")},
    )
    assert answered.status_code == 200 and "Danke!" in answered.text

    listed = json.loads(invoke("talk", "list", "--client", CLIENT, "--format", "json").stdout)
    by_id = {talk["id"]: talk for talk in listed}
    assert by_id[first]["status"] == "beantwortet"
    assert by_id[first]["item_id"] == "BEL-0042-1" and by_id[first]["row"] == 2
    assert by_id[first]["source"] == "belege.csv"
    reply = by_id[first]["messages"][-1]
    assert reply["sender"] == "chef@mandant.de" and reply["text"] == "Hier ist die Rechnung."
    assert reply["attachments"][0]["name"] == "Rechnung März.pdf"
    assert by_id[first]["messages"][0]["delivery"] == "gelesen"
    assert by_id[second]["status"] == "offen" and by_id[internal]["status"] == "intern"
    assert {t["id"] for t in listed if t["status"] == "beantwortet"} == {first}

    assert _missing_attachments(receipts) == set()  # the upload is the Beleg's Belegbild now

    transferred = invoke("transfer", "receipts", receipts, "--client", CLIENT, "--yes")
    assert transferred.exit_code == 0, transferred.output
    closed = json.loads(
        invoke("talk", "list", "--status", "geschlossen", "--format", "json").stdout
    )
    assert {talk["id"] for talk in closed} == {first, second, third, internal}
    assert {talk["close_reason"] for talk in closed} == {"bei der Übertragung geschlossen"}
    assert json.loads(invoke("talk", "list", "--status", "offen", "--format", "json").stdout) == []
