"""The built wheel is the product: installed outside the checkout, it runs the demo, a report and
a check from an empty folder, and it ships every run-time file (and nothing of the workshop).

The wheel is built from a copy of the checkout (tracked and new files, symlinks kept), so the build
writes nothing into the repository, and junk that a working copy collects (JupyterLab checkpoints,
byte code) is planted in the copy to prove it stays out. The fresh venv gets the wheel without
dependencies; the pinned stack this test runs on is linked in (a ``.pth`` file for its modules,
``share/jupyter`` for its data files), so nothing is downloaded but the build backend, and
``pip check`` proves the wheel's declared requirements are met by that stack. With
``WORKBENCH_WHEEL_FULL_INSTALL=1`` the dependencies are resolved from the package index instead
(``-c constraints.txt``; takes minutes).

Cost on the shared 2-core machine, measured: build 9-16 s, venv and install 4 s, ``pip check``
1 s; the demo, the report and the check 60-95 s together (papermill starts a kernel each time).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = "receipts_juston_booking_detail.csv"
# Files a working copy collects that must never ship.
JUNK = [
    "notebooks/.ipynb_checkpoints/01-workbench-checkpoint.ipynb",
    "notebooks/reports/.ipynb_checkpoints/monthly-reconciliation-checkpoint.ipynb",
    "expectations/__pycache__/build.cpython-311.pyc",
    "data/samples/.ipynb_checkpoints/receipts_canonical-checkpoint.csv",
]
# The editable sources behind workbench/resources/ (see workbench/resources/__init__.py).
LINKED = {
    "expectations": "expectations",
    "notebooks": "notebooks",
    "profiles": "data/profiles",
    "samples": "data/samples",
    "sandbox": "data/sandbox",
}

pytestmark = pytest.mark.slow


def _checkout_copy(target: Path) -> Path:
    """Tracked and new (not ignored) files of the checkout, symlinks kept as links."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source, copy = REPO / name, target / name
        if not source.is_symlink() and not source.exists():  # deleted, not yet committed
            continue
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            copy.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, copy)
    for name in JUNK:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text("junk", encoding="utf-8")
    return target


def _run(args: list[str | Path], *, cwd: Path, env: dict[str, str] | None = None, timeout=600):
    return subprocess.run(
        [str(arg) for arg in args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """(the wheel, the checkout copy it was built from)."""
    root = tmp_path_factory.mktemp("wheel")
    source = _checkout_copy(root / "checkout")
    dist = root / "dist"
    build = _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, source],
        cwd=root,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    [wheel] = dist.glob("datev_workbench-*.whl")
    return wheel, source


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory) -> Path:
    """A fresh venv outside the checkout with the wheel installed; returns its ``bin`` folder."""
    wheel, _ = built
    env_dir = tmp_path_factory.mktemp("fresh") / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", python]
    if os.environ.get("WORKBENCH_WHEEL_FULL_INSTALL") == "1":
        install = _run([*pip, "install", "-c", REPO / "constraints.txt", wheel], cwd=env_dir)
    else:
        purelib = _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], cwd=env_dir
        ).stdout.strip()
        # The pinned stack this test runs on: its modules, and the data files its wheels put
        # under share/ (nbconvert's HTML templates, ipykernel's kernel spec).
        stack = sysconfig.get_path("purelib")
        Path(purelib, "pinned-stack.pth").write_text(stack + "\n", encoding="utf-8")
        (env_dir / "share").mkdir()
        (env_dir / "share" / "jupyter").symlink_to(
            Path(sysconfig.get_path("data"), "share", "jupyter")
        )
        install = _run([*pip, "install", "--no-deps", "--no-index", wheel], cwd=env_dir)
    assert install.returncode == 0, install.stdout + install.stderr
    check = _run([*pip, "check"], cwd=env_dir)
    assert check.returncode == 0, check.stdout + check.stderr
    return env_dir / "bin"


@pytest.fixture
def user(installed, tmp_path) -> tuple[Path, dict[str, str]]:
    """An empty working folder and the environment of a new user (fresh WORKBENCH_HOME)."""
    folder = tmp_path / "leer"
    folder.mkdir()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("WORKBENCH_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{installed}{os.pathsep}{env.get('PATH', '')}",
        WORKBENCH_HOME=str(tmp_path / "home"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),  # no kernels of the developer's own
        PYTHONNOUSERSITE="1",
    )
    return folder, env


def test_the_wheel_ships_the_run_time_files_and_no_workshop(built):
    wheel, source = built
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "workbench/py.typed" in names
    for resource, folder in LINKED.items():
        expected = {
            f"workbench/resources/{resource}/{path.relative_to(source / folder).as_posix()}"
            for path in (source / folder).rglob("*")
            if path.is_file() and not {".ipynb_checkpoints", "__pycache__"} & set(path.parts)
        }
        shipped = {name for name in names if name.startswith(f"workbench/resources/{resource}/")}
        assert shipped == expected, resource
    for name in [
        "expectations/receipts.json",
        "notebooks/reports/monthly-reconciliation.ipynb",
        "notebooks/investigate/transfer.ipynb",
        "notebooks/01-workbench.ipynb",
        "profiles/juston.toml",
        f"samples/{SAMPLE}",
        "sandbox/default.json",
        "xsd/Document_v060.xsd",
        "xsd/Belegverwaltung_online_ledger_import_v060.xsd",
    ]:
        assert f"workbench/resources/{name}" in names, name
    workshop = [
        name
        for name in names
        if name.startswith("tests/")
        or ".ipynb_checkpoints" in name
        or "__pycache__" in name
        or name.endswith(".pyc")
    ]
    assert workshop == []


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, user):
    folder, env = user
    found = _run(
        ["python", "-c", "import workbench; print(workbench.__file__)"], cwd=folder, env=env
    )
    assert found.returncode == 0, found.stderr
    location = Path(found.stdout.strip()).resolve()
    assert location.is_relative_to(installed.parent.resolve())
    assert not location.is_relative_to(REPO)


def test_demo_report_and_check_from_an_empty_folder(installed, user):
    folder, env = user
    demo = _run(["workbench", "demo"], cwd=folder, env=env)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "Fertig. Übersicht: out/demo/uebersicht_2026-01.html" in demo.stdout
    for client in ("455148-1", "455148-2"):
        written = (folder / f"out/demo/bericht_{client}_2026-01.html").read_text(encoding="utf-8")
        assert f"Monatsabgleich {client}: Januar 2026" in written  # the notebook ran

    sample = _run(
        [
            "python",
            "-c",
            f"from workbench.resources import resource_path as r; print(r('samples', '{SAMPLE}'))",
        ],
        cwd=folder,
        env=env,
    ).stdout.strip()
    assert Path(sample).is_relative_to(installed.parent.resolve())
    report = _run(
        [
            "workbench",
            "report",
            "--client",
            "455148-1",
            "--period",
            "2026-01",
            "--source",
            f"receipts={sample}",
            "--out",
            "bericht.html",
        ],
        cwd=folder,
        env=env,
    )
    # The sample carries seeded defects: the report is written and its exit code says "errors".
    assert report.returncode == 2, report.stdout[-3000:] + report.stderr[-3000:]
    assert "Bericht: bericht.html" in report.stdout
    assert "Monatsabgleich 455148-1: Januar 2026" in (folder / "bericht.html").read_text(
        encoding="utf-8"
    )

    check = _run(
        ["workbench", "check", "receipts", sample, "--client", "455148-1", "--format", "json"],
        cwd=folder,
        env=env,
    )
    assert check.returncode == 2, check.stdout[-3000:] + check.stderr[-3000:]
    assert '"rule"' in check.stdout and SAMPLE in check.stdout
