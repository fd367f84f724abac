"""Helpers for the tests of unattended runs: daily POS exports as a Lightspeed K-Series back
office writes them, DATEV's side of what arrived (the sandbox's EXTF jobs), outages, a seed
with many Mandanten."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx

from workbench.datev.extf import read_extf

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "data" / "samples"
POS_MAPPING = SAMPLES / "pos_mapping.toml"
CLIENT = "455148-1"


def outage(sandbox, on: bool) -> None:
    """DATEV answers every API request with 503 (no waiting between the client's retries)."""
    body = {"5xx": 1.0, "retry_after": 0} if on else {"clear": True}
    httpx.post(f"{sandbox.url}/_sandbox/faults", json=body).raise_for_status()


def write_day(folder: Path, day: dt.date, *, food: str = "120,50", drinks: str = "43,20") -> Path:
    """One business day's export (Lightspeed layout, balanced: revenue = payments)."""
    folder.mkdir(parents=True, exist_ok=True)
    total = float(food.replace(",", ".")) + float(drinks.replace(",", "."))
    card = 60.0
    cash = f"{total - card:.2f}".replace(".", ",")
    text = (
        "Geschäftstag;Art;Buchhaltungsgruppe;Betrag brutto;MwSt-Satz\n"
        f"{day:%d.%m.%Y};Umsatz;Speisen;{food};7,00\n"
        f"{day:%d.%m.%Y};Umsatz;Getränke;{drinks};19,00\n"
        f"{day:%d.%m.%Y};Zahlungsart;Bar;{cash};\n"
        f"{day:%d.%m.%Y};Zahlungsart;EC-Karte;60,00;\n"
    )
    path = folder / f"kasse_{day:%Y-%m-%d}.csv"
    path.write_text(text, encoding="utf-8")
    return path


def extf_jobs(sandbox, client: str = CLIENT) -> list[dict]:
    """Every EXTF file DATEV received for ``client``: its Reference-Id and the dates it covers
    (read from the file's own header and bookings), in the order they arrived."""
    rows = sandbox.state.store.query(
        "SELECT job, content FROM extf_jobs WHERE client_id = ? ORDER BY received_at, rowid",
        (client,),
    )
    import io
    import json

    jobs = []
    for row in rows:
        written = read_extf(io.BytesIO(row["content"]))
        days = sorted(set(written.frame["Belegdatum"].drop_nulls().to_list()))
        jobs.append(
            {
                "reference": json.loads(row["job"]).get("reference_id"),
                "label": written.header.label,
                "days": days,
            }
        )
    return jobs


def seed_with_clients(path: Path, count: int) -> Path:
    """The sandbox seed plus ``count`` Mandanten 455148-101… (copies of Bäckerei Müller, same
    Berater, so the seeded user may work for them)."""
    import copy
    import json

    seed = json.loads((REPO / "data" / "sandbox" / "default.json").read_text(encoding="utf-8"))
    template = next(c for c in seed["accounting_clients"] if c["id"] == CLIENT)
    for number in range(101, 101 + count):
        clone = copy.deepcopy(template)
        clone.update(id=f"455148-{number}", client_number=number, name=f"Mandant {number}")
        seed["accounting_clients"].append(clone)
    path.write_text(json.dumps(seed, ensure_ascii=False), encoding="utf-8")
    return path


def start_test_smtp(folder: Path, monkeypatch):
    """The Mandantentalk's test SMTP server (aiosmtpd, STARTTLS, AUTH), and the settings to reach
    it: the same mail settings the schedules use for ``--deliver email``."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "talk"))
    from smtp_server import PASSWORD, start_smtp

    folder.mkdir(parents=True, exist_ok=True)
    server = start_smtp(folder)
    monkeypatch.setenv("WORKBENCH_SMTP_URL", server.url())
    monkeypatch.setenv("WORKBENCH_SMTP_FROM", "kanzlei@example.de")
    monkeypatch.setenv("WORKBENCH_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("WORKBENCH_SMTP_CAFILE", str(server.cafile))
    return server
