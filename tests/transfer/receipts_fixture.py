"""LedgerImport records with lineage for transfer tests."""

import datetime as dt

import polars as pl


def receipt_records(month="2026-01", kind="Rechnungsausgang", prefix="RE", documents=3):
    rows = []
    for number in range(1, documents + 1):
        for position, amount in enumerate((119.0, 59.5), start=1):
            rows.append(
                {
                    "document_id": f"{prefix}-{number}",
                    "document_kind": kind,
                    "accounting_month": month,
                    "date": dt.date(int(month[:4]), int(month[5:]), 10 + number),
                    "amount": amount,
                    "accountNo": "8400",
                    "tax": 19.0,
                    "currencyCode": "EUR",
                    "invoiceId": f"{prefix}-{number}",
                    "bookingText": f"Lieferung {number}",
                    "customerName": "Bäckerei Weiß",
                    "customerCity": "Köln",
                    "item_id": f"{prefix}-{number}-{position}",
                    "source_file": "belege.csv",
                    "source_row": 2 * number + position - 1,
                }
            )
    return pl.DataFrame(rows)
