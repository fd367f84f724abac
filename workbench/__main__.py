"""``python -m workbench``: the command line."""

from workbench.cli import run

run()
