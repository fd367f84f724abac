"""``python -m workbench.cli``: the command line."""

from workbench.cli import run

run()
