"""Report and investigation notebooks run by papermill against the sandbox and the samples."""

import json
from pathlib import Path

import nbformat
import papermill
import pytest

from workbench.pipeline.connection import connect
from workbench.reports import run_report, run_reports

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
SOURCES = [
    {"kind": "receipts", "files": [str(SAMPLES / "receipts_juston_kasse.csv")], "profile": "juston"},
    {"kind": "pos", "files": [str(SAMPLES / "pos_lightspeed.csv")], "profile": "lightspeed"},
]


def issued_tokens(sandbox) -> list[str]:
    with sandbox.state.store.transaction() as conn:
        return [row[0] for row in conn.execute("SELECT token FROM tokens")]


def test_monthly_report_transfers_and_writes_html_without_code(shared_sandbox, tmp_path):
    result = run_report(client="455148-1", period="2026-02", sources=SOURCES,
                        out=tmp_path / "bericht.html", transfer=True,
                        pos_mapping=str(SAMPLES / "pos_mapping.toml"), base=REPO)
    assert result.exit_code == 2  # February's cash book carries seeded errors (chronology)
    assert result.details["errors"] >= 2
    assert result.details["transfers"] >= 2
    page = result.html.read_text(encoding="utf-8")
    assert "Befunde je Regel" in page and "Beträge je Konto" in page and "Übertragungen" in page
    assert page.count("<svg") >= 3  # charts render offline
    assert "reports.collect(" not in page  # code hidden
    executed = nbformat.read(tmp_path / "bericht.ipynb", as_version=4)
    everything = page + json.dumps(executed)
    for token in issued_tokens(shared_sandbox):
        assert token not in everything
    with connect() as connection:
        statuses = {item.datev_status for item in connection.ledger.transfers(client="455148-1")}
    assert statuses <= {"2", "3", "4", "succeeded", "failed"}  # polled to the end


KONTENBESCHRIFTUNGEN = (
    '"EXTF";700;20;"Kontenbeschriftungen";3;20260201120000000;;"WB";"";"";455148;1;20260101;4\r\n'
    "Konto;Kontenbeschriftung;Sprach-ID\r\n"
    '3300;"Wareneingang 7 % Vorsteuer";"de-DE"\r\n'
    '8400;"Erlöse 19 % USt";"de-DE"\r\n'
)
MONTH_SOURCES = [
    {"kind": "receipts", "files": [str(SAMPLES / "receipts_juston_booking_detail.csv")]},
    {"kind": "receipts", "files": [str(SAMPLES / "receipts_juston_expense.csv")]},
]


def account_rows(page: str) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the table under "Beträge je Konto" in the report's HTML."""
    from lxml import html as lxml_html

    tree = lxml_html.fromstring(page)
    [heading] = tree.xpath("//h3[starts-with(., 'Beträge je Konto')]")
    table = heading.xpath("following::table[1]")[0]
    header = [th.text_content() for th in table.xpath(".//thead//th")]
    rows = [[td.text_content() for td in tr.xpath("./td")] for tr in table.xpath(".//tbody/tr")]
    return header, rows


def expected_saldo(period: str | None, month: str) -> dict[str, float]:
    """Soll - Haben per account of the mapped records of ``month`` (checked without selection)."""
    from workbench.pipeline import check_run, load_run, map_run
    from workbench.reports import amounts_per_account

    totals: dict[str, float] = {}
    with connect() as connection:
        for source in MONTH_SOURCES:
            run = check_run(load_run("receipts", source["files"]), client="455148-1",
                            period=period, connection=connection)
            records = map_run(run).mapping.records
            if month:
                records = records.filter(records["accounting_month"] == month)
            for konto, soll, haben, _ in amounts_per_account(records).iter_rows():
                totals[konto] = round(totals.get(konto, 0.0) + soll - haben, 2)
    return totals


def german(value: float) -> str:
    from workbench.german import format_number

    return format_number(value)


def test_report_amounts_are_the_months_in_account_order_with_the_previous_month(
    shared_sandbox, tmp_path, monkeypatch
):
    names = tmp_path / "Kontenbeschriftungen.csv"
    names.write_bytes(KONTENBESCHRIFTUNGEN.encode("cp1252"))
    settings = tmp_path / "workbench.toml"
    settings.write_text(f'[clients."455148-1"]\nkontenbeschriftungen = "{names}"\n', "utf-8")
    monkeypatch.setenv("WORKBENCH_CONFIG", str(settings))
    result = run_report(client="455148-1", period="02/2026", sources=MONTH_SOURCES,
                        out=tmp_path / "bericht.html", base=REPO)
    page = result.html.read_text(encoding="utf-8")
    header, rows = account_rows(page)
    assert header == ["Konto", "Bezeichnung", "Soll", "Haben", "Saldo", "Buchungen",
                      "Saldo Januar 2026", "Veränderung"]
    accounts = [row[0] for row in rows]
    sachkonten = [a for a in accounts if a.isdigit()]
    assert sachkonten == sorted(sachkonten, key=int)  # numeric, not text order
    assert accounts[-2:] == ["Debitoren", "Kreditoren"]
    by_account = {row[0]: row for row in rows}
    february, january = expected_saldo(None, "2026-02"), expected_saldo(None, "2026-01")
    whole_file = expected_saldo(None, "")
    for konto, saldo in february.items():
        assert by_account[konto][4] == german(saldo), konto  # month only, German format
        assert by_account[konto][6] == german(january.get(konto, 0.0)), konto
        assert by_account[konto][7] == german(saldo - january.get(konto, 0.0)), konto
    assert any(february[k] != whole_file[k] for k in february)  # the month is not the file
    assert by_account["3300"][1] == "Wareneingang 7 % Vorsteuer"
    assert by_account["8400"][1] == "Erlöse 19 % USt"
    assert any("." in row[2] and "," in row[2] for row in rows)  # 1.234,56
    assert "Noch offen" in page and "Rechnungseingang" in page
    assert "Für Februar 2026 wurde noch nichts übertragen" in page
    assert "Exit-Code" not in page


def test_report_without_sources_shows_the_datev_side_of_the_month(shared_sandbox, tmp_path):
    from typer.testing import CliRunner

    from workbench.cli import app

    out = tmp_path / "nur-datev.html"
    result = CliRunner().invoke(app, ["report", "--client", "455148-1", "--period",
                                      "Januar 2026", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "Ohne Quelldateien" in page
    assert "Übertragungen für Januar 2026" in page
    # Tour 28 #9: the browser tab (and a bookmark) said "Notebook".
    assert "<title>Monatsabgleich 455148-1: Januar 2026</title>" in page


def test_several_clients_get_one_report_each_and_an_overview(shared_sandbox, tmp_path):
    sources = {"455148-1": SOURCES[:1],
               "455148-2": [{"kind": "receipts", "files": [str(SAMPLES / "receipts_canonical.csv")],
                             "profile": "canonical"}]}
    results, overview = run_reports(clients=["455148-1", "455148-2"], period="2026-03",
                                    sources=sources, out_dir=tmp_path, base=REPO)
    assert [result.client for result in results] == ["455148-1", "455148-2"]
    text = overview.read_text(encoding="utf-8")
    assert "bericht_455148-1_2026-03.html" in text and "bericht_455148-2_2026-03.html" in text
    assert "Übersicht" in text and "März 2026" in text and "<style>" in text
    assert "Exit-Code" not in text and "wb-badge wb-error" in text


def test_investigation_notebook_shows_protocol_rows_and_sent_fields(shared_sandbox, tmp_path):
    from workbench.pipeline import check_run, load_run, map_run, package_run, send_run

    with connect() as connection:
        loaded = load_run("receipts", [SAMPLES / "receipts_juston_kasse.csv"])
        mapped = map_run(check_run(loaded, client="455148-1", connection=connection))
        packaged = package_run(mapped, out_dir=tmp_path / "pakete", ledger=connection.ledger,
                               month="2026-03")
        [transfer, *_] = send_run(packaged, connection).transfers
    output = tmp_path / "untersuchung.ipynb"
    papermill.execute_notebook(str(REPO / "notebooks" / "investigate" / "transfer.ipynb"),
                               str(output), parameters={"transfer_id": transfer.id},
                               progress_bar=False, kernel_name="python3", cwd=str(tmp_path))
    html = "".join(item.get("data", {}).get("text/html", "")
                   for cell in nbformat.read(output, as_version=4).cells
                   if cell.cell_type == "code" for item in cell.outputs)
    assert f"Übertragung {transfer.id}" in html
    assert "Gesendete DATEV-Felder" in html and "invoiceId" in html
    assert "Erneute Prüfung der gesendeten Daten" in html


def test_run_all_in_jupyterlab_finds_the_notebooks_own_sample(shared_sandbox, tmp_path):
    """Tour 29 #5: "Run All" in JupyterLab (kernel in notebooks/reports) with the notebook's own
    parameters: "Die Datei data/samples/receipts_juston_booking_detail.csv wurde nicht
    gefunden", Ergebnis "unvollständig". The app finds README paths from there; so does it."""
    output = tmp_path / "bericht.ipynb"
    papermill.execute_notebook(str(REPO / "notebooks" / "reports" / "monthly-reconciliation.ipynb"),
                               str(output), progress_bar=False, kernel_name="python3",
                               cwd=str(REPO / "notebooks" / "reports"))  # fmt: skip
    html = "".join(item.get("data", {}).get("text/html", "")
                   for cell in nbformat.read(output, as_version=4).cells
                   if cell.cell_type == "code" for item in cell.outputs)  # fmt: skip
    assert "receipts_juston_booking_detail.csv wurde nicht gefunden" not in html
    assert "unvollständig" not in html and "<td class=''>receipts_juston_booking_detail.csv" in html


@pytest.mark.parametrize("path", sorted(path for path in (REPO / "notebooks").rglob("*.ipynb")
                                         if ".ipynb_checkpoints" not in path.parts),
                         ids=lambda p: p.name)
def test_every_notebook_is_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    assert all(not cell.get("outputs") and cell.get("execution_count") is None
               for cell in notebook.cells if cell.cell_type == "code")


def test_monthly_report_lists_open_talks_oldest_first(shared_sandbox, tmp_path):
    import sqlite3

    from workbench.config import load_settings
    from workbench.talk import Item, TalkStore

    settings = load_settings()
    with TalkStore.open(settings) as store:
        for item in ("RE-ALT", "RE-NEU", "RE-ZU"):
            store.ask(
                "455148-1",
                Item(item, label=f"Beleg {item}"),
                recipient="a@b.de",
                sender="M. Muster",
                text="Beleg fehlt",
            )
        store.close_talk(3, by="M. Muster")
        store.ask("455148-2", Item("RE-ANDERER"), recipient="c@d.de", sender="M", text="?")
    with sqlite3.connect(settings.talk_path) as db:  # the first question is 40 days old
        db.execute("UPDATE talks SET created_at = '2026-01-02T08:00:00+00:00' WHERE id = 1")
    result = run_report(
        client="455148-1",
        period="2026-02",
        sources=SOURCES[:1],
        out=tmp_path / "bericht.html",
        base=REPO,
    )
    page = result.html.read_text(encoding="utf-8")
    assert "Offene Fragen an den Mandanten (2)" in page
    assert page.index("Beleg RE-ALT") < page.index("Beleg RE-NEU")  # oldest first
    assert "02.01.2026" in page
    assert "RE-ZU" not in page and "RE-ANDERER" not in page  # closed, and another client's
    assert result.details["open_talks"] == 2


def test_monthly_report_reconciles_with_what_datev_booked(shared_sandbox, tmp_path):
    """The section "Abgleich mit DATEV": no differences after DATEV booked the month; after a
    colleague deleted a Beleg, its bookings are the differences, first, with source file and
    row."""
    import httpx
    import polars as pl

    from workbench.reconcile import period_bounds
    from workbench.reconcile.sent import sent_bookings

    client = "29098-55003"  # a Mandant no other report test transfers for
    sources = [{"kind": "receipts", "files": [str(SAMPLES / "receipts_juston_expense.csv")]}]
    first = run_report(
        client=client,
        period="2026-01",
        sources=sources,
        transfer=True,
        out=tmp_path / "vorher.html",
        base=REPO,
    )
    page = first.html.read_text(encoding="utf-8")
    section = page[page.index("Abgleich mit DATEV: Januar 2026") :]
    assert "Keine Abweichungen" in section
    assert "Gesendet und gebucht je Sachkonto" in section and "<svg" in section
    assert "Bürobedarf" in section  # DATEV's Kontenbeschriftung
    start, end = period_bounds("2026-01")
    with connect() as connection:
        sent = sent_bookings(connection.ledger, client, start=start, end=end, account_length=4)
    booking = sent.row(0, named=True)
    deleted = httpx.post(
        f"{shared_sandbox.url}/_sandbox/clients/{client}/postings",
        json={"action": "delete", "match": {"documentField1": booking["belegfeld1"]}},
    )
    assert deleted.status_code == 200, deleted.text
    second = run_report(
        client=client, period="2026-01", sources=sources, out=tmp_path / "nachher.html", base=REPO
    )
    section = second.html.read_text(encoding="utf-8")
    section = section[section.index("Abgleich mit DATEV: Januar 2026") :]
    beleg = sent.filter(pl.col("belegfeld1") == booking["belegfeld1"]).height  # its positions
    assert f"Abweichungen ({beleg})" in section
    assert section.index("nicht gebucht") < section.index("Je Konto")  # differences first
    assert booking["belegfeld1"] in section and "receipts_juston_expense.csv" in section
    assert f">{booking['source_row']}</td>" in section
