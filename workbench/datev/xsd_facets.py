"""DATEV's XSD simple types as polars checks: the per-value half of the XSD check of records
and of the file names in document.xml (``attribute_type``).

The record types of the LedgerImport XSD (``accountsPayableLedger``, ``accountsReceivableLedger``,
``cashLedger``) are sequences of simple-typed elements, without attributes, wildcards, mixed
content or identity constraints (:func:`record_elements` refuses a schema with anything else).
So a record is valid exactly when (1) its element names, in the order written, fit the content
model, which depends only on which elements it has (its *shape*), and (2) the text of every
element is valid for the element's simple type. ``package_checks`` has libxml2 check (1) on one
record per shape and checks (2) with the expressions built here, over all records at once.

The expressions are built from the XSD's own facets (pattern, enumeration, length, minLength,
maxLength, totalDigits, fractionDigits, min/max inclusive/exclusive, the built-in bounds of the
base type, ``fixed``). They are conservative: a value they pass is valid, but they may call a
valid value doubtful (whitespace, control characters, a timezone, non-ASCII digits, numbers
beyond 18 digits); the caller then asks libxml2. A facet or construct not handled here raises
:class:`UnsupportedSchema`, so nothing is silently left unchecked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import polars as pl

from workbench.datev.xsd_patterns import UnsupportedSchema, rust_regex
from workbench.resources import resource_path

__all__ = [
    "BUILTINS",
    "FACETS",
    "SimpleType",
    "UnsupportedSchema",
    "attribute_type",
    "proven_valid",
    "record_elements",
]

XSD = "http://www.w3.org/2001/XMLSchema"
_X = f"{{{XSD}}}"
LEDGER_SCHEMA = "Belegverwaltung_online_ledger_import_v060.xsd"
DOCUMENT_SCHEMA = "Document_v060.xsd"
#: Built-in integer types and their value range (XML Schema Part 2, §3.3).
_INTEGERS: dict[str, tuple[int | None, int | None]] = {
    "integer": (None, None), "long": (-(2**63), 2**63 - 1), "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1), "byte": (-128, 127), "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None), "unsignedLong": (0, 2**64 - 1), "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255),
}  # fmt: skip
BUILTINS = frozenset({"string", "decimal", "date", "boolean", *_INTEGERS})
FACETS = frozenset({"pattern", "enumeration", "length", "minLength", "maxLength", "totalDigits",
                     "fractionDigits", "minInclusive", "maxInclusive", "minExclusive",
                     "maxExclusive"})  # fmt: skip
_BOUNDS = ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive")
#: Characters after which the text may not be the value (XML line-end and whitespace
#: normalisation) or not be XML at all; such a value is doubtful, libxml2 decides.
_DOUBTFUL_CHARS = r"[\x00-\x1f\x{FFFE}\x{FFFF}]"
_MAX_EXACT_DIGITS = 18  # scaled values up to this many digits compare exactly as Int64


@dataclass(frozen=True)
class SimpleType:
    """A simple type: its built-in base and the facets of each restriction step (all steps
    must hold; within one step, patterns and enumerations are alternatives), or a union."""

    name: str
    base: str = ""
    steps: tuple[tuple[tuple[str, str], ...], ...] = ()
    members: tuple[SimpleType, ...] = ()

    @property
    def facets(self) -> list[tuple[str, str]]:
        """Every facet, with the union members' ones (for reports and tests)."""
        own = [facet for step in self.steps for facet in step]
        return own + [facet for member in self.members for facet in member.facets]


class _Schema:
    """One XSD file with the files it imports: named simple and complex types by QName."""

    def __init__(self, path: Path) -> None:
        self.simple: dict[tuple[str, str], ElementTree.Element] = {}
        self.complex: dict[tuple[str, str], ElementTree.Element] = {}
        self.prefixes: dict[ElementTree.Element, dict[str, str]] = {}  # QNames resolve per file
        self.root = self._load(path)

    def _load(self, path: Path) -> ElementTree.Element:
        prefixes: dict[str, str] = {}
        root: ElementTree.Element | None = None
        for event, item in ElementTree.iterparse(path, events=("start-ns", "start")):
            if event == "start-ns":
                prefix, uri = item
                prefixes[prefix] = uri
            elif root is None:
                root = item
        assert root is not None
        target = root.get("targetNamespace", "")
        # A constraint across elements (unique values, keys) is not a per-record check.
        if any(e.tag in (f"{_X}unique", f"{_X}key", f"{_X}keyref") for e in root.iter()):
            raise UnsupportedSchema(f"identity constraints in {path.name}")
        for child in root:
            if child.tag in (f"{_X}simpleType", f"{_X}complexType") and child.get("name"):
                table = self.simple if child.tag == f"{_X}simpleType" else self.complex
                table[(target, child.get("name", ""))] = child
            elif child.tag == f"{_X}import":
                self._load(path.parent / child.get("schemaLocation", ""))
            elif child.tag in (f"{_X}include", f"{_X}redefine", f"{_X}override"):
                raise UnsupportedSchema(f"{child.tag} in {path.name}")
        self.prefixes.update(dict.fromkeys(root.iter(), prefixes))
        return root

    def qname(self, element: ElementTree.Element, value: str) -> tuple[str, str]:
        prefix, _, local = value.rpartition(":")
        return self.prefixes[element].get(prefix, ""), local


def _simple_type(schema: _Schema, node: ElementTree.Element, name: str) -> SimpleType:
    """The simple type that ``node`` (an ``xsd:simpleType``) defines."""
    children = [c for c in node if c.tag != f"{_X}annotation"]
    if len(children) != 1:
        raise UnsupportedSchema(f"simpleType {name}: expected one restriction or union")
    (kind,) = children
    if kind.tag == f"{_X}union":
        members = [_resolve(schema, kind, m) for m in kind.get("memberTypes", "").split()]
        members += [_simple_type(schema, c, name) for c in kind if c.tag == f"{_X}simpleType"]
        return SimpleType(name, members=tuple(members))
    if kind.tag != f"{_X}restriction":
        raise UnsupportedSchema(f"simpleType {name}: {kind.tag} is not supported")
    inner = [c for c in kind if c.tag == f"{_X}simpleType"]
    base = (
        _simple_type(schema, inner[0], name)
        if inner
        else _resolve(schema, kind, kind.get("base", ""))
    )
    facets = []
    for facet in kind:
        local = facet.tag.removeprefix(_X)
        if local in ("annotation", "simpleType"):
            continue
        if local not in FACETS:
            raise UnsupportedSchema(f"simpleType {name}: facet {local} is not supported")
        facets.append((local, facet.get("value", "")))
    if base.members:
        if facets:
            raise UnsupportedSchema(f"simpleType {name}: facets on a union are not supported")
        return SimpleType(name, members=base.members)
    return SimpleType(name, base.base, (*base.steps, tuple(facets)))


def _resolve(schema: _Schema, element: ElementTree.Element, reference: str) -> SimpleType:
    namespace, local = schema.qname(element, reference)
    if namespace == XSD:
        if local not in BUILTINS:
            raise UnsupportedSchema(f"built-in type xsd:{local} is not supported")
        return SimpleType(local, local)
    if (namespace, local) not in schema.simple:
        raise UnsupportedSchema(f"type {reference} is not a simple type of the schema")
    return _simple_type(schema, schema.simple[(namespace, local)], local)


def _sequence(
    schema: _Schema, node: ElementTree.Element
) -> list[tuple[str, SimpleType, str | None]]:
    """The elements of a complex type's content (its base type's first), each with its simple
    type and ``fixed`` value; raises for anything that is not such a plain sequence."""
    elements: list[tuple[str, SimpleType, str | None]] = []
    for child in node:
        local = child.tag.removeprefix(_X)
        if local == "annotation":
            continue
        if local == "complexContent":
            (extension,) = [c for c in child if c.tag != f"{_X}annotation"]
            if extension.tag != f"{_X}extension":
                raise UnsupportedSchema(f"complexContent/{extension.tag} is not supported")
            base = schema.qname(extension, extension.get("base", ""))
            elements += _sequence(schema, schema.complex[base])
            elements += _sequence(schema, extension)
        elif local == "sequence":
            for item in child:
                if item.tag == f"{_X}annotation":
                    continue
                if item.tag != f"{_X}element" or item.get("ref") or not item.get("type"):
                    raise UnsupportedSchema(f"sequence item {item.tag} is not a typed element")
                if any(c.tag != f"{_X}annotation" for c in item) or item.get("nillable"):
                    raise UnsupportedSchema(f"element {item.get('name')}: constraints")
                if item.get("maxOccurs", "1") != "1":
                    raise UnsupportedSchema(f"element {item.get('name')} repeats")
                simple = _resolve(schema, item, item.get("type", ""))
                elements.append((item.get("name", ""), simple, item.get("fixed")))
        else:  # attributes, choices, groups, wildcards, mixed content...
            raise UnsupportedSchema(f"complexType content {local} is not supported")
    if node.get("mixed") == "true":
        raise UnsupportedSchema("mixed content is not supported")
    return elements


@functools.cache
def record_elements(xsd: Path | None = None) -> dict[str, dict[str, tuple[SimpleType, str | None]]]:
    """Per ledger kind: element name → (simple type, fixed value), from the LedgerImport XSD
    (the shipped one unless ``xsd`` names another file)."""
    schema = _Schema(xsd or resource_path("xsd", LEDGER_SCHEMA))
    target = schema.root.get("targetNamespace", "")
    kinds = ("accountsPayableLedger", "accountsReceivableLedger", "cashLedger")
    return {
        kind: {
            name: (simple, fixed)
            for name, simple, fixed in _sequence(schema, schema.complex[(target, kind)])
        }
        for kind in kinds
    }


@functools.cache
def attribute_type(complex_type: str, attribute: str, xsd: Path | None = None) -> SimpleType:
    """The simple type of ``attribute`` on ``complex_type`` of the document.xml XSD (declared
    on the type or on its complexContent extension; the shipped XSD unless ``xsd``)."""
    schema = _Schema(xsd or resource_path("xsd", DOCUMENT_SCHEMA))
    node = schema.complex[(schema.root.get("targetNamespace", ""), complex_type)]
    declared = node.findall(f"{_X}attribute")
    declared += node.findall(f"{_X}complexContent/{_X}extension/{_X}attribute")
    for item in declared:
        if item.get("name") == attribute and item.get("type") and not item.get("fixed"):
            return _resolve(schema, item, item.get("type", ""))
    raise UnsupportedSchema(f"attribute {attribute} of {complex_type}")


def proven_valid(
    texts: pl.DataFrame, declared: Mapping[str, tuple[SimpleType, str | None]]
) -> pl.Series:
    """Per row of ``texts`` (one column per element, null: no element): True if every text is
    certainly valid for its element's type and ``fixed`` value; False if one is invalid or
    doubtful. ``declared``: the element types, as :func:`record_elements` returns them."""
    digits = {name: _Digits(name) for name in texts.columns}
    checks = [
        pl.col(name).is_null() | _valid_text(pl.col(name), *declared[name], digits[name])
        for name in texts.columns
    ]
    # The digits every numeric facet reads are computed once per column, in two steps.
    split = [expr for d in digits.values() for expr in d.split.values()]
    derived = [expr for d in digits.values() for expr in d.derived.values()]
    verdict = texts.with_columns(split).with_columns(derived).select(pl.all_horizontal(checks))
    return verdict.to_series().fill_null(False).alias("valid")


class _Digits:
    """The digits of a decimal text column, as columns shared by all its numeric facets."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.split: dict[str, pl.Expr] = {}
        self.derived: dict[str, pl.Expr] = {}

    def _column(self, table: dict[str, pl.Expr], key: str, expr: pl.Expr) -> pl.Expr:
        alias = f"{self.name}\x00{key}"
        table.setdefault(alias, expr.alias(alias))
        return pl.col(alias)

    def _parts(self) -> tuple[pl.Expr, pl.Expr]:
        """Integer digits without leading zeros, fraction digits without trailing zeros."""
        body = pl.col(self.name).str.strip_chars_start("+-")
        whole = body.str.extract(r"^([0-9]*)", 1).str.strip_chars_start("0")
        fraction = body.str.extract(r"\.([0-9]*)$", 1).fill_null("").str.strip_chars_end("0")
        return self._column(self.split, "whole", whole), self._column(
            self.split, "fraction", fraction
        )

    def lengths(self) -> tuple[pl.Expr, pl.Expr]:
        whole, fraction = self._parts()
        return (
            self._column(self.derived, "whole_len", whole.str.len_chars()),
            self._column(self.derived, "fraction_len", fraction.str.len_chars()),
        )

    def scaled(self, scale: int) -> pl.Expr:
        """The value times 10**scale as Int64 (exact while the lengths allow it)."""
        whole, fraction = self._parts()
        magnitude = pl.concat_str(pl.lit("0"), whole).cast(pl.Int64, strict=False) * 10**scale
        if scale:
            magnitude = magnitude + fraction.str.pad_end(scale, "0").cast(pl.Int64, strict=False)
        negative = pl.col(self.name).str.starts_with("-")
        value = pl.when(negative).then(-magnitude).otherwise(magnitude)
        return self._column(self.derived, f"scaled{scale}", value)


def _valid_text(text: pl.Expr, simple: SimpleType, fixed: str | None, digits: _Digits) -> pl.Expr:
    ok = ~text.str.contains(_DOUBTFUL_CHARS) & _valid(text, simple, digits)
    if fixed is not None:
        if simple.members or simple.base != "string":
            raise UnsupportedSchema(f"type {simple.name}: fixed values of non-strings")
        ok = ok & (text == fixed)
    return ok


def _valid(text: pl.Expr, simple: SimpleType, digits: _Digits) -> pl.Expr:
    if simple.members:
        return pl.any_horizontal([_valid(text, member, digits) for member in simple.members])
    base = simple.base
    if base == "string":
        ok = pl.lit(True)
    elif base == "boolean":
        ok = text.is_in(["true", "false", "1", "0"])
    elif base == "date":  # years before 1000 or a timezone: doubtful
        shape = text.str.contains(r"^[1-9][0-9]{3}-[0-9]{2}-[0-9]{2}$")
        ok = shape & text.str.to_date("%Y-%m-%d", strict=False).is_not_null()
    elif base == "decimal":
        ok = text.str.contains(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$")
    else:  # an integer type
        ok = text.str.contains(r"^[+-]?[0-9]+$")
    for step in simple.steps:
        ok = ok & _step(text, base, step, digits)
    if base in _INTEGERS:
        low, high = _INTEGERS[base]
        builtin = [("minInclusive", str(low))] if low is not None else []
        builtin += [("maxInclusive", str(high))] if high is not None else []
        ok = ok & _numeric(digits, builtin)
    return ok


def _step(
    text: pl.Expr, base: str, facets: tuple[tuple[str, str], ...], digits: _Digits
) -> pl.Expr:
    """One restriction step: its patterns (any), enumerations (any) and other facets (all)."""
    ok = pl.lit(True)
    patterns = [value for name, value in facets if name == "pattern"]
    if patterns:
        ok = ok & pl.any_horizontal([text.str.contains(rust_regex(p)) for p in patterns])
    values = [value for name, value in facets if name == "enumeration"]
    lengths = [(name, int(value)) for name, value in facets if name.endswith("ength")]
    numeric = [(name, value) for name, value in facets if name.endswith(("Digits", "clusive"))]
    if (values or lengths) and base != "string":
        raise UnsupportedSchema(f"enumeration or length on xsd:{base}")
    if values:
        ok = ok & text.is_in(values)
    for name, limit in lengths:
        size = text.str.len_chars()
        ok = ok & {"length": size == limit, "minLength": size >= limit,
                   "maxLength": size <= limit}[name]  # fmt: skip
    if numeric and base == "date":
        ok = ok & _date_bounds(text, numeric)
    elif numeric:
        if base not in _INTEGERS and base != "decimal":
            raise UnsupportedSchema(f"numeric facets on xsd:{base}")
        ok = ok & _numeric(digits, numeric)
    return ok


def _date_bounds(text: pl.Expr, facets: list[tuple[str, str]]) -> pl.Expr:
    value = text.str.to_date("%Y-%m-%d", strict=False)
    ok = pl.lit(True)
    for name, bound in facets:
        if name not in _BOUNDS or len(bound) != 10:  # a zone or an odd year: not handled
            raise UnsupportedSchema(f"date facet {name}={bound}")
        ok = ok & _compare(value, name, pl.lit(date.fromisoformat(bound)))
    return ok


def _compare(value: pl.Expr, facet: str, bound: pl.Expr) -> pl.Expr:
    return {"minInclusive": value >= bound, "maxInclusive": value <= bound,
            "minExclusive": value > bound, "maxExclusive": value < bound}[facet]  # fmt: skip


def _numeric(digits: _Digits, facets: list[tuple[str, str]]) -> pl.Expr:
    """totalDigits, fractionDigits and bounds of a decimal text (lexically checked before),
    computed exactly on its digits: bounds compare as Int64 scaled by 10**scale."""
    whole, fraction = digits.lengths()
    ok = pl.lit(True)
    limits = {name: int(value) for name, value in facets if name.endswith("Digits")}
    if "totalDigits" in limits:
        ok = ok & (whole + fraction <= limits["totalDigits"])
    if "fractionDigits" in limits:
        ok = ok & (fraction <= limits["fractionDigits"])
    bounds = [(name, Decimal(value)) for name, value in facets if name in _BOUNDS]
    if not bounds:
        return ok
    decimals = [-min(0, int(bound.as_tuple().exponent)) for _, bound in bounds]
    scale = max([limits.get("fractionDigits", 0), *decimals])
    # Beyond 18 digits or ``scale`` decimals the value is doubtful (no DATEV type comes near).
    ok = ok & (whole + scale <= _MAX_EXACT_DIGITS) & (fraction <= scale)
    value = digits.scaled(scale)
    for name, bound in bounds:
        scaled = int(bound.scaleb(scale))
        if abs(scaled) < 10**_MAX_EXACT_DIGITS:
            ok = ok & _compare(value, name, pl.lit(scaled, dtype=pl.Int64))
        elif (scaled > 0) != name.startswith("max"):  # a huge bound no checked value reaches
            raise UnsupportedSchema(f"bound {name}={bound}")
    return ok
