"""The ``workbench`` command line (ARCHITECTURE §4.1, a contract).

Exit codes: 0 clean, 1 warnings only, 2 errors found (or transfer failed), 3 usage or runtime
error: one clear line on stderr, a traceback only with ``--debug``. One module per group of
commands; importing them registers the commands on :data:`app`.
"""

from workbench.cli import (  # noqa: F401  (registers the commands)
    addressbook,
    backfill,
    bank,
    data,
    demo,
    kanzleien,
    reconcile,
    reporting,
    schedule,
    talk,
    tokens,
    transfers,
)
from workbench.cli._app import app, run

__all__ = ["app", "run"]
