"""Benchmark: the Abgleich of a month with 100,000 bookings against the sandbox (issue 19:
under 5 s). Prints numbers; no asserts except that both ways find the same differences.

    .venv/bin/python benchmarks/reconcile.py
    .venv/bin/python benchmarks/reconcile.py --bookings 100000 --differences 50 --repeat 2

Setup (not timed): a Buchungsstapel of January with ``--bookings`` lines (Debitor an Erlöse,
seeded amounts and accounts) is packaged and sent like ``workbench transfer`` does (two EXTF
files: DATEV takes at most 99,999 per file) to a sandbox in its own process; then a colleague
changes, deletes and adds ``--differences`` bookings each through the control endpoint.

Timed: ``workbench.reconcile.reconcile`` end to end (create DATEV's postings job, wait for it
with the sandbox's default preparation time of 1 s, fetch the pages of 50,000, read back the
sent files and compare), with the DATEV side, the sent side and the comparison broken out.

Baseline in the same run: the obvious pure-Python Abgleich (the postings as one dict per NDJSON
line, the EXTF files through the csv module, a Counter per Belegfeld 1), which must classify
every Beleg the same way.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np
import polars as pl
from _sandbox import sandbox_process
from _timing import best_of

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from workbench.config import sandbox_endpoints  # noqa: E402
from workbench.datev.extf import ExtfHeader  # noqa: E402
from workbench.pipeline.package import package_bookings  # noqa: E402
from workbench.pipeline.send import send_uploads  # noqa: E402
from workbench.reconcile import reconcile  # noqa: E402
from workbench.reconcile.booked import booked_bookings  # noqa: E402
from workbench.reconcile.sent import sent_bookings  # noqa: E402
from workbench.transfer.auth import Session, login  # noqa: E402
from workbench.transfer.client import DatevClient  # noqa: E402
from workbench.transfer.ledger import Ledger  # noqa: E402

CLIENT, PERIOD = "455148-1", "2026-01"
START, END = dt.date(2026, 1, 1), dt.date(2026, 1, 31)
REVENUE = ["8300", "8400", "8200"]


def generate(count: int, seed: int = 19) -> pl.DataFrame:
    """Bookings with the verbatim EXTF column names and lineage (one source row each)."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame(
        {
            "Umsatz (ohne Soll/Haben-Kz)": np.round(np.exp(rng.uniform(0, 9, count)), 2) + 0.01,
            "Soll/Haben-Kennzeichen": "S",
            "WKZ Umsatz": "EUR",
            "Konto": [str(10000 + int(n)) for n in rng.integers(0, 5000, count)],
            "Gegenkonto (ohne BU-Schlüssel)": [REVENUE[int(n)] for n in rng.integers(0, 3, count)],
            "Belegdatum": [START + dt.timedelta(days=int(d)) for d in rng.integers(0, 31, count)],
            "Belegfeld 1": [f"RE-{n:07d}" for n in range(count)],
            "Buchungstext": "Rechnung",
            "item_id": [f"I{n}" for n in range(count)],
            "source_file": "rechnungen.csv",
            "source_row": np.arange(2, count + 2),
        }
    ).with_columns(pl.col("Belegdatum").cast(pl.Date))


def setup(url: str, home: Path, bookings: pl.DataFrame) -> tuple[Ledger, DatevClient]:
    datev = DatevClient(sandbox_endpoints(url), client_id="workbench-sandbox", verify=False)
    tokens = login(
        datev,
        client_secret="sandbox-secret",
        authorize_url=datev.endpoints["authorize"],
        open_browser=datev.approve_in_sandbox,
        offline=True,
    )
    datev.tokens = Session(datev, client_secret="sandbox-secret", tokens=tokens)
    ledger = Ledger(home / "ledger.sqlite3")
    header = ExtfHeader(
        consultant_number=455148,
        client_number=1,
        fiscal_year_start=START,
        account_length=4,
        date_from=START,
        date_to=END,
    )
    uploads, _ = package_bookings(bookings, header=header, client=CLIENT, out_dir=home)
    transfers = send_uploads(ledger, datev, uploads, client=CLIENT, kind="invoices")
    for transfer in transfers:  # the sandbox books what it accepted once the job succeeded
        while datev.extf_job(CLIENT, transfer.job_id).get("result") == "pending":
            time.sleep(0.5)
        ledger.update(transfer.id, action="status", datev_status="succeeded")
    return ledger, datev


def colleague(url: str, bookings: pl.DataFrame, count: int) -> dict[str, str]:
    """Change, delete and add ``count`` bookings each; the kind each Beleg must show."""
    control = f"{url}/_sandbox/clients/{CLIENT}/postings"
    expected = {}
    with httpx.Client(timeout=60) as http:
        for n, row in enumerate(bookings.head(2 * count).iter_rows(named=True)):
            field = row["Belegfeld 1"]
            if n < count:
                amount = row["Umsatz (ohne Soll/Haben-Kz)"] + 1
                body = {"action": "change", "match": {"documentField1": field}}
                body["posting"] = {"amountCredit": amount}
                expected[field] = "abweichend"
            else:
                body = {"action": "delete", "match": {"documentField1": field}}
                expected[field] = "nicht_gebucht"
            http.post(control, json=body).raise_for_status()
        for n in range(count):
            field = f"MAN-{n:05d}"
            posting = {"accountNumber": 49300000, "contraAccountNumber": 10000000}
            posting |= {"amountDebit": 5.0, "date": "2026-01-15", "documentField1": field}
            http.post(control, json={"action": "add", "posting": posting}).raise_for_status()
            expected[field] = "nicht_gesendet"
    return expected


def _account(technical: int) -> str:
    """Back from DATEV's technical length (account length 4)."""
    return str(technical).zfill(8)[:4] if technical < 100_000_000 else str(technical)[:5]


def baseline(ledger: Ledger, datev: DatevClient) -> dict[str, str]:
    """The obvious pure-Python Abgleich: Counters of (debit, credit, cents) per Belegfeld 1."""
    booked: dict[str, Counter] = {}
    for posting in datev.account_postings(CLIENT, 20260101, document_links=False):
        day = dt.date.fromisoformat(posting["date"])
        if not START <= day <= END:
            continue
        own, other = posting["accountNumber"], posting["contraAccountNumber"]
        debit, credit = (own, other) if "amountDebit" in posting else (other, own)
        amount = posting.get("amountDebit", posting.get("amountCredit"))
        # A booking between two Sachkonten comes once per Kontoblatt: count it on its debit one.
        if debit < 100_000_000 and credit < 100_000_000 and own != debit:
            continue
        key = (_account(debit), _account(credit), round(amount * 100))
        booked.setdefault(posting.get("documentField1", ""), Counter())[key] += 1
    sent: dict[str, Counter] = {}
    for transfer in ledger.transfers(client=CLIENT):
        text = Path(transfer.package_path).read_bytes().decode("cp1252")
        for row in csv.reader(text.splitlines()[2:], delimiter=";"):
            cents = round(float(row[0].replace(",", ".")) * 100)
            konto, gegenkonto = row[6], row[7]
            key = (konto, gegenkonto, cents) if row[1] == "S" else (gegenkonto, konto, cents)
            sent.setdefault(row[10], Counter())[key] += 1
    kinds = {}
    for field in set(sent) | set(booked):
        ours, theirs = sent.get(field, Counter()), booked.get(field, Counter())
        if ours == theirs:
            continue
        if not theirs:
            kinds[field] = "nicht_gebucht"
        elif not ours:
            kinds[field] = "nicht_gesendet"
        elif not ours - theirs and set(theirs - ours) <= set(ours):
            kinds[field] = "doppelt"
        else:
            kinds[field] = "abweichend"
    return kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bookings", type=int, default=100_000)
    parser.add_argument("--differences", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        process, url = sandbox_process(home / "sandbox", control=True)
        try:
            bookings = generate(args.bookings)
            began = time.perf_counter()
            ledger, datev = setup(url, home, bookings)
            took = time.perf_counter() - began
            print(f"setup: {args.bookings} bookings sent and booked in {took:.1f} s")
            expected = colleague(url, bookings, args.differences)
            seconds, result = best_of(
                args.repeat,
                lambda: reconcile(client=CLIENT, period=PERIOD, ledger=ledger, datev=datev),
            )
            found = dict(
                zip(result.differences["belegfeld1"], result.differences["kind"], strict=True)
            )
            assert found == expected, "the workbench misses or invents differences"
            parts = {
                "DATEV side (job, 1 s wait, pages, fold)": lambda: booked_bookings(
                    datev, CLIENT, start=START, end=END
                ),
                "sent side (ledger, files)": lambda: sent_bookings(
                    ledger, CLIENT, start=START, end=END, account_length=4
                ),
            }
            counts = result.counts
            print(
                f"reconcile: {seconds:.2f} s for {counts['booked']} booked, {counts['sent']} "
                f"sent, {result.differences.height} differences (target: under 5 s)"
            )
            for label, step in parts.items():
                print(f"  {label}: {best_of(args.repeat, step)[0]:.2f} s")
            base_seconds, kinds = best_of(1, lambda: baseline(ledger, datev))
            assert kinds == found, "baseline and workbench disagree"
            print(
                f"baseline (pure Python, same differences): {base_seconds:.2f} s "
                f"-> workbench {base_seconds / seconds:.1f}x as fast"
            )
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
