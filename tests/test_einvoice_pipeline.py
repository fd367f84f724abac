"""E-invoices through the CLI against the embedded sandbox (real HTTP on loopback): load with
--profile auto, map to XML packages that DATEV's XSDs accept with the e-invoice as Beleg, and
transfer, after which DATEV's protocol has the e-invoice in the Belegverwaltung and the
workbench's protocol has its check result."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import polars as pl
import pytest
from lxml import etree
from typer.testing import CliRunner

from workbench.cli import app
from workbench.datev.extf import read_extf
from workbench.datev.xsd import validate_xml

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
CLEAN = [
    SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml",
    SAMPLES / "einvoice_RE-2026-0102_xrechnung_cii.xml",
    SAMPLES / "einvoice_RE-2026-0103_zugferd_en16931.pdf",
]
DOC = "{http://xml.datev.de/bedi/tps/document/v06.0}"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(arg) for arg in args])


def test_load_with_profile_auto_reads_each_kind():
    result = invoke("load", "invoices", *CLEAN, "--profile", "auto", "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["rows"] == 3 and payload["positions"] >= 3
    variants = {f["file"]: f["variant"] for f in payload["files"]}
    assert variants[CLEAN[0].name].startswith("XRechnung (UBL)")
    assert variants[CLEAN[1].name].startswith("XRechnung (CII)")
    assert variants[CLEAN[2].name].startswith("ZUGFeRD/Factur-X (PDF)")


def test_check_exit_code_and_findings_on_defective_einvoices():
    result = invoke(
        "check", "invoices", SAMPLES / "einvoice_RE-2026-0105_br-co-10.xml",
        "--client", "455148-1", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 2, result.stderr
    (finding,) = json.loads(result.stdout)
    assert (finding["rule"], finding["row"]) == ("en16931.BR-CO-10", 105)
    assert finding["source_column"] == "/Invoice/cac:LegalMonetaryTotal/cbc:LineExtensionAmount"


def test_map_to_xml_validates_against_datevs_xsds_with_the_einvoice_as_beleg(tmp_path):
    result = invoke("map", "invoices", *CLEAN, "--client", "455148-1", "--to", "xml",
                    "--out", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.stderr
    belege = set()
    for document in tmp_path.glob("*/document.xml"):
        assert validate_xml(document.read_bytes(), "document") == []
        root = etree.parse(str(document)).getroot()
        for extension in root.iter(f"{DOC}extension"):
            datafile = extension.get("datafile")
            if datafile:
                ledger = (document.parent / datafile).read_bytes()
                assert validate_xml(ledger, "ledger") == []
            else:
                belege.add(extension.get("name"))
                assert (document.parent / extension.get("name")).is_file()
    assert belege == {path.name for path in CLEAN}
    # the seller's USt-IdNr. (BT-31), IBAN (BT-84) and due date (BT-9) reach the Belegsatz
    ledger = next(tmp_path.glob("*/RE-2026-0101.xml")).read_text("utf-8")
    for element in (
        "<vatId>DE249305520</vatId>",
        "<iban>DE88500105172800686013</iban>",
        "<dueDate>2026-04-13</dueDate>",
    ):
        assert element in ledger
    copied = next(tmp_path.glob(f"*/{CLEAN[2].name}"))
    assert copied.read_bytes() == CLEAN[2].read_bytes()  # the ZUGFeRD PDF as is


def test_transfer_to_the_sandbox_with_the_einvoice_as_beleg():
    transfer = invoke("transfer", "invoices", *CLEAN, "--client", "455148-1", "--yes")
    assert transfer.exit_code == 0, transfer.stderr
    deadline = time.monotonic() + 30
    while True:
        rows = json.loads(invoke("status", "--refresh", "--yes", "--format", "json").stdout)
        if {r["datev_status"] for r in rows} == {"Fertig"} or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert {r["datev_status"] for r in rows} == {"Fertig"}
    protocol = invoke("status", "--protocol")
    assert protocol.exit_code == 0, protocol.stderr
    for path in CLEAN:
        assert path.name in protocol.stdout
    # each transfer's protocol in one line of counts (tour 27, defect 14), 6 files taken over
    taken = re.findall(r"(\d+) in die Belegverwaltung übernommen;", protocol.stdout)
    assert len(taken) == len(rows) and sum(int(n) for n in taken) >= 6
    assert protocol.stdout.count("wurde in die Belegverwaltung übernommen!") == len(rows)
    assert protocol.stdout.count("E-Rechnungsprüfung") == len(rows)
    assert "Schema, EN 16931 und XRechnung geprüft: keine Fehler." in protocol.stdout


def test_extf_books_einvoices_on_the_accounts_the_clients_settings_name(_isolated_home, tmp_path):
    """An e-invoice names its seller, not the Mandant's Kreditor or Sachkonto: without them the
    Buchungsdatenservice blocks each invoice with the exact settings line to add; with them
    (Kreditor by the seller's USt-IdNr., Sachkonto per invoice kind) the invoices are booked
    and DATEV's sandbox takes the Buchungsstapel."""
    blocked = invoke("map", "invoices", *CLEAN, "--client", "455148-1", "--to", "extf",
                     "--out", tmp_path / "ohne")  # fmt: skip
    assert blocked.exit_code == 2, blocked.stderr
    assert not list((tmp_path / "ohne").glob("EXTF_Buchungsstapel*.csv"))
    shown = " ".join(blocked.stdout.split())  # the table may wrap
    assert '[clients."455148-1".party_accounts]' in shown
    assert '"DE249305520" = "<Konto>"' in shown
    (_isolated_home / "settings.toml").write_text(
        '[clients."455148-1".default_accounts]\n'
        'Eingangsrechnung = "3400"\n'
        '[clients."455148-1".party_accounts]\n'
        '"DE249305520" = "70001"\n'
        '"DE343991845" = "70002"\n'
        '"Rösterei Nowak OHG" = "70003"\n',
        encoding="utf-8",
    )
    mapped = invoke("map", "invoices", *CLEAN, "--client", "455148-1", "--to", "extf",
                    "--out", tmp_path / "mit")  # fmt: skip
    assert mapped.exit_code == 0, mapped.stdout + mapped.stderr
    files = sorted((tmp_path / "mit").glob("EXTF_Buchungsstapel*.csv"))
    assert [path.name[20:26] for path in files] == ["202602", "202603"]  # one per month
    bookings = pl.concat([read_extf(path).frame for path in files])
    assert bookings.height == 8  # one booking per position
    per_invoice = dict(bookings.select("Belegfeld 1", "Konto").unique().iter_rows())
    assert per_invoice == {
        "RE-2026-0101": 70001, "RE-2026-0102": 70002, "RE-2026-0103": 70003
    }  # fmt: skip
    assert set(bookings["Gegenkonto (ohne BU-Schlüssel)"]) == {3400}
    # Vorsteuer 19 % and 7 % (SKR03)
    assert set(bookings["BU-Schlüssel"].cast(pl.String)) == {"9", "8"}
    transfer = invoke("transfer", "invoices", *CLEAN, "--client", "455148-1", "--to", "extf",
                      "--yes")  # fmt: skip
    assert transfer.exit_code == 0, transfer.stdout + transfer.stderr
    deadline = time.monotonic() + 30
    while True:
        rows = json.loads(invoke("status", "--refresh", "--yes", "--format", "json").stdout)
        if {r["datev_status"] for r in rows} == {"Fertig"} or time.monotonic() > deadline:
            break
        time.sleep(1)
    # the Buchungsdatenservice sends the Kreditoren's master data first (seed 001: "überträgt
    # vollständige Buchungssätze/-stapel und die Stammdaten der Kreditoren/Debitoren"), so
    # the bookings arrive on named accounts; it carries no items of the ledger
    assert [(r["kind"], r["document_kind"], r["items"], r["datev_status"]) for r in rows] == [
        ("invoices", "Debitoren/Kreditoren", 0, "Fertig"),
        ("invoices", "Buchungsstapel", 3, "Fertig"),
        ("invoices", "Buchungsstapel", 5, "Fertig"),
    ]


def test_map_json_lists_each_blocked_einvoice_with_its_finding(_isolated_home, tmp_path):
    """The rows the mapping blocks itself (no Kreditor in the settings) are left out like rows
    blocked by a check: in ``left_out`` with the reason, and with their finding among
    ``findings``, which decides the exit code."""
    result = invoke("map", "invoices", *CLEAN, "--client", "455148-1", "--to", "extf",
                    "--out", tmp_path, "--format", "json")  # fmt: skip
    assert result.exit_code == 2, result.stderr
    payload = json.loads(result.stdout)
    assert not any("Buchungsstapel" in path for path in payload["written"])
    left = [(row["source"], row["item_id"], row["rules"]) for row in payload["left_out"]]
    assert left == [(path.name, path.name[9:21], ["account.missing"]) for path in CLEAN]
    found = [(f["source"], f["rule"], f["severity"]) for f in payload["findings"]]
    assert found == [(path.name, "account.missing", "error") for path in CLEAN]
    assert '"DE249305520" = "<Konto>"' in payload["findings"][0]["message"]


def test_transfer_sends_no_einvoice_with_an_error_finding():
    """Tour 27, defect 3: the defect samples' errors name XML lines, yet block their invoice;
    only the clean invoice is sent, and the blocked ones are listed with their rules."""
    defective = [
        SAMPLES / "einvoice_RE-2026-0112_xsd.xml",
        SAMPLES / "einvoice_RE-2026-0117_br-ae-05.xml",
        SAMPLES / "einvoice_RE-2026-0123_br-ae-01.xml",
    ]
    transfer = invoke("transfer", "invoices", *defective, CLEAN[0], "--client", "455148-1",
                      "--yes")  # fmt: skip
    assert transfer.exit_code == 2, transfer.stdout + transfer.stderr
    shown = " ".join(transfer.stdout.split())
    assert "Nicht übernommen (3)" in shown
    for rule in ("einvoice.xsd", "en16931.BR-AE-05", "en16931.BR-AE-01"):
        assert rule in shown
    rows = json.loads(invoke("status", "--format", "json").stdout)
    assert [(r["month"], r["items"]) for r in rows] == [("2026-03", 1)]


@pytest.mark.parametrize("path", CLEAN, ids=lambda path: path.name[9:21])
def test_preview_shows_each_field_beside_the_xml_value_it_came_from(path):
    """Tour 27, defect 7: preview shows the text of the XML element each field came from (for a
    ZUGFeRD PDF, of its embedded XML), not the e-invoice read as a CSV file."""
    result = invoke("preview", "invoices", path, "--client", "455148-1", "--rows", "1")
    assert result.exit_code == 0, result.stdout + result.stderr
    fields = {
        line.strip().split("  ")[0]: line
        for line in result.stdout.splitlines()
        if line.startswith("    ")
    }
    xml = _embedded_xml(path)
    root = etree.fromstring(xml)
    ubl = root.tag.endswith("}Invoice")
    number = root.findtext("{*}ID" if ubl else "{*}ExchangedDocument/{*}ID")
    date = (
        root.findtext("{*}IssueDate")
        if ubl
        else root.findtext("{*}ExchangedDocument/{*}IssueDateTime/{*}DateTimeString")
    )
    first = root.find("{*}InvoiceLine" if ubl else ".//{*}IncludedSupplyChainTradeLineItem")
    name = first.findtext(".//{*}Item/{*}Name" if ubl else ".//{*}SpecifiedTradeProduct/{*}Name")
    assert fields["Belegfeld 1 (invoiceId)"].endswith(f"ID = »{number}«")
    assert fields["Belegdatum (date)"].endswith(f"»{date}«")
    assert fields["Buchungstext (bookingText)"].endswith(f"Name = »{name}«")
    assert "»«" not in result.stdout  # no field claims an element whose text it lost


def _embedded_xml(path: Path) -> bytes:
    if path.suffix != ".pdf":
        return path.read_bytes()
    from facturx import get_xml_from_pdf

    return get_xml_from_pdf(path.read_bytes(), check_xsd=False)[1]


def test_preview_of_an_allowance_claims_no_invoice_line_element():
    """A document allowance (BG-20) becomes a position without an invoice line: its values are
    labelled derived instead of an empty invoice line element."""
    path = SAMPLES / "einvoice_RE-2026-0111_br-de-19.xml"
    result = invoke("preview", "invoices", path, "--client", "455148-1", "--rows", "1",
                    "--page", "2")  # fmt: skip
    assert result.exit_code in (0, 1, 2), result.stdout + result.stderr
    text = next(line for line in result.stdout.splitlines() if "(bookingText)" in line)
    assert "Nachlass: Treuerabatt" in text and text.endswith("← (abgeleitet)")
    assert "»«" not in result.stdout


def test_preview_shows_each_invoices_warnings_with_it():
    """The preview shows an e-invoice's findings with its records, as the table preview does
    for a CSV row: beside the field whose element they name (XRechnung BR-DE-19 on the IBAN),
    and each of them under the record with its XML line and message, also those on an element
    no DATEV field shows (the due date before the issue date)."""
    due = SAMPLES / "einvoice_RE-2026-0113_due-before-issue.xml"
    iban = SAMPLES / "einvoice_RE-2026-0111_br-de-19.xml"
    result = invoke("preview", "invoices", due, iban, "--client", "455148-1", "--rows", "5",
                    "--to", "xml")  # fmt: skip
    assert result.exit_code == 1, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    field = next(line for line in result.stdout.splitlines() if "IBAN (iban)" in line
                 and "DE90760501017126146791" in line)  # fmt: skip
    assert field.rstrip().endswith("Warnung: xrechnung.BR-DE-19")
    assert f"{iban.name}:61 Warnung xrechnung.BR-DE-19" in out
    assert f"{due.name}:7 Warnung einvoice.due_before_issue" in out
    assert out.count("einvoice.due_before_issue") == 1  # once per invoice, not per position
    assert out.count("Befunde der Rechnung") == 2


def test_preview_names_the_e_invoices_it_leaves_out_with_their_errors():
    blocked = SAMPLES / "einvoice_RE-2026-0110_br-de-15.xml"
    clean = CLEAN[0]
    result = invoke("preview", "invoices", blocked, clean, "--client", "455148-1")
    assert result.exit_code == 2, result.stdout + result.stderr
    out = " ".join(result.stdout.split())
    assert "Nicht in der Vorschau (gesperrt): 1 E-Rechnung" in out
    assert f"{blocked.name}:" in out and "Fehler xrechnung.BR-DE-15" in out


def test_load_shows_each_files_real_position_count():
    """Tour 27, defect 13: one positions row per invoice line and per document allowance or
    charge, counted per file (not 1 per file); the invoices row is the one invoice."""
    files = [*CLEAN, SAMPLES / "einvoice_RE-2026-0111_br-de-19.xml"]
    result = invoke("load", "invoices", *files, "--format", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    shown = {(f["file"], f["kind"]): f["rows"] for f in payload["files"]}
    expected = {}
    for path in files:
        root = etree.fromstring(_embedded_xml(path))
        lines = root.findall("{*}InvoiceLine") + root.findall(
            ".//{*}IncludedSupplyChainTradeLineItem"
        )
        charges = root.findall("{*}AllowanceCharge") + root.findall(
            ".//{*}ApplicableHeaderTradeSettlement/{*}SpecifiedTradeAllowanceCharge"
        )
        expected[(path.name, "invoices")] = 1
        expected[(path.name, "positions")] = len(lines) + len(charges)
    assert shown == expected
    assert expected[(files[-1].name, "positions")] == 2  # one line, one allowance
    assert sum(shown[(p.name, "positions")] for p in files) == payload["positions"]
