"""The main job as one function per stage: load → check → map → package → send → status →
reconcile.

Each stage takes the previous stage's result (ARCHITECTURE §2). The CLI, the widgets, the
report notebooks and ``workbench demo`` call these, so all of them behave the same:

>>> from workbench.pipeline.connection import connect
>>> loaded = load_run("receipts", ["belege.csv"])  # doctest: +SKIP
>>> with connect() as connection:  # doctest: +SKIP
...     checked = check_run(loaded, client="455148-1", connection=connection)
...     mapped = map_run(checked)
...     packaged = package_run(mapped, out_dir=Path("out"), ledger=connection.ledger)
...     sent = send_run(packaged, connection)
...     status_run(connection, [t.id for t in sent.transfers])
...     reconciled = reconcile_run(connection, client="455148-1", period="2026-01",
...                                sources=[mapped])

``workbench map`` stops after ``package_run`` (files only); ``workbench transfer`` goes on with
``send_run``. Nothing is lost between stages: every loaded row is mapped, blocked with findings
or skipped, and ``mapped.mapping.counts()`` shows that the numbers add up. The connection to
DATEV (or the bundled sandbox) and the ledger come from ``workbench.pipeline.connection``.
"""

from workbench.pipeline.check import check_run
from workbench.pipeline.fixes import fix_run
from workbench.pipeline.load import detect_profile, load_run
from workbench.pipeline.map import map_run, mapping_of, records_with_lineage
from workbench.pipeline.package import package_run
from workbench.pipeline.reconcile import map_sources, reconcile_run
from workbench.pipeline.registry import load_pos_mapping
from workbench.pipeline.results import CheckedRun, LoadedRun, MappedRun, PackagedRun, SentRun
from workbench.pipeline.send import send_run, status_run

__all__ = [
    "CheckedRun",
    "LoadedRun",
    "MappedRun",
    "PackagedRun",
    "SentRun",
    "check_run",
    "detect_profile",
    "fix_run",
    "load_pos_mapping",
    "load_run",
    "map_run",
    "map_sources",
    "mapping_of",
    "package_run",
    "reconcile_run",
    "records_with_lineage",
    "send_run",
    "status_run",
]
