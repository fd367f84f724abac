"""Issue 14, "done means": the bad-input matrix. Every bad file through load, check, map, preview
and transfer (report too): the exit code says what happened, stderr is one German line naming the
file (and row and column where there is one), never a traceback; files that load account for
every input row (loaded + reported).

In-process (CliRunner) against one sandbox for the whole module (``WORKBENCH_SANDBOX_URL``), so
the matrix stays cheap; only the encrypted workbook needs a committed file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from workbench.cli import app
from workbench.sandbox import start_sandbox

runner = CliRunner()
DATA = Path(__file__).parent / "data"
HEADER = "InvoiceNo;BookingDate;AccountName;Amount"
FULLWIDTH = "\uff11\uff12"


@pytest.fixture(scope="module")
def sandbox_url():
    with start_sandbox() as running:
        yield running.url


@pytest.fixture
def env(monkeypatch, sandbox_url):
    monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox_url)


def _lines(*rows: str) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


#: name -> (file name, content or a path, words the one error line must contain)
FATAL = {
    "missing": ("fehlt.csv", None, ["fehlt.csv", "nicht gefunden"]),
    "empty": ("leer.csv", b"", ["leer.csv", "leer"]),
    "blank": ("leer2.csv", b"  \n\n", ["leer2.csv"]),
    "header_only": ("kopf.csv", _lines(HEADER), ["kopf.csv", "Datenzeilen"]),
    "binary": ("bild.csv", b"%PDF-1.4\n" + bytes(range(256)) * 8, ["bild.csv"]),
    "zip": ("paket.csv", b"PK\x03\x04" + b"\0" * 64, ["paket.csv"]),
    "stray_quote": (
        "quote.csv",
        _lines(
            HEADER,
            'R1;01.01.2026;"Firma;1,00',
            'R2;01.01.2026;Firma B";2,00',
            "R3;01.01.2026;C;3,00",
        ),
        ["quote.csv", "Zeile 2", "Anführungszeichen"],
    ),
    "unclosed_quote": (
        "offen.csv",
        _lines(HEADER, "R1;01.01.2026;A;1,00", 'R2;01.01.2026;"B;2,00', "R3;01.01.2026;C;3,00"),
        ["offen.csv", "Zeile 3"],
    ),
    "too_many_fields": (
        "felder.csv",
        _lines(HEADER, "R1;01.01.2026;A;1,00;zuviel"),
        ["felder.csv", "Zeile 2", "zuviel"],
    ),
    "wrong_columns": ("fremd.csv", _lines("Spalte A;Spalte B", "1;2"), ["fremd.csv"]),
    "missing_required": (
        "ohne.csv",
        _lines("InvoiceNo;BookingDate;AccountName", "R1;01.01.2026;A"),
        ["ohne.csv"],
    ),
    "deep_json": ("tief.json", b"[" * 50_000 + b"]" * 50_000, ["tief.json", "verschachtelt"]),
    "bad_json": ("kaputt.json", b"{kaputt", ["kaputt.json", "Zeile 1"]),
    "json_scalars": ("zahlen.json", b"[1, 2, 3]", ["zahlen.json", "Datensatz 1"]),
    "encrypted_xlsx": (
        "kennwort.xlsx",
        DATA / "kennwort_geheim.xlsx",
        ["kennwort.xlsx", "verschlüsselt"],
    ),
    "broken_xlsx": ("kaputt.xlsx", b"PK\x03\x04 not a workbook", ["kaputt.xlsx"]),
    "directory": ("ordner", "DIR", ["ordner", "Ordner"]),
}

COMMANDS = {
    "load": ["load", "receipts", "{file}", "-p", "juston"],
    "check": ["check", "receipts", "{file}", "--client", "455148-1", "-p", "juston"],
    "map": ["map", "receipts", "{file}", "--client", "455148-1", "-p", "juston", "--out", "{out}"],
    "preview": ["preview", "receipts", "{file}", "--client", "455148-1", "-p", "juston"],
    "transfer": ["transfer", "receipts", "{file}", "--client", "455148-1", "-p", "juston", "--yes"],
}


def _place(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    if content is None:
        return path
    if content == "DIR":
        path.mkdir()
    elif isinstance(content, Path):
        path.write_bytes(content.read_bytes())
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("case", list(FATAL))
def test_a_file_that_cannot_be_read_is_one_german_line_and_exit_3(env, tmp_path, case, command):
    name, content, words = FATAL[case]
    path = _place(tmp_path, name, content)
    if case in ("wrong_columns", "missing_required") and command != "load":
        words = [name]
    args = [
        a.replace("{file}", str(path)).replace("{out}", str(tmp_path / "out"))
        for a in COMMANDS[command]
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 3, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Fehler:") and "Traceback" not in result.output
    assert "Unerwarteter Fehler" not in lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])


#: name -> (rows after the header, rule, (row, column) of the finding, exit code of check)
ROW_LEVEL = {
    "bad_date": (
        ["R1;31.02.2026;A;1,00", "R2;01.01.2026;B;2,00"],
        "field.unparseable",
        (2, "date"),
        2,
    ),
    "bad_amount": (
        ["R1;01.01.2026;A;zwölf", "R2;01.01.2026;B;2,00"],
        "field.unparseable",
        (2, "amount"),
        2,
    ),
    "fullwidth_amount": (
        [f"R1;01.01.2026;A;{FULLWIDTH},00"],
        "field.unparseable",
        (2, "amount"),
        2,
    ),
    "huge_amount": (["R1;01.01.2026;A;" + "9" * 30], "field.unparseable", (2, "amount"), 2),
    "formula_name": (
        ['R1;01.01.2026;=HYPERLINK("x");1,00'],
        "field.formula_like",
        (2, "party_name"),
        1,
    ),
    "line_break": (
        ['R1;01.01.2026;"Zeile 1', 'Zeile 2";1,00', "R2;01.01.2026;B;2,00"],
        "field.line_break",
        (2, "party_name"),
        1,
    ),
    "short_row": (["R1;01.01.2026", "R2;01.01.2026;B;2,00"], "field.required", (2, "amount"), 2),
    "long_name": (
        ["R1;01.01.2026;" + "X" * 300 + ";1,00"],
        "field.max_length",
        (2, "party_name"),
        2,
    ),
    "blank_lines": (
        ["", "R1;01.01.2026;A;1,00", "", "R2;01.01.2026;B;kaputt"],
        "field.unparseable",
        (5, "amount"),
        2,
    ),
    "bare_cr": (None, "field.unparseable", (3, "amount"), 2),
}


@pytest.mark.parametrize("case", list(ROW_LEVEL))
def test_rows_with_bad_values_are_loaded_and_reported_and_counted(env, tmp_path, case):
    rows, rule, (row, column), code = ROW_LEVEL[case]
    path = tmp_path / f"{case}.csv"
    if rows is None:  # bare CR line endings (old Mac exports)
        path.write_bytes(f"{HEADER}\rR1;01.01.2026;A;1,00\rR2;01.01.2026;B;kaputt\r".encode())
        records = 2
    else:
        path.write_bytes(_lines(HEADER, *rows))
        records = sum(1 for r in rows if r.strip()) - sum(1 for r in rows if r.endswith('";1,00'))
    loaded = runner.invoke(app, ["load", "receipts", str(path), "-p", "juston", "--format", "json"])
    assert loaded.exit_code in (0, 2), loaded.output
    payload = json.loads(loaded.stdout)
    assert payload["rows"] == records  # every input record is a loaded row
    checked = runner.invoke(
        app,
        [
            "check",
            "receipts",
            str(path),
            "--client",
            "455148-1",
            "-p",
            "juston",
            "--format",
            "json",
        ],
    )
    assert checked.exit_code == code, checked.output
    findings = json.loads(checked.stdout)
    hits = [f for f in findings if f["rule"] == rule]
    assert hits, findings
    assert (hits[0]["source"], hits[0]["row"], hits[0]["column"]) == (path.name, row, column)
    assert "Traceback" not in checked.output


def test_a_bad_file_in_a_report_is_a_clear_message(env, tmp_path):
    path = _place(tmp_path, "quote.csv", FATAL["stray_quote"][1])
    result = runner.invoke(
        app,
        ["report", "--client", "455148-1", "--period", "2026-01", "--source",
         f"receipts={path}:juston", "--out", str(tmp_path / "bericht.html")],
    )  # fmt: skip
    assert result.exit_code in (2, 3), result.output
    assert "Traceback" not in result.output
    assert "quote.csv" in result.output
