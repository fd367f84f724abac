"""``read_headers`` (profile detection) finds the same column names as reading the whole file,
while reading only the start of a large CSV file."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import SourceError
from workbench.sources import readers
from workbench.sources.detect import detect_profile
from workbench.sources.readers import read_headers, read_table

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"

HEADER = "Belegnummer;Belegdatum;Betrag; Gegenkonto ;Straße;Betrag\n"
LINE = '"RE-{0}";31.01.2026;"1.234,56";8400;"Müllerstraße {0}";"12,00"\n'


def _large(rows: int = 3000) -> str:
    """A CSV text larger than the 64 KiB the reader judges a file by."""
    return HEADER + "".join(LINE.format(number) for number in range(rows))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_large_file_same_headers_as_whole_read(write, encoding):
    path = write("gross.csv", _large(), encoding)
    assert path.stat().st_size > 65536
    assert read_headers(path) == read_table(path).headers


def test_large_file_is_not_read_whole(write, monkeypatch):
    path = write("gross.csv", _large(20000))
    sizes = []
    original = readers._read_bytes

    def counted(path, limit=-1):
        sizes.append(limit)
        return original(path, limit)

    monkeypatch.setattr(readers, "_read_bytes", counted)
    monkeypatch.setattr(readers.pl, "read_csv", _only_small(readers.pl.read_csv))
    assert read_headers(path) == [
        "Belegnummer",
        "Belegdatum",
        "Betrag",
        "Gegenkonto",
        "Straße",
        "Betrag_duplicated_0",
    ]
    assert sizes and all(0 <= size <= 65537 for size in sizes)


def _only_small(read_csv):
    def read(source, **options):
        assert isinstance(source, bytes) and len(source) <= 65536, "the whole file was parsed"
        return read_csv(source, **options)

    return read


def test_header_row_further_down(write):
    text = "Export vom 31.01.2026\n\n" + _large()
    path = write("gross.csv", text)
    assert read_headers(path, header_row=3) == read_table(path, header_row=3).headers


def test_quoted_line_break_at_the_cut(write):
    """A value whose quotes span the 64 KiB mark: the start ends inside it, same headers."""
    head = HEADER + "".join(LINE.format(number) for number in range(700))
    cut = 65536 - len(head.encode("utf-8"))
    spanning = (
        '"RE-X";31.01.2026;"1,00";8400;"' + "a" * (cut - 40) + "\n" + "b" * 100 + '";"1,00"\n'
    )
    path = write("gross.csv", head + spanning + "".join(LINE.format(n) for n in range(100)))
    assert read_headers(path) == read_table(path).headers


def test_header_longer_than_the_start(write):
    names = [f"Spalte {number:05d} mit langem Namen" for number in range(3000)]
    path = write("breit.csv", ";".join(names) + "\n" + ";".join("x" for _ in names) + "\n")
    assert read_headers(path) == read_table(path).headers == names


@pytest.mark.parametrize(
    "name", ["receipts_canonical.csv", "receipts_juston_expense.csv", "calls_starface.csv"]
)
def test_samples(name):
    assert read_headers(SAMPLES / name) == read_table(SAMPLES / name).headers


def test_causes_as_before(tmp_path):
    pdf = tmp_path / "beleg.csv"
    pdf.write_bytes(b"%PDF-1.7\n" + b"\x00\x01binary" * 20000)
    with pytest.raises(SourceError, match="PDF-Dokument"):
        read_headers(pdf)
    with pytest.raises(SourceError, match="nicht gefunden"):
        read_headers(tmp_path / "fehlt.csv")
    blank = tmp_path / "leer.csv"
    blank.write_bytes(b" \n" * 40000)
    with pytest.raises(SourceError, match="leer"):
        read_headers(blank)


def test_detection_of_a_large_file(tmp_path):
    """The canonical sample made large: still recognised, from its first lines."""
    text = (SAMPLES / "receipts_canonical.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines(keepends=True)
    path = tmp_path / "gross.csv"
    path.write_text(header + "".join(rows * (200_000 // len(text) + 2)), encoding="utf-8")
    assert path.stat().st_size > 200_000
    assert detect_profile("receipts", [path]) == "canonical"
