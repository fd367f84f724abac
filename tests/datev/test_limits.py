"""DATEV's limits live in one module, and each rule runs once (issue 12, item 2).

The attachment rule (a Belegbild must exist and have at most 20 MB) runs in the check stage;
the map stage blocks the rows its error findings name, the package stage writes what is left.
"""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl

from workbench.checks import check_sources
from workbench.datev import limits
from workbench.datev.package import build_packages
from workbench.mapping import map_receipts
from workbench.sources import load_receipts

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"
#: The values of the limits, as literals (20 MB is also spelled 20 * 1024 * 1024). Not the
#: 99,999 postings per EXTF file: 99,999 is also where Mandantennummern end.
LIMIT_VALUES = {
    limits.MAX_ATTACHMENT_BYTES,
    limits.MAX_DOCUMENTS_PER_PACKAGE,
    limits.MAX_RECORDS_PER_CONSOLIDATE,
    limits.MAX_CONSOLIDATED_CENTS,
}


def _int_value(node: ast.AST) -> int | None:
    """The value of an integer literal or of arithmetic on integer literals."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.BinOp):
        left, right = _int_value(node.left), _int_value(node.right)
        if left is not None and right is not None:
            operations = {ast.Mult: int.__mul__, ast.Add: int.__add__, ast.Sub: int.__sub__}
            operation = operations.get(type(node.op))
            return operation(left, right) if operation else None
    return None


def _docstrings(tree: ast.AST) -> set[int]:
    """Docstrings may cite a limit's value: what they say is checked by reading, not here."""
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def literal_limits(path: Path) -> list[str]:
    """Places that spell a limit's value instead of naming it (in code and messages)."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        value = _int_value(node)
        text = node.value if isinstance(node, ast.Constant) else None
        if value in LIMIT_VALUES or (isinstance(text, str) and "20 MB" in text):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} ({value or text})")
    return found


def test_limits_are_spelled_out_in_one_module_only():
    # The sandbox plays DATEV's side and keeps its own copy of DATEV's rules on purpose; the
    # sample generator describes its seeded defects in words.
    paths = [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name != "limits.py" and not {"sandbox", "samples"} & set(path.parts)
    ]
    assert [hit for path in paths for hit in literal_limits(path)] == []


def test_megabytes_read_as_german_numbers():
    assert limits.megabytes(limits.MAX_ATTACHMENT_BYTES) == "20"
    assert limits.megabytes(22_548_480) == "21,5"


def test_the_attachment_rule_runs_once_in_the_check_stage(tmp_path):
    folder = tmp_path / "belege"
    folder.mkdir()
    (folder / "ok.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    with (folder / "big.pdf").open("wb") as big:  # sparse: no 21 MB written
        big.truncate(limits.MAX_ATTACHMENT_BYTES + 1024 * 1024)
    source = tmp_path / "belege.csv"
    source.write_text(
        "document_id,document_kind,date,amount,invoice_id,attachment\n"
        f"B1,Rechnungseingang,2026-01-05,10.00,B1,{folder / 'ok.pdf'}\n"
        f"B2,Rechnungseingang,2026-01-05,10.00,B2,{folder / 'big.pdf'}\n"
        f"B3,Rechnungseingang,2026-01-05,10.00,B3,{folder / 'fehlt.pdf'}\n",
        encoding="utf-8",
    )
    loaded = load_receipts(source)

    findings = check_sources(loaded, settings=None, folder=tmp_path)
    rules = findings.filter(pl.col("rule").str.starts_with("attachment."))
    assert sorted(rules.select("row", "rule").rows()) == [
        (3, "attachment.too_large"),
        (4, "attachment.missing"),
    ]
    assert "21 MB groß; DATEV nimmt höchstens 20 MB" in rules["message"][0]

    mapped = map_receipts(loaded, findings=rules, client="455148-1")
    assert sorted(mapped.blocked.select("source_row", "rules").rows()) == [
        (3, ["attachment.too_large"]),
        (4, ["attachment.missing"]),
    ]
    # The map stage acts on the check's findings and adds none of its own.
    again = mapped.findings.filter(pl.col("rule").str.starts_with("attachment."))
    assert sorted(again.select("row", "rule").rows()) == sorted(rules.select("row", "rule").rows())
    written = build_packages(mapped.records, out_dir=tmp_path / "out")
    assert written.packages[0].files == ["B1.xml", "ok.pdf"]

    # Later stages do not run the rule again: unchecked, every row maps and packages.
    unchecked = map_receipts(loaded, client="455148-1")
    assert unchecked.records.height == 3
    present = unchecked.records.filter(pl.col("document_id") != "B3")
    assert [p.files for p in build_packages(present, out_dir=tmp_path / "all").packages] == [
        ["B1.xml", "ok.pdf", "B2.xml", "big.pdf"]
    ]
