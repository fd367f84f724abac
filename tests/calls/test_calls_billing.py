import itertools
import math
from datetime import datetime

import polars as pl
import pytest

from workbench.calls import CallAssignment, CallSettings, bill_calls
from workbench.errors import ConfigError
from workbench.findings import FINDINGS_SCHEMA

CLIENT_1 = "6f1c0a3e2b7d4c59a8e1f2d3c4b5a601"
#: Fixture call -> Mandant number its number resolves to (None: no unique Mandant).
MANDANT = {
    "SF-1": None,
    "SF-2": 3,
    "SF-3": None,
    "SF-4": 55003,
    "SF-5": None,
    "SF-6": None,
    "SF-7": None,
    "SF-8": None,
    "SF-9": 3,
    "SF-10": None,
    "SF-11": 2,
    "SF-12": None,
    "SF-13": None,
    "SF-14": None,
    "SF-15": None,
    "SF-16": 55003,
    "SF-17": 2,
}
BLOCKED = {"SF-9", "SF-12"}  # absurd duration; duplicate call id


@pytest.mark.parametrize(
    ("rounding", "seconds", "minutes"),
    [
        ("minute", 0, 0),
        ("minute", 1, 1),
        ("minute", 59, 1),
        ("minute", 60, 1),
        ("minute", 61, 2),
        ("6min", 1, 6),
        ("6min", 360, 6),
        ("6min", 361, 12),
        ("10min", 599, 10),
        ("10min", 601, 20),
        ("15min", 1, 15),
        ("15min", 900, 15),
        ("15min", 901, 30),
    ],
)
def test_rounding(rounding, seconds, minutes):
    assert CallSettings(rounding=rounding).billed_minutes(seconds) == minutes


def test_unknown_rounding_is_a_config_error():
    with pytest.raises(ConfigError, match="Rundung '5min' ist unbekannt"):
        CallSettings(rounding="5min")


def test_default_billing_of_the_fixture(directory, fixture_calls):
    billing = bill_calls(fixture_calls, directory)
    status = dict(zip(billing.lines["call_id"], billing.lines["status"], strict=True))
    assert {k: v for k, v in status.items() if v == "billed"} == {
        "SF-2": "billed",
        "SF-11": "billed",
        "SF-16": "billed",
        "SF-17": "billed",
    }
    assert status["SF-4"] == status["SF-8"] == "ignored"
    assert status["SF-9"] == "blocked"
    assert billing.lines.filter(pl.col("call_id") == "SF-12")["status"].to_list() == [
        "blocked",
        "blocked",
    ]
    for unresolved in ("SF-1", "SF-3", "SF-5", "SF-6", "SF-7", "SF-10", "SF-13", "SF-14", "SF-15"):
        assert status[unresolved] == "unresolved"
    billed = billing.billed
    assert billed["billed_minutes"].to_list() == [1, 5, 30, 3]
    assert billed["time_units"].to_list() == [20, 100, 600, 60]
    reasons = dict(zip(billing.lines["call_id"], billing.lines["reason"], strict=True))
    assert reasons["SF-1"].startswith("Kein eindeutiger Mandant: Rufnummer mehreren Adressaten")
    assert "Anna Müller ist keinem Mandanten zugeordnet" in reasons["SF-3"]
    assert reasons["SF-4"].startswith("Nicht angenommen")
    assert reasons["SF-8"] == "Interne Gespräche werden ignoriert (Einstellung)."
    assert reasons["SF-12"] == "Anruf-ID mehrfach vergeben."
    assert "Faxnummer" in reasons["SF-5"]


def test_summary_per_mandant_and_month(directory, fixture_calls):
    summary = bill_calls(fixture_calls, directory).summary()
    rows = summary.select(
        "client_number", "month", "calls", "seconds", "billed_minutes", "time_units"
    ).rows()
    assert rows == [
        (2, "2026-01", 1, 300, 5, 100),
        (2, "2026-02", 1, 150, 3, 60),
        (3, "2026-01", 1, 59, 1, 20),
        (55003, "2026-02", 1, 1800, 30, 600),
    ]
    assert summary["hours"].to_list() == [0.08, 0.05, 0.02, 0.5]


def expected_status(row: dict, settings: CallSettings) -> str:
    if row["direction"] in settings.ignored_directions:
        return "ignored"
    if settings.only_answered and not row["answered"]:
        return "ignored"
    if row["call_id"] in BLOCKED:
        return "blocked"
    if MANDANT[row["call_id"]] is None:
        return "ignored" if settings.only_identified else "unresolved"
    return "billed" if row["duration_s"] > 0 else "not_billable"


FLAGS = ("ignore_inbound", "ignore_outbound", "ignore_internal", "only_identified", "only_answered")


@pytest.mark.parametrize(
    "flags",
    list(itertools.product([False, True], repeat=len(FLAGS))),
    ids=lambda f: "-".join(n for n, on in zip(FLAGS, f, strict=True) if on) or "none",
)
@pytest.mark.parametrize("rounding", ["minute", "15min"])
def test_settings_combinations(directory, fixture_calls, flags, rounding):
    settings = CallSettings(**dict(zip(FLAGS, flags, strict=True)), rounding=rounding)
    billing = bill_calls(fixture_calls, directory, settings=settings)
    lines = billing.lines
    # Every loaded call is exactly one line (no virtual calls here), in file order.
    assert lines["source_row"].to_list() == fixture_calls.frame["source_row"].to_list()
    for row in lines.iter_rows(named=True):
        assert row["status"] == expected_status(row, settings), row["call_id"]
        if row["status"] == "billed":
            assert row["client_number"] == MANDANT[row["call_id"]]
            assert row["reason"] is None
            assert row["billed_minutes"] == settings.billed_minutes(row["duration_s"])
            assert row["time_units"] == row["billed_minutes"] * 20
        else:
            assert row["reason"], row["call_id"]
            assert row["billed_minutes"] == row["time_units"] == 0
    # Totals per Mandant are the sum of the rounded call minutes.
    unit = settings.unit_minutes * 60
    expected: dict[int, int] = {}
    for row in lines.filter(pl.col("status") == "billed").iter_rows(named=True):
        minutes = math.ceil(row["duration_s"] / unit) * settings.unit_minutes
        expected[row["client_number"]] = expected.get(row["client_number"], 0) + minutes
    totals = billing.summary().group_by("client_number").agg(pl.col("billed_minutes").sum())
    assert dict(totals.rows()) == expected
    # Number findings are warnings only for calls these settings would bill.
    number_rules = billing.findings.filter(pl.col("column") == "remote_number")
    if settings.only_identified:
        assert set(number_rules["severity"]) <= {"info"}


def test_split_into_virtual_calls(directory, fixture_calls):
    """Neues Gespräch: SF-10 (20 min) is 10 min for Mandant 2, then the rest for Mandant 1."""
    billing = bill_calls(
        fixture_calls,
        directory,
        assignments=[
            CallAssignment("SF-10", 2, seconds=600, note="Firma A"),
            CallAssignment("SF-10", CLIENT_1, note="Firma B"),
        ],
    )
    parts = billing.lines.filter(pl.col("call_id") == "SF-10")
    assert parts.select(
        "part",
        "started_at",
        "duration_s",
        "client_number",
        "note",
        "status",
        "billed_minutes",
        "assigned",
    ).rows() == [
        (1, datetime(2026, 1, 5, 14, 0), 600, 2, "Firma A", "billed", 10, True),
        (2, datetime(2026, 1, 5, 14, 10), 600, 1, "Firma B", "billed", 10, True),
    ]
    assert billing.lines.height == fixture_calls.frame.height + 1
    # Each virtual call is rounded on its own: 1 min -> 15, 19 min -> 30.
    quarter = bill_calls(
        fixture_calls,
        directory,
        settings=CallSettings(rounding="15min"),
        assignments=[CallAssignment("SF-10", 2, seconds=60), CallAssignment("SF-10", 1)],
    )
    assert quarter.lines.filter(pl.col("call_id") == "SF-10")["billed_minutes"].to_list() == [
        15,
        30,
    ]


def test_reassign_resolves_an_ambiguous_call(directory, fixture_calls):
    """Adressat ändern: the ambiguous SF-1 goes to Mandant 1; SF-2 moves from 3 to 2."""
    billing = bill_calls(
        fixture_calls,
        directory,
        assignments=[
            CallAssignment("SF-1", 1),
            CallAssignment("SF-2", "6f1c0a3e2b7d4c59a8e1f2d3c4b5a602"),
        ],
    )
    lines = billing.lines.filter(pl.col("call_id").is_in(["SF-1", "SF-2"]))
    assert lines.select(
        "call_id", "client_number", "status", "billed_minutes", "match_status", "note"
    ).rows() == [
        ("SF-1", 1, "billed", 3, "ambiguous", "Rückfrage USt"),
        ("SF-2", 2, "billed", 1, "matched", None),
    ]
    assert billing.findings.filter(pl.col("rule") == "calls.invalid_assignment").height == 0


@pytest.mark.parametrize(
    ("assignments", "message"),
    [
        ([CallAssignment("SF-1", 999)], "Mandant 999 ist in DATEV nicht angelegt"),
        ([CallAssignment("SF-1", 4)], "Mandant ist inaktiv"),
        (
            [CallAssignment("SF-1", 1, seconds=100), CallAssignment("SF-1", 2, seconds=100)],
            "Die Teile ergeben 200 s, das Gespräch dauert 125 s",
        ),
        (
            [CallAssignment("SF-1", 1, seconds=60)],
            "Die Teile ergeben 60 s, das Gespräch dauert 125 s",
        ),
        ([CallAssignment("SF-1", 1), CallAssignment("SF-1", 2, seconds=60)], "Nur der letzte Teil"),
        (
            [CallAssignment("SF-1", 1, seconds=0), CallAssignment("SF-1", 2)],
            "jede Dauer muss positiv",
        ),
        ([CallAssignment("SF-12", 1)], "Anruf-ID SF-12 ist nicht eindeutig"),
        ([CallAssignment("SF-99", 1)], "Gespräch SF-99 ist nicht in der Anrufliste"),
    ],
)
def test_invalid_assignments_are_findings(directory, fixture_calls, assignments, message):
    billing = bill_calls(fixture_calls, directory, assignments=assignments)
    problems = billing.findings.filter(pl.col("rule") == "calls.invalid_assignment")
    assert problems.height == 1
    assert message in problems["message"][0]
    assert problems["severity"][0] == "error"
    # The call keeps its own resolution.
    call_id = assignments[0].call_id
    lines = billing.lines.filter(pl.col("call_id") == call_id)
    assert not lines["assigned"].any()
    assert billing.lines.height == fixture_calls.frame.height


def test_plain_frame_without_lineage_headers(directory, fixture_calls):
    billing = bill_calls(fixture_calls.frame, directory)
    assert billing.findings.schema == FINDINGS_SCHEMA
    assert billing.findings["source_column"].null_count() == billing.findings.height
    assert billing.billed.height == 4


def test_empty_log(directory, fixture_calls):
    billing = bill_calls(fixture_calls.frame.clear(), directory)
    assert billing.lines.height == billing.findings.height == billing.summary().height == 0


def test_restrict_to_one_mandant(directory, fixture_calls):
    billing = bill_calls(fixture_calls, directory)
    mine = billing.for_client(2)
    assert mine.lines["call_id"].to_list() == ["SF-11", "SF-17"]
    assert mine.findings["rule"].to_list() == ["calls.overlap"]  # SF-11 overlaps SF-10
    same = billing.for_client("6f1c0a3e2b7d4c59a8e1f2d3c4b5a602")
    assert same.lines.equals(mine.lines)
    assert billing.for_client(999).lines.height == 0


def test_hand_made_frame_without_lineage(directory):
    calls = pl.DataFrame(
        {
            "call_id": ["x1", "x1", "x2"],
            "started_at": [datetime(2026, 3, 2, 9)] * 3,
            "duration_s": [61, 30, -5],
            "direction": ["inbound", "outbound", "inbound"],
            "answered": [True, True, True],
            "remote_number": ["030 9876540", "0911 47110", None],
            "extension": ["11", "12", "11"],
            "user": [None] * 3,
            "note": [None] * 3,
        },
        schema_overrides={"user": pl.String, "note": pl.String},
    )
    billing = bill_calls(calls, directory)
    assert billing.lines["status"].to_list() == ["blocked", "blocked", "blocked"]
    assert set(billing.findings["rule"]) == {
        "duplicate.call_id",
        "calls.invalid_duration",
        "calls.ambiguous_number",
        "calls.unparseable_number",
    }
    assert billing.findings["row"].null_count() == billing.findings.height
