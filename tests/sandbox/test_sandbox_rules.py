"""Unit and property tests for the sandbox's pure parts: clock, file names, EXTF checks and
XML checks never crash on arbitrary input."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.sandbox.clock import Clock
from workbench.sandbox.dxso import NAME_ALLOWED, sanitize_filename
from workbench.sandbox.extf_rules import check_extf, decode
from workbench.sandbox.rules import REJECTED, xsd_error
from workbench.sandbox.seed import Seed, load_seed

QUICK = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CLIENT = Seed(load_seed()).client("455148-1")


def test_frozen_clock_moves_only_when_advanced():
    clock = Clock(frozen_at=1000.0)
    assert clock.controlled and clock.now() == 1000.0
    clock.advance(61 * 86400)
    assert clock.now() == 1000.0 + 61 * 86400
    with pytest.raises(ValueError, match="never runs backwards"):
        clock.advance(-1)
    clock.unfreeze()
    assert not clock.controlled and clock.now() >= 1000.0 + 61 * 86400


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Rechnung 2026-01.pdf", "Rechnung 2026-01.pdf"),
        ("Müller & Söhne (Kopie).pdf", "Müller & Söhne (Kopie).pdf"),
        ("Mu\u0308ller.pdf", "Müller.pdf"),  # decomposed umlaut becomes precomposed
        ("a/b\\c:d*e?.xml", "a_b_c_d_e_.xml"),
        ("Beleg€.pdf", "Beleg_.pdf"),
    ],
)
def test_file_name_whitelist(raw, clean):
    assert sanitize_filename(raw) == clean


@QUICK
@given(st.text(max_size=80))
def test_sanitized_names_only_use_the_whitelist(name):
    assert NAME_ALLOWED.search(sanitize_filename(name)) is None


@pytest.mark.parametrize(
    "text", ["Torte\u00a0Sahne", "Nulls\u200b", "Privat\ue000", "Steuer\x0c", "Oktett \\303\\244"]
)
def test_rejected_characters(text):
    assert REJECTED.search(text)


@pytest.mark.parametrize("text", ["Müller & Söhne", "Café König, 19 %", "Art-Nr. 4711/2026"])
def test_ordinary_text_passes(text):
    assert REJECTED.search(text) is None


def test_decode_by_bom():
    assert decode(b"\xef\xbb\xbfK\xc3\xb6ln") == "Köln"
    assert decode("Köln".encode("utf-16-le").join([b"\xff\xfe", b""])) == "Köln"
    assert decode("Köln".encode("cp1252")) == "Köln"


@pytest.mark.parametrize("content", [b"\r\x00", b"\x00", b'"EXTF";\r;x\r\n'])
def test_extf_check_survives_stray_control_characters(content):
    assert check_extf(content, CLIENT)["result"] == "failed"


@QUICK
@given(st.binary(max_size=3000))
def test_extf_check_never_crashes_on_bytes(content):
    assert check_extf(content, CLIENT)["result"] in ("succeeded", "failed")


@QUICK
@given(
    st.lists(
        st.text(alphabet=st.characters(exclude_characters="\r\n"), max_size=12),
        min_size=0,
        max_size=40,
    ),
    st.lists(st.text(max_size=30), max_size=5),
)
def test_extf_check_never_crashes_on_fields(header, rows):
    fields = ["EXTF", "700", "21", "Buchungsstapel", "13", *header]
    content = ("\r\n".join([";".join(fields), "Spalten", *rows])).encode("utf-8", "replace")
    assert check_extf(b"\xef\xbb\xbf" + content, CLIENT)["result"] in ("succeeded", "failed")


@QUICK
@given(st.binary(max_size=500))
def test_xsd_check_never_crashes(content):
    for kind in ("document", "ledger"):
        result = xsd_error(kind, content)
        assert result is None or isinstance(result, str)


def test_readme_lists_every_rule_with_its_source():
    """The README's rule table is rendered from rule_table.RULES; regenerate it there."""
    from pathlib import Path

    from workbench.sandbox.rule_table import BASES, RULES, render_table

    readme = (
        Path(__file__).resolve().parents[2] / "workbench" / "sandbox" / "README.md"
    ).read_text(encoding="utf-8")
    block = readme.split("<!-- rule table: begin -->\n")[1].split("\n<!-- rule table: end -->")[0]
    assert block == render_table()
    assert len({rule.id for rule in RULES}) == len(RULES)
    assert all(rule.basis in BASES and rule.source for rule in RULES)


def test_fidelity_page_names_the_source_of_every_rule():
    """docs/datev-fidelity.md gives each rule its code location, source and verdict."""
    from pathlib import Path

    from workbench.sandbox.rule_table import RULES

    page = (Path(__file__).resolve().parents[2] / "docs" / "datev-fidelity.md").read_text(
        encoding="utf-8"
    )
    listed = {line.split("`")[1] for line in page.splitlines() if line.startswith("| `")}
    assert {rule.id for rule in RULES} <= listed


FISCAL_YEAR = "Das Wirtschaftsjahr 2027 ist in DATEV Unternehmen online nicht angelegt."


@pytest.mark.parametrize(
    ("api", "text", "rule"),
    [
        ("dxso protocol", "Rechnung passt nicht zu Rechnungsschema. Ursache: Intruder Alert",
         "xml.intruder_alert"),
        ("dxso protocol", "Rechnung passt nicht zu Rechnungsschema. Ursache: value doesn't match",
         "xml.ledger_schema"),
        ("dxso protocol", FISCAL_YEAR, "xml.fiscal_year"),
        ("extf", FISCAL_YEAR, "extf.fiscal_year"),
        ("extf", "'119.00' ist kein Betrag im Format 1234,56.", "extf.amount"),
        ("dxso", "#DCO01016", "dxso.file_size"),
    ],
)  # fmt: skip
def test_rule_for_finds_the_rule_behind_an_answer(api, text, rule):
    from workbench.sandbox.rule_table import rule_for

    assert rule_for(api, text).id == rule
    assert rule_for(api, "Alles gut.") is None
