"""Which DATEV rule each ``error`` of the checks predicts: the checks' half of the agreement.

An ``error`` finding says "DATEV would reject this" (ARCHITECTURE §4.2). For every rule that can
raise one, this table names, per target, the DATEV rules it predicts: ids of the sandbox's rule
table (``workbench/sandbox/rule_table.py``, each with its source), because the sandbox stands in
for DATEV and follows DATEV's own data. Where the check rejects more than DATEV does, on purpose,
``stricter`` says why, and the finding's message says "strenger als DATEV".
``tests/test_agreement.py`` feeds defects to the checks and, unblocked, to the sandbox and holds
both to this table; ``tests/checks/test_predictions.py`` keeps it complete.

Targets: ``xml`` (Rechnungsdatenservice 1.0: LedgerImport + document.xml), ``extf``
(Buchungsdatenservice: EXTF Buchungsstapel, Belegbilder through the Belegbilderservice),
``expense`` (Eigenorganisation: expense postings of call billing).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PREDICTIONS", "Prediction", "prediction"]


@dataclass(frozen=True)
class Prediction:
    """DATEV rules (sandbox rule ids) an error predicts, and why it may be stricter."""

    datev: tuple[str, ...] = ()
    stricter: str | None = None


def _p(*datev: str, stricter: str | None = None) -> Prediction:
    return Prediction(tuple(datev), stricter)


_SCHEMA = "xml.ledger_schema"
_NOT_CP1252 = "the workbench writes a Buchungsstapel in Windows-1252, DATEV's default"
_CALLS = "a call log line that cannot be read right cannot be billed; DATEV never sees it"
_OUTSIDE = (
    "a Belegbild outside the source's folders is never read: a file of another client must "
    "not reach this client's DATEV"
)
_GROUPING = (
    "Beleg, Beleg-Art and Buchungsmonat group the items into Belege and transfers; without them "
    "the workbench cannot build what DATEV would receive"
)

PREDICTIONS: dict[str, dict[str, Prediction]] = {
    # -- encoding.* ------------------------------------------------------------------------------
    "encoding.control_character": {
        "expense": _p(stricter=_CALLS),
        "xml": _p("xml.intruder_alert", _SCHEMA),
        "extf": _p("extf.control_characters", "extf.file", stricter=_NOT_CP1252),
    },
    "encoding.rejected_character": {
        "expense": _p(stricter=_CALLS),
        "xml": _p("xml.intruder_alert"),
        "extf": _p(stricter=_NOT_CP1252),
    },
    "encoding.escape_sequence": {
        "expense": _p(stricter=_CALLS),
        "xml": _p("xml.intruder_alert"),
        "extf": _p(
            stricter="DATEV's XML interface rejects escape debris (seed 004); in a "
            "Buchungsstapel it would be booked as garbled text"
        ),
    },
    "encoding.exotic_space": {
        "expense": _p(stricter=_CALLS),
        "xml": _p("xml.intruder_alert"),
        "extf": _p(
            stricter="the same text is refused as Belegsatzdaten (Intruder Alert); the "
            "safe fix costs nothing"
        ),
    },
    "encoding.not_cp1252": {"extf": _p(stricter=_NOT_CP1252)},
    "encoding.outer_space": {  # an error only where DATEV's type forbids it (KOST)
        "xml": _p(_SCHEMA),
        "extf": _p(
            stricter="KOST1/KOST2 with outer spaces are refused as Belegsatzdaten "
            "(XSD p10041); the safe fix costs nothing"
        ),
    },
    # -- account.* -------------------------------------------------------------------------------
    "account.non_numeric": {"xml": _p(_SCHEMA), "extf": _p("extf.account")},
    "account.length_mismatch": {
        "xml": _p(
            "xml.account_length",
            _SCHEMA,
            stricter="one digit more is a personal account, which DATEV books without "
            "a word; as a Sachkonto it is a typing error",
        ),
        "extf": _p("extf.account", stricter="one digit more is a personal account"),
    },
    "account.personal_length_mismatch": {
        "xml": _p("xml.personal_account_length", _SCHEMA),
        "extf": _p("extf.account", stricter="a shorter Debitor/Kreditor is read as a Sachkonto"),
    },
    "account.configured_length_mismatch": {
        "xml": _p(
            stricter="the user's settings contradict DATEV (seed 001: CRM+ refuses to "
            "export); files built from them would carry wrong account numbers"
        ),
        "extf": _p("extf.account_length", stricter="the user's settings contradict DATEV"),
    },
    # -- amount.* --------------------------------------------------------------------------------
    "amount.zero": {"xml": _p(_SCHEMA), "extf": _p("extf.amount")},
    "amount.decimals": {"xml": _p(_SCHEMA), "extf": _p("extf.amount")},
    "amount.range": {"xml": _p(_SCHEMA), "extf": _p("extf.amount")},
    "amount.tax_rate": {
        "xml": _p(_SCHEMA, stricter="DATEV takes any rate up to 99.99 % and books it"),
        "extf": _p(stricter="DATEV takes any rate up to 99.99 % and books it"),
    },
    "amount.gross_mismatch": {
        "xml": _p(stricter="net + tax != gross: the invoice contradicts itself"),
        "extf": _p(stricter="net + tax != gross: the invoice contradicts itself"),
    },
    # -- field.* ---------------------------------------------------------------------------------
    "field.required": {
        "expense": _p(stricter=_CALLS),
        "xml": _p(_SCHEMA, stricter=_GROUPING),
        "extf": _p("extf.amount", "extf.account", "extf.belegdatum", stricter=_GROUPING),
    },
    "field.max_length": {
        "xml": _p(_SCHEMA),
        "extf": _p(
            "extf.belegfeld1",
            "extf.buchungstext",
            stricter="the same limits as for Belegsatzdaten (XSD)",
        ),
    },
    "field.pattern": {
        "expense": _p(stricter=_CALLS),
        "xml": _p(_SCHEMA, stricter="BIC and postcode formats: DATEV does not check them"),
        "extf": _p("extf.belegfeld1", stricter="BIC and postcode formats"),
    },
    "field.currency": {
        "xml": _p(_SCHEMA),
        "extf": _p(stricter="the currency list of DATEV's XSD applies to EXTF as well"),
    },
    "field.vat_id": {
        "xml": _p(_SCHEMA, stricter="check digits: DATEV checks only the format"),
        "extf": _p(stricter="check digits: DATEV checks only the format"),
    },
    "field.iban": {
        "xml": _p(_SCHEMA, stricter="checksum: DATEV checks only the format"),
        "extf": _p(stricter="checksum: DATEV checks only the format"),
    },
    "field.unparseable": {
        "xml": _p(stricter="the value cannot be read, so nothing can be sent"),
        "extf": _p(stricter="the value cannot be read, so nothing can be sent"),
        "expense": _p(stricter="the value cannot be read, so nothing can be sent"),
    },
    # -- fiscal_year.* ---------------------------------------------------------------------------
    "fiscal_year.not_created": {
        "xml": _p("xml.fiscal_year", "dxso.not_configured"),
        "extf": _p("extf.fiscal_year"),
    },
    "fiscal_year.outside_period": {
        "xml": _p(stricter="outside the period the user chose for this transfer"),
        "extf": _p(stricter="outside the period the user chose for this transfer"),
    },
    "fiscal_year.month_mismatch": {
        "xml": _p("xml.consolidated_period"),
        "extf": _p(stricter="the Buchungsmonat decides the file; DATEV reads only the date"),
    },
    "fiscal_year.invalid_start": {
        "xml": _p(stricter="the user's WJ-Beginn contradicts DATEV's fiscal years"),
        "extf": _p(stricter="the user's WJ-Beginn contradicts DATEV's fiscal years"),
    },
    # -- document_types.* (Belegsatzdaten only) --------------------------------------------------
    "document_types.not_activated": {"xml": _p("xml.document_type", "dxso.not_configured")},
    "document_types.no_folder": {
        "xml": _p("xml.document_type", "xml.folder", "xml.cash_book", "dxso.not_configured"),
    },
    # -- duplicate.* -----------------------------------------------------------------------------
    "duplicate.invoice_id": {
        "xml": _p(stricter="DATEV takes both and matches open items by the number"),
        "extf": _p(stricter="DATEV takes both and matches open items by the number"),
    },
    "duplicate.call_id": {"expense": _p(stricter="DATEV would post the call twice")},
    "duplicate.item_id": {
        "xml": _p(stricter="DATEV would book the item as often as it is sent"),
        "extf": _p(stricter="DATEV would book the item as often as it is sent"),
    },
    # -- cash.* ----------------------------------------------------------------------------------
    "cash.chronology": {
        "xml": _p(stricter="cash book rules (seed 004); DATEV's interface does not check them"),
        "extf": _p(stricter="cash book rules (seed 004)"),
    },
    "cash.negative_balance": {
        "xml": _p(stricter="cash book rules (seed 004); DATEV's interface does not check them"),
        "extf": _p(stricter="cash book rules (seed 004)"),
    },
    "cash.multiple_dates": {
        "xml": _p("xml.consolidated_match"),
        "extf": _p(stricter="one date per Kassenbeleg, as for Belegsatzdaten"),
    },
    "cash.month_already_transferred": {
        "xml": _p("xml.cash_month_order"),
        "extf": _p(stricter="the cash book takes no older month (seed 004)"),
    },
    # -- attachment.* ----------------------------------------------------------------------------
    "attachment.missing": {
        "xml": _p("xml.file_missing"),
        "extf": _p("documents.file", stricter="a Beleglink without its Belegbild"),
    },
    "attachment.too_large": {"xml": _p("dxso.file_size"), "extf": _p("documents.file")},
    "attachment.empty": {"xml": _p("dxso.file_type"), "extf": _p("documents.file")},
    "attachment.outside_folder": {
        "xml": _p(stricter=_OUTSIDE),
        "extf": _p(stricter=_OUTSIDE),
    },
    "attachment.unsupported_type": {"xml": _p("dxso.file_type"), "extf": _p("documents.file")},
    # -- calls.* (expense postings) --------------------------------------------------------------
    "calls.invalid_duration": {"expense": _p("expense.fields")},
    "calls.invalid_assignment": {
        "expense": _p(stricter="the split the user asked for does not add up"),
    },
    "calls.no_order": {"expense": _p("expense.master_data")},
    "calls.no_employee": {"expense": _p("expense.fields", "expense.master_data")},
}


def prediction(rule: str, target: str) -> Prediction | None:
    """The prediction of ``rule``'s errors for ``target`` (None: the rule has no error there)."""
    return PREDICTIONS.get(rule, {}).get(target)
