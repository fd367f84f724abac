"""Accounts an invoice source does not name, from the client's settings.

A Buchungsstapel books every invoice on a Debitor/Kreditor (Konto) against a Sachkonto
(Gegenkonto). CRM+ exports carry both; an e-invoice carries neither: its seller and buyer are
named by USt-IdNr. and name, and which Kreditor the Mandant keeps for that seller is the
Mandant's bookkeeping, not the invoice's. So the user names them once per client in the
settings (``[clients."455148-1".party_accounts]``: USt-IdNr. or name → account;
``[clients."455148-1".default_accounts]``: invoice kind → Sachkonto); what the source says
always wins. An invoice still without an account is blocked, and its finding says exactly
which line to add (:func:`party_account_hint`, :func:`default_account_hint`).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

__all__ = ["default_account_hint", "party_account_hint", "with_party_accounts"]


def _vat_key(text: str) -> str:
    return "".join(text.split()).upper()


def _name_key(text: str) -> str:
    return " ".join(text.split()).lower()  # as polars' to_lowercase (casefold would turn ß to ss)


def with_party_accounts(invoices: pl.DataFrame, accounts: Mapping[str, str]) -> pl.DataFrame:
    """Fill a missing ``party_account_no`` from ``accounts`` (keys: the partner's USt-IdNr.,
    spaces and case ignored, else its name, case ignored); a number in the source is kept."""
    if not accounts:
        return invoices
    by_vat = {_vat_key(key): account for key, account in accounts.items()}
    by_name = {_name_key(key): account for key, account in accounts.items()}
    vat = pl.col("vat_id").str.replace_all(r"\s", "").str.to_uppercase()
    name = pl.col("party_name").str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()
    return invoices.with_columns(
        pl.coalesce(
            pl.when(pl.col("party_account_no").str.strip_chars() != "").then("party_account_no"),
            vat.replace_strict(by_vat, default=None, return_dtype=pl.String),
            name.replace_strict(by_name, default=None, return_dtype=pl.String),
        ).alias("party_account_no")
    )


_WHERE = (
    "Tragen Sie es in der Quelle ein oder in den Einstellungen (settings.toml der Kanzlei "
    "oder die Datei in WORKBENCH_CONFIG)"
)


def _section(client: str | None, name: str) -> str:
    return f'[clients."{client or "<Mandant>"}".{name}]'


def _quoted(key: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit('"'), key.str.replace_all('"', '\\"', literal=True), pl.lit('"'))


def party_account_hint(client: str | None) -> pl.Expr:
    """What to add to the settings so that an invoice line finds its Debitor/Kreditor."""
    key = pl.coalesce(pl.col("vat_id"), pl.col("party_name"), pl.lit("<USt-IdNr. oder Name>"))
    return pl.concat_str(
        pl.lit(
            f"{_WHERE} unter "
            f"{_section(client, 'party_accounts')}, mit der USt-IdNr. oder dem Namen des "
            "Geschäftspartners als Schlüssel: "
        ),
        _quoted(key),
        pl.lit(' = "<Konto>".'),
    )


def default_account_hint(client: str | None) -> pl.Expr:
    """What to add to the settings so that an invoice line finds its Sachkonto."""
    return pl.concat_str(
        pl.lit(f"{_WHERE} unter {_section(client, 'default_accounts')} für die Rechnungsart: "),
        pl.col("invoice_kind").fill_null("<Rechnungsart>"),
        pl.lit(' = "<Sachkonto>".'),
    )
