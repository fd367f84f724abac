"""What DATEV would reject in an XML package, found before the first file is written.

``build_packages`` (``package.py``) calls these: the columns a package needs, Beleg-Art and
Buchungsmonat of every item, one consolidate per Beleg (one date, at most 5000 records, amount
within consolidatedAmount, equal invoice id and currency), the XSD of every record, and every
Belegbild readable. Whether a Belegbild is one DATEV takes (size, type) is the check stage's
finding (``attachment.*``), not a rule here.
"""

from __future__ import annotations

import os
import stat

import polars as pl

from workbench.datev import ledger_xml, xsd_facets
from workbench.datev.limits import MAX_CONSOLIDATED_CENTS
from workbench.datev.xsd import validate_xml
from workbench.errors import DatevFormatError

__all__ = [
    "DOCUMENT_KINDS",
    "batch_problem",
    "check_documents",
    "prepare",
    "record_batches",
    "records_proven_valid",
    "typed",
    "validate_records",
]

DOCUMENT_KINDS = {
    "Rechnungseingang": "accountsPayableLedger",
    "Rechnungsausgang": "accountsReceivableLedger",
    "Kasse": "cashLedger",
}


def prepare(records: pl.DataFrame, client: str | None) -> pl.DataFrame:
    """The records with row numbers, client, Buchungsmonat, ledger kind and date; raises for
    the first item no package can take."""
    for column in ("document_id", "document_kind", "date"):
        if column not in records.columns:
            raise DatevFormatError(
                f"Spalte '{column}' fehlt; sie wird für die Paketbildung gebraucht.", column=column
            )
    frame = records.with_row_index("_row")
    if "client" not in frame.columns:
        if client is None:
            raise DatevFormatError(
                "Mandant fehlt: bitte Spalte 'client' oder Parameter "
                "client='Berater-Mandant' angeben."
            )
        frame = frame.with_columns(pl.lit(client).alias("client"))
    date = ledger_xml.TYPES["date"].prepare(pl.col("date"), frame.schema["date"])
    if "accounting_month" not in frame.columns:
        frame = frame.with_columns(date.dt.strftime("%Y-%m").alias("accounting_month"))
    bad_kind = frame.filter(~pl.col("document_kind").is_in(list(DOCUMENT_KINDS))).head(1)
    if bad_kind.height:
        row, kind = int(bad_kind["_row"][0]), bad_kind["document_kind"][0]
        raise DatevFormatError(
            f"Belegposition {row + 1} (Index {row}): Beleg-Art '{kind}' ist unbekannt; "
            f"erlaubt sind "
            f"{', '.join(DOCUMENT_KINDS)}.",
            row=row,
            column="document_kind",
            value=kind,
        )
    # DATEV rejects a date outside the period named in document.xml (XSD doc of ``date``).
    outside = frame.filter(date.dt.strftime("%Y-%m") != pl.col("accounting_month")).head(1)
    if outside.height:
        row = int(outside["_row"][0])
        raise DatevFormatError(
            f"Belegposition {row + 1} (Index {row}): Datum {outside['date'][0]} liegt nicht im "
            f"Buchungsmonat "
            f"{outside['accounting_month'][0]}. Bitte korrigieren Sie Datum oder Buchungsmonat.",
            row=row,
            column="date",
            value=str(outside["date"][0]),
        )
    if "attachment" not in frame.columns:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("attachment"))
    return frame.with_columns(
        pl.col("document_kind").replace_strict(DOCUMENT_KINDS).alias("_ledger"), date.alias("_date")
    )


def check_documents(docs: pl.DataFrame, optional: list[str]) -> None:
    """Raise for the first Beleg DATEV would reject as a consolidate, or whose Belegbild is
    not readable (``docs``: one row per Beleg, see ``package.py``)."""
    disagree = [pl.col(f"_n_{c}") > 1 for c in ("invoiceId", "currencyCode") if c in optional]
    bad = docs.filter(
        pl.any_horizontal(
            pl.col("_dates") > 1,
            pl.col("_row").list.len() > ledger_xml.MAX_RECORDS,
            pl.col("_cents").abs() > MAX_CONSOLIDATED_CENTS,
            *disagree,
        )
    )
    if bad.height:
        _raise_document_problem(bad.row(0, named=True), optional)
    for row in (
        docs.select("document_id", "_attachments")
        .explode("_attachments")
        .drop_nulls()
        .unique("_attachments")
        .iter_rows()
    ):
        _check_attachment(row[1], str(row[0]))


def _check_attachment(path_text: str, document_id: str) -> None:
    """The Belegbild can be copied: checked for every file before the first one is written,
    so that a missing file leaves no half-written packages behind."""
    try:
        info = os.stat(path_text)
    except OSError:
        info = None
    if info is None or not stat.S_ISREG(info.st_mode):
        raise DatevFormatError(
            f"Belegbild '{path_text}' zu Beleg '{document_id}' fehlt. Bitte legen Sie die Datei "
            "ab oder "
            "entfernen Sie den Verweis.",
            column="attachment",
            value=path_text,
        )


def validate_records(frame: pl.DataFrame) -> None:
    """XSD-check all rendered records; raise for the first record DATEV's schema rejects.

    First :func:`records_proven_valid`; only if it cannot prove them valid, libxml2 checks the
    records in batches of 5000 per ledger kind. One LedgerImport takes exactly one consolidate,
    so records of many documents are wrapped into one test consolidate; the real consolidate
    attributes are derived from these values and checked in ``_raise_document_problem``. Only
    when a batch fails is the culprit searched record by record. ``build_packages`` runs the
    batches (:func:`record_batches`, :func:`batch_problem`) on threads while it plans.
    """
    if records_proven_valid(frame):
        return
    for batch in record_batches(frame):
        if problem := batch_problem(batch):
            raise problem


def records_proven_valid(frame: pl.DataFrame) -> bool:
    """True if every rendered record (``_ledger``, ``_xml`` and the element columns) is valid
    against DATEV's XSD; False means "not proven": ask libxml2 batch by batch.

    A record is valid when its element texts pass their simple types and its elements fit
    the content model (``xsd_facets`` explains why these two make up the whole XSD check of a
    record). The texts are checked vectorised against facets read from the XSD; the content
    model by libxml2 on the first record of every shape (set of elements present).
    """
    try:
        declared = xsd_facets.record_elements()
        for ledger in frame["_ledger"].unique(maintain_order=True).to_list():
            part = ledger_xml.blank_to_null(frame.filter(pl.col("_ledger") == ledger))
            texts = ledger_xml.element_texts(part, ledger=ledger)
            if not set(texts) <= set(declared[ledger]):
                return False
            written = part.select(**texts)
            valid = xsd_facets.proven_valid(
                written, {name: declared[ledger][name] for name in texts}
            )
            shape = pl.sum_horizontal(
                pl.col(name).is_not_null().cast(pl.Int64) * (1 << bit)
                for bit, name in enumerate(texts)
            )
            verdict = written.select(shape.alias("shape")).with_columns(valid, part["_xml"])
            if not verdict["valid"].all():
                return False
            shapes = verdict.unique("shape", keep="first", maintain_order=True)["_xml"]
            for offset in range(0, shapes.len(), ledger_xml.MAX_RECORDS):
                if _xsd_errors(shapes.slice(offset, ledger_xml.MAX_RECORDS).str.join("\n").item()):
                    return False
    except xsd_facets.UnsupportedSchema:
        return False
    return True


def record_batches(frame: pl.DataFrame) -> list[pl.DataFrame]:
    """The rendered records (``_row``, ``_xml``) in XSD-check batches, in checking order."""
    batches = []
    for ledger in frame["_ledger"].unique(maintain_order=True).to_list():
        part = frame.filter(pl.col("_ledger") == ledger).select("_row", "_xml")
        batches += [
            part.slice(offset, ledger_xml.MAX_RECORDS)
            for offset in range(0, part.height, ledger_xml.MAX_RECORDS)
        ]
    return batches


def batch_problem(batch: pl.DataFrame) -> DatevFormatError | None:
    """The error for the first record of ``batch`` that DATEV's schema rejects, or None.

    Thread-safe: libxml2 parses and validates without the GIL, so batches run in parallel.
    """
    if not _xsd_errors(batch["_xml"].str.join("\n").item()):
        return None
    for row, xml in batch.iter_rows():
        if errors := _xsd_errors(xml):
            return DatevFormatError(
                f"Belegposition {row + 1} (Index {row}) verletzt das DATEV-Schema: {errors[0]}",
                row=row,
            )
    return None


def _xsd_errors(body: str) -> list[str]:
    attrs = {
        "consolidatedAmount": "1.00",
        "consolidatedDate": "2000-01-01",
        "consolidatedCurrencyCode": "EUR",
    }
    data = ledger_xml.ledger_document(body, attrs, generator_info="check", generating_system=None)
    return validate_xml(data.encode("utf-8"), "ledger", engine="lxml")


def typed(frame: pl.DataFrame, column: str) -> pl.Expr:
    """A consolidated column as the XML has it (deliveryDate as a date)."""
    if column == "deliveryDate":
        return ledger_xml.TYPES[column].prepare(pl.col(column), frame.schema[column])
    return pl.col(column)


def _raise_document_problem(doc: dict, optional: list[str]) -> None:
    """Raise for a document whose consolidate DATEV would reject (checked vectorised before)."""
    label = f"'{doc['document_id']}'"
    if doc["_dates"] > 1:
        raise DatevFormatError(
            f"Beleg {label}: die Belegpositionen haben verschiedene Belegdaten; alle Positionen "
            "eines Belegs "
            "brauchen dasselbe Datum. Bitte teilen Sie den Beleg auf.",
            column="date",
            value=doc["document_id"],
        )
    if len(doc["_row"]) > ledger_xml.MAX_RECORDS:
        raise DatevFormatError(
            f"Beleg {label}: {len(doc['_row'])} Belegpositionen überschreiten die Grenze von "
            f"{ledger_xml.MAX_RECORDS} je consolidate. Bitte teilen Sie den Beleg auf.",
            value=doc["document_id"],
        )
    if abs(doc["_cents"]) > MAX_CONSOLIDATED_CENTS:
        raise DatevFormatError(
            f"Beleg {label}: die Summe der Beträge hat mehr als 10 Vorkommastellen "
            "(consolidatedAmount).",
            column="amount",
            value=doc["document_id"],
        )
    for column, _, must_agree in ledger_xml.CONSOLIDATED:
        if column in optional and must_agree and doc[f"_n_{column}"] > 1:
            raise DatevFormatError(
                f"Beleg {label}: die Belegpositionen haben verschiedene Werte im Element "
                f"'{column}'; in einem "
                "Beleg müssen sie gleich sein. Bitte trennen Sie die Positionen in eigene Belege.",
                column=column,
                value=doc["document_id"],
            )
