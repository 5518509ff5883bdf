"""Acceptance: a PostgreSQL restart mid-run loses no work; two executor instances sharing the
queue never run an execution twice."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from chain_processor_db import migrations
from chain_processor_db.session import create_db_engine
from tests.factories import UPPER, execution, make_chain, node_rows, submit
from tests.integration.test_observability import free_port, scrape
from tests.integration.test_supervisor import bouncer_database, children, engine, launch
from tests.integration.test_worker import wait_for

__all__ = ["bouncer_database", "engine", "launch"]  # fixtures shared with test_supervisor

PG_BIN = Path("/usr/lib/postgresql/15/bin")
NAP = "import time\n\ndef node(text):\n    time.sleep(0.1)\n    return text + '.'\n"


def as_postgres(*command: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, capture_output=True)


class Cluster:
    """A PostgreSQL cluster of this test's own (never the shared server), on a free port."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="cp-pg-"))
        shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U",
                    "postgres", "--no-sync")  # fmt: skip

    def pg_ctl(self, action: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c fsync=off"
        as_postgres(str(PG_BIN / "pg_ctl"), action, "-D", str(self.data), "-w", "-m", "fast",
                    "-o", options, "-l", str(self.directory / "log"))  # fmt: skip

    def remove(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "stop", "-D",
             str(self.data), "-m", "immediate"], capture_output=True, check=False,
        )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists():
        pytest.skip("needs root and PostgreSQL 15 binaries to run a private cluster")
    cluster = Cluster()
    try:
        cluster.pg_ctl("start")
        yield cluster
    finally:
        cluster.remove()


def start_supervisor(url: str, tmp_path: Path, **settings: str) -> subprocess.Popen[bytes]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": url,
        "EXECUTOR_WORKERS": "2",
        "EXECUTOR_POLL_INTERVAL_S": "0.1",
        "EXECUTOR_MAX_POLL_INTERVAL_S": "0.5",
        "EXECUTOR_LEASE_S": "2",
        "EXECUTOR_HEARTBEAT_S": "0.5",
        "EXECUTOR_REAP_INTERVAL_S": "0.5",
        "EXECUTOR_METRICS_PORT": "0",
        "EXECUTOR_GENERATED_DIR": str(tmp_path / "generated"),
        **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
        **settings,
    }
    command = [sys.executable, "-m", "chain_processor_executor.main"]
    return subprocess.Popen(command, env=environment, cwd=tmp_path)


def test_a_postgres_restart_mid_run_loses_no_work(cluster: Cluster, tmp_path: Path) -> None:
    name = f"cp_restart_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(cluster.url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = cluster.url.rsplit("/", 1)[0] + f"/{name}"
    migrations.upgrade(url)
    engine = create_db_engine(url, pool_size=2)
    # Four runs at once over the two workers: the twelve runs go in three waves of 0.3 s, so
    # the restart comes while some are done and others run (with every run at once, all
    # twelve could end between two looks).
    supervisor = start_supervisor(url, tmp_path, EXECUTOR_CONCURRENCY="2")
    try:
        version = make_chain(engine, [UPPER, NAP, NAP, NAP])
        ids = [submit(engine, version, f"text {i}") for i in range(12)]

        def done() -> int:
            try:
                return sum(execution(engine, i).status == "succeeded" for i in ids)
            except Exception:
                return -1  # the server is restarting

        wait_for(lambda: 0 < done() < len(ids), timeout_s=60)
        cluster.pg_ctl("restart")
        wait_for(lambda: done() == len(ids), timeout_s=90)
        for execution_id in ids:
            assert [r.status for r in node_rows(engine, execution_id)] == ["succeeded"] * 4
        assert {execution(engine, i).output_text for i in ids} == {
            f"TEXT {i}..." for i in range(12)
        }
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(60) == 0
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
        engine.dispose()


def test_two_executor_instances_never_run_an_execution_twice(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    version = make_chain(engine, [UPPER, NAP])
    ports = [free_port(), free_port()]
    instances = [launch(EXECUTOR_METRICS_PORT=str(port)) for port in ports]
    wait_for(lambda: all(len(children(i.pid)) == 2 for i in instances))
    time.sleep(1)  # let both pools of sandboxes start: both instances must be claiming
    ids = [submit(engine, version, f"text {i}") for i in range(40)]
    wait_for(lambda: all(execution(engine, i).status == "succeeded" for i in ids), timeout_s=90)
    assert {execution(engine, i).attempts for i in ids} == {1}  # each claimed exactly once
    assert all(len(node_rows(engine, i)) == 2 for i in ids)
    ok = ("chain_executions_total", (("reason", "none"), ("status", "succeeded")))
    per_instance = [scrape(port).get(ok, 0.0) for port in ports]
    assert sum(per_instance) == 40 and all(count > 0 for count in per_instance)
    for instance in instances:
        instance.send_signal(signal.SIGTERM)
        assert instance.wait(60) == 0
