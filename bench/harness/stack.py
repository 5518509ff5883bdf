"""The stack under test, started for one run and removed after it, also on Ctrl-C.

A private database ``cp_bench_<hex>`` (migrated, builtin nodes and an admin seeded), the real
API (``chain-processor-api``, uvicorn) and optionally the real executor supervisor
(``chain-processor-executor``), both through PgBouncer in transaction pooling with LISTEN
straight to PostgreSQL, as in production. PostgreSQL and PgBouncer themselves are the
machine's (``scripts/ensure-postgres.sh``, ``scripts/ensure-pgbouncer.sh``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from chain_processor_db import migrations
from chain_processor_db.seed import seed
from chain_processor_db.session import create_db_engine

logger = logging.getLogger("bench.stack")
_STARTED: list[subprocess.Popen[bytes]] = []
_DATABASES: list[tuple[str, str]] = []
BIN = Path(sys.executable).parent
ADMIN_EMAIL = "bench-admin@example.com"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_PGBOUNCER_URL = "postgresql://postgres@127.0.0.1:6432/postgres"


@dataclass
class Stack:
    database: str
    direct_url: str
    bouncer_url: str
    api_url: str
    admin_password: str
    api: subprocess.Popen[bytes]
    executor: subprocess.Popen[bytes] | None
    logs: Path
    api_env: dict[str, str]

    def restart_api(self) -> None:
        """A fresh API process on the same port, settings and key (tokens stay valid): what
        one scenario left queued in the old one (abandoned requests are still served) must
        not slow the next."""
        _stop(self.api, "api", self.logs)
        self.api = _start("api", [str(BIN / "chain-processor-api")], self.api_env, self.logs)
        _wait_healthy(self.api_url, self.api, self.logs)


API_WORKERS = 2
"""API processes of a benchmark stack, unless ``--api-env API_WORKERS=N`` says otherwise."""


def url_for(server: str, database: str) -> str:
    return make_url(server).set(database=database).render_as_string(hide_password=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def running_stack(
    admin_url: str, pgbouncer_url: str, *, executor: bool, api_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """Database, API and (with ``executor``) the supervisor; everything is stopped and the
    database dropped on the way out, whatever happened."""
    name = f"cp_bench_{uuid.uuid4().hex[:10]}"
    password = secrets.token_urlsafe(16)
    with contextlib.ExitStack() as cleanup:
        logs = Path(cleanup.enter_context(tempfile.TemporaryDirectory(prefix="cp-bench-")))
        _create_database(admin_url, name)
        _DATABASES.append((admin_url, name))
        cleanup.callback(_drop_database, admin_url, name)
        direct, bouncer = url_for(admin_url, name), url_for(pgbouncer_url, name)
        _migrate_and_seed(direct, password)
        port = free_port()
        common = {
            "DATABASE_URL": bouncer,
            "DATABASE_PGBOUNCER": "true",
            "DATABASE_LISTEN_URL": direct,
            "ENVIRONMENT": "production",
        }
        settings = {
            **common,
            "API_PORT": str(port),
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ACCESS_TOKEN_EXPIRE_MINUTES": "240",
            # Every benchmark user signs in from 127.0.0.1.
            "LOGIN_MAX_ATTEMPTS_PER_ADDRESS": "100000",
            # One process uses one core at most (ADR-0010 of the API).
            "API_WORKERS": str(API_WORKERS),
            **(api_env or {}),
        }
        api = _start("api", [str(BIN / "chain-processor-api")], settings, logs)
        supervisor = None
        if executor:
            supervisor = _start(
                "executor",
                [str(BIN / "chain-processor-executor")],
                {
                    **common,
                    "EXECUTOR_METRICS_PORT": "0",
                    "EXECUTOR_GENERATED_DIR": str(logs / "generated"),
                    "WEBHOOK_SECRET": secrets.token_urlsafe(32),
                    **{k: v for k, v in os.environ.items() if k.startswith("EXECUTOR_")},
                },
                logs,
            )
            cleanup.callback(_stop, supervisor, "executor", logs)
        api_url = f"http://127.0.0.1:{port}"
        _wait_healthy(api_url, api, logs)
        the_stack = Stack(name, direct, bouncer, api_url, password, api, supervisor, logs, settings)
        cleanup.callback(lambda: _stop(the_stack.api, "api", logs))  # the current one
        yield the_stack


def _create_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    logger.info("database %s created", name)


def _drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    logger.info("database %s dropped", name)


def _migrate_and_seed(direct_url: str, password: str) -> None:
    migrations.upgrade(direct_url)
    engine = create_db_engine(direct_url, pool_size=1)
    try:
        with Session(engine) as session, session.begin():
            seed(session=session, admin_email=ADMIN_EMAIL, admin_password=password)
    finally:
        engine.dispose()


def _start(
    name: str, command: list[str], env: dict[str, str], logs: Path
) -> subprocess.Popen[bytes]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        **env,
    }
    with (logs / f"{name}.log").open("ab") as log:
        # Its own session: a Ctrl-C reaches the harness only, which then stops it in order.
        process = subprocess.Popen(
            command, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    logger.info("%s started (pid %d)", name, process.pid)
    _STARTED.append(process)
    return process


def _stop(process: subprocess.Popen[bytes], name: str, logs: Path) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(45)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in 45 s: killing its process group", name)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
    elif process.returncode != 0:
        logger.error("%s had exited with %s; its log ends:\n%s", name, process.returncode,
                     tail(logs / f"{name}.log"))  # fmt: skip


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


def _wait_healthy(api_url: str, api: subprocess.Popen[bytes], logs: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if api.poll() is not None:
            raise RuntimeError(f"the API exited at start:\n{tail(logs / 'api.log')}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{api_url}/health", timeout=2) as r,
        ):
            if r.status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the API did not answer in 60 s:\n{tail(logs / 'api.log')}")


def raise_on_sigterm() -> None:
    """Turn SIGTERM into KeyboardInterrupt, so ``kill`` cleans up like Ctrl-C does. A second
    Ctrl-C or SIGTERM (when the orderly way takes too long) kills what this run started and
    drops its database at once."""
    interrupted = False

    def handler(signum: int, frame: object) -> None:
        nonlocal interrupted
        if interrupted:
            _abort()
        interrupted = True
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def _abort() -> None:
    for process in _STARTED:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    for admin_url, name in _DATABASES:
        with contextlib.suppress(psycopg.Error):
            _drop_database(admin_url, name)
    os._exit(130)
