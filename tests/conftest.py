"""Shared fixtures: every test gets its own WORKBENCH_HOME so no state leaks between tests."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"
#: DATEV reference material beside the checkout (CI always has it; users do not need it).
SHARED_DATEV = REPO.parent / "shared" / "datev"


def shared_datev_path(*parts: str) -> Path:
    """A file or folder of ``../shared/datev``; skips the test (with the reason) when absent.

    Tests read DATEV's samples and Musterdaten from there and never copy them into the repo.
    """
    path = SHARED_DATEV.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"DATEV reference material {path} is not beside the checkout (../shared)")
    return path


@pytest.fixture
def shared_datev():
    """:func:`shared_datev_path` for tests: ``shared_datev("musterdaten", "csv")``."""
    return shared_datev_path


@pytest.fixture(scope="session", autouse=True)
def _session_home(tmp_path_factory):
    """A home for fixtures of module or session scope too: they are set up before the
    per-test home below and would otherwise read and write the user's own WORKBENCH_HOME."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WORKBENCH_HOME", str(tmp_path_factory.mktemp("workbench-session-home")))
        patch.delenv("WORKBENCH_SANDBOX_URL", raising=False)
        patch.delenv("WORKBENCH_CONFIG", raising=False)
        patch.setenv("WORKBENCH_KANZLEI", "Standard")
        yield


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    home = tmp_path_factory.mktemp("workbench-home")
    monkeypatch.setenv("WORKBENCH_HOME", str(home))
    monkeypatch.delenv("WORKBENCH_SANDBOX_URL", raising=False)
    monkeypatch.delenv("WORKBENCH_CONFIG", raising=False)
    # setenv (not delenv) so that a `workbench --kanzlei` run in-process is undone afterwards.
    monkeypatch.setenv("WORKBENCH_KANZLEI", "Standard")
    return home


@pytest.fixture
def write(tmp_path):
    """Write ``text`` to ``tmp_path/name`` in ``encoding`` and return the path."""

    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return _write


def pytest_collection_modifyitems(config, items):
    """GX-on-Spark tests need the ``[spark]`` extra and Java and take minutes: they run only when
    selected with ``-m spark`` (``make test-spark``, called by CI); any other run deselects them
    (not a skip: nothing the suite ships is left out of the run it belongs to)."""
    if "spark" in (config.option.markexpr or ""):
        return
    spark = [item for item in items if "spark" in item.keywords]
    if spark:
        config.hook.pytest_deselected(items=spark)
        items[:] = [item for item in items if "spark" not in item.keywords]
