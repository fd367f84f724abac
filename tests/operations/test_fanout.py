"""Fan-out over many Mandanten (issue 18, "Done means"): monthly reports for 20 Mandanten on a
Dask LocalCluster with one worker killed mid-run → 20 reports and the overview; on a local
process pool a killed worker's Mandant runs again and a failing Mandant stops no other."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import psutil
import pytest
from unattended import SAMPLES, seed_with_clients

from workbench.cli.fanout import fan_out
from workbench.config import load_settings
from workbench.operations import Unit, run_units
from workbench.operations.fanout import unit_environment
from workbench.sandbox import start_sandbox

KASSE = SAMPLES / "receipts_juston_kasse.csv"
PERIOD = "2026-02"


@pytest.fixture
def many_clients(tmp_path, monkeypatch):
    """A sandbox with 20 more Mandanten, each with its cash book as source in the settings."""
    seed = seed_with_clients(tmp_path / "seed.json", 20)
    with start_sandbox(seed=seed) as sandbox:
        monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
        clients = [f"455148-{number}" for number in range(101, 121)]
        write_settings(clients)
        yield clients


def write_settings(clients: list[str], broken: tuple[str, ...] = ()) -> None:
    home = load_settings().home
    home.mkdir(parents=True, exist_ok=True)
    lines = []
    for client in clients:
        lines.append(f'[clients."{client}"]')
        if client in broken:  # a source without files: the report cannot even start
            lines.append('sources = [{kind = "receipts", profile = "juston"}]')
        else:
            pattern = str(KASSE.parent / "receipts_juston_kass*.csv")
            lines.append(f'sources = [{{kind = "receipts", files = ["{pattern}"]}}]')
    (home / "settings.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def kill_one(pids: list[int]):
    """An ``on_result`` hook: after the first Mandant is done, kill one busy worker process."""
    killed = []

    def hook(result) -> None:
        if not killed:
            victim = pids[0] if pids else None
            assert victim is not None
            os.kill(victim, signal.SIGKILL)
            killed.append(victim)

    hook.killed = killed
    return hook


def test_reports_for_20_clients_on_a_dask_cluster_with_a_killed_worker(many_clients, tmp_path):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",  # 8787 may be taken
        ) as cluster,
        Client(cluster, set_as_default=False) as client,
    ):
        pids = list(client.run(os.getpid).values())
        hook = kill_one(pids)
        out = tmp_path / "berichte"
        code = fan_out(
            "report",
            period=PERIOD,
            cluster=cluster.scheduler_address,
            out=out,
            on_result=hook,
        )
        assert hook.killed  # a worker died while Mandanten were still running
    reports = sorted(out.glob("bericht_*.html"))
    assert [path.name for path in reports] == [
        f"bericht_{client}_{PERIOD}.html" for client in many_clients
    ]
    overview = (out / f"uebersicht_{PERIOD}.html").read_text(encoding="utf-8")
    for client in many_clients:
        assert f"href='bericht_{client}_{PERIOD}.html'" in overview
    assert "kein Bericht" not in overview
    assert code == 2  # the February cash book carries seeded errors in every report


def _is_pool_worker(process: psutil.Process) -> bool:
    try:
        return "spawn_main" in " ".join(process.cmdline())
    except psutil.NoSuchProcess:
        return False


def test_process_pool_retries_a_killed_workers_client_and_lists_a_failing_one(
    many_clients, tmp_path
):
    clients = many_clients[:6]
    write_settings(clients, broken=(clients[2],))
    settings = load_settings()
    units = [
        Unit(
            action="check",
            client=client,
            period=PERIOD,
            sources=tuple(settings.client_sources(client)),
            options={"base": str(tmp_path), "out_dir": str(tmp_path / "befunde")},
            environment=unit_environment(settings),
        )
        for client in clients
    ]
    me = psutil.Process()
    killed = []

    def kill_a_busy_worker(result) -> None:
        # the pool's spawned workers, not multiprocessing's resource tracker (also a python
        # child: killing it kills no Mandant's work and ends the run with a warning)
        workers = [p for p in me.children(recursive=True) if _is_pool_worker(p)]
        if not killed and workers:
            workers[-1].kill()
            killed.append(workers[-1].pid)

    results = run_units(units, workers=2, on_result=kill_a_busy_worker)
    assert killed
    assert [r.client for r in results] == clients
    failed = [r for r in results if r.failed]
    assert [r.client for r in failed] == [clients[2]], [
        r.error for r in failed
    ]  # only the broken one, the others went on
    assert "files" in (failed[0].error or "")
    done = [r for r in results if not r.failed]
    assert all(r.exit_code == 2 and r.details["errors"] > 0 for r in done)
    assert any(r.attempts > 1 for r in results)  # the killed worker's Mandant ran again
    for result in done:
        assert (tmp_path / "befunde" / f"befunde_{result.client}_{PERIOD}.json").is_file()


def test_serial_run_gives_the_same_results_as_the_pool(many_clients, tmp_path):
    clients = many_clients[:3]
    settings = load_settings()
    units = [
        Unit(
            action="check",
            client=client,
            period=PERIOD,
            sources=tuple(settings.client_sources(client)),
            options={"base": str(tmp_path)},
            environment=unit_environment(settings),
        )
        for client in clients
    ]
    serial = run_units(units, workers=1)
    pooled = run_units(units, workers=2)
    assert [(r.client, r.exit_code, r.details) for r in serial] == [
        (r.client, r.exit_code, r.details) for r in pooled
    ]


def test_all_clients_needs_clients_with_sources():
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="sources"):
        fan_out("check", period=PERIOD)


def test_unreachable_cluster_is_one_german_line(many_clients):
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="nicht erreichbar"):
        fan_out("check", period=PERIOD, cluster="tcp://127.0.0.1:9")
    assert Path.cwd()  # nothing else to clean up


@pytest.mark.parametrize("address", ["local", "tcp://scheduler"])
def test_a_cluster_address_without_a_port_is_one_german_line(many_clients, address):
    """Tour 29 #10: ``--cluster local`` gave "Unerwarteter Fehler: ValueError: missing port
    number", then hung 60 s in distributed's Client.__del__ with an English traceback."""
    from workbench.errors import ConfigError

    with pytest.raises(ConfigError, match="tcp://scheduler:8786") as raised:
        fan_out("check", period=PERIOD, cluster=address)
    assert f"'{address}'" in str(raised.value) and "ValueError" not in str(raised.value)


def test_a_report_whose_files_match_nothing_fails_like_the_check(many_clients, tmp_path):
    """Tour 28 #25: ``report --all-clients`` listed such a Mandant as "fertig, 0 Fehler" (its
    report: "Es wurde keine Quelldatei angegeben"), ``check --all-clients`` as failed."""
    client = many_clients[0]
    home = load_settings().home
    (home / "settings.toml").write_text(
        f'[clients."{client}"]\nsources = [{{kind = "receipts", files = ["nichtda/*.csv"]}}]\n',
        encoding="utf-8",
    )
    settings = load_settings()
    units = [
        Unit(
            action=action,
            client=client,
            period=PERIOD,
            sources=tuple(settings.client_sources(client)),
            options={"base": str(tmp_path), "out_dir": str(tmp_path / "out")},
            environment=unit_environment(settings),
        )
        for action in ("check", "report")
    ]
    check, report = run_units(units, workers=1)
    assert check.failed and report.failed, report
    assert "passt keine Datei" in (report.error or "") and report.error == check.error


@pytest.fixture
def pos_client(monkeypatch):
    """The default sandbox; Mandant 455148-2 with its Kasse export (POS revenue) as source."""
    with start_sandbox() as sandbox:
        monkeypatch.setenv("WORKBENCH_SANDBOX_URL", sandbox.url)
        home = load_settings().home
        home.mkdir(parents=True, exist_ok=True)
        pos = SAMPLES / "pos_lightspeed.csv"
        (home / "settings.toml").write_text(
            f'[clients."455148-2"]\nsources = [{{kind = "pos", files = ["{pos}"]}}]\n',
            encoding="utf-8",
        )
        yield "455148-2"


def test_check_all_clients_checks_pos_revenue_with_its_account_mapping(pos_client, tmp_path):
    """Tour 29 #9: ``check --all-clients`` checked POS revenue without its account mapping and
    did not say so (1 Fehler, where ``check pos --pos-mapping`` finds 6, 5 of them
    pos.unbalanced). With ``--pos-mapping`` each Mandant's POS source gets the mapping's
    findings; without it, the Mandant's line says the Zwischenkonto was not checked."""
    settings = load_settings()

    def check(**options):
        unit = Unit(
            action="check",
            client=pos_client,
            period="2026-01",
            sources=tuple(settings.client_sources(pos_client)),
            options={"base": str(tmp_path), "out_dir": str(tmp_path / "out"), **options},
            environment=unit_environment(settings),
        )
        [result] = run_units([unit], workers=1)
        assert not result.failed, result.error
        return result

    without = check()
    assert any("Zwischenkonto nicht geprüft" in p for p in without.details["problems"])
    mapping = SAMPLES / "pos_mapping.toml"
    mapped = check(pos_mapping=str(mapping))
    assert not mapped.details["problems"]
    assert mapped.details["errors"] > without.details["errors"]
    findings = (tmp_path / "out" / f"befunde_{pos_client}_2026-01.json").read_text("utf-8")
    assert "pos.unbalanced" in findings
