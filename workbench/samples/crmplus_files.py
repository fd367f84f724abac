"""Sample file: CRM+ Excel export (sheets Rechnungen and Positionen), with seeded defects.

One defect per row, placed by :class:`~workbench.samples.catalog.Picker` in a fixed order (the
picker's choices depend on it); Excel's own habits (dates typed as text, a postcode turned
into a number, one Rechnung exported twice) are part of the file.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from workbench.samples.catalog import TOO_LARGE, Picker, SampleFile, _manifest, _mojibake
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.invoice_frames import clean_invoices
from workbench.samples.writers import pdf_bytes, zip_bytes

__all__ = ["CRM_HEADERS", "CRM_POSITIONS", "crmplus_file"]

CRM_HEADERS = (
    ("invoice_kind", "Modul"),
    ("invoice_id", "Rechnungsnr."),
    ("date", "Rechnungsdatum"),
    ("party_name", "Organisation oder Kontakt"),
    ("street", "Rechnungsadresse: Straße"),
    ("zip", "Rechnungsadresse: PLZ"),
    ("city", "Rechnungsadresse: Ort"),
    ("country", "Rechnungsadresse: Länderkürzel"),
    ("phone", "Telefon"),
    ("fax", "Fax"),
    ("email", "E-Mail Adresse"),
    ("currency_code", "Währung"),
    ("net", "Nettobetrag"),
    ("tax_amount", "Steuerbetrag"),
    ("gross", "Bruttobetrag"),
    ("cost_center", "Kostenstelle"),
    ("account_no", "Sachkonto"),
    ("party_account_no", "Kundennr."),
    ("attachment", "original Buchungsbeleg"),
    ("terms", "AGB"),
)
CRM_POSITIONS = (
    ("invoice_id", "Rechnungsnr."),
    ("position", "Pos."),
    ("name", "Produktposition(en): Name"),
    ("tax", "Produktposition(en): Steuer-Prozent"),
    ("net", "Produktposition(en): Positions-Netto"),
    ("tax_amount", "Produktposition(en): Positions-Steuer"),
    ("gross", "Produktposition(en): Positions-Brutto"),
    ("quantity", "Menge"),
)
_RECHNUNG = pl.col("invoice_kind") == "Rechnung"
CRM_MODULES = {
    "Rechnung": "Rechnungen",
    "Eingangsrechnung": "Eingangsrechnungen",
    "Gutschrift": "Gutschriften",
    "Storno": "Stornos",
}


def _discounted(
    header: pl.DataFrame, positions: pl.DataFrame, row: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add a 100 % discount position to invoice ``row``: the invoice totals become 0,00."""
    invoice = header["invoice_id"][row]
    mine = positions.filter(pl.col("invoice_id") == invoice)
    discount = mine.select(
        pl.col("invoice_id").first(),
        (pl.col("position").max() + 1).alias("position"),
        pl.lit("Rabatt 100 % (Kulanz)").alias("name"),
        pl.col("tax").first(),
        (-pl.col("net").sum()).alias("net"),
        (-pl.col("tax_amount").sum()).alias("tax_amount"),
        (-pl.col("gross").sum()).alias("gross"),
        pl.lit(1.0).alias("quantity"),
        pl.lit(None, dtype=pl.Float64).alias("unit_price"),
    )
    if mine["tax"].n_unique() != 1:
        raise ValueError("discount invoice must have one tax rate")
    last: int = (positions["invoice_id"] == invoice).arg_true()[-1]
    positions = pl.concat([positions.head(last + 1), discount, positions.slice(last + 1)])
    header = header.with_columns(
        [header[c].scatter([row], [0.0]) for c in ("net", "tax_amount", "gross")]
    )
    return header, positions


def crmplus_file(seed: int) -> SampleFile:
    """``invoices_crmplus.xlsx`` of seed ``seed`` (client 455148-1)."""
    client = "455148-1"
    header, positions = clean_invoices(80, seed=21 + 1000 * seed, client=client)
    # seed 001's CRM+ export has no column for a correction's original invoice
    header = header.with_columns(pl.lit(None, dtype=pl.String).alias("original_invoice_id"))
    f = SampleFile("invoices_crmplus.xlsx", "invoices", "crmplus", client, "xlsx")
    pick = Picker(header)
    header, positions, d, zipped, missing = _crm_document_defects(header, positions, pick)
    party, lost_zip = _crm_party_defects(header, pick)
    d += party
    r = pick(_RECHNUNG)[0]
    duplicated = r
    typed = apply_defects(header, d)
    # The duplicate: CRM+ exported the same Rechnung twice (positions only once).
    typed = pl.concat([typed.head(duplicated + 1), typed.slice(duplicated, None)])
    shifted = [
        Defect(
            x.row if x.row is None or x.row <= duplicated else x.row + 1,
            x.column,
            x.rule,
            x.note,
            x.value,
            x.raw,
        )
        for x in d
    ]
    lost_zip = lost_zip + (1 if lost_zip > duplicated else 0)
    shifted.append(
        Defect(
            duplicated, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (1/2)"
        )
    )
    shifted.append(
        Defect(
            duplicated + 1,
            "invoice_id",
            "duplicate.invoice_id",
            "Rechnung doppelt exportiert (2/2)",
        )
    )
    position_picker = Picker(positions)
    p = (
        position_picker(pl.col("quantity") == 2)[0]
        if (positions["quantity"] == 2).any()
        else position_picker()[0]
    )
    position_defects = [
        Defect(p, "quantity", "field.unparseable", "Menge mit Einheit", raw="2 Stk.")
    ]
    typed_positions = apply_defects(positions, position_defects)
    _crm_workbook(f, typed, shifted, lost_zip, typed_positions, position_defects)
    f.frame = typed
    f.positions = typed_positions
    skip = {missing, zipped}
    f.attachments = {
        name: pdf_bytes(f"Rechnung {name[:-4]}", ["Bäckerei Müller GmbH", "Beleg aus CRM+"])
        for name in typed["attachment"].drop_nulls().unique().sort().to_list()
        if name not in skip and name.endswith(".pdf")
    }
    f.attachments[zipped] = zip_bytes({zipped[:-4] + ".pdf": pdf_bytes("Rechnung", [zipped])})
    return f


def _crm_document_defects(
    header: pl.DataFrame, positions: pl.DataFrame, pick: Picker
) -> tuple[pl.DataFrame, pl.DataFrame, list[Defect], str, str]:
    """Totals, names, invoice numbers, amounts, Belegbilder.

    Returns the changed frames, the defects and the names of the zipped and the missing
    Belegbild.
    """
    single_rate = positions.group_by("invoice_id").agg(pl.col("tax").n_unique() == 1)
    one_rate = set(single_rate.filter(pl.col("tax"))["invoice_id"].to_list())
    d: list[Defect] = []
    r = pick(_RECHNUNG & pl.col("invoice_id").is_in(sorted(one_rate)))[0]
    header, positions = _discounted(header, positions, r)
    d.append(Defect(r, "gross", "amount.zero", "Rechnung mit 100 % Rabatt: Summe 0,00"))
    r = pick(_RECHNUNG)[0]
    d.append(Defect(r, "party_name", "field.required", "Organisation oder Kontakt leer", None))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "party_name",
            "field.max_length",
            "57 Zeichen (max. 50)",
            "Kindertagesstätte Sonnenschein der Evangelischen Gemeinde",
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "city",
            "field.max_length",
            "35 Zeichen (max. 30)",
            "Neustadt an der Aisch-Bad Windsheim",
        )
    )
    r = pick(_RECHNUNG)[0]
    bad_id = header["invoice_id"][r].replace("-", "_")
    positions = positions.with_columns(
        pl.when(pl.col("invoice_id") == header["invoice_id"][r])
        .then(pl.lit(bad_id))
        .otherwise(pl.col("invoice_id"))
        .alias("invoice_id")
    )
    d.append(Defect(r, "invoice_id", "field.pattern", "Unterstrich in der Rechnungsnummer", bad_id))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "gross",
            "amount.gross_mismatch",
            "Brutto um 0,01 zu hoch (Rundung)",
            round(header["gross"][r] + 0.01, 2),
        )
    )
    r = pick()[0]
    d.append(Defect(r, "currency_code", "field.currency", "Währung klein geschrieben", "eur"))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "attachment",
            "attachment.unsupported_type",
            "ZIP-Archiv statt PDF",
            header["invoice_id"][r] + ".zip",
        )
    )
    zipped = header["invoice_id"][r] + ".zip"
    r = pick()[0]
    missing = header["attachment"][r]
    d.append(Defect(r, "attachment", "attachment.missing", "Datei fehlt in belege/"))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "attachment",
            "attachment.too_large",
            "Scan mit 22.548.480 Byte (> 20 MB), Größe laut attachment_sizes.json",
            next(iter(TOO_LARGE)),
        )
    )
    return header, positions, d, zipped, missing


def _crm_party_defects(header: pl.DataFrame, pick: Picker) -> tuple[list[Defect], int]:
    """Accounts, dates, address characters, a postcode Excel made a number (its row returned)."""
    d: list[Defect] = []
    r = pick(_RECHNUNG)[0]
    d.append(
        Defect(
            r,
            "account_no",
            "account.length_mismatch",
            "5 statt 4 Stellen",
            header["account_no"][r] + "0",
        )
    )
    r = pick(_RECHNUNG)[0]
    d.append(
        Defect(
            r,
            "party_account_no",
            "account.personal_length_mismatch",
            "Kundennummer mit 4 statt 5 Stellen",
            header["party_account_no"][r][:-1],
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r, "date", "fiscal_year.outside_period", "Rechnung vom 29.12.2025", date(2025, 12, 29)
        )
    )
    r = pick()[0]
    d.append(Defect(r, "date", "field.unparseable", "31. November (als Text)", raw="31.11.2026"))
    r = pick(pl.col("street").str.contains(" "))[0]
    d.append(
        Defect(
            r,
            "street",
            "encoding.exotic_space",
            "U+00A0 vor der Hausnummer",
            header["street"][r][::-1].replace(" ", "\u00a0", 1)[::-1],
        )
    )
    r = pick(pl.col("city").str.contains("[äöü]"))[0]
    d.append(
        Defect(
            r,
            "city",
            "encoding.mojibake",
            "UTF-8 als Windows-1252 gelesen",
            _mojibake(header["city"][r]),
        )
    )
    r = pick(pl.col("zip").str.starts_with("0"))[0]
    d.append(
        Defect(
            r,
            "zip",
            "field.pattern",
            "PLZ ohne führende Null (Zahl statt Text)",
            header["zip"][r][1:],
        )
    )
    lost_zip = r
    return d, lost_zip


def _crm_workbook(
    f: SampleFile,
    typed: pl.DataFrame,
    shifted: list[Defect],
    lost_zip: int,
    typed_positions: pl.DataFrame,
    position_defects: list[Defect],
) -> None:
    """The two sheets as CRM+ exports them, with their manifests."""
    headers = [h for _, h in CRM_HEADERS]
    raw = {(x.row, x.column): x.raw for x in shifted if x.raw is not None}
    rows = []
    for index, record in enumerate(typed.iter_rows(named=True)):
        values = []
        for canonical, _ in CRM_HEADERS:
            value = raw.get((index, canonical), record[canonical])
            if canonical == "invoice_kind":
                value = CRM_MODULES[value]
            elif canonical == "date" and isinstance(value, date) and index % 3 == 0:
                value = f"{value:%d.%m.%Y}"  # typed in by hand: a text cell
            elif canonical == "zip" and index == lost_zip:
                value = int(value)  # Excel turned the postcode into a number
            values.append(value)
        rows.append(values)
    position_rows = []
    position_raw = {(x.row, x.column): x.raw for x in position_defects}
    for index, record in enumerate(typed_positions.iter_rows(named=True)):
        values = []
        for canonical, _ in CRM_POSITIONS:
            value = position_raw.get((index, canonical), record[canonical])
            if canonical in ("tax", "quantity") and isinstance(value, float) and value.is_integer():
                value = int(value)
            values.append(value)
        position_rows.append(values)
    money = "#,##0.00"
    f.sheets = [
        (
            "Rechnungen",
            headers,
            rows,
            {
                "Nettobetrag": money,
                "Steuerbetrag": money,
                "Bruttobetrag": money,
                "Rechnungsdatum": "DD.MM.YYYY",
                "Rechnungsadresse: PLZ": "@",
                "Sachkonto": "@",
                "Kundennr.": "@",
            },
        ),
        (
            "Positionen",
            [h for _, h in CRM_POSITIONS],
            position_rows,
            {
                "Produktposition(en): Positions-Netto": money,
                "Produktposition(en): Positions-Steuer": money,
                "Produktposition(en): Positions-Brutto": money,
            },
        ),
    ]
    cells = {
        h: [str(row[i]) if row[i] is not None else None for row in rows]
        for i, h in enumerate(headers)
    }
    _manifest(
        f,
        shifted,
        pl.DataFrame(cells),
        list(range(2, len(rows) + 2)),
        dict(CRM_HEADERS),
        "Rechnungsnr.",
        sheet="Rechnungen",
    )
    position_cells = {
        h: [str(row[i]) if row[i] is not None else None for row in position_rows]
        for i, (_, h) in enumerate(CRM_POSITIONS)
    }
    _manifest(
        f,
        position_defects,
        pl.DataFrame(position_cells),
        list(range(2, len(position_rows) + 2)),
        dict(CRM_POSITIONS),
        "Rechnungsnr.",
        sheet="Positionen",
    )
