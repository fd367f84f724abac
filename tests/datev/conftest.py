"""Fixtures for the DATEV format tests: golden files and the shipped samples."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
GOLDEN = DATA / "golden"


@pytest.fixture
def golden():
    """Compare bytes with ``tests/data/golden/<name>``.

    ``WORKBENCH_REGENERATE_GOLDEN=1`` rewrites the golden file instead.
    """

    def _check(name: str, data: bytes) -> None:
        path = GOLDEN / name
        if os.environ.get("WORKBENCH_REGENERATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        assert path.exists(), f"golden file {name} missing; run with WORKBENCH_REGENERATE_GOLDEN=1"
        assert data == path.read_bytes(), f"output differs from golden file {name}"

    return _check


@pytest.fixture
def samples(shared_datev) -> Path:
    """DATEV's small LedgerImport samples (ameax/datev-xml, MIT) in ``../shared/datev/samples``."""
    return shared_datev("samples")
