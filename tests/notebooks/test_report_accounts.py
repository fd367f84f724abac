"""Beträge je Konto (monthly report): every booking has two sides. A Kasse item of the
Rechnungsdatenservice is booked by DATEV against the Kasse's account (as the Buchungsstapel of
the same items and the Abgleich mit DATEV book it), so its counter side is that account."""

from pathlib import Path

import polars as pl

from workbench.pipeline import check_run, load_run, map_run
from workbench.pipeline.connection import connect
from workbench.reports import amounts_per_account

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def _records(name: str, to: str) -> pl.DataFrame:
    with connect() as connection:
        checked = check_run(
            load_run("receipts", [SAMPLES / name]), client="455148-1", connection=connection
        )
        return map_run(checked, to=to).mapping.records


def test_kasse_items_book_against_the_cash_account_as_the_buchungsstapel_does():
    xml = amounts_per_account(_records("receipts_juston_kasse.csv", "xml"), cash_account="1000")
    extf = amounts_per_account(_records("receipts_juston_kasse.csv", "extf"))
    assert round(xml["Soll"].sum(), 2) == round(xml["Haben"].sum(), 2)  # two sides each
    saldo = (pl.col("Soll") - pl.col("Haben")).round(2)
    per_account = dict(xml.select("Konto", saldo).iter_rows())
    assert per_account["1000"] == dict(extf.select("Konto", saldo).iter_rows())["1000"]
    assert per_account == dict(extf.select("Konto", saldo).iter_rows())


def test_without_kontenbeschriftungen_the_accounts_have_datev_names(shared_sandbox, tmp_path):
    """The Abgleich named Konto 1000 "Kasse" from DATEV while "Beträge je Konto" above it showed
    "–" unless a Kontenbeschriftungen file was configured."""
    from lxml import html as lxml_html

    from workbench.reports import run_report

    kasse = {"kind": "receipts", "files": [str(SAMPLES / "receipts_juston_kasse.csv")]}
    result = run_report(client="455148-1", period="2026-01", sources=[kasse],
                        out=tmp_path / "bericht.html", transfer=True)  # fmt: skip
    tree = lxml_html.fromstring(result.html.read_text(encoding="utf-8"))
    [heading] = tree.xpath("//h3[starts-with(., 'Beträge je Konto')]")
    table = heading.xpath("following::table[1]")[0]
    names = {
        tr.xpath("./td")[0].text_content(): tr.xpath("./td")[1].text_content()
        for tr in table.xpath(".//tbody/tr")
    }
    assert names["1000"] == "Kasse", names
