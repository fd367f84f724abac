"""DATEV field types: each one coerces, validates, formats and parses a column.

Modelled on ledermann/datev (``lib/datev/field/*.rb``): one small class per field type. Every
method works on polars expressions so that a million bookings are checked and formatted without
a Python loop; the scalar helpers ``check_value`` / ``format_value`` run the very same
expressions on a one-row frame, so tests of a type test the production path.

A *problem* expression yields a German reason fragment (e.g. ``"ist länger als 60 Zeichen"``)
or null when the value is fine; the EXTF and XML writers turn the first one into a
``DatevFormatError`` and ``validate_bookings`` turns all of them into findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars.expr.whenthen import ChainedThen, Then

__all__ = [
    "Account",
    "Amount",
    "CP1252_CLASS",
    "Choice",
    "Context",
    "DateDDMM",
    "DateDDMMYYYY",
    "FieldType",
    "Integer",
    "RULES",
    "Text",
    "prepare_date",
    "rule_for_message",
]

# Every character Windows-1252 can encode (0x80-0x9F holds these 27 typographic characters).
# A regex class is much faster than trying to encode every value.
_CP1252_EXTRA = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
CP1252_CLASS = "[\\t\\n\\r\\x20-\\x7e\\xa0-\\xff" + re.escape(_CP1252_EXTRA) + "]"
_CONTROL = r"[\x00-\x1f\x7f]"
CP1252_PRINTABLE = "[\\x20-\\x7e\\xa0-\\xff" + re.escape(_CP1252_EXTRA) + "]"


def _is_cp1252(ctx: Context) -> bool:
    return ctx.encoding.lower().replace("-", "") in {"cp1252", "windows1252"}


@dataclass(frozen=True)
class Context:
    """What a field needs beyond its own value: header data and the target encoding."""

    account_length: int | None = None
    date_from: date | None = None
    encoding: str = "cp1252"
    decimal_separator: str = ","


class FieldType:
    """Base class. Subclasses set ``dtype`` and ``quoted`` and implement the four hooks."""

    dtype: pl.DataType = pl.String()
    quoted = False

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        """Coerce ``col`` (of dtype ``source``) to ``self.dtype``; unparseable values: null."""
        return col.cast(self.dtype, strict=False)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """Reason why a prepared, non-null value is invalid, else null."""
        return pl.lit(None, dtype=pl.String)

    def valid(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """Cheap yes/no version of ``problem`` for the fast path over large frames."""
        return self.problem(col, ctx).is_null()

    def valid_without_quote(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """``valid``, and the formatted value holds no ``"``: a writer then need not double
        any. Equals ``valid`` for a missing value."""
        quote = self.format(col, ctx).str.contains('"', literal=True).fill_null(False)
        return self.valid(col, ctx) & ~quote

    def format(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """Prepared value as it appears in the file (without quotes)."""
        return col.cast(pl.String)

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """Text from a file back to ``self.dtype``; unparseable values become null."""
        return col.cast(self.dtype, strict=False)

    # -- scalar helpers (tests, error messages) ------------------------------------------------
    def _one(self, value: object, ctx: Context | None) -> pl.DataFrame:
        series = pl.Series("v", [value])
        return pl.DataFrame([series])

    def check_value(self, value: object, ctx: Context | None = None) -> str | None:
        """Reason why ``value`` is invalid, or None. ``Text(5).check_value("abcdef")``."""
        ctx = ctx or Context()
        frame = self._one(value, ctx)
        source = frame.schema["v"]
        prepared = self.prepare(pl.col("v"), source)
        out = frame.select(
            unparseable=pl.col("v").is_not_null() & prepared.is_null(),
            reason=self.problem(prepared, ctx),
        ).row(0)
        if out[0]:
            return "hat kein gültiges Format"
        return out[1]

    def format_value(self, value: object, ctx: Context | None = None) -> str:
        """The value as written to the file, quotes included. ``Amount().format_value(1.5)``."""
        ctx = ctx or Context()
        frame = self._one(value, ctx)
        prepared = self.prepare(pl.col("v"), frame.schema["v"])
        text = frame.select(self.render(prepared, ctx)).item()
        return text

    def parse_value(self, text: str, ctx: Context | None = None) -> object:
        """Parse one unquoted file value. ``DateDDMMYYYY().parse_value("31012024")``."""
        ctx = ctx or Context()
        return pl.DataFrame({"v": [text]}).select(self.parse(pl.col("v"), ctx)).item()

    @property
    def empty(self) -> str:
        """An empty value as DATEV writes it: ``""`` for quoted fields, nothing otherwise
        (DATEV's own Buchungsstapel, Musterdaten)."""
        return '""' if self.quoted else ""

    def render(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        """Formatted value with quoting (inner quotes doubled); null becomes :attr:`empty`."""
        text = self.format(col, ctx)
        if self.quoted:
            text = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
        return text.fill_null(self.empty)


@dataclass(frozen=True)
class Text(FieldType):
    """Free text in ``"…"`` (inner quotes doubled), at most ``max_length`` characters.

    ``charset`` is an optional regex character class the whole value must consist of.
    """

    max_length: int
    charset: str | None = None
    charset_label: str | None = None
    quoted: bool = True
    pattern: str | None = None  # a full-match regex, for rules a character class cannot express
    pattern_label: str | None = None

    @property
    def dtype(self) -> pl.DataType:  # type: ignore[override]
        return pl.String()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        if source == pl.String:
            return col
        if source.is_float():
            return pl.lit(None, dtype=pl.String)  # floats have no unambiguous text form
        return col.cast(pl.String, strict=False)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        expr: Then | ChainedThen = pl.when(col.str.len_chars() > self.max_length).then(
            pl.lit(f"ist länger als {self.max_length} Zeichen")
        )
        if self.charset is not None:
            expr = expr.when(~col.str.contains(f"^{self.charset}*$")).then(
                pl.lit(f"enthält Zeichen außerhalb von {self.charset_label or self.charset}")
            )
        if self.pattern is not None:
            expr = expr.when(~col.str.contains(f"^(?:{self.pattern})$")).then(
                pl.lit(f"entspricht nicht dem Muster {self.pattern_label or self.pattern}")
            )
        expr = expr.when(col.str.contains(_CONTROL)).then(pl.lit("enthält Steuerzeichen"))
        if _is_cp1252(ctx):
            expr = expr.when(~col.str.contains(f"^{CP1252_CLASS}*$")).then(
                pl.lit("enthält Zeichen, die Windows-1252 nicht darstellen kann")
            )
        return expr.otherwise(pl.lit(None, dtype=pl.String))

    def valid(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return self._valid(col, ctx, allow_quote=True)

    def valid_without_quote(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        # The same single regex pass with '"' taken out of the class: free where no value
        # holds a quote, which is nearly always.
        return self._valid(col, ctx, allow_quote=False)

    def _valid(self, col: pl.Expr, ctx: Context, *, allow_quote: bool) -> pl.Expr:
        # One regex pass instead of three: Rust regex classes support intersection (&&).
        generic = CP1252_PRINTABLE if _is_cp1252(ctx) else r"[^\x00-\x1f\x7f]"
        allowed = f"[{self.charset}&&{generic}]" if self.charset else generic
        if not allow_quote:
            allowed = f'[{allowed}--"]'
        ok = (col.str.len_chars() <= self.max_length) & col.str.contains(f"^{allowed}*$")
        if self.pattern is not None:
            ok = ok & col.str.contains(f"^(?:{self.pattern})$")
        return ok

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col


@dataclass(frozen=True)
class Choice(FieldType):
    """One of a fixed set of codes (``"S"``/``"H"``, ``0``/``1``)."""

    values: tuple[str, ...]
    quoted: bool = True

    @property
    def dtype(self) -> pl.DataType:  # type: ignore[override]
        return pl.String()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        if source == pl.Boolean:
            return col.cast(pl.Int8).cast(pl.String)
        return col.cast(pl.String, strict=False)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        allowed = ", ".join(self.values)
        return (
            pl.when(~col.is_in(list(self.values)))
            .then(pl.lit(f"ist keiner der erlaubten Werte {allowed}"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    def valid_without_quote(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        if any('"' in value for value in self.values):
            return super().valid_without_quote(col, ctx)
        return self.valid(col, ctx)  # a valid value is one of the codes: none holds a quote

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col


@dataclass(frozen=True)
class Amount(FieldType):
    """Decimal number with a fixed number of decimals, written with a decimal comma.

    ``signed=False`` rejects negative values (EXTF Umsatz: the sign lives in Soll/Haben);
    ``nonzero=True`` rejects 0 (DATEV rejects Umsatz, Kurs and Skonto of 0).
    """

    decimals: int = 2
    int_digits: int = 10
    signed: bool = False
    nonzero: bool = True

    dtype = pl.Float64()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        if source == pl.String:
            # Accept "1234,56" and "1234.56" (no thousands separators: they are ambiguous).
            return col.str.replace(",", ".", literal=True).cast(pl.Float64, strict=False)
        return col.cast(pl.Float64, strict=False)

    def _scaled(self, col: pl.Expr) -> pl.Expr:
        return col * (10**self.decimals)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        scaled = self._scaled(col)
        # Float noise grows with magnitude; a genuine extra decimal is far above this tolerance.
        tolerance = pl.max_horizontal(pl.lit(1e-6), scaled.abs() * 1e-14)
        expr: Then | ChainedThen = pl.when(col.is_nan() | col.is_infinite()).then(
            pl.lit("ist keine Zahl")
        )
        if not self.signed:
            expr = expr.when(col < 0).then(
                pl.lit("ist negativ; das Vorzeichen gehört ins Soll/Haben-Kennzeichen")
            )
        if self.nonzero:
            expr = expr.when(scaled.round(0) == 0).then(pl.lit("darf nicht 0 sein"))
        expr = expr.when((scaled - scaled.round(0)).abs() > tolerance).then(
            pl.lit(f"hat mehr als {self.decimals} Nachkommastellen")
        )
        expr = expr.when(scaled.round(0).abs() >= 10 ** (self.int_digits + self.decimals)).then(
            pl.lit(f"hat mehr als {self.int_digits} Vorkommastellen")
        )
        return expr.otherwise(pl.lit(None, dtype=pl.String))

    def format(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        # The scaled value rounded to an integer is exact; as a decimal with ``decimals``
        # places (times 10^-decimals, exact too) polars writes it in one cast: 5 -> "0.05",
        # -150 -> "-1.50". Half the time of sign, quotient and zero-padded remainder.
        scaled = self._scaled(col).round(0).cast(pl.Int64)
        if self.decimals == 0:
            return scaled.cast(pl.String)
        step = pl.lit(Decimal(1).scaleb(-self.decimals), dtype=pl.Decimal(38, self.decimals))
        text = (scaled.cast(pl.Decimal(38, 0)) * step).cast(pl.String)
        if ctx.decimal_separator == ".":
            return text
        return text.str.replace(".", ctx.decimal_separator, literal=True)

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        sep = re.escape(ctx.decimal_separator)
        ok = col.str.contains(rf"^[+-]?\d+({sep}\d+)?$")
        value = col.str.replace(ctx.decimal_separator, ".", literal=True).cast(
            pl.Float64, strict=False
        )
        return pl.when(ok).then(value).otherwise(pl.lit(None, dtype=pl.Float64))


def _prepare_int(col: pl.Expr, source: pl.DataType) -> pl.Expr:
    if source == pl.String:
        return (
            pl.when(col.str.contains(r"^\d+$"))
            .then(col.cast(pl.Int64, strict=False))
            .otherwise(pl.lit(None, dtype=pl.Int64))
        )
    if source.is_float():
        return (
            pl.when(col == col.round(0))
            .then(col.cast(pl.Int64, strict=False))
            .otherwise(pl.lit(None, dtype=pl.Int64))
        )
    return col.cast(pl.Int64, strict=False)


def _parse_int(col: pl.Expr) -> pl.Expr:
    return (
        pl.when(col.str.contains(r"^\d+$"))
        .then(col.cast(pl.Int64, strict=False))
        .otherwise(pl.lit(None, dtype=pl.Int64))
    )


@dataclass(frozen=True)
class Integer(FieldType):
    """Non-negative integer of at most ``max_digits`` digits, written without quotes."""

    max_digits: int
    min_value: int = 0

    dtype = pl.Int64()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        return _prepare_int(col, source)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return (
            pl.when(col < self.min_value)
            .then(pl.lit(f"ist kleiner als {self.min_value}"))
            .when(col >= 10**self.max_digits)
            .then(pl.lit(f"hat mehr als {self.max_digits} Stellen"))
            .otherwise(pl.lit(None, dtype=pl.String))
        )

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return _parse_int(col)


@dataclass(frozen=True)
class Account(FieldType):
    """Account number: 1-9 digits; at most Sachkontenlänge + 1 digits (personal accounts).

    Shorter numbers are fine: DATEV omits leading zeros of Sachkonten in its own files
    (``85`` for 0085, Musterdaten). ``zero_means_none``: ``0`` stands for "no account"
    (DATEV writes it in Erlöskonto (Anzahlungen) of its Musterdaten).
    """

    zero_means_none: bool = False

    dtype = pl.Int64()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        return _prepare_int(col, source)

    def problem(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        lowest = 0 if self.zero_means_none else 1
        expr: Then | ChainedThen = pl.when(col < lowest).then(
            pl.lit(f"ist keine gültige Kontonummer (mindestens {lowest})")
        )
        expr = expr.when(col > 999_999_999).then(pl.lit("hat mehr als 9 Stellen"))
        if ctx.account_length is not None:
            limit = ctx.account_length + 1
            expr = expr.when(col >= 10**limit).then(
                pl.lit(
                    f"hat mehr als {limit} Stellen (Sachkontenlänge {ctx.account_length}, "
                    f"Personenkonten eine Stelle mehr)"
                )
            )
        return expr.otherwise(pl.lit(None, dtype=pl.String))

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return _parse_int(col)


def prepare_date(col: pl.Expr, source: pl.DataType) -> pl.Expr:
    """A date column from a Date, Datetime or ISO text column (anything else: null)."""
    if source == pl.Date:
        return col
    if isinstance(source, pl.Datetime):
        return col.dt.date()
    if source == pl.String:
        return col.str.to_date("%Y-%m-%d", strict=False)
    return pl.lit(None, dtype=pl.Date)


@dataclass(frozen=True)
class DateDDMM(FieldType):
    """Date written as ``TTMM`` (Belegdatum): DATEV takes the year from the header period."""

    dtype = pl.Date()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        return prepare_date(col, source)

    def format(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col.dt.strftime("%d%m")

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        # The year is not in the file: a month before the period start belongs to the next year
        # (periods may run across the turn of a calendar year in a shifted fiscal year).
        start = ctx.date_from or date(2000, 1, 1)
        padded = col.str.zfill(4)
        month = padded.str.slice(2, 2).cast(pl.Int32, strict=False)
        year = pl.when(month < start.month).then(start.year + 1).otherwise(start.year)
        text = year.cast(pl.String) + padded.str.slice(2, 2) + padded.str.slice(0, 2)
        ok = col.str.contains(r"^\d{3,4}$")
        return (
            pl.when(ok)
            .then(text.str.to_date("%Y%m%d", strict=False))
            .otherwise(pl.lit(None, dtype=pl.Date))
        )


@dataclass(frozen=True)
class DateDDMMYYYY(FieldType):
    """Date written as ``TTMMJJJJ`` (Leistungsdatum, KOST-Datum, Fälligkeit)."""

    dtype = pl.Date()

    def prepare(self, col: pl.Expr, source: pl.DataType) -> pl.Expr:
        return prepare_date(col, source)

    def format(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        return col.dt.strftime("%d%m%Y")

    def parse(self, col: pl.Expr, ctx: Context) -> pl.Expr:
        ok = col.str.contains(r"^\d{7,8}$")
        return (
            pl.when(ok)
            .then(col.str.zfill(8).str.to_date("%d%m%Y", strict=False))
            .otherwise(pl.lit(None, dtype=pl.Date))
        )


# Stable rule ids (ARCHITECTURE §4.2 rule families) for the reason fragments above, so that
# validate_* results can become findings without parsing German text downstream.
RULES: tuple[tuple[str, str], ...] = (
    ("Pflichtfeld", "field.required"),
    ("Sachkontenlänge", "account.length_mismatch"),
    ("außerhalb des Zeitraums", "fiscal_year.outside_period"),
    ("darf nicht 0 sein", "amount.zero"),
    ("ist negativ", "amount.negative"),
    ("Nachkommastellen", "amount.format"),
    ("Vorkommastellen", "amount.format"),
    ("ist keine Zahl", "amount.format"),
    ("ist länger als", "field.max_length"),
    ("enthält Zeichen außerhalb", "field.pattern"),
    ("entspricht nicht dem Muster", "field.pattern"),
    ("Steuerzeichen", "encoding.control_characters"),
    ("Windows-1252", "encoding.not_cp1252"),
    ("erlaubten Werte", "field.choice"),
    ("nicht vorgesehen", "field.not_allowed"),
    ("kein gültiges Format", "field.format"),
    ("Kassenbuch online EUR", "cash.currency"),
)


def rule_for_message(message: pl.Expr) -> pl.Expr:
    """Rule id for a reason column (``field.range`` when nothing more specific matches)."""
    expr: Then | ChainedThen = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.String))
    for fragment, rule in RULES:
        expr = expr.when(message.str.contains(fragment, literal=True)).then(pl.lit(rule))
    return expr.otherwise(pl.lit("field.range"))
