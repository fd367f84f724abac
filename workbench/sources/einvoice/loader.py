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
from lxml import etree

from workbench.errors import SourceError
from workbench.findings import concat_findings, findings_frame
from workbench.sources.einvoice import fields as f
from workbench.sources.einvoice.frames import (
    CANONICAL_SOURCES,
    POSITION_SOURCES,
    canonical_invoices,
    canonical_locations,
    canonical_positions,
)
from workbench.sources.einvoice.pdf import read_pdf_invoice
from workbench.sources.einvoice.schema import schema_errors
from workbench.sources.einvoice.xml import Extracted, extract, parse_xml
from workbench.sources.loader import LoadResult, SourceInfo
from workbench.sources.readers import RawTable, _read_bytes

__all__ = [
    "CANONICAL_SOURCES",
    "DIRECTIONS",
    "FORMATS",
    "is_einvoice",
    "load_einvoices",
    "profile_of",
    "read_written",
]

PathLike = str | os.PathLike[str]
DIRECTIONS = ("incoming", "outgoing")
#: ``SourceInfo.format`` of an e-invoice file (XML, or the PDF a ZUGFeRD invoice is embedded in).
FORMATS = ("xml", "pdf")
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


def _document(path: Path) -> tuple[etree._Element, dict[str, Any]]:
    """One file's XML root (a PDF's embedded XML) and the per-file facts (format, PDF/A, text)."""
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
    return root, facts


def _read(path: Path) -> tuple[Extracted, dict[str, Any]]:
    """One file: the extracted values and the per-file facts, with the XML schema's errors."""
    root, facts = _document(path)
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
        rows: dict[str, list[int | None]] = {
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
    frame = canonical_invoices(details["einvoice"], direction)
    positions = canonical_positions(details, direction)
    details["einvoice_locations"] = canonical_locations(details["einvoice_locations"], direction)
    infos = tuple(_info(row, "invoices", _invoice_paths(row, direction), 1) for row in headers)
    per_file = positions["source_file"].value_counts()
    counts = dict(zip(per_file["source_file"], per_file["count"], strict=True))
    position_infos = tuple(
        _info(row, "positions", _position_paths(row), counts.get(row["source_file"], 0))
        for row in headers
    )
    return LoadResult(
        kind="invoices",
        frame=frame,
        findings=findings,
        sources=infos,
        positions=positions,
        position_sources=position_infos,
        details=details,
    )


def _header_paths(syntax: str, document: str) -> dict[str, str]:
    """Invoice term column → the XPath shown as its source column (the first alternative)."""
    root = "/" + (document if syntax == "UBL" else "rsm:CrossIndustryInvoice")
    return {
        spec.column: f"{root}/{(spec.ubl if syntax == 'UBL' else spec.cii).split(' | ')[0]}"
        for spec in f.HEADER_FIELDS
    }


def _line_paths(syntax: str, document: str) -> dict[str, str]:
    """Invoice line term column → the XPath shown as its source column."""
    root = "/" + (document if syntax == "UBL" else "rsm:CrossIndustryInvoice")
    group = (f.LINES.ubl if syntax == "UBL" else f.LINES.cii).split(" | ")[0]
    return {
        spec.column: f"{root}/{group}/{(spec.ubl if syntax == 'UBL' else spec.cii).split(' | ')[0]}"
        for spec in f.LINE_FIELDS
    }


def _invoice_paths(row: dict[str, Any], direction: str) -> dict[str, str]:
    """Canonical invoice column → the XPath of the business term it comes from."""
    paths = _header_paths(row["syntax"], row["document"])
    return {
        canonical: paths[source]
        for canonical, source in CANONICAL_SOURCES[direction].items()
        if source
    }


def _position_paths(row: dict[str, Any]) -> dict[str, str]:
    """Canonical position column → the XPath of the line term it comes from."""
    paths = _line_paths(row["syntax"], row["document"])
    return {canonical: paths[source] for canonical, source in POSITION_SOURCES.items()}


def read_written(path: PathLike) -> RawTable:
    """An e-invoice's values as written in its XML, as the table ``workbench load`` describes.

    One row per record at its ``source_row`` (the invoice at its root element's line, each
    invoice line at its element's line), one column per XPath a ``SourceInfo.mapped`` of the
    file names; a value is the element's text (the attribute's for ``/@…``), with runs of
    whitespace as one space. Document allowances and charges are positions without columns
    here: no line term names them.

    >>> read_written("einvoice_RE-2026-0101_xrechnung_ubl.xml").rows.to_list()  # doctest: +SKIP
    [2, 87, 105]
    """
    path = Path(path)
    root, facts = _document(path)
    extracted = extract(root, name=path.name)
    header = _header_paths(extracted.syntax, extracted.root)
    line = _line_paths(extracted.syntax, extracted.root)
    records = [{header[c]: v for c, v in extracted.header.items() if c in header}]
    records += [
        {line[c]: v for c, v in values.items() if c in line} for values in extracted.groups["lines"]
    ]
    columns = dict.fromkeys([*header.values(), *line.values()])
    return RawTable(
        file=path.name,
        frame=pl.DataFrame(records, schema={column: pl.String for column in columns}),
        rows=pl.Series("row", [extracted.root_line, *extracted.group_lines["lines"]], pl.Int64),
        format=facts["container"].lower(),
    )


def _info(row: dict[str, Any], frame: str, mapped: dict[str, str], rows: int) -> SourceInfo:
    """What ``workbench load`` shows for one e-invoice file in ``frame`` (invoices/positions):
    ``rows`` of it (1 invoice; its lines and document allowances/charges as positions)."""
    xml = "XRechnung" if row["profile"] == "XRechnung" else "E-Rechnung"
    variant = {"PDF": "ZUGFeRD/Factur-X (PDF)", "XML": f"{xml} ({row['syntax']})"}[row["container"]]
    return SourceInfo(
        file=row["source_file"],
        kind=frame,
        variant=f"{variant}, {row['profile'] or 'ohne Profilkennung'}",
        format=row["container"].lower(),
        encoding=None,
        sheet=None,
        rows=rows,
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
