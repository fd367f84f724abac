"""Where the load stage finds each Belegbild (``pipeline.load.resolve_attachments``).

A relative name is looked up in the ``--belege`` folder, beside the source file and in a
``belege`` folder beside it, in this order; a name found nowhere gets the path beside the source
(where ``attachment.missing`` says it was looked for); absolute paths and empty cells stay as
they are. Pinned here as it behaved with one ``stat()`` per name, so that a faster lookup
(one listing per folder) gives exactly the same paths.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from workbench import listings
from workbench.pipeline import load_run
from workbench.pipeline.load import resolve_attachments
from workbench.sources import LoadResult

SAMPLES = Path(__file__).parent.parent / "data" / "samples"


def _loaded(rows: list[tuple[str | None, str | None]]) -> LoadResult:
    frame = pl.DataFrame(
        {
            "item_id": [f"P-{number}" for number in range(len(rows))],
            "attachment": [name for _, name in rows],
            "source_file": [source for source, _ in rows],
        },
        schema={"item_id": pl.String, "attachment": pl.String, "source_file": pl.String},
    )
    return LoadResult(kind="receipts", frame=frame, findings=pl.DataFrame(), sources=())


def _expected(name: str | None, folder: Path, belege: Path | None) -> str | None:
    """The rule, one name at a time, as the load stage applied it before the listing."""
    if name is None or Path(name).is_absolute():
        return name
    given = Path(name)
    candidates = [*([belege / given] if belege else []), folder / given, folder / "belege" / given]
    return str(next((path for path in candidates if path.is_file()), folder / given))


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Path]:
    """A source folder with Belegbilder beside it and in ``belege/``, and a --belege folder."""
    source = tmp_path / "export"
    given = tmp_path / "scans"
    for folder in (source / "belege", given, source / "unter"):
        folder.mkdir(parents=True)
    (given / "RE-1.pdf").write_bytes(b"%PDF given")
    (source / "RE-1.pdf").write_bytes(b"%PDF beside, hidden by --belege")
    (source / "RE-2.pdf").write_bytes(b"%PDF beside")
    (source / "belege" / "RE-2.pdf").write_bytes(b"%PDF belege/, hidden by beside")
    (source / "belege" / "RE-3.pdf").write_bytes(b"%PDF in belege/")
    (source / "belege" / "RE 4 Müller.pdf").write_bytes(b"%PDF odd characters")
    (source / "unter" / "RE-5.pdf").write_bytes(b"%PDF in a subfolder")
    (source / "RE-6.pdf").mkdir()  # a folder is no Belegbild: the next place is tried
    (source / "belege" / "RE-6.pdf").write_bytes(b"%PDF behind a folder of that name")
    (source / "link.pdf").symlink_to(source / "RE-2.pdf")
    (source / "broken.pdf").symlink_to(source / "gone.pdf")
    (source / "belege.csv").write_text("attachment\n", encoding="utf-8")
    return {"source": source, "given": given}


def test_each_place_in_order(folders):
    source, given = folders["source"], folders["given"]
    loaded = _loaded(
        [
            ("belege.csv", "RE-1.pdf"),
            ("belege.csv", "RE-2.pdf"),
            ("belege.csv", "RE-3.pdf"),
            ("belege.csv", "RE-9.pdf"),
            ("belege.csv", str(given / "RE-1.pdf")),
            ("belege.csv", "/nirgends/RE-7.pdf"),
            ("belege.csv", None),
        ]
    )
    resolved = resolve_attachments(loaded, [source / "belege.csv"], belege=given)
    assert resolved.frame["attachment"].to_list() == [
        str(given / "RE-1.pdf"),  # --belege first
        str(source / "RE-2.pdf"),  # beside the source before belege/ beside it
        str(source / "belege" / "RE-3.pdf"),
        str(source / "RE-9.pdf"),  # found nowhere: where attachment.missing says it looked
        str(given / "RE-1.pdf"),  # absolute: as given
        None,  # outside the places: never read (attachment.outside_folder)
        None,
    ]
    outside = resolved.findings.select("rule", "value", "item_id").rows()
    assert outside == [("attachment.outside_folder", "/nirgends/RE-7.pdf", "P-5")]
    assert resolved.frame["item_id"].to_list() == [f"P-{number}" for number in range(7)]
    assert resolved.frame.columns == loaded.frame.columns


def test_without_belege_folder_the_source_folder_comes_first(folders):
    source = folders["source"]
    loaded = _loaded([("belege.csv", "RE-1.pdf"), ("belege.csv", "RE-3.pdf")])
    resolved = resolve_attachments(loaded, [source / "belege.csv"])
    assert resolved.frame["attachment"].to_list() == [
        str(source / "RE-1.pdf"),
        str(source / "belege" / "RE-3.pdf"),
    ]


NAMES = [
    "RE-1.pdf",
    "RE-2.pdf",
    "RE-3.pdf",
    "RE 4 Müller.pdf",
    "RE-6.pdf",
    "RE-9.pdf",
    "link.pdf",
    "broken.pdf",
    "belege",
    "unter",
    "unter/RE-5.pdf",
    "./RE-2.pdf",
    "belege//RE-3.pdf",
    "RE-2.pdf/",
    "unter\\RE-5.pdf",
    " RE-2.pdf",
    "re-2.pdf",
    ".",
    "..",
    "",
    None,
]


@pytest.mark.parametrize("exact", [True, False], ids=["exact names", "case-blind system"])
@pytest.mark.parametrize("with_belege", [True, False])
def test_every_name_as_one_name_at_a_time(folders, with_belege, exact, monkeypatch):
    """Odd names (subfolders, dots, spaces, case, empty) end where the per-name rule puts them;
    where the file system may find a name the listings do not hold (macOS, Windows), such names
    are looked up one by one."""
    monkeypatch.setattr(listings, "EXACT_NAMES", exact)
    source = folders["source"]
    belege = folders["given"] if with_belege else None
    loaded = _loaded([("belege.csv", name) for name in NAMES])
    resolved = resolve_attachments(loaded, [source / "belege.csv"], belege=belege)
    assert resolved.frame["attachment"].to_list() == [
        None if name == ".." else _expected(name, source, belege) for name in NAMES
    ]  # ".." is the folder above the source's: outside, never read
    outside = resolved.findings.filter(pl.col("rule") == "attachment.outside_folder")
    assert outside["value"].to_list() == [".."]


def test_several_sources_each_in_its_own_folder(tmp_path):
    first, second = tmp_path / "januar", tmp_path / "februar"
    for folder in (first, second / "belege"):
        folder.mkdir(parents=True)
    (first / "RE-1.pdf").write_bytes(b"%PDF")
    (second / "belege" / "RE-1.pdf").write_bytes(b"%PDF")
    loaded = _loaded(
        [("a.csv", "RE-1.pdf"), ("b.csv", "RE-1.pdf"), ("a.csv", "RE-2.pdf"), ("b.csv", "RE-2.pdf")]
    )
    loaded = replace(loaded, frame=pl.concat([loaded.frame.head(2), loaded.frame.tail(2)]))
    resolved = resolve_attachments(loaded, [first / "a.csv", second / "b.csv"])
    # in the chunks of the other columns (two files: two chunks), or each later step realigns
    assert len(set(map(tuple, (s.chunk_lengths() for s in resolved.frame.iter_columns())))) == 1
    assert resolved.frame["attachment"].to_list() == [
        str(first / "RE-1.pdf"),
        str(second / "belege" / "RE-1.pdf"),
        str(first / "RE-2.pdf"),
        str(second / "RE-2.pdf"),
    ]


def test_row_without_source_file_keeps_its_name(folders):
    source = folders["source"]
    loaded = _loaded([(None, "RE-2.pdf"), ("belege.csv", "RE-2.pdf")])
    resolved = resolve_attachments(loaded, [source / "belege.csv"])
    assert resolved.frame["attachment"].to_list() == ["RE-2.pdf", str(source / "RE-2.pdf")]


def test_relative_source_path_resolves_from_the_working_folder(folders, monkeypatch):
    source = folders["source"]
    monkeypatch.chdir(source.parent)
    loaded = _loaded([("belege.csv", "RE-3.pdf"), ("belege.csv", "RE-9.pdf")])
    resolved = resolve_attachments(loaded, [Path("export") / "belege.csv"])
    assert resolved.frame["attachment"].to_list() == [
        str(source / "belege" / "RE-3.pdf"),
        str(source / "RE-9.pdf"),
    ]


def test_folder_that_cannot_be_listed_still_finds_the_file(folders, monkeypatch):
    """A folder one may enter but not list (mode 0o111, or a listing that fails): the file is
    still found by its name."""
    source = folders["source"]

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(os, "scandir", refuse)
    monkeypatch.setattr(os, "listdir", refuse)
    loaded = _loaded([("belege.csv", "RE-3.pdf"), ("belege.csv", "RE-9.pdf")])
    resolved = resolve_attachments(loaded, [source / "belege.csv"])
    assert resolved.frame["attachment"].to_list() == [
        str(source / "belege" / "RE-3.pdf"),
        str(source / "RE-9.pdf"),
    ]


def test_frame_without_attachments_is_left_alone(folders):
    loaded = LoadResult(
        kind="calls",
        frame=pl.DataFrame({"source_file": ["x.csv"]}),
        findings=pl.DataFrame(),
        sources=(),
    )
    assert resolve_attachments(loaded, [folders["source"] / "x.csv"]) is loaded


def test_load_run_finds_the_sample_belege(tmp_path):
    """End to end: the receipts sample and its belege/ folder, copied elsewhere."""
    shutil.copy(SAMPLES / "receipts_canonical.csv", tmp_path / "receipts_canonical.csv")
    shutil.copytree(SAMPLES / "belege", tmp_path / "belege")
    loaded = load_run("receipts", [tmp_path / "receipts_canonical.csv"], profile="canonical")
    frame = loaded.result.frame
    names = pl.read_csv(tmp_path / "receipts_canonical.csv", infer_schema=False)["attachment"]
    assert frame.height == names.len()
    assert frame["attachment"].to_list() == [
        _expected(name, tmp_path, None) for name in names.to_list()
    ]
    assert any(
        path.startswith(str(tmp_path / "belege")) for path in frame["attachment"].drop_nulls()
    )
