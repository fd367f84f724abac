"""The investigation of one transfer as a bookkeeper reads it: German words, what to do next,
DATEV's and the user's text escaped; and as HTML from the command line (papermill, code hidden),
for those who never open JupyterLab."""

from pathlib import Path

from typer.testing import CliRunner

from workbench.cli import app
from workbench.pipeline.connection import connect

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
runner = CliRunner()


def _failed_transfer(ledger, error: str):
    created = ledger.create(
        client="455148-1",
        kind="receipts",
        channel="dxso",
        month="2026-02",
        document_kind="Rechnungseingang",
        items=[
            {
                "item_id": "a0B7Q0000000001AAK",
                "content_hash": "h",
                "source_file": "b.csv",
                "source_row": 2,
            }
        ],
    )
    return ledger.update(
        created.id, action="fehlgeschlagen", local_status="Fehlgeschlagen", error=error
    )


def test_a_failed_transfer_is_told_in_german_with_the_next_step(shared_sandbox):
    from workbench.reports.investigate import investigate, investigation_html

    with connect() as connection:
        failed = _failed_transfer(connection.ledger, "DATEV lehnt ab: <script>alert(1)</script>")
        page = investigation_html(investigate(connection, failed.id[:6]))
    assert "Belegpositionen" in page and "Februar 2026" in page and "Rechnungseingang" in page
    assert "Fehlgeschlagen" in page
    assert f"workbench retransfer {failed.id}" in page and "workbench transfer" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "content_hash" not in page and "transfer_id" not in page  # ledger internals
    assert "Position" in page and "Zeile" in page
    # the audit log in words: what changed, not the ledger's JSON
    assert "local_status" not in page and "document_kind" not in page
    assert "Lokaler Status: Fehlgeschlagen" in page and "Beleg-Art: Rechnungseingang" in page
    assert "Buchungsmonat: Februar 2026" in page


def test_status_investigate_writes_the_investigation_as_html(shared_sandbox, tmp_path):
    from workbench.pipeline import check_run, load_run, map_run, package_run, send_run

    with connect() as connection:
        loaded = load_run("receipts", [SAMPLES / "receipts_juston_kasse.csv"])
        mapped = map_run(check_run(loaded, client="455148-1", connection=connection))
        packaged = package_run(
            mapped, out_dir=tmp_path / "pakete", ledger=connection.ledger, month="2026-03"
        )
        [transfer, *_] = send_run(packaged, connection).transfers
    out = tmp_path / "untersuchung.html"
    result = runner.invoke(app, ["status", transfer.id[:8], "--investigate", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in " ".join(result.stdout.split())
    page = out.read_text(encoding="utf-8")
    assert f"Übertragung {transfer.id}" in page and "Kasse" in page and "März 2026" in page
    assert "Gesendete DATEV-Felder" in page and "investigate(" not in page  # code hidden


def test_sent_fields_leave_out_the_fields_no_line_fills():
    """DATEV's formats have 125 (Buchungsstapel) or 254 (Debitoren/Kreditoren) fields, most of
    them empty in any one file: the page shows the fields the transfer sent, accounts as
    written."""
    import polars as pl

    from workbench.reports.investigate import _as_sent

    sent = pl.DataFrame(
        {
            "Zeile": [3, 4],
            "Konto": [70001, 70002],
            "Name (Adressattyp Unternehmen)": ["Mühle Groß UG", None],
            "Anrede": [None, None],
            "Titel/Akad. Grad": ["", ""],
        }
    )
    shown = _as_sent(sent)
    assert shown.columns == ["Zeile", "Konto", "Name (Adressattyp Unternehmen)"]
    assert shown["Konto"].to_list() == ["70001", "70002"]


def _run_notebook(tmp_path, **parameters) -> str:
    """notebooks/investigate/transfer.ipynb as "Run All" runs it: every output's text."""
    import nbformat
    import papermill

    notebook = Path(__file__).resolve().parents[2] / "notebooks" / "investigate" / "transfer.ipynb"
    output = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(notebook), str(output), cwd=str(tmp_path), progress_bar=False,
        kernel_name="python3", parameters=parameters,
    )  # fmt: skip
    executed = nbformat.read(output, as_version=4)
    return "\n".join(
        str(item.get("data", {}).get("text/html", "")) + str(item.get("text", ""))
        for cell in executed.cells if cell.cell_type == "code" for item in cell.outputs
    )  # fmt: skip


def test_run_all_without_a_transfer_id_says_what_to_do_not_a_traceback(shared_sandbox, tmp_path):
    """Tour 29 #4: "Run All" with the notebook's own parameter (transfer_id "") on a fresh home
    ended in a TransferError traceback through the ledger ("Die Übertragung  ist …")."""
    page = _run_notebook(tmp_path)
    assert "Noch keine Übertragungen" in page and "transfer_id" in page, page
    assert "Traceback" not in page and "Ledger" not in page
    with connect() as connection:
        failed = _failed_transfer(connection.ledger, "DATEV lehnt ab.")
    page = _run_notebook(tmp_path)  # no id: the newest transfer, and it says so
    assert f"Übertragung {failed.id}" in page and "die neueste" in page, page
