"""The client page's security over real sockets: scope of a token, expiry, revocation, CSRF,
uploads (size, type, file names), password option, headers."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pages import OPENED, PDF, answer, ask, csrf, login

A, B = "455148-1", "455148-2"


def test_token_of_client_a_never_shows_client_b(page, store):
    mine = ask(store, A, "RE-1")
    theirs = ask(store, B, "RE-2", recipient="chef@anderer.de")
    browser = login(page.url, store, A)
    home = browser.get("/")
    assert "Beleg RE-1" in home.text and "RE-2" not in home.text
    token = csrf(browser)
    assert answer(browser, theirs, token=token).status_code == 404
    assert browser.get(f"/talks/{theirs}/anhang/1").status_code == 404
    assert answer(browser, 999, token=token).status_code == 404
    assert store.get(theirs).status == "offen" and len(store.get(theirs).messages) == 1
    assert answer(browser, mine, token=token).status_code == 303


def test_token_of_one_recipient_does_not_show_colleagues_talks(page, store):
    ask(store, A, "RE-1", recipient="chef@mandant.de")
    other = ask(store, A, "RE-9", recipient="buchhaltung@mandant.de")
    browser = login(page.url, store, A, "chef@mandant.de")
    assert "RE-9" not in browser.get("/").text
    assert answer(browser, other).status_code == 404


def test_expired_token_is_refused(page, store):
    ask(store, A, "RE-1")
    token = store.issue_token(A, "chef@mandant.de", valid_for=timedelta(seconds=-1))
    with httpx.Client(base_url=page.url) as browser:
        answered = browser.get(f"/login/{token}", follow_redirects=False)
        assert answered.status_code == 403
        assert "abgelaufen" in answered.text
        assert "mandantentalk" not in answered.cookies
        assert browser.get("/").status_code == 403


def test_revoked_token_ends_link_and_running_session(page, store):
    ask(store, A, "RE-1")
    token = store.issue_token(A, "chef@mandant.de", valid_for=timedelta(days=1))
    browser = httpx.Client(base_url=page.url)
    OPENED.append(browser)
    assert browser.get(f"/login/{token}", follow_redirects=False).status_code == 303
    assert browser.get("/").status_code == 200
    assert store.revoke_tokens(A, by="test") == 1
    assert browser.get("/").status_code == 403
    assert browser.get(f"/login/{token}", follow_redirects=False).status_code == 403
    assert any(entry["action"] == "zugang widerrufen" for entry in store.audit_log())


def test_unknown_token_and_no_session(page, store):
    with httpx.Client(base_url=page.url) as browser:
        assert browser.get("/login/erfunden").status_code == 403
        assert browser.get("/").status_code == 403
        assert browser.post("/talks/1/antwort", data={"text": "x"}).status_code == 403


def test_answer_without_or_with_foreign_csrf_token_is_refused(page, store):
    talk = ask(store, A, "RE-1")
    browser = login(page.url, store, A)
    other = login(page.url, store, A)
    assert answer(browser, talk, token=False).status_code == 403
    assert answer(browser, talk, token="geraten").status_code == 403
    assert answer(browser, talk, token=csrf(other)).status_code == 403
    assert store.get(talk).status == "offen"
    assert answer(browser, talk).status_code == 303
    assert store.get(talk).status == "beantwortet"


def test_upload_of_25_mb_is_refused_before_it_is_stored(page, store):
    talk = ask(store, A, "RE-1")
    browser = login(page.url, store, A)
    big = PDF + b"0" * (25 * 1024 * 1024)
    refused = answer(browser, talk, file=("rechnung.pdf", big, "application/pdf"))
    assert refused.status_code == 413
    assert "20 MB" in refused.text
    assert store.get(talk).status == "offen"
    assert not (store.files / "uploads").exists() or not any((store.files / "uploads").iterdir())


def test_upload_just_over_the_limit_inside_the_body_limit_is_refused_by_the_check(page, store):
    from workbench.talk.uploads import MAX_UPLOAD_BYTES

    talk = ask(store, A, "RE-1")
    browser = login(page.url, store, A)
    content = PDF + b"0" * (MAX_UPLOAD_BYTES + 1 - len(PDF))
    refused = answer(browser, talk, file=("gross.pdf", content, "application/pdf"))
    assert refused.status_code == 422
    assert "höchstens 20 MB" in refused.text


def test_exe_renamed_pdf_is_refused(page, store):
    talk = ask(store, A, "RE-1")
    browser = login(page.url, store, A)
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 2048
    refused = answer(browser, talk, file=("rechnung.pdf", exe, "application/pdf"))
    assert refused.status_code == 422
    assert "weder ein PDF noch ein Bild" in refused.text
    assert store.get(talk).attachments == ()


@pytest.mark.parametrize(
    "name",
    [
        "../../../../etc/passwd.pdf",
        "..\\..\\windows\\beleg.pdf",
        "/tmp/x/../beleg.pdf",
        "beleg\x00.pdf",
        "..",
        "",
    ],
)
def test_path_traversal_in_file_names_never_leaves_the_store(page, store, tmp_path, name):
    talk = ask(store, A, "RE-1")
    browser = login(page.url, store, A)
    response = answer(browser, talk, file=(name or "x", PDF, "application/pdf"))
    assert response.status_code == 303
    (attachment,) = store.get(talk).attachments
    assert (
        "/" not in attachment.name and "\\" not in attachment.name and "\x00" not in attachment.name
    )
    assert attachment.name.endswith(".pdf")
    stored = store.attachment_path(attachment).resolve()
    assert stored.parent == (store.files / "uploads").resolve()
    assert stored.read_bytes() == PDF
    download = browser.get(f"/talks/{talk}/anhang/{attachment.id}")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"


def test_password_option(page, store, monkeypatch, tmp_path):
    from workbench.config import load_settings
    from workbench.talk.server import start_talk_server

    config = tmp_path / "workbench.toml"
    config.write_text("[talk]\npassword = true\n", encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    talk = ask(store, A, "RE-1")
    store.set_password(A, "chef@mandant.de", "richtig-richtig", by="test")
    with start_talk_server(load_settings(), store=store) as guarded:
        browser = login(guarded.url, store, A)
        assert browser.get("/").status_code == 403  # the token alone is not enough
        form = browser.get("/passwort")
        token = __import__("re").search(r'name="csrf" value="([^"]+)"', form.text).group(1)
        wrong = browser.post("/passwort", data={"csrf": token, "password": "falsch"})
        assert wrong.status_code == 401 and "falsch" in wrong.text
        assert browser.post("/passwort", data={"password": "richtig-richtig"}).status_code == 403
        right = browser.post("/passwort", data={"csrf": token, "password": "richtig-richtig"})
        assert right.status_code == 303
        assert "Beleg RE-1" in browser.get("/").text
        assert answer(browser, talk).status_code == 303


def test_five_wrong_passwords_revoke_the_token(store, monkeypatch, tmp_path):
    import re

    from workbench.config import load_settings
    from workbench.talk.server import start_talk_server

    config = tmp_path / "workbench.toml"
    config.write_text(f'[clients."{A}"]\ntalk_password = true\n', encoding="utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(config))
    ask(store, A, "RE-1")
    store.set_password(A, "chef@mandant.de", "richtig-richtig", by="test")
    with start_talk_server(load_settings(), store=store) as guarded:
        browser = login(guarded.url, store, A)
        token = re.search(r'name="csrf" value="([^"]+)"', browser.get("/passwort").text).group(1)
        codes = [
            browser.post("/passwort", data={"csrf": token, "password": f"nein{n}"}).status_code
            for n in range(5)
        ]
        assert codes == [401, 401, 401, 401, 403]
        assert browser.get("/").status_code == 403
        assert store.tokens(A)[0]["revoked_at"] is not None


def test_pages_send_protective_headers_and_a_strict_cookie(page, store):
    ask(store, A, "RE-1")
    token = store.issue_token(A, "chef@mandant.de", valid_for=timedelta(days=1))
    with httpx.Client(base_url=page.url) as browser:
        redirect = browser.get(f"/login/{token}", follow_redirects=False)
        cookie = redirect.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        home = browser.get("/")
        assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
        assert home.headers["referrer-policy"] == "no-referrer"
        assert home.headers["cache-control"] == "no-store"
        assert token not in home.text


def test_only_hashes_of_tokens_are_stored(store):
    token = store.issue_token(A, "chef@mandant.de", valid_for=timedelta(days=1))
    dump = "\n".join(store._db.iterdump())
    assert token not in dump


def test_unknown_paths_and_methods_answer_with_a_german_page_and_the_headers(page, store):
    """Tour 28 #20: ``/nichtda`` answered a bare English "Not Found" without the headers."""
    with httpx.Client(base_url=page.url) as browser:
        missing = browser.get("/nichtda")
        wrong = browser.post("/talk.css")
    assert missing.status_code == 404 and "Nicht gefunden" in missing.text
    assert wrong.status_code == 405 and "Nicht gefunden" in wrong.text
    for answer_ in (missing, wrong):
        assert answer_.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in answer_.headers["content-security-policy"]
