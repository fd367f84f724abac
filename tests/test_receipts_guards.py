"""What a new user's tour found the checks let through (wave 6): the same items twice, a
Belegbild outside the source's folders, an empty Belegbild. Each is an error that blocks its
rows, through the real load, check and map stages on the receipts sample."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import polars as pl
import pytest

from workbench.errors import SourceError
from workbench.pipeline import check_run, load_run, map_run
from workbench.pipeline.connection import connect

SAMPLES = Path(__file__).parent.parent / "data" / "samples"
CLIENT = "455148-1"
PERIOD = "2026-01"


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """The receipts sample with its Belegbilder, in a folder of its own."""
    folder = tmp_path / "export"
    folder.mkdir()
    shutil.copy(SAMPLES / "receipts_canonical.csv", folder / "belege.csv")
    shutil.copytree(SAMPLES / "belege", folder / "belege")
    return folder / "belege.csv"


def _checked(files: list[Path]):
    with connect() as connection:
        return check_run(
            load_run("receipts", files), client=CLIENT, connection=connection, period=PERIOD
        )


def _rows(findings: pl.DataFrame, rule: str) -> list[tuple[str, int]]:
    hit = findings.filter(pl.col("rule") == rule)
    return sorted(hit.select("source", "row").rows())


def _blocked_by(mapped, rule: str) -> set[tuple[str, int]]:
    """(file, row) of the rows the map stage blocked for ``rule`` (among others)."""
    assert mapped.mapping is not None
    blocked = mapped.mapping.blocked.filter(pl.col("rules").list.contains(rule))
    return set(blocked.select("source_file", "source_row").rows())


def _set_attachments(path: Path, names: dict[int, str]) -> None:
    """Name other Belegbilder in data rows (1 = the first row after the header)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
        header = list(rows[0])
    for number, name in names.items():
        rows[number - 1]["attachment"] = name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)


# --- the same items twice -------------------------------------------------------------------


def test_the_same_export_under_two_names_is_an_error_on_every_copy(export):
    copy = export.with_name("belege_kopie.csv")
    shutil.copy(export, copy)
    checked = _checked([export, copy])
    found = checked.findings.filter(pl.col("rule") == "duplicate.item_id")
    kept = checked.loaded.result.frame
    # every row of the month, in both files
    assert found.height == kept.height
    assert set(found["severity"]) == {"error"}
    first = found.filter((pl.col("source") == "belege.csv") & (pl.col("row") == 2)).row(
        0, named=True
    )
    assert "belege.csv Zeile 2" in first["message"]
    assert "belege_kopie.csv Zeile 2" in first["message"]
    assert "doppelt" in first["message"]
    # nothing could be booked twice: every copy is blocked for being one
    assert _blocked_by(map_run(checked), "duplicate.item_id") == {
        (source, row) for source, row in found.select("source", "row").rows()
    }


def test_a_line_exported_twice_is_an_error_on_both(export):
    with export.open(encoding="utf-8") as handle:
        lines = handle.readlines()
    export.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    checked = _checked([export])
    last = len(lines) + 1  # the repeated line's row number (header = row 1)
    assert _rows(checked.findings, "duplicate.item_id") == [("belege.csv", 2), ("belege.csv", last)]
    message = checked.findings.filter(pl.col("rule") == "duplicate.item_id")["message"][0]
    assert f"Zeilen 2, {last}" in message


def test_items_of_one_beleg_are_no_duplicates(export):
    checked = _checked([export])
    assert _rows(checked.findings, "duplicate.item_id") == []


def test_the_same_file_named_twice_is_refused(export):
    with pytest.raises(SourceError, match="zweimal"):
        load_run("receipts", [export, export.parent / "." / export.name])


# --- Belegbilder outside the source's folders -----------------------------------------------


def test_a_belegbild_outside_the_source_folders_is_never_taken(export, tmp_path):
    secret = tmp_path / "anderer_mandant" / "RE-geheim.pdf"
    secret.parent.mkdir()
    secret.write_bytes(b"%PDF-1.4 a document of another client")
    inside = export.parent / "unter"
    inside.mkdir()
    (inside / "RE-unter.pdf").write_bytes(b"%PDF-1.4 in a subfolder of the export")
    escape = str(inside / ".." / ".." / "anderer_mandant" / "RE-geheim.pdf")
    # whole Belege (data rows 1-3 are BEL-001001, 4-6 BEL-001002, 7-8 BEL-001003, ...)
    places = {
        (1, 2, 3): str(secret),  # a full path elsewhere
        (4, 5, 6): "unter/RE-unter.pdf",  # a subfolder: fine
        (7, 8): "../anderer_mandant/RE-geheim.pdf",  # up and out
        (9,): str(export.parent / "belege" / "BEL-001004.pdf"),  # a full path inside: fine
        (10,): escape,  # a full path that climbs out
    }
    _set_attachments(export, {row: name for rows, name in places.items() for row in rows})
    checked = _checked([export])
    outside = checked.findings.filter(pl.col("rule") == "attachment.outside_folder")
    assert sorted(outside["row"]) == [2, 3, 4, 8, 9, 11]
    assert set(outside["severity"]) == {"error"}
    message = outside.filter(pl.col("row") == 2)["message"][0]
    assert str(secret) in message and "außerhalb" in message
    # blocked, so never read into a package; the Belege inside keep their Belegbild
    frame = checked.loaded.result.frame
    assert frame.filter(pl.col("source_row").is_in([2, 8, 11]))["attachment"].null_count() == 3
    assert frame.filter(pl.col("source_row") == 5)["attachment"][0] == str(inside / "RE-unter.pdf")
    blocked = {row for _, row in _blocked_by(map_run(checked), "attachment.outside_folder")}
    assert blocked == {2, 3, 4, 8, 9, 11}
    assert not _rows(checked.findings, "attachment.missing")


# --- empty Belegbilder ----------------------------------------------------------------------


def test_an_empty_belegbild_is_an_error(export):
    empty = export.parent / "belege" / "leer.pdf"
    empty.write_bytes(b"")
    _set_attachments(export, {1: "leer.pdf"})
    checked = _checked([export])
    found = checked.findings.filter(pl.col("rule") == "attachment.empty")
    assert found.select("row", "severity").rows() == [(2, "error")]
    assert "0 Byte" in found["message"][0]
