"""Column-mapping profiles: translate a real export's headers and values to a canonical frame.

A profile is a TOML file (``data/profiles/<name>.toml``); users add their own without code by
dropping a file into ``$WORKBENCH_HOME/profiles/`` or passing a path. Per source kind it holds one
or more *variants* (JustOn exports Booking Details and Expenses with different headers); the
first variant whose ``detect`` headers are all present in a file is used::

    [[receipts]]
    variant = "Booking Detail"
    detect = ["InvoiceNo"]
    number_format = "de"            # "de" (1.234,56), "en" (1,234.56) or "auto"
    [receipts.columns]              # canonical name = source header, or a list: first present wins
    invoice_id = "InvoiceNo"
    date = ["BookingDate", "BookingPeriod"]
    [receipts.defaults]             # value for a canonical column the file does not have
    document_kind = "Rechnungsausgang"
    [receipts.values.document_kind] # source value (case-insensitive) -> canonical value
    "Ausgangsrechnung" = "Rechnungsausgang"

Other per-variant options: ``sheet`` (Excel sheet name), ``header_row`` (1-based), ``delimiter``.

A profile with ``format = "einvoice"`` reads e-invoices (XRechnung UBL/CII, ZUGFeRD/Factur-X PDF)
instead of tables; it has no column mapping, only the direction of the invoices::

    format = "einvoice"
    [einvoice]
    direction = "incoming"          # received invoices (Eingangsrechnung) or "outgoing"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import ProfileError
from workbench.resources import resource_path
from workbench.sources.schema import FRAME_NAMES, canonical_columns

__all__ = ["Profile", "Variant", "available_profiles", "load_profile", "profile_dirs"]

_SECTIONS = FRAME_NAMES
#: Readers a profile can name with ``format``: tables (CSV, Excel, JSON) or e-invoices.
FORMATS = ("table", "einvoice")
_VARIANT_KEYS = {
    "variant",
    "detect",
    "columns",
    "defaults",
    "values",
    "sheet",
    "header_row",
    "delimiter",
    "number_format",
}


@dataclass(frozen=True)
class Variant:
    """One header layout of one source kind inside a profile."""

    kind: str
    name: str
    columns: dict[str, tuple[str, ...]]
    detect: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sheet: str | None = None
    header_row: int = 1
    delimiter: str | None = None
    number_format: str | None = None

    def matches(self, headers: set[str]) -> bool:
        """True when every ``detect`` header is present (a variant without ``detect`` matches)."""
        return all(header in headers for header in self.detect)

    def resolve(self, headers: list[str]) -> dict[str, str]:
        """Map each canonical column to the first of its source headers present in ``headers``."""
        present = set(headers)
        resolved = {}
        for canonical, candidates in self.columns.items():
            for candidate in candidates:
                if candidate in present:
                    resolved[canonical] = candidate
                    break
        return resolved

    def expected_headers(self, canonical: str) -> str:
        candidates = self.columns.get(canonical, ())
        return " oder ".join(f"'{name}'" for name in candidates) or f"'{canonical}'"


@dataclass(frozen=True)
class Profile:
    """A named set of variants per source kind."""

    name: str
    title: str
    path: Path | None
    variants: dict[str, tuple[Variant, ...]]
    format: str = "table"
    #: Options of a non-table reader (``[einvoice]``: ``direction``).
    options: dict[str, str] = field(default_factory=dict)

    def variants_for(self, kind: str) -> tuple[Variant, ...]:
        """The variants of ``kind``; raises ProfileError when the profile does not cover it."""
        try:
            return self.variants[kind]
        except KeyError:
            covered = ", ".join(sorted(self.variants)) or "keine"
            raise ProfileError(
                f"Das Profil '{self.name}' enthält keine Spaltenzuordnung für '{kind}' "
                f"(enthalten: {covered}). Wählen Sie ein passendes Profil."
            ) from None


def profile_dirs() -> list[Path]:
    """Where profiles are looked up, first match wins: the user's, then the built-in ones."""
    dirs = []
    home = os.environ.get("WORKBENCH_HOME")
    if home:
        dirs.append(Path(home) / "profiles")
    dirs.append(resource_path("profiles"))
    return dirs


def available_profiles() -> list[str]:
    """Names of all profiles found in :func:`profile_dirs`."""
    names = {
        path.stem for folder in profile_dirs() if folder.is_dir() for path in folder.glob("*.toml")
    }
    return sorted(names)


def load_profile(name_or_path: str | os.PathLike[str]) -> Profile:
    """Load a profile by name (``juston``) or from a TOML file path.

    >>> load_profile("canonical").name
    'canonical'
    """
    text = str(name_or_path)
    candidate = Path(text)
    if candidate.suffix == ".toml" or os.sep in text:
        if not candidate.is_file():
            raise ProfileError(f"Die Profildatei {text} wurde nicht gefunden.", file=text)
        return _parse(candidate)
    for folder in profile_dirs():
        path = folder / f"{text}.toml"
        if path.is_file():
            return _parse(path)
    known = ", ".join(available_profiles()) or "keine"
    raise ProfileError(
        f"Unbekanntes Profil '{text}'. Verfügbare Profile: {known}. Eigene Profile legen Sie als "
        f"TOML-Datei in $WORKBENCH_HOME/profiles/ ab."
    )


def _parse(path: Path) -> Profile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(
            f"Die Profildatei {path.name} ist ungültig: {error}", file=path.name
        ) from error
    variants: dict[str, tuple[Variant, ...]] = {}
    for kind in _SECTIONS:
        sections = data.get(kind)
        if sections is None:
            continue
        if isinstance(sections, dict):
            sections = [sections]
        if not isinstance(sections, list) or not all(isinstance(x, dict) for x in sections):
            raise ProfileError(
                f"Die Profildatei {path.name}: [{kind}] muss ein Abschnitt ([[{kind}]]) sein.",
                file=path.name,
            )
        variants[kind] = tuple(
            _variant(path, kind, index, section) for index, section in enumerate(sections, start=1)
        )
    allowed = (*_SECTIONS, "name", "title", "description", "format", "einvoice")
    unknown = set(data) - set(allowed)
    if unknown:
        raise ProfileError(
            f"Die Profildatei {path.name} enthält unbekannte Abschnitte: "
            f"{', '.join(sorted(unknown))}. Erlaubt sind {', '.join(allowed)}.",
            file=path.name,
        )
    reader = str(data.get("format", "table"))
    if reader not in FORMATS:
        raise ProfileError(
            f"Die Profildatei {path.name}: format muss {' oder '.join(FORMATS)} sein, nicht "
            f"'{reader}'.",
            file=path.name,
        )
    options = data.get("einvoice", {})
    if reader == "einvoice" and options.get("direction", "incoming") not in (
        "incoming",
        "outgoing",
    ):
        raise ProfileError(
            f"Die Profildatei {path.name}: [einvoice] direction muss 'incoming' "
            f"(Eingangsrechnungen) oder 'outgoing' (Ausgangsrechnungen) sein, nicht "
            f"'{options.get('direction')}'.",
            file=path.name,
        )
    return Profile(
        name=str(data.get("name", path.stem)),
        title=str(data.get("title", path.stem)),
        path=path,
        variants=variants,
        format=reader,
        options={str(k): str(v) for k, v in options.items()},
    )


def _variant(path: Path, kind: str, index: int, section: dict) -> Variant:
    where = f"Die Profildatei {path.name}, Abschnitt [{kind}] Nr. {index}"
    unknown = set(section) - _VARIANT_KEYS
    if unknown:
        raise ProfileError(
            f"{where} enthält unbekannte Schlüssel: {', '.join(sorted(unknown))}.", file=path.name
        )
    _check_shapes(where, path, section)
    known = {column.name for column in canonical_columns(kind)}
    columns: dict[str, tuple[str, ...]] = {}
    for canonical, headers in section.get("columns", {}).items():
        if canonical not in known:
            raise ProfileError(
                f"{where} ordnet die unbekannte Spalte '{canonical}' zu. Kanonische Spalten für "
                f"{kind}: {', '.join(sorted(known))}.",
                file=path.name,
                column=canonical,
            )
        if not _texts(headers):
            raise ProfileError(
                f"{where}: die Zuordnung für '{canonical}' muss ein Spaltenname (Text) oder eine "
                f"Liste von Spaltennamen sein, nicht {headers!r}.",
                file=path.name,
                column=canonical,
            )
        columns[canonical] = (headers,) if isinstance(headers, str) else tuple(headers)
    for canonical in (*section.get("defaults", {}), *section.get("values", {})):
        if canonical not in known:
            raise ProfileError(
                f"{where} nennt die unbekannte Spalte '{canonical}'.",
                file=path.name,
                column=canonical,
            )
    number_format = section.get("number_format")
    if number_format not in (None, "de", "en", "auto"):
        raise ProfileError(
            f"{where}: number_format muss 'de', 'en' oder 'auto' sein, nicht '{number_format}'.",
            file=path.name,
        )
    values = {
        canonical: {str(k).casefold(): str(v) for k, v in mapping.items()}
        for canonical, mapping in section.get("values", {}).items()
    }
    return Variant(
        kind=kind,
        name=str(section.get("variant", kind)),
        columns=columns,
        detect=tuple(section.get("detect", ())),
        defaults={k: str(v) for k, v in section.get("defaults", {}).items()},
        values=values,
        sheet=section.get("sheet"),
        header_row=int(section.get("header_row", 1)),
        delimiter=section.get("delimiter"),
        number_format=number_format,
    )


def _texts(value: object) -> bool:
    """A text or a non-empty list of texts (how a profile names source headers)."""
    if isinstance(value, str):
        return True
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _check_shapes(where: str, path: Path, section: dict) -> None:
    """Each key of a variant has the shape the loader relies on: a wrong one is a clear
    ProfileError, never a TypeError later on."""
    problems = []
    if "detect" in section and not (
        _texts(section["detect"]) and isinstance(section["detect"], list)
    ):
        problems.append("detect muss eine Liste von Spaltennamen sein")
    for key in ("columns", "defaults", "values"):
        if key in section and not isinstance(section[key], dict):
            problems.append(f"[{key}] muss eine Tabelle sein")
    values = section.get("values")
    for canonical, mapping in (values if isinstance(values, dict) else {}).items():
        if not isinstance(mapping, dict):
            problems.append(f"values.{canonical} muss eine Tabelle (Quellwert = Wert) sein")
    for key in ("sheet", "variant", "delimiter"):
        if key in section and not isinstance(section[key], str):
            problems.append(f"{key} muss ein Text sein")
    if "delimiter" in section and len(str(section["delimiter"])) != 1:
        problems.append("delimiter muss genau ein Zeichen sein")
    header_row = section.get("header_row", 1)
    if isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1:
        problems.append("header_row muss eine ganze Zahl ab 1 sein")
    if problems:
        raise ProfileError(f"{where}: {'; '.join(problems)}.", file=path.name)
