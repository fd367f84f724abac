"""Every rule the sandbox applies, with its source: the table behind the README's rule list.

A rule is identified by the text DATEV (and so the sandbox) answers with: a dxso protocol
entry, an EXTF job's ``validation_details`` reason, or a ``#DCO`` error code. ``rule_for``
finds the rule behind an answer, so tests can say which rule rejected a file (the agreement
test of checks and sandbox does). The README's table is rendered from ``RULES`` and a test
keeps the two in step.

Basis of a rule:

* ``DATEV``: a DATEV-authored artefact says so (OpenAPI file, official XSD or its
  documentation, DATEV's Musterdaten or published examples).
* ``vendor``: a vendor's documentation of DATEV's behaviour (the seed documents 001, 004).
* ``third party``: another project's reading of DATEV's format description.
* ``assumption``: no source at hand; the sandbox behaves plausibly and says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["BASES", "RULES", "Rule", "render_table", "rule_for"]

BASES = ("DATEV", "vendor", "third party", "assumption")


@dataclass(frozen=True)
class Rule:
    """One sandbox rule: where it answers (``api``), how its answer reads, why it exists."""

    id: str
    api: str  # dxso (job creation/upload), dxso protocol, extf, documents, expense postings
    answer: str  # regex over the protocol text / validation reason / error code
    source: str
    basis: str

    def matches(self, text: str) -> bool:
        return re.search(self.answer, text) is not None


_XSD_DOC = "XSD documentation (Belegverwaltung_online_ledger_import_v060.xsd)"
_DXSO = "accounting_dxso-jobs-2.1.7.json"
_EXTF = "accounting_extf-files-3.0.1.json"
_DOCS = "accounting_documents-2.1.12.json"
_ORDERS = "order_management-1.4.8.json"
_MUSTER = "DATEV Musterdaten (../shared/datev/musterdaten)"

RULES: tuple[Rule, ...] = (
    # -- XML-Schnittstelle online: job creation and upload (#DCO codes) -------------------
    Rule(
        "dxso.one_job_per_month",
        "dxso",
        r"#DCO01001",
        f"{_DXSO}: one job per ledger kind and month (InvalidResourceModification)",
        "DATEV",
    ),
    Rule(
        "dxso.not_configured",
        "dxso",
        r"#DCO01002",
        f"{_DXSO}: InvalidDxsoImportTarget (no folder / cash book / fiscal year for the "
        "import type); cash: fiscal year must exist (seed 004)",
        "DATEV",
    ),
    Rule(
        "dxso.file_type",
        "dxso",
        r"#DCO01015|#DCO01219",
        f"{_DXSO}: UnsupportedFileType, content type must fit the extension",
        "DATEV",
    ),
    Rule(
        "dxso.file_size",
        "dxso",
        r"#DCO01016",
        f"{_DXSO}: FileSize, at most 20 MB per file",
        "DATEV",
    ),
    Rule(
        "dxso.belege_online_next",
        "dxso",
        r"#DCO01301",
        f"{_DXSO}: RDS1UploadNotSupported (new Belege online)",
        "DATEV",
    ),
    # -- XML-Schnittstelle online: DATEV-side processing (protocol texts) -----------------
    Rule(
        "xml.document_missing",
        "dxso protocol",
        r"^Die Datei document\.xml fehlt",
        "Document_v060.xsd: every package is described by its document.xml",
        "DATEV",
    ),
    Rule(
        "xml.document_schema",
        "dxso protocol",
        r"^Die Datei entspricht nicht dem XML-Schema",
        "Document_v060.xsd",
        "DATEV",
    ),
    Rule(
        "xml.client_numbers",
        "dxso protocol",
        r"in document\.xml passt nicht zum Mandanten",
        "Document_v060.xsd documentation: consultantNumber/clientNumber must match",
        "DATEV",
    ),
    Rule(
        "xml.cash_month_order",
        "dxso protocol",
        r"wurden bereits Kassenbewegungen übertragen",
        "seed 004: no cash month older than one already transferred",
        "vendor",
    ),
    Rule(
        "xml.file_missing",
        "dxso protocol",
        r"^Die Datei .+ wurde nicht übertragen\.",
        "every file document.xml names must be uploaded (Document_v060.xsd describes the "
        "package); the protocol text is ours",
        "assumption",
    ),
    Rule(
        "xml.import_type",
        "dxso protocol",
        r"^Die Belegart .+ passt nicht zur Datenübertragung",
        f"{_DXSO}: a job is created for one import_type",
        "DATEV",
    ),
    Rule(
        "xml.period",
        "dxso protocol",
        r"^Der Buchungsmonat .+ (ist ungültig|passt nicht)",
        f"Document_v060.xsd property 1 = YYYY-MM; {_DXSO}: accounting_month of the job",
        "DATEV",
    ),
    Rule(
        "xml.fiscal_year",
        "dxso protocol",
        r"^Das Wirtschaftsjahr \d{4} ist in DATEV .*nicht angelegt",
        "seed 004 and seed 001 (protocol text quoted there)",
        "vendor",
    ),
    Rule(
        "xml.cash_book",
        "dxso protocol",
        r"^Das Kassenbuch .+ ist in DATEV .*nicht angelegt",
        f"{_DXSO}: cash_ledger_names; seed 004 (Ziel-Ordner / Kasse)",
        "vendor",
    ),
    Rule(
        "xml.document_type",
        "dxso protocol",
        r"^Der Belegtyp .+ nicht aktiviert oder hat keinen",
        "seed 004: Belegtyp activated and with a folder (Einstellungen > Rechnungsordner)",
        "vendor",
    ),
    Rule(
        "xml.folder",
        "dxso protocol",
        r"^Der Rechnungsordner .+ nicht angelegt",
        f"{_DXSO}: ledger_folder_names; property 3 = folder (Musterdaten)",
        "DATEV",
    ),
    Rule(
        "xml.intruder_alert",
        "dxso protocol",
        r"Ursache: Intruder Alert",
        "seed 004 (exotic spaces, &xx and \\3xx escapes in texts; DATEV developer portal "
        "'Zeichensatz'); controls, zero-width and private-use characters",
        "vendor",
    ),
    Rule(
        "xml.ledger_schema",
        "dxso protocol",
        r"^Rechnung passt nicht zu Rechnungsschema\. Ursache: (?!Intruder Alert)",
        "Belegverwaltung_online_ledger_import_v060.xsd (text: seed 001)",
        "DATEV",
    ),
    Rule(
        "xml.ledger_kind",
        "dxso protocol",
        r"^Die Buchungen passen nicht zur Belegart",
        "Belegverwaltung_online_ledger_import_v060.xsd: one ledger kind per consolidate",
        "DATEV",
    ),
    Rule(
        "xml.consolidated_amount",
        "dxso protocol",
        r"\(consolidatedAmount\) stimmt nicht",
        f"{_XSD_DOC}: consolidatedAmount = sum of the records",
        "DATEV",
    ),
    Rule(
        "xml.consolidated_period",
        "dxso protocol",
        r"\(consolidatedDate\) liegt nicht im Buchungsmonat",
        f"{_XSD_DOC}: consolidatedDate inside the fiscal year and the period of document.xml "
        "(property 1); DATEV's Musterdaten keep it",
        "DATEV",
    ),
    Rule(
        "xml.consolidated_match",
        "dxso protocol",
        r"^consolidated\w+ .+ stimmt nicht mit",
        f"{_XSD_DOC}: consolidated date, currency and invoice id equal the records'",
        "DATEV",
    ),
    Rule(
        "xml.account_length",
        "dxso protocol",
        r"^Die Kontenlänge der Kontonummer",
        f"{_XSD_DOC} (accountNo fits the account length; 123456 rejected at length 4); "
        f"shorter Sachkonten pass like in EXTF ({_MUSTER}: 85, 320, 980)",
        "DATEV",
    ),
    Rule(
        "xml.personal_account_length",
        "dxso protocol",
        r"^Die Kontenlänge des Personenkontos",
        "Belegverwaltung_online_ledger_types_v060.xsd: bpAccountNo 10000-999999999 = "
        "Sachkontenlänge + 1 (text: seed 001)",
        "DATEV",
    ),
    Rule(
        "xml.undescribed_file",
        "dxso protocol",
        r"in document\.xml nicht beschrieben",
        "a warning only; the protocol text is ours",
        "assumption",
    ),
    # -- Buchungsdatenservice (EXTF) ------------------------------------------------------
    Rule(
        "extf.file",
        "extf",
        r"Only Windows-1252|No payload|Wagenrücklauf- oder NUL-Zeichen",
        f"{_EXTF}: 1008833 (encoding by BOM, no payload)",
        "DATEV",
    ),
    Rule("extf.postings_limit", "extf", r"More than 99999 postings", f"{_EXTF}: 1008833", "DATEV"),
    Rule(
        "extf.permission",
        "extf",
        r"^Permission to transfer data for this client-id is missing",
        f"{_EXTF}: 1008838 Missing permission, a code of the job's validation_details (the "
        "client has not booked the Buchungsdatenservice)",
        "DATEV",
    ),
    Rule(
        "extf.header",
        "extf",
        r"EXTF-header exceeds|Missing columns in EXTF-header|Error in header field|"
        r"Invalid combination of data category|DateFrom must not be greater",
        f"{_EXTF}: 1008834 (one error per field, 3-5 included); fields 23-26, 29, 30 empty; "
        "fields 3 and 4 as in DATEV's header description (dtvf/formate/header); combinations "
        "21 (v9, 12, 13), 16 (v4, 5); 20 (Kontenbeschriftungen v2, v3) and refusing 46, 48, "
        "65 are assumptions",
        "DATEV",
    ),
    Rule(
        "extf.client_numbers",
        "extf",
        r"-number in the EXTF-header does not match",
        f"{_EXTF}: 1008834",
        "DATEV",
    ),
    Rule(
        "extf.fiscal_year",
        "extf",
        r"^Das Wirtschaftsjahr \d{4} ist in DATEV .*nicht angelegt",
        "seed 001 (the text); applied to EXTF imports by analogy",
        "assumption",
    ),
    Rule(
        "extf.account_length",
        "extf",
        r"^Die Kontenlänge in der Datei",
        "seed 001 (Kontenlänge in the settings vs DATEV); for the header field 14 by analogy",
        "assumption",
    ),
    Rule(
        "extf.period",
        "extf",
        r"^Datum vom/bis liegt nicht im Wirtschaftsjahr",
        "DATEV's header description (dtvf/formate/header): one period inside one fiscal year",
        "third party",
    ),
    Rule(
        "extf.amount",
        "extf",
        r"ist kein Betrag im Format 1234,56",
        "DATEV's format description (^(?!0{1,10},00)\\d{1,10},\\d{2}$, quoted by third "
        f"parties); without decimals or with one as {_MUSTER} and DATEV's v5 Debitoren example "
        "write them",
        "DATEV",
    ),
    Rule(
        "extf.debit_credit",
        "extf",
        r"muss S oder H sein",
        "developer.datev.de dtvf/formate/buchungsstapel (FACTS §7)",
        "DATEV",
    ),
    Rule(
        "extf.account",
        "extf",
        r"^Die Kontonummer .+ passt nicht zur Sachkontenlänge",
        f"FACTS §7 (digits; personal accounts Sachkontenlänge + 1); shorter Sachkonten pass "
        f"({_MUSTER}: 85, 320, 980)",
        "DATEV",
    ),
    Rule(
        "extf.belegdatum",
        "extf",
        r"liegt nicht zwischen Datum vom und Datum bis",
        "DATEV's field description as quoted by ledermann/datev (TTMM inside the period)",
        "third party",
    ),
    Rule(
        "extf.control_characters",
        "extf",
        r"Das Feld enthält ein Steuerzeichen",
        "developer.datev.de dtvf (FACTS §7): text in quotes, no control characters",
        "DATEV",
    ),
    Rule(
        "extf.belegfeld1",
        "extf",
        r"erlaubt höchstens 36 Zeichen aus",
        "ledermann/datev booking.rb; the same set as the XSD's invoiceId",
        "third party",
    ),
    Rule(
        "extf.buchungstext",
        "extf",
        r"Der Buchungstext ist länger als 60 Zeichen",
        f"ledermann/datev booking.rb; {_MUSTER} use exactly 60",
        "third party",
    ),
    # -- Belegbilderservice (accounting-documents) ----------------------------------------
    Rule(
        "documents.document_type",
        "documents",
        r"#DCO01010",
        f"{_DOCS}: document_type must exist",
        "DATEV",
    ),
    Rule(
        "documents.file",
        "documents",
        r"#DCO01015|#DCO01016|#DCO01215|#DCO01216|#DCO01219|#DCO01222|#DCO01232",
        f"{_DOCS}: type, 20 MB, name length, stapled files",
        "DATEV",
    ),
    Rule(
        "documents.duplicate",
        "documents",
        r"#DCO01012|#DCO01253",
        f"{_DOCS}: id in use, duplicate",
        "DATEV",
    ),
    # -- Eigenorganisation: expense postings (DATEVconnect order management) --------------
    Rule(
        "expense.fields",
        "expense postings",
        r"^Das Feld .+ (fehlt|ist unbekannt|kann nicht|darf beim)|erforderlich|nicht zulässig|"
        r"muss zwischen|muss eine positive|nur zusammen mit|muss ein Datum|länger als 255|"
        r"muss true oder false",
        f"{_ORDERS}: required fields, quantity fields per cost type, ranges",
        "DATEV",
    ),
    Rule(
        "expense.master_data",
        "expense postings",
        r"ist nicht angelegt|ist inaktiv|keine Kostenerfassung möglich|passt nicht zur URL",
        f"{_ORDERS} (employee, cost position, order); inactive employee and closed orders "
        "refused as EO comfort does",
        "assumption",
    ),
)

#: Rules removed because DATEV's own data contradicts them (listed in the README).
REMOVED = {
    "xml.ordnungsbegriff": 'Negative amounts had to reference a transferred invoice ("Der '
    "Ordnungsbegriff ist nicht angelegt\"): DATEV's ARK/ERK Musterdaten are corrections under "
    "their own invoice id without any reference. The text is DATEV's (seed 001), its cause "
    "is not documented, so the sandbox does not produce it.",
    "extf.amount_two_decimals": "Umsatz had to have two decimals: DATEV writes 64083.",
    "account.exact_length": "Sachkonten had to have exactly the Sachkontenlänge: DATEV writes "
    "85, 320 and 980 for a length of 4 (leading zeros omitted).",
}


def rule_for(api: str, text: str) -> Rule | None:
    """The rule behind one answer of ``api`` (first match in table order), or None."""
    return next((r for r in RULES if r.api == api and r.matches(text)), None)


def render_table() -> str:
    """The README's rule table (Markdown)."""
    lines = ["| rule | answers | source | basis |", "|---|---|---|---|"]
    for rule in RULES:
        answer = rule.answer.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.api}: `{answer}` | {rule.source} | {rule.basis} |")
    lines += ["", "Removed because DATEV's own data contradicts them:", ""]
    lines += [f"- `{rule}`: {why}" for rule, why in REMOVED.items()]
    return "\n".join(lines)
