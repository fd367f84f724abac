import codecs

import pytest

from workbench.sources.encoding import decode_text, detect_encoding

TEXT = "Konto;Name\n4400;Müller & Söhne – Straße\n"


@pytest.mark.parametrize(
    ("data", "codec", "bom"),
    [
        (TEXT.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig", True),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le", True),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be", True),
        (TEXT.encode("utf-16-le"), "utf-16-le", False),
        (TEXT.encode("utf-16-be"), "utf-16-be", False),
        (TEXT.encode("cp1252"), "cp1252", False),
    ],
)
def test_detects_and_decodes(data, codec, bom):
    decoded = decode_text(data)
    assert decoded.encoding == codec
    assert decoded.bom is bom
    assert decoded.text == TEXT


def test_bytes_undefined_in_cp1252_fall_back_to_latin1():
    assert detect_encoding(b"Stra\xdfe \x81")[0] == "latin-1"


def test_utf8_flag():
    assert decode_text("ä".encode()).is_utf8
    assert not decode_text("ä".encode("cp1252")).is_utf8
