"""DATEV's answers mapped back to source rows, as findings the user can act on.

dxso protocol entries name the file they concern; the ledger knows which items went into which
file (``record_ref`` = ``package/datafile#consolidate/record``), so an error on a data file
becomes one finding per source row in it. EXTF ``affected_elements`` name a line and a field
(``Zeile 17, Konto``); ``record_ref`` = ``file#line`` leads to the row. Problems that concern the
whole transfer (document.xml, header fields) apply to every item of the transfer.
"""

from __future__ import annotations

import re

import polars as pl

from workbench.findings import findings_frame
from workbench.transfer.ledger import Ledger

__all__ = ["backmap_findings"]

_LINE_FIELD = re.compile(r"^Zeile (\d+), (.+)$")


def backmap_findings(
    ledger: Ledger,
    transfer_id: str,
    *,
    field_map: dict[str, str] | None = None,
    protocol: list[dict] | None = None,
) -> pl.DataFrame:
    """Findings (ARCHITECTURE §4.2) for every DATEV error or warning of a transfer.

    ``field_map`` (DATEV field name -> canonical column) fills the findings' ``column`` for
    EXTF field errors; the DATEV field name is always in the message. ``protocol``: entries just
    fetched (not yet confirmed) instead of the stored ones.
    """
    transfer = ledger.get(transfer_id)
    items = ledger.items(transfer_id)
    entries = protocol if protocol is not None else transfer.protocol or []
    if transfer.channel == "extf":
        records = _extf(entries, items, field_map or {})
    else:
        records = _dxso(entries, items)
    return findings_frame(records).sort("source", "row", nulls_last=True)


def _finding(
    item: dict,
    *,
    severity: str,
    message: str,
    value: str | None,
    column: str | None = None,
    rule: str = "transfer.datev_rejected",
) -> dict:
    return {
        "source": item.get("source_file"),
        "row": item.get("source_row"),
        "item_id": item.get("item_id"),
        "column": column,
        "source_column": None,
        "rule": rule,
        "severity": severity,
        "value": value,
        "expected": None,
        "message": message,
        "suggestion": None,
    }


def _dxso(protocol: list[dict], items: list[dict]) -> list[dict]:
    by_file: dict[str, list[dict]] = {}
    for item in items:
        reference = item.get("record_ref") or ""
        datafile = reference.split("#", 1)[0].rsplit("/", 1)[-1]
        by_file.setdefault(datafile, []).append(item)
    found: list[dict] = []
    for entry in protocol:
        if entry.get("type") not in ("error", "warning"):
            continue
        filename = entry.get("filename") or ""
        affected = by_file.get(filename) or items  # document.xml or unknown: the whole transfer
        context = f" ({entry['context']})" if entry.get("context") else ""
        text = str(entry.get("text", "")).rstrip(".!")
        message = (
            f"DATEV meldet zu {filename or 'der Übertragung'}: {text}{context}. "
            f"Korrigieren Sie die Quelle und übertragen Sie die Belege neu."
        )
        severity = "error" if entry["type"] == "error" else "warning"
        found.extend(
            _finding(item, severity=severity, message=message, value=filename or None)
            for item in affected
        )
    return found


def _extf(protocol: list[dict], items: list[dict], field_map: dict[str, str]) -> list[dict]:
    by_line = {
        int(item["record_ref"].rsplit("#", 1)[1]): item
        for item in items
        if item.get("record_ref") and "#" in item["record_ref"]
    }
    found: list[dict] = []
    for details in protocol:
        title = details.get("title") or details.get("detail") or "Import abgelehnt"
        elements = details.get("affected_elements") or []
        if not elements:  # a whole-file error (no payload, encoding, permission): every row
            detail = details.get("detail") or ""
            message = f"DATEV lehnt den Buchungsstapel ab ({title})" + (
                f": {detail}" if detail and detail != title else ""
            )
            found.extend(
                _finding(item, severity="error", message=message, value=detail or None)
                for item in items
            )
        for element in elements:
            name, reason = element.get("name", ""), element.get("reason", "")
            match = _LINE_FIELD.match(name)
            message = f"DATEV lehnt den Buchungsstapel ab ({title}): {name}: {reason}"
            if match and int(match.group(1)) in by_line:
                found.append(
                    _finding(
                        by_line[int(match.group(1))],
                        severity="error",
                        message=message,
                        value=reason,
                        column=field_map.get(match.group(2)),
                    )
                )
                continue
            found.extend(
                _finding(item, severity="error", message=message, value=reason) for item in items
            )
    return found
