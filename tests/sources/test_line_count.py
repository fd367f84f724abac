"""The line count that tells the fast CSV path (one record per line) from the careful reader
counts every line break, whatever surrounds it."""

from __future__ import annotations

import pytest

from workbench.sources.readers import _line_count

CASES = [
    b"a,b\n1,2",
    b"a,b\n1,2\n",
    b"a\r\nb\r\n",
    b"\n\n\n",
    b"a\n\n",
    b"x",
    b'a,"b\nc"\n',
    b"\xef\xbb\xbfa\nb\n",
    b"a\n# c\nb\n",
    b"a\x1fb\n\x1f\n",
    b"a\n\r\nb\n",
    b"a\rb\n",
    b"a\n\xff\xfe\n\x00\n",
    b'a;"\n"\n"";"\n\n',
]


@pytest.mark.parametrize("data", CASES)
def test_every_line_break_counts(tmp_path, data):
    path = tmp_path / "zeilen.csv"
    path.write_bytes(data)
    assert _line_count(path) == data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def test_large_file(tmp_path):
    data = b"a;b\n" + b'1;"x\ny"\n' * 300_000 + b"\n\n2;3"
    path = tmp_path / "gross.csv"
    path.write_bytes(data)
    assert _line_count(path) == data.count(b"\n") + 1
