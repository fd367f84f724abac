"""Issue 14.9: every crash the attack found is a clear German message (exit 3, no traceback).

The encrypted workbook ``tests/data/kennwort_geheim.xlsx`` (password "geheim") was made once with
openpyxl and msoffcrypto-tool's ``OOXMLFile.encrypt`` (Agile encryption, as Excel writes it).
"""

import contextlib
import os
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import ProfileError, SourceError
from workbench.sources import load_invoices, load_receipts, rawfile

runner = CliRunner()
DATA = Path(__file__).parent / "data"
HEADER = "InvoiceNo;BookingDate;AccountName;Amount"
GOOD = f"{HEADER}\nR1;01.01.2026;Müller;1,00\n"


def _clear_error(result, *words):
    assert result.exit_code == 3, (result.exit_code, result.output)
    assert "Traceback" not in result.stderr and "Unerwarteter Fehler" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def test_deep_json_names_the_file(tmp_path):
    path = tmp_path / "tief.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _clear_error(runner.invoke(app, ["load", "receipts", str(path)]), "tief.json", "verschachtelt")


@pytest.mark.parametrize(
    ("columns", "words"),
    [
        ("document_id = 5", ["'document_id'", "nicht 5"]),
        ("document_id = [1, 2]", ["'document_id'"]),
        ("document_id = []", ["'document_id'"]),
    ],
)
def test_profile_with_a_value_of_the_wrong_type(write, tmp_path, columns, words):
    profile = tmp_path / "p.toml"
    profile.write_text(
        f'[[receipts]]\nvariant = "x"\ndetect = ["InvoiceNo"]\n[receipts.columns]\n{columns}\n',
        encoding="utf-8",
    )
    with pytest.raises(ProfileError):
        load_receipts(write("a.csv", GOOD), profile=str(profile))
    result = runner.invoke(app, ["load", "receipts", str(write("a.csv", GOOD)), "-p", str(profile)])
    _clear_error(result, "p.toml", "[receipts]", *words)


@pytest.mark.parametrize(
    "toml",
    [
        "receipts = 5\n",
        '[[receipts]]\ndetect = "InvoiceNo"\n',
        "[[receipts]]\nheader_row = 0\n",
        '[[receipts]]\ndelimiter = ";;"\n',
        "[[receipts]]\nvalues = 3\n",
    ],
)
def test_profile_keys_of_the_wrong_shape(tmp_path, toml):
    from workbench.sources import load_profile

    path = tmp_path / "schief.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileError, match=r"schief\.toml"):
        load_profile(path)


def test_a_malformed_user_profile_breaks_only_itself(_isolated_home, write):
    profiles = _isolated_home / "profiles"
    profiles.mkdir()
    (profiles / "kaputt.toml").write_text("[[receipts]\n", encoding="utf-8")
    from workbench.pipeline import detect_profile

    assert detect_profile("receipts", [write("a.csv", GOOD)]) == "juston"
    with pytest.raises(SourceError, match=r"kaputt\.toml"):  # named where it matters
        detect_profile("receipts", [write("b.csv", "x;y\n1;2\n")])


def test_encrypted_workbook_is_called_encrypted_not_broken():
    with pytest.raises(SourceError, match=r"kennwort_geheim\.xlsx ist verschlüsselt"):
        load_invoices(DATA / "kennwort_geheim.xlsx", profile="crmplus")
    result = runner.invoke(
        app, ["load", "invoices", str(DATA / "kennwort_geheim.xlsx"), "-p", "crmplus"]
    )
    _clear_error(result, "verschlüsselt")
    assert "beschädigt" not in result.stderr


@pytest.mark.parametrize("size", [2, 3000])  # read whole / beyond the 64 KiB probe
def test_bare_cr_line_endings_are_read_correctly(tmp_path, size):
    lines = [HEADER] + [f"R{n};01.01.2026;Müller;{n},00" for n in range(1, size + 1)]
    path = tmp_path / "mac.csv"
    path.write_bytes("\r".join(lines).encode("utf-8") + b"\r")
    result = load_receipts(path, profile="juston")
    assert result.frame.height == size
    assert result.frame["source_row"].to_list()[:2] == [2, 3]
    assert result.frame["amount"].to_list()[-1] == float(size)


def test_dev_zero_is_rejected_at_once():
    with pytest.raises(SourceError, match=r"Binärdaten"):
        load_receipts("/dev/zero", profile="juston")
    _clear_error(runner.invoke(app, ["load", "receipts", "/dev/zero", "-p", "juston"]), "zero")


def test_a_pipe_nobody_writes_to_does_not_hang(tmp_path, monkeypatch):
    fifo = tmp_path / "leer.csv"
    os.mkfifo(fifo)
    monkeypatch.setattr(rawfile, "PIPE_WAIT", 0.2)
    with pytest.raises(SourceError, match=r"leer\.csv ist eine Pipe"):
        load_receipts(fifo, profile="juston")


def test_a_pipe_that_sends_binary_data_is_rejected_without_reading_it_all(tmp_path):
    fifo = tmp_path / "strom.csv"
    os.mkfifo(fifo)
    stop = threading.Event()

    def endless_zeros():
        try:
            with open(fifo, "wb") as sink:
                while not stop.is_set():
                    sink.write(b"\0" * 65536)
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=endless_zeros)
    writer.start()
    try:
        with pytest.raises(SourceError, match=r"Binärdaten"):
            load_receipts(fifo, profile="juston")
    finally:
        stop.set()
        writer.join(timeout=10)


def test_a_pipe_larger_than_the_limit_is_refused(tmp_path, monkeypatch):
    fifo = tmp_path / "gross.csv"
    os.mkfifo(fifo)
    monkeypatch.setattr(rawfile, "MAX_STREAM_BYTES", 100_000)
    text = (HEADER + "\n" + "R1;01.01.2026;Müller;1,00\n" * 10_000).encode("utf-8")

    def write_all():
        with contextlib.suppress(BrokenPipeError):
            fifo.write_bytes(text)

    writer = threading.Thread(target=write_all)
    writer.start()
    try:
        with pytest.raises(SourceError, match=r"Datenstrom mit mehr als"):
            load_receipts(fifo, profile="juston")
    finally:
        writer.join(timeout=10)


def test_a_2_gb_sparse_file_is_rejected_without_reading_it(tmp_path):
    import resource

    path = tmp_path / "luecke.csv"
    with path.open("wb") as sparse:
        sparse.truncate(2 * 1024**3)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(SourceError, match=r"luecke\.csv enthält Binärdaten"):
        load_receipts(path, profile="juston")
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 200 * 1024  # far less than the 2 GB it would take to read it


def test_map_onto_a_file_is_a_usage_error(tmp_path, write):
    target = tmp_path / "ziel.txt"
    target.write_text("schon da", encoding="utf-8")
    result = runner.invoke(
        app, ["map", "receipts", str(write("a.csv", GOOD)), "--client", "455148-1", "--out",
              str(target)]
    )  # fmt: skip
    _clear_error(result, "ziel.txt", "kein Ordner")
    assert target.read_text(encoding="utf-8") == "schon da"


def test_a_100_mb_field_is_printed_once_and_short(tmp_path):
    path = tmp_path / "riesig.csv"
    path.write_text(f"{HEADER}\nR1;01.01.2026;{'X' * (100 * 1024 * 1024)};kaputt\n", "utf-8")
    result = runner.invoke(app, ["check", "receipts", str(path), "--client", "455148-1"])
    assert result.exit_code == 2
    assert len(result.stdout) < 10_000
    assert "(104.857.600 Zeichen)" in result.stdout


def test_a_shortened_message_keeps_its_commas():
    """Only the character count gets German digit grouping; the text itself stays as it was."""
    from workbench.cli._app import _short

    shown = _short("Zeile 2, Spalte 3: " + "Konto, Gegenkonto, " * 100, 60)
    assert shown.startswith("Zeile 2, Spalte 3: Konto, Gegenkonto, ")
    assert shown.endswith("… (1.919 Zeichen)")


def test_an_unknown_client_is_called_unknown():
    result = runner.invoke(
        app, ["check", "receipts", str(DATA.parent.parent / "data" / "samples" /
              "receipts_juston_kasse.csv"), "--client", "455148-99"]
    )  # fmt: skip
    _clear_error(result, "455148-99", "gibt es bei DATEV nicht")
    assert "zwei Monaten" not in result.stderr


def test_status_and_delete_print_transfers_without_job_ids(_isolated_home):
    from workbench.config import load_settings
    from workbench.transfer.ledger import Ledger

    ledger = Ledger(load_settings().ledger_path)
    created = ledger.create(
        client="3",  # a calls transfer: DATEVconnect's client number, no DATEV job
        kind="calls",
        channel="connect",
        month="2026-01",
        document_kind="Auslagen",
        items=[{"item_id": "C1", "content_hash": "h"}],
    )
    ledger.update(created.id, action="vorbereitet", local_status="Vorbereitet zur Übertragung")
    ledger.close()
    listing = runner.invoke(app, ["status"])
    assert listing.exit_code == 0, listing.output
    assert created.id in listing.stdout
    deleted = runner.invoke(app, ["delete", created.id, "--yes"])
    assert deleted.exit_code == 0, deleted.output
    assert "Gelöscht" in deleted.stdout


def test_sandbox_state_of_an_older_version_is_named_not_a_500(tmp_path, monkeypatch):
    """A sandbox state written by an older version (a table without a column this version
    writes) was opened as it was, and the first write answered HTTP 500 ("table
    account_bookings has no column named lines"). Now the sandbox refuses it on start, naming
    the file, the table and what to do."""
    import sqlite3

    home = tmp_path / "home"
    state = home / "sandbox" / "sandbox.sqlite3"
    state.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(state)) as old:
        old.execute(
            "CREATE TABLE account_bookings (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            " client_id TEXT NOT NULL, origin TEXT NOT NULL, date TEXT NOT NULL,"
            " visible_at REAL NOT NULL, deleted INTEGER NOT NULL DEFAULT 0, posting TEXT NOT NULL)"
        )
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.delenv("WORKBENCH_SANDBOX_URL", raising=False)
    csv = tmp_path / "belege.csv"
    csv.write_text(GOOD, encoding="utf-8")
    result = runner.invoke(app, ["check", "receipts", str(csv), "--client", "455148-1"])
    _clear_error(result, "Sandbox", str(state.parent), "account_bookings", "lines", "löschen")
