"""The phone book of one Kanzlei for its phone system (seed 000's "Adressbuch Exporter"), built
from DATEV master data (DATEVconnect), as STARFACE's CSV import or as vCard 4.0.

Seed 000's rules:

* each Kanzlei goes into its own address book: "Standard" into the public address book (folder
  0), every other Kanzlei into the one its settings name (``[addressbook] name``, ``folder``);
* only active addressees (2.2.1; a number of an addressee whose Mandanten are all inactive is
  left out too), fax numbers never as phone numbers (2.4.2 / 2.5.1), redundant numbers kept
  (2.0.5: a number shared by two addressees is in both contacts);
* the communication's note assigns the phone-book field ("Mobil" -> ``MOBILE``; aliases in
  ``[addressbook.fields]``);
* DATEV's institutions come from one chosen Kanzlei only (``institutions_kanzlei`` in the
  Standard Kanzlei's ``[addressbook]``, default "Standard"), with a warning above 15,000 entries.

Every number of the master data is exported or skipped by one of these rules, and the counts add
up (:attr:`PhoneBook.counts`). Numbers are written in international format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

import phonenumbers
import polars as pl

from workbench.calls.directory import (
    ADDRESSEE_FIELDS,
    CLIENT_FIELDS,
    PhoneDirectory,
    _optional,
)
from workbench.errors import ConfigError

if TYPE_CHECKING:
    from workbench.transfer.client import DatevClient

__all__ = [
    "DEFAULT_FIELDS",
    "ENTRY_SCHEMA",
    "INSTITUTIONS_WARNING",
    "AddressBookSettings",
    "PhoneBook",
    "build_phone_book",
    "fetch_phone_book",
]

#: Communication note (case-insensitive) -> phone-book field; other notes go to ``PHONE``.
DEFAULT_FIELDS = {
    "mobil": "MOBILE",
    "handy": "MOBILE",
    "privat": "HOME",
    "büro": "PHONE",
    "zentrale": "PHONE",
}
#: Seed 000: "über 15.000 zusätzlichen Einträgen ... zu viele Einträge" for small systems.
INSTITUTIONS_WARNING = 15_000
DEFAULT_KANZLEI = "Standard"
ENTRY_SCHEMA = pl.Schema(
    {
        "contact_id": pl.String,
        "source": pl.String,  # "Adressat" | "Institution"
        "person": pl.Boolean,
        "display_name": pl.String,
        "company": pl.String,
        "firstname": pl.String,
        "lastname": pl.String,
        "field": pl.String,
        "number": pl.String,  # international format: +49 911 47110
        "tel_uri": pl.String,  # RFC 3966: tel:+49-911-47110
        "note": pl.String,  # the Mandanten the addressee belongs to
    }
)
#: Why a number of the master data is not in the phone book, in the order the rules apply.
SKIP_RULES = {
    "fax": "Faxnummer",
    "inactive_addressee": "Adressat inaktiv",
    "inactive_client": "Mandant inaktiv",
    "unparseable": "Rufnummer ungültig",
}


@dataclass(frozen=True)
class AddressBookSettings:
    """Which STARFACE address book a Kanzlei's contacts go to, and how notes map to fields."""

    name: str = DEFAULT_KANZLEI
    folder: int = 0
    fields: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    default_field: str = "PHONE"
    institutions: bool = True

    @classmethod
    def for_kanzlei(
        cls, kanzlei: str, table: Mapping[str, Any], *, institutions_kanzlei: str
    ) -> AddressBookSettings:
        """From the Kanzlei's ``[addressbook]`` settings table.

        >>> AddressBookSettings.for_kanzlei("Standard", {}, institutions_kanzlei="Standard").folder
        0
        """
        folder = table.get("folder", 0 if kanzlei == DEFAULT_KANZLEI else None)
        if not isinstance(folder, int) or isinstance(folder, bool) or folder < 0:
            raise ConfigError(
                f"Für die Kanzlei {kanzlei} fehlt der STARFACE-Adressbuchordner: tragen Sie in "
                "ihren Einstellungen [addressbook] name und folder ein (z. B. folder = 1; "
                "Ordner 0 ist das öffentliche Adressbuch der Kanzlei Standard)."
            )
        aliases = {**DEFAULT_FIELDS, **table.get("fields", {})}
        return cls(
            name=str(table.get("name", kanzlei)),
            folder=folder,
            fields={note.strip().lower(): target.upper() for note, target in aliases.items()},
            default_field=str(table.get("default_field", "PHONE")).upper(),
            institutions=kanzlei == institutions_kanzlei,
        )


@dataclass(frozen=True)
class PhoneBook:
    """One address book: entries (one row per contact and number), counts, warnings."""

    name: str
    folder: int
    entries: pl.DataFrame
    counts: dict[str, int]
    warnings: list[str]

    def contacts(self) -> list[list[dict[str, Any]]]:
        """The entries per contact (rows as dicts), in a stable order (by name, then id)."""
        ordered = self.entries.sort("display_name", "contact_id", "field", "number")
        return [
            list(rows)
            for _, rows in groupby(ordered.iter_rows(named=True), key=itemgetter("contact_id"))
        ]


def institution_addressees(
    *, tax_authorities: Iterable[Mapping[str, Any]], banks: Iterable[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """DATEV's institutions (Finanzämter, Banken) as addressees of the phone directory."""
    named: list[tuple[str, str, Mapping[str, Any]]] = [
        (f"fa-{t['id']}", f"Finanzamt {t['name']}", t) for t in tax_authorities
    ]
    named += [(f"bank-{b['id']}", str(b["name"]), b) for b in banks]
    return [
        {
            "id": identifier,
            "type": "legal_person",
            "status": "active",
            "current_company_name": name,
            "communications": raw.get("communications", []),
        }
        for identifier, name, raw in named
    ]


def build_phone_book(
    *,
    clients: Iterable[Mapping[str, Any]],
    addressees: Iterable[Mapping[str, Any]],
    relationships: Iterable[Mapping[str, Any]] = (),
    institutions: Iterable[Mapping[str, Any]] = (),
    settings: AddressBookSettings,
    region: str = "DE",
) -> PhoneBook:
    """The Kanzlei's phone book from DATEVconnect master data (as the API returns it).

    ``institutions`` are addressee-shaped (:func:`institution_addressees`) and only used when
    ``settings.institutions`` is set.
    """
    addressees = list(addressees)
    people = {a["id"]: a for a in addressees}
    directory = PhoneDirectory.from_master_data(
        clients=clients, addressees=addressees, relationships=relationships, region=region
    )
    frames = [_numbers(directory.numbers, "Adressat")]
    if settings.institutions:
        institutions = list(institutions)
        people |= {a["id"]: a for a in institutions}
        numbers = PhoneDirectory.from_master_data(
            clients=[], addressees=institutions, region=region
        ).numbers
        frames.append(_numbers(numbers, "Institution"))
    numbers = pl.concat(frames)
    reason = (
        pl.when(pl.col("kind") == "fax")
        .then(pl.lit("fax"))
        .when(~pl.col("addressee_active"))
        .then(pl.lit("inactive_addressee"))
        .when(~pl.col("any_client_active"))
        .then(pl.lit("inactive_client"))
        .when(pl.col("number_status") != "ok")
        .then(pl.lit("unparseable"))
        .otherwise(pl.lit("exported"))
    )
    numbers = numbers.with_columns(reason.alias("outcome"))
    counts = {"numbers": numbers.height} | {
        rule: numbers.filter(pl.col("outcome") == rule).height for rule in ("exported", *SKIP_RULES)
    }
    entries = _entries(numbers.filter(pl.col("outcome") == "exported"), people, settings)
    institution_entries = entries.filter(pl.col("source") == "Institution").height
    warnings = []
    if entries.height > INSTITUTIONS_WARNING:
        warnings.append(
            f"Das Adressbuch '{settings.name}' hat {entries.height:,} Einträge".replace(",", ".")
            + f", davon {institution_entries:,} von Institutionen".replace(",", ".")
            + ". Für kleinere Telefonanlagen können das zu viele sein (seed 000: über 15.000); "
            "importieren Sie die Institutionen nur, wenn die Anlage das verkraftet."
        )
    return PhoneBook(settings.name, settings.folder, entries, counts, warnings)


def _numbers(numbers: pl.DataFrame, source: str) -> pl.DataFrame:
    """One row per communication: a number linked to several Mandanten is one number."""
    return numbers.group_by("addressee_id", "communication_id", maintain_order=True).agg(
        pl.col(
            "addressee_name", "kind", "role", "number", "number_extension", "number_status"
        ).first(),
        pl.col("addressee_active").first(),
        pl.col("client_active").fill_null(True).any().alias("any_client_active"),
        pl.col("client_number", "client_name")
        .filter(pl.col("client_active").fill_null(False))
        .drop_nulls(),
        pl.lit(source).alias("source"),
    )


def _entries(
    numbers: pl.DataFrame, people: Mapping[str, Mapping[str, Any]], settings: AddressBookSettings
) -> pl.DataFrame:
    rows = []
    for row in numbers.iter_rows(named=True):
        person = people.get(row["addressee_id"], {})
        natural = person.get("type") == "natural_person"
        number, uri = _formatted(row["number"], row["number_extension"])
        note = ", ".join(
            f"Mandant {number_} {name}"
            for number_, name in zip(row["client_number"], row["client_name"], strict=False)
        )
        rows.append(
            {
                "contact_id": row["addressee_id"],
                "source": row["source"],
                "person": natural,
                "display_name": row["addressee_name"],
                "company": None if natural else row["addressee_name"],
                "firstname": person.get("firstname") if natural else None,
                "lastname": person.get("current_surname") if natural else None,
                "field": settings.fields.get(
                    (row["role"] or "").strip().lower(), settings.default_field
                ),
                "number": number,
                "tel_uri": uri,
                "note": note or None,
            }
        )
    return pl.DataFrame(rows, schema=ENTRY_SCHEMA)


@lru_cache(maxsize=65_536)
def _formatted(e164: str, extension: str | None) -> tuple[str, str]:
    """International format and ``tel:`` URI (RFC 3966) of an E.164 number."""
    parsed = phonenumbers.parse(e164 + (f";ext={extension}" if extension else ""), None)
    return (
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.RFC3966),
    )


def fetch_phone_book(
    client: DatevClient, *, settings: AddressBookSettings, region: str = "DE"
) -> PhoneBook:
    """Read the master data (and, for the chosen Kanzlei, the institutions) from DATEVconnect.

    >>> book = fetch_phone_book(datev, settings=AddressBookSettings())  # doctest: +SKIP
    """
    md = "master-data"
    institutions: list[dict[str, Any]] = []
    if settings.institutions:
        institutions = institution_addressees(
            tax_authorities=_optional(client, md, "/tax-authorities", what="Finanzämter lesen"),
            banks=_optional(client, md, "/banks", what="Banken lesen"),
        )
    return build_phone_book(
        clients=client.connect_get(
            md, "/clients", what="Mandanten lesen", params={"select": CLIENT_FIELDS}
        )
        or [],
        addressees=client.connect_get(
            md, "/addressees", what="Adressaten lesen", params={"select": ADDRESSEE_FIELDS}
        )
        or [],
        relationships=_optional(client, md, "/relationships", what="Beziehungen lesen"),
        institutions=institutions,
        settings=settings,
        region=region,
    )
