"""E-invoice checks on the committed samples: every seeded defect is found at its XML line with
the standard's rule id, clean files have no findings, the two engines agree, and the messages
name file, line and XPath."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from workbench.checks import check_sources
from workbench.checks.einvoice import check_protocol
from workbench.sources import load_invoices

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
FILES = sorted(p for p in SAMPLES.glob("einvoice_*") if p.suffix in (".xml", ".pdf"))
MANIFEST = [
    m for m in json.loads((SAMPLES / "defects.json").read_text("utf-8"))
    if m["file"].startswith("einvoice_")
]  # fmt: skip


@pytest.fixture(scope="module")
def checked(settings):
    result = load_invoices(FILES, profile="einvoice")
    return result, check_sources(result, settings=settings, period=("2026-01", "2026-03"))


def test_every_seeded_defect_is_found_at_its_line_and_nothing_else(checked):
    _, findings = checked
    found = {(f, r, rule) for f, r, rule in findings.select("source", "row", "rule").iter_rows()}
    expected = {(m["file"], m["row"], m["rule"]) for m in MANIFEST}
    assert found == expected
    assert {m["file"] for m in MANIFEST} | {
        p.name for p in FILES if "_xrechnung_" in p.name or "_zugferd_" in p.name
    } == {p.name for p in FILES}, "every file is either clean or carries listed defects"


def test_findings_carry_rule_id_xpath_and_location_in_the_message(checked):
    _, findings = checked
    ours = findings.filter(pl.col("rule").str.starts_with("en16931."))
    assert ours.height >= 6
    for row in ours.iter_rows(named=True):
        assert row["source_column"].startswith(("/Invoice", "/rsm:CrossIndustryInvoice"))
        assert row["message"].startswith(
            f"{row['source']}, Zeile {row['row']}, {row['source_column']}: "
        )
        assert row["rule"].split(".", 1)[1] in row["message"]
    pdf = findings.filter(pl.col("rule") == "zugferd.pdf_text_mismatch").row(0, named=True)
    assert "(eingebettete factur-x.xml), Zeile" in pdf["message"]


def test_severities_errors_block_warnings_inform(checked):
    _, findings = checked
    severity = dict(findings.select("rule", "severity").unique().iter_rows())
    assert severity["en16931.BR-CO-10"] == severity["xrechnung.BR-DE-15"] == "error"
    assert severity["einvoice.xsd"] == "error"
    for rule in ("xrechnung.BR-DE-19", "zugferd.pdfa", "zugferd.profile_without_lines",
                 "zugferd.pdf_text_mismatch", "einvoice.due_before_issue"):  # fmt: skip
        assert severity[rule] == "warning", rule


def test_header_only_profile_needs_no_positions(checked):
    result, findings = checked
    basic_wl = "einvoice_RE-2026-0114_profile-without-lines.pdf"
    assert result.positions.filter(pl.col("source_file") == basic_wl).is_empty()
    assert set(findings.filter(pl.col("source") == basic_wl)["rule"]) == {
        "zugferd.profile_without_lines"
    }


def test_xrechnung_rules_only_for_xrechnung(tmp_path, settings):
    import random
    from datetime import date

    from workbench.samples.einvoice_cii import cii_bytes
    from workbench.samples.einvoice_files import clean_einvoice
    from workbench.samples.einvoice_xml import FACTURX

    plain = clean_einvoice(random.Random(3), "RE-2026-0900", date(2026, 2, 2))
    plain.spec_id, plain.buyer_reference = FACTURX["EN 16931"], None
    path = tmp_path / "en16931.xml"
    path.write_bytes(cii_bytes(plain))
    findings = check_sources(load_invoices(path, profile="einvoice"), settings=settings)
    assert findings.is_empty(), findings.to_dicts()


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_xrechnung_wants_a_rate_in_every_breakdown_even_for_category_o(tmp_path, settings, syntax):
    """KoSIT's BR-DE-14 (XRechnung 3.0): BT-119 in every VAT breakdown, with no exception for
    category O, which EN 16931 (BR-48) lets go without; O lines still have none (BR-O-05)."""
    import random
    from datetime import date

    from workbench.samples.einvoice_cii import cii_bytes
    from workbench.samples.einvoice_files import clean_einvoice, zero_tax
    from workbench.samples.einvoice_xml import FACTURX, XRECHNUNG, ubl_bytes

    write = ubl_bytes if syntax == "UBL" else cii_bytes
    invoice = clean_einvoice(random.Random(5), "RE-2026-0901", date(2026, 2, 3))
    zero_tax("O")(invoice)
    xrechnung = tmp_path / "xrechnung.xml"
    xrechnung.write_bytes(write(invoice))  # the writer gives the O breakdown 0 %
    invoice.spec_id = FACTURX["EN 16931"]
    plain = tmp_path / "en16931.xml"
    plain.write_bytes(write(invoice))  # no rate in the O breakdown: fine outside XRechnung
    without = tmp_path / "xrechnung_ohne_satz.xml"
    without.write_bytes(plain.read_bytes().replace(FACTURX["EN 16931"].encode(),
                                                   XRECHNUNG.encode()))  # fmt: skip
    fired = {
        path.name: set(
            check_sources(load_invoices(path, profile="einvoice"), settings=settings)["rule"]
        )
        for path in (xrechnung, plain, without)
    }
    assert fired == {"xrechnung.xml": set(), "en16931.xml": set(),
                     "xrechnung_ohne_satz.xml": {"xrechnung.BR-DE-14"}}  # fmt: skip


def test_engines_agree_on_the_einvoice_suites(checked, settings):
    result, polars_findings = checked
    gx_findings = check_sources(
        result, settings=settings, period=("2026-01", "2026-03"), engine="gx"
    )
    columns = ["source", "row", "column", "rule", "severity", "value"]
    assert (
        polars_findings.select(columns)
        .sort(columns)
        .equals(gx_findings.select(columns).sort(columns))
    )


def test_protocol_entry_per_einvoice(checked):
    result, findings = checked
    entries = {e["file"]: e for e in check_protocol(findings, result.details)}
    clean = entries["einvoice_RE-2026-0101_xrechnung_ubl.xml"]
    assert clean["result"] == "Schema, EN 16931 und XRechnung geprüft: keine Fehler."
    iban = entries["einvoice_RE-2026-0111_br-de-19.xml"]
    assert iban["warnings"] == ["xrechnung.BR-DE-19"] and iban["errors"] == []


@pytest.mark.parametrize(
    ("sample", "rule", "said"),
    [
        # AE items without an AE breakdown: the count, not the tax total
        ("einvoice_RE-2026-0123_br-ae-01.xml", "en16931.BR-AE-01", "aber 0 statt genau einer"),
        # an O invoice with other categories: how many, not the tax total
        ("einvoice_RE-2026-0132_br-o-11.xml", "en16931.BR-O-11", "Kategorie (Anzahl: 1)"),
        ("einvoice_RE-2026-0132_br-o-11.xml", "en16931.BR-O-12", "Kategorie (Anzahl: 1)"),
    ],
)
def test_count_rules_say_the_count(checked, sample, rule, said):
    _, findings = checked
    found = findings.filter((pl.col("source") == sample) & (pl.col("rule") == rule))
    assert found.height == 1
    assert said in found["message"][0], found["message"][0]


def test_amounts_in_messages_have_two_decimals(checked):
    _, findings = checked
    messages = " ".join(findings["message"].to_list())
    assert not re.search(r"\d,\d(?!\d)", messages), re.findall(r".{40}\d,\d(?!\d).{10}", messages)
