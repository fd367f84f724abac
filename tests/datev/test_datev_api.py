"""The curated public API of workbench.datev, and round trips over generated values."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import workbench.datev
from workbench.datev import ExtfHeader, read_extf, read_ledger_xml, write_extf, write_ledger_xml


def test_public_api_is_pinned_and_sorted():
    assert workbench.datev.__all__ == sorted(workbench.datev.__all__)
    assert len(workbench.datev.__all__) == 25
    for name in workbench.datev.__all__:
        assert hasattr(workbench.datev, name), name


def test_import_does_no_io():
    code = (
        "import workbench.datev as d; from workbench.datev import xsd; "
        "assert xsd._xmlschema.cache_info().currsize == 0; "
        "assert xsd._lxml_schema.cache_info().currsize == 0"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


HEADER = ExtfHeader(
    consultant_number=1001,
    client_number=1,
    fiscal_year_start=date(2024, 1, 1),
    date_from=date(2024, 1, 1),
    date_to=date(2024, 12, 31),
    created_at=datetime(2024, 1, 1),
)
# Printable Windows-1252 text without control characters, as the EXTF writer accepts it.
CP1252_TEXT = st.text(
    alphabet=st.characters(codec="cp1252", exclude_categories=("Cc", "Cs")), min_size=1, max_size=60
)


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(min_value=1, max_value=999_999_999_999),
    text=CP1252_TEXT,
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31)),
    konto=st.integers(min_value=1, max_value=99_999),
)
def test_extf_round_trips_generated_values(cents, text, day, konto):
    frame = pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": [cents / 100],
            "Soll/Haben-Kennzeichen": ["H"],
            "Konto": [konto],
            "Gegenkonto (ohne BU-Schlüssel)": [8400],
            "Belegdatum": [day],
            "Buchungstext": [text],
        }
    )
    back = read_extf(write_extf(frame, HEADER)).frame.select(frame.columns)
    assert back.equals(frame)


@settings(max_examples=60, deadline=None)
@given(
    cents=st.integers(min_value=-999_999_999_999, max_value=999_999_999_999).filter(
        lambda c: c != 0
    ),
    text=st.text(
        alphabet=st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=60
    ).filter(lambda t: t.strip() == t and "\r" not in t),
)
def test_ledger_round_trips_generated_values(cents, text):
    frame = pl.DataFrame(
        {
            "date": [date(2024, 1, 2)],
            "amount": [cents / 100],
            "currencyCode": ["EUR"],
            "invoiceId": ["R-1"],
            "bookingText": [text],
        }
    )
    back = read_ledger_xml(write_ledger_xml(frame, ledger="accountsReceivableLedger")).records
    assert back.equals(frame)
