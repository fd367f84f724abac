"""DATEV-valid building blocks: clients, charts of accounts, business partners, IBANs, VAT ids.

Everything here is fixed data or derived from a fixed seed, so that every seed of the generator
draws from the same realistic pool: German names with umlauts, places with their postcodes
(leading zeros included), IBANs whose national check digits pass (python-schwifty) and VAT ids
whose check digit is right (python-stdnum).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import cache

import polars as pl

__all__ = [
    "CLIENTS",
    "ClientSpec",
    "ROLES",
    "Role",
    "account",
    "parties",
    "personal_range",
]


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """A sandbox client as the generator needs it (see ``data/sandbox/default.json``)."""

    id: str
    name: str
    account_length: int
    chart: str
    #: Generator default period: inside a fiscal year that exists in DATEV.
    first_day: date
    last_day: date
    trade: str = "bakery"
    cash: bool = False
    #: Fiscal years created in DATEV (first day, last day).
    fiscal_years: tuple[tuple[date, date], ...] = ()
    #: Beleg-Arten without a folder in DATEV: every such item is refused (the seed's 455148-2).
    without_folder: tuple[str, ...] = ()

    def fiscal_year_created(self, day: date) -> bool:
        return any(first <= day <= last for first, last in self.fiscal_years)


CLIENTS: dict[str, ClientSpec] = {
    "455148-1": ClientSpec(
        "455148-1",
        "Bäckerei Müller GmbH",
        4,
        "SKR03",
        date(2026, 1, 1),
        date(2026, 3, 31),
        "bakery",
        cash=True,
        fiscal_years=tuple((date(y, 1, 1), date(y, 12, 31)) for y in (2024, 2025, 2026)),
    ),
    "455148-2": ClientSpec(
        "455148-2",
        "Grün & Söhne Gärtnerei KG",
        5,
        "SKR04",
        date(2026, 1, 1),
        date(2026, 3, 31),
        "garden",
        fiscal_years=tuple((date(y, 7, 1), date(y + 1, 6, 30)) for y in (2023, 2024, 2025)),
        without_folder=("Rechnungsausgang",),
    ),
    # Fiscal year 2026 is not created for this client: clean generated data stays in 2025.
    "455148-3": ClientSpec(
        "455148-3",
        "Weiß Straßen- und Tiefbau AG",
        6,
        "SKR03",
        date(2025, 10, 1),
        date(2025, 12, 31),
        "construction",
        fiscal_years=tuple((date(y, 1, 1), date(y, 12, 31)) for y in (2024, 2025)),
    ),
}


@dataclass(frozen=True, slots=True)
class Role:
    """What a receipt item is about: booking text, tax rate, G/L account in SKR03 and SKR04."""

    kind: str  # Rechnungsausgang | Rechnungseingang | Kasse
    text: str  # booking text, at most 30 characters (DATEV DUO uses only the first 30)
    tax: float
    skr03: str
    skr04: str
    low: int  # gross amount range in euros
    high: int
    sign: int = 1
    trade: str = "bakery"


ROLES: tuple[Role, ...] = (
    Role("Rechnungsausgang", "Brotlieferung Wochenbedarf", 7.0, "8300", "4300", 40, 900),
    Role("Rechnungsausgang", "Brötchenlieferung Frühstück", 7.0, "8300", "4300", 25, 480),
    Role("Rechnungsausgang", "Tortenbestellung Jubiläum", 7.0, "8300", "4300", 60, 650),
    Role("Rechnungsausgang", "Frühstücksbuffet Tagung", 7.0, "8300", "4300", 150, 2400),
    Role("Rechnungsausgang", "Kaffee-Catering Messe", 19.0, "8400", "4400", 90, 1900),
    Role("Rechnungsausgang", "Getränkelieferung Säfte", 19.0, "8400", "4400", 30, 760),
    Role("Rechnungsausgang", "Raummiete Café Seminarraum", 19.0, "8400", "4400", 120, 600),
    Role("Rechnungseingang", "Mehl Type 550, 25 kg", 7.0, "3300", "5300", 80, 1600),
    Role("Rechnungseingang", "Butter und Sahne", 7.0, "3300", "5300", 60, 900),
    Role("Rechnungseingang", "Eier aus Freilandhaltung", 7.0, "3300", "5300", 40, 520),
    Role("Rechnungseingang", "Kaffeebohnen Espresso", 7.0, "3300", "5300", 90, 800),
    Role("Rechnungseingang", "Verpackungsmaterial Tüten", 19.0, "4980", "6850", 35, 640),
    Role("Rechnungseingang", "Strom Abschlag", 19.0, "4240", "6325", 180, 1400),
    Role("Rechnungseingang", "Reparatur Backofen", 19.0, "4805", "6460", 150, 2600),
    Role("Rechnungseingang", "Bürobedarf Kassenrollen", 19.0, "4930", "6815", 15, 220),
    Role("Rechnungseingang", "Miete Filiale Fürth", 0.0, "4210", "6310", 1450, 1450),
    Role("Rechnungseingang", "Kaffeemaschine (GWG)", 19.0, "0480", "0670", 290, 950),
    Role("Rechnungseingang", "Reinigung Backstube", 19.0, "4250", "6330", 120, 700),
    Role("Kasse", "Tageseinnahmen 7 %", 7.0, "8300", "4300", 350, 1900),
    Role("Kasse", "Tageseinnahmen 19 %", 19.0, "8400", "4400", 120, 900),
    Role("Kasse", "Porto Briefmarken", 0.0, "4910", "6800", 5, 60, -1),
    Role("Kasse", "Reinigungsmittel Drogerie", 19.0, "4250", "6330", 6, 80, -1),
    Role("Kasse", "Bürobedarf bar", 19.0, "4930", "6815", 4, 70, -1),
    Role(
        "Rechnungsausgang", "Gartenpflege Wohnanlage", 19.0, "8400", "4400", 180, 2400, 1, "garden"
    ),
    Role("Rechnungsausgang", "Baumschnitt Winter", 19.0, "8400", "4400", 250, 3200, 1, "garden"),
    Role("Rechnungsausgang", "Topfpflanzen Büro", 7.0, "8300", "4300", 40, 900, 1, "garden"),
    Role("Rechnungsausgang", "Schnittblumen Wochenabo", 7.0, "8300", "4300", 30, 260, 1, "garden"),
    Role(
        "Rechnungsausgang", "Grabpflege Jahresvertrag", 19.0, "8400", "4400", 90, 480, 1, "garden"
    ),
    Role(
        "Rechnungseingang", "Blumenerde 40 l Palette", 19.0, "3400", "5400", 120, 900, 1, "garden"
    ),
    Role("Rechnungseingang", "Saatgut Frühjahr", 7.0, "3300", "5300", 35, 600, 1, "garden"),
    Role("Rechnungseingang", "Jungpflanzen Gemüse", 7.0, "3300", "5300", 80, 1200, 1, "garden"),
    Role("Rechnungseingang", "Diesel Kleintraktor", 19.0, "4530", "6530", 60, 300, 1, "garden"),
    Role("Rechnungseingang", "Reparatur Rasenmäher", 19.0, "4805", "6460", 90, 700, 1, "garden"),
    Role("Rechnungseingang", "Pacht Gewächshaus", 0.0, "4210", "6310", 900, 900, 1, "garden"),
    Role("Rechnungseingang", "Motorsense (GWG)", 19.0, "0480", "0670", 250, 790, 1, "garden"),
    Role(
        "Rechnungsausgang",
        "Abschlag Kanalbau Los 2",
        19.0,
        "8400",
        "4400",
        4800,
        48000,
        1,
        "construction",
    ),
    Role(
        "Rechnungsausgang",
        "Pflasterarbeiten Hof",
        19.0,
        "8400",
        "4400",
        1200,
        16000,
        1,
        "construction",
    ),
    Role(
        "Rechnungsausgang",
        "Schlussrechnung Gehweg",
        19.0,
        "8400",
        "4400",
        2500,
        30000,
        1,
        "construction",
    ),
    Role(
        "Rechnungseingang",
        "Schotter 0/32 Lieferung",
        19.0,
        "3400",
        "5400",
        400,
        6000,
        1,
        "construction",
    ),
    Role(
        "Rechnungseingang", "Baggermiete Woche", 19.0, "4960", "6835", 900, 3800, 1, "construction"
    ),
    Role(
        "Rechnungseingang", "Diesel Baustelle", 19.0, "4530", "6530", 150, 1800, 1, "construction"
    ),
    Role("Rechnungseingang", "Asphaltmischgut", 19.0, "3400", "5400", 800, 9000, 1, "construction"),
)

#: The cash-transit account (Geldtransit) a bank deposit from the till is booked to.
GELDTRANSIT = {"SKR03": "1360", "SKR04": "1460"}


def account(number: str, length: int) -> str:
    """A 4-digit chart account widened to the client's Sachkontenlänge (DATEV pads on the right)."""
    return number.ljust(length, "0")


def personal_range(length: int, *, debtor: bool) -> tuple[int, int]:
    """Debitoren 1…6, Kreditoren 7…9, then ``length`` digits (personal length = length + 1)."""
    base = 10**length
    return (base, 7 * base - 1) if debtor else (7 * base, 10 * base - 1)


# --- business partners ---------------------------------------------------------------------------

PLACES = (
    ("90402", "Nürnberg", "911"),
    ("90762", "Fürth", "911"),
    ("91052", "Erlangen", "9131"),
    ("01067", "Dresden", "351"),
    ("04109", "Leipzig", "341"),
    ("09111", "Chemnitz", "371"),
    ("80331", "München", "89"),
    ("86150", "Augsburg", "821"),
    ("97070", "Würzburg", "931"),
    ("96047", "Bamberg", "951"),
    ("02826", "Görlitz", "3581"),
    ("07743", "Jena", "3641"),
    ("99423", "Weimar", "3643"),
    ("91327", "Gößweinstein", "9242"),
    ("83646", "Bad Tölz", "8041"),
    ("21335", "Lüneburg", "4131"),
    ("45468", "Mülheim an der Ruhr", "208"),
    ("08056", "Zwickau", "375"),
    ("91781", "Weißenburg in Bayern", "9141"),
    ("06108", "Halle (Saale)", "345"),
    ("97980", "Bad Mergentheim", "7931"),
)
STREETS = (
    "Hauptstraße",
    "Königstraße",
    "Fürther Straße",
    "Äußere Sulzbacher Straße",
    "Bahnhofstraße",
    "Marktplatz",
    "Schloßgasse",
    "Mühlweg",
    "Am Bäckerhof",
    "Lößnitzstraße",
    "Färberstraße",
    "Rosenaustraße",
    "Jägerstraße",
    "Brückenstraße",
    "Kötzschenbroder Straße",
    "Weißgerbergasse",
)
SURNAMES = (
    "Müller",
    "Schäfer",
    "Schröder",
    "Köhler",
    "Weiß",
    "Groß",
    "Jäger",
    "Krüger",
    "Böhm",
    "Fröhlich",
    "Günther",
    "Hölzl",
    "Kühn",
    "Lübke",
    "Mößner",
    "Nüßlein",
    "Özdemir",
    "Pöschl",
    "Rößler",
    "Schüßler",
    "Tränkle",
    "Völker",
    "Wörner",
    "Zöllner",
    "Bauer",
    "Fischer",
    "Hoffmann",
    "Wagner",
    "Becker",
    "Kaya",
    "Nowak",
    "Straßer",
)
CUSTOMER_TRADES = (
    "Hotel",
    "Café",
    "Kantine",
    "Gasthof",
    "Catering",
    "Kindertagesstätte",
    "Pflegeheim",
    "Restaurant",
    "Metzgerei",
    "Eventagentur",
    "Tagungshaus",
    "Bistro",
)
SUPPLIER_TRADES = (
    "Mühle",
    "Molkerei",
    "Geflügelhof",
    "Rösterei",
    "Verpackungen",
    "Kältetechnik",
    "Backofenservice",
    "Bürobedarf",
    "Gebäudereinigung",
    "Getränkehandel",
    "Elektro",
    "Energieversorgung",
)
LEGAL = ("GmbH", "GmbH & Co. KG", "KG", "e.K.", "OHG", "AG", "", "UG (haftungsbeschränkt)")
BANKS = (
    "76050101",
    "70150000",
    "85050300",
    "10010010",
    "37040044",
    "50010517",
    "76350000",
    "79050000",
)


def _slug(text: str) -> str:
    table = str.maketrans(
        {
            "ä": "ae",
            "ö": "oe",
            "ü": "ue",
            "ß": "ss",
            "Ä": "ae",
            "Ö": "oe",
            "Ü": "ue",
            " ": "-",
            "&": "und",
            ".": "",
            "(": "",
            ")": "",
        }
    )
    return text.lower().translate(table).replace("--", "-").strip("-")


def valid_iban(rng: random.Random, bank_code: str) -> tuple[str, str]:
    """A German IBAN with correct IBAN and national check digits, and the bank's BIC."""
    from schwifty import IBAN

    while True:
        account_code = str(rng.randrange(10**8, 10**10)).zfill(10)
        try:
            iban = IBAN(
                str(IBAN.generate("DE", bank_code=bank_code, account_code=account_code)),
                validate_bban=True,
            )
        except ValueError:
            continue
        return str(iban), str(iban.bic)


def valid_vat_id(rng: random.Random) -> str:
    """A German USt-IdNr. (``DE`` + 9 digits) whose check digit (ISO 7064 mod 11,10) is right."""
    from stdnum.iso7064 import mod_11_10

    digits = str(rng.randrange(10**7, 10**8))
    digits = str(rng.randrange(1, 10)) + digits[1:]
    return "DE" + digits + mod_11_10.calc_check_digit(digits)


@cache
def parties() -> pl.DataFrame:
    """The pool of customers (``customer`` true) and suppliers the generator draws from.

    Fixed for all seeds; 48 customers, 36 suppliers, every field DATEV-valid (names <= 50,
    cities <= 30 characters).
    """
    rng = random.Random(4711)
    rows: list[dict[str, object]] = []
    for customer, count in ((True, 48), (False, 36)):
        trades = CUSTOMER_TRADES if customer else SUPPLIER_TRADES
        seen: set[str] = set()
        while len([row for row in rows if row["customer"] == customer]) < count:
            surname, trade = rng.choice(SURNAMES), rng.choice(trades)
            legal = rng.choice(LEGAL)
            name = f"{trade} {surname}" if customer or rng.random() < 0.5 else f"{surname} {trade}"
            name = f"{name} {legal}".strip()
            if name in seen or len(name) > 50:
                continue
            seen.add(name)
            zip_code, city, area = rng.choice(PLACES)
            number = rng.randrange(100000, 9999999)
            iban, bic = valid_iban(rng, rng.choice(BANKS))
            domain = _slug(f"{trade}-{surname}") + ".example"
            rows.append(
                {
                    "customer": customer,
                    "name": name,
                    "street": f"{rng.choice(STREETS)} {rng.randrange(1, 120)}",
                    "zip": zip_code,
                    "city": city,
                    "country": "DE",
                    "phone": f"+49 {area} {number}",
                    "fax": f"+49 {area} {number}-9" if rng.random() < 0.4 else None,
                    "email": f"{rng.choice(('info', 'buchhaltung', 'rechnung'))}@{domain}",
                    "vat_id": valid_vat_id(rng) if (not customer or rng.random() < 0.7) else None,
                    "iban": iban,
                    "bic": bic,
                }
            )
    frame = pl.DataFrame(rows)
    return frame.with_columns(pl.int_range(pl.len()).over("customer").alias("number"))
