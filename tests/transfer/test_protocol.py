"""DATEV's protocol of a data transfer as a bookkeeper reads it (tour 27, defect 14): receipt
confirmations counted, every rejection kept, the whole protocol stored however long it is, and
``workbench status ID --protocol`` on a transfer of 9,000 Belegbilder (JSON: every entry).

Entries follow DATEV's ProtocolEntry (accounting_dxso-jobs-2.1.7.json: time, text, context,
type, filename); the texts are the sandbox's, "wurde empfangen!" and "wurde in die
Belegverwaltung übernommen!" DATEV's own (OpenAPI example, FACTS.md).
"""

from __future__ import annotations

import json

import polars as pl
import pytest
from receipts_fixture import receipt_records
from transfer_helpers import transfer_records
from typer.testing import CliRunner

from workbench.cli import app
from workbench.transfer.backmap import backmap_findings
from workbench.transfer.ledger import Ledger
from workbench.transfer.protocol import group_protocol, protocol_headline
from workbench.transfer.status import refresh_status

TIME = "2026-02-03T10:15:00+01:00"


def big_protocol(belege: int = 9000, rejected: int = 14) -> list[dict]:
    """A transfer of ``belege`` Belegbilder of which ``rejected`` are not taken over."""

    def entry(text, kind="information", filename=None, context=None, time=TIME):
        found = {"time": time, "text": text, "type": kind, "filename": filename}
        return found | ({"context": context} if context else {})

    names = [f"BEL-{number:05d}.pdf" for number in range(1, belege + 1)]
    refused = set(names[100 : 100 + rejected])
    entries = [entry("wurde empfangen!", filename=name) for name in [*names, "document.xml"]]
    entries.append(entry("nachfolgende Belege werden nach Belege online übernommen!"))
    for number, name in enumerate(names, start=1):
        if name in refused:
            entries.append(entry(f"Die Datei {name} ist leer.", "error", name))
            entries.append(entry("Beleg wurde nicht übernommen!", "error", name, f"Beleg {number}"))
        else:
            context = f"Beleg-ID Nr. {number:032X}"
            entries.append(entry("wurde in die Belegverwaltung übernommen!", filename=name,
                                 context=context, time="2026-02-03T10:16:40+01:00"))  # fmt: skip
    entries.append(
        entry(
            "Die Datei ist in document.xml nicht beschrieben und wurde nicht übernommen.",
            "warning",
            "notiz.txt",
        )
    )
    entries.append(entry(f"Verarbeitung abgeschlossen: {belege - rejected} von {belege} "
                         f"Belegen übernommen."))  # fmt: skip
    return entries


def test_confirmations_are_counted_and_every_rejected_file_is_one_line():
    entries = big_protocol()
    lines = group_protocol(entries)
    assert len(lines) < 25  # not 18,018
    errors = [line for line in lines if line.type == "error"]
    assert [line.filename for line in errors] == [f"BEL-{n:05d}.pdf" for n in range(101, 115)]
    first = errors[0]
    assert first.text == "Die Datei BEL-00101.pdf ist leer.; Beleg wurde nicht übernommen!"
    assert (first.context, first.entries) == ("Beleg 101", 2)
    received = next(line for line in lines if line.text == "wurde empfangen!")
    assert (received.entries, received.files, received.filename) == (9001, 9001, None)
    taken = next(line for line in lines if line.text.startswith("wurde in die Beleg"))
    assert (taken.entries, taken.context) == (8986, None)  # 8,986 Beleg-IDs are not one context
    assert [line.type for line in lines[:15]] == ["error"] * 14 + ["warning"]
    assert sum(line.entries for line in lines) == len(entries)  # nothing lost


def test_the_headline_says_what_went_through_in_numbers():
    headline = protocol_headline(big_protocol())
    assert headline == (
        "9.001 Dateien empfangen, 8.986 in die Belegverwaltung übernommen; "
        "14 Dateien mit Fehlern, 1 Datei mit Warnung (je eine Zeile unten)."
    )
    assert protocol_headline([]) == "Das Protokoll ist leer."


def test_a_single_confirmation_keeps_its_file_and_context():
    [line] = group_protocol(
        [{"time": TIME, "text": "wurde empfangen!", "type": "information", "filename": "a.pdf"}]
    )
    assert (line.filename, line.entries, line.files) == ("a.pdf", 1, 1)


def test_invoice_handovers_with_their_number_fold_into_one_line():
    entries = [
        {"time": TIME, "text": f"Rechnungsinformation wurden an Rechnungseingangsbuch"
         f"(RE-{n}/01.2026) übergeben!", "type": "information", "filename": f"RE-{n}.xml"}
        for n in range(40)
    ]  # fmt: skip
    [line] = group_protocol(entries)
    assert line.text == "Rechnungsinformation wurden an Rechnungseingangsbuch(…) übergeben!"
    assert line.entries == 40


@pytest.fixture
def ledger(tmp_path):
    opened = Ledger(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


def test_a_protocol_longer_than_1000_lines_is_stored_whole(
    sandbox, client, session, ledger, tmp_path
):
    """The first thousand lines of a large transfer are receipt confirmations; DATEV's
    rejections come after them and must not be cut off."""
    records = receipt_records(month="2026-09", prefix="PL", documents=2).with_columns(
        pl.when(pl.col("item_id") == "PL-2-1")
        .then(pl.lit("Zahlung\u00a0bar"))
        .otherwise(pl.col("bookingText"))
        .alias("bookingText")
    )
    [transfer] = transfer_records(
        ledger, client, client="455148-1", records=records, out_dir=tmp_path / "out"
    )
    now = sandbox.state.clock.now()
    with sandbox.state.store.transaction() as conn:  # as if 1,200 more files had been sent
        conn.executemany(
            "INSERT INTO protocol (job_id, time, visible_at, text, context, type, filename) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                (transfer.job_id, now, now, "wurde empfangen!", None, "information", f"{n}.pdf")
                for n in range(1200)
            ],
        )
    sandbox.state.clock.advance(60)
    refreshed = refresh_status(ledger, client, transfer.id, confirm=True)
    assert refreshed.datev_status == "4"
    stored = ledger.get(transfer.id).protocol
    assert len(stored) > 1200
    assert any("Intruder Alert" in entry["text"] for entry in stored)
    found = backmap_findings(ledger, transfer.id)
    assert found.filter(pl.col("message").str.contains("Intruder Alert")).height


runner = CliRunner()


def _transfer_with(protocol: list[dict]) -> str:
    from workbench.config import load_settings

    ledger = Ledger(load_settings().ledger_path)
    created = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-01",
        document_kind="Rechnungseingang",
        items=[{"item_id": "A", "content_hash": "h"}],
    )
    ledger.update(created.id, action="status", datev_status="4", protocol=protocol)
    ledger.close()
    return created.id


def test_protocol_of_9000_belegbilder_reads_in_a_screen(_isolated_home):
    identifier = _transfer_with(big_protocol())
    result = runner.invoke(app, ["status", identifier, "--protocol"], terminal_width=200)
    assert result.exit_code == 0, result.output
    out = result.stdout.split("Betroffene Quellzeilen")[0]  # the protocol's part
    said = " ".join(out.split())
    assert "9.001 Dateien empfangen, 8.986 in die Belegverwaltung übernommen" in said
    assert "14 Dateien mit Fehlern" in said
    assert out.count("wurde empfangen!") == 1 and "9.001" in out
    for number in range(101, 115):  # each rejected file once, with both of DATEV's messages
        assert out.count(f"BEL-{number:05d}.pdf") == 2  # in the file column and DATEV's text
        assert f"Die Datei BEL-{number:05d}.pdf ist leer.; Beleg wurde nicht übernommen!" in out
    assert "nicht beschrieben und wurde nicht übernommen" in out and "notiz.txt" in out
    assert len(out.splitlines()) < 80
    assert "weitere Zeilen" not in out  # nothing cut


def test_protocol_json_keeps_every_entry(_isolated_home):
    protocol = big_protocol(belege=1200, rejected=3)
    identifier = _transfer_with(protocol)
    result = runner.invoke(app, ["status", identifier, "--protocol", "--format", "json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert row["protocol"] == protocol
    listed = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert "protocol" not in listed[0]  # the listing's shape stays as ARCHITECTURE 4.1 says


def test_the_headline_of_a_small_clean_transfer():
    one = [{"time": TIME, "text": "wurde empfangen!", "type": "information", "filename": "a.pdf"}]
    assert protocol_headline(one) == "1 Datei empfangen; keine Fehler und keine Warnungen."
    other = [{"time": TIME, "text": "Verarbeitung abgeschlossen.", "type": "information"}]
    assert protocol_headline(other) == "Keine Fehler und keine Warnungen."
