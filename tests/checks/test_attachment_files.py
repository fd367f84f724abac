"""Where the check looks for Belegbilder (``attachment.missing``, ``attachment.too_large``):
in each folder of the source in order, a full path where it points, names with a folder in them
as written; links are followed, a broken one counts as missing; declared sizes stand for the
files' own. Pinned before the lookup changed from one ``stat()`` per name to one listing per
folder (the same cases pass on both)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from workbench.checks import rules
from workbench.checks.engine_polars import ROW_INDEX
from workbench.datev.limits import MAX_ATTACHMENT_BYTES


@pytest.fixture
def place(tmp_path: Path) -> Path:
    """``src/`` with ``belege/``; ``other/`` for a second source; a folder nobody names."""
    src, belege, other, elsewhere = (
        tmp_path / "src",
        tmp_path / "src" / "belege",
        tmp_path / "other",
        tmp_path / "elsewhere",
    )
    for folder in (belege, other, elsewhere, src / "sub", src / "ordner.pdf"):
        folder.mkdir(parents=True, exist_ok=True)
    (src / "a.pdf").write_bytes(b"%PDF")
    (src / "leer.pdf").write_bytes(b"")
    (belege / "b.pdf").write_bytes(b"%PDF")
    (belege / "a.pdf").write_bytes(b"%PDF-belege")  # src/a.pdf comes first
    (src / "sub" / "c.pdf").write_bytes(b"%PDF")
    (other / "d.pdf").write_bytes(b"%PDF")
    (elsewhere / "e.pdf").write_bytes(b"%PDF")
    with (src / "gross.pdf").open("wb") as big:  # sparse: large, but no disk space taken
        big.truncate(25 * 1024 * 1024)
    (src / "kaputt.pdf").symlink_to(tmp_path / "nirgends.pdf")
    (belege / "kaputt.pdf").write_bytes(b"%PDF")  # the broken link is skipped, this is found
    (src / "link.pdf").symlink_to(elsewhere / "e.pdf")
    (src / "Ä-Beleg 1.pdf").write_bytes(b"%PDF")
    return tmp_path


def outcome(place: Path, names: list[str | None], sources: list[str], **kwargs) -> dict:
    frame = pl.DataFrame(
        {"attachment": names, "source_file": sources}, schema_overrides={"attachment": pl.String}
    ).with_row_index(ROW_INDEX)
    folders = {
        "a.csv": [place / "src", place / "src" / "belege"],
        "b.csv": [place / "other"],
    }
    found = rules.row_rules(frame, "receipts", None, folders=folders, **kwargs)
    result: dict[int, list[str]] = {}
    for part in found:
        for row, rule in part.select(ROW_INDEX, "rule").iter_rows():
            result.setdefault(row, []).append(rule)
    return {names[row]: sorted(rules_) for row, rules_ in result.items()}


def test_where_belegbilder_are_found(place):
    elsewhere = str(place / "elsewhere" / "e.pdf")
    gone = str(place / "elsewhere" / "weg.pdf")
    names = [
        "a.pdf", "b.pdf", "fehlt.pdf", "leer.pdf", "gross.pdf", "kaputt.pdf", "link.pdf",
        "Ä-Beleg 1.pdf", "sub/c.pdf", "sub/fehlt.pdf", "ordner.pdf", "", ".", "..", None,
        elsewhere, gone, str(place / "elsewhere") + "/", "d.pdf",
    ]  # fmt: skip
    found = outcome(place, names, ["a.csv"] * len(names))
    assert found == {
        "fehlt.pdf": ["attachment.missing"],
        "leer.pdf": ["attachment.empty"],  # DATEV takes no empty file
        "gross.pdf": ["attachment.too_large"],
        "sub/fehlt.pdf": ["attachment.missing"],
        gone: ["attachment.missing"],
        "d.pdf": ["attachment.missing"],  # other.csv's folder is not a.csv's
    }


def test_each_source_looks_in_its_own_folders_and_unknown_sources_not_at_all(place):
    found = outcome(
        place, ["d.pdf", "a.pdf", "d.pdf", "fehlt.pdf"], ["b.csv", "b.csv", "a.csv", "x.csv"]
    )
    assert found == {"a.pdf": ["attachment.missing"], "d.pdf": ["attachment.missing"]}


def test_declared_sizes_stand_for_found_files_only(place):
    sizes = {"a.pdf": MAX_ATTACHMENT_BYTES + 1, "gross.pdf": 10, "fehlt.pdf": 10}
    found = outcome(place, ["a.pdf", "gross.pdf", "fehlt.pdf"], ["a.csv"] * 3, sizes=sizes)
    assert found == {"a.pdf": ["attachment.too_large"], "fehlt.pdf": ["attachment.missing"]}


def test_the_too_large_message_names_the_size(place):
    frame = pl.DataFrame({"attachment": ["gross.pdf"], "source_file": ["a.csv"]}).with_row_index(
        ROW_INDEX
    )
    (part,) = rules.row_rules(frame, "receipts", None, folders={"a.csv": [place / "src"]})
    assert part["message"][0].startswith("Das Belegbild 'gross.pdf' ist 25 MB groß")


def test_odd_but_valid_file_names(place):
    (place / "src" / "zeile\nzwei.pdf").write_bytes(b"%PDF")
    found = outcome(place, ["zeile\nzwei.pdf", "zeile.pdf"], ["a.csv"] * 2)
    assert found == {"zeile.pdf": ["attachment.missing"]}
