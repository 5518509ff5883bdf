"""Real processes for the reliability suite: a private PostgreSQL cluster, a private PgBouncer,
the API and the executor supervisor, all on free ports of 127.0.0.1.

Nothing here touches the shared PostgreSQL (5432) or PgBouncer (6432): every server is started
by this module, in a directory of its own, and stopped by the pid this module recorded.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PGBOUNCER = Path("/usr/sbin/pgbouncer")
WORK = Path(os.environ.get("CP_RELIABILITY_WORK", "/var/tmp/cp-reliability"))

# Canary secrets: they must never show up in an API answer, a node output or a node error.
SECRET_KEY = "reliability-canary-secret-key-6f1d2b9c4e8a7d3f0b5c"
DB_PASSWORD = "canary-db-password-93b7"
SERVICE_SECRET = "canary-service-file-secret-51ac"
ADMIN_EMAIL = "admin@reliability.example.com"
ADMIN_PASSWORD = "Admin-password-for-reliability-1"
QUERY_WAIT_TIMEOUT_S = 5
CANARIES = (SECRET_KEY, DB_PASSWORD, SERVICE_SECRET, ADMIN_PASSWORD)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], *, timeout_s: float, interval_s: float = 0.1) -> bool:
    """Poll ``check`` until it holds or ``timeout_s`` passes (a bounded loop)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except (OSError, httpx.HTTPError, psycopg.Error):
            pass
        time.sleep(interval_s)
    return False


def _as_postgres(*command: str | Path) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *map(str, command)]


@dataclass
class Postgres:
    """A private PostgreSQL 15 cluster, run as the postgres user."""

    port: int
    data: Path

    @classmethod
    def create(cls) -> Postgres:
        port = free_port()
        data = WORK / f"pg-{port}"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        shutil.chown(data, "postgres", "postgres")
        data.chmod(0o700)
        subprocess.run(
            _as_postgres(
                PG_BIN / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "--no-sync"
            ),
            check=True,
            capture_output=True,
        )
        cluster = cls(port, data)
        cluster.start()
        return cluster

    def start(self) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=/tmp "
            "-c max_connections=200 -c fsync=off -c synchronous_commit=off"
        )
        subprocess.run(
            _as_postgres(
                PG_BIN / "pg_ctl", "-D", self.data, "-l", self.data / "server.log", "-w",
                "-t", "60", "-o", options, "start",
            ),
            check=True,
            capture_output=True,
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"),
            check=False,
            capture_output=True,
        )

    def url(self, database: str = "postgres", *, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://postgres:{DB_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            f"postgresql://postgres@127.0.0.1:{self.port}/{database}", autocommit=True
        )

    def execute(self, sql: str, database: str = "postgres") -> list[tuple[object, ...]]:
        with self.connect(database) as connection:
            cursor = connection.execute(sql.encode())
            return cursor.fetchall() if cursor.description else []

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data, ignore_errors=True)


@dataclass
class PgBouncer:
    """A private PgBouncer in transaction pooling in front of ``postgres``."""

    port: int
    directory: Path
    postgres_port: int

    @classmethod
    def create(cls, postgres: Postgres) -> PgBouncer:
        port = free_port()
        directory = WORK / f"pgbouncer-{port}"
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
        (directory / "pgbouncer.ini").write_text(
            f"[databases]\n* = host=127.0.0.1 port={postgres.port}\n\n[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir = {directory}\n"
            f"auth_type = trust\nauth_file = {directory}/userlist.txt\nadmin_users = postgres\n"
            "pool_mode = transaction\nmax_client_conn = 1000\ndefault_pool_size = 40\n"
            "server_reset_query =\nignore_startup_parameters = extra_float_digits,options\n"
            # Recommended in front of the API: a client waits at most this long for a server
            # connection (default 120 s: with PostgreSQL down every request hangs that long).
            f"query_wait_timeout = {QUERY_WAIT_TIMEOUT_S}\n"
            f"logfile = {directory}/pgbouncer.log\npidfile = {directory}/pgbouncer.pid\n"
        )
        (directory / "userlist.txt").write_text('"postgres" ""\n')
        shutil.chown(directory, "postgres", "postgres")
        for child in directory.iterdir():
            shutil.chown(child, "postgres", "postgres")
        bouncer = cls(port, directory, postgres.port)
        bouncer.start()
        return bouncer

    def start(self) -> None:
        subprocess.run(
            _as_postgres(PGBOUNCER, "-d", self.directory / "pgbouncer.ini"),
            check=True,
            capture_output=True,
        )
        if not wait_until(self._answers, timeout_s=15):
            raise RuntimeError(f"pgbouncer on {self.port} did not start")

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=1):
            return True

    def stop(self) -> None:
        pidfile = self.directory / "pgbouncer.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)  # immediate shutdown: clients are cut off
        except ProcessLookupError:
            return
        wait_until(lambda: not Path(f"/proc/{pid}").exists(), timeout_s=10)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres:{DB_PASSWORD}@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Service:
    """A process this suite started (the API or the executor supervisor)."""

    name: str
    command: list[str]
    environment: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.log.parent,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout_s: float = 40) -> int | None:
        """SIGTERM, then SIGKILL of the whole process group after ``timeout_s``."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        try:  # leftovers of the group (orphaned sandboxes), by our own group id
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return self.process.returncode

    def children(self) -> list[int]:
        """Direct child pids (the supervisor's worker processes)."""
        found: list[int] = []
        for task in Path(f"/proc/{self.pid}/task").glob("*"):
            try:
                found += [int(p) for p in (task / "children").read_text().split()]
            except OSError:
                continue
        return sorted(found)


@dataclass
class Stack:
    """One database with the API and the executor in front of it: a database of the private
    PostgreSQL cluster, or an embedded SQLite file (``sqlite_path``, no ``postgres``)."""

    name: str
    postgres: Postgres | None
    bouncer: PgBouncer | None
    database_url: str
    listen_url: str | None
    logs: Path
    api_port: int = field(default_factory=free_port)
    api_env: dict[str, str] = field(default_factory=dict)
    executor_env: dict[str, str] = field(default_factory=dict)
    api: Service | None = None
    executor: Service | None = None
    sqlite_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def query(self, sql: str) -> list[tuple[object, ...]]:
        """Rows of ``sql`` (portable SQL) read from the stack's database, whichever it is."""
        if self.postgres is not None:
            return self.postgres.execute(sql, self.name)
        assert self.sqlite_path is not None
        uri = f"file:{self.sqlite_path}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
            return connection.execute(sql).fetchall()

    def _environment(self, extra: dict[str, str]) -> dict[str, str]:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/root"),
            "ENVIRONMENT": "development",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": self.database_url,
            "DATABASE_PGBOUNCER": "true" if self.bouncer else "false",
            "CP_RELIABILITY_CANARY": SERVICE_SECRET,
        }
        if self.listen_url:
            environment["DATABASE_LISTEN_URL"] = self.listen_url
        if "PYTHONPATH" in os.environ:  # to run another checkout's services against the suite
            environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
        environment.update(extra)
        return environment

    def start_api(self) -> Service:
        environment = self._environment(
            {
                "API_HOST": "127.0.0.1",
                "API_PORT": str(self.api_port),
                "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000",
                "LOG_LEVEL": "WARNING",
                # schemathesis opens the live streams too: end them fast, clients reconnect
                "LIVE_STREAM_MAX_SECONDS": "2",
                **self.api_env,
            }
        )
        self.api = Service(
            "api", [str(BIN / "chain-processor-api")], environment, self.logs / "api.log"
        )
        self.api.start()
        if not wait_until(self.api_ready, timeout_s=30):
            raise RuntimeError(f"the API did not start; see {self.api.log}")
        return self.api

    def api_ready(self) -> bool:
        return httpx.get(f"{self.base_url}/health", timeout=2).status_code == 200

    def start_executor(self, **settings: str) -> Service:
        environment = self._environment(
            {
                "EXECUTOR_WORKERS": "2",
                "EXECUTOR_CONCURRENCY": "4",
                "EXECUTOR_METRICS_PORT": "0",
                "EXECUTOR_GENERATED_DIR": "",
                "EXECUTOR_REAP_INTERVAL_S": "1",
                "EXECUTOR_LEASE_S": "10",
                "EXECUTOR_HEARTBEAT_S": "2",
                "EXECUTOR_GRACEFUL_TIMEOUT_S": "5",
                "EXECUTOR_MAX_POLL_INTERVAL_S": "1",
                "LOG_LEVEL": "WARNING",
                **self.executor_env,
                **settings,
            }
        )
        self.executor = Service(
            "executor",
            [str(BIN / "chain-processor-executor")],
            environment,
            self.logs / "executor.log",
        )
        self.executor.start()
        workers = int(environment["EXECUTOR_WORKERS"])
        if not wait_until(lambda: len(self.executor_workers()) >= workers, timeout_s=20):
            raise RuntimeError(f"the executor did not start; see {self.executor.log}")
        return self.executor

    def executor_workers(self) -> list[int]:
        """Pids of the supervisor's worker processes (not the sandboxes below them)."""
        if self.executor is None or not self.executor.alive():
            return []
        workers = []
        for pid in self.executor.children():
            try:
                command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"worker" in command:
                workers.append(pid)
        return workers

    def stop(self) -> None:
        for service in (self.executor, self.api):
            if service is not None:
                service.stop()
