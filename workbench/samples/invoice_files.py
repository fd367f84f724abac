"""Sample invoice files: CRM+ Excel (Rechnungen + Positionen) and canonical CSV with positions.

The CRM+ workbook is in :mod:`workbench.samples.crmplus_files`; the canonical CSV is here.
"""

from __future__ import annotations

import polars as pl

from workbench.samples import frames
from workbench.samples.catalog import Picker, SampleFile, _csv_file
from workbench.samples.crmplus_files import crmplus_file
from workbench.samples.defects import Defect, apply_defects
from workbench.samples.invoice_frames import EINVOICE_ONLY, clean_invoices
from workbench.samples.writers import Layout, pdf_bytes

__all__ = ["invoice_files"]


# --- invoices: canonical CSV ---------------------------------------------------------------------

CANONICAL_INVOICES = Layout(
    columns=tuple((n, n) for n in frames.schema("invoices") if n not in EINVOICE_ONLY),
    numbers="en",
    dates="iso",
    separator=",",
    newline="\n",
)
CANONICAL_POSITIONS = Layout(
    columns=tuple((n, n) for n in frames.schema("positions") if n not in EINVOICE_ONLY),
    numbers="en",
    dates="iso",
    separator=",",
    newline="\n",
)


def _invoices_canonical(seed: int) -> list[SampleFile]:
    client = "455148-2"
    header, positions = clean_invoices(60, seed=22 + 1000 * seed, client=client)
    # One Belegbild folder for all samples: this client's files carry its number.
    header = header.with_columns(
        pl.concat_str(pl.lit(client + "_"), pl.col("attachment")).alias("attachment")
    )
    f = SampleFile("invoices_canonical.csv", "invoices", "canonical", client, "utf-8")
    pick = Picker(header)
    d = []
    r = pick()[0]
    net, tax = header["net"][r], header["tax_amount"][r]
    d.append(
        Defect(
            r,
            "net",
            "amount.decimals",
            "Netto mit drei Nachkommastellen (Summe stimmt)",
            round(net + 0.005, 3),
            f"{round(net + 0.005, 3):.3f}",
        )
    )
    d.append(
        Defect(
            r,
            "tax_amount",
            "amount.decimals",
            "Steuer mit drei Nachkommastellen (Summe stimmt)",
            round(tax - 0.005, 3),
            f"{round(tax - 0.005, 3):.3f}",
        )
    )
    r = pick()[0]
    d.append(
        Defect(
            r,
            "gross",
            "amount.gross_mismatch",
            "Brutto um 1,00 zu hoch (Tippfehler)",
            round(header["gross"][r] + 1.0, 2),
        )
    )
    r = pick(pl.col("zip").str.starts_with("0"))[0]
    d.append(Defect(r, "zip", "field.pattern", "PLZ ohne führende Null", header["zip"][r][1:]))
    r = pick()[0]
    d.append(Defect(r, "net", "field.unparseable", "Buchstabe O statt Null", raw="12O.00"))
    r = pick()[0]
    d.append(Defect(r, "date", "field.unparseable", "30. Februar", raw="2026-02-30"))
    r = pick()[0]
    d.append(
        Defect(
            r,
            "party_account_no",
            "account.non_numeric",
            "Präfix D- vor der Debitorennummer",
            "D-" + header["party_account_no"][r],
        )
    )
    r = pick()[0]
    d.append(Defect(r, "party_name", "field.required", "Name fehlt", None))
    typed = apply_defects(header, d)
    r = pick(pl.col("invoice_kind") == "Rechnung")[0]
    typed = pl.concat([typed.head(r + 1), typed.slice(r, None)])
    d = [
        Defect(
            x.row if x.row is None or x.row <= r else x.row + 1,
            x.column,
            x.rule,
            x.note,
            x.value,
            x.raw,
        )
        for x in d
    ]
    d += [
        Defect(r, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (1/2)"),
        Defect(r + 1, "invoice_id", "duplicate.invoice_id", "Rechnung doppelt exportiert (2/2)"),
    ]
    _csv_file(f, typed, d, CANONICAL_INVOICES, "invoice_id")
    f.attachments = {
        name: pdf_bytes(f"Rechnung {name[9:-4]}", ["Grün & Söhne Gärtnerei KG", "Rechnungskopie"])
        for name in typed["attachment"].drop_nulls().unique().sort().to_list()
    }
    g = SampleFile("invoices_canonical_positions.csv", "invoices", "canonical", client, "utf-8")
    p = Picker(positions)(pl.col("quantity") == 2)
    pd_ = [Defect(p[0], "quantity", "field.unparseable", "Menge als Wort", raw="zwei")]
    typed_positions = apply_defects(positions, pd_)
    _csv_file(g, typed_positions, pd_, CANONICAL_POSITIONS, "invoice_id")
    g.positions, g.frame = g.frame, None
    return [f, g]


def invoice_files(seed: int = 0) -> list[SampleFile]:
    return [crmplus_file(seed), *_invoices_canonical(seed)]
