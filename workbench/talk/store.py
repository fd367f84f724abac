"""Talks (questions about one item of one client), their messages and the client's uploads.

Statuses as FIBUscan's Mandantentalk shows them (seed 002): ``offen`` (waiting for the client,
empty bubble), ``beantwortet`` (the client answered, bubble with dots), ``intern`` (colleagues
only, no e-mail) and ``geschlossen``. A Kanzlei message to a client is due for e-mail until
``talk send`` hands it over; the Kanzlei can take it back while the client has not read it.
Every message and status change is one transaction with its audit entry.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import TalkError
from workbench.mail import is_mail_address
from workbench.talk.access import TalkAccess
from workbench.talk.db import now
from workbench.talk.uploads import StoredFile, store_upload

__all__ = ["INTERN", "STATUSES", "Attachment", "Item", "Message", "Talk", "TalkStore"]

#: The recipient for colleagues only: no e-mail, never shown to the client.
INTERN = "intern"
STATUSES = ("offen", "beantwortet", "intern", "geschlossen")


@dataclass(frozen=True)
class Item:
    """What a talk is about: a source row, a Beleg, a finding or a bank line."""

    item_id: str
    kind: str | None = None
    source: str | None = None
    row: int | None = None
    rule: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Attachment:
    id: int
    message_id: int
    talk_id: int
    name: str
    stored: str
    content_type: str
    size: int
    sha256: str
    at: str


@dataclass(frozen=True)
class Message:
    id: int
    talk_id: int
    author: str  # "kanzlei" or "mandant"
    sender: str
    text: str
    at: str
    mail_due: bool
    sent_at: str | None
    read_at: str | None
    deleted_at: str | None
    attachments: tuple[Attachment, ...] = ()

    @property
    def delivery(self) -> str:
        """Delivery status as the Kanzlei sees it beside the bubble (seed 002, step 9)."""
        if self.deleted_at:
            return "gelöscht"
        if self.author == "mandant":
            return "vom Mandanten"
        if self.read_at:
            return "gelesen"
        if self.sent_at:
            return "per E-Mail benachrichtigt"
        return "wartet auf Versand" if self.mail_due else "intern"


@dataclass(frozen=True)
class Talk:
    id: int
    client: str
    item_id: str
    item_kind: str | None
    source: str | None
    row: int | None
    rule: str | None
    label: str | None
    recipient: str
    status: str
    created_at: str
    created_by: str
    closed_at: str | None
    closed_by: str | None
    close_reason: str | None
    messages: tuple[Message, ...] = field(default=())

    @property
    def visible_messages(self) -> tuple[Message, ...]:
        return tuple(message for message in self.messages if not message.deleted_at)

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(a for message in self.visible_messages for a in message.attachments)


class TalkStore(TalkAccess):
    """The talk store of one Kanzlei (``Settings.talk_path`` and ``Settings.talk_files``).

    >>> store = TalkStore.open(load_settings())  # doctest: +SKIP
    >>> talk = store.ask("455148-1", Item("RE-1001-1"), recipient="a@b.de", sender="M. Muster",
    ...                  text="Bitte den Beleg hochladen.")  # doctest: +SKIP
    """

    @classmethod
    def open(cls, settings: object) -> TalkStore:
        """The store for these settings (path derived from the Kanzlei's home)."""
        return cls(settings.talk_path, files=settings.talk_files)  # type: ignore[attr-defined]

    # --- reading -----------------------------------------------------------------------------

    def get(self, talk_id: int) -> Talk:
        rows = self.query("SELECT * FROM talks WHERE id = ?", (talk_id,))
        if not rows:
            raise TalkError(f"Den Talk {talk_id} gibt es nicht.", value=talk_id)
        return self._with_messages(rows)[0]

    def talks(
        self,
        *,
        client: str | None = None,
        status: str | None = None,
        recipient: str | None = None,
        item_ids: Iterable[str] | None = None,
    ) -> list[Talk]:
        """Talks filtered by client, status, recipient and items, oldest first."""
        where, args = [], []
        for column, value in (("client", client), ("status", status), ("recipient", recipient)):
            if value is not None:
                where.append(f"{column} = ?")
                args.append(value)
        if item_ids is not None:
            wanted = sorted(set(item_ids))
            if not wanted:
                return []
            where.append(f"item_id IN ({','.join('?' * len(wanted))})")
            args.extend(wanted)
        sql = "SELECT * FROM talks" + (f" WHERE {' AND '.join(where)}" if where else "")
        return self._with_messages(self.query(sql + " ORDER BY created_at, id", tuple(args)))

    def _with_messages(self, rows: list[sqlite3.Row]) -> list[Talk]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        marks = ",".join("?" * len(ids))
        files: dict[int, list[Attachment]] = {}
        for row in self.query(
            f"SELECT * FROM attachments WHERE talk_id IN ({marks}) ORDER BY id", tuple(ids)
        ):
            files.setdefault(row["message_id"], []).append(Attachment(**dict(row)))
        messages: dict[int, list[Message]] = {}
        for row in self.query(
            f"SELECT * FROM messages WHERE talk_id IN ({marks}) ORDER BY id", tuple(ids)
        ):
            data = dict(row)
            data["mail_due"] = bool(data["mail_due"])
            messages.setdefault(row["talk_id"], []).append(
                Message(**data, attachments=tuple(files.get(row["id"], ())))
            )
        return [Talk(**dict(row), messages=tuple(messages.get(row["id"], ()))) for row in rows]

    def attachment_path(self, attachment: Attachment) -> Path:
        """Where an upload is on disk (always inside the store's folder)."""
        return self.files / "uploads" / attachment.stored

    # --- writing -----------------------------------------------------------------------------

    def ask(self, client: str, item: Item, *, recipient: str, sender: str, text: str) -> Talk:
        """Start a talk: the first Kanzlei message to ``recipient`` (an e-mail or ``intern``)."""
        recipient = recipient.strip()
        internal = recipient.casefold() == INTERN
        if not internal and not is_mail_address(recipient):
            raise TalkError(
                f"Der Empfänger '{recipient}' ist weder eine E-Mail-Adresse noch 'intern'.",
                value=recipient,
            )
        _require_text(sender, "Absender")
        _require_text(text, "Nachricht")
        at = now()
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO talks (client, item_id, item_kind, source, row, rule, label,"
                " recipient, status, created_at, created_by) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    client,
                    item.item_id,
                    item.kind,
                    item.source,
                    item.row,
                    item.rule,
                    item.label,
                    INTERN if internal else recipient,
                    "intern" if internal else "offen",
                    at,
                    sender.strip(),
                ),
            )
            talk_id = int(cursor.lastrowid or 0)
            self.audit(
                db,
                "talk angelegt",
                talk_id,
                client=client,
                item_id=item.item_id,
                recipient=recipient,
                sender=sender.strip(),
            )
            self._insert_message(db, talk_id, "kanzlei", sender, text, mail_due=not internal)
        return self.get(talk_id)

    def reply(self, talk_id: int, *, sender: str, text: str) -> Talk:
        """A further Kanzlei message; an answered talk waits for the client again."""
        talk = self._open_talk(talk_id)
        _require_text(sender, "Absender")
        _require_text(text, "Nachricht")
        with self.transaction() as db:
            self._insert_message(
                db, talk_id, "kanzlei", sender, text, mail_due=talk.recipient != INTERN
            )
            if talk.status == "beantwortet":
                self._set_status(db, talk, "offen", "Rückfrage der Kanzlei")
        return self.get(talk_id)

    def answer(
        self,
        talk_id: int,
        *,
        client: str,
        sender: str,
        text: str,
        upload: tuple[str, bytes] | None = None,
    ) -> Talk:
        """The client's answer (text and/or one receipt); the talk becomes ``beantwortet``."""
        talk = self._open_talk(talk_id)
        if talk.client != client or talk.recipient == INTERN:
            raise TalkError(f"Den Talk {talk_id} gibt es nicht.", value=talk_id)
        if not text.strip() and upload is None:
            raise TalkError("Bitte schreiben Sie eine Antwort oder laden Sie einen Beleg hoch.")
        stored = store_upload(self.files / "uploads", *upload) if upload else None
        with self.transaction() as db:
            message_id = self._insert_message(
                db,
                talk_id,
                "mandant",
                sender,
                text.strip() or "(Beleg hochgeladen)",
                mail_due=False,
                user=sender,
            )
            if stored is not None:
                self._insert_attachment(db, talk_id, message_id, stored, user=sender)
            if talk.status != "beantwortet":
                self._set_status(db, talk, "beantwortet", "Antwort des Mandanten", user=sender)
        return self.get(talk_id)

    def delete_message(self, message_id: int, *, by: str) -> None:
        """Take back a Kanzlei message the client has not read (seed 002: the "x")."""
        rows = self.query("SELECT * FROM messages WHERE id = ?", (message_id,))
        if not rows or rows[0]["deleted_at"]:
            raise TalkError(f"Die Nachricht {message_id} gibt es nicht.", value=message_id)
        row = rows[0]
        if row["author"] != "kanzlei":
            raise TalkError("Nachrichten des Mandanten können nicht gelöscht werden (GoBD).")
        if row["read_at"]:
            raise TalkError(
                f"Die Nachricht {message_id} hat der Mandant am {row['read_at'][:10]} gelesen; "
                f"sie kann nicht mehr gelöscht werden. Schreiben Sie eine Richtigstellung."
            )
        with self.transaction() as db:
            db.execute(
                "UPDATE messages SET deleted_at = ?, mail_due = 0 WHERE id = ?", (now(), message_id)
            )
            self.audit(
                db,
                "nachricht gelöscht",
                row["talk_id"],
                user=by,
                message_id=message_id,
                text=row["text"],
            )

    def close_talk(
        self, talk_id: int, *, by: str, reason: str = "von der Kanzlei geschlossen"
    ) -> Talk:
        """Close a talk (the red button, seed 002 step 17); a closed talk stays closed."""
        talk = self.get(talk_id)
        if talk.status == "geschlossen":
            raise TalkError(f"Der Talk {talk_id} ist bereits geschlossen ({talk.close_reason}).")
        with self.transaction() as db:
            self._close(db, talk, by=by, reason=reason)
        return self.get(talk_id)

    def close_items(
        self, client: str, item_ids: Iterable[str], *, by: str, reason: str
    ) -> list[int]:
        """Close every not yet closed talk of these items (e.g. when they were transferred)."""
        closed = []
        open_talks = [
            t for t in self.talks(client=client, item_ids=item_ids) if t.status != "geschlossen"
        ]
        with self.transaction() as db:
            for talk in open_talks:
                self._close(db, talk, by=by, reason=reason)
                closed.append(talk.id)
        return closed

    def mark_read(self, talk_ids: Iterable[int], *, client: str, reader: str) -> None:
        """The client saw these talks' Kanzlei messages on the page."""
        ids = list(talk_ids)
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        with self.transaction() as db:
            rows = db.execute(
                f"SELECT m.id, m.talk_id FROM messages m JOIN talks t ON t.id = m.talk_id "
                f"WHERE t.client = ? AND m.author = 'kanzlei' AND m.read_at IS NULL AND "
                f"m.deleted_at IS NULL AND m.talk_id IN ({marks})",
                (client, *ids),
            ).fetchall()
            at = now()
            for row in rows:
                db.execute("UPDATE messages SET read_at = ? WHERE id = ?", (at, row["id"]))
                self.audit(
                    db, "nachricht gelesen", row["talk_id"], user=reader, message_id=row["id"]
                )

    def mark_sent(self, message_ids: Iterable[int], *, recipient: str) -> None:
        """The e-mail announcing these messages was accepted by the mail server."""
        ids = list(message_ids)
        at = now()
        with self.transaction() as db:
            for message_id in ids:
                db.execute(
                    "UPDATE messages SET mail_due = 0, sent_at = ? WHERE id = ?", (at, message_id)
                )
            talk_ids = {
                row[0]
                for row in db.execute(
                    f"SELECT talk_id FROM messages WHERE id IN ({','.join('?' * len(ids))})", ids
                )
            }
            for talk_id in sorted(talk_ids):
                self.audit(
                    db, "e-mail gesendet", talk_id, recipient=recipient, messages=[i for i in ids]
                )

    # --- helpers -----------------------------------------------------------------------------

    def _open_talk(self, talk_id: int) -> Talk:
        talk = self.get(talk_id)
        if talk.status == "geschlossen":
            raise TalkError(
                f"Der Talk {talk_id} ist geschlossen; er nimmt keine Nachrichten mehr an."
            )
        return talk

    def _insert_message(
        self,
        db: sqlite3.Connection,
        talk_id: int,
        author: str,
        sender: str,
        text: str,
        *,
        mail_due: bool,
        user: str | None = None,
    ) -> int:
        cursor = db.execute(
            "INSERT INTO messages (talk_id, author, sender, text, at, mail_due)"
            " VALUES (?,?,?,?,?,?)",
            (talk_id, author, sender.strip(), text.strip(), now(), int(mail_due)),
        )
        message_id = int(cursor.lastrowid or 0)
        self.audit(
            db,
            "nachricht",
            talk_id,
            user=user,
            message_id=message_id,
            author=author,
            sender=sender.strip(),
            text=text.strip(),
        )
        return message_id

    def _insert_attachment(
        self,
        db: sqlite3.Connection,
        talk_id: int,
        message_id: int,
        stored: StoredFile,
        *,
        user: str,
    ) -> None:
        db.execute(
            "INSERT INTO attachments (message_id, talk_id, name, stored, content_type, size,"
            " sha256, at) VALUES (?,?,?,?,?,?,?,?)",
            (
                message_id,
                talk_id,
                stored.name,
                stored.stored,
                stored.content_type,
                stored.size,
                stored.sha256,
                now(),
            ),
        )
        self.audit(
            db,
            "beleg hochgeladen",
            talk_id,
            user=user,
            message_id=message_id,
            name=stored.name,
            size=stored.size,
            sha256=stored.sha256,
        )

    def _set_status(
        self, db: sqlite3.Connection, talk: Talk, status: str, why: str, *, user: str | None = None
    ) -> None:
        db.execute("UPDATE talks SET status = ? WHERE id = ?", (status, talk.id))
        self.audit(db, "status", talk.id, user=user, before=talk.status, after=status, reason=why)

    def _close(self, db: sqlite3.Connection, talk: Talk, *, by: str, reason: str) -> None:
        db.execute(
            "UPDATE talks SET status = 'geschlossen', closed_at = ?, closed_by = ?,"
            " close_reason = ? WHERE id = ?",
            (now(), by, reason, talk.id),
        )
        # Nothing of a closed talk is mailed any more.
        db.execute("UPDATE messages SET mail_due = 0 WHERE talk_id = ?", (talk.id,))
        self.audit(
            db, "status", talk.id, user=by, before=talk.status, after="geschlossen", reason=reason
        )


def _require_text(text: str, what: str) -> None:
    if not text or not text.strip():
        raise TalkError(f"{what} fehlt: bitte ausfüllen.")
