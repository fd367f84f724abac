"""The VAT rules of document-level allowances (BG-20) and charges (BG-21) against the official
CEN EN 16931 artefacts (outside truth), in UBL and in CII.

Per category: -03 / -04, the tax ids the parties need when an allowance / a charge has the
category (BR-S, BR-AE, BR-E, BR-Z, BR-IC, BR-G; BR-O-03/04 forbid them), and -06 / -07, the
allowance's / charge's rate (BT-96 / BT-103): greater than 0 for S, 0 for AE, E, Z, K and G
(a missing rate fails both artefacts), none for O. Each case changes one thing in an invoice of
the category; both artefacts fire the rule named first, the suites must fire it too, and both
must fire the same implemented rules on every invoice (clean cases: none).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from test_einvoice_oracle import implemented, official_rules

from workbench.checks import check_sources
from workbench.samples.einvoice_cii import cii_bytes
from workbench.samples.einvoice_defects import zero_tax
from workbench.samples.einvoice_files import clean_einvoice
from workbench.samples.einvoice_xml import Charge, EInvoice, Party, ubl_bytes
from workbench.sources import load_invoices

CATEGORIES = ("S", "AE", "E", "Z", "K", "G", "O")
PREFIX = {code: "IC" if code == "K" else code for code in CATEGORIES}
#: The rate an allowance or charge of the category has (O: none).
RATE = {code: None if code == "O" else Decimal(0) for code in CATEGORIES} | {"S": Decimal(19)}
#: A rate the category must not have.
WRONG_RATE = {code: Decimal(19) for code in CATEGORIES} | {"S": Decimal(0), "O": Decimal(0)}
Change = Callable[[EInvoice], None]


def _item(category: str, *, charge: bool) -> Change:
    """An allowance (or charge) of 10,00 of the category at its right rate."""
    return _item_at(category, RATE[category], charge=charge)


def _item_at(category: str, rate: Decimal | None, *, charge: bool) -> Change:
    def change(invoice: EInvoice) -> None:
        reason = "Frachtpauschale" if charge else "Treuerabatt"
        invoice.charges.append(Charge(Decimal("10.00"), rate, reason, charge, category))

    return change


def _then(*changes: Change) -> Change:
    def change(invoice: EInvoice) -> None:
        for each in changes:
            each(invoice)

    return change


def _seller(vat_id: str | None, tax_number: str | None) -> Change:
    def change(invoice: EInvoice) -> None:
        # the register number keeps BR-CO-26 (a seller identifier) quiet
        invoice.seller.vat_id, invoice.seller.tax_number = vat_id, tax_number
        invoice.seller.legal_id = "HRB 31337"

    return change


def _buyer(vat_id: str | None, legal_id: str | None) -> Change:
    def change(invoice: EInvoice) -> None:
        invoice.buyer.vat_id, invoice.buyer.legal_id = vat_id, legal_id

    return change


NO_SELLER_IDS = _seller(None, None)
TAX_NUMBER_ONLY = _seller(None, "241/114/30517")


def _represented(invoice: EInvoice) -> None:
    """The seller names no VAT id, its tax representative does (BT-63)."""
    NO_SELLER_IDS(invoice)
    invoice.tax_representative = Party("Fiskalvertretung Franken GmbH", "Hafenstraße 3",
                                       "Nürnberg", "90431", vat_id="DE279418350")  # fmt: skip


def _cases() -> dict[str, tuple[str, Change]]:
    """name -> (category of the invoice, change). Both artefacts fire the rule named first; a
    name starting with "- " is an invoice they accept."""
    cases: dict[str, tuple[str, Change]] = {}
    for code in CATEGORIES:
        prefix = PREFIX[code]
        # the ids each category needs (O's BR-O-03/04 forbid them: test_einvoice_oracle.py)
        missing = {
            "AE": {"seller": NO_SELLER_IDS, "buyer": _buyer(None, None)},
            "K": {"seller": TAX_NUMBER_ONLY, "buyer": _buyer(None, None)},
            "G": {"seller": TAX_NUMBER_ONLY},
            "O": {},
        }.get(code, {"seller": NO_SELLER_IDS})
        for charge, parties, rates in ((False, "03", "06"), (True, "04", "07")):
            kind = "charge" if charge else "allowance"
            for party, change in missing.items():
                cases[f"BR-{prefix}-{parties} {kind}, {party} without id"] = (
                    code,
                    _then(_item(code, charge=charge), change),
                )
            wrong = WRONG_RATE[code]
            cases[f"BR-{prefix}-{rates} {kind} at {wrong} %"] = (
                code,
                _item_at(code, wrong, charge=charge),
            )
            if code != "O":
                cases[f"BR-{prefix}-{rates} {kind} without rate"] = (
                    code,
                    _item_at(code, None, charge=charge),
                )
        cases[f"- clean {code} with allowance and charge"] = (
            code,
            _then(_item(code, charge=False), _item(code, charge=True)),
        )
    # the ids each category accepts: a tax number for S, AE, E and Z, a register number for AE
    for code in ("S", "AE", "E", "Z"):
        cases[f"- {code} allowance, seller with tax number only"] = (
            code,
            _then(_item(code, charge=False), TAX_NUMBER_ONLY),
        )
    # the tax representative's VAT id stands in for the seller's (-02, -03 and -04 alike)
    for code, charge in (("S", False), ("Z", True), ("K", True), ("G", False)):
        kind = "charge" if charge else "allowance"
        cases[f"- {code} {kind}, tax representative's VAT id only"] = (
            code,
            _then(_item(code, charge=charge), _represented),
        )
    cases["- AE charge, buyer with register number only"] = (
        "AE",
        _then(_item("AE", charge=True), _buyer(None, "HRB 4711")),
    )
    return cases


def _invoice(name: str, index: int, category: str) -> EInvoice:
    invoice = clean_einvoice(random.Random(name), f"RE-2026-{9400 + index}", date(2026, 3, 2))
    if category == "S":
        invoice.charges = []
        for line in invoice.lines:  # one S rate, so an S item at 19 % meets its breakdown
            line.rate = RATE["S"]
    else:
        zero_tax(category)(invoice)
    return invoice


def test_the_suites_cover_the_document_level_rules():
    rules = {f"BR-{PREFIX[c]}-{n}" for c in CATEGORIES for n in ("03", "04", "06", "07")}
    assert rules - implemented() == set()


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_document_allowances_and_charges_agree_with_the_official_artefacts(tmp_path, syntax):
    names, paths = {}, []
    for index, (name, (category, change)) in enumerate(_cases().items()):
        invoice = _invoice(name, index, category)
        change(invoice)
        path = tmp_path / f"doclevel_{index:02d}.xml"
        path.write_bytes(ubl_bytes(invoice) if syntax == "UBL" else cii_bytes(invoice))
        names[path.name], paths = name, [*paths, path]
    ours = check_sources(load_invoices(paths, profile="einvoice"), settings=None)
    differences = []
    for path in paths:
        name = names[path.name]
        official = official_rules(path.read_bytes(), syntax=syntax, profile="XRechnung")
        found = set(ours.filter(ours["source"] == path.name)["rule"].str.strip_prefix("en16931."))
        rule = name.split()[0]
        if not name.startswith("- ") and not (rule in official and rule in found):
            differences.append((name, "rule not fired", sorted(official), sorted(found)))
        if name.startswith("- ") and official & implemented():
            differences.append((name, "not clean", sorted(official)))
        if official & implemented() != found & implemented():
            differences.append((name, sorted(official & implemented()), sorted(found)))
    assert differences == []


@pytest.mark.parametrize("syntax", ["UBL", "CII"])
def test_the_tax_representative_stands_in_for_the_seller_in_br_de_16(tmp_path, syntax):
    """KoSIT's XRechnung Schematron (no artefact on PyPI) accepts the seller's VAT id, its tax
    number or a tax representative (BG-11) for BR-DE-16; a seller without either id fails."""
    paths = []
    for index, change in enumerate((_represented, NO_SELLER_IDS)):
        invoice = _invoice("BR-DE-16", index, "S")
        change(invoice)
        path = tmp_path / f"de16_{index}.xml"
        path.write_bytes(ubl_bytes(invoice) if syntax == "UBL" else cii_bytes(invoice))
        paths.append(path)
    ours = check_sources(load_invoices(paths, profile="einvoice"), settings=None)
    fired = ours.filter(ours["rule"] == "xrechnung.BR-DE-16")["source"].to_list()
    assert fired == [paths[1].name]
