"""The loader's fast pass (``fast_conversion``) never disagrees with the full parsers.

Where the one vectorised expression gives a value, ``convert_series`` must give the same one;
where it gives null, the loader asks ``convert_series``. Checked on every short string over the
characters numbers, dates and months are written with, plus spellings seen in real exports.
"""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from workbench.sources import load_receipts
from workbench.sources.chunks import in_chunks, like_chunks
from workbench.sources.convert import convert_series, fast_conversion
from workbench.sources.schema import Column

_ALPHABET = ["0", "1", "9", ".", ",", "-", "+", "e", "E", "i", "n", " ", "€", "%"]
_SPELLINGS = [
    "1.234,56", "1,234.56", "12,50-", "1.234", "1,234", "-.5", ".5", "5.", "-,5", ",5", "5,",
    "1e5", "1E-3", "inf", "-inf", "nan", "NaN", "infinity", "+1", "+.5", "-0", "00.5", " 12,5 ",
    "9999999999999", "99999999999999", "9999999999999.9999", "-999999999999", "1234567890123,4",
    "2026-01-02", "2026-1-2", "02.01.2026", "2.1.26", "20260102", "2026-02-30", "0000-01-01",
    "2026-01-02T10:00:00", "2026-01", "01/2026", "202601", "2026-13", "2026-00", "1899-12",
    "2199-12", "2200-01", "-2026-01", "+2026-01", "true", "false", "True", "ja", "x", "1", "0",
    "Kasse", "kasse", "KASSE", "Rechnungseingang", "", " ",
    "\u0661\u0662", "\uff12\uff10\uff12\uff16-\uff10\uff11",  # Arabic-Indic, full-width digits
]  # fmt: skip
_CORPUS = [
    "".join(chars) for size in range(1, 4) for chars in itertools.product(_ALPHABET, repeat=size)
] + _SPELLINGS
_COLUMNS = [
    Column("date", "date"),
    Column("month", "month"),
    Column("amount", "amount"),
    Column("rate", "rate"),
    Column("flag", "bool"),
    Column("kind", "choice", choices=("Rechnungseingang", "Rechnungsausgang", "Kasse")),
]


@pytest.mark.parametrize("number_format", ["de", "en"])
@pytest.mark.parametrize("column", _COLUMNS, ids=lambda column: column.type)
def test_fast_values_are_the_full_parsers_values(column: Column, number_format: str) -> None:
    text = pl.Series("text", _CORPUS, dtype=pl.String)
    fast = pl.select(fast_conversion(column, pl.lit(text), number_format=number_format)).to_series()
    full = convert_series(column, text, number_format=number_format, excel=False)
    given = fast.is_not_null()
    assert given.sum() > 0  # the fast pass reads something at all
    differ = pl.DataFrame({"text": text, "fast": fast, "full": full}).filter(
        given & ((fast != full) | full.is_null())
    )
    assert differ.is_empty(), differ


def test_text_columns_have_no_fast_pass() -> None:
    for kind in ("text", "code", "account", "integer", "datetime", "duration"):
        assert fast_conversion(Column("x", kind), pl.col("x"), number_format="de") is None


@pytest.mark.parametrize("with_ids", [True, False])
def test_loaded_columns_are_chunked_alike(tmp_path, with_ids) -> None:
    """Every column in the same chunks, also where values needed the full parsers and defaults
    were filled in: polars realigns a frame chunked unevenly on every later operation. With item
    ids in the file the reader's chunks are kept (joining them costs 0.2 s per million rows)."""
    ids = "item_id;" if with_ids else ""
    lines = [f"document_id;{ids}document_kind;date;amount;accounting_month"]
    row = "{n}-1;" if with_ids else ""
    lines += [
        f"B-{n};{row.format(n=n)}Kasse;0{n % 9 + 1}.01.2026;{n},5;2026-01" for n in range(60_000)
    ]
    lines += [
        f"B-x;{row.format(n='x')}Kasse;2026-01-02;1.234,50;01/2026",
        f"B-y;{row.format(n='y')}Kasse;gestern;zwölf;Januar",
    ]
    path = tmp_path / "belege.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    loaded = load_receipts(path, profile="canonical")
    layouts = {tuple(series.chunk_lengths()) for series in loaded.frame.iter_columns()}
    assert len(layouts) == 1, layouts
    if with_ids:
        assert len(layouts.pop()) > 1  # the reader's chunks
    assert loaded.frame["amount"].tail(2).to_list() == [1234.5, None]
    assert loaded.frame["accounting_month"].tail(2).to_list() == ["2026-01", None]
    assert loaded.frame["source_row"].tail(1).to_list() == [60_003]
    assert sorted(loaded.findings["column"].to_list()) == ["accounting_month", "amount", "date"]


def test_chunk_helpers() -> None:
    series = pl.Series("x", range(10))
    cut = in_chunks(series, [3, 3, 4])
    assert cut.chunk_lengths() == [3, 3, 4]
    assert cut.to_list() == list(range(10))
    frame = like_chunks(pl.DataFrame({"a": series, "b": cut.rechunk()}), cut)
    assert frame.n_chunks("all") == [3, 3]
    assert frame.equals(pl.DataFrame({"a": series, "b": series}))
