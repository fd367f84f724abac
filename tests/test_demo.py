"""`make demo` end to end: samples loaded, checked, one month transferred, reports written."""

import json
from pathlib import Path

from rich.console import Console

from workbench.cli.demo import DEMO_CLIENTS, DEMO_PERIOD, run_demo

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def test_demo_runs_every_step_and_ends_with_html_reports(tmp_path):
    console = Console(record=True, width=200)
    assert run_demo(SAMPLES, console=console, out=tmp_path / "demo") == 0
    text = console.export_text()
    for step in (
        "1. Laden",
        "DATEV-Sandbox läuft",
        "2. Prüfen, abbilden, übertragen",
        "3. Anrufliste abrechnen",
        "Auslagen gebucht",
    ):
        assert step in text
    overview = (tmp_path / "demo" / f"uebersicht_{DEMO_PERIOD}.html").read_text(encoding="utf-8")
    for client in DEMO_CLIENTS:
        report = tmp_path / "demo" / f"bericht_{client}_{DEMO_PERIOD}.html"
        assert report.is_file() and report.name in overview
    details = json.loads((tmp_path / "demo" / f"bericht_455148-1_{DEMO_PERIOD}.json").read_text())
    assert details["transfers"] > 0 and details["problems"] == []
