"""Sample data and generator: every sample loads with its profile, rows add up, leading zeros
survive, seeded defects are exactly the listed ones, regeneration is reproducible, and the
generator is deterministic and fast."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from workbench.pipeline.registry import REGISTRY
from workbench.samples import (
    generate,
    generate_calls,
    generate_invoices,
    generate_pos,
    generate_receipts,
    sample_files,
    write_receipts_csv,
    write_samples,
)
from workbench.samples.defects import RULES
from workbench.samples.parties import CLIENTS
from workbench.sources import load_receipts
from workbench.sources.encoding import decode_text

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
MANIFEST = json.loads((SAMPLES / "defects.json").read_text(encoding="utf-8"))
FILES = {sample.name: sample for sample in sample_files()}
MAIN_FILES = [name for name in FILES if name != "invoices_canonical_positions.csv"]
PERIOD = (date(2026, 1, 1), date(2026, 3, 31))


def _load(name: str, root: Path = SAMPLES):
    sample = FILES[name]
    paths = [root / name]
    if name == "invoices_canonical.csv":
        paths.append(root / "invoices_canonical_positions.csv")
    return REGISTRY[sample.kind].load(paths, profile=sample.profile)


@pytest.fixture(scope="module")
def loaded():
    return {name: _load(name) for name in MAIN_FILES}


# --- loading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MAIN_FILES)
def test_sample_loads_with_its_profile_and_equals_the_generated_frame(name, loaded):
    result, sample = loaded[name], FILES[name]
    frame = result.frame.drop("source_file", "source_row")
    assert frame.equals(sample.frame), name
    if sample.positions is not None or name == "invoices_canonical.csv":
        expected = (
            sample.positions
            if sample.positions is not None
            else FILES["invoices_canonical_positions.csv"].positions
        )
        assert result.positions.drop("source_file", "source_row").equals(expected)


def _data_rows(path: Path) -> int:
    if path.suffix == ".json":
        return len(json.loads(path.read_text(encoding="utf-8")))
    text = decode_text(path.read_bytes()).text.lstrip("\ufeff")
    separator = ";" if text.split("\n", 1)[0].count(";") else ","
    return sum(1 for _ in csv.reader(io.StringIO(text), delimiter=separator)) - 1


@pytest.mark.parametrize("name", [n for n in FILES if not n.endswith(".xlsx")])
def test_row_accounting_per_file(name, loaded):
    path = SAMPLES / name
    result = loaded.get(name) or loaded["invoices_canonical.csv"]
    rows = {info.file: info.rows for info in (*result.sources, *result.position_sources)}
    assert rows[name] == _data_rows(path)
    frame = result.positions if name.endswith("_positions.csv") else result.frame
    assert frame.filter(pl.col("source_file") == name).height == _data_rows(path)


def test_row_accounting_excel(loaded):
    workbook = openpyxl.load_workbook(SAMPLES / "invoices_crmplus.xlsx", read_only=True)
    counts = {sheet: workbook[sheet].max_row - 1 for sheet in workbook.sheetnames}
    workbook.close()
    result = loaded["invoices_crmplus.xlsx"]
    assert (result.frame.height, result.positions.height) == (
        counts["Rechnungen"],
        counts["Positionen"],
    )
    assert result.frame["source_row"].to_list() == list(range(2, result.frame.height + 2))


def test_encodings_are_as_documented(loaded):
    encodings = {info.file: info.encoding for result in loaded.values() for info in result.sources}
    assert encodings["receipts_juston_booking_detail.csv"] == "utf-8-sig"
    assert encodings["receipts_juston_expense.csv"] == "cp1252"
    assert encodings["calls_starface.csv"] == "utf-16-le"
    assert encodings["receipts_canonical.csv"] == "utf-8"


def test_leading_zeros_survive(loaded):
    invoices = loaded["invoices_crmplus.xlsx"].frame
    assert {"01067", "04109", "09111", "02826", "07743", "08056", "06108"} & set(
        invoices["zip"].to_list()
    )
    assert invoices.filter(pl.col("zip").str.starts_with("0")).height >= 5
    expense = loaded["receipts_juston_expense.csv"].frame
    assert "0480" in expense["account_no"].to_list()  # GWG, SKR03
    canonical = loaded["receipts_canonical.csv"].frame
    assert "06700" in canonical["account_no"].to_list()  # GWG, SKR04 with length 5


@pytest.mark.parametrize(("rule", "least"), [("field.unparseable", 8), ("field.line_break", 1)])
def test_loader_defects_are_reported_by_the_loader(loaded, rule, least):
    expected = {
        (m["file"], m["row"], m["column"], m["value"]) for m in MANIFEST if m["rule"] == rule
    }
    found = set()
    for result in loaded.values():
        findings = result.findings.filter(pl.col("rule") == rule)
        found |= set(findings.select("source", "row", "column", "value").iter_rows())
    assert found == expected
    assert len(expected) >= least


# --- the manifest: every listed defect is there, and nothing else --------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EXOTIC = re.compile("[\u00a0\u202f\u200b\u2007\u2009\u2060\ufeff]")
_ESCAPE = re.compile(r"&#\d+;|&[a-zA-Z]+;|\\[0-7]{3}")
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152-\u0178\u2013-\u2122]|â‚¬")
_CHARSET = re.compile(r"[a-zA-Z0-9$%&*+\-/]*")
_ATTACHMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".tif", ".tiff", ".xml")


def _not_cp1252(text: str) -> bool:
    rest = _EXOTIC.sub("", text)
    try:
        rest.encode("cp1252")
    except UnicodeEncodeError:
        return True
    return False


def _valid_vat(value: str) -> bool:
    from stdnum.eu import vat

    return vat.is_valid(value)


def _valid_iban(value: str) -> bool:
    from schwifty import IBAN

    try:
        IBAN(value, validate_bban=True)
    except ValueError:
        return False
    return True


def _without_folder(client: str | None) -> list[str]:
    """Beleg-Arten the sandbox seed gives no folder (455148-2: Rechnungsausgang)."""
    from workbench.clients import ClientSettings

    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    raw = next((c for c in seed["accounting_clients"] if c["id"] == client), None)
    return ClientSettings.from_dict(raw).document_types_without_folder if raw else []


def _reference_findings(
    name: str,
    result,
    *,
    kind: str | None = None,
    client: str | None = None,
    period: tuple[date, date] = PERIOD,
    attachments: bool = True,
    root: Path = SAMPLES,
) -> set[tuple]:
    """What a checker following data/samples/README.md reports for ``name``: (row, column, rule)."""
    sample = FILES.get(name)
    kind = kind or sample.kind
    client = client or (sample.client if sample else None)
    out: set[tuple] = set()
    unparseable = {(r, c) for r, c in result.findings.select("row", "column").iter_rows()}
    for info in (*result.sources, *result.position_sources):
        if info.encoding not in (None, "utf-8", "utf-8-sig"):
            out.add((info.file, None, None, "encoding.non_utf8"))
    frames = [(result.frame, kind)]
    if result.positions is not None:
        frames.append((result.positions, "positions"))
    spec = CLIENTS.get(client) if client else None
    sizes = json.loads((root / "attachment_sizes.json").read_text())
    for frame, kind in frames:
        for row in frame.iter_rows(named=True):
            file, line = row["source_file"], row["source_row"]

            def add(column, rule, file=file, line=line, out=out):
                out.add((file, line, column, rule))

            for column, value in row.items():
                if not isinstance(value, str) or column in ("source_file",):
                    continue
                if _CONTROL.search(value):
                    add(column, "encoding.control_character")
                if _EXOTIC.search(value):
                    add(column, "encoding.exotic_space")
                if _ESCAPE.search(value):
                    add(column, "encoding.escape_sequence")
                if _MOJIBAKE.search(value):
                    add(column, "encoding.mojibake")
                if _not_cp1252(value):
                    add(column, "encoding.not_cp1252")
            if kind in ("receipts", "invoices") and spec:
                length = spec.account_length
                for column, personal in (("account_no", False), ("party_account_no", True)):
                    value = row[column]
                    if value is None:
                        continue
                    if not value.isdigit():
                        add(column, "account.non_numeric")
                    elif personal and len(value) != length + 1:
                        add(column, "account.personal_length_mismatch")
                    elif not personal and len(value) > length:
                        add(column, "account.length_mismatch")
                    elif not personal and len(value) < length:
                        add(column, "account.short")
                day = row["date"]
                if day is None and (line, "date") not in unparseable:
                    add("date", "field.required")
                if day is not None and not spec.fiscal_year_created(day):
                    add("date", "fiscal_year.not_created")
                if day is not None and not period[0] <= day <= period[1]:
                    add("date", "fiscal_year.outside_period")
                invoice = row["invoice_id"]
                if invoice is None:
                    add("invoice_id", "field.required")
                elif len(invoice) > 36:
                    add("invoice_id", "field.max_length")
                elif not _CHARSET.fullmatch(invoice):
                    add("invoice_id", "field.pattern")
                if row["currency_code"] is not None and row["currency_code"] not in (
                    "EUR",
                    "USD",
                    "CHF",
                    "GBP",
                ):
                    add("currency_code", "field.currency")
                attachment = row["attachment"] if attachments else None
                if attachment is not None:
                    path = root / "belege" / attachment
                    if not attachment.lower().endswith(_ATTACHMENT_TYPES):
                        add("attachment", "attachment.unsupported_type")
                    elif not path.is_file():
                        add("attachment", "attachment.missing")
                    elif sizes.get(attachment, path.stat().st_size) > 20 * 1024 * 1024:
                        add("attachment", "attachment.too_large")
            if kind == "receipts" and row["document_kind"] in _without_folder(client):
                add("document_kind", "document_types.no_folder")
            if kind == "receipts":
                limits = {
                    "booking_text": 60,
                    "party_name": 50,
                    "party_city": 30,
                    "internal_invoice_id": 12,
                    "information": 120,
                }
                for column, limit in limits.items():
                    if row[column] is not None and len(row[column]) > limit:
                        add(column, "field.max_length")
                if row["vat_id"] is not None and not _valid_vat(row["vat_id"]):
                    add("vat_id", "field.vat_id")
                if row["iban"] is not None and not _valid_iban(row["iban"]):
                    add("iban", "field.iban")
                amount = row["amount"]
                if amount is None and (line, "amount") not in unparseable:
                    add("amount", "field.required")
                if amount == 0:
                    add("amount", "amount.zero")
                elif amount is not None and round(amount, 2) != amount:
                    add("amount", "amount.decimals")
                if row["block_transfer"]:
                    add("block_transfer", "transfer.blocked")
            if kind in ("invoices", "positions"):
                if kind == "invoices":
                    if row["party_name"] is None:
                        add("party_name", "field.required")
                    elif len(row["party_name"]) > 50:
                        add("party_name", "field.max_length")
                    if row["city"] is not None and len(row["city"]) > 30:
                        add("city", "field.max_length")
                    if row["country"] == "DE" and not re.fullmatch(r"\d{5}", row["zip"] or ""):
                        add("zip", "field.pattern")
                values = [row["net"], row["tax_amount"], row["gross"]]
                for column, value in zip(("net", "tax_amount", "gross"), values, strict=True):
                    if value is not None and round(value, 2) != value:
                        add(column, "amount.decimals")
                if row["gross"] == 0:
                    add("gross", "amount.zero")
                if None not in values and round(values[0] + values[1] - values[2], 2) != 0:
                    add("gross", "amount.gross_mismatch")
            if kind == "pos":
                day = row["business_date"]
                if day is not None and not period[0] <= day <= period[1]:
                    add("business_date", "fiscal_year.outside_period")
                if row["amount"] == 0:
                    add("amount", "amount.zero")
        if kind == "receipts":
            out |= _duplicates(
                frame,
                ["accounting_month", "invoice_id"],
                "document_id",
                "invoice_id",
                "duplicate.invoice_id",
            )
            out |= _cash(frame.filter(pl.col("document_kind") == "Kasse"))
        if kind == "invoices":
            monthly = frame.with_columns(pl.col("date").dt.strftime("%Y-%m").alias("month"))
            out |= _duplicates(
                monthly, ["month", "invoice_id"], None, "invoice_id", "duplicate.invoice_id"
            )
        if kind == "calls":
            out |= _calls(frame)
    return out


def _duplicates(frame, keys, distinct, column, rule):
    counted = frame.filter(pl.all_horizontal(pl.col(k).is_not_null() for k in keys)).with_columns(
        (pl.col(distinct).n_unique() if distinct else pl.len()).over(keys).alias("__n")
    )
    dupes = counted.filter(pl.col("__n") > 1)
    return {(f, r, column, rule) for f, r in dupes.select("source_file", "source_row").iter_rows()}


def _cash(frame):
    out = set()
    if not frame.height:
        return out
    frame = frame.with_columns(
        (pl.col("date") < pl.col("date").cum_max().shift(1)).alias("__back"),
        pl.col("date").n_unique().over("document_id").alias("__dates"),
        pl.col("amount").fill_null(0).cum_sum().round(2).alias("__balance"),
    )
    for row in frame.iter_rows(named=True):
        key = (row["source_file"], row["source_row"])
        if row["__back"]:
            out.add((*key, "date", "cash.chronology"))
        if row["__dates"] > 1:
            out.add((*key, "date", "cash.multiple_dates"))
        if row["__balance"] < 0:
            out.add((*key, "amount", "cash.negative_balance"))
    return out


def _calls(frame):
    import phonenumbers

    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    phones: dict[str, set[str]] = {}
    faxes: dict[str, set[str]] = {}
    inactive: set[str] = set()

    def e164(text):
        try:
            return phonenumbers.format_number(
                phonenumbers.parse(text, "DE"), phonenumbers.PhoneNumberFormat.E164
            )
        except phonenumbers.NumberParseException:
            return None

    for person in seed["connect"]["addressees"]:
        for item in person.get("communications", []):
            number = e164(item["data_content"]) if item["type"] in ("phone", "fax") else None
            if number is None:
                continue
            (phones if item["type"] == "phone" else faxes).setdefault(number, set()).add(
                person["id"]
            )
            if person.get("status") != "active":
                inactive.add(number)
    out = set()
    for row in frame.iter_rows(named=True):
        key = (row["source_file"], row["source_row"])
        if row["direction"] != "internal":
            number = e164(row["remote_number"])
            if number in faxes:
                out.add((*key, "remote_number", "calls.fax_number"))
            elif number in inactive:
                out.add((*key, "remote_number", "calls.inactive_addressee"))
            elif len(phones.get(number, ())) > 1:
                out.add((*key, "remote_number", "calls.ambiguous_number"))
            elif number not in phones:
                out.add((*key, "remote_number", "calls.unmatched_number"))
        if row["duration_s"] is not None and not 0 <= row["duration_s"] <= 12 * 3600:
            out.add((*key, "duration_s", "calls.invalid_duration"))
    out |= _duplicates(frame, ["call_id"], None, "call_id", "duplicate.call_id")
    timed = (
        frame.filter(pl.col("started_at").is_not_null())
        .sort("extension", "started_at")
        .with_columns(
            (pl.col("started_at") + pl.duration(seconds=pl.col("duration_s"))).alias("__end")
        )
    )
    timed = timed.with_columns(
        (pl.col("started_at") < pl.col("__end").shift(1).over("extension")).alias("__late"),
        (pl.col("__end") > pl.col("started_at").shift(-1).over("extension")).alias("__early"),
    )
    for file, line in (
        timed.filter(pl.col("__late") | pl.col("__early"))
        .select("source_file", "source_row")
        .iter_rows()
    ):
        out.add((file, line, "duration_s", "calls.overlap"))
    return out


@pytest.mark.parametrize("name", MAIN_FILES)
def test_manifest_lists_exactly_the_defects_of_each_file(name, loaded):
    _assert_manifest_exact(name, loaded[name], MANIFEST, SAMPLES)


def _assert_manifest_exact(name, result, manifest, root):
    files = {name}
    if name == "invoices_canonical.csv":
        files.add("invoices_canonical_positions.csv")
    expected = {
        (m["file"], m["row"], m["column"], m["rule"])
        for m in manifest
        if m["file"] in files and m["rule"] not in ("field.unparseable", "field.line_break")
    }
    found = _reference_findings(name, result, root=root)
    if name.endswith(".xlsx"):
        # Excel: the loader's rows are per sheet and its findings carry no sheet: compare
        # (row, column, rule) over both sheets.
        expected = {(r, c, rule) for _, r, c, rule in expected}
        found = {(r, c, rule) for _, r, c, rule in found}
    assert found - expected == set(), "defects not in the manifest"
    assert expected - found == set(), "manifest entries not found"


def test_another_seed_gives_other_rows_with_the_same_guarantees(tmp_path):
    write_samples(tmp_path, seed=1)
    manifest = json.loads((tmp_path / "defects.json").read_text(encoding="utf-8"))
    assert {m["rule"] for m in manifest} == {m["rule"] for m in MANIFEST}
    for name in MAIN_FILES:
        _assert_manifest_exact(name, _load(name, tmp_path), manifest, tmp_path)
    assert (tmp_path / "receipts_canonical.csv").read_bytes() != (
        SAMPLES / "receipts_canonical.csv"
    ).read_bytes()


def test_manifest_is_well_formed():
    assert {m["rule"] for m in MANIFEST} <= set(RULES)
    families = {rule.split(".")[0] for rule in {m["rule"] for m in MANIFEST}}
    assert families == {
        "encoding",
        "account",
        "document_types",
        "fiscal_year",
        "field",
        "amount",
        "duplicate",
        "cash",
        "attachment",
        "transfer",
        "calls",
        # e-invoices: the standard's rule id after the family
        "en16931",
        "xrechnung",
        "einvoice",
        "zugferd",
    }
    for entry in MANIFEST:
        assert set(entry) == {"file", "sheet", "row", "item_id", "column", "rule", "value", "note"}
        assert (SAMPLES / entry["file"]).is_file()
    readme = (SAMPLES / "README.md").read_text(encoding="utf-8")
    for rule in {m["rule"] for m in MANIFEST}:
        assert f"`{rule}`" in readme, rule


# --- reproducibility -----------------------------------------------------------------------------


def test_write_samples_reproduces_the_committed_files(tmp_path):
    written = write_samples(tmp_path)
    names = {p.relative_to(tmp_path).as_posix() for p in written}
    # Other files in data/samples (README, mappings other modules own) are not generated.
    belege = {f"belege/{p.name}" for p in (SAMPLES / "belege").iterdir()}
    assert belege <= names
    assert set(FILES) | {"defects.json", "attachment_sizes.json"} <= names
    for path in written:
        committed = SAMPLES / path.relative_to(tmp_path)
        assert committed.is_file(), committed
        assert path.read_bytes() == committed.read_bytes(), path.name
        if path.suffix == ".xlsx":
            assert _xlsx_cells(path) == _xlsx_cells(committed)


def _xlsx_cells(path: Path) -> dict:
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return {
            sheet: list(workbook[sheet].iter_rows(values_only=True))
            for sheet in workbook.sheetnames
        }
    finally:
        workbook.close()


@pytest.mark.parametrize("kind", ["receipts", "invoices", "calls", "pos"])
def test_generator_is_deterministic(kind):
    first, again, other = (generate(kind, 500, seed=s) for s in (5, 5, 6))
    assert first.frame.equals(again.frame) and first.defects.equals(again.defects)
    assert not first.frame.equals(other.frame)
    assert first.defects.height > 0


def test_generator_defects_at_the_requested_rate():
    generated = generate("receipts", 20_000, seed=1, defect_rate=0.02)
    rows = generated.defects["row"].n_unique()
    assert 0.015 * 20_000 < rows <= 0.02 * 20_000
    clean = generate_receipts(2_000, seed=1, defects=False)
    assert clean.filter(pl.col("amount") == 0).height == 0
    assert clean.filter(pl.col("block_transfer")).height == 0


def test_generator_scales():
    # Its speed is measured in benchmarks/load_receipts.py (generating 1M rows).
    frame = generate_receipts(100_000, seed=2)
    assert frame.height == 100_000
    assert frame["item_id"].n_unique() == 100_000


def test_generated_frames_have_canonical_columns():
    from workbench.sources import canonical_schema

    def plain(kind):
        return [c for c in canonical_schema(kind) if c not in ("source_file", "source_row")]

    invoices, positions = generate_invoices(30, seed=1)
    assert invoices.columns == plain("invoices") and positions.columns == plain("positions")
    assert generate_calls(30, seed=1).columns == plain("calls")
    assert generate_pos(30, seed=1).columns == plain("pos")
    assert generate_receipts(30, seed=1, client="455148-2").columns == plain("receipts")


@pytest.mark.parametrize("profile", ["canonical", "juston"])
def test_write_receipts_csv_loads_back(tmp_path, profile):
    path = tmp_path / f"receipts_{profile}.csv"
    # 2,000 rows: larger files hit a polars panic in the loader (see the report), not ours.
    manifest = write_receipts_csv(path, 2_000, seed=3, profile=profile)
    result = load_receipts(path, profile=profile)
    assert result.frame.height == 2_000
    unparseable = manifest.filter(pl.col("rule") == "field.unparseable")
    found = result.findings.filter(pl.col("rule") == "field.unparseable")
    assert sorted(found["row"].to_list()) == sorted(unparseable["row"].to_list())
    expected = generate("receipts", 2_000, seed=3).frame
    assert result.frame["amount"].equals(expected["amount"], check_names=False)


def test_docstring_examples_run():
    import doctest

    import workbench.samples.generator

    failures, tried = doctest.testmod(workbench.samples.generator, optionflags=doctest.ELLIPSIS)
    assert tried >= 6 and failures == 0


@pytest.mark.parametrize("client", ["455148-1", "455148-2", "455148-3"])
def test_generated_manifest_lists_exactly_the_defects(tmp_path, client):
    path = tmp_path / "generated.csv"
    # unparseable=False: the loader panics on them in multi-chunk files (polars bug, see report).
    manifest = write_receipts_csv(
        path, 3_000, seed=7, client=client, defect_rate=0.05, unparseable=False
    )
    result = load_receipts(path, profile="canonical")
    spec = CLIENTS[client]
    found = _reference_findings(
        path.name,
        result,
        kind="receipts",
        client=client,
        period=(spec.first_day, spec.last_day),
        attachments=False,
    )
    expected = {
        (path.name, row, column, rule)
        for row, column, rule in manifest.filter(pl.col("rule") != "field.unparseable")
        .select("row", "column", "rule")
        .iter_rows()
    }
    assert found == expected
    assert manifest["rule"].n_unique() >= 15


@pytest.mark.parametrize("kind", ["invoices", "calls"])
def test_generated_manifest_of_invoices_and_calls(kind):
    from types import SimpleNamespace

    from workbench.findings import empty_findings

    generated = generate(kind, 2_000, seed=9, defect_rate=0.05)
    frame = generated.frame.with_columns(
        pl.lit("generated").alias("source_file"), pl.int_range(pl.len()).alias("source_row")
    )
    result = SimpleNamespace(
        frame=frame, positions=None, findings=empty_findings(), sources=(), position_sources=()
    )
    found = _reference_findings(
        "generated", result, kind=kind, client="455148-1", attachments=False
    )
    expected = {
        ("generated", row, column, rule)
        for row, column, rule in generated.defects.select("row", "column", "rule").iter_rows()
    }
    assert found == expected
