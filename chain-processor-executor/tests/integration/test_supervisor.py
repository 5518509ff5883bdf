"""The real thing: ``chain-processor-executor`` processes on PostgreSQL through PgBouncer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from sqlalchemy import Engine

from chain_processor_executor.webhooks import SIGNATURE_HEADER, verify
from tests.conftest import Database, _database
from tests.factories import UPPER, builtin, execution, make_chain, node_rows, submit
from tests.integration.test_observability import free_port, scrape
from tests.integration.test_worker import wait_for

SLOW = "import time\n\ndef node(text):\n    time.sleep(1.5)\n    return text + '.'\n"


@pytest.fixture
def bouncer_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from _database(request, "pgbouncer", tmp_path)


@pytest.fixture
def engine(bouncer_database: Database) -> Iterator[Engine]:
    engine = bouncer_database.engine()
    yield engine
    engine.dispose()


@pytest.fixture
def launch(
    bouncer_database: Database, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(
        *arguments: str, output: Path | None = None, **settings: str
    ) -> subprocess.Popen[bytes]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": bouncer_database.url,
            "DATABASE_PGBOUNCER": "true",
            "DATABASE_LISTEN_URL": bouncer_database.listen_url or "",
            "EXECUTOR_WORKERS": "2",
            "EXECUTOR_CONCURRENCY": "1",
            "EXECUTOR_POLL_INTERVAL_S": "0.1",
            "EXECUTOR_MAX_POLL_INTERVAL_S": "0.5",
            "EXECUTOR_LEASE_S": "2",
            "EXECUTOR_HEARTBEAT_S": "0.5",
            "EXECUTOR_REAP_INTERVAL_S": "0.5",
            "EXECUTOR_GRACEFUL_TIMEOUT_S": "10",
            "EXECUTOR_GENERATED_DIR": str(tmp_path / "generated"),
            "EXECUTOR_METRICS_PORT": "0",
            **{k: v for k, v in os.environ.items() if k.startswith("COVERAGE_")},
            **settings,
        }
        command = [sys.executable, "-m", "chain_processor_executor.main", *arguments]
        if output is None:
            process = subprocess.Popen(command, env=environment, cwd=tmp_path)
        else:
            with output.open("wb") as log:
                process = subprocess.Popen(
                    command, env=environment, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
                )
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait()


def children(pid: int) -> dict[str, int]:
    """Worker id → pid of the supervisor's worker processes."""
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            arguments = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            if b"--worker-id" in arguments:
                found[arguments[arguments.index(b"--worker-id") + 1].decode()] = int(child)
    return found


def status(engine: Engine, execution_id: uuid.UUID) -> str:
    return execution(engine, execution_id).status


def test_supervisor_runs_executions_and_drains_on_sigterm(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    quick = make_chain(engine, [builtin("uppercase"), UPPER])
    ids = [submit(engine, quick, f"text {i}") for i in range(10)]
    supervisor = launch()
    wait_for(lambda: all(status(engine, i) == "succeeded" for i in ids), timeout_s=60)
    slow_id = submit(engine, make_chain(engine, [SLOW]))
    wait_for(lambda: status(engine, slow_id) == "running")
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0
    row = execution(engine, slow_id)
    assert (row.status, row.output_text) == ("succeeded", "hello.")  # finished within grace


def test_each_worker_sets_its_garbage_collector(
    launch: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    log = tmp_path / "executor.log"
    supervisor = launch(output=log, EXECUTOR_GC_THRESHOLD="30000")

    def records() -> list[dict[str, object]]:
        lines = log.read_text().splitlines()
        return [json.loads(line) for line in lines if '"gc_set"' in line]

    wait_for(lambda: len(records()) == 2)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0
    for record in records():
        assert record["gc_thresholds"][0] == 30_000
        assert record["gc_frozen"] > 10_000  # the imports and the worker, examined no more


def wakeup_files(pid: int) -> set[str]:
    """The ``--wakeups`` files the supervisor's worker processes were given."""
    found = set()
    for child in children(pid).values():
        arguments = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if b"--wakeups" in arguments:
            found.add(arguments[arguments.index(b"--wakeups") + 1].decode())
    return found


def test_the_workers_of_a_supervisor_share_one_wakeup_file_until_it_stops(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    supervisor = launch(TMPDIR=str(temporary))
    wait_for(lambda: len(children(supervisor.pid)) == 2)
    [shared] = wakeup_files(supervisor.pid)
    # Unlinked at once: open in the supervisor and in each worker, nowhere on disk.
    assert shared.startswith("/proc/self/fd/")
    assert list(temporary.glob("cp-wakeups-*")) == []
    holders = [supervisor.pid, *children(supervisor.pid).values()]
    assert len({_share_inode(pid, shared) for pid in holders}) == 1
    version = make_chain(engine, [UPPER])
    ids = [submit(engine, version, f"text {i}") for i in range(4)]
    wait_for(lambda: all(status(engine, i) == "succeeded" for i in ids), timeout_s=60)
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0


def _share_inode(pid: int, argument: str) -> int:
    """The inode of the share file that ``argument`` (``/proc/self/fd/<n>``) names in
    process ``pid``: a deleted file."""
    descriptor = Path(f"/proc/{pid}/fd/{Path(argument).name}")
    target = os.readlink(descriptor)
    assert "cp-wakeups-" in target and target.endswith("(deleted)"), target
    return os.stat(descriptor).st_ino


def test_a_killed_supervisor_leaves_no_wakeup_file(
    launch: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    supervisor = launch(TMPDIR=str(temporary))
    wait_for(lambda: len(children(supervisor.pid)) == 2)
    workers = list(children(supervisor.pid).values())
    supervisor.send_signal(signal.SIGKILL)
    supervisor.wait(10)
    wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in workers), timeout_s=30)
    assert list(temporary.glob("cp-wakeups-*")) == []


def test_a_killed_worker_is_replaced_and_its_execution_completes_once(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER, SLOW, UPPER]))
    supervisor = launch(EXECUTOR_METRICS_PORT=str(free_port()))
    wait_for(lambda: node_rows(engine, execution_id) != [])  # node 0 done, node 1 running
    holder = execution(engine, execution_id).worker_id
    assert holder is not None
    workers = children(supervisor.pid)
    os.kill(workers[holder], signal.SIGKILL)
    wait_for(lambda: status(engine, execution_id) == "succeeded", timeout_s=60)
    row = execution(engine, execution_id)
    assert (row.output_text, row.attempts) == ("HELLO.", 2)
    assert [r.position for r in node_rows(engine, execution_id)] == [0, 1, 2]
    wait_for(lambda: len(children(supervisor.pid)) == 2)
    assert holder not in children(supervisor.pid)
    assert len(wakeup_files(supervisor.pid)) == 1  # the new worker shares the old one's file
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0


def test_kill_9_of_a_lone_worker_completes_once_after_lease_expiry(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER, SLOW]))
    lone = launch("worker", "--worker-id", "lone-worker")
    wait_for(lambda: node_rows(engine, execution_id) != [])
    lone.send_signal(signal.SIGKILL)
    lone.wait(10)
    assert execution(engine, execution_id).worker_id == "lone-worker"
    # A supervisor elsewhere knows nothing of lone-worker: only its reaper can help.
    supervisor = launch()
    wait_for(lambda: status(engine, execution_id) == "succeeded", timeout_s=60)
    assert execution(engine, execution_id).attempts == 2
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0


def test_workers_stop_when_their_supervisor_is_killed(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    supervisor = launch()
    wait_for(lambda: len(children(supervisor.pid)) == 2)
    workers = list(children(supervisor.pid).values())
    supervisor.kill()
    supervisor.wait(10)

    def gone(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
        except FileNotFoundError:
            return True

    wait_for(lambda: all(gone(pid) for pid in workers), timeout_s=60)


def test_metrics_of_every_worker_are_served_summed(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    port = free_port()
    version = make_chain(engine, [UPPER, builtin("uppercase")])
    ids = [submit(engine, version, f"text {i}") for i in range(6)]
    supervisor = launch(EXECUTOR_METRICS_PORT=str(port))
    wait_for(lambda: all(status(engine, i) == "succeeded" for i in ids), timeout_s=60)
    ok = ("chain_executions_total", (("reason", "none"), ("status", "succeeded")))

    def metrics() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        try:
            return scrape(port)
        except OSError:
            return {}

    wait_for(lambda: metrics().get(ok) == 6)
    values = metrics()
    assert values[("chain_execution_duration_seconds_count", (("status", "succeeded"),))] == 6
    assert values[("node_execution_duration_seconds_count", (("status", "succeeded"),))] == 12
    assert values[("executor_claim_latency_seconds_count", ())] == 6
    assert values[("executor_in_flight", ())] == 0
    assert values[("executor_queue_depth", ())] == 0
    busy = {k[1] for k in values if k[0] == "chain_executions_total"}
    assert busy == {ok[1]}
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, bytes, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((self.path, body, self.headers[SIGNATURE_HEADER]))
        self.send_response(500 if len(Receiver.received) == 1 else 200)  # retried once
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_completion_webhooks_reach_a_real_server_signed(
    engine: Engine, launch: Callable[..., subprocess.Popen[bytes]]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/done"
    execution_id = submit(engine, make_chain(engine, [UPPER], metadata={"webhook_url": url}))
    secret = "a-real-secret-of-at-least-32-characters!"
    supervisor = launch(
        ENVIRONMENT="production",
        WEBHOOK_SECRET=secret,
        WEBHOOK_ALLOW_PRIVATE_NETWORKS="true",
        WEBHOOK_POLL_INTERVAL_S="0.1",
        WEBHOOK_BACKOFF_S="0.2",
    )
    try:
        wait_for(lambda: len(Receiver.received) == 2, timeout_s=60)
    finally:
        server.shutdown()
        server.server_close()
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(60) == 0
    for path, body, signature in Receiver.received:
        assert path == "/done" and verify(secret.encode(), body, signature)
        assert json.loads(body)["execution_id"] == str(execution_id)
        assert json.loads(body)["status"] == "succeeded"
