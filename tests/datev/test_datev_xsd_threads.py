"""XSD checks on threads: the package writer validates records and document.xml files beside its
planning; a package the XSD rejects is still rejected, the error named is the one the checks
one after the other would name, and each thread's messages are its own. Both engines agree on
every DATEV Musterdaten and sample file and on broken variants of them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import polars as pl
import pytest

import workbench.datev.package as package_module
from workbench.datev import ledger_xml
from workbench.datev.fields import Text
from workbench.datev.package import build_packages
from workbench.datev.xsd import validate_xml
from workbench.errors import DatevFormatError


def cash_items(count: int) -> pl.DataFrame:
    """``count`` one-item cash Belege of January 2024 (three XSD check batches at 12,000)."""
    return pl.DataFrame(
        {
            "document_id": [f"K-{i}" for i in range(count)],
            "document_kind": ["Kasse"] * count,
            "date": [date(2024, 1, 1 + i % 28) for i in range(count)],
            "amount": [10.0 + i for i in range(count)],
            "accountNo": [4650] * count,
            "currencyCode": ["EUR"] * count,
            "bookingText": [f"Bewirtung {i}" for i in range(count)],
        }
    )


@pytest.fixture
def lax_booking_text(monkeypatch):
    # Pretend a field rule were too lax, so that only the XSD check can stop a record.
    monkeypatch.setitem(ledger_xml.TYPES, "bookingText", Text(100, quoted=False))


def with_long_texts(frame: pl.DataFrame, rows: list[int]) -> pl.DataFrame:
    texts = frame["bookingText"].to_list()
    for row in rows:
        texts[row] = "x" * 61  # bookingText allows 60 characters (XSD p10036)
    return frame.with_columns(pl.Series("bookingText", texts))


def test_the_first_rejected_record_is_named_although_batches_run_on_threads(
    tmp_path, lax_booking_text
):
    frame = with_long_texts(cash_items(12_000), [11_500, 6_000, 7_000])
    with pytest.raises(
        DatevFormatError, match=r"Belegposition 6001 \(Index 6000\) verletzt das DATEV-Schema"
    ):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1")
    assert not (tmp_path / "out").exists()


def test_a_record_the_xsd_rejects_is_named_before_a_planning_error(tmp_path, lax_booking_text):
    frame = with_long_texts(cash_items(3), [2]).with_columns(
        pl.lit(str(tmp_path / "beleg.pdf")).alias("attachment")
    )
    (tmp_path / "beleg.pdf").write_bytes(b"%PDF-1.4\n")
    # max_files=1 leaves no room for the Belegbild: the plan fails, but the XSD error comes first.
    with pytest.raises(DatevFormatError, match=r"Belegposition 3 \(Index 2\) verletzt"):
        build_packages(frame, out_dir=tmp_path / "out", client="455148-1", max_files=1)
    with pytest.raises(DatevFormatError, match="braucht 2 Dateien"):
        build_packages(cash_items(3).with_columns(frame["attachment"]), out_dir=tmp_path / "out",
                       client="455148-1", max_files=1)  # fmt: skip
    assert not (tmp_path / "out").exists()


def test_a_document_xml_the_xsd_rejects_stops_the_package(tmp_path, monkeypatch):
    real_block = package_module.ledger_block

    def broken_block(*args: object, **kwargs: object) -> str:
        return real_block(*args, **kwargs).replace('key="3"', 'key="3" colour="red"')  # type: ignore[arg-type]

    monkeypatch.setattr(package_module, "ledger_block", broken_block)
    with pytest.raises(
        DatevFormatError,
        match=r"document.xml von Paket 455148-1_2024-01_Kasse_001 verletzt das DATEV-Schema",
    ):
        build_packages(cash_items(5), out_dir=tmp_path / "out", client="455148-1")
    assert not (tmp_path / "out").exists()
    unchecked = build_packages(
        cash_items(5), out_dir=tmp_path / "unchecked", client="455148-1", validate=False
    )
    assert validate_xml(unchecked.packages[0].path / "document.xml", "document", engine="lxml")


def test_each_thread_gets_the_errors_of_its_own_document(samples):
    data = (samples / "Rechnungsdaten_RA_R-2023-101.xml").read_bytes()
    variants = [
        data.replace(b"<invoiceId>R-2023-101", f"<invoiceId>R_{i}".encode()) for i in range(200)
    ]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda d: validate_xml(d, "ledger", engine="lxml"), variants))
    for i, errors in enumerate(results):
        assert len(errors) == 1 and f"'R_{i}'" in errors[0], (i, errors)


def _broken_variants(data: bytes) -> list[bytes]:
    """Changes the XSD forbids: another version, an unknown element first in the root, an
    unknown attribute on the root, the root's first child element renamed."""
    root = data.index(b"<", data.index(b"?>"))  # the root element's start tag
    end = data.index(b">", root) + 1
    child = data.index(b"<", end) + 1  # the root's first child element
    return [
        data.replace(b'version="6.0"', b'version="5.0"', 1),
        data[:end] + b"<unknownElement/>" + data[end:],
        data[: end - 1] + b' colour="red"' + data[end - 1 :],
        data[:child] + b"renamed" + data[child:],
    ]


@pytest.mark.parametrize("where", ["musterdaten", "samples"])
def test_lxml_and_xmlschema_agree_on_datevs_files_and_broken_ones(shared_datev, where):
    files = sorted(shared_datev(where).rglob("*.xml"))
    assert len(files) >= 5
    for path in files:
        kind = "document" if path.name == "document.xml" else "ledger"
        data = path.read_bytes()
        assert validate_xml(data, kind, engine="lxml") == [], path
        assert validate_xml(data, kind, engine="xmlschema") == [], path
        for variant in _broken_variants(data):
            assert validate_xml(variant, kind, engine="lxml"), path
            assert validate_xml(variant, kind, engine="xmlschema"), path
