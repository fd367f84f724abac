"""Issue 14.11: the token file is 0600 from its creation on; the embedded sandbox reuses the
stored session instead of logging in once per command, and keeps its token table 0600."""

import os
import stat

from cryptography.fernet import Fernet

from workbench.config import load_settings
from workbench.pipeline.connection import connect
from workbench.transfer.auth import TokenSet, TokenStore


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_token_file_is_never_readable_by_others_not_even_while_written(tmp_path, monkeypatch):
    store = TokenStore(tmp_path / "tokens.bin", Fernet.generate_key())
    created = []
    real_open = os.open

    def watching_open(path, flags, mode=0o777, *args, **kwargs):
        fd = real_open(path, flags, mode, *args, **kwargs)
        if flags & os.O_CREAT and str(path).startswith(str(tmp_path)):
            created.append((os.path.basename(path), stat.S_IMODE(os.fstat(fd).st_mode)))
        return fd

    monkeypatch.setattr(os, "open", watching_open)
    old = os.umask(0o022)  # a usual umask: files would be 0644 unless asked otherwise
    try:
        store.save("default", "online", TokenSet(access_token="geheim", expires_at=1.0))
    finally:
        os.umask(old)
    assert created, "the token file must be created with os.open and an explicit mode"
    assert all(mode == 0o600 for _, mode in created), created
    assert _mode(tmp_path / "tokens.bin") == 0o600


def _logins(home):
    import sqlite3

    with sqlite3.connect(home / "sandbox" / "sandbox.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM tokens WHERE kind = 'code'").fetchone()[0]


def test_the_embedded_sandbox_reuses_the_session_across_commands(_isolated_home):
    for _ in range(3):
        with connect() as connection:
            assert connection.datev.list_clients()
    assert _logins(_isolated_home) == 1


def test_a_stored_session_the_sandbox_no_longer_knows_leads_to_one_new_login(_isolated_home):
    with connect() as connection:
        connection.sandbox.state.reset()  # the sandbox forgot every token
    with connect() as connection:
        assert connection.datev.list_clients()
    with connect() as connection:
        assert connection.datev.list_clients()
    assert _logins(_isolated_home) == 1  # after the reset: exactly one more, then reused


def test_sandbox_state_and_session_files_are_private(_isolated_home):
    with connect() as connection:
        connection.datev.list_clients()
    folder = load_settings().home / "sandbox"
    assert _mode(folder) == 0o700
    private = [path for path in folder.iterdir() if path.is_file()]
    assert {path.name for path in private} >= {"sandbox.sqlite3", "session.json"}
    for path in private:
        assert _mode(path) == 0o600, path
