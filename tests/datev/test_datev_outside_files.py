"""EXTF files as other programs (and DATEV itself, in a Kanzlei's export) write them.

The fixtures are written here from published facts, never copied from another project:

* A Buchungsstapel a Kanzlei exported from DATEV (documented field by field in a public
  comparison, repository file ``historie``/"Referenzstapel der Kanzlei"): format version 12
  with 124 columns (v13 appends "Abw. Skontokonto"), UTF-8 with BOM, Herkunft and SKR empty
  (``""``), Festschreibung 1, an Umsatz without decimals (``10``), an unquoted Belegdatum
  (``0203``), an empty quoted BU-Schlüssel and Beleginfo pairs in use.
* DATEV's published Debitoren/Kreditoren header (developer.datev.de ``dtvf/formate/header``).

Our reader must read them, the sandbox (standing in for DATEV) must accept the Buchungsstapel,
and what the writer makes of it has DATEV's current shape (v13, 125 columns, CRLF, cp1252).
"""

from __future__ import annotations

import codecs
from datetime import date, datetime

from workbench.datev import read_extf, write_extf
from workbench.datev.extf_fields import BUCHUNGSSTAPEL
from workbench.datev.extf_header import ExtfHeader, format_header
from workbench.sandbox.extf_rules import check_extf
from workbench.sandbox.seed import Seed, load_seed

KANZLEI_HEADER = (
    '"EXTF";700;21;"Buchungsstapel";12;20260413115454136;;"";"";"";29098;55003;20260101;4;'
    '20260301;20260331;"von 20260301 bis 20260331";"";1;0;1;"EUR";;"";;;"";;;"";""'
)


def kanzlei_export() -> bytes:
    """A v12 Buchungsstapel in the shape DATEV exports it (see the module docstring)."""
    names = BUCHUNGSSTAPEL.column_line[:124]
    row = [""] * 124
    row[:14] = ["10", '"S"', '"EUR"', "", "", "", "1461", "4830", '""', "0203", '"375"', '""', "",
                '"Trinkgeldeinnahme"']  # fmt: skip
    row[20:22] = ['"Kassenbuch"', '"Barkasse"']  # Beleginfo - Art 1 / Inhalt 1
    second = list(row)
    second[:14] = ["1250,5", '"H"', '"EUR"', "", "", "", "1000", "8400", '""', "3103", '"376"',
                   '""', "", '"Tageseinnahmen ""Café"""']  # fmt: skip
    lines = [KANZLEI_HEADER, ";".join(names), ";".join(row), ";".join(second)]
    return codecs.BOM_UTF8 + ("\r\n".join(lines) + "\r\n").encode("utf-8")


def test_datevs_v12_export_reads_with_its_values():
    read = read_extf(kanzlei_export())
    assert read.encoding == "utf-8"  # by its BOM
    header = read.header
    assert (header.format_version, header.fixation, header.origin) == (12, 1, "")
    assert (header.consultant_number, header.client_number) == (29098, 55003)
    assert (header.date_from, header.date_to) == (date(2026, 3, 1), date(2026, 3, 31))
    frame = read.frame
    assert frame.height == 2 and frame.columns[:124] == BUCHUNGSSTAPEL.names[:124]
    first, second = frame.rows(named=True)
    assert first["Umsatz (ohne Soll/Haben-Kz)"] == 10.0
    assert first["Belegdatum"] == date(2026, 3, 2)
    assert (first["Konto"], first["Gegenkonto (ohne BU-Schlüssel)"]) == (1461, 4830)
    assert first["Belegfeld 1"] == "375" and first["Beleginfo - Inhalt 1"] == "Barkasse"
    assert second["Umsatz (ohne Soll/Haben-Kz)"] == 1250.5
    assert second["Buchungstext"] == 'Tageseinnahmen "Café"'


def test_the_sandbox_accepts_datevs_export_and_our_copy_of_it():
    """DATEV's own v12 export (UTF-8 with BOM) and the writer's v13 copy both import."""
    client = Seed(load_seed()).client("29098-55003")
    assert client is not None
    as_exported = check_extf(kanzlei_export(), client)
    assert as_exported["result"] == "succeeded", as_exported
    assert as_exported["number_of_accounting_records"] == 2
    read = read_extf(kanzlei_export())
    assert check_extf(write_extf(read.frame, read.header), client)["result"] == "succeeded"


def test_written_back_it_has_datevs_current_shape():
    read = read_extf(kanzlei_export())
    written = write_extf(read.frame, read.header)
    lines = written.split(b"\r\n")
    assert written.endswith(b"\r\n") and b"\n" not in written.replace(b"\r\n", b"")
    header = lines[0].decode("cp1252")
    # v13 now (the writer writes the current columns); every other field as DATEV had it
    assert header.split(";")[4] == "13"
    expected = KANZLEI_HEADER.split(";")
    assert [f for i, f in enumerate(header.split(";")) if i != 4] == [
        f for i, f in enumerate(expected) if i != 4
    ]
    assert lines[1].decode("cp1252").split(";") == BUCHUNGSSTAPEL.column_line
    assert all(len(line.split(b";")) == 125 for line in lines[2:-1])
    # DATEV's own style (Musterdaten): two decimals, empty text fields as ""
    assert lines[2].startswith(b'10,00;"S";"EUR";;;"";1461;4830;"";0203;"375";"";;"Trinkgeld')
    assert 'Tageseinnahmen ""Café""'.encode("cp1252") in lines[3]


def test_datevs_published_debitoren_header_is_what_the_writer_writes():
    published = (
        '"EXTF";700;16;"Debitoren/Kreditoren";5;20240130140659583;;"RE";"";"";29098;55003;'
        '20240101;4;;;"";"";;;;"";;"";;;"03";;;"";""'
    )
    header = ExtfHeader(
        consultant_number=29098,
        client_number=55003,
        fiscal_year_start=date(2024, 1, 1),
        category=16,
        origin="RE",
        chart_of_accounts="03",
        created_at=datetime(2024, 1, 30, 14, 6, 59, 583000),
    )
    assert format_header(header) == published
