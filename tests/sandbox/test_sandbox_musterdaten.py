"""DATEV's own sample data passes the sandbox: the Musterdaten are the arbiter of its rules.

Client 29098-55003 is seeded like DATEV's demo client (Sachkontenlänge 4, fiscal years 2023
and 2024, folders Eingangsrechnungen/Ausgangsrechnungen, cash book "Kasse"). Each XML package
goes in as DATEV packed it (document.xml plus data files); the Belegbild PDFs are not part of
the Musterdaten, so ``../shared/datev/samples/small.pdf`` stands in under the expected name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_sandbox_dxso import texts, transfer
from test_sandbox_extf import result

from workbench.datev import read_document_xml, read_extf, write_extf
from workbench.sandbox.seed import load_seed

CLIENT = "29098-55003"
MUSTERDATEN = Path(__file__).resolve().parents[3] / "shared" / "datev" / "musterdaten" / "xml"
PACKAGES = sorted(p.parent.name for p in MUSTERDATEN.glob("*/document.xml"))
FIXTURES = Path(__file__).resolve().parents[1] / "data" / "extf"


@pytest.fixture(scope="module", autouse=True)
def frozen(sandbox):
    sandbox.state.clock.freeze()
    yield
    sandbox.state.clock.unfreeze()


def package_files(folder: Path, pdf: bytes) -> dict[str, bytes]:
    """document.xml, the data files it names, and a stand-in PDF for every Belegbild."""
    archive = read_document_xml(folder / "document.xml")
    files = {"document.xml": (folder / "document.xml").read_bytes()}
    for document in archive.documents:
        for extension in document.extensions:
            path = folder / extension.file
            files[extension.file] = path.read_bytes() if path.exists() else pdf
    return files


def test_all_fourteen_packages_are_there(shared_datev):
    shared_datev("musterdaten", "xml")
    assert len(PACKAGES) == 14


@pytest.mark.parametrize("name", PACKAGES)
def test_musterdaten_package_reaches_status_2(api, sandbox, shared_datev, name):
    """In directory order, so the corrections (ARK, ERK) come before any invoice: DATEV's
    corrections carry their own invoice id and need no original."""
    pdf = shared_datev("samples", "small.pdf").read_bytes()
    files = package_files(shared_datev("musterdaten", "xml", name), pdf)
    _, status, protocol = transfer(api, sandbox, CLIENT, files)
    assert status == 2, texts(protocol)
    assert texts(protocol) == [] and texts(protocol, "warning") == []


def test_musterdaten_buchungsstapel_imports_as_uploaded(api, sandbox, shared_datev):
    content = shared_datev("musterdaten", "csv", "EXTF_Buchungsstapel.csv").read_bytes()
    job = result(api, sandbox, content, client=CLIENT)
    assert job["result"] == "succeeded", job
    assert job["number_of_accounting_records"] == 54
    assert (job["date_from"], job["date_to"]) == ("2024-01-01", "2024-08-31")


def test_the_writers_copy_of_datevs_buchungsstapel_imports(api, sandbox, shared_datev):
    """Short Sachkonten (85, 320, 980), amounts without decimals: what the writer accepts, the
    sandbox accepts too."""
    original = read_extf(shared_datev("musterdaten", "csv", "EXTF_Buchungsstapel.csv"))
    job = result(api, sandbox, write_extf(original.frame, original.header), client=CLIENT)
    assert job["result"] == "succeeded", job


@pytest.mark.parametrize(
    ("name", "category"),
    [("EXTF_Debitoren_Kreditoren_v5.csv", 16), ("EXTF_Kontenbeschriftungen.csv", 20)],
)
def test_master_data_files_import(api, sandbox, name, category):
    job = result(api, sandbox, (FIXTURES / name).read_bytes(), client=CLIENT, filename=name)
    assert job["result"] == "succeeded", job
    assert job["data_category_id"] == category


def test_demo_client_is_seeded_like_datevs():
    client = next(c for c in load_seed()["accounting_clients"] if c["id"] == CLIENT)
    assert client["account_length"] == 4
    assert "Kasse" in client["cash_ledgers"]
    starts = {fy["start"] for fy in client["fiscal_years"]}
    assert {"2023-01-01", "2024-01-01"} <= starts
