"""Read one e-invoice XML (UBL 2.1 Invoice / CreditNote or UN/CEFACT CII) into plain values.

Every value keeps where it came from: the element's line in the XML and an XPath that finds it
(``/Invoice/cac:InvoiceLine[2]/cbc:LineExtensionAmount``), so findings can point into the file.
Paths come from the field table in :mod:`workbench.sources.einvoice.fields`; they are compiled
once per syntax. Entities are never resolved and nothing is fetched from the network.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from workbench.errors import SourceError
from workbench.sources.einvoice import fields as f

__all__ = ["Extracted", "Location", "detect_syntax", "extract", "parse_xml"]

UBL_ROOTS = {f.UBL_NS["ubl"]: "Invoice", f.UBL_NS["cn"]: "CreditNote"}
CII_ROOT = f"{{{f.CII_NS['rsm']}}}CrossIndustryInvoice"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@dataclass(frozen=True)
class Location:
    """Where a value sits: record group and index, canonical/field column, line and XPath."""

    group: str  # header, lines, vat, charges
    index: int  # 0 for the header, else the record's position in its group
    column: str
    line: int | None
    xpath: str


@dataclass
class Extracted:
    """The values of one e-invoice, by group, with their locations."""

    syntax: str  # UBL or CII
    root: str  # Invoice, CreditNote, CrossIndustryInvoice
    root_line: int
    header: dict[str, str | None]
    groups: dict[str, list[dict[str, str | None]]]
    group_lines: dict[str, list[int | None]]
    locations: list[Location] = field(default_factory=list)


def parse_xml(data: bytes, *, name: str) -> etree._Element:
    """The root element, or a :class:`SourceError` naming file, line and cause."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        raise SourceError(
            f"Die Datei {name} ist kein wohlgeformtes XML (Zeile {line}: {error.msg}). "
            "Fordern Sie die E-Rechnung beim Rechnungssteller erneut an.",
            file=name,
            row=line,
        ) from None


def detect_syntax(root: etree._Element) -> tuple[str, str] | None:
    """``("UBL", "Invoice")``, ``("UBL", "CreditNote")``, ``("CII", …)`` or None."""
    qname = etree.QName(root)
    if qname.namespace in UBL_ROOTS and qname.localname == UBL_ROOTS[qname.namespace]:
        return "UBL", qname.localname
    if root.tag == CII_ROOT:
        return "CII", "CrossIndustryInvoice"
    return None


@functools.cache
def _compiled(syntax: str, path: str) -> tuple[tuple[str, etree.XPath, str | None], ...]:
    """Each alternative of a (union) path, compiled, in order; an attribute step (``/@unitCode``)
    is split off, so the element (and its line) is found first."""
    namespaces = f.UBL_NS if syntax == "UBL" else f.CII_NS
    compiled = []
    for alternative in (part.strip() for part in path.split(" | ")):
        element, _, attribute = alternative.rpartition("/@")
        if not element:
            element, attribute = alternative, ""
        xpath = etree.XPath(element, namespaces=namespaces, smart_strings=False)
        compiled.append((alternative, xpath, attribute or None))
    return tuple(compiled)


def _first(
    node: etree._Element, syntax: str, path: str
) -> tuple[str | None, int | None, str | None]:
    """Value, line and matching path alternative of the first node ``path`` finds."""
    for text, xpath, attribute in _compiled(syntax, path):
        for hit in xpath(node):
            if attribute is None:
                return " ".join((hit.text or "").split()), hit.sourceline, text
            value = hit.get(attribute)
            if value is not None:
                return " ".join(value.split()), hit.sourceline, text
    return None, None, None


def _values(
    node: etree._Element,
    syntax: str,
    fields: Iterable[f.Field],
    *,
    group: str,
    index: int,
    prefix: str,
    locations: list[Location],
) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for spec in fields:
        path = spec.ubl if syntax == "UBL" else spec.cii
        value, line, matched = _first(node, syntax, path)
        if spec.type == "exists":
            values[spec.column] = "true" if matched is not None else None
        else:
            values[spec.column] = value or None
        xpath = f"{prefix}/{matched or path.split(' | ')[0]}"
        locations.append(Location(group, index, spec.column, line, xpath))
    return values


def extract(root: etree._Element, *, name: str) -> Extracted:
    """All values of the field table from a parsed e-invoice (see :func:`parse_xml`)."""
    detected = detect_syntax(root)
    if detected is None:
        qname = etree.QName(root)
        raise SourceError(
            f"Die Datei {name} ist keine E-Rechnung: das Wurzelelement '{qname.localname}' "
            f"({qname.namespace or 'ohne Namensraum'}) ist weder UBL Invoice/CreditNote noch "
            "CII CrossIndustryInvoice.",
            file=name,
            row=root.sourceline,
        )
    syntax, root_name = detected
    prefix = f"/{root_name}" if syntax == "UBL" else "/rsm:CrossIndustryInvoice"
    locations: list[Location] = []
    header = _values(
        root, syntax, f.HEADER_FIELDS, group="header", index=0, prefix=prefix, locations=locations
    )
    groups: dict[str, list[dict[str, str | None]]] = {}
    group_lines: dict[str, list[int | None]] = {}
    for group in (f.LINES, f.VAT, f.CHARGES):
        records: list[dict[str, str | None]] = []
        lines: list[int | None] = []
        for alternative, xpath, _ in _compiled(syntax, group.ubl if syntax == "UBL" else group.cii):
            for position, node in enumerate(xpath(root), start=1):
                where = f"{prefix}/{alternative}[{position}]"
                records.append(
                    _values(
                        node,
                        syntax,
                        group.fields,
                        group=group.name,
                        index=len(records),
                        prefix=where,
                        locations=locations,
                    )
                )
                lines.append(node.sourceline)
                locations.append(
                    Location(group.name, len(records) - 1, "*", node.sourceline, where)
                )
        groups[group.name], group_lines[group.name] = records, lines
    return Extracted(
        syntax, root_name, root.sourceline or 1, header, groups, group_lines, locations
    )
