"""The workbench notebook in a real JupyterLab, driven in Debian's chromium with Playwright.

Starts JupyterLab on a free loopback port (its own config, settings, workspace and runtime
dirs; news pop-up and autosave off, so the committed notebook is never rewritten), opens
``notebooks/01-workbench.ipynb``, runs all cells and uses the app like a user: choose client
and file, load, run the checks, see the findings, map, start a transfer with confirmation and
see its status. The same notebook is then served by voila (``make app``) and used there.
Screenshots go to ``artifacts/screenshots/`` (gitignored); ``workbench.png`` there is the one
copied to ``docs/screenshots/`` for the README.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "01-workbench.ipynb"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: User settings: no news or update checks (no internet), no autosave of the repo's notebook.
SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"autoStartDefaultKernel": True},
}

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chromium_path() -> Path:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} fehlt: Debian's chromium wird für den Browser-Test gebraucht "
            f"(apt-get install -y chromium). Playwright lädt keinen eigenen Browser."
        )
    return CHROMIUM


@contextmanager
def _server(command: list[str], *, env: dict, ready: str, log_path: Path, name: str):
    """Run a Jupyter server in its own process group until it answers ``ready``; stop it after."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 90
            while True:
                if process.poll() is not None:
                    pytest.fail(
                        f"{name} ist nicht gestartet:\n"
                        + log_path.read_text(errors="replace")[-3000:]
                    )
                try:
                    # Any HTTP answer means the server is up (voila has no status endpoint).
                    if httpx.get(ready, timeout=60).status_code < 500:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} antwortet nach 90 s nicht.")
                time.sleep(0.5)
            yield
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def _jupyter_env(tmp_path: Path, home: Path) -> dict:
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "WORKBENCH_HOME": str(home),
    }
    env.pop("WORKBENCH_SANDBOX_URL", None)
    return env


@pytest.fixture
def jupyter_lab(tmp_path, _isolated_home):
    settings_dir = tmp_path / "lab-settings"
    for name, values in SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--allow-root",
        "--no-browser",
        "--ServerApp.token=",
        "--ServerApp.password=",
        "--ServerApp.ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--notebook-dir={REPO}",
        f"--LabApp.user_settings_dir={settings_dir}",
        # opening a notebook writes a checkpoint: keep it out of the repository
        f"--FileCheckpoints.checkpoint_dir={tmp_path / 'checkpoints'}",
    ]
    url = f"http://127.0.0.1:{port}"
    with _server(
        command,
        env=_jupyter_env(tmp_path, _isolated_home),
        ready=f"{url}/api/status",
        log_path=tmp_path / "jupyter.log",
        name="JupyterLab",
    ):
        yield url


@contextmanager
def _chromium(path: Path, profile: Path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(path),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1500, "height": 1100},
        )
        try:
            page = browser.pages[0] if browser.pages else browser.new_page()
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def _html(page, css: str) -> str:
    return page.locator(css).inner_text()


def _wait_text(page, css: str, text: str, *, timeout: float = 60_000) -> None:
    page.locator(css).filter(has_text=text).first.wait_for(state="visible", timeout=timeout)


def _tab(page, title: str) -> None:
    page.locator(".wb-tabs .lm-TabBar-tab").filter(has_text=title).first.click()


def test_workbench_app_in_jupyterlab(jupyter_lab, chromium_path, tmp_path):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    before = NOTEBOOK.read_bytes()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with _chromium(chromium_path, tmp_path / "chromium-profile") as page:
        try:
            page.goto(f"{jupyter_lab}/lab/tree/notebooks/01-workbench.ipynb")
            page.locator(".jp-Notebook").first.wait_for(state="visible")
            dialog = page.locator(".jp-Dialog").filter(has_text="Select Kernel")
            try:
                dialog.wait_for(state="visible", timeout=5_000)
                dialog.locator("button.jp-mod-accept").click()
            except PlaywrightTimeout:
                pass  # the notebook's kernel started without asking
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
                state="attached", timeout=90_000
            )
            page.locator(".lm-MenuBar-itemLabel").filter(has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel").filter(has_text="Run All Cells").first.click()
            error = ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
            page.locator(f".wb-app, {error}").first.wait_for(state="visible", timeout=90_000)
            if page.locator(error).count():
                pytest.fail("Das Notebook bricht ab:\n" + page.locator(error).first.inner_text())

            # Quellen: client from DATEV's list, the sample file, load.
            page.locator(".wb-client select").select_option(label="455148-1 – Bäckerei Müller GmbH")
            page.locator(".wb-paths textarea").fill("../data/samples/receipts_juston_expense.csv")
            page.locator("button.wb-load").click()
            _wait_text(page, ".wb-summary", "200 Zeilen geladen")
            page.screenshot(path=str(SCREENSHOTS / "01-quellen.png"))

            # Prüfungen: run the suites, see counts per rule and the findings table.
            _tab(page, "Prüfungen")
            page.locator("button.wb-check").click()
            _wait_text(page, ".wb-totals", "16 Befunde")
            _wait_text(page, ".wb-rule-counts", "duplicate.invoice_id")
            _wait_text(page, ".wb-findings", "field.iban")
            page.screenshot(path=str(SCREENSHOTS / "02-pruefungen.png"))
            # The app alone, for the README (copied to docs/screenshots/workbench.png by hand).
            page.locator(".wb-app").evaluate("element => element.scrollIntoView()")
            page.screenshot(path=str(SCREENSHOTS / "workbench.png"))

            # Vorschau: map, DATEV fields with lineage.
            _tab(page, "Vorschau")
            page.locator("button.wb-map").click()
            _wait_text(page, ".wb-counts", "185 DATEV-Datensätze")
            _wait_text(page, ".wb-preview", "receipts_juston_expense.csv")
            page.screenshot(path=str(SCREENSHOTS / "03-vorschau.png"))

            # Übertragung: choose Buchungsmonat and Beleg-Art, confirm, wait for the upload.
            _tab(page, "Übertragung")
            _wait_text(page, ".wb-groups", "2026-01 ★")
            page.locator(".wb-group select").select_option(
                label="2026-01 · Rechnungseingang (61 Positionen, 35 Belege)"
            )
            page.locator("button.wb-new-transfer").click()
            _wait_text(page, ".wb-confirm-question", "61 Belegpositionen")
            page.screenshot(path=str(SCREENSHOTS / "04-uebertragung-bestaetigen.png"))
            page.locator("button.wb-confirm-transfer").click()
            _wait_text(page, ".wb-transfer-result", "Datenübertragung(en) angelegt")
            page.screenshot(path=str(SCREENSHOTS / "05-uebertragung.png"))

            # Status: the transfer is listed; refresh until DATEV is done, then confirm.
            _tab(page, "Status")
            _wait_text(page, ".wb-transfers", "Transferiert")
            deadline = time.monotonic() + 60
            while True:
                page.locator("button.wb-refresh-status").click()
                _wait_text(page, ".wb-fetched-status", "DATEV-Status")
                text = _html(page, ".wb-fetched-status")
                if "Status offen" not in text and "In Arbeit" not in text:
                    break
                assert time.monotonic() < deadline, text
                time.sleep(2)
            page.locator("button.wb-confirm-status").click()
            _wait_text(page, ".wb-fetched-status", "Gespeichert: DATEV-Status")
            _wait_text(page, ".wb-transfers", "455148-1")
            page.screenshot(path=str(SCREENSHOTS / "06-status.png"))
            assert "Traceback" not in page.locator(".wb-app").inner_text()
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "failure.png"))
            raise
    assert NOTEBOOK.read_bytes() == before, "JupyterLab must not rewrite the committed notebook"
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def test_workbench_app_as_voila_web_app(chromium_path, tmp_path, _isolated_home):
    """``make app``: the same notebook served by voila (no JupyterLab features needed)."""
    voila = Path(sys.prefix) / "bin" / "voila"
    if not voila.exists():
        pytest.fail(f"{voila} fehlt: voila ist in pyproject.toml gepinnt (make setup).")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(voila), str(NOTEBOOK), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with (
        _server(
            command,
            env=_jupyter_env(tmp_path, _isolated_home),
            ready=f"{url}/favicon.ico",
            log_path=tmp_path / "voila.log",
            name="voila",
        ),
        _chromium(chromium_path, tmp_path / "chromium-profile") as page,
    ):
        try:
            page.goto(url)
            page.locator(".wb-app").wait_for(state="visible", timeout=120_000)
            page.locator("button.wb-load").click()
            _wait_text(page, ".wb-summary", "200 Zeilen geladen")
            _tab(page, "Prüfungen")
            page.locator("button.wb-check").click()
            _wait_text(page, ".wb-totals", "16 Befunde")
            _wait_text(page, ".wb-findings", "field.iban")
            page.screenshot(path=str(SCREENSHOTS / "voila.png"))
            assert "Traceback" not in page.locator("body").inner_text()
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "voila-failure.png"))
            raise
