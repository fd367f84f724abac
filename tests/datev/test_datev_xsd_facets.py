"""The vectorised XSD check of records (``xsd_facets``, ``package_checks.records_proven_valid``).

The package writer proves records valid by checking every element text against the facets of
DATEV's XSD and one record per shape with libxml2; only what it cannot prove goes to libxml2
batch by batch. These tests derive the facets from the official XSDs in ``../shared/datev/xsd``
and fail when one is not covered; compare the check with libxml2 on edge values (it must never
pass what libxml2 rejects); and show that broken packages are still rejected with the error
the libxml2 path names.
"""

from __future__ import annotations

import random
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import polars as pl
import pytest
from lxml import etree

import workbench.datev.package as package_module
from workbench.datev import ledger_xml, limits, package_checks, xsd_facets
from workbench.datev.fields import Text
from workbench.datev.package import build_packages
from workbench.datev.xsd import _lxml_schema
from workbench.datev.xsd_facets import UnsupportedSchema, proven_valid, record_elements
from workbench.datev.xsd_patterns import rust_regex
from workbench.errors import DatevFormatError

X = "{http://www.w3.org/2001/XMLSchema}"
LEDGER_XSD = "Belegverwaltung_online_ledger_import_v060.xsd"
TYPES_XSD = "Belegverwaltung_online_ledger_types_v060.xsd"
LEDGERS = ("accountsPayableLedger", "accountsReceivableLedger", "cashLedger")


def _facets_in_xsd(types: dict[str, ElementTree.Element], name: str) -> Counter:
    """Every facet (tag, value) that type ``name`` of the types XSD has, following restriction
    bases, anonymous types and union members: read with plain ElementTree, not xsd_facets."""
    found: Counter = Counter()
    stack = [types[name]]
    while stack:
        node = stack.pop()
        for child in node.iter():
            local = child.tag.removeprefix(X)
            if child.tag.startswith(X) and child.get("value") is not None:
                found[(local, child.get("value"))] += 1
            for reference in [child.get("base", ""), *child.get("memberTypes", "").split()]:
                if reference.startswith("de:"):
                    stack.append(types[reference.removeprefix("de:")])
    return found


def test_every_facet_of_datevs_xsd_is_checked(shared_datev):
    folder = shared_datev("xsd")
    derived = record_elements(folder / LEDGER_XSD)
    types = {t.get("name"): t for t in ElementTree.parse(folder / TYPES_XSD).getroot()}
    ledger_root = ElementTree.parse(folder / LEDGER_XSD).getroot()
    for ledger in LEDGERS:
        declared = {
            e.get("name"): e
            for t in ledger_root.iter(f"{X}complexType")
            if t.get("name") in (ledger, "base", "base1" if ledger != "cashLedger" else "")
            for e in t.iter(f"{X}element")
        }
        assert set(derived[ledger]) == set(declared) == set(ledger_xml.ELEMENT_ORDER[ledger])
        for name, (simple, fixed) in derived[ledger].items():
            element = declared[name]
            assert fixed == element.get("fixed"), (ledger, name)
            expected = _facets_in_xsd(types, element.get("type").removeprefix("de:"))
            assert Counter(simple.facets) == expected, (ledger, name)


def test_every_facet_kind_and_base_type_of_datevs_xsd_is_one_the_check_implements(shared_datev):
    folder = shared_datev("xsd")
    kinds = {e.tag.removeprefix(X) for e in ElementTree.parse(folder / TYPES_XSD).iter()}
    facets = kinds - {"schema", "simpleType", "restriction", "union", "annotation", "documentation"}
    assert facets <= xsd_facets.FACETS
    bases = {
        e.get("base", "").removeprefix("xsd:")
        for e in ElementTree.parse(folder / TYPES_XSD).iter(f"{X}restriction")
        if e.get("base", "").startswith("xsd:")
    }
    assert bases <= xsd_facets.BUILTINS


def _copy_xsds(shared_datev, tmp_path, change: tuple[str, str, str]):
    folder = shared_datev("xsd")
    for name in (LEDGER_XSD, TYPES_XSD):
        shutil.copy(folder / name, tmp_path / name)
    file, old, new = change
    text = (tmp_path / file).read_text(encoding="utf-8")
    assert old in text
    (tmp_path / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    return tmp_path / LEDGER_XSD


P30 = '<xsd:simpleType name="p30">\n\t\t<xsd:restriction base="xsd:string">'
CHANGES = {
    "whiteSpace facet": (TYPES_XSD, '<xsd:maxLength value="120" />',
                         '<xsd:maxLength value="120" /><xsd:whiteSpace value="collapse" />'),
    "unknown escape": (TYPES_XSD, r'<xsd:pattern value="([1-9]|[0-9]{2,10})" />',
                       r'<xsd:pattern value="\p{L}+" />'),
    "class subtraction": (TYPES_XSD, r"[a-zA-Z0-9$%&amp;\*\+\-/]{0,36}",
                          r"[a-z-[aeiou]]{0,36}"),
    "float base": (TYPES_XSD, '<xsd:restriction base="xsd:decimal">',
                   '<xsd:restriction base="xsd:float">'),
    "attribute on a record": (LEDGER_XSD, '<xsd:complexType name="base">\n\t\t<xsd:sequence>',
                              '<xsd:complexType name="base">\n\t\t<xsd:attribute name="x"/>'
                              "<xsd:sequence>"),
    "identity constraint": (LEDGER_XSD, '<xsd:element name="consolidate">',
                            '<xsd:element name="consolidate"><xsd:unique name="u">'
                            '<xsd:selector xpath="*"/><xsd:field xpath="@x"/></xsd:unique>'),
    "repeated element": (LEDGER_XSD, 'type="de:p30" minOccurs="0" maxOccurs="1"',
                         'type="de:p30" minOccurs="0" maxOccurs="2"'),
}  # fmt: skip


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_construct_the_check_does_not_implement_is_refused(shared_datev, tmp_path, change):
    xsd = _copy_xsds(shared_datev, tmp_path, change)
    with pytest.raises(UnsupportedSchema):
        elements = record_elements(xsd)
        for declared in elements.values():  # some constructs are refused when checking
            proven_valid(pl.DataFrame({n: ["1"] for n in declared}), declared)


@pytest.mark.parametrize(
    ("pattern", "accepted", "rejected"),
    [
        ("6.0", ["6.0", "6x0"], ["6\n0", "60", "6.00"]),
        ("[^:Z]*", ["2024-01-31", ""], ["2024-01-31Z", "10:00"]),
        (r"([\S][\S ]{0,2}[\S]|[\S]{0,1})", ["a", "a b", "ab"], [" a", "a ", "a\tb"]),
        (r"[a-z$%&amp;\*\+\-/]{1,3}", ["$-/", "&*+"], ["A", ".", "abcd", ""]),
        ("^a$", ["^a$"], ["a"]),  # ^ and $ are ordinary characters in XSD
        (r"[\+\-]?([1-9]\d{0,1}|0)(\.\d{2})", ["-0.50", "99.99"], ["100.00", "1.5", "\u0661.00"]),
    ],
)
def test_xsd_patterns_as_rust_regexes(pattern, accepted, rejected):
    pattern = pattern.replace("&amp;", "&")
    frame = pl.DataFrame({"t": accepted + rejected})
    matches = frame.select(pl.col("t").str.contains(rust_regex(pattern))).to_series().to_list()
    assert matches == [True] * len(accepted) + [False] * len(rejected)


BASE_RECORD = {"date": "2024-01-31", "amount": "1.00", "currencyCode": "EUR",
               "invoiceId": "RE-1", "bookingText": "Text"}  # fmt: skip
EDGE_TEXTS = [
    "", " ", "0", "-0", "+0", "1", "01", "8", "9", "10", "999", "1000", "9999", "10000", "65536",
    "999999999", "1000000000", "4294967296", "-1", "0.00", "0.01", "-0.01", "1.5", "1.50",
    "1.505", "99.99", "100.00", "-99.99", "9999999999.99", "10000000000.00", "-9999999999.99",
    "999999999999.9999", "1000000000000.0000", "99999999.99", "100000000.00", "0.0001",
    "0.00001", "1e3", ".5", "5.", "1,5", "+1.00", "00000000001.00", "0.000001", "9999.999999",
    "10000.000000", "2024-01-31", "2024-02-30", "2024-02-29", "2023-02-29", "1752-12-31",
    "1753-01-01", "9999-12-31", "0001-01-01", "2024-01-31Z", "2024-01-31+01:00", "2024-1-31",
    "true", "false", "TRUE", "EUR", "eur", "XXX", "USD", "DE", "de", "XX", "RE-2024-001", "R_1",
    "a b", " a", "a ", "Müller & Söhne <GmbH> \"x\"", "\u0661\u0662", "DE89370400440532013000",
    "COBADEFFXXX", "COBADEFF", "COBADEF", "a\tb", "a\nb", "a\rb", "\u00a0x\u00a0", "\uffff", "€",
]  # fmt: skip
EDGE_TEXTS += [c * n for n in (1, 3, 9, 10, 11, 12, 13, 15, 16, 30, 31, 36, 37, 40, 41, 50,
                                51, 60, 61, 120, 121) for c in ("x", "1")]  # fmt: skip


def _one_record(ledger: str, name: str, text: str) -> bytes:
    values = dict(BASE_RECORD)
    values.pop("invoiceId" if ledger == "cashLedger" else "bookingText")
    values[name] = text
    escaped = {n: v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               for n, v in values.items()}  # fmt: skip
    body = "".join(
        f"<{n}>{escaped[n]}</{n}>" for n in ledger_xml.ELEMENT_ORDER[ledger] if n in values
    )
    attrs = {"consolidatedAmount": "1.00", "consolidatedDate": "2024-01-31",
             "consolidatedCurrencyCode": "EUR"}  # fmt: skip
    return ledger_xml.ledger_document(
        f"<{ledger}>{body}</{ledger}>", attrs, generator_info="test", generating_system=None
    ).encode("utf-8")


def _libxml2_accepts(data: bytes) -> bool:
    try:
        return bool(_lxml_schema("ledger").validate(etree.fromstring(data)))
    except etree.XMLSyntaxError:
        return False


@pytest.mark.parametrize("ledger", LEDGERS)
def test_the_check_never_passes_a_text_libxml2_rejects(ledger):
    rng = random.Random(ledger)
    alphabet = "0123456789.+-eE aZ_/$%&*,:T\u00e4\u00a0<>\"'"
    proven_and_valid = 0
    for name, declared in record_elements()[ledger].items():
        texts = EDGE_TEXTS + [
            "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(60)
        ]
        verdict = proven_valid(pl.DataFrame({name: texts}), {name: declared}).to_list()
        for text, proven in zip(texts, verdict, strict=True):
            accepted = _libxml2_accepts(_one_record(ledger, name, text))
            assert accepted or not proven, (ledger, name, text)
            proven_and_valid += proven
        # The check is useful: what the writer renders for the element's base record passes.
        if name in BASE_RECORD:
            assert proven_valid(pl.DataFrame({name: [BASE_RECORD[name]]}), {name: declared})[0]
    assert proven_and_valid > 200


def payable_items(count: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "document_id": [f"RE-{i}" for i in range(count)],
            "document_kind": ["Rechnungseingang"] * count,
            "date": [date(2024, 1, 1 + i % 28) for i in range(count)],
            "amount": [10.0 + i for i in range(count)],
            "accountNo": [4930] * count,
            "tax": ["19.00"] * count,  # text, so that a lax rule can take it as it is
            "currencyCode": ["EUR"] * count,
            "invoiceId": [f"RE-{i}" for i in range(count)],
            "bookingText": [f"Büro & Co <{i}>" for i in range(count)],
            "dueDate": [date(2024, 2, 1)] * count,
            "swiftCode": ["COBADEFFXXX"] * count,
        }
    )


def _libxml2_error(frame: pl.DataFrame) -> str:
    """The error the libxml2 path names for ``frame`` (no proof attempted)."""
    rendered = package_module._rendered(frame, "455148-1", None)
    for batch in package_checks.record_batches(rendered):
        if problem := package_checks.batch_problem(batch):
            return str(problem)
    raise AssertionError("libxml2 accepts every record")


# A field rule made lax (what the XSD check guards against) and a value only the XSD rejects.
BROKEN = {
    "maxLength": ("bookingText", Text(100, quoted=False), "x" * 61),
    "pattern (invoiceId)": ("invoiceId", Text(100, quoted=False), "RE_2024"),
    "pattern (BIC)": ("swiftCode", Text(100, quoted=False), "COBADEF"),
    "maxInclusive": ("tax", Text(10, quoted=False), "100.00"),
    "fractionDigits": ("tax", Text(10, quoted=False), "19.005"),
    "minInclusive": ("accountNo", Text(12, quoted=False), "0"),
    "totalDigits": ("accountNo", Text(12, quoted=False), "1000000000"),
    "date minInclusive": ("dueDate", Text(12, quoted=False), "1700-01-01"),
    "date value": ("dueDate", Text(12, quoted=False), "2024-02-30"),
}


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
@pytest.mark.parametrize("row", [0, 5_432])
def test_a_record_only_the_xsd_rejects_stops_the_package_with_libxml2s_error(
    tmp_path, monkeypatch, case, row
):
    column, lax, bad = case
    monkeypatch.setitem(ledger_xml.TYPES, column, lax)
    frame = payable_items(6_000).with_columns(pl.col(column).cast(pl.String))
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == row)
        .then(pl.lit(bad))
        .otherwise(pl.col(column))
        .alias(column)
    )
    expected = _libxml2_error(frame)
    assert f"Belegposition {row + 1} (Index {row}) verletzt das DATEV-Schema" in expected
    with pytest.raises(DatevFormatError) as raised:
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    assert str(raised.value) == expected
    assert not (tmp_path / "out").exists()


def test_a_missing_required_element_is_found_by_the_shape_check(tmp_path, monkeypatch):
    # Every text is valid, but one record lacks invoiceId: only its shape shows the error.
    lax = {"date", "amount", "currencyCode"}
    monkeypatch.setitem(ledger_xml.REQUIRED, "accountsPayableLedger", lax)
    frame = payable_items(10).with_columns(
        pl.when(pl.int_range(pl.len()) == 7)
        .then(None)
        .otherwise(pl.col("invoiceId"))
        .alias("invoiceId")
    )
    rendered = package_module._rendered(frame, "455148-1", None)
    assert not package_checks.records_proven_valid(rendered)
    with pytest.raises(DatevFormatError, match=r"Belegposition 8 \(Index 7\) verletzt .*invoiceId"):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")


def test_valid_records_are_proven_without_checking_them_batch_by_batch(tmp_path, monkeypatch):
    def never(batch: pl.DataFrame) -> None:
        raise AssertionError("proven records need no libxml2 check batch by batch")

    monkeypatch.setattr(package_module, "batch_problem", never)
    result = build_packages(payable_items(100), out_dir=tmp_path / "out", client="455148-1")
    assert sum(p.records for p in result.packages) == 100


def test_datevs_own_records_are_proven_valid(shared_datev):
    kinds = {v: k for k, v in package_checks.DOCUMENT_KINDS.items()}
    parts = []
    for where in ("musterdaten", "samples"):
        for i, path in enumerate(sorted(shared_datev(where).rglob("*.xml"))):
            if path.name != "document.xml":
                ledger = ledger_xml.read_ledger_xml(path)
                parts.append(ledger.records.with_columns(
                    pl.lit(f"{where}{i}").alias("document_id"),
                    pl.lit(kinds[ledger.ledger]).alias("document_kind"),
                ))  # fmt: skip
    frame = pl.concat(parts, how="diagonal_relaxed")
    assert frame.height >= 30
    rendered = package_module._rendered(frame, "455148-1", None)
    assert package_checks.records_proven_valid(rendered)


def test_an_xsd_the_check_cannot_read_leaves_the_check_to_libxml2(tmp_path, monkeypatch):
    def unsupported(xsd: object = None) -> None:
        raise UnsupportedSchema("pretend DATEV added a construct")

    monkeypatch.setattr(xsd_facets, "record_elements", unsupported)
    monkeypatch.setitem(ledger_xml.TYPES, "bookingText", Text(100, quoted=False))
    frame = payable_items(3).with_columns(pl.Series("bookingText", ["ok", "x" * 61, "ok"]))
    with pytest.raises(DatevFormatError, match=r"Belegposition 2 \(Index 1\) verletzt"):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")


SYNTHETIC = {
    "decimal digits and bounds": ("decimal", [("fractionDigits", "2"), ("totalDigits", "4"),
                                              ("minInclusive", "-1.5"), ("maxExclusive", "100")]),
    "decimal exclusive": ("decimal", [("minExclusive", "0"), ("maxInclusive", "99.99")]),
    "fractionDigits": ("decimal", [("fractionDigits", "2")]),
    "totalDigits": ("decimal", [("totalDigits", "3")]),
    "unsignedShort": ("unsignedShort", []),
    "short": ("short", [("maxInclusive", "1000")]),
    "string length": ("string", [("length", "3")]),
    "enumeration": ("string", [("enumeration", "a"), ("enumeration", "bc")]),
    "date bounds": ("date", [("minExclusive", "2000-01-01"), ("maxInclusive", "2024-12-31")]),
    "boolean": ("boolean", []),
}  # fmt: skip
SYNTHETIC_TEXTS = [
    "0", "-0", "+0", "1", "-1", "-1.5", "-1.50", "-1.51", "0.5", "1.005", "99.99", "99.990",
    "100", "100.00", "999.9", "0099", "12.34", "123.4", "32767", "32768", "-32768", "-32769",
    "65535", "65536", "1000", "1001", ".5", "5.", "1e2", "abc", "a", "bc", "ab", "", "2000-01-01",
    "2000-01-02", "2024-12-31", "2025-01-01", "2024-02-29", "2023-02-29", "true", "false", "01",
]  # fmt: skip


@pytest.mark.parametrize("case", SYNTHETIC.values(), ids=SYNTHETIC.keys())
def test_each_facet_kind_agrees_with_libxml2(case):
    # Facets without a pattern beside them (DATEV's types pair most with one): each facet kind
    # on its own must give libxml2's verdict on every clean text.
    base, facets = case
    # Valid, but doubtful to the check: more decimals than its bounds, and no fractionDigits.
    doubtful = ["1.005"] if facets[:1] == [("minExclusive", "0")] else []
    restriction = "".join(f'<xs:{name} value="{value}"/>' for name, value in facets)
    schema = etree.XMLSchema(etree.fromstring(
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="v">'
        f'<xs:simpleType><xs:restriction base="xs:{base}">{restriction}</xs:restriction>'
        "</xs:simpleType></xs:element></xs:schema>"
    ))  # fmt: skip
    simple = xsd_facets.SimpleType("v", base, (tuple(facets),))
    verdict = proven_valid(pl.DataFrame({"v": SYNTHETIC_TEXTS}), {"v": (simple, None)})
    disagree = [
        text
        for text, proven in zip(SYNTHETIC_TEXTS, verdict.to_list(), strict=True)
        if proven != schema.validate(etree.fromstring(f"<v>{text}</v>"))
    ]
    assert disagree == doubtful, (base, facets)


DOCUMENT_XSD = "Document_v060.xsd"


def test_document_xml_blocks_are_independent_and_limited_as_the_xsd_says(shared_datev):
    # What checking one <document> per number of Belegbilder relies on (package._archive_problem).
    root = ElementTree.parse(shared_datev("xsd", DOCUMENT_XSD)).getroot()
    assert not [e for e in root.iter() if e.tag.removeprefix(X) in ("unique", "key", "keyref")]
    occurs = {
        (t.get("name"), e.get("name")): e.get("maxOccurs")
        for t in root.iter(f"{X}complexType")
        for e in t.iter(f"{X}element")
    }
    assert occurs[("content", "document")] == str(limits.MAX_DOCUMENTS_PER_PACKAGE)
    assert occurs[("document", "extension")] == str(limits.MAX_EXTENSIONS_PER_DOCUMENT)


@pytest.mark.parametrize(
    ("complex_type", "attribute"),
    [("File", "name"), *[(ledger, "datafile") for ledger in LEDGERS]],
)
def test_file_name_attributes_have_the_xsds_facets(shared_datev, complex_type, attribute):
    folder = shared_datev("xsd")
    simple = xsd_facets.attribute_type(complex_type, attribute, folder / DOCUMENT_XSD)
    types = {
        t.get("name"): t for t in ElementTree.parse(folder / "Document_types_v060.xsd").getroot()
    }
    assert Counter(simple.facets) == _facets_in_xsd(types, "p20")


def test_a_package_s_document_xml_is_proven_by_one_document_per_number_of_belegbilder(
    tmp_path, monkeypatch
):
    checked: list[int] = []
    real = package_module.validate_xml

    def counting(data: bytes, kind: str, **options: str) -> list[str]:
        checked.append(data.count(b"<document>"))
        return real(data, kind, **options)

    monkeypatch.setattr(package_module, "validate_xml", counting)
    pdf = tmp_path / "beleg.pdf"
    pdf.write_bytes(b"%PDF-1.4\n")
    frame = payable_items(300).with_columns(
        pl.when(pl.int_range(pl.len()) % 3 == 0).then(pl.lit(str(pdf))).alias("attachment")
    )
    result = build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    assert [p.documents for p in result.packages] == [300]
    assert checked == [2]  # one without and one with a Belegbild


@pytest.mark.parametrize("name", ["x" * 256, "", "a\tb", "Beleg\uffff.pdf"])
def test_a_file_name_the_check_cannot_prove_leaves_document_xml_to_libxml2(name):
    package = package_module.Package("p", Path("p"), "455148-1", "2024-01", "Rechnungseingang",
                                     "accountsPayableLedger", files=["RE-1.xml", name])  # fmt: skip
    assert not package_module._names_valid(package)
    package.files = ["RE-1.xml", "Rechnung 1 (Kopie) & Söhne.pdf"]
    assert package_module._names_valid(package)
