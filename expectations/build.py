"""Write the suites in this folder: ``python expectations/build.py`` (a test keeps them in step).

The JSON files are the product: Great Expectations 1.x ``ExpectationSuite`` documents that both
engines run. This script only saves typing (the encoding rules repeat for every text column);
edit it, run it, commit both. Client-dependent bounds are GX suite parameters
(``{"$PARAMETER": "account_length"}``), resolved from ``ClientSettings`` at run time; an
expectation whose parameters are unknown (no period given, no account length) is skipped.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: Windows-1252's characters outside Latin-1 (EXTF files are written in cp1252).
CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
#: Spaces and invisible format characters DATEV rejects ("Intruder Alert", seed 004): no-break,
#: narrow and typographic spaces, line/paragraph separators, zero-width and direction marks,
#: BOM; as regex class content. The same set as the sandbox's (workbench/sandbox/rules.py).
EXOTIC_SPACES = "\\u00A0\\u1680\\u2000-\\u200F\\u2028-\\u202F\\u205F-\\u2064\\u3000\\uFEFF"
#: The currencies DATEV accepts: the enumeration of currencyCode (type p1) in DATEV's
#: Belegverwaltung_online_ledger_types_v060.xsd, "the current and former currencies of the
#: DATEV currency calculator" (DEM yes, but not every code ISO added since).
CURRENCIES = (
    "AED AFA AFN ALL AMD ANG AOA AON AOR ARS ATS AUD AWG AZM AZN BAM BBD BDT BEF BGL BGN BHD BIF "
    "BMD BND BOB BRL BSD BTN BWP BYB BYN BYR BZD CAD CDF CHF CLP CMG CNH CNY COP CRC CSD CUP CVE "
    "CYP CZK DEM DJF DJV DKK DOP DZD ECS EEK EGP ERN ESP ETB EUR FIM FJD FKP FRF GBP GEL GHC GHS "
    "GIP GMD GNF GRD GTQ GWP GYD HKD HNL HRK HTG HUF IDR IEP ILS INR IQD IRR ISK ITL JMD JOD JPY "
    "KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LTL LUF LVL LYD MAD MDL MGA MGF MKD "
    "MMK MNT MOP MRO MRU MTL MUR MVR MWK MXN MYR MZM MZN NAD NGN NIO NLG NOK NPR NZD OMR PAB PEN "
    "PGK PHP PKR PLN PLZ PTE PYG QAR ROL RON RSD RUB RUR RWF SAR SBD SCR SDD SDG SEK SGD SHP SIT "
    "SKK SLL SOS SRD SRG SSP STD SVC SYP SZL THB TJR TJS TMM TMT TND TOP TRL TRY TTD TWD TZS UAH "
    "UGX USD UYU UZS VEB VEF VES VND VUV WST XAF XCD XEU XOF XPF YER YUM ZAR ZMK ZMW ZRN ZWD ZWR"
).split()
#: Tax rates (%) DATEV knows for German bookings, current and historic (16/5 from 2020).
TAX_RATES = [0.0, 5.0, 5.5, 7.0, 9.5, 10.7, 16.0, 19.0]

LABELS = {
    "booking_text": "Buchungstext",
    "party_name": "Geschäftspartner-Name",
    "party_city": "Geschäftspartner-Ort",
    "information": "Zusatzinformation",
    "cost_category_id": "KOST1",
    "cost_category_id2": "KOST2",
    "attachment": "Belegbild",
    "invoice_id": "Rechnungs-Nr. (Belegfeld 1)",
    "internal_invoice_id": "Interne Beleg-Nr.",
    "account_no": "Konto",
    "party_account_no": "Geschäftspartner-Konto",
    "amount": "Betrag",
    "tax": "Steuersatz",
    "currency_code": "Währung",
    "vat_id": "USt-IdNr.",
    "iban": "IBAN",
    "swift_code": "BIC",
    "date": "Belegdatum",
    "accounting_month": "Buchungsmonat",
    "document_id": "Beleg",
    "document_kind": "Beleg-Art",
    "block_transfer": "BlockTransfer",
    "street": "Straße",
    "zip": "PLZ",
    "city": "Ort",
    "country": "Länderkürzel",
    "phone": "Telefon",
    "fax": "Fax",
    "email": "E-Mail",
    "terms": "AGB",
    "net": "Nettobetrag",
    "tax_amount": "Steuerbetrag",
    "gross": "Bruttobetrag",
    "invoice_kind": "Rechnungsart",
    "cost_center": "Kostenstelle",
    "name": "Positionsname",
    "call_id": "Anruf-ID",
    "started_at": "Beginn",
    "duration_s": "Dauer",
    "direction": "Richtung",
    "remote_number": "Rufnummer",
    "user": "Benutzer",
    "note": "Notiz",
    "extension": "Nebenstelle",
    "business_date": "Geschäftstag",
    "category_type": "Kategorieart",
    "category": "Kategorie",
    "position": "Position",
    "quantity": "Menge",
}

TEXT_COLUMNS = {
    "receipts": [
        "booking_text",
        "party_name",
        "party_city",
        "information",
        "cost_category_id",
        "cost_category_id2",
        "attachment",
    ],
    "invoices": [
        "party_name",
        "street",
        "city",
        "phone",
        "fax",
        "email",
        "cost_center",
        "attachment",
        "terms",
    ],
    "positions": ["name"],
    "calls": ["remote_number", "user", "note"],
    "pos": ["category"],
}

GX_SEVERITY = {"error": "critical", "warning": "warning", "info": "info"}


def expectation(
    kind: str,
    column: str | None,
    rule: str,
    severity: str,
    message: str,
    expected: str,
    **kwargs: object,
) -> dict:
    meta: dict[str, object] = {
        "rule": rule,
        "severity": severity,
        "message": message,
        "expected": expected,
    }
    for key in ("targets", "report_column", "suggest"):
        if key in kwargs:
            meta[key] = kwargs.pop(key)
    if column is not None:
        kwargs = {"column": column, **kwargs}
    return {"type": kind, "kwargs": kwargs, "meta": meta, "severity": GX_SEVERITY[severity]}


def label(column: str) -> str:
    return LABELS.get(column, column)


def param(name: str) -> dict:
    return {"$PARAMETER": name}


def kind_is(column: str, values: list[str]) -> dict:
    """A GX 1.x row condition (``Column(column).is_in(values)``) as it serialises."""
    return {"type": "comparison", "column": {"name": column}, "operator": "IN", "parameter": values}


# --- shared rule builders -------------------------------------------------------------------------


#: Columns whose DATEV type forbids outer spaces (costCategoryId: XSD type p10041, pattern
#: ``([\S][\S ]{0,34}[\S]|[\S]{0,1})``): there an outer space is an error, elsewhere a warning.
NO_OUTER_SPACE = {"cost_category_id", "cost_category_id2", "cost_center"}


def encoding_rules(column: str) -> list[dict]:
    name = label(column)
    strict = column in NO_OUTER_SPACE
    return [
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.control_character",
            "error",
            f"{name} '{{value}}' enthält Steuerzeichen (z. B. U+001F oder einen "
            "Seitenvorschub), die DATEV ablehnt (in Belegsatzdaten „Intruder Alert“, im "
            "Buchungsstapel laut DATEVs Formatbeschreibung). Entfernen Sie sie in der Quelle.",
            "Text ohne Steuerzeichen (Tabulator und Zeilenumbruch ausgenommen)",
            regex="[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.rejected_character",
            "error",
            f"{name} '{{value}}' enthält Zeichen, die DATEV ablehnt (privater "
            "Unicode-Bereich oder Ersatzzeichen U+FFFD aus einer kaputten Umwandlung; im "
            "Buchungsstapel sind sie nicht darstellbar, dort ist die Workbench strenger als "
            "DATEV). Korrigieren Sie den Text in der Quelle.",
            "gültige Unicode-Zeichen",
            regex="[\\uE000-\\uF8FF\\uFFFD\\uFFFE\\uFFFF]",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.escape_sequence",
            "error",
            f"{name} '{{value}}' enthält Escape-Reste (&#..; / &xx / \\3xx), die DATEV "
            'mit "Intruder Alert" ablehnt (im Buchungsstapel ist die Workbench genauso streng, '
            "dort strenger als DATEV). Ersetzen Sie sie in der Quelle durch die gemeinten "
            "Zeichen.",
            "Text ohne HTML-/Oktal-Escapes",
            regex="&#[0-9]{1,7};|&#[xX][0-9A-Fa-f]{1,6};|&[A-Za-z][A-Za-z0-9]{1,7};"
            "|\\\\[0-3][0-7][0-7]|\\\\x[0-9A-Fa-f]{2}|&[0-9A-Fa-f]{2}([^0-9A-Za-z;]|$)",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.exotic_space",
            "error",
            f"{name} '{{value}}' enthält ein besonderes Leerzeichen (geschützt, schmal oder "
            "unsichtbar) oder ein unsichtbares Steuerzeichen; DATEV lehnt Belegsatzdaten damit "
            "ab („Intruder Alert“), beim Buchungsstapel ist die Workbench absichtlich genauso "
            "streng (dort strenger als DATEV). Übernehmen Sie den Vorschlag mit normalem "
            "Leerzeichen.",
            "nur normale Leerzeichen",
            regex=f"[{EXOTIC_SPACES}]",
            suggest="exotic_space",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.mojibake",
            "warning",
            f"{name} '{{value}}' sieht nach falsch dekodiertem UTF-8 aus (z. B. "
            "'Ã¼' statt 'ü'). Prüfen Sie die Kodierung der Quelle oder übernehmen Sie den "
            "Vorschlag.",
            "korrekt dekodierter Text",
            regex="Ã[\\u0080-\\u00BF\\u0152\\u0153\\u0160\\u0161\\u0178\\u017D\\u017E\\u0192"
            "\\u02C6\\u02DC\\u2013-\\u203A\\u20AC\\u2122]|â‚¬|â€[\\u0080-\\u00BF\\u2013-\\u203A"
            "\\u20AC\\u2122\\u0153\\u0161\\u017E\\u0178]|Â[\\u00A0-\\u00BF]",
            suggest="mojibake",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.outer_space",
            "error" if strict else "warning",
            f"{name} '{{value}}' beginnt oder endet mit Leerzeichen"
            + ("; DATEV lehnt das in diesem Feld ab." if strict else ".")
            + " Übernehmen Sie den Vorschlag ohne äußere Leerzeichen.",
            "Text ohne führende/folgende Leerzeichen",
            regex="^[ \\t]|[ \\t]$",
            suggest="strip",
        ),
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "encoding.not_cp1252",
            "error",
            f"{name} '{{value}}' enthält Zeichen, die im EXTF-Format (Windows-1252) "
            "nicht darstellbar sind (z. B. Emoji, ő, chinesische Schriftzeichen). DATEV nähme "
            "auch UTF-8 mit BOM an; die Workbench schreibt Buchungsstapel aber in Windows-1252 "
            "(DATEVs Vorgabe) und ist hier absichtlich strenger als DATEV. Ersetzen Sie die "
            "Zeichen in der Quelle.",
            "nur Zeichen aus Windows-1252",
            # exotic spaces are reported (and fixed) as encoding.exotic_space only
            regex="[^\\x00-\\x7F\\u00A0-\\u00FF"
            + "".join(f"\\u{ord(c):04X}" for c in CP1252_EXTRA)
            + EXOTIC_SPACES
            + "]",
            targets=["extf"],
        ),
    ]


def required(
    column: str,
    kinds: list[str] | None = None,
    kind_column: str = "invoice_kind",
    targets: list[str] | None = None,
) -> dict:
    extra: dict[str, object] = {"targets": targets} if targets else {}
    where = ""
    if kinds:
        extra["row_condition"] = kind_is(kind_column, kinds)
        where = " (Pflichtfeld für " + ", ".join(kinds) + ")"
    return expectation(
        "expect_column_values_to_not_be_null",
        column,
        "field.required",
        "error",
        f"{label(column)} fehlt{where}. Tragen Sie den Wert in der Quelle nach.",
        "Pflichtfeld",
        **extra,
    )


def max_length(
    column: str,
    limit: int,
    *,
    rule: str = "field.max_length",
    severity: str = "error",
    message: str | None = None,
) -> dict:
    return expectation(
        "expect_column_value_lengths_to_be_between",
        column,
        rule,
        severity,
        message
        or f"{label(column)} '{{value}}' ist länger als {limit} Zeichen; DATEV lehnt "
        f"längere Werte ab. Kürzen Sie den Text in der Quelle.",
        f"höchstens {limit} Zeichen",
        max_value=limit,
    )


def belegfeld(column: str, limit: int) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_not_match_regex",
            column,
            "field.pattern",
            "error",
            f"{label(column)} '{{value}}' enthält Zeichen, die DATEV nicht erlaubt. Erlaubt sind "
            "nur A-Z, a-z, 0-9 und $ % & * + - / (keine Leerzeichen, Punkte, Unterstriche, "
            "Umlaute). Ändern Sie die Nummer in der Quelle.",
            "A-Z a-z 0-9 $ % & * + - /",
            regex="[^A-Za-z0-9$%&*+\\-/]",
        ),
        max_length(column, limit),
    ]


def account_rules(gl: str | None, personal: str | None) -> list[dict]:
    out = []
    for column in (gl, personal):
        if column is None:
            continue
        out.append(
            expectation(
                "expect_column_values_to_not_match_regex",
                column,
                "account.non_numeric",
                "error",
                f"{label(column)} '{{value}}' ist keine Kontonummer: nur Ziffern sind erlaubt. "
                "Korrigieren Sie das Konto in der Quelle.",
                "nur Ziffern",
                regex="[^0-9]",
            )
        )
    if gl:
        out.append(
            expectation(
                "expect_column_value_lengths_to_be_between",
                gl,
                "account.length_mismatch",
                "error",
                f"{label(gl)} '{{value}}' ist länger als die Sachkontenlänge des Mandanten "
                "({account_length} Stellen). DATEV lehnt Konten mit mehr als "
                "{personal_account_length} Stellen ab; eines mit {personal_account_length} "
                "Stellen wäre ein Personenkonto, und als Sachkonto ist es hier absichtlich ein "
                "Fehler (strenger als DATEV), damit nicht unbemerkt auf einen Debitor oder "
                "Kreditor gebucht wird. Verwenden Sie das Sachkonto in der Länge, die in DATEV "
                "eingestellt ist.",
                "höchstens {account_length} Stellen",
                max_value=param("account_length"),
            )
        )
        out.append(
            expectation(
                "expect_column_value_lengths_to_be_between",
                gl,
                "account.short",
                "info",
                f"{label(gl)} '{{value}}' ist kürzer als die Sachkontenlänge "
                "({account_length} Stellen). DATEV liest es mit führenden Nullen (85 = 0085, so "
                "schreibt DATEV es selbst); prüfen Sie nur, ob das gemeint ist.",
                "{account_length} Stellen (führende Nullen dürfen fehlen)",
                min_value=param("account_length"),
            )
        )
    if personal:
        out.append(
            expectation(
                "expect_column_value_lengths_to_be_between",
                personal,
                "account.personal_length_mismatch",
                "error",
                f"{label(personal)} '{{value}}' ist kein Personenkonto dieses Mandanten: Debitoren "
                "und Kreditoren haben {personal_account_length} Stellen (Sachkontenlänge + 1). "
                "Korrigieren Sie das Konto in der Quelle.",
                "{personal_account_length} Stellen",
                min_value=param("personal_account_length"),
                max_value=param("personal_account_length"),
            )
        )
    return out


def amount_rules(
    column: str, *, zero: bool = True, derived_decimals: str | None = None
) -> list[dict]:
    out = []
    if zero:
        out.append(
            expectation(
                "expect_column_values_to_not_be_in_set",
                column,
                "amount.zero",
                "error",
                f"{label(column)} ist 0,00; DATEV lehnt Beträge von 0,00 ab. "
                "Tragen Sie den richtigen Betrag ein oder übertragen Sie die Position nicht.",
                "Betrag ungleich 0,00",
                value_set=[0.0],
            )
        )
    out.append(
        expectation(
            "expect_column_values_to_be_between",
            column,
            "amount.range",
            "error",
            f"{label(column)} {{value}} ist zu groß für DATEV (höchstens 10 Vorkommastellen). "
            "Prüfen Sie den Betrag.",
            "-9999999999,99 bis 9999999999,99",
            min_value=-9999999999.99,
            max_value=9999999999.99,
        )
    )
    if derived_decimals:
        out.append(
            expectation(
                "expect_column_values_to_be_between",
                derived_decimals,
                "amount.decimals",
                "error",
                f"{label(column)} {{value}} hat mehr als zwei Nachkommastellen. Runden Sie den "
                "Betrag in der Quelle auf Cent.",
                "Betrag mit höchstens 2 Nachkommastellen",
                max_value=0.000001,
                report_column=column,
            )
        )
    return out


def tax_rule(column: str) -> dict:
    return expectation(
        "expect_column_values_to_be_in_set",
        column,
        "amount.tax_rate",
        "error",
        "Der Steuersatz {value} % ist kein Umsatzsteuersatz, den DATEV für deutsche Buchungen "
        "kennt (erlaubt: "
        + ", ".join(f"{r:g}".replace(".", ",") for r in TAX_RATES)
        + " %). DATEV selbst lehnt nur Sätze außerhalb 0–99,99 % ab; die Workbench ist hier "
        "absichtlich strenger als DATEV, weil ein falscher Satz falsch verbucht würde. "
        "Korrigieren Sie den Steuersatz in der Quelle.",
        "einer der Steuersätze " + ", ".join(f"{r:g}" for r in TAX_RATES),
        value_set=TAX_RATES,
    )


def currency_rule(column: str) -> dict:
    return expectation(
        "expect_column_values_to_be_in_set",
        column,
        "field.currency",
        "error",
        "Die Währung '{value}' kennt DATEV nicht (ISO-4217-Code in Großbuchstaben aus DATEVs "
        "Währungsliste, z. B. EUR, USD, CHF). Korrigieren Sie die Währung in der Quelle.",
        "Währungscode aus DATEVs Liste (z. B. EUR)",
        value_set=CURRENCIES,
    )


def gross_rule(derived: str, report: str) -> dict:
    return expectation(
        "expect_column_values_to_be_between",
        derived,
        "amount.gross_mismatch",
        "error",
        "Netto + Steuer ergibt nicht den Bruttobetrag {value} (Abweichung über 0,005). DATEV "
        "nähme die Beträge an; die Workbench ist hier absichtlich strenger als DATEV, weil "
        "die Rechnung sich selbst widerspricht. Korrigieren Sie Netto-, Steuer- oder "
        "Bruttobetrag in der Quelle.",
        "Netto + Steuer = Brutto",
        min_value=-0.005,
        max_value=0.005,
        report_column=report,
    )


def period_rules(column: str, *, month: bool = False) -> dict:
    if month:  # GX bounds must be numbers or dates: months are a set
        return expectation(
            "expect_column_values_to_be_in_set",
            column,
            "fiscal_year.outside_period",
            "error",
            f"{label(column)} {{value}} liegt außerhalb des Übertragungszeitraums "
            "{period_label}. DATEV nähme ihn an; die Workbench überträgt nur den gewählten "
            "Zeitraum (strenger als DATEV). Wählen Sie den passenden Zeitraum oder korrigieren "
            "Sie den Buchungsmonat.",
            "Buchungsmonat im Zeitraum {period_label}",
            value_set=param("period_months"),
        )
    start, end = "period_start", "period_end"
    return expectation(
        "expect_column_values_to_be_between",
        column,
        "fiscal_year.outside_period",
        "error",
        f"{label(column)} {{value}} liegt außerhalb des Übertragungszeitraums "
        "{period_label}. DATEV nähme ihn an; die Workbench überträgt nur den gewählten Zeitraum "
        "(strenger als DATEV). Wählen Sie den passenden Zeitraum oder korrigieren Sie das Datum.",
        "im Zeitraum {period_label}",
        min_value=param(start),
        max_value=param(end),
    )


def document_type_rules(column: str) -> list[dict]:
    return [
        expectation(
            "expect_column_values_to_be_in_set",
            column,
            "document_types.not_activated",
            "error",
            "Die Beleg-Art '{value}' ist für diesen Mandanten in DATEV Unternehmen online nicht "
            "aktiviert. Aktivieren Sie sie unter Einstellungen > Belegtypen > Verwalten oder "
            "wenden Sie sich an Ihre Steuerberatung.",
            "aktivierte Beleg-Art",
            value_set=param("activated_document_types"),
            targets=["xml"],  # Belegsatzdaten only; a Buchungsstapel has no Beleg-Arten
        ),
        expectation(
            "expect_column_values_to_not_be_in_set",
            column,
            "document_types.no_folder",
            "error",
            "Für die Beleg-Art '{value}' ist in DATEV Unternehmen online kein Ordner (bzw. keine "
            "Kasse) angelegt, oder der gewählte Ziel-Ordner fehlt dort. Legen Sie ihn unter "
            "Einstellungen > Rechnungsordner an oder wählen Sie einen vorhandenen als Favorit.",
            "Beleg-Art mit Ordner",
            value_set=param("document_types_without_folder"),
            targets=["xml"],
        ),
    ]


ATTACHMENT_TYPES = "(?i)\\.(pdf|jpe?g|png|tiff?|gif|xml)$"


def attachment_rule(column: str) -> dict:
    return expectation(
        "expect_column_values_to_match_regex",
        column,
        "attachment.unsupported_type",
        "error",
        "Der Belegbild-Typ von '{value}' wird von DATEV nicht angenommen (keine ZIP-Dateien; "
        "erlaubt: PDF, JPG, PNG, TIF, GIF, XML). Hängen Sie den Beleg als PDF an.",
        "PDF, JPG, JPEG, PNG, TIF, TIFF, GIF oder XML",
        regex=ATTACHMENT_TYPES,
    )


def suite(
    name: str, expectations: list[dict], *, derived: dict[str, str] | None = None, notes: str = ""
) -> dict:
    return {
        "name": name,
        "expectations": expectations,
        "meta": {
            "great_expectations_version": "1.24",
            "workbench": {"derived_columns": derived or {}, "notes": notes},
        },
        "notes": None,
    }


def receipts() -> dict:
    invoices = ["Rechnungseingang", "Rechnungsausgang"]
    ex = [
        required(c)
        for c in (
            "document_id",
            "document_kind",
            "date",
            "accounting_month",
            "amount",
            "currency_code",
        )
    ]
    ex += [
        required("invoice_id", invoices, "document_kind"),
        required("booking_text", ["Kasse"], "document_kind"),
        # a Buchungsstapel books the invoice on the Debitor/Kreditor (Konto)
        required("party_account_no", invoices, "document_kind", targets=["extf"]),
    ]
    ex += document_type_rules("document_kind")
    ex += [period_rules("date"), period_rules("accounting_month", month=True)]
    ex += account_rules("account_no", "party_account_no")
    ex += amount_rules("amount", derived_decimals="__amount_sub_cent")
    ex += [tax_rule("tax"), currency_rule("currency_code")]
    ex += belegfeld("invoice_id", 36) + belegfeld("internal_invoice_id", 12)
    ex += [
        max_length("booking_text", 60),
        max_length(
            "booking_text",
            30,
            rule="field.truncated",
            severity="info",
            message="Buchungstext '{value}' ist länger als 30 Zeichen: DATEV Unternehmen "
            "online zeigt nur die ersten 30 an. Kürzen Sie ihn, wenn der Rest wichtig "
            "ist.",
        ),
        max_length("party_name", 50),
        max_length("party_city", 30),
        max_length("information", 120),
        max_length("cost_category_id", 36),
        max_length("cost_category_id2", 36),
    ]
    ex += [
        expectation(
            "expect_column_values_to_match_regex",
            "vat_id",
            "field.vat_id",
            "error",
            "Die USt-IdNr. '{value}' hat nicht das Format Länderkürzel + Nummer "
            "(z. B. DE123456789, höchstens 15 Zeichen). Korrigieren Sie sie in der Quelle.",
            "Länderkürzel + Nummer, höchstens 15 Zeichen",
            regex="^[A-Z]{2}[0-9A-Za-z+*]{2,13}$",
        ),
        expectation(
            "expect_column_values_to_match_regex",
            "iban",
            "field.iban",
            "error",
            "Die IBAN '{value}' hat nicht das IBAN-Format (Länderkürzel, 2 Prüfziffern, "
            "11-30 Zeichen, ohne Leerzeichen). Korrigieren Sie sie in der Quelle.",
            "IBAN ohne Leerzeichen",
            regex="^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{11,30}$",
        ),
        expectation(
            "expect_column_values_to_match_regex",
            "swift_code",
            "field.pattern",
            "error",
            "Der BIC '{value}' ist ungültig (8 oder 11 Zeichen, z. B. COBADEFFXXX). "
            "Korrigieren Sie ihn in der Quelle.",
            "BIC mit 8 oder 11 Zeichen",
            regex="^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$",
        ),
        attachment_rule("attachment"),
        expectation(
            "expect_column_values_to_not_be_in_set",
            "block_transfer",
            "transfer.blocked",
            "info",
            "Die Belegposition ist mit BlockTransfer markiert und wird nicht an DATEV übertragen.",
            "nicht gesperrt",
            value_set=[True],
        ),
    ]
    for column in TEXT_COLUMNS["receipts"]:
        ex += encoding_rules(column)
    return suite(
        "receipts",
        ex,
        derived={"__amount_sub_cent": "abs(amount * 100 - round(amount * 100))"},
        notes="Belegpositionen (JustOn style) for Belegsatzdaten (LedgerImport v6.0).",
    )


def invoices() -> dict:
    all_kinds = ["Rechnung", "Eingangsrechnung", "Gutschrift", "Storno"]
    with_address = ["Rechnung", "Eingangsrechnung", "Gutschrift"]
    ex = [
        required(c)
        for c in (
            "invoice_kind",
            "invoice_id",
            "date",
            "terms",
            "attachment",
            "currency_code",
            "tax_amount",
            "gross",
        )
    ]
    ex += [required("net", ["Rechnung", "Gutschrift", "Storno"])]
    ex += [required(c, with_address) for c in ("party_name", "city", "zip")]
    ex += [
        expectation(
            "expect_column_values_to_be_in_set",
            "invoice_kind",
            "field.pattern",
            "error",
            "Die Rechnungsart '{value}' ist unbekannt. Erlaubt sind "
            + ", ".join(all_kinds)
            + ". Korrigieren Sie sie in der Quelle.",
            ", ".join(all_kinds),
            value_set=all_kinds,
        )
    ]
    ex += [period_rules("date")]
    ex += account_rules("account_no", "party_account_no")
    ex += amount_rules("gross", derived_decimals="__gross_sub_cent")
    ex += amount_rules("net", zero=False, derived_decimals="__net_sub_cent")
    ex += amount_rules("tax_amount", zero=False, derived_decimals="__tax_sub_cent")
    ex += [gross_rule("__gross_diff", "gross"), currency_rule("currency_code")]
    ex += belegfeld("invoice_id", 36)
    ex += [
        max_length("party_name", 50),
        max_length("city", 30),
        max_length("cost_center", 36),
        expectation(
            "expect_column_values_to_match_regex",
            "zip",
            "field.pattern",
            "error",
            "Die deutsche PLZ '{value}' hat nicht fünf Ziffern (führende Null verloren? "
            "In Excel die Spalte als Text formatieren). Korrigieren Sie sie in der "
            "Quelle.",
            "fünfstellige PLZ",
            regex="^[0-9]{5}$",
            row_condition=kind_is("country", ["DE"]),
        ),
        expectation(
            "expect_column_values_to_match_regex",
            "zip",
            "field.pattern",
            "error",
            "Die PLZ '{value}' ist ungültig (Ziffern, Buchstaben, Leerzeichen oder "
            "Bindestrich, höchstens 10 Zeichen). Korrigieren Sie sie in der Quelle.",
            "Postleitzahl",
            regex="^[0-9A-Za-z][0-9A-Za-z -]{1,9}$",
            row_condition={**kind_is("country", ["DE"]), "operator": "NOT_IN"},
        ),
        expectation(
            "expect_column_values_to_match_regex",
            "country",
            "field.pattern",
            "error",
            "Das Länderkürzel '{value}' ist kein ISO-3166-Code aus zwei "
            "Großbuchstaben (z. B. DE). Korrigieren Sie es in der Quelle.",
            "zwei Großbuchstaben (ISO 3166)",
            regex="^[A-Z]{2}$",
        ),
        attachment_rule("attachment"),
    ]
    for column in TEXT_COLUMNS["invoices"]:
        ex += encoding_rules(column)
    return suite(
        "invoices",
        ex,
        derived={
            "__gross_sub_cent": "abs(gross * 100 - round(gross * 100))",
            "__net_sub_cent": "abs(net * 100 - round(net * 100))",
            "__tax_sub_cent": "abs(tax_amount * 100 - round(tax_amount * 100))",
            "__gross_diff": "net + tax_amount - gross",
        },
        notes="CRM+ invoices; required fields per invoice kind from CRM+'s table (seed 001).",
    )


def positions() -> dict:
    ex = [required(c) for c in ("invoice_id", "name", "tax", "net", "tax_amount", "gross")]
    ex += [tax_rule("tax")]
    ex += amount_rules("gross", zero=False, derived_decimals="__gross_sub_cent")
    ex += amount_rules("net", zero=False, derived_decimals="__net_sub_cent")
    ex += [gross_rule("__gross_diff", "gross")]
    for column in TEXT_COLUMNS["positions"]:
        ex += encoding_rules(column)
    return suite(
        "positions",
        ex,
        derived={
            "__gross_sub_cent": "abs(gross * 100 - round(gross * 100))",
            "__net_sub_cent": "abs(net * 100 - round(net * 100))",
            "__gross_diff": "net + tax_amount - gross",
        },
        notes="CRM+ Produktpositionen.",
    )


def calls() -> dict:
    ex = [
        required(c) for c in ("call_id", "started_at", "duration_s", "direction", "remote_number")
    ]
    ex += [
        expectation(
            "expect_column_values_to_be_between",
            "duration_s",
            "calls.invalid_duration",
            "error",
            "Die Gesprächsdauer {value} s ist negativ oder länger als 12 Stunden. Prüfen Sie den "
            "Export der Telefonanlage.",
            "0 bis 43200 Sekunden",
            min_value=0,
            max_value=43200,
        ),
        expectation(
            "expect_column_values_to_be_in_set",
            "direction",
            "field.pattern",
            "error",
            "Die Richtung '{value}' ist unbekannt (inbound, outbound, internal). "
            "Prüfen Sie das Profil der Telefonanlage.",
            "inbound, outbound oder internal",
            value_set=["inbound", "outbound", "internal"],
        ),
    ]
    for column in TEXT_COLUMNS["calls"]:
        ex += encoding_rules(column)
    return suite("calls", ex, notes="STARFACE call list; number matching is a later issue.")


def pos() -> dict:
    ex = [required(c) for c in ("business_date", "category_type", "category", "amount")]
    ex += [period_rules("business_date"), tax_rule("tax")]
    ex += amount_rules("amount", derived_decimals="__amount_sub_cent")
    for column in TEXT_COLUMNS["pos"]:
        ex += encoding_rules(column)
    return suite(
        "pos",
        ex,
        derived={"__amount_sub_cent": "abs(amount * 100 - round(amount * 100))"},
        notes="POS daily revenue (Lightspeed K-Series style).",
    )


def _einvoice_suites() -> dict:
    """The e-invoice suites live in ``einvoice_rules.py`` (EN 16931 / XRechnung rule ids)."""
    import sys

    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))
    import einvoice_rules  # type: ignore[import-not-found]

    # the e-invoice rules write their expectations with this script's builders
    einvoice_rules.expectation, einvoice_rules.suite = expectation, suite

    return {
        "einvoice": einvoice_rules.einvoice,
        "einvoice_lines": einvoice_rules.einvoice_lines,
        "einvoice_vat": einvoice_rules.einvoice_vat,
        "einvoice_charges": einvoice_rules.einvoice_charges,
    }


SUITES = {
    "receipts": receipts,
    "invoices": invoices,
    "positions": positions,
    "calls": calls,
    "pos": pos,
    **_einvoice_suites(),
}


def render(name: str) -> str:
    return json.dumps(SUITES[name](), ensure_ascii=False, indent=1) + "\n"


def main() -> None:
    for name in SUITES:
        (HERE / f"{name}.json").write_text(render(name), encoding="utf-8")


if __name__ == "__main__":
    main()
