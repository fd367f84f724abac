"""Collected e-mails to clients: one per recipient with every question not yet announced.

Seed 002: "Um den Mandanten nicht mit E-Mails zu überhäufen, erhält der Ansprechpartner erst
eine (gesammelte) Nachricht über die gestarteten Talks" — or at once for one talk on request
("Email versenden"). Each e-mail carries a fresh login token for that client and recipient;
messages are marked sent only after the mail server accepted the e-mail.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

from workbench.errors import ConfigError
from workbench.mail import SmtpSettings, compose, send_messages
from workbench.talk.store import INTERN, Talk, TalkStore

__all__ = ["DEFAULT_TOKEN_DAYS", "Notice", "due_notices", "send_due"]

#: How long the link in an e-mail stays valid, unless ``[talk] token_days`` says otherwise.
DEFAULT_TOKEN_DAYS = 30


@dataclass(frozen=True)
class Notice:
    """What one e-mail announces: new messages of several talks for one client's recipient."""

    client: str
    recipient: str
    talks: tuple[Talk, ...]

    @property
    def message_ids(self) -> list[int]:
        return [m.id for talk in self.talks for m in talk.visible_messages if m.mail_due]


def due_notices(
    store: TalkStore, *, client: str | None = None, talk_id: int | None = None
) -> list[Notice]:
    """Notices for every (client, recipient) with Kanzlei messages not yet announced."""
    talks = [store.get(talk_id)] if talk_id is not None else store.talks(client=client)
    grouped: dict[tuple[str, str], list[Talk]] = defaultdict(list)
    for talk in talks:
        if client is not None and talk.client != client:
            continue
        if talk.recipient == INTERN or talk.status == "geschlossen":
            continue
        if any(message.mail_due for message in talk.visible_messages):
            grouped[(talk.client, talk.recipient)].append(talk)
    return [Notice(c, r, tuple(found)) for (c, r), found in sorted(grouped.items())]


def send_due(
    store: TalkStore,
    smtp: SmtpSettings,
    *,
    base_url: str | None,
    client: str | None = None,
    talk_id: int | None = None,
    token_days: int = DEFAULT_TOKEN_DAYS,
    kanzlei: str | None = None,
) -> int:
    """Send what is due (all, one client's, or one talk's); returns the number of e-mails."""
    notices = due_notices(store, client=client, talk_id=talk_id)
    if not notices:
        return 0
    if not base_url:
        raise ConfigError(
            "Für den Link in der E-Mail fehlt die Adresse der Mandantenseite: setzen Sie "
            "WORKBENCH_TALK_URL (z. B. https://talk.kanzlei.de) oder [talk] url."
        )
    messages: list[tuple[EmailMessage, Notice]] = []
    for notice in notices:
        token = store.issue_token(
            notice.client, notice.recipient, valid_for=timedelta(days=token_days)
        )
        link = f"{base_url.rstrip('/')}/login/{token}"
        messages.append((_compose(smtp, notice, link, token_days, kanzlei), notice))
    by_id = {id(message): notice for message, notice in messages}

    def record(message: EmailMessage) -> None:
        notice = by_id[id(message)]
        store.mark_sent(notice.message_ids, recipient=notice.recipient)

    return send_messages(smtp, [message for message, _ in messages], on_sent=record)


def _compose(
    smtp: SmtpSettings, notice: Notice, link: str, days: int, kanzlei: str | None
) -> EmailMessage:
    count = len(notice.talks)
    questions = "eine neue Frage" if count == 1 else f"{count} neue Fragen"
    lines = [
        "Guten Tag,",
        "",
        f"Ihre Kanzlei hat {questions} zu Ihrer Buchhaltung (Mandant {notice.client}):",
        "",
    ]
    for talk in notice.talks:
        newest = [m for m in talk.visible_messages if m.mail_due][-1]
        lines.append(f"• {talk.label or talk.item_id}")
        lines.append(f"  {newest.sender}: {_shorten(newest.text)}")
    lines += [
        "",
        "Bitte beantworten Sie die Fragen und laden Sie fehlende Belege direkt hoch:",
        link,
        "",
        f"Der Link gilt {days} Tage und nur für Ihre Fragen. Geben Sie ihn nicht weiter.",
        "",
        "Mit freundlichen Grüßen",
        kanzlei or "Ihre Kanzlei",
    ]
    return compose(
        smtp,
        to=notice.recipient,
        subject=f"Mandantentalk: {questions} Ihrer Kanzlei",
        text="\n".join(lines) + "\n",
        sender_name=kanzlei,
    )


def _shorten(text: str, limit: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
