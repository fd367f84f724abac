"""Heavy packages are imported only on the paths that need them (issue 21, item 1).

Each case runs in a fresh interpreter and reads ``sys.modules`` afterwards: what an import
pulls in, not how long it takes (timings belong in ``benchmarks/whole_process.py``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"

#: Great Expectations (the second engine), altair (charts), papermill (reports), starlette (the
#: sandbox), openpyxl (Excel) and the data stack: none of them is needed to parse a command line.
HEAVY = ("great_expectations", "altair", "papermill", "starlette", "openpyxl", "polars", "numpy")


def modules_after(code: str) -> set[str]:
    """``sys.modules`` of a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def imported_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after running ``code``."""
    return sorted(set(HEAVY) & modules_after(code))


@pytest.mark.parametrize(
    "code",
    [
        "import workbench",
        "import workbench.cli",
        "import workbench.pipeline",
    ],
)
def test_importing_the_command_line_pulls_in_no_heavy_package(code):
    assert imported_after(code) == []


def test_help_imports_no_heavy_package():
    code = (
        "import sys\nfrom workbench.cli import app\n"
        "try:\n    app(['--help'], prog_name='workbench')\nexcept SystemExit:\n    pass"
    )
    assert imported_after(code) == []


def test_loading_imports_neither_the_checks_nor_the_sandbox():
    modules = modules_after("import workbench\nworkbench.load_run  # loaded on first use")
    assert "workbench.pipeline.load" in modules
    assert not {"workbench.checks", "workbench.sandbox", "workbench.mapping"} & modules
    assert not {"great_expectations", "starlette", "openpyxl"} & modules


def test_the_public_names_still_resolve_and_unknown_ones_fail():
    import workbench
    import workbench.pipeline

    assert workbench.load_run is workbench.pipeline.load_run
    assert "check_run" in dir(workbench)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        workbench.nothing  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        workbench.pipeline.nothing  # noqa: B018


def test_a_check_imports_neither_excel_nor_the_other_engine(tmp_path):
    """``workbench check`` of the sample receipts (table output): no Great Expectations, no
    openpyxl, no altair or papermill; starlette only for the embedded sandbox it talks to."""
    code = (
        "import os\n"
        f"os.environ['WORKBENCH_HOME'] = {str(tmp_path)!r}\n"
        "os.environ.pop('WORKBENCH_SANDBOX_URL', None)\n"
        "from workbench.cli import app\n"
        "try:\n"
        f"    app(['check', 'receipts', {str(SAMPLES / 'receipts_canonical.csv')!r},"
        " '--client', '455148-1'], prog_name='workbench')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, 1, 2), exit.code\n"
    )
    assert imported_after(code) == ["numpy", "polars", "starlette"]


def test_a_load_imports_polars_only(tmp_path):
    """``workbench load`` of a CSV needs polars, nothing else heavy (not numpy either: the
    bare ``polars.read_csv`` it is measured against does not import it)."""
    big = tmp_path / "gross.csv"
    text = (SAMPLES / "receipts_canonical.csv").read_text(encoding="utf-8")
    header, *rows = text.splitlines(keepends=True)
    big.write_text(header + "".join(rows * (100_000 // len(text) + 2)), encoding="utf-8")
    code = (
        "import os\n"
        f"os.environ['WORKBENCH_HOME'] = {str(tmp_path)!r}\n"
        "from workbench.cli import app\n"
        "try:\n"
        f"    app(['load', 'receipts', {str(big)!r}], prog_name='workbench')\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, 1, 2), exit.code\n"
    )
    assert imported_after(code) == ["polars"]
