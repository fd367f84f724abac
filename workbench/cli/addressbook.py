"""``workbench addressbook export``: a Kanzlei's phone book for the phone system (seed 000)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from workbench.cli._app import _err, _fail, _out, _print_frame, app
from workbench.cli._help import command_group
from workbench.errors import WorkbenchError

addressbook_app = command_group(help="Adressbuch für die Telefonanlage (STARFACE, vCard).")
app.add_typer(addressbook_app, name="addressbook")


class BookFormat(StrEnum):
    starface = "starface"
    vcard = "vcard"


@addressbook_app.command("export")
def export(
    output: Annotated[
        BookFormat, typer.Option("--format", help="starface (CSV-Import) oder vcard (vCard 4.0).")
    ],
    out: Annotated[Path, typer.Option("--out", help="Zieldatei (.csv oder .vcf).")],
    kanzlei: Annotated[
        str | None, typer.Option("--kanzlei", help="Kanzlei (Vorgabe: die gewählte).")
    ] = None,
) -> None:
    """Aktive Adressaten der Kanzlei mit ihren Rufnummern (ohne Fax), Institutionen nur von
    der dafür gewählten Kanzlei; Exit-Code 1 bei Warnungen."""
    import polars as pl

    from workbench.calls.phonebook import AddressBookSettings, fetch_phone_book
    from workbench.calls.phonebook_files import write_phone_book
    from workbench.config import DEFAULT_KANZLEI, load_settings
    from workbench.pipeline.connection import open_datev

    try:
        settings = load_settings(kanzlei=kanzlei)
        # One installation-wide choice, kept in the Standard Kanzlei's settings (seed 000).
        standard = load_settings(kanzlei=DEFAULT_KANZLEI).addressbook
        book_settings = AddressBookSettings.for_kanzlei(
            settings.kanzlei,
            settings.addressbook,
            institutions_kanzlei=str(standard.get("institutions_kanzlei", DEFAULT_KANZLEI)),
        )
        with open_datev(settings) as (datev, _sandbox):
            book = fetch_phone_book(datev, settings=book_settings)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_phone_book(book, out, format=output.value)
    except (WorkbenchError, OSError) as error:
        raise _fail(error) from error
    counts = book.counts
    _print_frame(
        pl.DataFrame(
            {
                "Rufnummern": [counts["numbers"]],
                "exportiert": [counts["exported"]],
                "Fax": [counts["fax"]],
                "Adressat inaktiv": [counts["inactive_addressee"]],
                "Mandant inaktiv": [counts["inactive_client"]],
                "ungültig": [counts["unparseable"]],
            }
        ),
        title=f"Adressbuch '{book.name}' (Ordner {book.folder}) der Kanzlei {settings.kanzlei}",
    )
    _out.print(f"Geschrieben: {out} ({len(book.contacts())} Kontakte)")
    for warning in book.warnings:
        _err.print(f"[yellow]Warnung:[/] {warning}", highlight=False)
    raise typer.Exit(1 if book.warnings else 0)
