"""The app's Protokoll step on a large transfer: DATEV's rejections after the first thousand
receipt confirmations are shown, errors first (tour 27, defect 14)."""

from __future__ import annotations

import polars as pl

from workbench.ui.protocol import protocol_frame


def test_rejections_after_a_thousand_confirmations_are_shown_first():
    confirmations = [
        {"time": "2026-02-03T10:15:00+01:00", "text": "wurde empfangen!", "type": "information",
         "filename": f"BEL-{number:05d}.pdf"}
        for number in range(1500)
    ]  # fmt: skip
    rejected = {"time": "2026-02-03T10:16:00+01:00", "text": "Beleg wurde nicht übernommen!",
                "type": "error", "filename": "BEL-01400.pdf", "context": "Beleg 1401"}  # fmt: skip
    frame = protocol_frame([*confirmations, rejected], items=[])
    assert frame.height == 1501
    assert frame.row(0, named=True)["text"] == "Beleg wurde nicht übernommen!"
    assert frame.filter(pl.col("severity") == "error").height == 1
