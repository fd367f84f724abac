"""``load_einvoices``: XRechnung (UBL, CII) and ZUGFeRD/Factur-X PDFs into the invoice frames.

Each file is one invoice. It becomes one row of the canonical ``invoices`` frame and one
``positions`` row per invoice line and per document-level allowance or charge; the full set of
EN 16931 terms the checks need stays in ``result.details`` (``einvoice``, ``einvoice_lines``,
``einvoice_vat``, ``einvoice_charges``), and ``details["einvoice_locations"]`` says for every
value the line and XPath it came from. ``source_row`` is the line of the record's element (the
root element for an invoice, ``cac:InvoiceLine`` / ``ram:IncludedSupplyChainTradeLineItem``
for a position); for a PDF the lines are those of the embedded XML.

Direction: e-invoices are received (``Eingangsrechnung``; the counterparty is the seller) unless
the profile says ``direction = "outgoing"`` (``Rechnung``/``Gutschrift``; the counterparty is the
buyer). A received credit note (UBL ``CreditNote``, type code 381) books negative amounts.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import polars as pl

from workbench.errors import SourceError
from workbench.findings import concat_findings, findings_frame
from workbench.sources.einvoice import fields as f
from workbench.sources.einvoice.pdf import read_pdf_invoice
from workbench.sources.einvoice.schema import schema_errors
from workbench.sources.einvoice.xml import Extracted, extract, parse_xml
from workbench.sources.loader import LoadResult, SourceInfo
from workbench.sources.readers import _read_bytes
from workbench.sources.schema import canonical_schema

__all__ = ["CANONICAL_SOURCES", "DIRECTIONS", "is_einvoice", "load_einvoices", "profile_of"]

PathLike = str | os.PathLike[str]
DIRECTIONS = ("incoming", "outgoing")
CREDIT_NOTE_CODES = {"381", "396", "81", "83", "261", "262", "532"}

#: Canonical invoice column ← e-invoice column, per direction (the counterparty differs).
CANONICAL_SOURCES: dict[str, dict[str, str]] = {
    direction: {
        "invoice_id": "invoice_id",
        "date": "issue_date",
        "party_name": f"{party}_name",
        "street": f"{party}_street",
        "zip": f"{party}_zip",
        "city": f"{party}_city",
        "country": f"{party}_country",
        "phone": "seller_phone" if party == "seller" else "",
        "email": "seller_email" if party == "seller" else "",
        "currency_code": "currency",
        "net": "tax_exclusive",
        "tax_amount": "tax_total",
        "gross": "tax_inclusive",
        "terms": "payment_terms",
        "vat_id": f"{party}_vat_id",
        "iban": "iban",
        "due_date": "due_date",
        "invoice_kind": "type_code",
    }
    for direction, party in (("incoming", "seller"), ("outgoing", "buyer"))
}
POSITION_SOURCES = {
    "name": "item_name",
    "tax": "rate",
    "net": "line_net",
    "quantity": "quantity",
    "unit_price": "unit_price",
}
_TYPES = {spec.column: spec.type for spec in f.HEADER_FIELDS}


def profile_of(spec_id: str | None) -> str | None:
    """The ZUGFeRD/Factur-X profile or XRechnung named by BT-24 (the specification identifier)."""
    text = (spec_id or "").lower()
    if not text:
        return None
    for marker, name in (
        ("xrechnung", "XRechnung"),
        (":minimum", "MINIMUM"),
        (":basicwl", "BASIC WL"),
        (":extended", "EXTENDED"),
        (":basic", "BASIC"),
    ):
        if marker in text:
            return name
    return "EN 16931" if text.startswith("urn:cen.eu:en16931:2017") else spec_id


def is_einvoice(path: PathLike) -> bool:
    """True for an XML whose root is UBL Invoice/CreditNote or CII, or a PDF with one inside."""
    path = Path(path)
    try:
        head = _read_bytes(path, 4096)
    except SourceError:
        return False
    if head.startswith(b"%PDF"):
        try:
            read_pdf_invoice(_read_bytes(path), name=path.name)
        except SourceError:
            return False
        return True
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<"):
        return False
    return any(
        marker in head
        for marker in (
            f.UBL_NS["ubl"].encode(),
            f.UBL_NS["cn"].encode(),
            f.CII_NS["rsm"].encode(),
        )
    )


def _read(path: Path) -> tuple[Extracted, dict[str, Any]]:
    """One file: the extracted values and the per-file facts (format, PDF/A, text layer)."""
    data = _read_bytes(path)
    facts: dict[str, Any] = {
        "container": "XML",
        "xml_name": path.name,
        "pdfa_part": None,
        "pdfa_conformance": None,
        "pdf_text": None,
    }
    if data.startswith(b"%PDF"):
        pdf = read_pdf_invoice(data, name=path.name)
        data = pdf.xml
        facts.update(
            container="PDF",
            xml_name=pdf.xml_name,
            pdfa_part=pdf.pdfa_part,
            pdfa_conformance=pdf.pdfa_conformance,
            pdf_text=pdf.text,
        )
    elif not data.strip():
        raise SourceError(f"Die Datei {path.name} ist leer.", file=path.name)
    root = parse_xml(data, name=path.name)
    if "ferd:CrossIndustryDocument" in root.tag:
        raise SourceError(
            f"Die Datei {path.name} ist eine ZUGFeRD-1.0-Rechnung; gelesen werden ZUGFeRD ab 2.0, "
            "Factur-X und XRechnung. Fordern Sie eine aktuelle E-Rechnung an.",
            file=path.name,
        )
    extracted = extract(root, name=path.name)
    facts["schema_errors"] = schema_errors(
        root,
        syntax=extracted.syntax,
        document=extracted.root,
        profile=profile_of(extracted.header.get("spec_id")),
    )
    return extracted, facts


def load_einvoices(
    files: PathLike | Iterable[PathLike], *, direction: str = "incoming"
) -> LoadResult:
    """Load e-invoices (XML or PDF) into the canonical ``invoices`` and ``positions`` frames.

    >>> result = load_einvoices("einvoice_RE-2026-0101_xrechnung_ubl.xml")  # doctest: +SKIP
    >>> result.details["einvoice"]["profile"].item()  # doctest: +SKIP
    'XRechnung'
    """
    if direction not in DIRECTIONS:
        raise SourceError(
            f"Die Richtung '{direction}' ist unbekannt; erlaubt sind {', '.join(DIRECTIONS)}."
        )
    paths = [Path(files)] if isinstance(files, (str, os.PathLike)) else [Path(p) for p in files]
    if not paths:
        raise SourceError("Es wurde keine Quelldatei angegeben.")
    headers: list[dict[str, Any]] = []
    groups: dict[str, list[dict[str, Any]]] = {"lines": [], "vat": [], "charges": []}
    locations: list[tuple] = []
    schema: list[tuple] = []
    for path in paths:
        extracted, facts = _read(path)
        name = path.name
        schema.extend(
            (name, extracted.root_line, error.line, error.path, error.message, error.schema)
            for error in facts.pop("schema_errors")
        )
        invoice_id = extracted.header.get("invoice_id")
        headers.append(
            {
                "source_file": name,
                "source_row": extracted.root_line,
                "attachment": os.path.abspath(path),
                "syntax": extracted.syntax,
                "document": extracted.root,
                "profile": profile_of(extracted.header.get("spec_id")),
                **facts,
                **extracted.header,
            }
        )
        for group, records in extracted.groups.items():
            for index, (record, line) in enumerate(
                zip(records, extracted.group_lines[group], strict=True)
            ):
                groups[group].append(
                    {
                        "source_file": name,
                        "source_row": line,
                        "invoice_id": invoice_id,
                        "index": index,
                        **record,
                    }
                )
        rows = {
            "header": [extracted.root_line],
            **{group: lines for group, lines in extracted.group_lines.items()},
        }
        locations.extend(
            (name, rows[loc.group][loc.index], loc.group, loc.column, loc.line, loc.xpath)
            for loc in extracted.locations
        )
    details = _details(headers, groups, locations)
    details["einvoice_schema"] = pl.DataFrame(
        schema,
        schema={
            "source_file": pl.String,
            "source_row": pl.Int64,
            "line": pl.Int64,
            "xpath": pl.String,
            "message": pl.String,
            "schema": pl.String,
        },
        orient="row",
    )
    findings = _unparseable(details)
    frame = _invoices(details["einvoice"], direction)
    positions = _positions(details, direction)
    details["einvoice_locations"] = _canonical_locations(details["einvoice_locations"], direction)
    infos = tuple(_info(row, direction, "invoices") for row in headers)
    position_infos = tuple(_info(row, direction, "positions") for row in headers)
    return LoadResult(
        kind="invoices",
        frame=frame,
        findings=findings,
        sources=infos,
        positions=positions,
        position_sources=position_infos,
        details=details,
    )


def _info(row: dict[str, Any], direction: str, kind: str) -> SourceInfo:
    prefix = "/" + (row["document"] if row["syntax"] == "UBL" else "rsm:CrossIndustryInvoice")
    paths = {
        spec.column: spec.ubl if row["syntax"] == "UBL" else spec.cii for spec in f.HEADER_FIELDS
    }
    if kind == "invoices":
        mapped = {
            canonical: f"{prefix}/{paths[source].split(' | ')[0]}"
            for canonical, source in CANONICAL_SOURCES[direction].items()
            if source
        }
    else:
        line_paths = {
            spec.column: spec.ubl if row["syntax"] == "UBL" else spec.cii for spec in f.LINE_FIELDS
        }
        group = f.LINES.ubl if row["syntax"] == "UBL" else f.LINES.cii
        mapped = {
            canonical: f"{prefix}/{group.split(' | ')[0]}/{line_paths[source].split(' | ')[0]}"
            for canonical, source in POSITION_SOURCES.items()
        }
    xml = "XRechnung" if row["profile"] == "XRechnung" else "E-Rechnung"
    variant = {"PDF": "ZUGFeRD/Factur-X (PDF)", "XML": f"{xml} ({row['syntax']})"}[row["container"]]
    return SourceInfo(
        file=row["source_file"],
        kind=kind,
        variant=f"{variant}, {row['profile'] or 'ohne Profilkennung'}",
        format=row["container"].lower(),
        encoding=None,
        sheet=None,
        rows=1,
        mapped=mapped,
        unmapped=(),
    )


def _typed(frame: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Amounts and rates as numbers, dates as dates (UBL ``2026-01-31``, CII ``20260131``)."""
    casts = []
    for column, kind in columns.items():
        if column not in frame.columns:
            continue
        text = pl.col(column)
        if kind in ("amount", "rate"):
            casts.append(text.cast(pl.Float64, strict=False).alias(column))
        elif kind == "date":
            casts.append(
                pl.coalesce(
                    text.str.strptime(pl.Date, "%Y-%m-%d", strict=False),
                    text.str.strptime(pl.Date, "%Y%m%d", strict=False),
                ).alias(column)
            )
    return frame.with_columns(casts) if casts else frame


def _details(
    headers: list[dict[str, Any]], groups: dict[str, list[dict[str, Any]]], locations: list[tuple]
) -> dict[str, pl.DataFrame]:
    header_schema = {
        "source_file": pl.String,
        "source_row": pl.Int64,
        **{
            name: pl.String
            for name in (
                "attachment", "syntax", "document", "profile", "container", "xml_name",
                "pdfa_part", "pdfa_conformance", "pdf_text",
            )
        },
        **{spec.column: pl.String for spec in f.HEADER_FIELDS},
    }  # fmt: skip
    details = {"einvoice": _typed(pl.DataFrame(headers, schema=header_schema), _TYPES)}
    for group, spec in (("lines", f.LINES), ("vat", f.VAT), ("charges", f.CHARGES)):
        schema = {
            "source_file": pl.String,
            "source_row": pl.Int64,
            "invoice_id": pl.String,
            "index": pl.Int64,
            **{field.column: pl.String for field in spec.fields},
        }
        frame = pl.DataFrame(groups[group], schema=schema)
        details[f"einvoice_{group}"] = _typed(frame, {x.column: x.type for x in spec.fields})
    details["einvoice_locations"] = pl.DataFrame(
        locations,
        schema={
            "source_file": pl.String,
            "source_row": pl.Int64,
            "group": pl.String,
            "column": pl.String,
            "line": pl.Int64,
            "xpath": pl.String,
        },
        orient="row",
    )
    # keep the raw text of typed values for the unparseable findings
    details["_raw"] = pl.DataFrame(headers, schema=header_schema).select(
        "source_file", "source_row", *[c for c, t in _TYPES.items() if t in ("amount", "date")]
    )
    return details


def _unparseable(details: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """``field.unparseable`` for header amounts and dates that are not numbers / dates."""
    raw, typed = details.pop("_raw"), details["einvoice"]
    records = []
    for column in raw.columns[2:]:
        bad = raw[column].is_not_null() & typed[column].is_null()
        for row in raw.filter(bad).iter_rows(named=True):
            spec = next(s for s in f.HEADER_FIELDS if s.column == column)
            records.append(
                {
                    "source": row["source_file"],
                    "row": row["source_row"],
                    "column": column,
                    "rule": "field.unparseable",
                    "severity": "error",
                    "value": row[column],
                    "expected": "Datum (JJJJ-MM-TT, CII: JJJJMMTT)"
                    if spec.type == "date"
                    else "Betrag mit Punkt (z. B. 1190.00)",
                    "message": f"{row['source_file']}: {spec.term} ({spec.label}) '{row[column]}' "
                    "ist nicht lesbar. Fordern Sie eine korrigierte E-Rechnung an.",
                }
            )
    return concat_findings([findings_frame(records)])


def _credit(header: pl.DataFrame) -> pl.Expr:
    return (pl.col("document") == "CreditNote") | pl.col("type_code").is_in(list(CREDIT_NOTE_CODES))


def _invoices(header: pl.DataFrame, direction: str) -> pl.DataFrame:
    sources = CANONICAL_SOURCES[direction]
    credit = _credit(header)
    # a received credit note books negative amounts; an outgoing one is a Gutschrift, whose
    # sign the mapping sets
    sign = pl.when(credit & (direction == "incoming")).then(-1.0).otherwise(1.0)
    kind = (
        pl.lit("Eingangsrechnung")
        if direction == "incoming"
        else pl.when(credit).then(pl.lit("Gutschrift")).otherwise(pl.lit("Rechnung"))
    )
    schema = canonical_schema("invoices")
    columns = []
    for name, dtype in schema.items():
        source = sources.get(name)
        if name == "invoice_kind":
            columns.append(kind.alias(name))
        elif name in ("net", "tax_amount", "gross"):
            columns.append((pl.col(source) * sign).alias(name))
        elif name == "attachment" or name in ("source_file", "source_row"):
            columns.append(pl.col(name))
        elif source:
            columns.append(pl.col(source).cast(dtype).alias(name))
        else:
            columns.append(pl.lit(None, dtype=dtype).alias(name))
    return header.select(columns).cast(dict(schema))  # type: ignore[arg-type]


def _positions(details: dict[str, pl.DataFrame], direction: str) -> pl.DataFrame:
    """Invoice lines, then document allowances (negative) and charges, with their tax amounts.

    EN 16931 states tax per rate only (BG-23): each position gets net × rate, and the cents that
    rounding leaves over go to the largest position of its rate, so the positions add up to the
    invoice's VAT breakdown exactly (DATEV checks the consolidated amount against them).
    """
    header = details["einvoice"].select(
        "source_file", "invoice_id", _credit(details["einvoice"]).alias("_credit")
    )
    lines = details["einvoice_lines"].select(
        "source_file", "source_row", "invoice_id", "index",
        pl.col("item_name").alias("name"), pl.col("rate").alias("tax"),
        pl.col("line_net").alias("net"), "quantity", "unit_price", pl.lit(0).alias("_order"),
    )  # fmt: skip
    is_charge = pl.col("charge").str.to_lowercase() == "true"
    reason = pl.when(pl.col("reason").is_not_null()).then(pl.format(": {}", "reason"))
    charges = details["einvoice_charges"].select(
        "source_file",
        "source_row",
        "invoice_id",
        "index",
        pl.format(
            "{}{}",
            pl.when(is_charge).then(pl.lit("Zuschlag")).otherwise(pl.lit("Nachlass")),
            reason.otherwise(pl.lit("")),
        ).alias("name"),
        pl.col("rate").alias("tax"),
        pl.when(is_charge).then(pl.col("amount")).otherwise(-pl.col("amount")).alias("net"),
        pl.lit(None, dtype=pl.Float64).alias("quantity"),
        pl.lit(None, dtype=pl.Float64).alias("unit_price"),
        pl.lit(1).alias("_order"),
    )
    rows = pl.concat([lines, charges]).sort("source_file", "_order", "index", maintain_order=True)
    rows = rows.with_columns(
        pl.int_range(1, pl.len() + 1).over("source_file").cast(pl.Int64).alias("position"),
        (pl.col("net") * pl.col("tax").fill_null(0) / 100).round(2).alias("_tax"),
    )
    targets = (
        details["einvoice_vat"]
        .group_by("source_file", "rate")
        .agg(pl.col("tax").sum().alias("_target"))
        .rename({"rate": "tax"})
    )
    rows = rows.join(targets, on=["source_file", "tax"], how="left", nulls_equal=True)
    largest = pl.col("net").abs() == pl.col("net").abs().max().over("source_file", "tax")
    first_largest = largest & (largest.cum_sum().over("source_file", "tax") == 1)
    rest = (pl.col("_target") - pl.col("_tax").sum().over("source_file", "tax")).round(2)
    rows = rows.with_columns(
        pl.when(first_largest & pl.col("_target").is_not_null())
        .then((pl.col("_tax") + rest).round(2))
        .otherwise(pl.col("_tax"))
        .alias("tax_amount")
    )
    sign = pl.when(pl.col("_credit") & (direction == "incoming")).then(-1.0).otherwise(1.0)
    rows = rows.join(header, on=["source_file", "invoice_id"], how="left", nulls_equal=True)
    schema = canonical_schema("positions")
    return rows.select(
        "invoice_id",
        "position",
        "name",
        "tax",
        (pl.col("net") * sign).alias("net"),
        (pl.col("tax_amount") * sign).alias("tax_amount"),
        ((pl.col("net") + pl.col("tax_amount")) * sign).round(2).alias("gross"),
        "quantity",
        "unit_price",
        "source_file",
        "source_row",
    ).cast(dict(schema))  # type: ignore[arg-type]


def _canonical_locations(locations: pl.DataFrame, direction: str) -> pl.DataFrame:
    """Add the canonical columns' locations (``party_name`` is where ``seller_name`` is)."""
    aliases: list[pl.DataFrame] = [locations]
    for group, mapping in (
        ("header", CANONICAL_SOURCES[direction]),
        ("lines", POSITION_SOURCES),
    ):
        pairs = pl.DataFrame(
            {"column": list(mapping.values()), "canonical": list(mapping.keys())},
            schema={"column": pl.String, "canonical": pl.String},
        ).filter(pl.col("column") != "")
        aliases.append(
            locations.filter(pl.col("group") == group)
            .join(pairs, on="column")
            .with_columns(pl.col("canonical").alias("column"))
            .drop("canonical")
            .with_columns(pl.lit("canonical").alias("group"))
        )
    return pl.concat(aliases)
