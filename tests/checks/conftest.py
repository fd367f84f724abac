"""Fixtures for the checks: client settings from the sandbox seed, frames with lineage."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from workbench.checks import ClientSettings

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "data" / "sandbox" / "default.json"


def seed_client(client_id: str) -> dict:
    clients = json.loads(SEED.read_text(encoding="utf-8"))["accounting_clients"]
    return next(c for c in clients if c["id"] == client_id)


@pytest.fixture(scope="session")
def seed_settings():
    """Settings of a sandbox seed client by id."""
    return lambda client_id: ClientSettings.from_dict(seed_client(client_id))


@pytest.fixture(scope="session")
def settings() -> ClientSettings:
    """Bäckerei Müller GmbH: account length 4, fiscal years 2024-2026, Kasse with a cash book."""
    return ClientSettings.from_dict(seed_client("455148-1"))


def add_lineage(frame: pl.DataFrame, file: str = "belege.csv") -> pl.DataFrame:
    """``frame`` with ``source_file``/``source_row`` as a CSV with a header line would have them."""
    return frame.with_columns(
        pl.lit(file).alias("source_file"),
        (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("source_row"),
    )


@pytest.fixture(scope="session")
def with_lineage():
    return add_lineage
