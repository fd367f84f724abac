"""The sandbox's DATEVconnect seed as an offline phone directory, and call-log fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.calls import PhoneDirectory
from workbench.sources import load_calls

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "data" / "sandbox" / "default.json"
FIXTURE = Path(__file__).parent / "data" / "calls_starface_fixture.csv"


@pytest.fixture(scope="session")
def connect_seed() -> dict:
    return json.loads(SEED.read_text(encoding="utf-8"))["connect"]


@pytest.fixture(scope="session")
def directory(connect_seed) -> PhoneDirectory:
    return PhoneDirectory.from_master_data(
        clients=connect_seed["clients"],
        addressees=connect_seed["addressees"],
        relationships=connect_seed.get("relationships", []),
        employees=connect_seed["employees"],
        orders=connect_seed["orders"],
    )


@pytest.fixture(scope="session")
def fixture_calls():
    return load_calls(FIXTURE, profile="starface")
