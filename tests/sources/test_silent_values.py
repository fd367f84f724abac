"""Issue 14.6: no silent wrong values. Overflow, fullwidth and Arabic-Indic digits, integers
beyond Int64: a finding naming file, row, column and value, never a wrong number and never a
crash."""

import pytest

from workbench.sources import load_calls, load_invoices, load_pos, load_receipts

CALLS = "Anruf-ID;Beginn;Dauer;Richtung;Angenommen;Rufnummer;Nebenstelle;Teilnehmer;Notiz\n"
FULLWIDTH_12 = "\uff11\uff12"  # "12" in fullwidth digits
ARABIC_34 = "\u0663\u0664"  # "34" in Arabic-Indic digits


def _only_unparseable(result, column, value, row=2):
    [finding] = result.findings.to_dicts()
    assert finding["rule"] == "field.unparseable"
    assert (finding["row"], finding["column"], finding["value"]) == (row, column, value)
    assert finding["severity"] == "error"
    assert value[:20] in finding["message"] and f"Zeile {row}" in finding["message"]
    return finding


@pytest.mark.parametrize(
    "duration",
    [
        "99999999999999999999:00:00",  # used to become 0 s
        "3000000000000000:00:00",  # used to wrap negative
        "2562047788015216:00:00",
        f"{FULLWIDTH_12}:00:00",
        f"{ARABIC_34}:00:00",
        f"00:{FULLWIDTH_12}:00",
        "99999999999999999999",
        f"{FULLWIDTH_12}",
    ],
)
def test_call_durations_that_do_not_fit_are_findings(write, duration):
    path = write(
        "anrufe.csv", CALLS + f"C1;02.01.2026 10:00:00;{duration};eingehend;ja;0301;11;X;\n"
    )
    result = load_calls(path, profile="starface")
    assert result.frame["duration_s"].to_list() == [None]
    finding = _only_unparseable(result, "duration_s", duration)
    assert finding["source"] == "anrufe.csv" and finding["source_column"] == "Dauer"


@pytest.mark.parametrize(
    ("duration", "seconds"), [("1000:00:00", 3_600_000), ("0:03:34", 214), ("214", 214)]
)
def test_plausible_durations_still_load(write, duration, seconds):
    path = write(
        "anrufe.csv", CALLS + f"C1;02.01.2026 10:00:00;{duration};eingehend;ja;0301;11;X;\n"
    )
    assert load_calls(path, profile="starface").frame["duration_s"].to_list() == [seconds]


@pytest.mark.parametrize(
    "amount",
    [
        f"{FULLWIDTH_12},50",
        f"{ARABIC_34},00",
        "12,5\uff10",
        "9" * 400,  # used to become inf
        "9" * 30,
        "1234567890123456789,12",  # beyond what a float keeps to the cent
        "-" + "9" * 16,
    ],
)
def test_amounts_that_cannot_be_kept_exactly_are_findings(write, amount):
    path = write(
        "belege.csv", f"InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;X;{amount}\n"
    )
    result = load_receipts(path, profile="juston")
    assert result.frame["amount"].to_list() == [None]
    _only_unparseable(result, "amount", amount)


def test_large_but_exact_amounts_still_load(write):
    path = write(
        "belege.csv",
        "InvoiceNo;BookingDate;AccountName;Amount\nR1;01.01.2026;X;9.999.999.999.999,99\n",
    )
    assert load_receipts(path, profile="juston").frame["amount"].to_list() == [9999999999999.99]


@pytest.mark.parametrize(
    "position",
    ["12345678901234567890", "9223372036854775808", FULLWIDTH_12, "1.5"],
)
def test_position_numbers_beyond_int64_or_in_other_digits_are_findings(write, position):
    invoices = write(
        "rechnungen.csv",
        "invoice_kind,invoice_id,date,party_name,gross\nRechnung,R1,2026-01-05,Firma,10.00\n",
    )
    positions = write(
        "rechnungen_positionen.csv",
        f"invoice_id,position,name,gross\nR1,{position},Ware,10.00\n",
    )
    result = load_invoices([invoices, positions])
    assert result.positions["position"].to_list() == [None]
    [finding] = result.findings.filter(result.findings["column"] == "position").to_dicts()
    assert finding["value"] == position and finding["row"] == 2
    assert finding["source"] == "rechnungen_positionen.csv"


@pytest.mark.parametrize("position", [9223372036854775807, 9007199254740993])
def test_exact_large_position_numbers_stay_exact(write, position):
    invoices = write(
        "rechnungen.csv",
        "invoice_kind,invoice_id,date,party_name,gross\nRechnung,R1,2026-01-05,Firma,10.00\n",
    )
    positions = write(
        "rechnungen_positionen.csv",
        f"invoice_id,position,name,gross\nR1,{position},Ware,10.00\n",
    )
    result = load_invoices([invoices, positions])
    assert result.positions["position"].to_list() == [position]


@pytest.mark.parametrize("amount", [f"{FULLWIDTH_12},00", f"{ARABIC_34},00"])
def test_pos_with_other_digits_is_a_finding_not_a_crash(write, amount):
    path = write(
        "kasse.csv",
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        f"02.01.2026;Umsatz;Speisen;{amount};7\n",
    )
    result = load_pos(path, profile="lightspeed")
    assert result.frame["amount"].to_list() == [None]
    _only_unparseable(result, "amount", amount)


@pytest.mark.parametrize("date", [f"0{FULLWIDTH_12[0]}.01.2026", "31.01.20262", "99999-01-01"])
def test_dates_in_other_digits_or_beyond_the_calendar_are_findings(write, date):
    path = write("belege.csv", f"InvoiceNo;BookingDate;AccountName;Amount\nR1;{date};X;1,00\n")
    result = load_receipts(path, profile="juston")
    assert result.frame["date"].to_list() == [None]
    _only_unparseable(result, "date", date)
