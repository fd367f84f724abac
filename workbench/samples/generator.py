"""Realistic sample data with seeded defects, and a deterministic generator of any size.

The committed files in ``data/samples/`` (one per profile and source kind, German names with
umlauts, several DATEV clients, several encodings) are written by :func:`write_samples`; every
seeded defect is listed in ``data/samples/defects.json`` with file, row (as the loader reports it),
item id, canonical column and the stable rule id a check should report. Rows not listed there
are clean under DATEV's rules for the file's client.

The generator functions make the same kind of data at any size, vectorised (a million receipt
items in a few seconds), and always the same data for the same seed::

    >>> from workbench.samples import generate_receipts
    >>> frame = generate_receipts(1000, seed=1)
    >>> frame.height, frame.equals(generate_receipts(1000, seed=1))
    (1000, True)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from workbench.kinds import SourceKind
from workbench.resources import resource_path
from workbench.samples import catalog, frames, receipt_files
from workbench.samples import defects as _defects
from workbench.samples.call_pos_files import call_pos_files
from workbench.samples.invoice_files import invoice_files
from workbench.samples.invoice_frames import clean_invoices
from workbench.samples.juston_booking_files import BOOKING_DETAIL
from workbench.samples.writers import Layout, csv_bytes, text_frame

__all__ = [
    "Generated",
    "generate",
    "generate_calls",
    "generate_invoices",
    "generate_pos",
    "generate_receipts",
    "sample_files",
    "write_receipts_csv",
    "write_samples",
]

#: Stable rule ids used in the manifests, with a one-line description.
RULES = _defects.RULES


@dataclass(frozen=True)
class Generated:
    """A generated frame (canonical columns), invoice positions, and the seeded defects.

    ``defects`` has the columns ``file, row, item_id, column, rule, value, note``; ``row`` is the
    0-based index into ``frame`` (add 2 for the line in a CSV written with a header).
    """

    frame: pl.DataFrame
    defects: pl.DataFrame
    positions: pl.DataFrame | None = None
    raw: dict[str, pl.Series] | None = None


def generate(
    kind: str,
    n: int,
    *,
    seed: int = 0,
    client: str = "455148-1",
    defects: bool = True,
    defect_rate: float = 0.01,
    unparseable: bool = True,
) -> Generated:
    """Generate ``n`` rows of ``kind`` (``receipts``, ``invoices``, ``calls``, ``pos``).

    ``unparseable=False`` leaves out the defects that exist only as file text (receipts: an
    impossible date that the loader reports as ``field.unparseable``).

    >>> generate("calls", 50, seed=3).frame.columns[:3]
    ['call_id', 'started_at', 'duration_s']
    """
    rate = defect_rate if defects else 0.0
    try:
        make = _GENERATORS[SourceKind(kind)]
    except ValueError:
        raise ValueError(f"unknown kind {kind!r}: receipts, invoices, calls or pos") from None
    return make(n, seed=seed, client=client, rate=rate, unparseable=unparseable)


def _receipts(n: int, *, seed: int, client: str, rate: float, unparseable: bool) -> Generated:
    frame = frames.clean_receipts(n, seed=seed, client=client)
    if not rate:
        return Generated(frame, _no_defects())
    typed, manifest, raw = _defects.random_receipt_defects(
        frame, seed=seed, client=client, rate=rate, unparseable=unparseable
    )
    manifest = pl.concat([manifest, _defects.no_folder_defects(typed, client)]).sort(
        "row", maintain_order=True
    )
    return Generated(typed, manifest, raw=raw)


def _invoices(n: int, *, seed: int, client: str, rate: float, unparseable: bool) -> Generated:
    header, positions = clean_invoices(n, seed=seed, client=client)
    if not rate:
        return Generated(header, _no_defects(), positions)
    typed, manifest, raw = _defects.random_defects(
        header,
        _defects.INVOICE_MAKERS,
        eligible=np.ones(header.height, dtype=bool),
        seed=seed,
        client=client,
        rate=rate,
        item_column="invoice_id",
    )
    return Generated(typed, manifest, positions, raw)


def _calls(n: int, *, seed: int, client: str, rate: float, unparseable: bool) -> Generated:
    frame = frames.clean_calls(n, seed=seed)
    if not rate:
        return Generated(frame, _no_defects())
    typed, manifest, raw = _defects.random_defects(
        frame,
        _defects.CALL_MAKERS,
        eligible=(frame["direction"] != "internal").to_numpy(),
        seed=seed,
        client=client,
        rate=rate,
        item_column="call_id",
    )
    return Generated(typed, manifest, raw=raw)


def _pos(n: int, *, seed: int, client: str, rate: float, unparseable: bool) -> Generated:
    frame = frames.clean_pos(n, seed=seed)
    if not rate:
        return Generated(frame, _no_defects())
    return _pos_defects(frame, seed=seed, rate=rate)


_GENERATORS = {
    SourceKind.RECEIPTS: _receipts,
    SourceKind.INVOICES: _invoices,
    SourceKind.CALLS: _calls,
    SourceKind.POS: _pos,
}


def _no_defects() -> pl.DataFrame:
    return pl.DataFrame(schema=_manifest_schema())


def _manifest_schema() -> pl.Schema:
    return _defects.MANIFEST_SCHEMA


def _pos_defects(frame: pl.DataFrame, *, seed: int, rate: float) -> Generated:
    """``amount.zero``: a card payment row of 0,00 (amount moved to cash: days stay balanced)."""
    rng = np.random.default_rng(seed + 7919)
    cards = np.flatnonzero((frame["category"] == "Kreditkarte").to_numpy())
    count = min(round(rate * frame.height), len(cards))
    rows = np.sort(rng.choice(cards, size=count, replace=False))
    amount = frame["amount"]
    bar = rows - 2
    amount = amount.scatter(bar, (amount.gather(bar) + amount.gather(rows)).round(2))
    amount = amount.scatter(rows, pl.Series([0.0] * len(rows)))
    manifest = pl.DataFrame(
        {
            "file": pl.Series([None] * len(rows), dtype=pl.String),
            "row": rows.astype(np.int64),
            "item_id": ["Kreditkarte"] * len(rows),
            "column": ["amount"] * len(rows),
            "rule": ["amount.zero"] * len(rows),
            "value": pl.Series([None] * len(rows), dtype=pl.String),
            "note": ["Kartenzahlung 0,00"] * len(rows),
        },
        schema=_defects.MANIFEST_SCHEMA,
    )
    return Generated(frame.with_columns(amount), manifest)


def generate_receipts(
    n: int,
    *,
    seed: int = 0,
    client: str = "455148-1",
    defects: bool = True,
    defect_rate: float = 0.01,
) -> pl.DataFrame:
    """``n`` receipt items (Belegpositionen) of ``client`` as a canonical ``receipts`` frame.

    Documents of 1-3 items (Rechnungsausgang, Rechnungseingang and, for clients with a cash book,
    Kasse), dated in the client's period (2026-01..03; 455148-3, whose fiscal year 2026 is not
    created, 2025-10..12). With ``defects``, ``defect_rate`` of the non-cash rows carry one seeded
    defect each (see :func:`generate` for the manifest).

    >>> generate_receipts(10, seed=2, defects=False)["document_kind"].n_unique() >= 1
    True
    """
    return generate(
        "receipts", n, seed=seed, client=client, defects=defects, defect_rate=defect_rate
    ).frame


def generate_invoices(
    n: int,
    *,
    seed: int = 0,
    client: str = "455148-1",
    defects: bool = True,
    defect_rate: float = 0.01,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` invoices (CRM+ style: Rechnung, Eingangsrechnung, Gutschrift, Storno) and positions.

    >>> invoices, positions = generate_invoices(5, seed=1)
    >>> positions.columns[:2]
    ['invoice_id', 'position']
    """
    generated = generate(
        "invoices", n, seed=seed, client=client, defects=defects, defect_rate=defect_rate
    )
    assert generated.positions is not None, "generate('invoices') always returns positions"
    return generated.frame, generated.positions


def generate_calls(
    n: int, *, seed: int = 0, defects: bool = True, defect_rate: float = 0.01
) -> pl.DataFrame:
    """``n`` calls of the office's extensions (STARFACE style) as a canonical ``calls`` frame.

    >>> calls = generate_calls(20, seed=1, defects=False)
    >>> sorted(calls["direction"].unique())
    ['inbound', 'internal', 'outbound']
    """
    return generate("calls", n, seed=seed, defects=defects, defect_rate=defect_rate).frame


def generate_pos(
    n: int, *, seed: int = 0, defects: bool = True, defect_rate: float = 0.01
) -> pl.DataFrame:
    """``n`` rows of daily POS sales by category (6 rows a business day from 2026-01-02).

    >>> generate_pos(12, seed=1, defects=False)["category"].to_list()[:2]
    ['Speisen', 'Getränke']
    """
    return generate("pos", n, seed=seed, defects=defects, defect_rate=defect_rate).frame


def write_receipts_csv(
    path: str | os.PathLike[str],
    n: int,
    *,
    seed: int = 0,
    profile: str = "canonical",
    client: str = "455148-1",
    defects: bool = True,
    defect_rate: float = 0.01,
    unparseable: bool = True,
) -> pl.DataFrame:
    """Write ``n`` generated receipt items as a CSV file for ``profile``; returns the manifest
    (``row`` = line number in the file, ``file`` = the file name).

    ``canonical``: comma-separated, ISO dates, ``1234.56``, UTF-8. ``juston``: the Booking Detail /
    Expense headers, semicolons, ``31.01.2026``, ``1.234,56``, UTF-8 with BOM.

    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> write_receipts_csv(path, 100, seed=1).columns[:2]
    ['file', 'row']
    """
    path = Path(path)
    generated = generate(
        "receipts",
        n,
        seed=seed,
        client=client,
        defects=defects,
        defect_rate=defect_rate,
        unparseable=unparseable,
    )
    if profile == "canonical":
        layout = receipt_files.CANONICAL_RECEIPTS
    elif profile == "juston":
        columns = dict(BOOKING_DETAIL.columns)
        columns["document_kind"] = "DocumentType"
        columns["internal_invoice_id"] = "Name"
        columns["paid_at"] = "PaymentDate"
        layout = Layout(
            columns=tuple(columns.items()),
            encoding="utf-8",
            bom=True,
            values=(
                (
                    "document_kind",
                    (
                        ("Rechnungsausgang", "Ausgangsrechnung"),
                        ("Rechnungseingang", "Eingangsrechnung"),
                        ("Kasse", "cash"),
                    ),
                ),
            ),
        )
    else:
        raise ValueError(f"profile {profile!r}: write_receipts_csv supports canonical and juston")
    text = text_frame(generated.frame, layout, generated.raw)
    if layout.encoding == "utf-8" and not layout.bom:
        text.write_csv(path, separator=layout.separator, line_terminator=layout.newline)
    else:
        path.write_bytes(csv_bytes(text, layout))
    # No quoted line breaks in generated data: data row i is on line i + 2.
    return generated.defects.with_columns(pl.lit(path.name).alias("file"), pl.col("row") + 2)


def sample_files(*, seed: int = 0) -> list[catalog.SampleFile]:
    """The sample files as built in memory (bytes, expected frames, manifests); ``seed=0`` gives
    the committed ones."""
    return [
        *receipt_files.receipt_files(seed),
        *invoice_files(seed),
        *call_pos_files(seed),
    ]


def write_samples(out_dir: str | os.PathLike[str] | None = None, *, seed: int = 0) -> list[Path]:
    """(Re)write every file of ``data/samples/`` into ``out_dir`` (default: the committed samples,
    ``data/samples`` in a checkout); returns the paths written.

    The files are byte-identical on every run (Excel files: identical content). ``seed=0`` gives
    the committed samples; another seed gives different rows with the same kinds of defects (and
    its own ``defects.json``), e.g. for tests that want fresh data of the same shape.
    """
    from workbench.samples.writers import write_xlsx

    out = Path(out_dir) if out_dir is not None else resource_path("samples")
    (out / "belege").mkdir(parents=True, exist_ok=True)
    for stale in (out / "belege").iterdir():  # belege/ holds generated Belegbilder only
        if stale.is_file():
            stale.unlink()
    written: list[Path] = []
    manifest: list[dict] = []
    samples = sample_files(seed=seed)
    einvoices, einvoice_manifest = _write_einvoices(out, seed)
    written += einvoices
    manifest += einvoice_manifest
    for sample in samples:
        path = out / sample.name
        if sample.sheets is not None:
            write_xlsx(path, sample.sheets)
        elif sample.data is not None:
            path.write_bytes(sample.data)
        else:
            raise ValueError(f"sample {sample.name} has neither data nor sheets")
        written.append(path)
        manifest.extend(sample.manifest)
        for name, data in sorted(sample.attachments.items()):
            (out / "belege" / name).write_bytes(data)
            written.append(out / "belege" / name)
    stub = out / "belege" / next(iter(catalog.TOO_LARGE))
    stub.write_bytes(
        catalog.pdf_bytes(
            "Scan (Platzhalter)",
            ["Die Originaldatei hat 22.548.480 Byte; siehe attachment_sizes.json."],
        )
    )
    written.append(stub)
    sizes = out / "attachment_sizes.json"
    sizes.write_text(json.dumps(catalog.attachment_sizes(), indent=2) + "\n", encoding="utf-8")
    manifest.sort(
        key=lambda e: (e["file"], e["sheet"] or "", e["row"] or 0, e["rule"], e["column"] or "")
    )
    (out / "defects.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    written += [sizes, out / "defects.json"]
    return written


def _write_einvoices(out: Path, seed: int) -> tuple[list[Path], list[dict]]:
    from workbench.samples.einvoice_files import einvoice_samples

    for stale in out.glob("einvoice_*"):
        stale.unlink()
    written, manifest = [], []
    for sample in einvoice_samples(seed):
        (out / sample.name).write_bytes(sample.data)
        written.append(out / sample.name)
        manifest += sample.manifest
    return written, manifest
