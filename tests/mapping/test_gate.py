"""The row gate: every input row is mapped, blocked with findings, or skipped, exactly once."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from mapping_helpers import assert_accounted, finding, findings

from workbench.datev.limits import MAX_ATTACHMENT_BYTES
from workbench.errors import WorkbenchError
from workbench.mapping.gate import RowGate, lineage

SOURCES = {("items.csv", "items"): {"document_id": "Beleg", "amount": "Betrag"}}


def items(**columns) -> pl.DataFrame:
    """Six items of three documents in ``items.csv`` (rows 2..7), with ``columns`` replaced."""
    frame = pl.DataFrame(
        {
            "document_id": ["A", "A", "B", "B", "C", None],
            "item_id": ["A-1", "A-2", "B-1", "B-2", "C-1", "X-1"],
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "kind": ["x", "x", "y", "y", "x", "x"],
            "attachment": [None] * 6,
            "source_file": ["items.csv"] * 6,
            "source_row": [2, 3, 4, 5, 6, 7],
        },
        schema_overrides={"attachment": pl.String},
    )
    return frame.with_columns(**{name: pl.Series(v) for name, v in columns.items()})


def gate_for(frame: pl.DataFrame, *given: dict) -> RowGate:
    return RowGate(frame, role="items", item="item_id", findings=findings(*given), sources=SOURCES)


def finished(gate: RowGate, frame: pl.DataFrame):
    rows = gate.rows
    return gate.finish(
        kind="items",
        target="ledger",
        records=rows.select("document_id", "amount"),
        lineage=lineage(rows, "items"),
        field_sources={},
        frames={"items": frame},
        sources=(),
    )


def places(mapped) -> dict[int, str]:
    """source_row → where it went (mapped, blocked, skipped)."""
    out = {row: "mapped" for row in mapped.lineage["source_row"]}
    out |= {row: "blocked" for row in mapped.blocked["source_row"]}
    out |= {row: "skipped" for row in mapped.skipped["source_row"]}
    return out


def test_steps_decide_each_row_once_and_the_counts_add_up():
    frame = items()
    gate = gate_for(frame, finding("items.csv", 3, "amount.decimals"))
    gate.skip(pl.col("item_id") == "C-1", reason="von Hand ausgeschlossen")
    gate.block_on_errors()
    gate.require({"document_id": None})
    gate.block_documents(["document_id"])
    mapped = finished(gate, frame)
    assert places(mapped) == {
        2: "blocked",  # sibling of A-2
        3: "blocked",  # its own error finding
        4: "mapped",
        5: "mapped",
        6: "skipped",
        7: "blocked",  # no document_id
    }
    assert dict(mapped.blocked.select("source_row", "rules").iter_rows()) == {
        2: ["transfer.document_blocked"],
        3: ["amount.decimals"],
        7: ["field.required"],
    }
    assert mapped.skipped.row(0, named=True)["reason"] == "von Hand ausgeschlossen"
    assert mapped.records["document_id"].to_list() == ["B", "B"]
    assert_accounted(mapped, 6)
    counts = mapped.counts().row(0, named=True)
    assert (counts["loaded"], counts["mapped"], counts["blocked"], counts["skipped"]) == (
        6,
        2,
        3,
        1,
    )


def test_a_decided_row_is_never_decided_again():
    frame = items()
    gate = gate_for(frame)
    gate.skip(pl.col("item_id") == "A-1", reason="übersprungen")
    gate.block(gate.frame.head(0))  # nothing to block
    everything = gate.frame.with_columns(
        pl.lit(["rule.one"]).alias("rules"), pl.lit("m").alias("message")
    )
    gate.block(everything.filter(pl.col("item_id").is_in(["A-1", "A-2"])))
    gate.reject(
        gate.frame.filter(pl.col("item_id").is_in(["A-2", "B-1"])),
        rule="rule.two",
        column="amount",
        message=pl.lit("zwei"),
        value=pl.col("amount"),
    )
    mapped = finished(gate, frame)
    assert places(mapped)[2] == "skipped"
    assert dict(mapped.blocked.select("source_row", "rules").iter_rows()) == {
        3: ["rule.one"],
        4: ["rule.two"],
    }
    # the finding goes only with the row it blocked
    assert mapped.findings.select("row", "rule").rows() == [(4, "rule.two")]
    assert_accounted(mapped, 6)


def test_only_error_findings_block_and_their_rules_are_merged():
    frame = items()
    gate = gate_for(
        frame,
        finding("items.csv", 2, "encoding.exotic_space"),
        finding("items.csv", 2, "field.max_length"),
        finding("items.csv", 4, "duplicate.suspect", severity="warning"),
    )
    gate.block_on_errors()
    blocked = gate.blocked()
    assert blocked.select("source_row", "rules", "message").rows() == [
        (
            2,
            ["encoding.exotic_space", "field.max_length"],
            "items.csv, Zeile 2: encoding.exotic_space",
        )
    ]
    assert gate.rows["source_row"].to_list() == [3, 4, 5, 6, 7]


def test_an_error_anywhere_in_a_document_file_blocks_its_item():
    """An e-invoice is one item in its own file; its findings name XML lines (tour 27, 3)."""
    frame = items().with_columns(
        source_file=pl.Series(["a.xml", "b.xml", "items.csv", "items.csv", "c.xml", "d.xml"]),
    )
    gate = RowGate(
        frame,
        role="items",
        item="item_id",
        findings=findings(
            finding("a.xml", 97, "en16931.BR-AE-05"),
            finding("a.xml", 71, "en16931.BR-CO-17"),
            finding("b.xml", 5, "einvoice.xsd"),
            finding("items.csv", 4, "field.max_length"),
            finding("items.csv", 99, "field.required"),  # a row the frame lacks
            finding("c.xml", 40, "zugferd.pdfa", severity="warning"),
        ),
        sources=SOURCES,
        documents=frozenset({"a.xml", "b.xml", "c.xml", "d.xml"}),
    )
    gate.block_on_errors()
    assert gate.blocked().select("source_file", "rules").rows() == [
        ("a.xml", ["en16931.BR-AE-05", "en16931.BR-CO-17"]),
        ("b.xml", ["einvoice.xsd"]),
        ("items.csv", ["field.max_length"]),
    ]
    assert gate.rows["source_file"].to_list() == ["items.csv", "c.xml", "d.xml"]


def test_require_names_the_column_as_the_file_calls_it():
    frame = items(amount=[1.0, None, 3.0, 4.0, 5.0, 6.0], kind=["x", "x", " ", "z", "x", None])
    gate = gate_for(frame)
    gate.require({"amount": None, "kind": ("x", "y")})
    found = pl.concat(gate.findings[1:])
    assert found.select("row", "column", "source_column", "value").rows() == [
        (3, "amount", "Betrag", None),
        (4, "kind", None, " "),
        (5, "kind", None, "z"),
        (7, "kind", None, None),
    ]
    assert "Zeile 3" in found["message"][0] and "'amount'" in found["message"][0]
    assert gate.blocked()["source_row"].to_list() == [3, 4, 5, 7]
    assert gate.rows["source_row"].to_list() == [2, 6]


def test_belegbilder_are_blocked_by_the_checks_findings_not_looked_at_again(tmp_path):
    # The check stage looks at the disk (attachment.*); the gate acts on its error findings.
    good, big = tmp_path / "gut.pdf", tmp_path / "gross.pdf"
    good.write_bytes(b"%PDF-1.4")
    with big.open("wb") as handle:
        handle.truncate(MAX_ATTACHMENT_BYTES + 1)  # sparse: takes no disk space
    paths = [str(good), str(big), str(tmp_path / "fehlt.pdf"), None, str(good), None]
    frame = items(attachment=paths)
    gate = gate_for(
        frame,
        finding("items.csv", 3, "attachment.too_large", column="attachment"),
        finding("items.csv", 4, "attachment.missing", column="attachment"),
    )
    gate.block_on_errors()
    assert dict(gate.blocked().select("source_row", "rules").iter_rows()) == {
        3: ["attachment.too_large"],
        4: ["attachment.missing"],
    }
    unchecked = gate_for(frame)
    unchecked.block_on_errors()
    assert unchecked.blocked().is_empty()  # no finding, no block: the rule ran in the checks


def test_an_invalid_record_blocks_the_row_it_came_from_whole():
    # Two lines (records) per row; DATEV's writer refuses the second line of row 4 (B-1).
    frame = items()
    gate = gate_for(frame)
    lines = pl.concat([gate.rows, gate.rows]).sort("_index", maintain_order=True)
    problems = pl.DataFrame(
        {
            "row": [5],
            "field": ["Betrag"],
            "value": ["3,000"],
            "message": ["hat zu viele Nachkommastellen"],
            "rule": ["x"],
        }
    )
    gate.block_invalid(
        problems, lines, field_sources={"Betrag": (("items", "amount"),)}, target="extf"
    )
    assert gate.blocked().select("source_row", "rules").rows() == [(4, ["field.datev"])]
    found = gate.findings[-1].row(0, named=True)
    assert (found["row"], found["column"], found["source_column"], found["rule"]) == (
        4,
        "amount",
        "Betrag",
        "field.datev",
    )
    assert "EXTF-Buchungsstapel" in found["message"]
    assert gate.keep_open(lines)["source_row"].to_list() == [2, 2, 3, 3, 5, 5, 6, 6, 7, 7]


def test_whole_documents_follow_blocked_items_but_not_skipped_ones():
    frame = items(document_id=["A", "A", "B", "B", None, None])
    gate = gate_for(frame, finding("items.csv", 2, "amount.zero"))
    gate.skip(pl.col("item_id") == "B-1", reason="block_transfer")
    gate.block_on_errors()
    gate.block(gate.rows.filter(pl.col("item_id") == "C-1"), rule="r", message=pl.lit("m"))
    gate.block_documents(["document_id"])
    mapped = finished(gate, frame)
    assert places(mapped) == {
        2: "blocked",
        3: "blocked",  # A-1 is blocked
        4: "skipped",
        5: "mapped",  # B-1 is skipped, not blocked: B-2 goes
        6: "blocked",
        7: "blocked",  # same (empty) document as C-1
    }
    sibling = mapped.findings.filter(pl.col("rule") == "transfer.document_blocked").row(
        0, named=True
    )
    assert (sibling["row"], sibling["item_id"], sibling["source_column"]) == (3, "A-2", "Beleg")
    assert "Beleg 'A'" in sibling["message"]


def test_a_row_the_mapper_loses_fails_loudly():
    frame = items()
    gate = gate_for(frame)
    rows = gate.rows.head(5)  # the mapper forgot one row
    with pytest.raises(WorkbenchError, match="Interner Fehler der Abbildung"):
        gate.finish(
            kind="items",
            target="ledger",
            records=rows.select("amount"),
            lineage=lineage(rows, "items"),
            field_sources={},
            frames={"items": frame},
            sources=(),
        )


@hypothesis_settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["skip", "block", "reject"]), st.sets(st.integers(0, 5))),
        max_size=6,
    )
)
def test_any_order_of_steps_accounts_for_every_row(steps):
    frame = items()
    gate = gate_for(frame)
    for step, picked in steps:
        rows = gate.frame.filter(pl.col("_index").is_in(sorted(picked)))
        if step == "skip":
            gate.skip(rows, reason="weg")
        elif step == "block":
            gate.block(rows, rule="r.block", message=pl.lit("gesperrt"))
        else:
            gate.reject(rows, rule="r.reject", column="amount", message=pl.lit("x"), value=None)
    mapped = finished(gate, frame)
    assert_accounted(mapped, 6)
    assert mapped.findings.height == mapped.blocked["rules"].list.contains("r.reject").sum()
