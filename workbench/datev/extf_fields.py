"""EXTF column tables as data: number, verbatim German DATEV name, type, required.

Sources (see /work/shared/datev/FACTS.md §7):

* **Buchungsstapel** (category 21, format version 13): the 125 column names in DATEV order are
  verbatim from DATEV's published v13 example (line 2) [verified]. Lengths and types follow
  DATEV's field description as quoted by ``ledermann/datev`` ``lib/datev/base/booking.rb``
  (format version 7) where v13 did not change them, with the v13 rules from FACTS §7
  (Belegfeld 1 ≤ 36 of ``A-Za-z0-9$&%*+-/``, KOST1/2 ≤ 36, BU-Schlüssel up to 4 digits).
* **Debitoren/Kreditoren** (category 16, format version 5): the 254 column names in DATEV order
  are verbatim from DATEV's published v5 example ``EXTF_DebKred_Stamm.csv`` (header
  ``"EXTF";700;16;"Debitoren/Kreditoren";5;20240130140659583;;"RE";"";"";29098;55003;...``, the
  same generation as the Musterdaten; a copy is in ``Daniel-Jorg-Schuppelius/php-financial-formats``
  ``.samples/DATEV/``) [verified]. DATEV names twelve columns "Leerfeld"; the frame calls them
  ``Leerfeld 1`` … ``Leerfeld 12`` (a frame needs unique names) and the writer puts DATEV's
  "Leerfeld" back into the column line. Types and lengths of columns 1–243 follow DATEV doc 1036228
  as quoted by ``ledermann/datev`` ``lib/datev/base/contact.rb`` (format version 4); columns
  244–254 (Alternativer Suchname … Letzte Frist) are typed from the values in DATEV's v5 example
  (flags 0/1, day counts) and the type list in Pickware's DATEV export [third party]; their
  lengths are not published in the sources we have, so the text limits there are assumptions.
* **Kontenbeschriftungen** (category 20, format version 3): the four column names are verbatim
  from DATEV's published example ``EXTF_Sachkontobeschriftungen.csv`` (same collection)
  [verified]; Kontobeschriftung ≤ 40, Kontenbeschriftung lang ≤ 300 and SprachId ``de-DE`` /
  ``en-GB`` follow DATEV's field description as quoted by third parties [third party].
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.datev.fields import (
    Account,
    Amount,
    Choice,
    DateDDMM,
    DateDDMMYYYY,
    FieldType,
    Integer,
    Text,
)

__all__ = [
    "BUCHUNGSSTAPEL",
    "DEBITOREN_KREDITOREN",
    "ExtfField",
    "ExtfFormat",
    "FORMATS",
    "KONTENBESCHRIFTUNGEN",
]

BELEGFELD_CHARSET = r"[A-Za-z0-9$&%*+\-/]"
BELEGFELD_LABEL = "A-Z a-z 0-9 $ & % * + - /"


@dataclass(frozen=True)
class ExtfField:
    """One EXTF column: position (1-based), verbatim DATEV name, type, required.

    ``header`` is the text of the column line when DATEV repeats it (``"Leerfeld"``); ``name``
    is then unique (``"Leerfeld 3"``) because it names the frame column.
    """

    number: int
    name: str
    type: FieldType
    required: bool = False
    header: str | None = None

    @property
    def column_header(self) -> str:
        return self.header or self.name


@dataclass(frozen=True)
class ExtfFormat:
    """One EXTF data category: header constants and the column table."""

    category: int
    name: str
    version: int
    fields: tuple[ExtfField, ...]
    # Header fields that only make sense for bookings (Datum vom/bis, Buchungstyp, ...).
    has_period: bool

    def field(self, name: str) -> ExtfField:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def column_line(self) -> list[str]:
        """Line 2 of the file, verbatim as DATEV writes it."""
        return [f.column_header for f in self.fields]


_FLAG = Choice(("0", "1"), quoted=False)
_RATE = Amount(decimals=2, int_digits=2, nonzero=False)


#: Frame names of the columns DATEV calls "Leerfeld" (several times per file).
_LEERFELD = re.compile(r"Leerfeld \d+")


def _table(
    spec: list[tuple[str, FieldType] | tuple[str, FieldType, bool]],
) -> tuple[ExtfField, ...]:
    return tuple(
        ExtfField(
            number,
            item[0],
            item[1],
            bool(item[2]) if len(item) > 2 else False,
            "Leerfeld" if _LEERFELD.fullmatch(item[0]) else None,
        )
        for number, item in enumerate(spec, start=1)
    )


_booking: list = [
    ("Umsatz (ohne Soll/Haben-Kz)", Amount(decimals=2, int_digits=10), True),
    ("Soll/Haben-Kennzeichen", Choice(("S", "H")), True),
    ("WKZ Umsatz", Text(3, "[A-Z]", "A-Z")),
    ("Kurs", Amount(decimals=6, int_digits=4)),
    ("Basis-Umsatz", Amount(decimals=2, int_digits=10)),
    ("WKZ Basis-Umsatz", Text(3, "[A-Z]", "A-Z")),
    ("Konto", Account(), True),
    ("Gegenkonto (ohne BU-Schlüssel)", Account(), True),
    ("BU-Schlüssel", Text(4, "[0-9]", "0-9")),
    ("Belegdatum", DateDDMM(), True),
    ("Belegfeld 1", Text(36, BELEGFELD_CHARSET, BELEGFELD_LABEL)),
    ("Belegfeld 2", Text(12)),
    ("Skonto", Amount(decimals=2, int_digits=8)),
    ("Buchungstext", Text(60)),
    ("Postensperre", _FLAG),
    ("Diverse Adressnummer", Text(9)),
    ("Geschäftspartnerbank", Integer(3)),
    ("Sachverhalt", Integer(2)),
    ("Zinssperre", _FLAG),
    ("Beleglink", Text(210)),
]
for _n in range(1, 9):
    _booking += [(f"Beleginfo - Art {_n}", Text(20)), (f"Beleginfo - Inhalt {_n}", Text(210))]
_booking += [
    ("KOST1 - Kostenstelle", Text(36)),
    ("KOST2 - Kostenstelle", Text(36)),
    ("Kost-Menge", Amount(decimals=2, int_digits=9, nonzero=False)),
    ("EU-Land u. UStID (Bestimmung)", Text(15)),
    ("EU-Steuersatz (Bestimmung)", _RATE),
    ("Abw. Versteuerungsart", Choice(("I", "K", "P", "S"))),
    ("Sachverhalt L+L", Integer(3, min_value=1)),
    ("Funktionsergänzung L+L", Integer(3, min_value=1)),
    ("BU 49 Hauptfunktionstyp", Integer(1)),
    ("BU 49 Hauptfunktionsnummer", Integer(2)),
    ("BU 49 Funktionsergänzung", Integer(3)),
]
for _n in range(1, 21):
    # DATEV's own header has no space before "Inhalt" here (sic).
    _booking += [
        (f"Zusatzinformation - Art {_n}", Text(20)),
        (f"Zusatzinformation- Inhalt {_n}", Text(210)),
    ]
_booking += [
    ("Stück", Integer(8)),
    ("Gewicht", Amount(decimals=2, int_digits=8, nonzero=False)),
    ("Zahlweise", Integer(2)),
    ("Forderungsart", Text(10)),
    ("Veranlagungsjahr", Integer(4)),
    ("Zugeordnete Fälligkeit", DateDDMMYYYY()),
    ("Skontotyp", Integer(1)),
    ("Auftragsnummer", Text(30)),
    ("Buchungstyp", Text(2)),
    ("USt-Schlüssel (Anzahlungen)", Integer(2)),
    ("EU-Land (Anzahlungen)", Text(2)),
    ("Sachverhalt L+L (Anzahlungen)", Integer(3, min_value=1)),
    ("EU-Steuersatz (Anzahlungen)", _RATE),
    ("Erlöskonto (Anzahlungen)", Account(zero_means_none=True)),
    ("Herkunft-Kz", Text(2)),
    ("Buchungs GUID", Text(36)),
    ("KOST-Datum", DateDDMMYYYY()),
    ("SEPA-Mandatsreferenz", Text(35)),
    ("Skontosperre", _FLAG),
    ("Gesellschaftername", Text(76)),
    ("Beteiligtennummer", Integer(4)),
    ("Identifikationsnummer", Text(11)),
    ("Zeichnernummer", Text(20)),
    ("Postensperre bis", DateDDMMYYYY()),
    ("Bezeichnung SoBil-Sachverhalt", Text(30)),
    ("Kennzeichen SoBil-Buchung", Integer(2)),
    ("Festschreibung", _FLAG),
    ("Leistungsdatum", DateDDMMYYYY()),
    ("Datum Zuord. Steuerperiode", DateDDMMYYYY()),
    ("Fälligkeit", DateDDMMYYYY()),
    ("Generalumkehr (GU)", Choice(("0", "1"))),
    ("Steuersatz", _RATE),
    ("Land", Text(2)),
    ("Abrechnungsreferenz", Text(50)),
    ("BVV-Position", Integer(1)),
    ("EU-Land u. UStID (Ursprung)", Text(15)),
    ("EU-Steuersatz (Ursprung)", _RATE),
    ("Abw. Skontokonto", Account(zero_means_none=True)),
]

BUCHUNGSSTAPEL = ExtfFormat(21, "Buchungsstapel", 13, _table(_booking), has_period=True)


def _bank(n: int) -> list:
    return [
        (f"Bankleitzahl {n}", Text(8)),
        (f"Bankbezeichnung {n}", Text(30)),
        (f"Bank-Kontonummer {n}", Text(10)),
        (f"Länderkennzeichen {n}", Text(2)),
        (f"IBAN-Nr. {n}", Text(34)),
        (f"Leerfeld {n}", Text(1)),
        (f"SWIFT-Code {n}", Text(11)),
        (f"Abw. Kontoinhaber {n}", Text(70)),
        (f"Kennz. Hauptbankverb. {n}", Choice(("0", "1"))),
        (f"Bankverb {n} Gültig von", DateDDMMYYYY()),
        (f"Bankverb {n} Gültig bis", DateDDMMYYYY()),
    ]


def _pct(precision: int) -> Amount:
    return Amount(decimals=2, int_digits=precision - 2, nonzero=False)


_contact: list = [
    ("Konto", Account(), True),
    ("Name (Adressattyp Unternehmen)", Text(50)),
    ("Unternehmensgegenstand", Text(50)),
    ("Name (Adressattyp natürl. Person)", Text(30)),
    ("Vorname (Adressattyp natürl. Person)", Text(30)),
    ("Name (Adressattyp keine Angabe)", Text(50)),
    ("Adressattyp", Choice(("0", "1", "2"))),
    ("Kurzbezeichnung", Text(15)),
    ("EU-Land", Text(2)),
    ("EU-UStID", Text(13)),
    ("Anrede", Text(30)),
    ("Titel/Akad. Grad", Text(25)),
    ("Adelstitel", Text(15)),
    ("Namensvorsatz", Text(14)),
    ("Adressart", Choice(("STR", "PF", "GK"))),
    ("Straße", Text(36)),
    ("Postfach", Text(10)),
    ("Postleitzahl", Text(10)),
    ("Ort", Text(30)),
    ("Land", Text(2)),
    ("Versandzusatz", Text(50)),
    ("Adresszusatz", Text(36)),
    ("Abweichende Anrede", Text(30)),
    ("Abw. Zustellbezeichnung 1", Text(50)),
    ("Abw. Zustellbezeichnung 2", Text(36)),
    ("Kennz. Korrespondenzadresse", _FLAG),
    ("Adresse Gültig von", DateDDMMYYYY()),
    ("Adresse Gültig bis", DateDDMMYYYY()),
    ("Telefon", Text(60)),
    ("Bemerkung (Telefon)", Text(40)),
    ("Telefon GL", Text(60)),
    ("Bemerkung (Telefon GL)", Text(40)),
    ("E-Mail", Text(60)),
    ("Bemerkung (E-Mail)", Text(40)),
    ("Internet", Text(60)),
    ("Bemerkung (Internet)", Text(40)),
    ("Fax", Text(60)),
    ("Bemerkung (Fax)", Text(40)),
    ("Sonstige", Text(60)),
    ("Bemerkung (Sonstige)", Text(40)),
]
for _n in range(1, 6):
    _contact += _bank(_n)
_contact += [
    ("Leerfeld 11", Text(1)),
    ("Briefanrede", Text(100)),
    ("Grußformel", Text(50)),
    ("Kunden-/Lief.-Nr.", Text(15)),
    ("Steuernummer", Text(20)),
    ("Sprache", Text(2, "[0-9]", "0-9")),  # quoted in DATEV's v5 example
    ("Ansprechpartner", Text(40)),
    ("Vertreter", Text(40)),
    ("Sachbearbeiter", Text(40)),
    ("Diverse-Konto", _FLAG),
    ("Ausgabeziel", Integer(1)),
    ("Währungssteuerung", Text(1, "[0-9]", "0-9")),  # quoted in DATEV's v5 example
    ("Kreditlimit (Debitor)", Integer(10)),
    ("Zahlungsbedingung", Integer(3)),
    ("Fälligkeit in Tagen (Debitor)", Integer(3)),
    ("Skonto in Prozent (Debitor)", _pct(4)),
    ("Kreditoren-Ziel 1 Tg.", Integer(2)),
    ("Kreditoren-Skonto 1 %", _pct(4)),
    ("Kreditoren-Ziel 2 Tg.", Integer(2)),
    ("Kreditoren-Skonto 2 %", _pct(4)),
    ("Kreditoren-Ziel 3 Brutto Tg.", Integer(3)),
    ("Kreditoren-Ziel 4 Tg.", Integer(2)),
    ("Kreditoren-Skonto 4 %", _pct(4)),
    ("Kreditoren-Ziel 5 Tg.", Integer(2)),
    ("Kreditoren-Skonto 5 %", _pct(4)),
    ("Mahnung", Integer(1)),
    ("Kontoauszug", Integer(1)),
    ("Mahntext 1", Integer(1)),
    ("Mahntext 2", Integer(1)),
    ("Mahntext 3", Integer(1)),
    ("Kontoauszugstext", Integer(1)),
    ("Mahnlimit Betrag", _pct(7)),
    ("Mahnlimit %", _pct(4)),
    ("Zinsberechnung", Integer(1)),
    ("Mahnzinssatz 1", _pct(4)),
    ("Mahnzinssatz 2", _pct(4)),
    ("Mahnzinssatz 3", _pct(4)),
    ("Lastschrift", Text(1)),
    ("Leerfeld 12", Text(1)),
    ("Mandantenbank", Integer(4)),
    ("Zahlungsträger", Text(1)),
]
_contact += [(f"Indiv. Feld {n}", Text(40)) for n in range(1, 16)]
_contact += [
    ("Abweichende Anrede (Rechnungsadresse)", Text(30)),
    ("Adressart (Rechnungsadresse)", Choice(("STR", "PF", "GK"))),
    ("Straße (Rechnungsadresse)", Text(36)),
    ("Postfach (Rechnungsadresse)", Text(10)),
    ("Postleitzahl (Rechnungsadresse)", Text(10)),
    ("Ort (Rechnungsadresse)", Text(30)),
    ("Land (Rechnungsadresse)", Text(2)),
    ("Versandzusatz (Rechnungsadresse)", Text(50)),
    ("Adresszusatz (Rechnungsadresse)", Text(36)),
    ("Abw. Zustellbezeichnung 1 (Rechnungsadresse)", Text(50)),
    ("Abw. Zustellbezeichnung 2 (Rechnungsadresse)", Text(36)),
    ("Adresse Gültig von (Rechnungsadresse)", DateDDMMYYYY()),
    ("Adresse Gültig bis (Rechnungsadresse)", DateDDMMYYYY()),
]
for _n in range(6, 11):
    _contact += _bank(_n)
_contact += [("Nummer Fremdsystem", Text(15)), ("Insolvent", _FLAG)]
_contact += [(f"SEPA-Mandatsreferenz {n}", Text(35)) for n in range(1, 11)]
_contact += [
    ("Verknüpftes OPOS-Konto", Account(zero_means_none=True)),
    ("Mahnsperre bis", DateDDMMYYYY()),
    ("Lastschriftsperre bis", DateDDMMYYYY()),
    ("Zahlungssperre bis", DateDDMMYYYY()),
    ("Gebührenberechnung", Integer(1)),
    ("Mahngebühr 1", _pct(4)),
    ("Mahngebühr 2", _pct(4)),
    ("Mahngebühr 3", _pct(4)),
    ("Pauschalenberechnung", Integer(1)),
    ("Verzugspauschale 1", _pct(5)),
    ("Verzugspauschale 2", _pct(5)),
    ("Verzugspauschale 3", _pct(5)),
    # Format version 5 (DATEV's v5 example); text limits here are assumptions (see above).
    ("Alternativer Suchname", Text(50)),
    ("Status", _FLAG),
    ("Anschrift manuell geändert (Korrespondenzadresse)", _FLAG),
    ("Anschrift individuell (Korrespondenzadresse)", Text(500)),
    ("Anschrift manuell geändert (Rechnungsadresse)", _FLAG),
    ("Anschrift individuell (Rechnungsadresse)", Text(500)),
    ("Fristberechnung bei Debitor", _FLAG),
    ("Mahnfrist 1", Integer(3)),
    ("Mahnfrist 2", Integer(3)),
    ("Mahnfrist 3", Integer(3)),
    ("Letzte Frist", Integer(3)),
]

DEBITOREN_KREDITOREN = ExtfFormat(16, "Debitoren/Kreditoren", 5, _table(_contact), has_period=False)

_labels: list = [
    ("Konto", Account(), True),
    ("Kontobeschriftung", Text(40)),
    ("SprachId", Choice(("de-DE", "en-GB"))),
    ("Kontenbeschriftung lang", Text(300)),
]

KONTENBESCHRIFTUNGEN = ExtfFormat(20, "Kontenbeschriftungen", 3, _table(_labels), has_period=False)

FORMATS = {21: BUCHUNGSSTAPEL, 16: DEBITOREN_KREDITOREN, 20: KONTENBESCHRIFTUNGEN}
