"""Convert text columns to canonical types; unparseable values become null (and findings).

Each conversion is a chain of parsers tried on a shrinking set of rows: the first parser sees the
whole column, the next one only the values the previous ones could not read. Real files use one
format per column, so a million rows cost about one vectorised parse per column, while mixed
columns (Excel with typed and text cells, hand-edited CSV) still convert value by value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import polars as pl

from workbench.sources.schema import Column

__all__ = ["convert_series", "fast_conversion", "normalise_number"]

Parser = Callable[[pl.Series], pl.Series]

_TRUE = ("ja", "j", "true", "wahr", "yes", "y", "1", "x", "✓")
_FALSE = ("nein", "n", "false", "falsch", "no", "0")

# (regex guard or None, strptime format). A guard keeps "31.01.26" away from "%d.%m.%Y",
# which would read it as the year 26.
_DATE_FORMATS = (
    (None, "%Y-%m-%d"),
    (r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}$", "%d.%m.%Y"),
    (r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{2}$", "%d.%m.%y"),
    (r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$", "%d/%m/%Y"),
    (r"^[0-9]{8}$", "%Y%m%d"),
)
_DATETIME_FORMATS = (
    (r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}:[0-9]{2}$", "%d.%m.%Y %H:%M:%S"),
    (r"^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4} [0-9]{1,2}:[0-9]{2}$", "%d.%m.%Y %H:%M"),
    (None, "%Y-%m-%dT%H:%M:%S"),
    (None, "%Y-%m-%d %H:%M:%S"),
    (None, "%Y-%m-%dT%H:%M:%S%.f"),
    (None, "%Y-%m-%d %H:%M:%S%.f"),
    (None, "%Y-%m-%dT%H:%M"),
    (None, "%Y-%m-%d %H:%M"),
)
_EXCEL_EPOCH_DAYS = -25569  # 1899-12-30 relative to 1970-01-01


def _chain(text: pl.Series, parsers: Sequence[Parser], dtype: pl.DataType) -> pl.Series:
    """Apply ``parsers`` in turn, each only to the values still unparsed."""
    # The first parser sees the whole column (nulls stay null); usually nothing is left after it.
    result = parsers[0](text).cast(dtype)
    missed = text.is_not_null() & result.is_null()
    if not missed.any():
        return result
    todo = pl.arange(0, len(text), eager=True).filter(missed)
    for parser in parsers[1:]:
        if todo.is_empty():
            break
        subset = text.gather(todo)
        parsed = parser(subset).cast(dtype)
        ok = parsed.is_not_null()
        if ok.any():
            result = result.scatter(todo.filter(ok), parsed.filter(ok))
            todo = todo.filter(~ok)
    return result


def _strptime(guard: str | None, fmt: str, dtype: pl.Date | pl.Datetime) -> Parser:
    def parse(text: pl.Series) -> pl.Series:
        if dtype == pl.Date:
            parsed = text.str.to_date(fmt, strict=False)
        else:
            parsed = text.str.strptime(dtype, fmt, strict=False)
        if guard is None:
            return parsed
        return pl.select(pl.when(text.str.contains(guard)).then(parsed)).to_series()

    return parse


def _excel_serial(dtype: pl.Date | pl.Datetime) -> Parser:
    def parse(text: pl.Series) -> pl.Series:
        days = pl.select(
            pl.when(text.str.contains(r"^[0-9]{5}(\.[0-9]+)?$")).then(
                text.cast(pl.Float64, strict=False)
            )
        ).to_series()
        if dtype == pl.Date:
            return (days.floor() + _EXCEL_EPOCH_DAYS).cast(pl.Int32).cast(pl.Date)
        micros = ((days + _EXCEL_EPOCH_DAYS) * 86_400_000_000).round(0).cast(pl.Int64)
        return micros.cast(pl.Datetime("us"))

    return parse


def _date_part(parser: Parser) -> Parser:
    return lambda subset: parser(subset).dt.date()


def _dates(text: pl.Series, *, excel: bool) -> pl.Series:
    parsers = [_strptime(guard, fmt, pl.Date()) for guard, fmt in _DATE_FORMATS]
    # A timestamp in a date column keeps its date (Excel and databases add a time of day).
    parsers += [
        _date_part(_strptime(guard, fmt, pl.Datetime("us"))) for guard, fmt in _DATETIME_FORMATS
    ]
    if excel:
        parsers.append(_excel_serial(pl.Date()))
    return _chain(text, parsers, pl.Date())


def _datetimes(text: pl.Series, *, excel: bool) -> pl.Series:
    parsers = [_strptime(guard, fmt, pl.Datetime("us")) for guard, fmt in _DATETIME_FORMATS]
    if excel:
        parsers.append(_excel_serial(pl.Datetime("us")))
    return _chain(text, parsers, pl.Datetime("us"))


def normalise_number(text: pl.Expr, *, number_format: str) -> pl.Expr:
    """Text of a German or English number -> text with ``.`` as decimal point, or null.

    Rules per value: with both ``.`` and ``,`` the later one is the decimal separator; with only
    one of them it is the decimal separator unless ``number_format`` says it groups thousands
    (``de``: ``1.234`` is 1234; ``en``: ``1,234`` is 1234). A trailing minus (``12,50-``), a
    currency sign and a percent sign are accepted.
    """
    value = (
        text.str.replace_all(r"[\s\u00a0\u202f€%]|EUR", "")
        .str.replace(r"^\+", "")
        .str.replace(r"^([0-9][0-9.,]*)-$", "-$1")
    )
    has_dot = value.str.contains(".", literal=True)
    has_comma = value.str.contains(",", literal=True)
    comma_last = value.str.contains(r",[0-9]*$")
    german_thousands = value.str.contains(r"^-?[0-9]{1,3}(\.[0-9]{3})+$")
    english_thousands = value.str.contains(r"^-?[0-9]{1,3}(,[0-9]{3})+$")
    decimal_comma = (
        pl.when(has_dot & has_comma)
        .then(comma_last)
        .when(has_comma)
        .then(~english_thousands if number_format == "en" else pl.lit(True))
        .when(has_dot)
        .then(german_thousands if number_format == "de" else pl.lit(False))
        .otherwise(pl.lit(False))
    )
    normalised = (
        pl.when(decimal_comma)
        .then(value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(value.str.replace_all(",", "", literal=True))
    )
    return pl.when(normalised.str.contains(r"^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$")).then(normalised)


#: Amounts are floats: beyond 13 digits before the decimal point a float no longer keeps the
#: cents exactly, so such a value is a finding rather than a number that is silently off.
_LARGEST_AMOUNT = 1e13
#: Integers read through a float (``1.234`` with German grouping) must stay exact.
_LARGEST_EXACT_FLOAT = 2**53


def _numbers(text: pl.Series, *, number_format: str) -> pl.Series:
    def plain(subset: pl.Series) -> pl.Series:
        # The common case: "1234.56" or, in German files, "1234,56" without grouping.
        if number_format == "de":
            simple = subset.str.contains(r"^-?[0-9]+(,[0-9]+)?$")
            return pl.select(
                pl.when(simple).then(
                    subset.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
                )
            ).to_series()
        guarded = pl.select(
            pl.when(subset.str.contains(r"^-?[0-9]+(\.[0-9]+)?$")).then(subset)
        ).to_series()
        return guarded.cast(pl.Float64, strict=False)

    def general(subset: pl.Series) -> pl.Series:
        return pl.select(
            normalise_number(pl.lit(subset), number_format=number_format).cast(
                pl.Float64, strict=False
            )
        ).to_series()

    numbers = _chain(text, [plain, general], pl.Float64())
    return pl.select(pl.when(numbers.abs() < _LARGEST_AMOUNT).then(numbers)).to_series()


def _integers(text: pl.Series, *, number_format: str) -> pl.Series:
    def plain(subset: pl.Series) -> pl.Series:
        # Straight to Int64, no detour through a float: exact up to Int64's limits, and a value
        # beyond them is null (a finding), never a rounded or wrapped number.
        digits = subset.str.strip_prefix("+")
        return pl.select(
            pl.when(digits.str.contains(r"^-?[0-9]+$")).then(
                pl.lit(digits).cast(pl.Int64, strict=False)
            )
        ).to_series()

    def written(subset: pl.Series) -> pl.Series:
        # "1.234" (German grouping) or "12,0": a formatted number that happens to be whole
        numbers = _numbers(subset, number_format=number_format)
        whole = (numbers == numbers.floor()) & (numbers.abs() < _LARGEST_EXACT_FLOAT)
        return pl.select(pl.when(whole).then(numbers)).to_series().cast(pl.Int64)

    return _chain(text, [plain, written], pl.Int64())


def _months(text: pl.Series) -> pl.Series:
    patterns = (
        (r"^([0-9]{4})-([0-9]{1,2})$", 1, 2),
        (r"^([0-9]{1,2})[./]([0-9]{4})$", 2, 1),
        (r"^([0-9]{4})([0-9]{2})$", 1, 2),
    )

    def parser(pattern: str, year_group: int, month_group: int) -> Parser:
        def parse(subset: pl.Series) -> pl.Series:
            year = subset.str.extract(pattern, year_group)
            month = subset.str.extract(pattern, month_group).cast(pl.Int32, strict=False)
            return pl.select(
                pl.when(month.is_between(1, 12)).then(
                    pl.concat_str(
                        pl.lit(year), pl.lit("-"), pl.lit(month).cast(pl.String).str.zfill(2)
                    )
                )
            ).to_series()

        return parse

    def canonical(subset: pl.Series) -> pl.Series:
        return pl.select(
            pl.when(subset.str.contains(r"^[0-9]{4}-(0[1-9]|1[0-2])$")).then(subset)
        ).to_series()

    return _chain(text, [canonical, *(parser(*spec) for spec in patterns)], pl.String())


def _durations(text: pl.Series) -> pl.Series:
    def seconds(subset: pl.Series) -> pl.Series:
        return pl.select(
            pl.when(subset.str.contains(r"^-?[0-9]+$")).then(
                pl.lit(subset).cast(pl.Int64, strict=False)
            )
        ).to_series()

    def clock(subset: pl.Series) -> pl.Series:
        # at most 12 digits of hours: their seconds fit Int64 (absurd ones are the checks' job)
        parts = subset.str.extract_groups(r"^(?:([0-9]{1,12}):)?([0-9]{1,2}):([0-9]{2})$")
        hours = parts.struct.field("1").cast(pl.Int64, strict=False).fill_null(0)
        minutes = parts.struct.field("2").cast(pl.Int64, strict=False)
        secs = parts.struct.field("3").cast(pl.Int64, strict=False)
        return hours * 3600 + minutes * 60 + secs

    return _chain(text, [seconds, clock], pl.Int64())


def _lookup(mapping: Mapping[str, object], dtype: pl.DataType) -> Parser:
    def parse(subset: pl.Series) -> pl.Series:
        return subset.str.to_lowercase().replace_strict(mapping, default=None, return_dtype=dtype)

    return parse


def _true_false(subset: pl.Series) -> pl.Series:
    # Exports mostly write "true"/"false": two comparisons beat a dictionary lookup.
    return pl.select(
        pl.when(subset == "true").then(True).when(subset == "false").then(False)
    ).to_series()


def _exact(choices: Sequence[str]) -> Parser:
    def parse(subset: pl.Series) -> pl.Series:
        return pl.select(pl.when(subset.is_in(choices)).then(subset)).to_series()

    return parse


def _parsers(
    column: Column, *, number_format: str, excel: bool, values: dict[str, str] | None
) -> list[Parser]:
    match column.type:
        case "date":
            return [lambda text: _dates(text, excel=excel)]
        case "datetime":
            return [lambda text: _datetimes(text, excel=excel)]
        case "month":
            return [_months]
        case "amount" | "rate":
            return [lambda text: _numbers(text, number_format=number_format)]
        case "integer":
            return [lambda text: _integers(text, number_format=number_format)]
        case "duration":
            return [_durations]
        case "bool":
            words = dict.fromkeys(_TRUE, True) | dict.fromkeys(_FALSE, False)
            return [_true_false, _lookup(words, pl.Boolean())]
        case "choice":
            spellings = dict(values or {}) | {c.casefold(): c for c in column.choices}
            mapped = _lookup(spellings, pl.String())
            return [_exact(column.choices), lambda text: _exact(column.choices)(mapped(text))]
    raise ValueError(f"unknown column type {column.type!r}")


#: Characters in a number that only the full parsers may judge: the float cast alone would read
#: ``1e5``, ``inf``, ``nan`` and ``+1``, which the number rules do not accept as written.
_NOT_PLAIN_NUMBER = ["e", "E", "i", "I", "n", "N", "+"]
#: Characters of a number that is surely below ``_LARGEST_AMOUNT`` (13 digits at most).
_SHORT_AMOUNT = 13
#: The Buchungsmonate the fast path knows (``JJJJ-MM``); others take the full parsers.
_PLAIN_MONTHS = [f"{year}-{month:02d}" for year in range(1900, 2200) for month in range(1, 13)]


def fast_conversion(column: Column, text: pl.Expr, *, number_format: str) -> pl.Expr | None:
    """One vectorised expression for the usual spelling of ``column``'s values, or ``None``.

    Where it gives a value, :func:`convert_series` gives the same one; where it gives null,
    :func:`convert_series` decides (the loader runs it on those values only). So a whole file
    in one format converts in a single parallel pass over the reader's chunks, and every other
    value still goes through every rule.

    >>> pl.select(fast_conversion(Column("x", "amount"), pl.lit("12,5"), number_format="de"))
    ...     .item()
    12.5
    """
    match column.type:
        case "date":  # the first of ``_DATE_FORMATS``, unguarded there too
            return text.str.to_date("%Y-%m-%d", strict=False)
        case "month":  # the canonical spelling (``_months``' first parser), as a set
            return pl.when(text.is_in(_PLAIN_MONTHS)).then(text)
        case "amount" | "rate":
            # Digits, "-" and the decimal separator, which the cast reads as the rules do (it
            # rejects "," and spaces itself). German files group thousands with ".", so a dot
            # is for the rules there. Short values stay below ``_LARGEST_AMOUNT``.
            odd = [*_NOT_PLAIN_NUMBER, "."] if number_format == "de" else _NOT_PLAIN_NUMBER
            plain = ~text.str.contains_any(odd) & (text.str.len_bytes() <= _SHORT_AMOUNT)
            if number_format == "de":
                text = text.str.replace(",", ".", literal=True)
            return pl.when(plain).then(text).cast(pl.Float64, strict=False)
        case "bool":  # ``_true_false``
            return pl.when(text == "true").then(True).when(text == "false").then(False)
        case "choice":  # ``_exact``
            return pl.when(text.is_in(column.choices)).then(text)
    return None


def convert_series(
    column: Column,
    text: pl.Series,
    *,
    number_format: str,
    excel: bool,
    values: dict[str, str] | None = None,
) -> pl.Series:
    """Convert ``text`` (a String series) to ``column``'s canonical type.

    Null in the result means empty *or* unparseable; the caller tells them apart by the text.
    Text, code and account columns are kept verbatim: stray spaces and odd characters are for
    the checks to report, and leading zeros must survive. Other values are tried as they are
    first and, where that fails, once more without surrounding spaces.

    >>> convert_series(Column("amount", "amount"), pl.Series(["1.234,56"]), number_format="de",
    ...                excel=False).to_list()
    [1234.56]
    """
    if column.type in ("text", "code", "account"):
        return text.cast(pl.String).alias(column.name)
    parsers = _parsers(column, number_format=number_format, excel=excel, values=values)
    result = _chain(text, parsers, column.dtype)
    missed = text.is_not_null() & result.is_null()
    if missed.any():
        where = pl.arange(0, len(text), eager=True).filter(missed)
        stripped = text.gather(where).str.strip_chars()
        stripped = pl.select(pl.when(stripped != "").then(stripped)).to_series()
        retried = _chain(stripped, parsers, column.dtype)
        result = result.scatter(where, retried)
    return result.cast(column.dtype).alias(column.name)
