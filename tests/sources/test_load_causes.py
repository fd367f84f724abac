"""Issue 15, item 3: load errors name the real cause (missing, PDF, empty, not a table, another
kind) and the control to use, not a CLI flag; ``--profile auto`` works for ``load`` and for the
Python loaders.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.errors import SourceError
from workbench.pipeline import detect_profile
from workbench.sources import load_calls, load_invoices, load_pos, load_receipts

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
BOOKING = SAMPLES / "receipts_juston_booking_detail.csv"
runner = CliRunner()


def test_load_defaults_to_auto_and_finds_the_juston_profile():
    result = runner.invoke(app, ["load", "receipts", str(BOOKING)])
    assert result.exit_code == 2, result.stderr  # 2 unparseable values in the sample
    assert "300 Zeilen geladen" in result.stdout
    assert "Profil juston" in result.stdout


def test_profile_auto_works_for_load():
    result = runner.invoke(app, ["load", "receipts", str(BOOKING), "--profile", "auto"])
    assert result.exit_code == 2, result.stderr
    assert "Unbekanntes Profil" not in result.stderr


@pytest.mark.parametrize(
    ("loader", "name", "rows"),
    [
        (load_receipts, "receipts_juston_booking_detail.csv", 300),
        (load_invoices, "invoices_crmplus.xlsx", None),  # a table: the crmplus profile
        (load_invoices, "einvoice_RE-2026-0101_xrechnung_ubl.xml", 1),  # an e-invoice
        (load_invoices, "einvoice_RE-2026-0103_zugferd_en16931.pdf", 1),
        (load_calls, "calls_starface.csv", None),
        (load_pos, "pos_lightspeed.csv", None),
    ],
)
def test_profile_auto_works_for_the_python_loaders(loader, name, rows):
    """As the README shows them (``profile="auto"``, the CLI's default), for every kind."""
    frame = loader(SAMPLES / name, profile="auto").frame
    assert frame.height == rows if rows is not None else frame.height > 0


def _cause(path: Path, kind: str = "receipts") -> SourceError:
    with pytest.raises(SourceError) as raised:
        detect_profile(kind, [path])
    return raised.value


def test_a_missing_file_is_named_as_missing(tmp_path):
    error = _cause(tmp_path / "belege.csv")
    assert "wurde nicht gefunden" in str(error)
    assert "passt keines" not in str(error)


def test_a_pdf_is_named_as_a_pdf(tmp_path):
    path = tmp_path / "rechnung.pdf"
    path.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    error = _cause(path)
    assert "PDF" in str(error)
    assert "Belegbild" in str(error)


def test_an_empty_file_is_named_as_empty(tmp_path):
    path = tmp_path / "leer.csv"
    path.write_bytes(b"")
    assert "ist leer" in str(_cause(path))


def test_a_call_list_given_as_receipts_says_what_it_looks_like():
    error = _cause(SAMPLES / "calls_starface.csv")
    assert "Anrufliste" in str(error) and "Belegpositionen" in str(error)
    assert error.control == "kind"


def test_columns_of_no_profile_are_listed_and_no_cli_flag_is_named(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Spalte A;Spalte B\n1;2\n", encoding="utf-8")
    error = _cause(path)
    assert "Spalte A" in str(error)
    assert "--profile" not in str(error)
    assert error.control == "profile"


def test_the_cli_names_its_option_for_the_control(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("Spalte A;Spalte B\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["check", "receipts", str(path), "--client", "455148-1"])
    assert result.exit_code == 3
    assert "--profile" in result.stderr
    calls = runner.invoke(
        app, ["check", "receipts", str(SAMPLES / "calls_starface.csv"), "--client", "455148-1"]
    )
    assert calls.exit_code == 3
    assert "workbench check calls" in calls.stderr


EINVOICES = [
    SAMPLES / "einvoice_RE-2026-0101_xrechnung_ubl.xml",
    SAMPLES / "einvoice_RE-2026-0102_xrechnung_cii.xml",
    SAMPLES / "einvoice_RE-2026-0103_zugferd_en16931.pdf",
]


@pytest.mark.parametrize("path", EINVOICES, ids=lambda path: path.suffix)
@pytest.mark.parametrize("kind", ["receipts", "pos", "calls"])
def test_an_einvoice_given_as_another_kind_says_it_is_an_einvoice(path, kind):
    """Tour 27, defect 11: named for what it is, like a call list given as receipts, not read
    as a CSV ("Zeile 28 hat 2 Felder") nor sent off as a Belegbild."""
    error = _cause(path, kind)
    assert f"Die Datei {path.name} ist eine E-Rechnung" in str(error)
    assert "Rechnungen" in str(error)
    assert "Felder" not in str(error) and "Belegbild" not in str(error)
    assert (error.control, error.value) == ("kind", "invoices")


@pytest.mark.parametrize("path", EINVOICES, ids=lambda path: path.suffix)
def test_the_cli_names_the_invoices_command_for_an_einvoice(path):
    result = runner.invoke(app, ["check", "receipts", str(path), "--client", "455148-1"])
    assert result.exit_code == 3
    message = " ".join(result.stderr.split())
    assert "ist eine E-Rechnung" in message
    assert "workbench check invoices" in message
    # with a named profile too: the file is no table of any profile
    named = runner.invoke(app, ["load", "receipts", str(path), "--profile", "juston"])
    assert named.exit_code == 3
    assert "ist eine E-Rechnung" in named.stderr
