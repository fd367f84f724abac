"""Phone-book files: STARFACE's CSV import and vCard 4.0 (RFC 6350).

**STARFACE CSV.** STARFACE imports CSV into an address book and lets the admin assign each
column to a contact field; its exact import columns are not published. The file therefore
names its columns after the contact fields seed 000 uses (``MOBILE`` …): one row per contact,
``ADDRESSBOOK`` and ``FOLDER`` (seed 000: "Standard" -> public address book 0), ``COMPANY``,
``FIRSTNAME``, ``LASTNAME``, one column per phone field (``PHONE``, ``MOBILE``, ``HOME``, then
others by name; a second number of the same field goes to ``PHONE_2`` …) and ``NOTE``. UTF-8,
``;``, CRLF; every text cell is spreadsheet-safe, phone numbers in international format stay.
(Assumption: column names; checked against seed 000's field names only.)

**vCard 4.0** is written here rather than with ``vobject``: vobject implements vCard 3.0 (RFC
2426) and would need its 3.0 behaviour switched off field by field, while 4.0 output is a few
rules: CRLF, ``VERSION:4.0`` right after ``BEGIN``, ``TEL;VALUE=uri`` with RFC 3966 numbers,
escaped text (``\\`` ``,`` ``;`` newline) and lines folded at 75 octets without splitting a
character (RFC 6350 3.2-3.4). The tests read the output back with vobject as an independent
parser.
"""

from __future__ import annotations

import csv
import io
import os
import uuid
from collections import Counter

from workbench.calls.phonebook import PhoneBook
from workbench.spreadsheets import neutralise_cell

__all__ = ["starface_csv", "vcards", "write_phone_book"]

_FIRST_FIELDS = ("PHONE", "MOBILE", "HOME")
#: Phone-book field -> vCard TEL types (RFC 6350 6.4.1).
TEL_TYPES = {"PHONE": "work,voice", "MOBILE": "cell", "HOME": "home,voice", "WORK": "work,voice"}
_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:datev-workbench:phonebook")


def _field_columns(book: PhoneBook) -> list[str]:
    widest: Counter[str] = Counter()
    for contact in book.contacts():
        for name, count in Counter(entry["field"] for entry in contact).items():
            widest[name] = max(widest[name], count)
    order = [f for f in _FIRST_FIELDS if f in widest] + sorted(set(widest) - set(_FIRST_FIELDS))
    return [name if n == 1 else f"{name}_{n}" for name in order for n in range(1, widest[name] + 1)]


def starface_csv(book: PhoneBook) -> str:
    """The book as STARFACE import CSV (see the module docstring)."""
    fields = _field_columns(book)
    header = ["ADDRESSBOOK", "FOLDER", "COMPANY", "FIRSTNAME", "LASTNAME", *fields, "NOTE"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for contact in book.contacts():
        first = contact[0]
        row = dict.fromkeys(header, "")
        row |= {
            "ADDRESSBOOK": book.name,
            "FOLDER": str(book.folder),
            "COMPANY": first["company"] or "",
            "FIRSTNAME": first["firstname"] or "",
            "LASTNAME": first["lastname"] or "",
            "NOTE": first["note"] or "",
        }
        seen: Counter[str] = Counter()
        for entry in contact:
            seen[entry["field"]] += 1
            n = seen[entry["field"]]
            row[entry["field"] if n == 1 else f"{entry['field']}_{n}"] = entry["number"]
        writer.writerow([neutralise_cell(row[column]) or "" for column in header])
    return out.getvalue()


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 6350 3.2: at most 75 octets per line, continuation lines start with a space."""
    parts: list[str] = []
    current, size = "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts) + "\r\n"


def vcards(book: PhoneBook) -> str:
    """The book as vCard 4.0, one card per contact."""
    out: list[str] = []
    for contact in book.contacts():
        first = contact[0]
        uid = uuid.uuid5(_UID_NAMESPACE, f"{book.name}/{first['contact_id']}")
        lines = ["BEGIN:VCARD", "VERSION:4.0", f"UID:urn:uuid:{uid}"]
        lines.append("KIND:individual" if first["person"] else "KIND:org")
        lines.append(f"FN:{_escape(first['display_name'])}")
        if first["person"]:
            family, given = _escape(first["lastname"] or ""), _escape(first["firstname"] or "")
            lines.append(f"N:{family};{given};;;")
        else:
            lines.append(f"ORG:{_escape(first['company'] or first['display_name'])}")
        for entry in contact:
            kind = TEL_TYPES.get(entry["field"], "voice")
            lines.append(f'TEL;VALUE=uri;TYPE="{kind}":{entry["tel_uri"]}')
        lines.append(f"CATEGORIES:{_escape(book.name)}")
        if first["note"]:
            lines.append(f"NOTE:{_escape(first['note'])}")
        lines.append("END:VCARD")
        out.extend(_fold(line) for line in lines)
    return "".join(out)


def write_phone_book(book: PhoneBook, path: str | os.PathLike[str], *, format: str) -> None:
    """Write ``book`` as ``starface`` (CSV) or ``vcard`` (.vcf, UTF-8)."""
    writers = {"starface": starface_csv, "vcard": vcards}
    text = writers[format](book)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)
