"""Helpers shared by the mapping tests (imported by name: tests/ has no packages)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from workbench.findings import findings_frame


def finding(
    source: str,
    row: int,
    rule: str,
    severity: str = "error",
    column: str | None = None,
    item_id: str | None = None,
) -> dict:
    """One finding as the checks would report it."""
    return {
        "source": source,
        "row": row,
        "rule": rule,
        "severity": severity,
        "column": column,
        "item_id": item_id,
        "message": f"{source}, Zeile {row}: {rule}",
    }


def findings(*rows: dict) -> pl.DataFrame:
    return findings_frame(rows)


def assert_accounted(mapped, loaded: int) -> None:
    """Every loaded row of the primary source is mapped, blocked or skipped: exactly one of them."""
    counts = mapped.counts()
    assert counts["balanced"].all(), counts
    assert counts["loaded"].sum() == loaded
    mapped_rows = mapped.lineage.filter(pl.col("role") == mapped.primary)["index"].n_unique()
    assert mapped_rows + mapped.blocked.height + mapped.skipped.height == loaded
    every = pl.concat(
        [
            mapped.lineage.filter(pl.col("role") == mapped.primary)["index"].unique(),
            mapped.blocked["index"],
            mapped.skipped["index"],
        ]
    )
    assert every.n_unique() == every.len() == loaded


INVOICE_HEADERS = [
    "Modul",
    "Rechnungsnr.",
    "Rechnungsdatum",
    "Organisation oder Kontakt",
    "Rechnungsadresse: Straße",
    "Rechnungsadresse: PLZ",
    "Rechnungsadresse: Ort",
    "Rechnungsadresse: Länderkürzel",
    "Währung",
    "Nettobetrag",
    "Steuerbetrag",
    "Bruttobetrag",
    "Sachkonto",
    "Kundennr.",
    "Kostenstelle",
    "original Buchungsbeleg",
]
POSITION_HEADERS = [
    "Rechnungsnr.",
    "Produktposition(en): Name",
    "Produktposition(en): Steuer-Prozent",
    "Produktposition(en): Positions-Netto",
    "Produktposition(en): Positions-Steuer",
    "Produktposition(en): Positions-Brutto",
    "Menge",
]
INVOICES = [
    [
        "Rechnungen",
        "RE-1001",
        dt.date(2026, 1, 15),
        "Zahnarztpraxis Dr. Özdemir",
        "Hauptstr. 1",
        "01067",
        "Dresden",
        "DE",
        "EUR",
        100,
        19,
        119,
        "8400",
        "10001",
        "100",
        None,
    ],
    [
        "Gutschriften",
        "GS-7",
        "20.01.2026",
        "Möbelhaus Jürgens",
        None,
        "04109",
        "Leipzig",
        "DE",
        "EUR",
        "1.000,00",
        "190,00",
        "1.190,00",
        "8400",
        "10002",
        None,
        None,
    ],
    [
        "Eingangsrechnungen",
        "ER-5",
        "21.01.2026",
        "Büro Schäfer",
        None,
        "40210",
        "Düsseldorf",
        "DE",
        "EUR",
        "50,00",
        "3,50",
        "53,50",
        "3400",
        "70001",
        None,
        None,
    ],
    [
        "Rechnungen",
        "RE-1002",
        "22.01.2026",
        "Ein sehr langer Organisationsname der Firma Mustermann und Söhne GmbH",
        None,
        "04109",
        "Leipzig",
        "DE",
        "EUR",
        "10,00",
        "1,90",
        "11,90",
        None,
        "10003",
        None,
        None,
    ],
    [
        "Stornos",
        "ST-1",
        "23.01.2026",
        "Zahnarztpraxis Dr. Özdemir",
        None,
        "01067",
        "Dresden",
        "DE",
        "EUR",
        "100,00",
        "19,00",
        "119,00",
        "8400",
        "10001",
        None,
        None,
    ],
]
POSITIONS = [
    ["RE-1001", "Beratung", 19, 60, 11.4, 71.4, 1],
    ["RE-1001", "Material", 19, 40, 7.6, 47.6, 2],
    ["GS-7", "Gutschrift Rabatt", 19, 1000, 190, 1190, 1],
]

POS_TEXT = (
    "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
    "02.01.2026;Umsatz;Speisen;1.523,40;7\n"
    "02.01.2026;Umsatz;Getränke;476,60;19\n"
    "02.01.2026;Zahlung;EC-Karte;1.800,00;\n"
    "02.01.2026;Zahlung;Bar;223,40;\n"
    "02.01.2026;Trinkgeld;Trinkgeld;23,40;\n"
    "03.01.2026;Umsatz;Speisen;100,00;7\n"
    "03.01.2026;Umsatz;Getränke;-5,00;19\n"
    "03.01.2026;Zahlung;Bar;95,00;\n"
)


def big_receipts(n: int):
    """A LoadResult of ``n`` valid outgoing receipt items (one per document), built in memory."""
    from workbench.sources import LoadResult, canonical_schema

    ids = pl.format("D{}", pl.int_range(n))
    values = {
        "document_id": ids,
        "item_id": pl.format("D{}-1", pl.int_range(n)),
        "document_kind": pl.lit("Rechnungsausgang"),
        "date": pl.lit(dt.date(2026, 1, 5)),
        "accounting_month": pl.lit("2026-01"),
        "amount": pl.lit(10.0) + pl.int_range(n) % 100,
        "currency_code": pl.lit("EUR"),
        "invoice_id": ids,
        "party_name": pl.lit("Kunde"),
        "account_no": pl.lit("8400"),
        "tax": pl.lit(19.0),
        "block_transfer": pl.lit(False),
        "source_file": pl.lit("big.csv"),
        "source_row": pl.int_range(2, n + 2),
    }
    frame = pl.select(
        [
            values.get(name, pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in canonical_schema("receipts").items()
        ]
    )
    return LoadResult(kind="receipts", frame=frame, findings=findings(), sources=())
