"""E-invoices through the CLI against the embedded sandbox (real HTTP on loopback): load with
--profile auto, map to XML packages that DATEV's XSDs accept with the e-invoice as Beleg, and
transfer, after which DATEV's protocol has the e-invoice in the Belegverwaltung and the
workbench's protocol has its check result."""

from __future__ import annotations

import json
import time
from pathlib import Path

from lxml import etree
from typer.testing import CliRunner

from workbench.cli import app
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
    assert protocol.stdout.count("wurde in die Belegverwaltung übernommen!") >= 6
    assert protocol.stdout.count("E-Rechnungsprüfung") == len(rows)
    assert "Schema, EN 16931 und XRechnung geprüft: keine Fehler." in protocol.stdout
