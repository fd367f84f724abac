"""Bad input: one clear German SourceError naming file, row and column; never a crash."""

import openpyxl
import pytest

from workbench.errors import ProfileError, SourceError
from workbench.sources import load_invoices, load_profile, load_receipts

GOOD = "InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;Firma;1,00\n"


def test_missing_required_column_names_file_row_and_column(write):
    path = write("ohne_betrag.csv", "InvoiceNo;BookingDate;AccountName\nR1;01.01.2026;Firma\n")
    with pytest.raises(SourceError, match=r"ohne_betrag\.csv.*'Amount'.*\(Zeile 1\)") as caught:
        load_receipts(path, profile="juston")
    assert caught.value.file == "ohne_betrag.csv"
    assert caught.value.row == 1
    assert caught.value.column == "amount"


def test_file_matching_no_variant_lists_expected_columns(write):
    path = write("fremd.csv", "Spalte A;Spalte B\n1;2\n")
    with pytest.raises(
        SourceError, match=r"fremd\.csv passt nicht zum Profil 'juston'.*InvoiceNo.*ReceiptNo"
    ):
        load_receipts(path, profile="juston")


def test_unknown_profile_lists_available_ones(write):
    with pytest.raises(ProfileError, match=r"Unbekanntes Profil 'sap'.*canonical.*juston"):
        load_receipts(write("a.csv", GOOD), profile="sap")


def test_profile_without_the_kind(write):
    with pytest.raises(
        ProfileError, match=r"Profil 'starface' enthält keine Spaltenzuordnung für 'receipts'"
    ):
        load_receipts(write("a.csv", GOOD), profile="starface")


@pytest.mark.parametrize(
    ("toml", "match"),
    [
        ("[[receipts]]\n[receipts.columns]\nbetrag = 'Amount'\n", r"unbekannte Spalte 'betrag'"),
        ("[[receipts]]\nsheat = 'x'\n", r"unbekannte Schlüssel: sheat"),
        ("[[receipts]]\nnumber_format = 'fr'\n", r"number_format"),
        ("[[receipts]\n", r"ungültig"),
        ("[rechnungen]\n", r"unbekannte Abschnitte: rechnungen"),
    ],
)
def test_malformed_profiles(tmp_path, toml, match):
    path = tmp_path / "kaputt.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ProfileError, match=match):
        load_profile(path)


def test_missing_file(tmp_path):
    with pytest.raises(SourceError, match=r"nicht gefunden"):
        load_receipts(tmp_path / "gibtsnicht.csv", profile="juston")


def test_directory_instead_of_file(tmp_path):
    with pytest.raises(SourceError, match=r"ist ein Ordner"):
        load_receipts(tmp_path, profile="juston")


@pytest.mark.parametrize("content", ["", "   \n\n"])
def test_empty_file(write, content):
    with pytest.raises(SourceError, match=r"leer\.csv ist leer"):
        load_receipts(write("leer.csv", content), profile="juston")


def test_header_only_file(write):
    with pytest.raises(SourceError, match=r"nur die Kopfzeile") as caught:
        load_receipts(
            write("kopf.csv", "InvoiceNo;BookingDate;AccountName;Amount\n"), profile="juston"
        )
    assert caught.value.row == 2


def test_binary_garbage_is_not_read_as_csv(tmp_path):
    path = tmp_path / "beleg.csv"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    with pytest.raises(SourceError, match=r"beleg\.csv ist ein PDF-Dokument, keine Tabelle"):
        load_receipts(path, profile="juston")


def test_random_bytes_are_rejected(tmp_path):
    path = tmp_path / "zufall.csv"
    path.write_bytes(bytes((i * 7919) % 256 for i in range(5000)))
    with pytest.raises(SourceError, match=r"zufall\.csv"):
        load_receipts(path, profile="juston")


def test_row_with_too_many_fields_names_the_line(write):
    text = GOOD + "R2;02.01.2026;Firma;1,00;überzählig\n"
    with pytest.raises(
        SourceError, match=r"zeilen\.csv, Zeile 3 hat 5 Felder.*'überzählig'"
    ) as caught:
        load_receipts(write("zeilen.csv", text), profile="juston")
    assert caught.value.row == 3


def test_row_with_fewer_fields_keeps_the_row(write):
    result = load_receipts(write("kurz.csv", GOOD + "R2;02.01.2026\n"), profile="juston")
    assert result.frame.height == 2
    assert result.frame["amount"].to_list() == [1.0, None]


def test_broken_excel(tmp_path):
    path = tmp_path / "kaputt.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(SourceError, match=r"kaputt\.xlsx ist keine gültige Excel-Datei"):
        load_invoices(path, profile="crmplus")


def test_wrong_sheet_lists_the_sheets(tmp_path):
    path = tmp_path / "blatt.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Tabelle1"
    workbook.active.append(["x"])
    workbook.save(path)
    with pytest.raises(SourceError, match=r"blatt\.xlsx hat kein Blatt 'Rechnungen'.*Tabelle1"):
        load_invoices(path, profile="crmplus")


def test_empty_sheet(tmp_path):
    path = tmp_path / "leer.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Rechnungen"
    workbook.save(path)
    with pytest.raises(SourceError, match=r"leer\.xlsx"):
        load_invoices(path, profile="crmplus")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{kaputt", r"kein gültiges JSON: Zeile 1"),
        ("[1, 2]", r"Datensatz 1 ist kein Objekt"),
        ("[]", r"enthält keine Datensätze"),
        ('{"a": [], "b": []}', r"genau einer solchen Liste"),
    ],
)
def test_bad_json(write, text, match):
    with pytest.raises(SourceError, match=match):
        load_receipts(write("daten.json", text))


def test_no_files_given():
    with pytest.raises(SourceError, match=r"keine Quelldatei"):
        load_receipts([])


def test_unreadable_file(write, monkeypatch):
    from pathlib import Path

    path = write("gesperrt.csv", GOOD)

    opened = Path.open

    def denied(self, *args, **kwargs):
        if self.name == path.name:
            raise PermissionError(13, "Keine Berechtigung", str(self))
        return opened(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(
        SourceError, match=r"gesperrt\.csv kann nicht gelesen werden: Keine Berechtigung"
    ):
        load_receipts(path, profile="juston")


def test_utf16_file_with_only_its_byte_order_mark_is_empty_of_headers(tmp_path):
    path = tmp_path / "leer16.csv"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(SourceError, match=r"leer16\.csv (ist leer|hat keine Kopfzeile)"):
        load_receipts(path)
