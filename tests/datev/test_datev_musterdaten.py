"""DATEV's own sample data (Musterdaten) is the arbiter of the format layer.

The files live in ``../shared/datev/musterdaten/`` (see its README) and are never copied into
the repository. DATEV's Buchungsstapel must read, and must come back from the writer with the
header line and the column line byte for byte and every field value-equal.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

import polars as pl
import pytest

from workbench.datev import (
    read_document_xml,
    read_extf,
    read_ledger_xml,
    validate_xml,
    write_document_xml,
    write_extf,
)
from workbench.datev.extf_fields import BUCHUNGSSTAPEL

CRLF = b"\r\n"


@pytest.fixture
def buchungsstapel(shared_datev) -> bytes:
    return shared_datev("musterdaten", "csv", "EXTF_Buchungsstapel.csv").read_bytes()


def _fields(line: str) -> list[tuple[str, bool]]:
    """A data line split into (text, was quoted), reading quotes the way DATEV writes them:
    a quoted field ends at the quote before ``;``; other inner quotes are text."""
    fields, i = [], 0
    while True:
        if line.startswith('"', i):
            end = i + 1
            while not (line.startswith('";', end) or end == len(line) - 1):
                end += 2 if line.startswith('""', end) else 1
            fields.append((line[i + 1 : end].replace('""', '"'), True))
            i = end + 1
        else:
            end = line.find(";", i)
            end = len(line) if end < 0 else end
            fields.append((line[i:end], False))
            i = end
        if i >= len(line):
            return fields
        i += 1
        if i == len(line):
            fields.append(("", False))
            return fields


def test_musterdaten_buchungsstapel_reads_with_datevs_values(buchungsstapel):
    result = read_extf(buchungsstapel)
    frame = result.frame
    assert result.encoding == "cp1252"
    assert frame.shape == (54, 125)
    assert frame.columns == BUCHUNGSSTAPEL.names
    row = frame.row(2, named=True)  # 64083;"S";...;4400;85
    assert row["Umsatz (ohne Soll/Haben-Kz)"] == 64083.0
    assert (row["Konto"], row["Gegenkonto (ohne BU-Schlüssel)"]) == (4400, 85)
    assert frame["Gegenkonto (ohne BU-Schlüssel)"].is_in([85, 320, 980]).sum() == 3
    assert frame["Erlöskonto (Anzahlungen)"].to_list().count(0) == 12
    # DATEV writes the inner quotes of this text without doubling them: they are text.
    assert frame["Buchungstext"][1] == ' "Normalabschr. immater. VermG" '
    assert frame["Kurs"].drop_nulls().to_list()[:2] == [1.240402, 0.83]


def test_musterdaten_buchungsstapel_round_trips(buchungsstapel):
    """Header line and column line byte for byte; every field value-equal."""
    original = read_extf(buchungsstapel)
    written = write_extf(original.frame, original.header)
    source_lines, written_lines = buchungsstapel.split(CRLF), written.split(CRLF)
    assert written_lines[0] == source_lines[0]
    assert written_lines[1] == source_lines[1]
    assert len(written_lines) == len(source_lines)
    again = read_extf(written)
    assert again.header == original.header
    assert again.frame.equals(original.frame)


def test_musterdaten_fields_are_written_as_datev_writes_them(buchungsstapel):
    """Field by field against DATEV's file: the same text and quoting, except for the two
    kinds of difference allowed (each counted): amounts get their two decimals (``64083`` ->
    ``64083,00``), and the three columns where DATEV itself writes an empty value both as
    ``""`` and as nothing keep our one form."""
    original = read_extf(buchungsstapel)
    written = write_extf(original.frame, original.header)
    source = buchungsstapel.decode("cp1252").split("\r\n")[2:-1]
    ours = written.decode("cp1252").split("\r\n")[2:-1]
    mixed = {"Zinssperre", "Funktionsergänzung L+L", "Beteiligtennummer"}
    decimals = 0
    for line_no, (theirs, mine) in enumerate(zip(source, ours, strict=True), start=3):
        pairs = zip(_fields(theirs), _fields(mine), strict=True)
        for field, (a, b) in zip(BUCHUNGSSTAPEL.fields, pairs, strict=True):
            if a == b or (field.name in mixed and a[0] == b[0] == ""):
                continue
            assert re.fullmatch(r"\d+", a[0]) and b == (a[0] + ",00", False), (line_no, field, a, b)
            decimals += 1
    assert decimals == 3  # Umsatz 64083, Kost-Menge 5 and 30


def test_inner_quotes_datev_did_not_double_are_written_doubled(buchungsstapel):
    """DATEV's format description (and RFC 4180) doubles inner quotes; every reader then gets
    the same text back, while DATEV's undoubled form needs a lenient reader."""
    original = read_extf(buchungsstapel)
    line = write_extf(original.frame, original.header).split(CRLF)[3].decode("cp1252")
    assert ';" ""Normalabschr. immater. VermG"" ";' in line
    assert ';" "Normalabschr. immater. VermG" ";' in buchungsstapel.split(CRLF)[3].decode("cp1252")


def test_absent_columns_are_written_as_datev_writes_empty_fields(buchungsstapel):
    """A frame with only the required columns: every other column is written empty in the
    form DATEV's own file uses for it (``""`` for text, nothing for numbers and dates), where
    DATEV's file uses one form for that column."""
    lines = buchungsstapel.decode("cp1252").split("\r\n")[2:-1]
    forms: dict[str, set[bool]] = {}
    for line in lines:
        for field, (text, quoted) in zip(BUCHUNGSSTAPEL.fields, _fields(line), strict=True):
            if text == "":
                forms.setdefault(field.name, set()).add(quoted)
    header = read_extf(buchungsstapel).header
    required = {"Umsatz (ohne Soll/Haben-Kz)": [1.0], "Soll/Haben-Kennzeichen": ["S"],
                "Konto": [1200], "Gegenkonto (ohne BU-Schlüssel)": [8400],
                "Belegdatum": [header.date_from]}  # fmt: skip
    line = write_extf(pl.DataFrame(required), header).decode("cp1252").split("\r\n")[2]
    compared = 0
    for field, (text, quoted) in zip(BUCHUNGSSTAPEL.fields, _fields(line), strict=True):
        if field.name in required:
            continue
        assert text == "", field.name
        if len(forms.get(field.name, ())) == 1:
            assert {quoted} == forms[field.name], field.name
            compared += 1
    # 125 columns - 5 given - 3 where DATEV's own file is mixed - Festschreibung (never empty)
    assert compared == 116


def test_every_musterdaten_xml_file_reads_and_is_schema_valid(shared_datev):
    files = sorted(shared_datev("musterdaten", "xml").rglob("*.xml"))
    assert len(files) == 36
    for path in files:
        if path.name == "document.xml":
            archive = read_document_xml(path)
            assert archive.documents, path
            assert validate_xml(path, "document") == [], path
        else:
            ledger = read_ledger_xml(path)
            assert ledger.records.height >= 1, path
            assert validate_xml(path, "ledger") == [], path


_DOC = "{http://xml.datev.de/bedi/tps/document/v06.0}"
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _document_shape(content: bytes) -> tuple:
    """What a document.xml tells DATEV: header, generatingSystem, and per document its
    extensions (type, datafile, name, properties), repository levels and attributes."""
    root = ElementTree.fromstring(content)
    found = root.find(f"{_DOC}header")
    header = {child.tag: child.text for child in (found if found is not None else ())}
    documents = []
    for document in root.iter(f"{_DOC}document"):
        extensions = sorted(
            (
                e.get(_XSI_TYPE) or "",
                e.get("datafile") or "",
                e.get("name") or "",
                tuple(sorted((p.get("key"), p.get("value")) for p in e.iter(f"{_DOC}property"))),
            )
            for e in document.iter(f"{_DOC}extension")
        )
        levels = [(level.get("id"), level.get("name")) for level in document.iter(f"{_DOC}level")]
        attributes = tuple(document.get(a) for a in ("type", "processID", "guid"))
        documents.append((extensions, levels, attributes))
    return header, root.get("generatingSystem"), documents


def test_every_musterdaten_document_xml_comes_back_from_the_writer_unchanged(shared_datev):
    """DATEV's 14 document.xml files, read and written again, say the same to DATEV."""
    paths = sorted(shared_datev("musterdaten", "xml").glob("*/document.xml"))
    assert len(paths) == 14
    for path in paths:
        original = path.read_bytes()
        written = write_document_xml(read_document_xml(original))
        assert validate_xml(written, "document") == [], path
        assert _document_shape(written) == _document_shape(original), path
