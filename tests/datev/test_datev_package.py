"""XML packages: grouping, limits, Belegbilder, manifest, XSD validity, golden package."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

import workbench.datev.package as package_module
from workbench.datev.document_xml import read_document_xml
from workbench.datev.filenames import UniqueNames, safe_filename
from workbench.datev.ledger_xml import read_ledger_xml
from workbench.datev.package import build_packages
from workbench.datev.xsd import validate_xml
from workbench.errors import DatevFormatError

CREATED = datetime(2024, 2, 1, 8, 0, 0)


def items(pdf: Path) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "document_id": ["RE-1", "RE-1", "RE-2", "AR-1", "K-1", "K-2", "RE-1"],
            "document_kind": [
                "Rechnungseingang",
                "Rechnungseingang",
                "Rechnungseingang",
                "Rechnungsausgang",
                "Kasse",
                "Kasse",
                "Rechnungseingang",
            ],
            "date": [
                date(2024, 1, 10),
                date(2024, 1, 10),
                date(2024, 1, 12),
                date(2024, 1, 15),
                date(2024, 1, 20),
                date(2024, 1, 3),
                date(2024, 2, 1),
            ],
            "accounting_month": [
                "2024-01",
                "2024-01",
                "2024-01",
                "2024-01",
                "2024-01",
                "2024-01",
                "2024-02",
            ],
            "amount": [119.0, -19.0, 50.0, 1190.0, -20.0, 100.0, 10.0],
            "accountNo": [4930, 4930, 4940, 8400, 4650, 1360, 4930],
            "tax": [19.0, 19.0, 7.0, 19.0, 19.0, None, 19.0],
            "currencyCode": ["EUR"] * 7,
            "invoiceId": ["ER-2024/1", "ER-2024/1", "ER2", "AR-1", None, None, "ER-2024/1"],
            "bookingText": [
                "Büro & Co <Papier>",
                "Rabatt",
                "Porto",
                "Beratung",
                "Bewirtung",
                "Einlage",
                "Nachtrag",
            ],
            "supplierName": [
                "Papier & Co GmbH",
                "Papier & Co GmbH",
                "Post",
                None,
                None,
                None,
                "Papier & Co GmbH",
            ],
            "customerName": [None, None, None, "Kunde AG", None, None, None],
            "attachment": [str(pdf), str(pdf), None, str(pdf), None, None, str(pdf)],
        }
    )


@pytest.fixture
def pdf(samples, tmp_path) -> Path:
    target = tmp_path / "src" / "Rechnung #1 Müller.pdf"
    target.parent.mkdir()
    target.write_bytes((samples / "small.pdf").read_bytes())
    return target


def test_packages_per_client_month_and_kind(tmp_path, pdf):
    result = build_packages(
        items(pdf), out_dir=tmp_path / "out", client="455148-1", created_at=CREATED
    )
    assert [
        (p.name, p.ledger, p.documents, p.records, p.max_files_reached) for p in result.packages
    ] == [
        ("455148-1_2024-01_Kasse_001", "cashLedger", 2, 2, False),
        ("455148-1_2024-01_Rechnungsausgang_001", "accountsReceivableLedger", 1, 1, False),
        ("455148-1_2024-01_Rechnungseingang_001", "accountsPayableLedger", 2, 3, False),
        ("455148-1_2024-02_Rechnungseingang_001", "accountsPayableLedger", 1, 1, False),
    ]
    for package in result.packages:
        names = sorted(p.name for p in package.path.iterdir())
        assert names == sorted([*package.files, "document.xml"])
        assert validate_xml(package.path / "document.xml", "document") == []
        for name in package.files:
            if name.endswith(".xml"):
                assert validate_xml(package.path / name, "ledger") == []


def test_document_xml_links_ledger_files_and_belegbilder(tmp_path, pdf):
    result = build_packages(items(pdf), out_dir=tmp_path, client="455148-1", created_at=CREATED)
    january = result.packages[2]
    archive = read_document_xml(january.path / "document.xml")
    assert (archive.consultant_number, archive.client_number, archive.created_at) == (
        455148,
        1,
        CREATED,
    )
    first = archive.documents[0].extensions
    assert [(e.type, e.file) for e in first] == [
        ("accountsPayableLedger", "RE-1.xml"),
        ("File", "Rechnung _1 Müller.pdf"),
    ]
    assert first[0].properties == [("1", "2024-01"), ("3", "Eingangsrechnungen")]
    assert (january.path / "Rechnung _1 Müller.pdf").read_bytes() == pdf.read_bytes()
    # The Belegbild travels only with the first package of the document (JustOn).
    february = read_document_xml(result.packages[3].path / "document.xml")
    assert [e.type for e in february.documents[0].extensions] == ["accountsPayableLedger"]
    ledger = read_ledger_xml(january.path / "RE-1.xml")
    assert ledger.consolidate["consolidatedAmount"] == "100.00"
    assert ledger.records["bookingText"].to_list() == ["Büro & Co <Papier>", "Rabatt"]


def test_cash_documents_are_in_date_order(tmp_path, pdf):
    result = build_packages(items(pdf), out_dir=tmp_path, client="455148-1", created_at=CREATED)
    archive = read_document_xml(result.packages[0].path / "document.xml")
    assert [d.extensions[0].file for d in archive.documents] == ["K-2.xml", "K-1.xml"]
    assert archive.documents[0].extensions[0].properties == [("1", "2024-01"), ("3", "Kasse")]


def test_manifest_maps_every_row(tmp_path, pdf):
    result = build_packages(items(pdf), out_dir=tmp_path, client="455148-1", created_at=CREATED)
    assert result.manifest.columns == [
        "row",
        "document_id",
        "package",
        "datafile",
        "consolidate",
        "record",
    ]
    assert result.manifest["row"].to_list() == list(range(7))
    assert result.manifest.row(1) == (
        1,
        "RE-1",
        "455148-1_2024-01_Rechnungseingang_001",
        "RE-1.xml",
        0,
        1,
    )
    assert result.manifest.row(6) == (
        6,
        "RE-1",
        "455148-1_2024-02_Rechnungseingang_001",
        "RE-1.xml",
        0,
        0,
    )


def test_max_files_moves_whole_documents_to_the_next_package(tmp_path, pdf):
    frame = items(pdf).filter(
        pl.col("document_kind") == "Rechnungseingang", pl.col("accounting_month") == "2024-01"
    )
    frame = pl.concat(
        [
            frame,
            frame.filter(pl.col("document_id") == "RE-1").with_columns(
                pl.lit("RE-9").alias("document_id")
            ),
        ]
    )
    result = build_packages(
        frame, out_dir=tmp_path, client="455148-1", created_at=CREATED, max_files=3
    )
    # Date order RE-1, RE-9 (10.01.), RE-2 (12.01.): RE-1 (xml + pdf) plus RE-9 (xml + pdf) would
    # need 4 files, so RE-9 starts package 2 and RE-2 (xml only) joins it.
    assert [(p.documents, len(p.files), p.max_files_reached) for p in result.packages] == [
        (1, 2, True),
        (2, 3, False),
    ]
    assert result.packages[1].name.endswith("_002")
    assert sum(p.records for p in result.packages) == frame.height


def test_max_documents_per_package(tmp_path, monkeypatch):
    monkeypatch.setattr(package_module, "MAX_DOCUMENTS", 2)
    frame = pl.DataFrame(
        {
            "document_id": ["A", "B", "C"],
            "document_kind": ["Rechnungsausgang"] * 3,
            "date": [date(2024, 3, 1)] * 3,
            "amount": [1.0, 2.0, 3.0],
            "currencyCode": ["EUR"] * 3,
            "invoiceId": ["A", "B", "C"],
        }
    )
    result = build_packages(frame, out_dir=tmp_path, client="455148-1", created_at=CREATED)
    assert [p.documents for p in result.packages] == [2, 1]
    assert result.packages[0].max_files_reached


def test_client_column_splits_packages(tmp_path, pdf):
    frame = items(pdf).with_columns(
        pl.when(pl.col("document_id") == "AR-1")
        .then(pl.lit("29098-55003"))
        .otherwise(pl.lit("455148-1"))
        .alias("client")
    )
    result = build_packages(frame, out_dir=tmp_path, created_at=CREATED)
    assert {p.client for p in result.packages} == {"29098-55003", "455148-1"}


@pytest.mark.parametrize(
    ("column", "bad", "match"),
    [
        ("bookingText", "x" * 61, r"Element 'bookingText' in Belegposition 3 \(Index 2\)"),
        ("invoiceId", "ER_2", r"Element 'invoiceId' in Belegposition 3"),
        ("amount", 0.0, r"Element 'amount' in Belegposition 3.*darf nicht 0 sein"),
        ("document_kind", "Gutschrift", r"Beleg-Art 'Gutschrift' ist unbekannt"),
    ],
)
def test_invalid_items_write_nothing(tmp_path, pdf, column, bad, match):
    frame = items(pdf)
    values = frame[column].to_list()
    values[2] = bad
    frame = frame.with_columns(pl.Series(column, values))
    with pytest.raises(DatevFormatError, match=match):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    assert not (tmp_path / "out").exists()


def test_document_level_problems_write_nothing(tmp_path, pdf):
    frame = items(pdf).with_columns(
        pl.Series("invoiceId", ["ER-2024/1", "OTHER", "ER2", "AR-1", None, None, "ER-2024/1"])
    )
    with pytest.raises(DatevFormatError, match=r"Beleg 'RE-1'.*'invoiceId'"):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    missing = items(pdf).with_columns(pl.lit(str(tmp_path / "nope.pdf")).alias("attachment"))
    with pytest.raises(DatevFormatError, match=r"Belegbild .*nope\.pdf.* fehlt"):
        build_packages(missing, out_dir=tmp_path / "out", client="455148-1")
    assert not (tmp_path / "out").exists()


def test_too_many_files_for_one_document(tmp_path, pdf):
    with pytest.raises(DatevFormatError, match="braucht 2 Dateien"):
        build_packages(items(pdf), out_dir=tmp_path, client="455148-1", max_files=1)


def test_client_is_required(tmp_path, pdf):
    with pytest.raises(DatevFormatError, match="Mandant fehlt"):
        build_packages(items(pdf), out_dir=tmp_path)


def test_package_golden_files(tmp_path, golden, pdf):
    result = build_packages(
        items(pdf),
        out_dir=tmp_path,
        client="455148-1",
        created_at=CREATED,
        generating_system="workbench",
    )
    package = result.packages[2]
    golden("package_document.xml", (package.path / "document.xml").read_bytes())
    golden("package_RE-1.xml", (package.path / "RE-1.xml").read_bytes())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Rechnung 2024-01.pdf", "Rechnung 2024-01.pdf"),
        ("Rechnung #12/ä.pdf", "Rechnung _12_ä.pdf"),
        ("Bele\u0301g (1) & Co+.PDF", "Belég (1) & Co+.PDF"),  # decomposed é is composed first
        ("Łódź €.pdf", "_ód_ _.pdf"),
        ("..", "_"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_unique_names_are_case_insensitive():
    names = UniqueNames()
    assert [names.take(n) for n in ["a.pdf", "A.pdf", "a.pdf", "a/b", "a_b"]] == [
        "a.pdf",
        "A_2.pdf",
        "a_3.pdf",
        "a_b",
        "a_b_2",
    ]


def test_xsd_check_is_a_safety_net_behind_the_field_rules(tmp_path, pdf, monkeypatch):
    from workbench.datev import ledger_xml
    from workbench.datev.fields import Text

    # Pretend a field rule were too lax: the XSD check must still stop the package.
    monkeypatch.setitem(ledger_xml.TYPES, "bookingText", Text(100, quoted=False))
    frame = items(pdf).with_columns(
        pl.Series("bookingText", ["ok", "ok", "x" * 61, "ok", "ok", "ok", "ok"])
    )
    with pytest.raises(
        DatevFormatError, match=r"Belegposition 3 \(Index 2\) verletzt das DATEV-Schema"
    ):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    assert not (tmp_path / "out").exists()
    result = build_packages(
        frame, out_dir=tmp_path / "unchecked", client="455148-1", validate=False
    )
    assert validate_xml(result.packages[2].path / "RE-2.xml", "ledger")  # DATEV would reject it


def test_timings_are_reported(tmp_path, pdf):
    result = build_packages(items(pdf), out_dir=tmp_path, client="455148-1")
    assert set(result.timings) == {"check", "plan", "write"}


def test_date_must_lie_in_the_accounting_month(tmp_path, pdf):
    frame = items(pdf).with_columns(pl.Series("accounting_month", ["2024-01"] * 6 + ["2024-03"]))
    with pytest.raises(
        DatevFormatError,
        match=r"Belegposition 7 \(Index 6\): Datum 2024-02-01 liegt nicht im Buchungsmonat 2024-03",
    ):
        build_packages(frame, out_dir=tmp_path, client="455148-1")


def test_account_length_check(tmp_path, pdf):
    frame = items(pdf).with_columns(
        pl.Series("accountNo", [4930, 4930, 123456, 8400, 4650, 1360, 4930])
    )
    build_packages(
        frame, out_dir=tmp_path / "a", client="455148-1"
    )  # no Sachkontenlänge given: XSD only
    with pytest.raises(
        DatevFormatError,
        match=r"'accountNo' in Belegposition 3.*mehr als 5 Stellen \(Sachkontenlänge 4",
    ):
        build_packages(frame, out_dir=tmp_path / "b", client="455148-1", account_length=4)


def test_generator_attributes_are_limited(tmp_path, pdf):
    with pytest.raises(DatevFormatError, match="generator_info"):
        build_packages(items(pdf), out_dir=tmp_path, client="455148-1", generator_info="g" * 41)


def test_empty_input_gives_no_packages(tmp_path, pdf):
    result = build_packages(items(pdf).head(0), out_dir=tmp_path / "out", client="455148-1")
    assert result.packages == [] and result.manifest.height == 0
    assert result.manifest.columns == [
        "row",
        "document_id",
        "package",
        "datafile",
        "consolidate",
        "record",
    ]


def test_folder_names_are_limited(tmp_path, pdf):
    with pytest.raises(DatevFormatError, match="Ordner/Kassenbuch"):
        build_packages(items(pdf), out_dir=tmp_path, client="455148-1", folders={"Kasse": "K" * 41})
    result = build_packages(
        items(pdf), out_dir=tmp_path, client="455148-1", folders={"Kasse": "Hauptkasse"}
    )
    assert read_document_xml(result.packages[0].path / "document.xml").documents[0].extensions[
        0
    ].properties[1] == ("3", "Hauptkasse")


def test_safe_filenames_vectorised_equals_scalar():
    from workbench.datev.filenames import safe_filenames

    names = [
        "Rechnung 2024-01.pdf",
        "Rechnung #12/ä.pdf",
        "Bele\u0301g (1) & Co+.PDF",
        "Łódź €.pdf",
        "..",
        "a" * 300 + ".pdf",
        " x ",
    ]
    assert safe_filenames(pl.Series(names)).to_list() == [safe_filename(n) for n in names]
