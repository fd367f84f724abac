"""Run-time files are package resources that link to the editable sources (one copy each)."""

from pathlib import Path

import pytest

from workbench.resources import resource_path

REPO = Path(__file__).resolve().parents[1]

LINKS = {
    "expectations": REPO / "expectations",
    "notebooks": REPO / "notebooks",
    "profiles": REPO / "data" / "profiles",
    "samples": REPO / "data" / "samples",
    "sandbox": REPO / "data" / "sandbox",
}


@pytest.mark.parametrize("name", sorted(LINKS))
def test_each_resource_is_the_editable_source_itself(name):
    assert resource_path(name).resolve() == LINKS[name].resolve()


@pytest.mark.parametrize(
    "parts",
    [
        ("expectations", "receipts.json"),
        ("notebooks", "reports", "monthly-reconciliation.ipynb"),
        ("notebooks", "investigate", "transfer.ipynb"),
        ("notebooks", "01-workbench.ipynb"),
        ("profiles", "juston.toml"),
        ("samples", "receipts_juston_booking_detail.csv"),
        ("sandbox", "default.json"),
        ("xsd", "Document_v060.xsd"),
    ],
)
def test_what_the_product_reads_at_run_time_is_there(parts):
    assert resource_path(*parts).is_file()


def test_a_missing_resource_names_itself():
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match=r"samples/nicht-da\.csv fehlt im Workbench-Paket"):
        resource_path("samples", "nicht-da.csv")


def test_no_module_walks_up_from_its_own_file():
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "workbench").rglob("*.py")
        if "__file__" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
