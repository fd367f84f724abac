"""Issue 14.1: a stray quote must never swallow rows silently.

Every physical line of a CSV file is accounted for: a quoted value that runs over lines which
look like records of their own is a SourceError naming the line where the quote opened; a value
with a genuine line break is loaded and reported with its line range.
"""

import pytest

from workbench.errors import SourceError
from workbench.sources import load_calls, load_receipts

CALLS_HEADER = "Anruf-ID;Beginn;Dauer;Richtung;Angenommen;Rufnummer;Nebenstelle;Teilnehmer;Notiz\n"


def _calls(notes: dict[int, str], count: int = 10) -> str:
    lines = [
        f"C{n:03d};02.01.2026 {8 + n:02d}:00:00;00:03:34;eingehend;ja;0049 30 9876540;11;"
        f"Schröder, Sabine;{notes.get(n, 'ok')}\n"
        for n in range(1, count + 1)
    ]
    return CALLS_HEADER + "".join(lines)


def _receipts(notes: dict[int, str], count: int = 6) -> str:
    header = "InvoiceNo;BookingDate;AccountName;Amount\n"
    return header + "".join(
        f"R{n};01.01.2026;{notes.get(n, 'Firma')};1,00\n" for n in range(1, count + 1)
    )


@pytest.mark.parametrize("size", ["small", "large"])  # read whole / parsed by polars from the file
def test_stray_quote_in_a_call_list_names_the_line_where_it_opened(write, size):
    count = 10 if size == "small" else 3000
    text = _calls({3: '"Rückruf erbeten', 5: 'bitte melden"'}, count)
    with pytest.raises(SourceError, match=r"anrufe\.csv.*Zeile 4.*Anführungszeichen") as caught:
        load_calls(write("anrufe.csv", text), profile="starface")
    assert caught.value.row == 4
    assert caught.value.file == "anrufe.csv"
    assert "Zeile 6" in str(caught.value)  # where the quote closed: the lines in between


def test_stray_quote_in_receipts_is_reported_not_merged(write):
    text = _receipts({2: '"Firma A', 4: 'Firma B"'})
    with pytest.raises(SourceError, match=r"belege\.csv.*Zeile 3"):
        load_receipts(write("belege.csv", text), profile="juston")


def test_quote_that_never_closes_names_its_line(write):
    text = _receipts({5: '"Firma ohne Ende'})
    with pytest.raises(SourceError, match=r"offen\.csv.*Zeile 6.*Anführungszeichen"):
        load_receipts(write("offen.csv", text), profile="juston")


def test_genuine_line_break_in_a_note_is_loaded_and_reported_with_its_lines(write):
    text = _calls({3: '"Rückruf erbeten\nab 14 Uhr"'}, 4)
    result = load_calls(write("notizen.csv", text), profile="starface")
    assert result.frame.height == 4
    assert result.frame["note"][2] == "Rückruf erbeten\nab 14 Uhr"
    [finding] = result.findings.filter(result.findings["rule"] == "field.line_break").to_dicts()
    assert (finding["source"], finding["row"], finding["column"]) == ("notizen.csv", 4, "note")
    assert finding["source_column"] == "Notiz"
    assert finding["severity"] == "warning"
    assert "Zeilen 4–5" in finding["message"]
    # every physical line accounted for: 1 header + 4 records over 5 lines + the finding's range
    assert result.frame["source_row"].to_list() == [2, 3, 4, 6]


def test_profile_detection_reports_the_unreadable_file_not_a_missing_profile(write):
    from workbench.pipeline import detect_profile

    path = write("anrufe.csv", _calls({3: '"Rückruf erbeten', 5: 'bitte melden"'}))
    with pytest.raises(SourceError, match=r"anrufe\.csv, Zeile 4, Spalte 'Notiz'"):
        detect_profile("calls", [path])
