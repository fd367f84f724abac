import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.calls.numbers import fixed_points, normalize_number, normalize_numbers


@pytest.mark.parametrize(
    ("raw", "number", "extension", "status"),
    [
        ("+49 911 4711-0", "+4991147110", None, "ok"),
        ("0911 47110", "+4991147110", None, "ok"),
        ("(0911) 4711-0", "+4991147110", None, "ok"),
        ("+49 (0)911 47110", "+4991147110", None, "ok"),
        ("0049 30 9876540", "+49309876540", None, "ok"),
        ("+4930/9876540", "+49309876540", None, "ok"),
        ("0170 5550123", "+491705550123", None, "ok"),
        ("+43 1 5875432", "+4315875432", None, "ok"),
        ("0043 1 5875432", "+4315875432", None, "ok"),
        ("+1 212 5550147", "+12125550147", None, "ok"),
        ("030 1234567 x 12", "+49301234567", "12", "ok"),
        ("+49 30 1234567;ext=12", "+49301234567", "12", "ok"),
        ("", None, None, "missing"),
        (None, None, None, "missing"),
        ("unbekannt", None, None, "missing"),
        ("Anonym", None, None, "missing"),
        ("abc", None, None, "unparseable"),
        ("+49 1", None, None, "unparseable"),
    ],
)
def test_normalize_number(raw, number, extension, status):
    assert normalize_number(raw) == (number, extension, status)
    frame = normalize_numbers(pl.Series([raw], dtype=pl.String))
    row = frame.row(0, named=True)
    assert (row["number"], row["number_extension"], row["number_status"]) == (
        number,
        extension,
        status,
    )


def test_foreign_default_region():
    assert normalize_number("01 5875432", "AT").number == "+4315875432"
    assert normalize_numbers(pl.Series(["01 5875432"]), region="AT")["number"][0] == "+4315875432"


def test_distinct_spellings_are_parsed_once():
    normalize_number.cache_clear()
    spellings = ["0911 47110", "0911 4711-0", "+49 911 47110", "0049 911 4711 0"] * 1000
    frame = normalize_numbers(pl.Series(spellings))
    assert frame.height == 4
    assert set(frame["number"]) == {"+4991147110"}
    # All four spellings share one cheap key: phonenumbers ran once.
    assert normalize_number.cache_info().misses == 1


digits = st.text(alphabet="0123456789", min_size=3, max_size=12)
separators = st.sampled_from(["", " ", "-", "/", ".", "  "])


@st.composite
def spellings(draw):
    prefix = draw(st.sampled_from(["", "0", "00", "+", "+49 ", "0049 ", "(0", "+49 (0)"]))
    parts = draw(st.lists(digits, min_size=1, max_size=4))
    text = prefix + "".join(p + draw(separators) for p in parts)
    if draw(st.booleans()):
        text += draw(st.sampled_from([" x 12", ";ext=7", " ext. 3", ""]))
    return text


@settings(max_examples=200, deadline=None)
@given(st.lists(spellings(), min_size=1, max_size=20))
def test_cheap_key_never_changes_the_result(texts):
    frame = normalize_numbers(pl.Series(texts, dtype=pl.String))
    for row in frame.iter_rows(named=True):
        direct = normalize_number.__wrapped__(row["raw"])
        assert (row["number"], row["number_extension"], row["number_status"]) == tuple(direct)


@settings(max_examples=200, deadline=None)
@given(st.lists(spellings(), max_size=10), st.lists(spellings(), min_size=1, max_size=10))
def test_known_numbers_never_change_the_result(directory_spellings, call_spellings):
    """The shortcut for numbers the directory already has gives what phonenumbers gives."""
    known = fixed_points(normalize_numbers(pl.Series(directory_spellings, dtype=pl.String)))
    calls = pl.Series(directory_spellings + call_spellings, dtype=pl.String)
    fast = normalize_numbers(calls, known=known).sort("raw")
    for row in fast.iter_rows(named=True):
        direct = normalize_number.__wrapped__(row["raw"])
        assert (row["number"], row["number_extension"], row["number_status"]) == tuple(direct)


def test_known_numbers_skip_phonenumbers():
    normalize_number.cache_clear()
    frame = normalize_numbers(
        pl.Series(["0911 47110", "+49 911 4711-0", "030 1234567 x 12"]),
        known=pl.Series(["+4991147110", None]),
    )
    assert dict(zip(frame["raw"], frame["number"], strict=True)) == {
        "0911 47110": "+4991147110",
        "+49 911 4711-0": "+4991147110",
        "030 1234567 x 12": "+49301234567",
    }
    assert normalize_number.cache_info().misses == 1  # only the extension spelling
