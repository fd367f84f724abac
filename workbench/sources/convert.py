"""Convert text columns to canonical types, turning every unparseable value into a finding.

All conversions are polars expressions, so a million rows convert in a fraction of a second.
A value that cannot be parsed becomes null in the frame and a ``field.unparseable`` finding
naming file, row, column and the original text: the row itself is always kept.
"""

from __future__ import annotations

import polars as pl

from workbench.sources.schema import Column

__all__ = ["conversion_expr", "normalise_number"]

_TRUE = ("ja", "j", "true", "wahr", "yes", "y", "1", "x", "✓")
_FALSE = ("nein", "n", "false", "falsch", "no", "0", "")

# (regex guard, strptime format): a format is only tried on values its guard matches, so that
# "31.01.26" is never read as the year 26 by "%d.%m.%Y".
_DATE_FORMATS = (
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
    (r"^\d{4}-\d{2}-\d{2}$", "%Y-%m-%d"),
    (r"^\d{1,2}\.\d{1,2}\.\d{2}$", "%d.%m.%y"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%d/%m/%Y"),
    (r"^\d{8}$", "%Y%m%d"),
)
_DATETIME_FORMATS = (
    (r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}:\d{2}$", "%d.%m.%Y %H:%M:%S"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}$", "%d.%m.%Y %H:%M"),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", "%Y-%m-%dT%H:%M:%S"),
    (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$", "%Y-%m-%d %H:%M:%S"),
    (r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\.\d+$", "%Y-%m-%dT%H:%M:%S%.f"),
    (r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$", "%Y-%m-%dT%H:%M"),
    (r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", "%Y-%m-%d %H:%M"),
)
_EXCEL_EPOCH = pl.date(1899, 12, 30)


def normalise_number(text: pl.Expr, *, number_format: str) -> pl.Expr:
    """Text of a German or English number -> text with ``.`` as decimal point, or null.

    Rules per value: with both ``.`` and ``,`` the later one is the decimal separator; with only
    one of them it is the decimal separator unless ``number_format`` says it groups thousands
    (``de``: ``1.234`` is 1234; ``en``: ``1,234`` is 1234). A trailing minus (``12,50-``) and a
    currency sign or percent sign are accepted.
    """
    value = (
        text.str.replace_all(r"[\s\u00a0\u202f€%]|EUR", "")
        .str.replace(r"^\+", "")
        .str.replace(r"^(\d[\d.,]*)-$", "-$1")
    )
    has_dot = value.str.contains(".", literal=True)
    has_comma = value.str.contains(",", literal=True)
    comma_last = value.str.contains(r",\d*$")
    german_thousands = value.str.contains(r"^-?\d{1,3}(\.\d{3})+$")
    english_thousands = value.str.contains(r"^-?\d{1,3}(,\d{3})+$")
    decimal_comma = (
        pl.when(has_dot & has_comma).then(comma_last)
        .when(has_comma).then(~english_thousands if number_format == "en" else pl.lit(True))
        .when(has_dot).then(german_thousands if number_format == "de" else pl.lit(False))
        .otherwise(pl.lit(False))
    )
    normalised = (
        pl.when(decimal_comma)
        .then(value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(value.str.replace_all(",", "", literal=True))
    )
    return pl.when(normalised.str.contains(r"^-?(\d+(\.\d*)?|\.\d+)$")).then(normalised)


def _parse_formats(text: pl.Expr, formats, dtype) -> pl.Expr:
    # Fractional ISO timestamps may use a space or a "T"; one format covers both.
    text = text.str.replace(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}\.\d+)$", "${1}T${2}")
    parsed = [
        pl.when(text.str.contains(guard)).then(
            text.str.strptime(dtype, fmt, strict=False) if dtype != pl.Date
            else text.str.to_date(fmt, strict=False)
        )
        for guard, fmt in formats
    ]
    return pl.coalesce(parsed)


def _date(text: pl.Expr, *, excel: bool) -> pl.Expr:
    parsed = _parse_formats(text, _DATE_FORMATS, pl.Date)
    # A timestamp in a date column keeps its date (Excel writes dates with a time of day).
    parsed = pl.coalesce(parsed, _parse_formats(text, _DATETIME_FORMATS, pl.Datetime("us")).dt.date())
    if excel:
        serial = pl.when(text.str.contains(r"^\d{5}(\.\d+)?$")).then(
            _EXCEL_EPOCH + pl.duration(days=text.cast(pl.Float64, strict=False).floor().cast(pl.Int64))
        )
        parsed = pl.coalesce(parsed, serial)
    return parsed


def _datetime(text: pl.Expr, *, excel: bool) -> pl.Expr:
    parsed = _parse_formats(text, _DATETIME_FORMATS, pl.Datetime("us"))
    if excel:
        serial_days = text.cast(pl.Float64, strict=False)
        serial = pl.when(text.str.contains(r"^\d{5}(\.\d+)?$")).then(
            _EXCEL_EPOCH.cast(pl.Datetime("us"))
            + pl.duration(microseconds=(serial_days * 86_400_000_000).round(0).cast(pl.Int64))
        )
        parsed = pl.coalesce(parsed, serial)
    return parsed


def _month(text: pl.Expr) -> pl.Expr:
    iso = text.str.extract(r"^(\d{4})-(\d{1,2})$", 1), text.str.extract(r"^(\d{4})-(\d{1,2})$", 2)
    german = text.str.extract(r"^(\d{1,2})[./](\d{4})$", 2), text.str.extract(r"^(\d{1,2})[./](\d{4})$", 1)
    compact = text.str.extract(r"^(\d{4})(\d{2})$", 1), text.str.extract(r"^(\d{4})(\d{2})$", 2)
    year = pl.coalesce(iso[0], german[0], compact[0])
    month = pl.coalesce(iso[1], german[1], compact[1]).cast(pl.Int32, strict=False)
    return pl.when(month.is_between(1, 12)).then(
        pl.concat_str(year, pl.lit("-"), month.cast(pl.String).str.zfill(2))
    )


def _duration(text: pl.Expr) -> pl.Expr:
    parts = text.str.extract_groups(r"^(?:(\d+):)?(\d{1,2}):(\d{2})$")
    clock = (
        parts.struct.field("1").cast(pl.Int64, strict=False).fill_null(0) * 3600
        + parts.struct.field("2").cast(pl.Int64, strict=False) * 60
        + parts.struct.field("3").cast(pl.Int64, strict=False)
    )
    seconds = pl.when(text.str.contains(r"^-?\d+$")).then(text.cast(pl.Int64, strict=False))
    return pl.coalesce(seconds, clock)


def _bool(text: pl.Expr) -> pl.Expr:
    folded = text.str.strip_chars().str.to_lowercase()
    return pl.when(folded.is_in(_TRUE)).then(True).when(folded.is_in(_FALSE)).then(False)


def _choice(text: pl.Expr, column: Column, values: dict[str, str]) -> pl.Expr:
    folded = text.str.strip_chars().str.to_lowercase()
    mapping = {key: value for key, value in values.items()}
    mapping.update({choice.casefold(): choice for choice in column.choices})
    mapped = folded.replace_strict(mapping, default=None, return_dtype=pl.String)
    return pl.when(mapped.is_in(column.choices)).then(mapped)


def conversion_expr(column: Column, text: pl.Expr, *, number_format: str, excel: bool,
                    values: dict[str, str] | None = None) -> pl.Expr:
    """Expression converting ``text`` (a String expression) to ``column``'s canonical type.

    Null means empty *or* unparseable; the caller tells them apart by the text being non-empty.
    """
    stripped = text.str.strip_chars()
    match column.type:
        case "text" | "code" | "account":
            # Kept verbatim: stray spaces and odd characters are for the checks to report.
            return text
        case "date":
            return _date(stripped, excel=excel)
        case "datetime":
            return _datetime(stripped, excel=excel)
        case "month":
            return _month(stripped)
        case "amount" | "rate":
            return normalise_number(stripped, number_format=number_format).cast(pl.Float64)
        case "integer":
            return normalise_number(stripped, number_format=number_format).cast(
                pl.Float64).pipe(lambda number: pl.when(number == number.floor()).then(number)).cast(pl.Int64)
        case "duration":
            return _duration(stripped)
        case "bool":
            return _bool(stripped)
        case "choice":
            return _choice(stripped, column, values or {})
    raise ValueError(f"unknown column type {column.type!r}")
