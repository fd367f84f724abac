"""The talk store: statuses, delivery, taking back unread messages, GoBD rules, audit log."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from pages import PDF

from workbench.errors import TalkError
from workbench.talk import Item, due_notices

A = "455148-1"


def _ask(store, recipient="chef@mandant.de", item="RE-1"):
    return store.ask(A, Item(item), recipient=recipient, sender="M. Muster", text="Beleg fehlt?")


def test_statuses_follow_the_conversation(store):
    talk = _ask(store)
    assert talk.status == "offen" and talk.messages[0].delivery == "wartet auf Versand"
    talk = store.answer(talk.id, client=A, sender="chef@mandant.de", text="Kommt gleich.")
    assert talk.status == "beantwortet"
    talk = store.reply(talk.id, sender="M. Muster", text="Und der Lieferschein?")
    assert talk.status == "offen"
    talk = store.close_talk(talk.id, by="M. Muster")
    assert talk.status == "geschlossen" and talk.closed_by == "M. Muster"
    with pytest.raises(TalkError, match="geschlossen"):
        store.answer(talk.id, client=A, sender="chef@mandant.de", text="Noch was")
    with pytest.raises(TalkError, match="bereits geschlossen"):
        store.close_talk(talk.id, by="M. Muster")


def test_internal_talks_are_never_mailed_nor_answerable_by_the_client(store):
    talk = _ask(store, recipient="intern")
    assert talk.status == "intern" and talk.messages[0].delivery == "intern"
    assert due_notices(store) == []
    with pytest.raises(TalkError, match="gibt es nicht"):
        store.answer(talk.id, client=A, sender="x@y.de", text="Hallo")


@pytest.mark.parametrize(
    ("recipient", "sender", "text", "message"),
    [
        ("kein-mail", "M. Muster", "Frage", "weder eine E-Mail-Adresse noch 'intern'"),
        ("a@b.de", " ", "Frage", "Absender fehlt"),
        ("a@b.de", "M. Muster", "", "Nachricht fehlt"),
    ],
)
def test_ask_refuses_incomplete_questions(store, recipient, sender, text, message):
    with pytest.raises(TalkError, match=message):
        store.ask(A, Item("RE-1"), recipient=recipient, sender=sender, text=text)


def test_sender_takes_back_an_unread_message_but_not_a_read_one(store):
    talk = _ask(store)
    store.delete_message(talk.messages[0].id, by="M. Muster")
    talk = store.get(talk.id)
    assert talk.visible_messages == () and talk.messages[0].delivery == "gelöscht"
    assert due_notices(store) == []
    second = store.reply(talk.id, sender="M. Muster", text="Neue Frage")
    store.mark_read([talk.id], client=A, reader="chef@mandant.de")
    with pytest.raises(TalkError, match="gelesen"):
        store.delete_message(second.visible_messages[-1].id, by="M. Muster")
    answer = store.answer(talk.id, client=A, sender="chef@mandant.de", text="Hier")
    with pytest.raises(TalkError, match="Mandanten können nicht gelöscht"):
        store.delete_message(answer.visible_messages[-1].id, by="M. Muster")
    deleted = [e for e in store.audit_log(talk.id) if e["action"] == "nachricht gelöscht"]
    assert len(deleted) == 1 and "Beleg fehlt?" in deleted[0]["details"]


def test_collected_notices_group_per_client_and_recipient(store):
    _ask(store, item="RE-1")
    _ask(store, item="RE-2")
    _ask(store, recipient="buha@mandant.de", item="RE-3")
    store.ask("455148-2", Item("RE-4"), recipient="chef@mandant.de", sender="M", text="?")
    notices = due_notices(store)
    assert [(n.client, n.recipient, len(n.talks)) for n in notices] == [
        (A, "buha@mandant.de", 1),
        (A, "chef@mandant.de", 2),
        ("455148-2", "chef@mandant.de", 1),
    ]
    assert len(due_notices(store, client=A)) == 2
    one = due_notices(store, talk_id=notices[1].talks[0].id)
    assert [(n.recipient, len(n.talks)) for n in one] == [("chef@mandant.de", 1)]


def test_audit_log_is_append_only_and_talks_are_never_deleted(store):
    talk = _ask(store)
    store.answer(talk.id, client=A, sender="chef@mandant.de", text="", upload=("r.pdf", PDF))
    actions = [entry["action"] for entry in store.audit_log(talk.id)]
    assert actions == ["talk angelegt", "nachricht", "nachricht", "beleg hochgeladen", "status"]
    for sql in (
        "UPDATE audit SET action = 'x'",
        "DELETE FROM audit",
        "DELETE FROM talks",
        "DELETE FROM messages",
        "DELETE FROM attachments",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            store._db.execute(sql)


def test_answer_needs_text_or_a_receipt(store):
    talk = _ask(store)
    with pytest.raises(TalkError, match="Antwort"):
        store.answer(talk.id, client=A, sender="chef@mandant.de", text="  ")


def test_close_items_closes_open_talks_of_those_items_only(store):
    one, two = _ask(store, item="RE-1"), _ask(store, item="RE-2")
    closed = store.close_items(A, ["RE-1", "RE-9"], by="Übertragung", reason="übertragen")
    assert closed == [one.id]
    assert store.get(two.id).status == "offen"
    assert store.close_items(A, ["RE-1"], by="Übertragung", reason="übertragen") == []


def test_tokens_expire_and_list_without_secrets(store):
    token = store.issue_token(A, "chef@mandant.de", valid_for=timedelta(days=1))
    (listed,) = store.tokens(A)
    assert token not in str(listed) and listed["revoked_at"] is None
    page = store.login(token, password_required=lambda client: False)
    assert page is not None and page.client == A and page.authenticated
    assert store.session(page.session_id) == page
    store.revoke_session(page.session_id)
    assert store.session(page.session_id) is None


def test_password_needs_ten_characters(store):
    with pytest.raises(TalkError, match="10 Zeichen"):
        store.set_password(A, "chef@mandant.de", "kurz", by="test")
