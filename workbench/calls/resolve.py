"""Resolve each call's remote number to a Mandant through the phone directory.

Status per call (``match_status``):

- ``matched``: the number belongs to exactly one Mandant (through active addressees only);
- ``ambiguous``: several Mandanten (or a Mandant and an addressee without one) share it;
  ``candidates`` lists them so the user can choose ("Adressat ändern");
- ``no_client``: it belongs to exactly one active addressee that is no Mandant's;
- ``inactive``: it belongs only to inactive addressees or inactive Mandanten;
- ``fax``: it is only known as a fax number (fax numbers are never phone numbers);
- ``unmatched``: nobody in DATEV has it; ``unparseable`` / ``missing``: no usable number;
- ``internal``: an internal call (the remote side is an extension, not a Mandant).

Matching is one join on distinct E.164 numbers; ``phonenumbers`` runs once per distinct spelling.
"""

from __future__ import annotations

import polars as pl

from workbench.calls.directory import PhoneDirectory
from workbench.calls.numbers import fixed_points, normalize_numbers

__all__ = ["MATCH_STATUSES", "RESOLUTION_COLUMNS", "resolve_calls"]

MATCH_STATUSES = (
    "matched",
    "ambiguous",
    "no_client",
    "inactive",
    "fax",
    "unmatched",
    "unparseable",
    "missing",
    "internal",
)
RESOLUTION_COLUMNS = (
    "number",
    "number_extension",
    "match_status",
    "client_id",
    "client_number",
    "client_name",
    "addressee_id",
    "addressee_name",
    "number_role",
    "candidates",
    "candidate_count",
)


_USABLE = (
    (pl.col("kind") == "phone")
    & pl.col("addressee_active")
    & pl.col("client_active").fill_null(True)
)
#: DATEV's switchboard notation: "+49 911 4711-0" is the Zentrale of the block 4711-…
_SWITCHBOARD = r"-\s*0$"
MAX_EXTENSION_DIGITS = 5


def _resolve_phones(rows: pl.LazyFrame, key: str, role: pl.Expr) -> pl.LazyFrame:
    """Usable phone rows grouped by ``key``: candidates, and the Mandant of a unique match."""
    # A billing target is a Mandant, or an addressee without one (it may be the caller too).
    target = pl.coalesce(pl.lit("C:") + pl.col("client_id"), pl.lit("A:") + pl.col("addressee_id"))
    label = (
        pl.when(pl.col("client_id").is_not_null())
        .then(pl.format("Mandant {} {}", pl.col("client_number"), pl.col("client_name")))
        .otherwise(pl.format("{} (kein Mandant)", pl.col("addressee_name")))
    )
    return (
        rows.with_columns(target.alias("target"), label.alias("label"), role.alias("_role"))
        .sort("target", "is_main", descending=[False, True])
        .group_by(key)
        .agg(
            pl.col("target").n_unique().alias("candidate_count"),
            pl.col("label").unique(maintain_order=True).str.join("; ").alias("candidates"),
            pl.col(
                "client_id", "client_number", "client_name", "addressee_id", "addressee_name"
            ).first(),
            pl.col("_role").drop_nulls().first().alias("number_role"),
        )
        .with_columns(
            pl.when(pl.col("candidate_count") > 1)
            .then(pl.lit("ambiguous"))
            .when(pl.col("client_id").is_null())
            .then(pl.lit("no_client"))
            .otherwise(pl.lit("matched"))
            .alias("match_status")
        )
    )


def _matches(directory: PhoneDirectory) -> pl.LazyFrame:
    """One row per E.164 number in the directory with its resolution."""
    numbers = directory.numbers.lazy().filter(pl.col("number").is_not_null())
    phones = _resolve_phones(numbers.filter(_USABLE), "number", pl.col("role"))
    others = (
        numbers.filter(~_USABLE)
        .group_by("number")
        .agg(
            (pl.col("kind") == "phone").any().alias("any_phone"),
            pl.format(
                "{} ({})",
                pl.col("addressee_name"),
                pl.when(pl.col("kind") == "fax")
                .then(pl.lit("Fax"))
                .when(pl.col("addressee_active"))
                .then(pl.lit("Mandant inaktiv"))
                .otherwise(pl.lit("inaktiv")),
            )
            .unique(maintain_order=True)
            .str.join("; ")
            .alias("other_candidates"),
        )
    )
    both = phones.join(others, on="number", how="full", coalesce=True)
    status = (
        pl.when(pl.col("match_status").is_not_null())
        .then(pl.col("match_status"))
        .when(pl.col("any_phone"))
        .then(pl.lit("inactive"))
        .otherwise(pl.lit("fax"))
    )
    return both.with_columns(
        status.alias("match_status"),
        pl.coalesce("candidates", "other_candidates").alias("candidates"),
        pl.col("candidate_count").fill_null(0).cast(pl.Int64),
    ).drop("any_phone", "other_candidates")


def _extension_matches(unknown: pl.Series, directory: PhoneDirectory) -> pl.LazyFrame:
    """Numbers no one has exactly, matched to a switchboard block ("4711-0" takes 4711-23).

    The longest block wins; ``number_role`` says "Durchwahl".
    """
    trunks = (
        directory.numbers.lazy()
        .filter(
            _USABLE
            & pl.col("number").is_not_null()
            & pl.col("raw_number").str.contains(_SWITCHBOARD)
        )
        .with_columns(
            pl.col("number").str.slice(0, pl.col("number").str.len_chars() - 1).alias("_trunk")
        )
    )
    candidates = (
        pl.DataFrame({"_key": unknown})
        .lazy()
        .with_columns(pl.int_ranges(1, MAX_EXTENSION_DIGITS + 1).alias("_cut"))
        .explode("_cut")
        .with_columns(
            pl.col("_key")
            .str.slice(0, pl.col("_key").str.len_chars() - pl.col("_cut"))
            .alias("_trunk")
        )
        .join(trunks, on="_trunk", how="inner")
        .filter(pl.col("_cut") == pl.col("_cut").min().over("_key"))
    )
    return (
        _resolve_phones(candidates, "_key", pl.lit("Durchwahl"))
        .with_columns(pl.col("candidate_count").cast(pl.Int64))
        .rename({"_key": "number"})
    )


def resolve_calls(
    calls: pl.DataFrame, directory: PhoneDirectory, *, region: str = "DE"
) -> pl.DataFrame:
    """The calls frame with the resolution columns (``RESOLUTION_COLUMNS``) appended.

    >>> resolve_calls(calls, directory)["match_status"].value_counts()  # doctest: +SKIP
    """
    known = fixed_points(directory.numbers.rename({"raw_number": "raw"}), region=region)
    normalized = normalize_numbers(calls["remote_number"], region=region, known=known)
    internal = pl.col("direction") == "internal"
    external = calls.filter(~internal.fill_null(False))["remote_number"].unique()
    wanted = normalized.filter(
        pl.col("raw").is_in(external.implode()), pl.col("number").is_not_null()
    )["number"].unique()
    exact = _matches(directory).join(pl.LazyFrame({"number": wanted}), on="number", how="semi")
    unknown = wanted.filter(~wanted.is_in(exact.select("number").collect()["number"].implode()))
    table = pl.concat([exact, _extension_matches(unknown, directory)], how="diagonal_relaxed")
    resolved = (
        calls.lazy()
        .with_row_index("_order")
        .join(normalized.lazy(), left_on="remote_number", right_on="raw", how="left")
        .with_columns(pl.when(internal).then(None).otherwise(pl.col("number")).alias("_key"))
        .join(table.rename({"number": "_key"}), on="_key", how="left")
        .with_columns(
            pl.when(internal)
            .then(pl.lit("internal"))
            .when(pl.col("number_status").fill_null("missing") != "ok")
            .then(pl.col("number_status").fill_null("missing"))
            .otherwise(pl.col("match_status").fill_null("unmatched"))
            .alias("match_status"),
            pl.col("candidate_count").fill_null(0),
        )
        .with_columns(
            # Only a unique match names a Mandant or an addressee; the others list candidates.
            *(
                pl.when(pl.col("match_status").is_in(["matched", "no_client"]))
                .then(pl.col(name))
                .otherwise(None)
                .alias(name)
                for name in (
                    "client_id",
                    "client_number",
                    "client_name",
                    "addressee_id",
                    "addressee_name",
                    "number_role",
                )
            ),
            pl.when(internal).then(None).otherwise(pl.col("number")).alias("number"),
        )
        .sort("_order")
        .drop("_order", "_key", "number_status")
    )
    return resolved.collect().select(*calls.columns, *RESOLUTION_COLUMNS)
