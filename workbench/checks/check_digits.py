"""Check digits: IBAN (schwifty) and USt-IdNr. (python-stdnum), once per distinct value."""

from __future__ import annotations

from functools import lru_cache

import polars as pl

from workbench.checks.hits import HITS_SCHEMA, hits, text

__all__ = ["check_digits"]


@lru_cache(maxsize=65536)
def _iban_ok(value: str) -> bool:
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        IBAN(value)
    except (SchwiftyException, ValueError):
        return False
    return True


@lru_cache(maxsize=65536)
def _vat_ok(value: str) -> bool:
    from stdnum.eu import vat

    try:
        return bool(vat.is_valid(value))
    except Exception:  # stdnum raises for unknown country modules
        return False


_VAT_FORMAT = r"^[A-Z]{2}[0-9A-Za-z+*]{2,13}$"
_IBAN_FORMAT = r"^[A-Z]{2}[0-9]{2}[A-Za-z0-9]{11,30}$"


def check_digits(frame: pl.DataFrame, column: str, *, kind: str) -> pl.DataFrame:
    """IBAN (schwifty) and USt-IdNr. (python-stdnum) check digits, for values in the right format
    (a wrong format is the suite's finding)."""
    if column not in frame.columns:
        return pl.DataFrame(schema=HITS_SCHEMA)
    fmt, test = (_IBAN_FORMAT, _iban_ok) if kind == "iban" else (_VAT_FORMAT, _vat_ok)
    value = pl.col(column)
    unique = frame[column].drop_nulls().unique()
    well_formed = unique.filter(unique.str.contains(fmt.replace("$", r"\z"))).to_list()
    bad = [v for v in well_formed if not test(v)]
    if not bad:
        return pl.DataFrame(schema=HITS_SCHEMA)
    candidates = frame.filter(value.is_in(pl.Series(bad, dtype=pl.String).implode()))
    if kind == "iban":
        return hits(
            candidates,
            pl.lit(True),
            rule="field.iban",
            severity="error",
            column=column,
            value=value,
            expected="IBAN mit gültiger Prüfsumme",
            message=text(
                "Die IBAN '",
                value,
                "' hat eine falsche Prüfsumme (Tippfehler?). DATEV prüft nur das Format; die "
                "Workbench ist hier absichtlich strenger als DATEV, damit keine Zahlung "
                "fehlgeht. Korrigieren Sie sie in der Quelle.",
            ),
        )
    return hits(
        candidates,
        pl.lit(True),
        rule="field.vat_id",
        severity="error",
        column=column,
        value=value,
        expected="USt-IdNr. mit gültiger Prüfziffer",
        message=text(
            "Die USt-IdNr. '",
            value,
            "' ist ungültig (Prüfziffer oder Aufbau passt nicht zum Land). DATEV prüft nur das "
            "Format; die Workbench ist hier absichtlich strenger als DATEV, weil eine falsche "
            "USt-IdNr. den Vorsteuerabzug gefährdet. Korrigieren Sie sie in der Quelle.",
        ),
    )
