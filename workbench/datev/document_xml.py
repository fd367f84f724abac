"""document.xml v6.0: the archive description of a DATEV XML package.

Source: DATEV's ``Document_v060.xsd`` (FACTS §6). ``<archive version="6.0">`` holds a header
(date without a time zone) and 1–4999 documents; a document has 1–50 extensions: at most one
structured-data extension (``accountsPayableLedger``, ``accountsReceivableLedger``,
``cashLedger`` with ``datafile`` and properties key 1 = period ``YYYY-MM``, key 3 = folder or
cash book) plus ``File`` extensions (Belegbilder; several Files are stapled).
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from workbench.datev.filenames import safe_filename
from workbench.datev.limits import MAX_DOCUMENTS_PER_PACKAGE as MAX_DOCUMENTS
from workbench.datev.limits import MAX_EXTENSIONS_PER_DOCUMENT as MAX_EXTENSIONS
from workbench.errors import DatevFormatError

__all__ = [
    "Archive",
    "Document",
    "Extension",
    "NAMESPACE",
    "package_folders",
    "read_document_xml",
    "with_folder",
    "write_document_xml",
]

NAMESPACE = "http://xml.datev.de/bedi/tps/document/v06.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DATA_EXTENSIONS = frozenset(
    {"accountsPayableLedger", "accountsReceivableLedger", "cashLedger", "Invoice"}
)
FILE_EXTENSIONS = frozenset({"File", "SEPAFile"})


@dataclass
class Extension:
    """``xsi:type`` plus ``datafile`` (structured data) or ``name`` (files) and properties."""

    type: str
    file: str
    properties: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Document:
    """One ``<document>``: its extensions, optional repository levels and attributes."""

    extensions: list[Extension]
    description: str | None = None
    keywords: str | None = None
    repository: list[tuple[int, str]] = field(default_factory=list)
    guid: str | None = None
    type: int | None = None
    process_id: int | None = None


@dataclass
class Archive:
    """The whole document.xml."""

    documents: list[Document]
    created_at: datetime
    description: str | None = None
    consultant_number: int | None = None
    client_number: int | None = None
    client_name: str | None = None
    generating_system: str | None = None
    guid: str | None = None


def _esc(value: object) -> str:
    return (
        str(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
    )


def _fail(what: str, value: object) -> DatevFormatError:
    return DatevFormatError(
        f"document.xml: {what} (Wert '{value}'). Bitte korrigieren Sie die Paketdaten.", value=value
    )


def _check(archive: Archive) -> None:
    _check_header(archive, len(archive.documents))
    for doc in archive.documents:
        _check_document(doc)


def _check_header(archive: Archive, documents: int) -> None:
    if not 1 <= documents <= MAX_DOCUMENTS:
        raise _fail(f"ein Paket braucht 1–{MAX_DOCUMENTS} Dokumente", documents)
    if archive.created_at.tzinfo is not None:
        raise _fail("header/date muss ohne Zeitzone angegeben werden", archive.created_at)
    for name, value, limit in (("description", archive.description, 255),
                               ("clientName", archive.client_name, 36),
                               ("generatingSystem", archive.generating_system, 40)):  # fmt: skip
        if value is not None and not 1 <= len(value) <= limit:
            raise _fail(f"'{name}' muss 1–{limit} Zeichen lang sein", value)
    if archive.consultant_number is not None and not 1000 <= archive.consultant_number <= 9_999_999:
        raise _fail("'consultantNumber' liegt nicht in 1000–9999999", archive.consultant_number)
    if archive.client_number is not None and not 0 <= archive.client_number <= 99_999:
        raise _fail("'clientNumber' liegt nicht in 0–99999", archive.client_number)


def _check_document(doc: Document) -> None:
    if not 1 <= len(doc.extensions) <= MAX_EXTENSIONS:
        raise _fail(f"ein Dokument braucht 1–{MAX_EXTENSIONS} Extensions", len(doc.extensions))
    if sum(e.type in DATA_EXTENSIONS for e in doc.extensions) > 1:
        raise _fail("ein Dokument darf höchstens eine Belegsatz-Extension haben", doc.extensions)
    if doc.description is not None and not 1 <= len(doc.description) <= 40:
        raise _fail("'description' eines Dokuments muss 1–40 Zeichen lang sein", doc.description)
    if len(doc.repository) > 3 or any(not 1 <= len(name) <= 30 for _, name in doc.repository):
        raise _fail("'repository' erlaubt höchstens 3 Ebenen mit 1–30 Zeichen", doc.repository)
    for ext in doc.extensions:
        if ext.type not in DATA_EXTENSIONS | FILE_EXTENSIONS:
            raise _fail("unbekannter Extension-Typ", ext.type)
        if safe_filename(ext.file) != ext.file:
            raise _fail("Dateiname enthält Zeichen, die DATEV nicht erlaubt", ext.file)


def _head(archive: Archive) -> list[str]:
    root_attrs = ' version="6.0"'
    if archive.guid:
        root_attrs += f' guid="{_esc(archive.guid)}"'
    if archive.generating_system:
        root_attrs += f' generatingSystem="{_esc(archive.generating_system)}"'
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<archive xmlns="{NAMESPACE}" xmlns:xsi="{XSI}"{root_attrs}>',
        "  <header>",
        f"    <date>{archive.created_at.replace(microsecond=0).isoformat()}</date>",
    ]
    for tag, value in (("description", archive.description),
                       ("consultantNumber", archive.consultant_number),
                       ("clientNumber", archive.client_number),
                       ("clientName", archive.client_name)):  # fmt: skip
        if value is not None:
            lines.append(f"    <{tag}>{_esc(value)}</{tag}>")
    return [*lines, "  </header>", "  <content>"]


def ledger_block(ledger: str, datafile: str, month: str, folder: str, files: list[str]) -> str:
    """The ``<document>`` of one ledger file plus Belegbilder, exactly as write_document_xml
    renders ``Document([Extension(ledger, datafile, [("1", month), ("3", folder)]), File...])``.

    The package writer uses it for speed; names must already be DATEV-safe.
    """
    head, properties = _ledger_block_parts(ledger, month, folder)
    lines = [head + f'datafile="{_esc(datafile)}">', properties]
    lines += [f'      <extension xsi:type="File" name="{_esc(name)}"/>' for name in files]
    lines.append("    </document>")
    return "\n".join(lines)


@functools.lru_cache(maxsize=64)
def _ledger_block_parts(ledger: str, month: str, folder: str) -> tuple[str, str]:
    """What every ``<document>`` of a package shares (escaped once, not once per Beleg)."""
    head = f'    <document>\n      <extension xsi:type="{ledger}" '
    properties = "\n".join(
        [
            f'        <property key="1" value="{_esc(month)}"/>',
            f'        <property key="3" value="{_esc(folder)}"/>',
            "      </extension>",
        ]
    )
    return head, properties


def _block(doc: Document) -> str:
    attrs = "".join(
        f' {k}="{_esc(v)}"'
        for k, v in (("guid", doc.guid), ("type", doc.type), ("processID", doc.process_id))
        if v is not None
    )
    lines = [f"    <document{attrs}>"]
    if doc.description is not None:
        lines.append(f"      <description>{_esc(doc.description)}</description>")
    if doc.keywords is not None:
        lines.append(f"      <keywords>{_esc(doc.keywords)}</keywords>")
    for ext in doc.extensions:
        attr = "datafile" if ext.type in DATA_EXTENSIONS else "name"
        head = f'      <extension xsi:type="{ext.type}" {attr}="{_esc(ext.file)}"'
        if not ext.properties:
            lines.append(head + "/>")
            continue
        lines.append(head + ">")
        lines += [
            f'        <property key="{_esc(k)}" value="{_esc(v)}"/>' for k, v in ext.properties
        ]
        lines.append("      </extension>")
    if doc.repository:
        lines.append("      <repository>")
        lines += [f'        <level id="{i}" name="{_esc(n)}"/>' for i, n in doc.repository]
        lines.append("      </repository>")
    lines.append("    </document>")
    return "\n".join(lines)


_FOLDER_PROPERTY = re.compile(rb'(<property key="3" value=")([^"]*)("\s*/>)')


def package_folders(data: bytes) -> set[str]:
    """The folders (property 3) a document.xml files its Belege to, unescaped."""
    return {html.unescape(m.group(2).decode("utf-8")) for m in _FOLDER_PROPERTY.finditer(data)}


def with_folder(data: bytes, folder: str) -> bytes:
    """The document.xml with every ledger extension filed to ``folder`` (property 3)."""
    value = _esc(folder).encode("utf-8")
    return _FOLDER_PROPERTY.sub(lambda m: m.group(1) + value + m.group(3), data)


def assemble_document_xml(archive: Archive, blocks: list[str]) -> bytes:
    """document.xml from the archive's header and pre-rendered ``<document>`` blocks."""
    _check_header(archive, len(blocks))
    return "\n".join(_head(archive) + blocks + ["  </content>", "</archive>", ""]).encode("utf-8")


def write_document_xml(archive: Archive, *, path: str | Path | None = None) -> bytes:
    """Write document.xml; returns the bytes.

    Example: ``write_document_xml(Archive([Document([Extension("File", "beleg.pdf")])],
    created_at=datetime(2024, 1, 31, 12, 0)), path="document.xml")``
    """
    _check(archive)
    data = "\n".join(
        _head(archive) + [_block(d) for d in archive.documents] + ["  </content>", "</archive>", ""]
    )
    encoded = data.encode("utf-8")
    if path is not None:
        Path(path).write_bytes(encoded)
    return encoded


def read_document_xml(source: str | Path | bytes) -> Archive:
    """Read document.xml. Example: ``read_document_xml("document.xml").documents[0].extensions``"""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise DatevFormatError(f"document.xml ist kein wohlgeformtes XML ({exc}).") from exc
    ns = f"{{{NAMESPACE}}}"
    if root.tag != f"{ns}archive":
        raise DatevFormatError(
            f"Wurzelelement '{root.tag}' ist kein DATEV-archive v6.0.", value=root.tag
        )
    header = root.find(f"{ns}header")

    def text(parent: ElementTree.Element | None, tag: str) -> str | None:
        node = parent.find(f"{ns}{tag}") if parent is not None else None
        return node.text if node is not None else None

    def number(value: str | None) -> int | None:
        return int(value) if value is not None else None

    documents = []
    for doc in root.iterfind(f"{ns}content/{ns}document"):
        extensions = []
        for ext in doc.iterfind(f"{ns}extension"):
            kind = ext.get(f"{{{XSI}}}type", "")
            file = ext.get("datafile") or ext.get("name") or ""
            props = [(p.get("key", ""), p.get("value", "")) for p in ext.iterfind(f"{ns}property")]
            extensions.append(Extension(kind, file, props))
        levels = [
            (int(lv.get("id", "0")), lv.get("name", ""))
            for lv in doc.iterfind(f"{ns}repository/{ns}level")
        ]
        documents.append(
            Document(
                extensions,
                text(doc, "description"),
                text(doc, "keywords"),
                levels,
                doc.get("guid"),
                number(doc.get("type")),
                number(doc.get("processID")),
            )
        )
    created = text(header, "date")
    return Archive(
        documents=documents,
        created_at=datetime.fromisoformat(created) if created else datetime(1900, 1, 1),
        description=text(header, "description"),
        consultant_number=number(text(header, "consultantNumber")),
        client_number=number(text(header, "clientNumber")),
        client_name=text(header, "clientName"),
        generating_system=root.get("generatingSystem"),
        guid=root.get("guid"),
    )
