"""LedgerImport v6.0 (Belegsatzdaten): accountsPayableLedger, accountsReceivableLedger, cashLedger.

Source: DATEV's ``Belegverwaltung_online_ledger_import_v060.xsd`` and its types XSD (FACTS §6).
One file holds exactly one ``consolidate`` with 1–5000 records of one ledger kind; elements
appear in the XSD's strict order; the ``consolidated*`` attributes must equal the records
(sum of amounts, the shared date, currency and ids) or DATEV rejects the import.

Input records are a polars frame whose columns are the XSD element names. Records are
validated and rendered with polars expressions, so a package of 100k items needs no
per-record Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import polars as pl

from workbench.datev.fields import Context, rule_for_message
from workbench.datev.ledger_fields import ELEMENT_ORDER, REQUIRED, TYPES
from workbench.datev.limits import MAX_RECORDS_PER_CONSOLIDATE as MAX_RECORDS
from workbench.errors import DatevFormatError

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "ELEMENT_ORDER",
    "LEDGER_KINDS",
    "LedgerFile",
    "NAMESPACE",
    "XML_DATA",
    "read_ledger_xml",
    "render_records",
    "validate_ledger_records",
    "write_ledger_xml",
]

NAMESPACE = "http://xml.datev.de/bedi/tps/ledger/v060"
XML_DATA = "Kopie nur zur Verbuchung berechtigt nicht zum Vorsteuerabzug"  # fixed by the XSD
LEDGER_KINDS = ("accountsPayableLedger", "accountsReceivableLedger", "cashLedger")
# Columns the package layer adds; they are not XML elements.
PACKAGE_COLUMNS = frozenset(
    {"document_id", "attachment", "accounting_month", "document_kind", "client"}
)

_CTX = Context(encoding="utf-8", decimal_separator=".")


def _check_kind(ledger: str) -> None:
    if ledger not in LEDGER_KINDS:
        raise DatevFormatError(
            f"Belegart '{ledger}' ist unbekannt; erlaubt sind {', '.join(LEDGER_KINDS)}.",
            value=ledger,
        )


def _element_columns(records: pl.DataFrame) -> list[str]:
    unknown = [
        c
        for c in records.columns
        if c not in TYPES and c not in PACKAGE_COLUMNS and not c.startswith("_")
    ]
    if unknown:
        raise DatevFormatError(
            f"Spalte '{unknown[0]}' ist kein Element der DATEV-Belegsatzdaten (LedgerImport v6.0). "
            "Bitte benennen Sie die Spalten mit den XSD-Elementnamen (z. B. 'invoiceId').",
            column=unknown[0],
        )
    return [c for c in records.columns if c in TYPES]


def blank_to_null(records: pl.DataFrame) -> pl.DataFrame:
    """Empty strings in element columns become null: the XSD has minLength 1 everywhere, so an
    empty string can only mean "no element"."""
    strings = [c for c, t in records.schema.items() if t == pl.String and c in TYPES]
    return records.with_columns(pl.col(strings).replace("", None)) if strings else records


def _reasons(records: pl.DataFrame, ledger: str, account_length: int | None = None) -> pl.DataFrame:
    allowed = set(ELEMENT_ORDER[ledger])
    exprs = []
    for name in _element_columns(records):
        raw = pl.col(name)
        if name not in allowed:
            exprs.append(
                pl.when(raw.is_not_null())
                .then(pl.lit(f"ist in {ledger} nicht vorgesehen"))
                .alias(name)
            )
            continue
        ftype = TYPES[name]
        value = ftype.prepare(raw, records.schema[name])
        expr: Then | ChainedThen = pl.when(raw.is_not_null() & value.is_null()).then(
            pl.lit("hat kein gültiges Format")
        )
        if name in REQUIRED[ledger]:
            expr = expr.when(raw.is_null()).then(pl.lit("ist ein Pflichtfeld und leer"))
        if ledger == "cashLedger" and name == "currencyCode":
            expr = expr.when(value != "EUR").then(pl.lit("muss im Kassenbuch online EUR sein"))
        if account_length is not None and name in ("accountNo", "bpAccountNo"):
            # Not in the XSD, but DATEV rejects it: personal accounts have one digit more than
            # the Sachkontenlänge, longer numbers are errors (XSD documentation of accountNo).
            limit = account_length + 1
            expr = expr.when(value >= 10**limit).then(
                pl.lit(
                    f"hat mehr als {limit} Stellen (Sachkontenlänge {account_length}, "
                    "Personenkonten eine Stelle mehr)"
                )
            )
        exprs.append(expr.otherwise(ftype.problem(value, _CTX)).alias(name))
    return records.select(exprs) if exprs else pl.DataFrame()


def _missing(records: pl.DataFrame, ledger: str) -> list[str]:
    return [n for n in ELEMENT_ORDER[ledger] if n in REQUIRED[ledger] and n not in records.columns]


def validate_ledger_records(
    records: pl.DataFrame, *, ledger: str, account_length: int | None = None
) -> pl.DataFrame:
    """All violations as findings (``row``, ``field``, ``value``, ``message``, ``rule``).

    Never raises.

    Example: ``validate_ledger_records(frame, ledger="accountsPayableLedger")``
    """
    _check_kind(ledger)
    _element_columns(records)
    records = blank_to_null(records)
    schema = {"row": pl.Int64, "field": pl.String, "value": pl.String, "message": pl.String}
    parts = [
        pl.DataFrame(
            {"row": [None], "field": [n], "value": [None], "message": ["Pflichtfeld fehlt"]},
            schema=schema,
        )
        for n in _missing(records, ledger)
    ]
    reasons = _reasons(records, ledger, account_length)
    for name in reasons.columns:
        hits = reasons.select(pl.col(name).alias("message")).with_row_index("row").drop_nulls()
        if hits.height:
            rows = hits["row"].cast(pl.Int64)
            values = records[name].cast(pl.String, strict=False).gather(rows)
            parts.append(pl.DataFrame({"row": rows, "field": [name] * hits.height, "value": values,
                                       "message": hits["message"]}, schema=schema))  # fmt: skip
    findings = (
        pl.concat(parts).sort("row", nulls_last=False) if parts else pl.DataFrame(schema=schema)
    )
    return findings.with_columns(rule_for_message(pl.col("message")).alias("rule"))


def raise_first_problem(
    records: pl.DataFrame,
    *,
    ledger: str,
    rows: pl.Series | None = None,
    account_length: int | None = None,
) -> None:
    """Raise ``DatevFormatError`` for the first invalid value.

    ``rows`` maps positions to the caller's row numbers.
    """
    _check_kind(ledger)
    _element_columns(records)
    records = blank_to_null(records)
    missing = _missing(records, ledger)
    if missing:
        raise DatevFormatError(
            f"Pflichtfeld '{missing[0]}' fehlt in den Belegsätzen ({ledger}). Bitte ordnen Sie "
            "diesem DATEV-Element eine Spalte zu.",
            column=missing[0],
        )
    reasons = _reasons(records, ledger, account_length)
    if reasons.width == 0:
        return
    bad = (
        reasons.with_row_index("_i")
        .filter(pl.any_horizontal(pl.exclude("_i").is_not_null()))
        .head(1)
    )
    if bad.height == 0:
        return
    i = int(bad["_i"][0])
    name = next(c for c in reasons.columns if bad[c][0] is not None)
    row = int(rows[i]) if rows is not None else i
    value = records[name][i]
    raise DatevFormatError(
        f"Element '{name}' in Belegposition {row + 1} (Index {row}): "
        f"Wert '{value}' {bad[name][0]}. Bitte korrigieren Sie den Wert in den Quelldaten; "
        "die XML-Datei wurde nicht geschrieben.",
        row=row,
        column=name,
        value=value,
    )


def _escape(expr: pl.Expr) -> pl.Expr:
    return (
        expr.str.replace_all("&", "&amp;", literal=True)
        .str.replace_all("<", "&lt;", literal=True)
        .str.replace_all(">", "&gt;", literal=True)
        .str.replace_all('"', "&quot;", literal=True)
    )


def element_texts(records: pl.DataFrame, *, ledger: str) -> dict[str, pl.Expr]:
    """The text of every element a record of ``ledger`` is written with, before XML escaping,
    in the XSD's order (null: the record has no such element). ``records`` as
    :func:`blank_to_null` returns them."""
    texts = {}
    for name in ELEMENT_ORDER[ledger]:
        if name in records.columns:
            ftype = TYPES[name]
            texts[name] = ftype.format(ftype.prepare(pl.col(name), records.schema[name]), _CTX)
    return texts


def render_records(records: pl.DataFrame, *, ledger: str, indent: str = "    ") -> pl.Series:
    """One XML string per (already validated) record, elements in the XSD's order."""
    _check_kind(ledger)
    records = blank_to_null(records)
    inner = indent + "  "
    items: list[pl.Expr] = [pl.lit(f"{indent}<{ledger}>")]
    for name, value in element_texts(records, ledger=ledger).items():
        element = pl.lit(f"\n{inner}<{name}>") + _escape(value) + pl.lit(f"</{name}>")
        items.append(element.fill_null(""))
    items.append(pl.lit(f"\n{indent}</{ledger}>"))
    return records.select(pl.concat_str(items).alias("xml")).to_series()


def cents(amount: pl.Expr) -> pl.Expr:
    """Amounts as integer cents, so that sums are exact."""
    return (amount.cast(pl.Float64) * 100).round(0).cast(pl.Int64)


def format_cents(value: int) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def _attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def ledger_wrapper(*, generator_info: str, generating_system: str | None) -> tuple[str, str]:
    """Text before the consolidate's attributes and after its records (one LedgerImport)."""
    system = f' generating_system="{_attr(generating_system)}"' if generating_system else ""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<LedgerImport xmlns="{NAMESPACE}" version="6.0" generator_info="{_attr(generator_info)}"'
        f'{system} xml_data="{XML_DATA}">\n  <consolidate'
    )
    return head, "\n  </consolidate>\n</LedgerImport>\n"


def ledger_document(
    body: str,
    attributes: dict[str, str],
    *,
    generator_info: str,
    generating_system: str | None,
) -> str:
    """Wrap rendered records into a LedgerImport with one consolidate."""
    head, tail = ledger_wrapper(generator_info=generator_info, generating_system=generating_system)
    attrs = "".join(f' {k}="{_attr(v)}"' for k, v in attributes.items())
    return f"{head}{attrs}>\n{body}{tail}"


# consolidate attributes in the order DATEV's samples use; "agree" ones must match all records.
CONSOLIDATED = (
    ("invoiceId", "consolidatedInvoiceId", True),
    ("deliveryDate", "consolidatedDeliveryDate", False),
    ("currencyCode", "consolidatedCurrencyCode", True),
    ("orderId", "consolidatedOrderId", False),
)


def consolidate_attributes_expr(columns: Sequence[str]) -> pl.Expr:
    """Vectorised consolidate attributes over per-document aggregates.

    Expects ``_cents`` (sum), ``_first_date`` and, for each present optional element,
    ``_n_<name>`` (distinct count) and ``_first_<name>``; an attribute is written when all
    records share one non-empty value (disagreement was rejected before).
    """
    magnitude = pl.col("_cents").abs()
    amount = (
        pl.when(pl.col("_cents") < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        + (magnitude // 100).cast(pl.String)
        + pl.lit(".")
        + (magnitude % 100).cast(pl.String).str.zfill(2)
    )
    parts = [
        pl.lit(' consolidatedAmount="'), amount,
        pl.lit('" consolidatedDate="'), pl.col("_first_date").dt.strftime("%Y-%m-%d"), pl.lit('"'),
    ]  # fmt: skip
    for column, attr, _ in CONSOLIDATED:
        if column not in columns:
            continue
        first = pl.col(f"_first_{column}")
        text = first.dt.strftime("%Y-%m-%d") if column == "deliveryDate" else _escape(first)
        parts.append(
            pl.when((pl.col(f"_n_{column}") == 1) & first.is_not_null())
            .then(pl.lit(f' {attr}="') + text + pl.lit('"'))
            .otherwise(pl.lit(""))
        )
    return pl.concat_str(parts)


def consolidate_attributes(records: pl.DataFrame, *, label: str = "") -> dict[str, str]:
    """``consolidated*`` attributes for one document; raises if its records disagree."""
    prepared = records.select(
        TYPES["date"].prepare(pl.col("date"), records.schema["date"]).alias("date"),
        cents(TYPES["amount"].prepare(pl.col("amount"), records.schema["amount"])).alias("cents"),
        *[
            pl.col(c)
            for c in ("currencyCode", "invoiceId", "deliveryDate", "orderId")
            if c in records.columns
        ],
    )
    if records.height > MAX_RECORDS:
        raise DatevFormatError(
            f"Beleg {label}: {records.height} Belegpositionen überschreiten die DATEV-Grenze von "
            f"{MAX_RECORDS} je consolidate. Bitte teilen Sie den Beleg auf.",
            value=records.height,
        )
    attrs = {"consolidatedAmount": format_cents(int(prepared["cents"].sum()))}
    for column, attr, must_agree in (
        ("date", "consolidatedDate", True),
        ("invoiceId", "consolidatedInvoiceId", True),
        ("deliveryDate", "consolidatedDeliveryDate", False),
        ("currencyCode", "consolidatedCurrencyCode", True),
        ("orderId", "consolidatedOrderId", False),
    ):
        if column not in prepared.columns:
            continue
        values = prepared[column].unique()
        if values.len() > 1 and must_agree:
            raise DatevFormatError(
                f"Beleg {label}: die Belegpositionen haben verschiedene Werte im Element "
                f"'{column}' ({', '.join(sorted(str(v) for v in values.to_list()))}); "
                "in einem Beleg müssen sie gleich sein. "
                "Bitte trennen Sie die Positionen in eigene Belege.",
                column=column,
            )
        if values.len() == 1 and values[0] is not None:
            value = values[0]
            attrs[attr] = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return attrs


def check_generator(generator_info: str, generating_system: str | None) -> None:
    """The LedgerImport root attributes are 1–40 characters (type p10009)."""
    for name, value in (
        ("generator_info", generator_info),
        ("generating_system", generating_system),
    ):
        if value is not None and not 1 <= len(value) <= 40:
            raise DatevFormatError(
                f"Attribut '{name}': Wert '{value}' muss 1–40 Zeichen lang sein.",
                column=name,
                value=value,
            )


def write_ledger_xml(
    records: pl.DataFrame,
    *,
    ledger: str,
    path: str | Path | None = None,
    generator_info: str = "workbench",
    generating_system: str | None = None,
    account_length: int | None = None,
) -> bytes:
    """Write the records of one document as one LedgerImport file; returns the bytes.

    ``account_length`` (the client's Sachkontenlänge) enables the account-length check.
    Example: ``write_ledger_xml(items, ledger="accountsPayableLedger", path="RE-1.xml")``
    """
    if records.height == 0:
        raise DatevFormatError("Ein LedgerImport braucht mindestens eine Belegposition.")
    check_generator(generator_info, generating_system)
    raise_first_problem(records, ledger=ledger, account_length=account_length)
    records = blank_to_null(records)
    attrs = consolidate_attributes(records)
    body = render_records(records, ledger=ledger).str.join("\n").item()
    data = ledger_document(
        body, attrs, generator_info=generator_info, generating_system=generating_system
    ).encode("utf-8")
    if path is not None:
        Path(path).write_bytes(data)
    return data


@dataclass
class LedgerFile:
    """A read LedgerImport: ledger kind, root and consolidate attributes, records."""

    ledger: str
    attributes: dict[str, str]
    consolidate: dict[str, str]
    records: pl.DataFrame


def read_ledger_xml(source: str | Path | bytes) -> LedgerFile:
    """Read a LedgerImport file back into records (typed like the writer's input).

    Example: ``read_ledger_xml("Rechnungsdaten_RA_R-2023-101.xml").records["amount"]``
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise DatevFormatError(f"Die Belegsatzdatei ist kein wohlgeformtes XML ({exc}).") from exc
    ns = f"{{{NAMESPACE}}}"
    if root.tag != f"{ns}LedgerImport":
        raise DatevFormatError(
            f"Wurzelelement '{root.tag}' ist kein DATEV-LedgerImport v6.0.", value=root.tag
        )
    consolidate = root.find(f"{ns}consolidate")
    if consolidate is None or len(consolidate) == 0:
        raise DatevFormatError("Der LedgerImport enthält keinen consolidate mit Belegsätzen.")
    ledger = consolidate[0].tag.removeprefix(ns)
    _check_kind(ledger)
    rows = [
        {child.tag.removeprefix(ns): (child.text or "") for child in record}
        for record in consolidate
    ]
    order = [n for n in ELEMENT_ORDER[ledger] if any(n in r for r in rows)]
    raw = pl.DataFrame(
        {n: [r.get(n) for r in rows] for n in order}, schema={n: pl.String for n in order}
    )
    typed = raw.select([TYPES[n].parse(pl.col(n), _CTX).alias(n) for n in order])
    return LedgerFile(ledger, dict(root.attrib), dict(consolidate.attrib), typed)
