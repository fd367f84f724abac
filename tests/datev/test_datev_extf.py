"""EXTF writer and reader: golden files, round trips, limits and the last line of defence."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from workbench.datev.extf import (
    MAX_POSTINGS,
    ExtfHeader,
    read_extf,
    signed_to_debit_credit,
    split_by_period,
    validate_bookings,
    write_extf,
    write_extf_files,
)
from workbench.datev.extf_fields import BUCHUNGSSTAPEL, DEBITOREN_KREDITOREN
from workbench.errors import DatevFormatError

CREATED = datetime(2024, 1, 30, 14, 4, 40, 439000)

HEADER = ExtfHeader(
    consultant_number=29098,
    client_number=55003,
    fiscal_year_start=date(2024, 1, 1),
    account_length=4,
    date_from=date(2024, 1, 1),
    date_to=date(2024, 8, 31),
    label="Buchungsstapel",
    dictation_code="WD",
    chart_of_accounts="03",
    origin="RE",
    created_at=CREATED,
)


def bookings() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [1190.00, 24.95, 5950.00, 100.0],
            "Soll/Haben-Kennzeichen": ["S", "H", "S", "H"],
            "WKZ Umsatz": ["EUR", "EUR", "USD", None],
            "Kurs": [None, None, 1.0856, None],
            "Konto": [10000, 1200, 10001, 70000],
            "Gegenkonto (ohne BU-Schlüssel)": [8400, 4940, 8120, 3400],
            "BU-Schlüssel": ["3", None, None, "9"],
            "Belegdatum": [
                date(2024, 1, 31),
                date(2024, 2, 5),
                date(2024, 6, 22),
                date(2024, 8, 31),
            ],
            "Belegfeld 1": ["RE-2024/001", None, "RE2024-135", "ER$1"],
            "Buchungstext": [
                'Honorar "FiBu-Seminar"',
                "Fachbuch: Controlling für Dummies",
                "Export",
                "Wareneingang; Lager",
            ],
            "KOST1 - Kostenstelle": ["100", None, None, "Vertrieb Süd"],
            "EU-Land u. UStID (Bestimmung)": [None, None, "FR12345678901", None],
            "Leistungsdatum": [date(2024, 1, 15), None, None, date(2024, 8, 30)],
        }
    )


def test_header_matches_datevs_published_example():
    data = write_extf(bookings().head(0), HEADER)
    first = data.split(b"\r\n")[0].decode("cp1252")
    assert first == (
        '"EXTF";700;21;"Buchungsstapel";13;20240130140440439;;"RE";"";"";29098;55003;20240101;4;'
        '20240101;20240831;"Buchungsstapel";"WD";1;0;0;"EUR";;"";;;"03";;;"";""'
    )
    assert len(first.split(";")) == 31


def test_buchungsstapel_matches_golden_file(golden):
    golden("EXTF_Buchungsstapel.csv", write_extf(bookings(), HEADER))


def test_layout_cp1252_crlf_125_columns():
    data = write_extf(bookings(), HEADER)
    text = data.decode("cp1252")
    lines = text.split("\r\n")
    assert lines[-1] == "" and len(lines) == 2 + 4 + 1
    assert "\n" not in text.replace("\r\n", "")
    assert lines[1].split(";") == BUCHUNGSSTAPEL.names and len(BUCHUNGSSTAPEL.names) == 125
    assert lines[2].startswith(
        '1190,00;"S";"EUR";;;"";10000;8400;"3";3101;"RE-2024/001";"";;"Honorar ""FiBu-Seminar""";'
    )
    assert "für".encode("cp1252") in data


def test_utf8_on_request_has_bom():
    data = write_extf(bookings(), HEADER, encoding="utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_extf(data).encoding == "utf-8"


def test_read_round_trips(tmp_path):
    path = tmp_path / "EXTF_x.csv"
    write_extf(bookings(), HEADER, path_or_buffer=path)
    result = read_extf(path)
    assert result.encoding == "cp1252"
    assert result.header == replace(HEADER, format_version=13)
    assert result.frame.width == 125
    assert result.frame.select(bookings().columns).equals(bookings())


def test_write_to_buffer():
    buffer = io.BytesIO()
    data = write_extf(bookings(), HEADER, path_or_buffer=buffer)
    assert buffer.getvalue() == data


@pytest.mark.parametrize(
    ("column", "index", "bad", "match"),
    [
        (
            "Buchungstext",
            2,
            "x" * 61,
            r"Feld 'Buchungstext' in Datensatz 3 \(Index 2\).*länger als 60",
        ),
        (
            "Belegfeld 1",
            1,
            "RE_1",
            r"Feld 'Belegfeld 1' in Datensatz 2 .*'RE_1' enthält Zeichen außerhalb",
        ),
        ("Umsatz (ohne Soll/Haben-Kz)", 0, 0.0, r"Umsatz.*Index 0.*darf nicht 0 sein"),
        ("Umsatz (ohne Soll/Haben-Kz)", 3, -5.0, r"Index 3.*ist negativ"),
        ("Soll/Haben-Kennzeichen", 1, "X", r"Soll/Haben-Kennzeichen.*erlaubten Werte S, H"),
        ("Konto", 0, 1234567, r"Konto.*mehr als 5 Stellen"),
        ("Belegdatum", 0, date(2024, 9, 1), r"Belegdatum.*außerhalb des Zeitraums"),
        ("Buchungstext", 0, "Łódź", r"Windows-1252"),
        ("Konto", 2, None, r"Konto.*Pflichtfeld und leer"),
    ],
)
def test_invalid_values_never_reach_a_file(tmp_path, column, index, bad, match):
    frame = bookings()
    values = frame[column].to_list()
    values[index] = bad
    frame = frame.with_columns(
        pl.Series(column, values, dtype=frame.schema[column] if bad is None else None, strict=False)
    )
    path = tmp_path / "EXTF_bad.csv"
    with pytest.raises(DatevFormatError, match=match) as info:
        write_extf(frame, HEADER, path_or_buffer=path)
    assert info.value.row == index and info.value.column == column
    assert not path.exists()


def test_cp1252_check_is_skipped_for_utf8():
    frame = bookings().with_columns(pl.lit("Łódź").alias("Buchungstext"))
    assert "Łódź".encode() in write_extf(frame, HEADER, encoding="utf-8")


def test_unknown_and_missing_columns_are_errors():
    with pytest.raises(DatevFormatError, match="'Betrag' ist kein Feld"):
        write_extf(bookings().rename({"Buchungstext": "Betrag"}), HEADER)
    with pytest.raises(DatevFormatError, match="Pflichtfeld 'Konto' fehlt"):
        write_extf(bookings().drop("Konto"), HEADER)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"consultant_number": 999}, "Beraternummer"),
        ({"client_number": 100000}, "Mandantennummer"),
        ({"account_length": 9}, "Sachkontenlänge"),
        ({"date_from": date(2024, 9, 1)}, "Datum vom"),
        ({"date_to": date(2025, 1, 1)}, "Wirtschaftsjahr"),
        ({"label": "x" * 31}, "Bezeichnung"),
        ({"label": "Jan\r\nFeb"}, "(?s)Bezeichnung.*Steuerzeichen"),
        ({"label": "Łódź"}, "Bezeichnung.*Windows-1252"),
        ({"category": 46}, "Formatkategorie 46"),
    ],
)
def test_header_rules(change, match):
    with pytest.raises(DatevFormatError, match=match):
        write_extf(bookings(), replace(HEADER, **change))


def test_validate_bookings_returns_findings_instead_of_raising():
    frame = bookings().with_columns(
        pl.Series("Belegfeld 1", ["A_1", None, "B 2", "ok"]),
        pl.Series("Umsatz (ohne Soll/Haben-Kz)", [1.0, 0.0, 2.0, 3.0]),
    )
    findings = validate_bookings(frame, HEADER)
    assert findings.columns == ["row", "field", "value", "message", "rule"]
    assert findings.select("row", "field", "value", "rule").rows() == [
        (0, "Belegfeld 1", "A_1", "field.pattern"),
        (1, "Umsatz (ohne Soll/Haben-Kz)", "0.0", "amount.zero"),
        (2, "Belegfeld 1", "B 2", "field.pattern"),
    ]
    assert validate_bookings(bookings(), HEADER).height == 0
    missing = validate_bookings(bookings().drop("Belegdatum"), HEADER)
    assert missing.rows() == [(None, "Belegdatum", None, "Pflichtfeld fehlt", "field.required")]


@pytest.mark.parametrize(
    ("column", "bad", "rule"),
    [
        ("Buchungstext", "x" * 61, "field.max_length"),
        ("Buchungstext", "Łódź", "encoding.not_cp1252"),
        ("Buchungstext", "a\tb", "encoding.control_characters"),
        ("Konto", 123456, "account.length_mismatch"),
        ("Belegdatum", date(2024, 9, 1), "fiscal_year.outside_period"),
        ("Umsatz (ohne Soll/Haben-Kz)", -1.0, "amount.negative"),
        ("Umsatz (ohne Soll/Haben-Kz)", 1.001, "amount.format"),
        ("Soll/Haben-Kennzeichen", "X", "field.choice"),
    ],
)
def test_findings_carry_rule_ids(column, bad, rule):
    frame = bookings().with_columns(pl.lit(bad).alias(column))
    assert set(validate_bookings(frame, HEADER)["rule"].to_list()) == {rule}


def test_too_many_postings_for_one_file():
    frame = pl.concat([bookings().head(1)] * (MAX_POSTINGS + 1))
    with pytest.raises(DatevFormatError, match="99999"):
        write_extf(frame, HEADER)


def test_write_files_splits_by_month_and_postings(tmp_path):
    frame = pl.concat([bookings()] * 3)  # 12 rows: Jan 3, Feb 3, Jun 3, Aug 3
    paths = write_extf_files(
        frame, replace(HEADER, date_from=None, date_to=None), directory=tmp_path, max_postings=2
    )
    assert [p.name for p in paths] == [
        "EXTF_Buchungsstapel_20240101_20240131_01.csv",
        "EXTF_Buchungsstapel_20240101_20240131_02.csv",
        "EXTF_Buchungsstapel_20240201_20240229_01.csv",
        "EXTF_Buchungsstapel_20240201_20240229_02.csv",
        "EXTF_Buchungsstapel_20240601_20240630_01.csv",
        "EXTF_Buchungsstapel_20240601_20240630_02.csv",
        "EXTF_Buchungsstapel_20240801_20240831_01.csv",
        "EXTF_Buchungsstapel_20240801_20240831_02.csv",
    ]
    files = [read_extf(p) for p in paths]
    assert sum(f.frame.height for f in files) == 12
    assert files[2].header.date_from == date(2024, 2, 1) and files[2].header.date_to == date(
        2024, 2, 29
    )
    assert all(len(p.name) <= len("EXTF_") + 51 + len(".csv") for p in paths)


def test_write_files_picks_the_fiscal_year_per_month(tmp_path):
    header = replace(HEADER, fiscal_year_start=date(2023, 7, 1), date_from=None, date_to=None)
    paths = write_extf_files(bookings().head(1), header, directory=tmp_path)
    assert read_extf(paths[0]).header.fiscal_year_start == date(2023, 7, 1)


def test_write_files_checks_everything_before_writing(tmp_path):
    frame = bookings().with_columns(pl.Series("Belegfeld 1", ["ok", "ok", "ok", "bad_id"]))
    with pytest.raises(DatevFormatError, match="Index 3"):
        write_extf_files(frame, HEADER, directory=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_split_by_period():
    parts = split_by_period(bookings())
    assert [(a, b, p.height) for a, b, p in parts] == [
        (date(2024, 1, 1), date(2024, 1, 31), 1),
        (date(2024, 2, 1), date(2024, 2, 29), 1),
        (date(2024, 6, 1), date(2024, 6, 30), 1),
        (date(2024, 8, 1), date(2024, 8, 31), 1),
    ]


def test_signed_to_debit_credit():
    frame = pl.DataFrame({"amount": [10.0, -2.5]}).with_columns(signed_to_debit_credit("amount"))
    assert frame.rows() == [(10.0, 10.0, "S"), (-2.5, 2.5, "H")]


# -- reading real-world files ---------------------------------------------------------------

OLD_V7 = (
    "EXTF;510;21;Buchungsstapel;7;20160623152500000;;XY;Chief Accounting Officer;;1234;456;"
    "20160101;4;20160601;20160630;Beispiel-Buchungen;;1;;;EUR;;;;;;;;;\r\n"
    "Umsatz (ohne Soll/Haben-Kz);Soll/Haben-Kennzeichen;WKZ Umsatz;Kurs;Basisumsatz;"
    "WKZ Basisumsatz;Konto;Gegenkonto (ohne BU-Schlüssel);BU-Schlüssel;Belegdatum;"
    "Belegfeld 1;Belegfeld 2;Skonto;Buchungstext\r\n"
    "24,95;H;;;;;1200;4940;8;2106;;;;Fachbuch: Controlling für Dummies\r\n"
    "5950,00;S;;;;;10000;8400;;2206;RE201606-135;;;Honorar FiBu-Seminar\r\n"
)


def test_reads_older_versions_with_fewer_columns():
    result = read_extf(OLD_V7.encode("cp1252"))
    assert result.header.format_version == 7 and result.header.version == 510
    assert result.frame.columns == BUCHUNGSSTAPEL.names[:14]
    assert result.frame["Umsatz (ohne Soll/Haben-Kz)"].to_list() == [24.95, 5950.0]
    assert result.frame["Belegdatum"].to_list() == [date(2016, 6, 21), date(2016, 6, 22)]
    assert result.frame["Buchungstext"][0] == "Fachbuch: Controlling für Dummies"


def test_reads_utf8_with_bom():
    result = read_extf(b"\xef\xbb\xbf" + OLD_V7.encode("utf-8"))
    assert result.encoding == "utf-8"
    assert result.frame["Buchungstext"][0] == "Fachbuch: Controlling für Dummies"


def test_read_reports_line_column_and_value():
    broken = OLD_V7.replace("5950,00;S", "5.950,00;S")
    with pytest.raises(
        DatevFormatError, match=r"Zeile 4, Spalte 'Umsatz \(ohne Soll/Haben-Kz\)': Wert '5.950,00'"
    ) as info:
        read_extf(broken.encode("cp1252"))
    assert info.value.row == 4


def test_read_rejects_bad_bytes_and_non_extf():
    with pytest.raises(DatevFormatError, match="Zeile 3"):
        read_extf(OLD_V7.encode("cp1252").replace(b"1200", b"12\x81"))
    with pytest.raises(DatevFormatError, match="keine DATEV-Format-Datei"):
        read_extf(b"Konto;Name\r\n1;2\r\n")


# -- Debitoren/Kreditoren -----------------------------------------------------------------

CONTACT_HEADER = ExtfHeader(
    consultant_number=1001,
    client_number=456,
    fiscal_year_start=date(2016, 1, 1),
    label="Kunden und Lieferanten",
    origin="XY",
    exported_by="Chief Accounting Officer",
    created_at=datetime(2016, 6, 23, 15, 25),
    category=16,
)


def contacts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "Konto": [10000, 70001],
            "Name (Adressattyp Unternehmen)": [None, "Meyer GmbH"],
            "Name (Adressattyp natürl. Person)": ["Mustermann", None],
            "Vorname (Adressattyp natürl. Person)": ["Sabine", None],
            "Adressattyp": ["1", "2"],
            "Anrede": ["Frau", None],
            "Titel/Akad. Grad": ["Dr.", None],
            "Adressart": ["STR", None],
            "Straße": ["Am Haagelspfädchen 14", None],
            "Postleitzahl": ["50999", None],
            "Ort": ["Köln", None],
            "Land": ["DE", None],
            "Telefon": ["0221/1234567", None],
            "E-Mail": ["sabine@mustermann.de", None],
            "IBAN-Nr. 1": ["DE12500105170648489890", None],
            "Briefanrede": ["Sehr geehrte Frau Dr. Mustermann", None],
            "Sprache": ["1", None],
        }
    )


def test_debitoren_kreditoren_matches_golden_file(golden):
    data = write_extf(contacts(), CONTACT_HEADER)
    golden("EXTF_Debitoren_Kreditoren.csv", data)
    header = data.split(b"\r\n")[0].decode("cp1252")
    assert header.startswith('"EXTF";700;16;"Debitoren/Kreditoren";5;20160623152500000;;"XY";')
    assert ";1001;456;20160101;4;;;" in header


def test_debitoren_kreditoren_round_trip():
    result = read_extf(write_extf(contacts(), CONTACT_HEADER))
    assert result.header.category == 16
    assert result.frame.width == len(DEBITOREN_KREDITOREN.fields) == 254
    assert result.frame.select(contacts().columns).equals(contacts())


def test_debitoren_kreditoren_field_rules():
    frame = contacts().with_columns(pl.Series("Adressattyp", ["1", "7"]))
    with pytest.raises(DatevFormatError, match="Feld 'Adressattyp' in Datensatz 2"):
        write_extf(frame, CONTACT_HEADER)


def test_reads_utf16_with_bom():
    result = read_extf(OLD_V7.encode("utf-16"))
    assert result.encoding == "utf-16"
    assert result.frame["Umsatz (ohne Soll/Haben-Kz)"].to_list() == [24.95, 5950.0]


def test_ledger_account_length_check():
    from workbench.datev.ledger_xml import validate_ledger_records

    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 2)],
            "amount": [1.0],
            "accountNo": [123456],
            "currencyCode": ["EUR"],
            "invoiceId": ["R1"],
        }
    )
    assert validate_ledger_records(frame, ledger="accountsReceivableLedger").height == 0
    findings = validate_ledger_records(frame, ledger="accountsReceivableLedger", account_length=4)
    assert findings["message"].to_list() == [
        "hat mehr als 5 Stellen (Sachkontenlänge 4, Personenkonten eine Stelle mehr)"
    ]


def test_cp1252_specials_are_encoded_as_windows_1252():
    frame = bookings().with_columns(
        pl.Series("Buchungstext", ["Spesen 5 € „Kaffee“", "x", "y", "z"])
    )
    data = write_extf(frame, HEADER)
    assert b'"Spesen 5 \x80 \x84Kaffee\x93"' in data
    assert read_extf(data).frame["Buchungstext"][0] == "Spesen 5 € „Kaffee“"
    latin = write_extf(bookings(), HEADER)
    assert latin == write_extf(bookings(), HEADER, encoding="utf-8")[3:].decode("utf-8").encode(
        "cp1252"
    )


def test_the_encoder_takes_chunks_that_end_inside_a_character():
    """polars hands the lines over in chunks of its own size; one may end inside ü or €."""
    from workbench.datev.extf import _Encoder

    text = "Müller € GmbH\r\n" * 3 + "plain ASCII\r\n"
    raw = text.encode("utf-8")
    out = io.BytesIO()
    encoder = _Encoder(out, "cp1252")
    for start, end in ((0, 2), (2, 10), (10, 11), (11, 40), (40, len(raw))):  # 2|10: ü, €
        assert encoder.write(raw[start:end]) == end - start
    assert out.getvalue() == text.encode("cp1252")


def test_write_files_puts_master_data_into_one_file(tmp_path):
    paths = write_extf_files(contacts(), CONTACT_HEADER, directory=tmp_path)
    assert [p.name for p in paths] == ["EXTF_Debitoren_Kreditoren.csv"]
    assert read_extf(paths[0]).frame.height == 2


# -- format versions, categories, separators, quotes (issue 13) ------------------------------

FIXTURES = Path(__file__).resolve().parents[1] / "data" / "extf"

OLD_V9 = (
    '"EXTF";700;21;"Buchungsstapel";9;20190101120000000;;"RE";"";"";29098;55003;20190101;4;'
    '20190101;20190131;"Januar";"WD";1;0;0;"EUR";;"";;;"03";;;"";""\r\n'
    + ";".join(BUCHUNGSSTAPEL.names[:116])
    + "\r\n"
    + '119,00;"S";"";;;"";10000;8400;"3";1501;"RE-1";"";;"Verkauf";'
    + ";" * 101
    + "\r\n"
)


def test_older_version_is_written_back_as_version_13_with_a_consistent_header():
    old = read_extf(OLD_V9.encode("cp1252"))
    assert old.header.format_version == 9 and old.frame.width == 116
    written = write_extf(old.frame, old.header)
    lines = written.decode("cp1252").split("\r\n")
    assert lines[0].split(";")[4] == "13"
    assert lines[1].split(";") == BUCHUNGSSTAPEL.names
    assert all(len(line.split(";")) == 125 for line in lines[2:-1])
    again = read_extf(written)
    assert again.header.format_version == 13
    assert again.frame.select(old.frame.columns).equals(old.frame)


def test_buchungstext_keeps_inner_quotes_datev_did_not_double():
    line = '10,00;"S";"";;;"";1200;8400;"";1501;"";"";;" "Normalabschr. immater. VermG" ";'
    lines = [OLD_V9.split("\r\n")[0], ";".join(BUCHUNGSSTAPEL.names), line + ";" * 110, ""]
    text = "\r\n".join(lines)
    frame = read_extf(text.encode("cp1252")).frame
    assert frame["Buchungstext"][0] == ' "Normalabschr. immater. VermG" '
    assert frame["Konto"][0] == 1200 and frame.width == 125


def test_buchungstext_with_doubled_quotes_round_trips():
    frame = bookings().with_columns(pl.Series("Buchungstext", ['Kauf "Alt" 12"', "a", "b", "c"]))
    data = write_extf(frame, HEADER)
    assert b'"Kauf ""Alt"" 12"""' in data
    assert read_extf(data).frame["Buchungstext"][0] == 'Kauf "Alt" 12"'


@pytest.mark.parametrize(("separator", "named"), [(",", "Komma"), ("\t", "Tabulator")])
def test_wrong_separator_is_named(separator, named):
    text = OLD_V7.replace(";", separator)
    with pytest.raises(DatevFormatError, match=f"Zeile 1.*{named}.*Semikolon") as info:
        read_extf(text.encode("cp1252"))
    assert "Kennzeichen" not in str(info.value)


def test_unknown_category_is_named():
    text = OLD_V7.replace("EXTF;510;21;Buchungsstapel;7", "EXTF;700;46;Zahlungsbedingungen;2")
    message = r"Zeile 1: Formatkategorie 46 \('Zahlungsbedingungen'\)"
    with pytest.raises(DatevFormatError, match=message) as info:
        read_extf(text.encode("cp1252"))
    assert info.value.value == 46


def test_kontenbeschriftungen_read_and_write():
    raw = (FIXTURES / "EXTF_Kontenbeschriftungen.csv").read_bytes()
    result = read_extf(raw)
    assert result.header.category == 20 and result.header.format_version == 3
    assert result.frame.columns == [
        "Konto",
        "Kontobeschriftung",
        "SprachId",
        "Kontenbeschriftung lang",
    ]
    assert result.frame["Konto"].to_list() == [85, 1200, 8400]
    assert result.frame["Kontobeschriftung"][0] == "Grundstücke und Gebäude"
    written = write_extf(result.frame, result.header)
    assert written == raw


def test_kontenbeschriftungen_field_rules():
    header = replace(CONTACT_HEADER, category=20)
    frame = pl.DataFrame({"Konto": [4400], "Kontobeschriftung": ["x" * 41]})
    with pytest.raises(DatevFormatError, match=r"Kontobeschriftung.*länger als 40"):
        write_extf(frame, header)


def test_debitoren_kreditoren_v5_has_datevs_254_columns():
    raw = (FIXTURES / "EXTF_Debitoren_Kreditoren_v5.csv").read_bytes()
    result = read_extf(raw)
    assert result.frame.width == len(DEBITOREN_KREDITOREN.fields) == 254
    assert not [c for c in result.frame.columns if c.startswith("Spalte")]
    row = result.frame.row(0, named=True)
    assert row["Alternativer Suchname"] == "Holzwurm Nbg"
    assert (row["Mahnfrist 1"], row["Mahnfrist 3"], row["Letzte Frist"]) == (14, 7, 10)
    assert row["Name (Adressattyp Unternehmen)"] == "Schreinerei Holzwurm GmbH"
    written = write_extf(result.frame, result.header)
    lines, source = written.split(b"\r\n"), raw.split(b"\r\n")
    assert lines[:2] == source[:2]  # header and DATEV's column line (with its "Leerfeld"s)
    assert read_extf(written).frame.equals(result.frame)
