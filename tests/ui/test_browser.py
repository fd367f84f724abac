"""The workbench app in Debian's chromium with Playwright, as a bookkeeper uses it.

Voila (``make app``) serves ``notebooks/01-workbench.ipynb`` and one browser session walks the
whole guided flow on the sample data (see :func:`walk_the_guided_flow`). JupyterLab
(``make lab``, its own config, settings, workspace and runtime dirs; news pop-up and autosave
off, so the committed notebook is never rewritten) is checked in a second, short session: the
notebook's first line, Run All Cells, a README path loads. Screenshots go to
``artifacts/screenshots/`` (gitignored); the README's ones are copied from there to
``docs/screenshots/`` by hand after looking at them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOK = REPO / "notebooks" / "01-workbench.ipynb"
SAMPLES = REPO / "data" / "samples"
#: A JustOn Expense export (Windows-1252, as Salesforce writes it) and its Belegbilder.
EXPORT = SAMPLES / "receipts_juston_expense.csv"
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


def _step(page, key: str) -> None:
    page.locator(f".wb-nav-{key}").first.click()
    page.locator(f".wb-step-{key}").first.wait_for(state="visible")


def _shot(page, name: str) -> None:
    page.locator(".wb-app").evaluate("element => element.scrollIntoView()")
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def _upload(page, css: str, path: Path) -> None:
    """Click the upload button and choose ``path`` in the file dialog, as a user does."""
    with page.expect_file_chooser() as chooser:
        page.locator(f"button{css}").click()
    chooser.value.set_files(str(path))


def _belege_zip(tmp_path: Path) -> Path:
    """The Belegbilder of the JustOn export, as a bookkeeper gets them: one ZIP."""
    archive = tmp_path / "Belegbilder.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted((SAMPLES / "belege").glob("BEL-*")):
            zipped.write(path, f"Belegbilder/{path.name}")
    return archive


def walk_the_guided_flow(page, tmp_path: Path, *, shots: bool) -> None:
    """A bookkeeper on the sample data: Mandant, upload with Belegbilder ZIP, January, check,
    safe fixes, preview, transfer one Buchungsmonat/Beleg-Art, status, protocol, Prüfbericht."""
    from openpyxl import load_workbook

    # 1 Mandant: another one first, then the right one: nothing of the first may stay.
    page.locator(".wb-client select").select_option(label="455148-2 – Grün & Söhne Gärtnerei KG")
    page.locator(".wb-client select").select_option(label="455148-1 – Bäckerei Müller GmbH")
    _wait_text(page, ".wb-status", "Mandant 455148-1 gewählt")
    # 2 Quellen: upload the JustOn export and its Belegbilder (ZIP)
    _step(page, "sources")
    _upload(page, ".wb-upload", EXPORT)
    _wait_text(page, ".wb-uploads", f"Hochgeladen: {EXPORT.name}")
    _upload(page, ".wb-upload-belege", _belege_zip(tmp_path))
    _wait_text(page, ".wb-uploads", "Belegbilder: 476 Datei(en)")
    page.locator("button.wb-load").click()
    _wait_text(page, ".wb-summary", "200 Zeilen geladen (Profil juston)")
    if shots:
        _shot(page, "quellen.png")
    # 3 Prüfen: January 2026 as people write it
    page.locator(".wb-step-sources button.wb-next").click()
    page.locator(".wb-period input").fill("01/2026")
    page.locator("button.wb-check").click()
    _wait_text(page, ".wb-totals", "135 Zeilen anderer Monate nicht geprüft (Zeitraum Januar 2026)")
    totals = _html(page, ".wb-totals")
    assert "65 Zeilen geprüft" in totals and "Fehler" in totals
    _wait_text(page, ".wb-findings", "Fehler")
    findings = _html(page, ".wb-findings")
    assert "Fehler" in findings and "fiscal_year.outside_period" not in findings
    assert "attachment.missing" not in findings or findings.count("attachment.missing") <= 1
    page.locator(".wb-charts svg").first.wait_for(state="visible")
    if shots:
        _shot(page, "workbench.png")
    # safe fixes, old -> new, saved
    _wait_text(page, ".wb-fixes", "sichere Korrektur")
    page.locator("button.wb-fix").click()
    _wait_text(page, ".wb-fixes", "korrigiert und gespeichert")
    # the Prüfbericht as a download
    page.locator("button.wb-make-report").click()
    page.locator(".wb-download-link").wait_for(state="visible")
    with page.expect_download() as download:
        page.locator(".wb-download-link").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "Pruefbericht_455148-1_2026-01.xlsx"
    assert load_workbook(saved, read_only=True).sheetnames[:2] == ["Zusammenfassung", "Befunde"]
    # 4 Vorschau: DATEV's words, German values
    page.locator(".wb-step-checks button.wb-next").click()
    page.locator("button.wb-map").click()
    _wait_text(page, ".wb-counts", "DATEV-Datensätze")
    _wait_text(page, ".wb-preview", "Belegfeld 1")
    preview = _html(page, ".wb-preview")
    for word in ("Umsatz", "Soll/Haben", "Konto", "Gegenkonto", "Belegfeld 1", "Buchungstext"):
        assert word in preview, word
    assert "accountNo" not in preview and "294,77" in preview and "02.01.2026" in preview
    if shots:
        _shot(page, "vorschau.png")
    # 5 Übertragen: Januar 2026, Rechnungsausgang, Ziel-Ordner
    page.locator(".wb-step-preview button.wb-next").click()
    page.locator(".wb-month select").select_option(label="Januar 2026 ★")
    kinds = [
        text.replace("\xa0", " ")  # ipywidgets writes option labels with no-break spaces
        for text in page.locator(".wb-document-kind select option").all_inner_texts()
    ]
    assert any(text.startswith("Rechnungseingang (") for text in kinds), kinds
    page.locator("button.wb-new-transfer").click()
    _wait_text(page, ".wb-confirm-question", "des Buchungsmonats Januar 2026")
    if shots:
        _shot(page, "uebertragen.png")
    page.locator("button.wb-confirm-transfer").click()
    _wait_text(page, ".wb-transfer-result", "1 Datenübertragung(en) angelegt")
    # 6 Status: the newest transfer of this Mandant, refresh until DATEV is done, confirm
    page.locator(".wb-step-transfer button.wb-next").click()
    _wait_text(page, ".wb-transfers", "Januar 2026")
    chosen = page.locator(".wb-transfer-choice select option:checked").inner_text()
    chosen = chosen.replace("\xa0", " ")
    assert chosen.startswith("Januar 2026 · Rechnungseingang"), chosen
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
    listed = _html(page, ".wb-transfers")
    assert "Rechnungseingang" in listed and "Transferiert" in listed
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", listed)  # Berlin time, German date
    if shots:
        _shot(page, "status.png")
    # 7 Protokoll
    page.locator("button.wb-show-protocol").click()
    _wait_text(page, ".wb-protocol-transfer", "Protokoll gespeichert")
    step = _html(page, ".wb-step-protocol")
    assert "Eingangsbestätigungen" in step and "wurde empfangen!" not in _html(page, ".wb-protocol")
    if "Fehler im Protokoll" in step and "Keine Fehler" not in step:  # DATEV rejected something
        _wait_text(page, ".wb-backmapped", EXPORT.name)
    if shots:
        _shot(page, "protokoll.png")
    assert "Traceback" not in page.locator(".wb-app").inner_text()


def test_guided_flow_in_voila(chromium_path, tmp_path, _isolated_home):
    """``make app``: the bookkeeper's whole path in the served app (one browser session)."""
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
            walk_the_guided_flow(page, tmp_path, shots=True)
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "voila-failure.png"), full_page=True)
            raise


def test_workbench_app_in_jupyterlab(jupyter_lab, chromium_path, tmp_path):
    """``make lab``: the notebook says what to do; Run All Cells builds the app; it loads a path
    as the README writes it, although the kernel runs in notebooks/."""
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
            first = page.locator(".jp-MarkdownCell").first.inner_text()
            assert "Run All Cells" in first.splitlines()[0]
            page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
                state="attached", timeout=90_000
            )
            page.locator(".lm-MenuBar-itemLabel").filter(has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel").filter(has_text="Run All Cells").first.click()
            error = ".jp-RenderedText[data-mime-type='application/vnd.jupyter.error']"
            page.locator(f".wb-app, {error}").first.wait_for(state="visible", timeout=90_000)
            if page.locator(error).count():
                pytest.fail("Das Notebook bricht ab:\n" + page.locator(error).first.inner_text())
            _step(page, "sources")
            page.locator(".wb-paths textarea").fill("data/samples/receipts_juston_expense.csv")
            page.locator("button.wb-load").click()
            _wait_text(page, ".wb-summary", "200 Zeilen geladen")
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab.png"))
            assert "Traceback" not in page.locator(".wb-app").inner_text()
        except BaseException:
            page.screenshot(path=str(SCREENSHOTS / "jupyterlab-failure.png"))
            raise
    assert NOTEBOOK.read_bytes() == before, "JupyterLab must not rewrite the committed notebook"
    shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)
