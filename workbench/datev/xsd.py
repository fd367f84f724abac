"""Validation against DATEV's official XSDs for the XML interface v6.0 (shipped in the package).

Two engines: ``xmlschema`` (default; precise messages) and ``lxml`` (libxml2, about a hundred
times faster, and it runs without the GIL; the package writer uses it on threads for large
batches). Schemas are loaded lazily on first use and cached (one per thread for lxml), so
importing this module does no I/O.
"""

from __future__ import annotations

import functools
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.resources import resource_path

if TYPE_CHECKING:  # both are imported on first use: loading them takes a while
    import xmlschema
    from lxml import etree

__all__ = ["SCHEMA_FILES", "validate_xml"]

SCHEMA_FILES = {
    "ledger": "Belegverwaltung_online_ledger_import_v060.xsd",
    "document": "Document_v060.xsd",
}


def _xsd_path(kind: str) -> Path:
    if kind not in SCHEMA_FILES:
        raise ValueError(f"unknown XSD kind {kind!r}; use one of {sorted(SCHEMA_FILES)}")
    # A real file, so the type XSDs it imports are resolved relative to it.
    return resource_path("xsd", SCHEMA_FILES[kind])


@functools.cache
def _xmlschema(kind: str) -> xmlschema.XMLSchema:
    import xmlschema

    return xmlschema.XMLSchema(str(_xsd_path(kind)))


@functools.cache
def _lxml_schema(kind: str) -> etree.XMLSchema:
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(_xsd_path(kind))))


_thread_schemas = threading.local()


def _lxml_schema_for_thread(kind: str) -> etree.XMLSchema:
    """An XMLSchema of this thread's own: lxml keeps a validator's error log on the object, so
    threads validating at once (the package writer does) must not share one."""
    if threading.current_thread() is threading.main_thread():
        return _lxml_schema(kind)
    schemas = _thread_schemas.__dict__.setdefault("by_kind", {})
    if kind not in schemas:
        from lxml import etree

        schemas[kind] = etree.XMLSchema(etree.parse(str(_xsd_path(kind))))
    return schemas[kind]


def _load_bytes(source: str | Path | bytes) -> bytes:
    if isinstance(source, bytes):
        return source
    return Path(source).read_bytes()


def validate_xml(source: str | Path | bytes, kind: str, *, engine: str = "xmlschema") -> list[str]:
    """Check a LedgerImport (``kind="ledger"``) or document.xml (``kind="document"``) file.

    Returns German error strings; an empty list means valid.
    Example: ``assert validate_xml(path, "ledger") == []``
    """
    data = _load_bytes(source)
    name = (
        source.name
        if isinstance(source, Path)
        else ("<bytes>" if isinstance(source, bytes) else source)
    )
    if engine == "lxml":
        from lxml import etree

        try:
            doc = etree.fromstring(data)
        except etree.XMLSyntaxError as exc:
            return [f"{name}: kein wohlgeformtes XML ({exc})."]
        schema = _lxml_schema_for_thread(kind)
        if schema.validate(doc):
            return []
        return [
            f"{name}, Zeile {e.line}: entspricht nicht dem DATEV-Schema "
            f"{SCHEMA_FILES[kind]} ({e.message})."
            for e in schema.error_log
        ]
    if engine != "xmlschema":
        raise ValueError(f"unknown engine {engine!r}; use 'xmlschema' or 'lxml'")
    from xml.etree import ElementTree

    import xmlschema

    try:
        ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        return [f"{name}: kein wohlgeformtes XML ({exc})."]
    errors = []
    for error in _xmlschema(kind).iter_errors(data.decode("utf-8") if data else ""):
        assert isinstance(error, xmlschema.XMLSchemaValidationError)
        where = error.path or "/"
        errors.append(
            f"{name}, {where}: entspricht nicht dem DATEV-Schema "
            f"{SCHEMA_FILES[kind]} ({error.reason})."
        )
    return errors
