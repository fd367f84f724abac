"""Bank statement lines (source kind ``bank``): camt.053 XML, MT940, or CSV through a profile.

Every file becomes rows of the canonical ``bank`` frame (ARCHITECTURE §4.3) with ``source_file``
and ``source_row`` (the CSV line, the XML line of the ``Ntry``, the line of the MT940 ``:61:``).
``line_id`` names a bank line for talks and matches: the bank export has no stable id, so it is
derived from the line's content (account, dates, amount, counterparty, purpose, reference) plus
a counter for identical lines, and stays the same when the same statement is loaded again.

>>> result = load_bank("data/samples/kontoauszug_camt053.xml")  # doctest: +SKIP
>>> result.frame.columns[:4]  # doctest: +SKIP
['account_iban', 'booking_date', 'value_date', 'amount']
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import polars as pl

from workbench.errors import SourceError
from workbench.findings import concat_findings, findings_frame
from workbench.sources.camt import read_camt
from workbench.sources.csv_records import shorten
from workbench.sources.encoding import decode_text
from workbench.sources.loader import LoadResult, PathLike, SourceInfo, load_source
from workbench.sources.mt940 import read_mt940
from workbench.sources.profiles import available_profiles, load_profile
from workbench.sources.readers import read_table
from workbench.sources.schema import canonical_columns, canonical_schema

__all__ = ["load_bank", "sniff_bank_format"]

_ID_COLUMNS = (
    "account_iban",
    "booking_date",
    "value_date",
    "amount",
    "currency_code",
    "counterparty_iban",
    "end_to_end_id",
    "purpose",
)


def sniff_bank_format(path: Path) -> str:
    """``camt``, ``mt940`` or ``csv`` from the file's first bytes (not its name)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return "csv"
    text = decode_text(head).text.lstrip("\ufeff \r\n\t")
    if text.startswith(("<?xml", "<Document")):
        return "camt"
    if text.startswith((":20:", "{1:")) or "\n:20:" in text[:400]:
        return "mt940"
    return "csv"


#: File name endings that promise a format (what online banking names its exports).
_NAMED = {".sta": "mt940", ".mt940": "mt940", ".940": "mt940", ".xml": "camt"}
_FORMAT_NAMES = {
    "mt940": "ein MT940-Kontoauszug (beginnt mit ':20:' oder '{1:')",
    "camt": "ein camt.053-Kontoauszug (XML, beginnt mit '<?xml' oder '<Document')",
}


def _refuse_misnamed(path: Path, kind: str) -> None:
    """A file named as MT940 or camt whose content is neither is broken or something else: say
    so, instead of reading it as a CSV table ("enthält nur die Kopfzeile")."""
    promised = _NAMED.get(path.suffix.lower())
    if promised is None or kind != "csv":
        return
    try:
        with open(path, "rb") as handle:
            head = decode_text(handle.read(4096)).text.lstrip("\ufeff \r\n\t")
    except OSError:
        return  # unreadable: the reader says so
    first = head.splitlines()[0] if head else ""
    raise SourceError(
        f"Die Datei {path.name} ist nach ihrem Namen {_FORMAT_NAMES[promised]}, ihr Inhalt "
        f"aber nicht: sie beginnt mit '{shorten(first) if first else '(leer)'}'. Exportieren Sie "
        "den Kontoauszug im Online-Banking erneut als MT940 (STA), camt.053 (XML) oder CSV.",
        file=path.name,
        row=1,
        value=first or None,
    )


def load_bank(files: PathLike | Iterable[PathLike], *, profile: str = "auto") -> LoadResult:
    """Load bank lines from camt, MT940 and CSV files (``profile`` applies to CSV only)."""
    paths = [Path(files)] if isinstance(files, str | os.PathLike) else [Path(f) for f in files]
    if not paths:
        raise SourceError("Es wurde keine Kontoauszugsdatei angegeben.")
    frames: list[pl.DataFrame] = []
    findings: list[pl.DataFrame] = []
    infos: list[SourceInfo] = []
    for path in paths:
        kind = sniff_bank_format(path)
        _refuse_misnamed(path, kind)
        if kind == "csv":
            chosen = _csv_profile(path) if profile in ("auto", None) else profile
            frame, found, info = load_source("bank", [path], profile=chosen)["bank"]
            frames.append(frame)
            findings.append(found)
            infos.extend(info)
            continue
        data = _read(path)
        decoded = decode_text(data)
        if kind == "camt":
            frame, found, rows = _camt_frame(path, data)
        else:
            frame, found, rows = _mt940_frame(path, decoded.text)
        frames.append(frame)
        findings.append(found)
        infos.append(
            SourceInfo(
                file=path.name,
                kind="bank",
                variant=kind,
                format=kind,
                encoding=decoded.encoding,
                sheet=None,
                rows=rows,
                mapped={},
                unmapped=(),
            )
        )
    frame = with_line_ids(pl.concat(frames, how="vertical") if frames else _empty())
    found = concat_findings(findings)
    if not found.is_empty():
        ids = frame.select(
            pl.col("source_file").alias("source"),
            pl.col("source_row").alias("row"),
            pl.col("line_id").alias("__id"),
        ).unique(["source", "row"])
        found = (
            found.join(ids, on=["source", "row"], how="left")
            .with_columns(pl.coalesce("item_id", "__id").alias("item_id"))
            .drop("__id")
        )
    return LoadResult(kind="bank", frame=frame, findings=found, sources=tuple(infos))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(
            f"Die Datei {path} wurde nicht gefunden. Prüfen Sie Pfad und Dateinamen.",
            file=path.name,
        ) from None
    except OSError as error:
        raise SourceError(
            f"Die Datei {path.name} kann nicht gelesen werden: {error.strerror}.", file=path.name
        ) from error


def _empty() -> pl.DataFrame:
    return pl.DataFrame(schema=canonical_schema("bank"))


def _csv_profile(path: Path) -> str:
    """The first profile with a ``bank`` variant whose headers match the CSV file."""
    headers = set(read_table(path).headers)
    names = [name for name in available_profiles() if name != "canonical"] + ["canonical"]
    for name in names:
        for variant in load_profile(name).variants.get("bank", ()):
            if variant.detect and variant.matches(headers):
                return name
    raise SourceError(
        f"{path.name}: kein Profil für Kontoumsätze passt zu den Spalten "
        f"{', '.join(sorted(headers)[:10])}. Geben Sie das Profil mit --profile an oder legen "
        f"Sie eines in $WORKBENCH_HOME/profiles/ an (Abschnitt [[bank]]).",
        file=path.name,
        row=1,
    )


def _frame(path: Path, rows: list[tuple[int, dict]]) -> pl.DataFrame:
    schema = canonical_schema("bank")
    records = [
        {
            **{c.name: values.get(c.name) for c in canonical_columns("bank")},
            "source_file": path.name,
            "source_row": row,
        }
        for row, values in rows
    ]
    return pl.DataFrame(records, schema=schema) if records else _empty()


def _camt_frame(path: Path, data: bytes) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    read = read_camt(path, data)
    frame = _frame(path, [(entry.row, entry.values) for entry in read.entries])
    problems = [
        {
            "source": path.name,
            "row": entry.row,
            "column": column,
            "source_column": column,
            "rule": "field.unparseable",
            "severity": "error",
            "value": value,
            "expected": expected,
            "message": f"{path.name}, Zeile {entry.row}, {column}: Der Wert '{value}' ist "
            f"ungültig, erwartet wird {expected}. Fragen Sie Ihre Bank nach einem korrekten "
            f"Export.",
        }
        for entry in read.entries
        for column, value, expected in entry.problems
    ]
    skipped = [
        {
            "source": path.name,
            "row": row,
            "column": "booking_date",
            "source_column": "Sts",
            "rule": "bank.not_booked",
            "severity": "info",
            "value": status,
            "expected": "BOOK",
            "message": f"{path.name}, Zeile {row}: Umsatz mit Status {status} (nicht gebucht) "
            f"übersprungen; er zählt erst, wenn die Bank ihn bucht.",
        }
        for row, status in read.skipped
    ]
    return frame, findings_frame(problems + skipped), len(read.entries) + len(read.skipped)


def _mt940_frame(path: Path, text: str) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    lines = read_mt940(path, text)
    frame = _frame(path, [(line.row, line.values) for line in lines])
    return frame, findings_frame([]), len(lines)


def with_line_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """Fill ``line_id`` where the source has none: ``B`` + 12 hex digits of the content hash,
    ``-2``, ``-3`` … for further identical lines (in file order)."""
    missing = frame["line_id"].is_null()
    if not missing.any():
        return frame
    content = frame.select(
        pl.concat_str(
            [pl.col(c).cast(pl.String).fill_null("") for c in _ID_COLUMNS], separator="\x1f"
        )
    ).to_series()
    digests = pl.Series(
        [("B" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]) for text in content],
        dtype=pl.String,
    )
    numbered = pl.DataFrame({"id": digests}).with_columns(
        pl.int_range(1, pl.len() + 1).over("id").alias("n")
    )
    ids = numbered.select(
        pl.when(pl.col("n") == 1)
        .then(pl.col("id"))
        .otherwise(pl.format("{}-{}", pl.col("id"), pl.col("n")))
    ).to_series()
    return frame.with_columns(
        pl.when(missing).then(ids).otherwise(pl.col("line_id")).alias("line_id")
    )
