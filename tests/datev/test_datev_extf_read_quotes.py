"""The vector test for undoubled quotes finds exactly what the line regex finds."""

from __future__ import annotations

import random

import pytest

from workbench.datev.extf_read import _STRAY_QUOTE, _has_stray_quote

ALPHABET = ['"', '"', ";", "\r", "\n", "x", "ä", "€", "😀", " "]


@pytest.mark.parametrize("seed", range(5))
def test_the_vector_test_agrees_with_the_regex(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(4000):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 9)))
        found = _STRAY_QUOTE.search(text) is not None
        assert _has_stray_quote(text.encode("utf-8")) is found, repr(text)


@pytest.mark.parametrize(
    ("text", "stray"),
    [
        ('"a";"b""c";"""d"""', False),
        ('"Sag "Hallo" bitte"', True),
        ('ä"ö', True),
        ('€""€', False),
        ("", False),
        ('"', False),
    ],
)
def test_examples(text: str, stray: bool) -> None:
    assert _has_stray_quote(text.encode("utf-8")) is stray
