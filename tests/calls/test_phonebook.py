"""The phone book per Kanzlei (seed 000's Adressbuch Exporter) from the sandbox's DATEVconnect:
golden STARFACE CSV and vCard 4.0 files, the exporter's rules, spreadsheet safety."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
import pytest
import vobject
from typer.testing import CliRunner

from workbench.calls.phonebook import (
    INSTITUTIONS_WARNING,
    AddressBookSettings,
    build_phone_book,
    fetch_phone_book,
    institution_addressees,
)
from workbench.calls.phonebook_files import starface_csv, vcards
from workbench.cli import app
from workbench.config import sandbox_endpoints
from workbench.errors import ConfigError
from workbench.sandbox import start_sandbox
from workbench.transfer.client import DatevClient

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
STANDARD = AddressBookSettings.for_kanzlei("Standard", {}, institutions_kanzlei="Standard")
NORD = AddressBookSettings.for_kanzlei(
    "Kanzlei Nord", {"name": "Kanzlei2", "folder": 2}, institutions_kanzlei="Standard"
)
LOGINS = {"Standard": ("datevconnect", "sandbox"), "Kanzlei Nord": ("kanzlei-nord", "sandbox-nord")}


def golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("WORKBENCH_REGENERATE_GOLDEN") == "1":
        path.write_bytes(data)
    assert path.exists(), f"golden file {name} missing; run with WORKBENCH_REGENERATE_GOLDEN=1"
    assert data == path.read_bytes(), f"output differs from golden file {name}"


@pytest.fixture(scope="module")
def books():
    """Both Kanzleien's books, read through DATEVconnect of the running sandbox."""
    with start_sandbox() as sandbox:
        result = {}
        for kanzlei, settings in (("Standard", STANDARD), ("Kanzlei Nord", NORD)):
            with DatevClient(
                sandbox_endpoints(sandbox.url), client_id="x", connect_auth=LOGINS[kanzlei]
            ) as datev:
                result[kanzlei] = fetch_phone_book(datev, settings=settings)
        yield result


@pytest.mark.parametrize(
    ("kanzlei", "stem"), [("Standard", "standard"), ("Kanzlei Nord", "kanzlei_nord")]
)
def test_golden_files(books, kanzlei, stem):
    golden(f"addressbook_{stem}_starface.csv", starface_csv(books[kanzlei]).encode("utf-8"))
    golden(f"addressbook_{stem}.vcf", vcards(books[kanzlei]).encode("utf-8"))


def table(book) -> list[dict]:
    import csv
    import io

    return list(csv.DictReader(io.StringIO(starface_csv(book)), delimiter=";"))


def test_the_exporters_rules_on_the_seed(books):
    standard, nord = table(books["Standard"]), table(books["Kanzlei Nord"])
    numbers = {value for row in standard + nord for key, value in row.items() if "PHONE" in key}
    # Fax numbers never as phone numbers (2.4.2 / 2.5.1).
    assert not {"+49 911 471199", "+49 30 9876549", "+49 461 808019", "+49 911 471399"} & numbers
    # Inactive addressees are not synchronised (2.2.1): Jörg Weiß, Hafenkontor Jensen KG.
    names = {row["COMPANY"] or f"{row['FIRSTNAME']} {row['LASTNAME']}" for row in standard + nord}
    assert "Jörg Weiß" not in names and "Hafenkontor Jensen KG" not in names
    # Redundant numbers are kept (2.0.5): Bäckerei Müller and Anna Müller share a number.
    assert [row["PHONE"] for row in standard].count("+49 911 47110") == 2
    # "Mobil" (and the alias "Handy") -> MOBILE; numbers in international format.
    anna = next(row for row in standard if row["LASTNAME"] == "Müller")
    assert anna["MOBILE"] == "+49 170 5550123"
    hauke = next(row for row in nord if row["FIRSTNAME"] == "Hauke")
    assert hauke["MOBILE"] == "+45 20 12 34 56" and hauke["PHONE"] == "+49 461 80800"
    # Institutions from one Kanzlei only (Standard), and each Kanzlei in its own book.
    institutions = {"Finanzamt Nürnberg-Zentral", "Sparkasse Nürnberg"}
    assert institutions <= names
    assert not institutions & {row["COMPANY"] for row in nord}
    assert {(row["ADDRESSBOOK"], row["FOLDER"]) for row in standard} == {("Standard", "0")}
    assert {(row["ADDRESSBOOK"], row["FOLDER"]) for row in nord} == {("Kanzlei2", "2")}
    # Every number is exported or skipped by a rule, and the counts add up.
    for book in books.values():
        counts = book.counts
        skipped = sum(v for k, v in counts.items() if k not in ("numbers", "exported"))
        assert counts["exported"] + skipped == counts["numbers"]
        assert counts["exported"] == book.entries.height
    assert books["Standard"].counts | {"numbers": 0, "exported": 0} == {
        "numbers": 0,
        "exported": 0,
        "fax": 3,
        "inactive_addressee": 1,
        "inactive_client": 0,
        "unparseable": 0,
    }


def test_vcards_read_back_with_an_independent_parser(books):
    text = vcards(books["Standard"])
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n") and "\n" not in text.replace(
        "\r\n", ""
    )
    cards = list(vobject.readComponents(text))
    assert len(cards) == len(books["Standard"].contacts())
    anna = next(card for card in cards if card.fn.value == "Anna Müller")
    assert anna.version.value == "4.0" and anna.kind.value == "individual"
    tels = {(tel.params["TYPE"][0], tel.value) for tel in anna.contents["tel"]}
    assert tels == {("cell", "tel:+49-170-5550123"), ("work,voice", "tel:+49-911-47110")}
    bakery = next(card for card in cards if card.fn.value == "Bäckerei Müller GmbH")
    assert bakery.note.value == "Mandant 1 Bäckerei Müller GmbH"


def addressee(identifier: str, name: str, *numbers: tuple[str, str, str | None]) -> dict:
    return {
        "id": identifier,
        "type": "legal_person",
        "status": "active",
        "current_company_name": name,
        "communications": [
            {"id": f"{identifier}-{i}", "type": kind, "data_content": value, "note": note}
            for i, (kind, value, note) in enumerate(numbers)
        ],
    }


def test_cells_are_spreadsheet_safe_and_numbers_stay_numbers():
    link = '=HYPERLINK("http://böse.example","Klick")'
    book = build_phone_book(
        clients=[],
        addressees=[
            addressee("a1", link, ("phone", "+49 89 1234", None)),
            addressee("a2", "@SUMME(A1)", ("phone", "0049 30 555 66", "-Zentrale")),
        ],
        settings=STANDARD,
    )
    rows = table(book)
    assert [row["COMPANY"] for row in rows] == ["'" + link, "'@SUMME(A1)"]
    assert [row["PHONE"] for row in rows] == ["+49 89 1234", "+49 30 55566"]


def test_long_lines_fold_at_75_octets_without_splitting_characters():
    name = "Ölmühle " + "Größenwahn & Söhne; Straßenbau, Öffentliche Hand " * 3
    book = build_phone_book(
        clients=[], addressees=[addressee("a1", name, ("phone", "+49 89 1234", None))],
        settings=STANDARD,
    )  # fmt: skip
    text = vcards(book)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    card = next(vobject.readComponents(text))
    assert card.fn.value == name


def test_settings_per_kanzlei():
    with pytest.raises(ConfigError, match=r"Adressbuchordner.*\[addressbook\]"):
        AddressBookSettings.for_kanzlei("Kanzlei Nord", {}, institutions_kanzlei="Standard")
    custom = AddressBookSettings.for_kanzlei(
        "Kanzlei Süd",
        {"folder": 3, "fields": {"Zentrale Info": "work"}, "default_field": "other"},
        institutions_kanzlei="Kanzlei Süd",
    )
    assert (custom.name, custom.folder, custom.institutions) == ("Kanzlei Süd", 3, True)
    numbers = (("phone", "+49 89 1", "Zentrale Info"), ("phone", "+49 89 2", "x"))
    book = build_phone_book(
        clients=[], addressees=[addressee("a1", "Amt", *numbers)], settings=custom
    )
    assert sorted(book.entries["field"]) == ["OTHER", "WORK"]


def test_more_than_15000_entries_warn():
    many = [
        {"id": f"{n:06d}", "name": f"Bank {n}", "communications": [
            {"id": f"c{n}", "type": "phone", "data_content": f"+49 30 {1000000 + n}"}]}
        for n in range(INSTITUTIONS_WARNING + 1)
    ]  # fmt: skip
    book = build_phone_book(
        clients=[],
        addressees=[],
        institutions=institution_addressees(tax_authorities=[], banks=many),
        settings=STANDARD,
    )
    assert book.entries.height == INSTITUTIONS_WARNING + 1
    [warning] = book.warnings
    assert "15.001 Einträge" in warning and "Institutionen" in warning
    without = build_phone_book(
        clients=[],
        addressees=[],
        institutions=institution_addressees(tax_authorities=[], banks=many),
        settings=NORD,
    )
    assert without.entries.is_empty() and without.warnings == []


def test_cli_exports_the_chosen_kanzlei(tmp_path, _isolated_home):
    nord = _isolated_home / "kanzleien" / "Kanzlei Nord"
    nord.mkdir(parents=True)
    (nord / "settings.toml").write_text(
        '[datevconnect]\nuser = "kanzlei-nord"\npassword = "sandbox-nord"\n'
        '[addressbook]\nname = "Kanzlei2"\nfolder = 2\n'
    )
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["addressbook", "export", "--kanzlei", "Kanzlei Nord", "--format", "starface",
         "--out", str(tmp_path / "nord.csv")],
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "nord.csv").read_bytes() == (
        GOLDEN / "addressbook_kanzlei_nord_starface.csv"
    ).read_bytes()
    assert "Kanzlei Nord" in result.stdout
    missing = runner.invoke(
        app, ["--kanzlei", "Kanzlei Süd", "addressbook", "export", "--format", "vcard",
              "--out", str(tmp_path / "sued.vcf")],
    )  # fmt: skip
    assert missing.exit_code == 3 and "Adressbuchordner" in missing.stderr
    frame = pl.read_csv(tmp_path / "nord.csv", separator=";", infer_schema=False)
    assert frame["ADDRESSBOOK"].unique().to_list() == ["Kanzlei2"]
