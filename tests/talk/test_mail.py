"""workbench.mail against a real SMTP server on loopback (STARTTLS, AUTH, certificate check)."""

from __future__ import annotations

import pytest
from smtp_server import PASSWORD, start_smtp

from workbench.config import load_settings
from workbench.errors import ConfigError, MailError
from workbench.mail import compose, is_mail_address, send_messages, smtp_settings


@pytest.mark.parametrize(
    ("url", "host", "port", "security", "user"),
    [
        ("smtp://kanzlei@mail.example.de", "mail.example.de", 587, "starttls", "kanzlei"),
        ("smtp://mail.example.de:25", "mail.example.de", 25, "starttls", None),
        ("smtps://a%40b.de@mail.example.de", "mail.example.de", 465, "tls", "a@b.de"),
        ("smtp://127.0.0.1:2525?tls=none", "127.0.0.1", 2525, "none", None),
    ],
)
def test_smtp_url_forms(monkeypatch, url, host, port, security, user):
    monkeypatch.setenv("WORKBENCH_SMTP_URL", url)
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", "geheim")
    smtp = smtp_settings(load_settings())
    assert (smtp.host, smtp.port, smtp.security, smtp.user) == (host, port, security, user)
    assert "geheim" not in repr(smtp)


@pytest.mark.parametrize(
    ("url", "sender", "message"),
    [
        (None, "kanzlei@example.de", "kein Mailserver"),
        ("smtp://mail.example.de", "keine-adresse", "keine gültige E-Mail-Adresse"),
        ("http://mail.example.de", "kanzlei@example.de", "ungültig"),
        ("smtp://mail.example.de?tls=none", "kanzlei@example.de", "Ohne TLS"),
        ("smtp://mail.example.de?tls=ssl3", "kanzlei@example.de", "Unbekannte TLS"),
    ],
)
def test_smtp_settings_refuse_bad_configuration(monkeypatch, url, sender, message):
    if url:
        monkeypatch.setenv("WORKBENCH_SMTP_URL", url)
    else:
        monkeypatch.delenv("WORKBENCH_SMTP_URL", raising=False)
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", sender)
    with pytest.raises(ConfigError, match=message):
        smtp_settings(load_settings())


def test_settings_file_provides_smtp_and_talk_url(tmp_path, monkeypatch):
    config = tmp_path / "workbench.toml"
    config.write_text(
        '[smtp]\nurl = "smtps://mail.kanzlei.de"\nfrom = "talk@kanzlei.de"\n'
        '[talk]\nurl = "https://talk.kanzlei.de"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    monkeypatch.delenv("WORKBENCH_SMTP_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_SMTP_FROM", raising=False)
    settings = load_settings()
    smtp = smtp_settings(settings)
    assert (smtp.host, smtp.security, smtp.sender) == ("mail.kanzlei.de", "tls", "talk@kanzlei.de")
    assert settings.talk_url == "https://talk.kanzlei.de"
    monkeypatch.setenv("WORKBENCH_TALK_URL", "https://anders.example")
    assert load_settings().talk_url == "https://anders.example"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("a@b.de", True),
        ("max.muster@firma-gmbh.example", True),
        ("Max <a@b.de>", False),
        ("a@b", False),
        ("a@b.de\nBcc: x@y.de", False),
        ("intern", False),
    ],
)
def test_mail_addresses(text, ok):
    assert is_mail_address(text) is ok


def test_starttls_login_and_delivery(smtp):
    settings = smtp_settings(load_settings())
    sent_to = []
    messages = [
        compose(settings, to=f"m{n}@example.de", subject="Grüße", text=f"Hallo {n} – ä")
        for n in range(2)
    ]
    count = send_messages(settings, messages, on_sent=lambda m: sent_to.append(m["To"]))
    assert count == 2 and sent_to == ["m0@example.de", "m1@example.de"]
    assert [m["To"] for m in smtp.inbox.messages] == sent_to
    assert smtp.inbox.messages[0].get_content().strip() == "Hallo 0 – ä"
    assert smtp.inbox.envelopes[0][0] == "kanzlei@example.de"


def test_wrong_password_and_untrusted_certificate_are_clear_errors(smtp, monkeypatch):
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", "falsch")
    settings = smtp_settings(load_settings())
    message = compose(settings, to="a@b.de", subject="x", text="x")
    with pytest.raises(MailError, match="lehnt die Anmeldung"):
        send_messages(settings, [message])
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", PASSWORD)
    monkeypatch.delenv("WORKBENCH_SMTP_CAFILE")
    with pytest.raises(MailError, match="TLS-Zertifikat nicht vertrauenswürdig"):
        send_messages(smtp_settings(load_settings()), [message])
    assert smtp.inbox.messages == []


def test_unreachable_server(monkeypatch, tmp_path):
    server = start_smtp(tmp_path)
    server.stop()
    monkeypatch.setenv("WORKBENCH_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
    settings = smtp_settings(load_settings())
    with pytest.raises(MailError, match="nicht erreichbar"):
        send_messages(settings, [compose(settings, to="a@b.de", subject="x", text="x")])


def test_a_server_without_starttls_is_named_in_german(monkeypatch):
    """Tour 28 #19: "… SMTPNotSupportedError: STARTTLS extension not supported by server."."""
    from aiosmtpd.controller import Controller
    from smtp_server import Inbox, _free_port

    port = _free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        monkeypatch.setenv("WORKBENCH_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
        settings = smtp_settings(load_settings())
        with pytest.raises(MailError) as raised:
            send_messages(settings, [compose(settings, to="a@b.de", subject="x", text="x")])
    finally:
        controller.stop()
    assert "bietet kein STARTTLS an" in str(raised.value)
    assert "smtps://" in str(raised.value) and "SMTPNotSupportedError" not in str(raised.value)
