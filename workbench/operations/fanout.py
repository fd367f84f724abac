"""Fan-out over many Mandanten (issue 18): one unit of work per Mandant, run side by side.

A tax office reports on thousands of Mandanten at month end; one process, one machine do not
keep up. The units run

* one after the other in this process (``workers=1``),
* on a local pool of worker processes (``workers=N``), or
* on a Dask distributed cluster (``cluster="tcp://scheduler:8786"``), an engine that is run
  and watched like any other service, instead of a home-made one.

A unit never raises: a Mandant whose data or settings fail becomes a failed result, listed in
the overview, and the others go on. A worker process that dies (killed, out of memory) takes
its unit with it; the unit runs again on another worker: the pool is rebuilt here, Dask's
scheduler does it by itself (up to its ``allowed-failures``). Running a unit twice is safe:
reports are rewritten, and the transfer ledger never sends an item twice.

Every worker reads the same Kanzlei home (ledger, settings, caches): on a cluster, that home
must be on storage all workers share, and each worker runs one task at a time
(``dask worker --nthreads 1``), since a unit sets the Kanzlei's environment for its process.
Secrets (the token key, the SMTP password) never travel with a unit: workers have their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

from workbench.config import Settings, installation_home
from workbench.errors import ConfigError
from workbench.operations.units import Unit, UnitResult, run_unit

__all__ = [
    "MAX_ATTEMPTS",
    "Unit",
    "UnitResult",
    "run_unit",
    "run_units",
    "shared_sandbox",
    "unit_environment",
]

#: How often a unit is started before a dying worker process counts as its failure.
MAX_ATTEMPTS = 3


def unit_environment(settings: Settings, *, sandbox_url: str | None = None) -> dict[str, str]:
    """The environment a unit needs to work on ``settings``' Kanzlei (nothing secret)."""
    environment = {
        "WORKBENCH_HOME": str(installation_home()),
        "WORKBENCH_KANZLEI": settings.kanzlei,
    }
    url = sandbox_url or settings.sandbox_url
    if url:
        environment["WORKBENCH_SANDBOX_URL"] = url
    if os.environ.get("WORKBENCH_CONFIG"):
        environment["WORKBENCH_CONFIG"] = os.environ["WORKBENCH_CONFIG"]
    return environment


@contextmanager
def shared_sandbox(settings: Settings) -> Iterator[str | None]:
    """One sandbox for every unit: the one named by ``WORKBENCH_SANDBOX_URL``, or an embedded
    one started here on the Kanzlei's sandbox state (units must not each start their own on the
    same state). Yields its URL; None when the Kanzlei talks to real DATEV."""
    if settings.mode != "sandbox" or settings.sandbox_url:
        yield settings.sandbox_url
        return
    from workbench.sandbox import start_sandbox

    with start_sandbox(state_dir=settings.home / "sandbox") as sandbox:
        yield sandbox.url


def run_units(
    units: Sequence[Unit],
    *,
    workers: int | None = None,
    cluster: str | None = None,
    on_result: Callable[[UnitResult], None] | None = None,
) -> list[UnitResult]:
    """Run ``units`` (serially, on ``workers`` processes, or on the Dask ``cluster``); returns
    one result per unit, in the units' order. ``on_result`` sees each result as it arrives."""
    report = on_result or (lambda result: None)
    if not units:
        return []
    if cluster:
        return _on_dask(units, cluster, report)
    count = workers or os.cpu_count() or 1
    if count <= 1:
        results = []
        for unit in units:
            results.append(run_unit(unit))
            report(results[-1])
        return results
    return _on_pool(units, count, report)


def _killed(unit: Unit, attempts: int) -> UnitResult:
    return UnitResult(
        client=unit.client,
        action=unit.action,
        exit_code=3,
        error=f"Der Arbeitsprozess für {unit.client} wurde {attempts}-mal abgebrochen "
        f"(beendet oder ohne Speicher); der Mandant wurde nicht fertig.",
        attempts=attempts,
    )


def _on_pool(
    units: Sequence[Unit], workers: int, report: Callable[[UnitResult], None]
) -> list[UnitResult]:
    """A pool of spawned processes (no fork: this process may run a sandbox thread); when a
    worker dies the pool breaks, and the units it had not finished go to a fresh pool."""
    pending = dict(enumerate(units))
    attempts = dict.fromkeys(pending, 0)
    results: dict[int, UnitResult] = {}
    while pending:
        size = min(workers, len(pending))
        with ProcessPoolExecutor(max_workers=size, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(run_unit, unit): index for index, unit in pending.items()}
            for future in as_completed(futures):
                index = futures[future]
                attempts[index] += 1
                try:
                    result = replace(future.result(), attempts=attempts[index])
                except BrokenProcessPool:
                    if attempts[index] < MAX_ATTEMPTS:
                        continue  # runs again in the next pool
                    result = _killed(pending[index], attempts[index])
                results[index] = result
                del pending[index]
                report(result)
    return [results[index] for index in range(len(units))]


def _check_address(address: str) -> None:
    """A scheduler address distributed can dial, before a Client is made of it (a Client that
    fails on its address hangs in its finaliser, then prints an English traceback)."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in ("tcp", "tls"):
            parse_host_port(location)
    except ValueError:
        raise ConfigError(
            f"--cluster '{address}' ist keine Adresse eines Dask-Schedulers: erwartet wird "
            f"Protokoll, Rechner und Port, z. B. tcp://scheduler:8786 (ohne --cluster rechnen "
            f"die Prozesse dieses Rechners, --workers N)."
        ) from None


def _on_dask(
    units: Sequence[Unit], address: str, report: Callable[[UnitResult], None]
) -> list[UnitResult]:
    try:
        from distributed import Client, as_completed
        from distributed.scheduler import KilledWorker
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise ConfigError("Für --cluster wird dask.distributed benötigt.") from None
    _check_address(address)
    try:
        client = Client(address, timeout="30s", set_as_default=False)
    except (OSError, TimeoutError) as error:
        raise ConfigError(
            f"Der Dask-Cluster {address} ist nicht erreichbar ({type(error).__name__}). Prüfen "
            f"Sie die Adresse (z. B. tcp://scheduler:8786) und ob der Scheduler läuft."
        ) from None
    batch = uuid.uuid4().hex[:8]
    results: dict[int, UnitResult] = {}
    with client:
        futures = client.map(
            run_unit,
            list(units),
            key=[f"{unit.action}-{unit.client}-{batch}" for unit in units],
            pure=False,
        )
        index = {future.key: number for number, future in enumerate(futures)}
        # This client is nobody's default (the caller may have its own): name its loop.
        for future in as_completed(futures, loop=client.loop):
            number = index[future.key]
            try:
                result = future.result()
            except KilledWorker:
                result = _killed(units[number], MAX_ATTEMPTS)
            except Exception as error:
                result = UnitResult(
                    client=units[number].client,
                    action=units[number].action,
                    exit_code=3,
                    error=f"Der Cluster hat die Arbeit für {units[number].client} nicht "
                    f"ausgeführt: {type(error).__name__}: {error}",
                )
            results[number] = result
            report(result)
    return [results[number] for number in range(len(units))]


def base_folder(base: Path | None) -> str:
    """Relative source paths are taken from here in every worker (absolute, so a worker's own
    working directory does not matter)."""
    return str((base or Path.cwd()).resolve())
