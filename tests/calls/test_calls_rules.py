import polars as pl
import pytest

from workbench.calls import CallSettings, check_calls, resolve_calls
from workbench.calls.rules import call_flags
from workbench.findings import FINDINGS_SCHEMA

#: (row, rule, severity) the fixture must give with the default settings.
EXPECTED = {
    (2, "calls.ambiguous_number", "warning"),
    (4, "calls.no_client", "warning"),
    (6, "calls.fax_number", "warning"),
    (7, "calls.inactive_addressee", "warning"),
    (8, "calls.unmatched_number", "warning"),
    (10, "calls.invalid_duration", "error"),
    (11, "calls.ambiguous_number", "warning"),
    (11, "calls.overlap", "warning"),
    (12, "calls.overlap", "warning"),
    (13, "duplicate.call_id", "error"),
    (14, "duplicate.call_id", "error"),
    (15, "calls.ambiguous_number", "warning"),
    (16, "calls.unparseable_number", "warning"),
    (17, "calls.unparseable_number", "warning"),
}


def findings_of(fixture_calls, directory, **settings):
    resolved = resolve_calls(fixture_calls.frame, directory)
    columns = fixture_calls.sources[0].mapped
    return check_calls(resolved, settings=CallSettings(**settings), source_columns=columns)


def test_fixture_findings(directory, fixture_calls):
    findings = findings_of(fixture_calls, directory)
    assert findings.schema == FINDINGS_SCHEMA
    assert set(findings.select("row", "rule", "severity").rows()) == EXPECTED
    assert findings.height == len(EXPECTED)
    assert set(findings["source"]) == {"calls_starface_fixture.csv"}
    by_rule = {r["rule"]: r for r in findings.iter_rows(named=True)}
    assert by_rule["calls.fax_number"]["source_column"] == "Rufnummer"
    assert by_rule["calls.invalid_duration"]["source_column"] == "Dauer"
    assert by_rule["calls.invalid_duration"]["value"] == "26:13:09"
    assert by_rule["duplicate.call_id"]["message"].startswith(
        "Die Anruf-ID SF-12 kommt mehrfach vor (Zeilen 13, 14)"
    )
    overlaps = findings.filter(pl.col("rule") == "calls.overlap")
    assert [m.split(" mit ")[1][:14] for m in overlaps["message"]] == [
        "Gespräch SF-11",
        "Gespräch SF-10",
    ]
    assert by_rule["calls.ambiguous_number"]["expected"] == "genau ein Mandant"
    # Every message is German and says what to do.
    for message in findings["message"]:
        assert any(verb in message for verb in ("Sie ", "Prüfen", "Korrigieren")), message


def test_number_problems_of_calls_left_out_are_infos(directory, fixture_calls):
    findings = findings_of(fixture_calls, directory, ignore_outbound=True, only_answered=False)
    severity = dict(
        ((r, rule), s) for r, rule, s in findings.select("row", "rule", "severity").rows()
    )
    assert severity[(15, "calls.ambiguous_number")] == "info"  # SF-13 outbound
    assert severity[(7, "calls.inactive_addressee")] == "info"  # SF-6 outbound
    assert severity[(2, "calls.ambiguous_number")] == "warning"  # SF-1 inbound
    info = findings.filter(pl.col("severity") == "info")["message"]
    assert all(m.endswith("ohnehin nicht abgerechnet.)") for m in info)
    identified = findings_of(fixture_calls, directory, only_identified=True)
    numbers = identified.filter(pl.col("column") == "remote_number")
    assert set(numbers["severity"]) == {"info"}


@pytest.mark.parametrize(
    ("durations", "invalid"),
    [
        ([0, 60, 43200], [False, False, False]),
        ([-1, 43201, None], [True, True, False]),
    ],
)
def test_invalid_durations(durations, invalid):
    frame = pl.DataFrame(
        {
            "call_id": ["a", "b", "c"],
            "extension": ["11", "12", "13"],
            "started_at": [None] * 3,
            "duration_s": durations,
        },
        schema={
            "call_id": pl.String,
            "extension": pl.String,
            "started_at": pl.Datetime("us"),
            "duration_s": pl.Int64,
        },
    )
    assert call_flags(frame)["invalid_duration"].to_list() == invalid


def test_overlap_only_on_the_same_extension():
    frame = pl.DataFrame(
        {
            "call_id": ["a", "b", "c", "d"],
            "extension": ["11", "12", "11", "11"],
            "started_at": [
                "2026-01-05 09:00:00",
                "2026-01-05 09:01:00",
                "2026-01-05 09:10:00",
                "2026-01-05 09:05:00",
            ],
            "duration_s": [600, 60, 60, 60],
        }
    ).with_columns(pl.col("started_at").str.to_datetime())
    flags = call_flags(frame)
    # a (09:00-09:10) overlaps d (09:05); c starts exactly when a ends: no overlap.
    assert flags["overlap_with"].to_list() == ["d", None, None, "a"]
