"""Access to the client page: login tokens from the e-mail link, sessions, optional passwords.

A token is 32 random bytes (URL-safe), stored only as its SHA-256 (a fast hash is enough for a
secret of that strength), limited to one client and one recipient, expiring and revocable.
Following the link trades the token for a session cookie (the token leaves the address bar).
With the option "Mandantentalk Passwort" the session counts only after the client's password
(scrypt) was entered; five wrong passwords revoke the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from workbench.errors import TalkError
from workbench.talk.db import TalkDb, now

__all__ = ["MAX_FAILED_LOGINS", "SESSION_HOURS", "PageSession", "TalkAccess"]

MAX_FAILED_LOGINS = 5
SESSION_HOURS = 12
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}


@dataclass(frozen=True)
class PageSession:
    """A client's session on the page: whose talks it may show, and its CSRF token."""

    session_id: str
    token_id: int
    client: str
    recipient: str
    csrf: str
    authenticated: bool


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class TalkAccess(TalkDb):
    """Token, session and password methods of :class:`~workbench.talk.store.TalkStore`."""

    def issue_token(self, client: str, recipient: str, *, valid_for: timedelta) -> str:
        """A new login token for ``recipient``'s talks of ``client``; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        created = datetime.now(UTC)
        with self.transaction() as db:
            cursor = db.execute(
                "INSERT INTO access_tokens (client, recipient, token_hash, created_at, expires_at)"
                " VALUES (?,?,?,?,?)",
                (client, recipient, _digest(token), _stamp(created), _stamp(created + valid_for)),
            )
            self.audit(
                db,
                "zugang erstellt",
                client=client,
                recipient=recipient,
                token_id=cursor.lastrowid,
                expires_at=_stamp(created + valid_for),
            )
        return token

    def revoke_tokens(self, client: str, *, recipient: str | None = None, by: str) -> int:
        """Revoke every live token of ``client`` (or of one recipient); their sessions end."""
        sql = "SELECT id FROM access_tokens WHERE client = ? AND revoked_at IS NULL"
        args: tuple = (client,)
        if recipient:
            sql, args = sql + " AND recipient = ?", (client, recipient)
        with self.transaction() as db:
            ids = [row[0] for row in db.execute(sql, args)]
            for token_id in ids:
                self._revoke(db, token_id, by=by, reason="widerrufen")
        return len(ids)

    def tokens(self, client: str | None = None) -> list[dict]:
        """Issued tokens (never the secrets): recipient, created, expires, revoked, last use."""
        sql = (
            "SELECT id, client, recipient, created_at, expires_at, revoked_at, last_used_at "
            "FROM access_tokens"
        )
        rows = self.query(
            sql + (" WHERE client = ?" if client else "") + " ORDER BY id",
            (client,) if client else (),
        )
        return [dict(row) for row in rows]

    def login(self, token: str, *, password_required: Callable[[str], bool]) -> PageSession | None:
        """Trade a valid token for a new session; None for unknown, expired or revoked tokens.

        ``password_required(client)`` says whether the session still needs the password.
        """
        row = self._live_token("token_hash = ?", _digest(token))
        if row is None:
            return None
        needs_password = password_required(row["client"])
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        expires = min(
            datetime.fromisoformat(row["expires_at"]),
            datetime.now(UTC) + timedelta(hours=SESSION_HOURS),
        )
        with self.transaction() as db:
            db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?,?)",
                (
                    _digest(session_id),
                    row["id"],
                    csrf,
                    int(not needs_password),
                    now(),
                    _stamp(expires),
                ),
            )
            db.execute("UPDATE access_tokens SET last_used_at = ? WHERE id = ?", (now(), row["id"]))
            self.audit(
                db,
                "anmeldung per link",
                user=row["recipient"],
                client=row["client"],
                token_id=row["id"],
            )
        return PageSession(
            session_id, row["id"], row["client"], row["recipient"], csrf, not needs_password
        )

    def revoke_session(self, session_id: str) -> None:
        """End one session (the client logged out)."""
        with self.transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (_digest(session_id),))

    def session(self, session_id: str | None) -> PageSession | None:
        """The live session for a cookie value (its token still valid), or None."""
        if not session_id:
            return None
        rows = self.query("SELECT * FROM sessions WHERE id_hash = ?", (_digest(session_id),))
        if not rows or datetime.fromisoformat(rows[0]["expires_at"]) <= datetime.now(UTC):
            return None
        token = self._live_token("id = ?", rows[0]["token_id"])
        if token is None:
            return None
        return PageSession(
            session_id,
            token["id"],
            token["client"],
            token["recipient"],
            rows[0]["csrf"],
            bool(rows[0]["authenticated"]),
        )

    def check_password(self, page: PageSession, password: str) -> bool:
        """Complete a session with the client's password; five failures revoke the token."""
        rows = self.query(
            "SELECT * FROM passwords WHERE client = ? AND recipient = ?",
            (page.client, page.recipient),
        )
        good = bool(rows) and hmac.compare_digest(
            rows[0]["hash"], _scrypt(password, bytes.fromhex(rows[0]["salt"]))
        )
        with self.transaction() as db:
            if good:
                db.execute(
                    "UPDATE sessions SET authenticated = 1 WHERE id_hash = ?",
                    (_digest(page.session_id),),
                )
                self.audit(db, "passwort bestätigt", user=page.recipient, client=page.client)
                return True
            failed = db.execute(
                "UPDATE access_tokens SET failed_logins = failed_logins + 1 WHERE id = ? "
                "RETURNING failed_logins",
                (page.token_id,),
            ).fetchone()[0]
            self.audit(
                db,
                "passwort falsch",
                user=page.recipient,
                client=page.client,
                token_id=page.token_id,
                failed=failed,
            )
            if failed >= MAX_FAILED_LOGINS:
                self._revoke(db, page.token_id, by="system", reason="zu viele falsche Passwörter")
        return False

    def set_password(self, client: str, recipient: str, password: str, *, by: str) -> None:
        """Set the client's page password ("Mandantentalk Passwort"), at least 10 characters."""
        if len(password) < 10:
            raise TalkError("Das Passwort muss mindestens 10 Zeichen lang sein.")
        salt = secrets.token_bytes(16)
        with self.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO passwords VALUES (?,?,?,?,?)",
                (client, recipient, salt.hex(), _scrypt(password, salt), now()),
            )
            self.audit(db, "passwort gesetzt", user=by, client=client, recipient=recipient)

    def has_password(self, client: str, recipient: str) -> bool:
        return bool(
            self.query(
                "SELECT 1 FROM passwords WHERE client = ? AND recipient = ?", (client, recipient)
            )
        )

    def _live_token(self, where: str, value: object) -> dict | None:
        rows = self.query(f"SELECT * FROM access_tokens WHERE {where}", (value,))
        if not rows:
            return None
        row = dict(rows[0])
        if row["revoked_at"] or datetime.fromisoformat(row["expires_at"]) <= datetime.now(UTC):
            return None
        return row

    def _revoke(self, db: sqlite3.Connection, token_id: int, *, by: str, reason: str) -> None:
        db.execute("UPDATE access_tokens SET revoked_at = ? WHERE id = ?", (now(), token_id))
        db.execute("DELETE FROM sessions WHERE token_id = ?", (token_id,))
        self.audit(db, "zugang widerrufen", user=by, token_id=token_id, reason=reason)


def _scrypt(password: str, salt: bytes) -> str:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, **_SCRYPT).hex()
