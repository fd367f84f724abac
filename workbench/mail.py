"""Sending e-mail over SMTP: one small module every feature that mails uses.

Where the server is comes from the settings file (``[smtp] url``, ``from``, ``cafile``) or the
environment (``WORKBENCH_SMTP_URL``, ``WORKBENCH_SMTP_FROM``), the environment winning; the
password only ever from ``WORKBENCH_SMTP_PASSWORD``, so it is never written to a file. The URL::

    smtp://user@mail.example.de:587     STARTTLS (the default for smtp://, on any port)
    smtps://user@mail.example.de:465    TLS from the first byte
    smtp://127.0.0.1:2525?tls=none      no TLS: only allowed to a loopback server

TLS certificates are always verified (``cafile`` adds a private CA). A login without TLS is
refused, so a password never crosses the network in the clear.

>>> smtp = smtp_settings(load_settings())  # doctest: +SKIP
>>> send_messages(smtp, [compose(smtp, to="a@b.de", subject="Hallo", text="…")])  # doctest: +SKIP
1
"""

from __future__ import annotations

import ipaddress
import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from workbench.config import Settings
from workbench.errors import ConfigError, MailError

__all__ = ["SmtpSettings", "compose", "is_mail_address", "send_messages", "smtp_settings"]

_SECURITY = {"starttls", "tls", "none"}


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over; ``password`` never appears in ``repr``."""

    host: str
    port: int
    security: str  # "starttls", "tls" (implicit) or "none" (loopback only)
    sender: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: Path | None = None
    timeout: float = 30.0

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name are verified; ``cafile`` trusts a private CA as well."""
        return ssl.create_default_context(cafile=str(self.cafile) if self.cafile else None)


def is_mail_address(text: str) -> bool:
    """A plain ``local@domain.tld`` address (no display name, no spaces, no line breaks)."""
    name, address = parseaddr(text)
    if name or address != text or any(char.isspace() for char in text):
        return False
    local, _, domain = address.rpartition("@")
    return bool(local) and "." in domain.strip(".") and ".." not in domain


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The SMTP server from the environment or the settings file; raises ConfigError if unset."""
    configured = settings.smtp
    url = os.environ.get("WORKBENCH_SMTP_URL") or configured.get("url")
    sender = os.environ.get("WORKBENCH_SMTP_FROM") or configured.get("from")
    if not url:
        raise ConfigError(
            "Es ist kein Mailserver eingerichtet. Setzen Sie WORKBENCH_SMTP_URL (z. B. "
            "smtp://benutzer@mail.kanzlei.de:587) oder [smtp] url in der Einstellungsdatei."
        )
    if not sender or not is_mail_address(sender):
        raise ConfigError(
            f"Der Absender '{sender or ''}' ist keine gültige E-Mail-Adresse. Setzen Sie "
            f"WORKBENCH_SMTP_FROM oder [smtp] from (z. B. kanzlei@example.de)."
        )
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigError(
            f"Die Mailserver-Adresse '{parts.scheme}://{parts.hostname or ''}' ist ungültig: "
            f"erwartet wird smtp://host:port oder smtps://host:port."
        )
    query = parse_qs(parts.query)
    security = "tls" if parts.scheme == "smtps" else query.get("tls", ["starttls"])[0]
    if security not in _SECURITY:
        raise ConfigError(
            f"Unbekannte TLS-Einstellung '{security}' in der Mailserver-Adresse: erlaubt sind "
            f"starttls, tls und none."
        )
    if security == "none" and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"Ohne TLS wird nur an einen Mailserver auf diesem Rechner gesendet, nicht an "
            f"{parts.hostname}. Entfernen Sie ?tls=none."
        )
    cafile = configured.get("cafile") or os.environ.get("WORKBENCH_SMTP_CAFILE")
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if security == "tls" else 587),
        security=security,
        sender=sender,
        user=unquote(parts.username) if parts.username else None,
        password=os.environ.get("WORKBENCH_SMTP_PASSWORD") or None,
        cafile=Path(cafile) if cafile else None,
    )


def compose(
    smtp: SmtpSettings,
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    sender_name: str | None = None,
) -> EmailMessage:
    """A UTF-8 message from the configured sender; ``html`` adds an HTML alternative."""
    if not is_mail_address(to):
        raise MailError(f"Die Empfängeradresse '{to}' ist keine gültige E-Mail-Adresse.", value=to)
    message = EmailMessage()
    message["From"] = formataddr((sender_name, smtp.sender)) if sender_name else smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2])
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    if smtp.user and smtp.security == "none":
        raise ConfigError(
            "Eine Anmeldung am Mailserver ohne TLS ist nicht erlaubt (das Passwort ginge im "
            "Klartext über die Leitung)."
        )
    if smtp.user and not smtp.password:
        raise ConfigError(
            f"Für den Mailserver-Benutzer {smtp.user} fehlt das Passwort: setzen Sie "
            f"WORKBENCH_SMTP_PASSWORD."
        )
    if smtp.security == "tls":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=smtp.timeout, context=smtp.tls_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        if smtp.security == "starttls":
            client.starttls(context=smtp.tls_context())
        if smtp.user and smtp.password:
            client.login(smtp.user, smtp.password)
    except BaseException:
        client.close()
        raise
    return client


def send_messages(
    smtp: SmtpSettings,
    messages: Sequence[EmailMessage],
    *,
    on_sent: Callable[[EmailMessage], None] | None = None,
) -> int:
    """Send ``messages`` over one connection; returns how many the server accepted.

    ``on_sent`` is called right after the server accepted each message, so the caller can
    record it before the next one goes out. A refused message raises :class:`MailError`
    naming its recipient; the messages before it stay sent (and recorded).
    """
    if not messages:
        return 0
    try:
        client = _connect(smtp)
    except smtplib.SMTPAuthenticationError as error:
        raise MailError(
            f"Der Mailserver {smtp.host}:{smtp.port} lehnt die Anmeldung von {smtp.user} ab "
            f"({error.smtp_code}). Prüfen Sie Benutzer und WORKBENCH_SMTP_PASSWORD."
        ) from None
    except (OSError, smtplib.SMTPException, ssl.SSLError) as error:
        raise MailError(
            f"Der Mailserver {smtp.host}:{smtp.port} ist nicht erreichbar oder lehnt die "
            f"Verbindung ab: {_reason(error)}"
        ) from None
    sent = 0
    try:
        for message in messages:
            try:
                client.send_message(message)
            except smtplib.SMTPException as error:
                raise MailError(
                    f"Der Mailserver hat die E-Mail an {message['To']} abgelehnt: "
                    f"{_reason(error)}. {sent} E-Mail(s) davor wurden gesendet.",
                    value=str(message["To"]),
                ) from None
            sent += 1
            if on_sent is not None:
                on_sent(message)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return sent


def _reason(error: BaseException) -> str:
    if isinstance(error, socket.timeout):
        return "Zeitüberschreitung"
    if isinstance(error, ConnectionRefusedError):
        return "Verbindung abgelehnt"
    if isinstance(error, smtplib.SMTPNotSupportedError) and "STARTTLS" in str(error):
        return (
            "er bietet kein STARTTLS an. Nehmen Sie smtps:// (TLS ab dem ersten Byte, Port "
            "465) oder einen Server mit STARTTLS; nur ein Server auf diesem Rechner darf ohne "
            "TLS (?tls=none)."
        )
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS-Zertifikat nicht vertrauenswürdig ({error.verify_message})"
    return f"{type(error).__name__}: {error}"
