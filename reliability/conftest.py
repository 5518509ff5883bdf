"""Fixtures of the reliability suite: a private PostgreSQL cluster and PgBouncer for the whole
run, and per test a database cloned from a migrated, seeded template with real API and
executor processes in front of it (``make_stack``)."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from results import Results
from stack import ADMIN_EMAIL, ADMIN_PASSWORD, BIN, ROOT, PgBouncer, Postgres, Stack

logger = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)

TEMPLATE = "cp_reliability_template"
LOGS = ROOT / "var" / "reliability"

_results = Results(os.environ.get("CP_RELIABILITY_SUITE", "adhoc"))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _results.rows:
        json_path, md_path = _results.write()
        logger.warning("results written to %s and %s", json_path, md_path)


@pytest.fixture(scope="session")
def results() -> Results:
    return _results


def migrate_and_seed(url: str) -> None:
    """Bring the database at ``url`` to the latest schema, with the builtin nodes and the admin."""
    environment = {
        **os.environ,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "DATABASE_URL": url,
    }
    for command in ("upgrade", "seed"):
        subprocess.run(
            [str(BIN / "chain-processor-db"), command],
            env=environment,
            check=True,
            capture_output=True,
        )


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    cluster = Postgres.create()
    try:
        cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        migrate_and_seed(cluster.url(TEMPLATE))
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="session")
def bouncer(postgres: Postgres) -> Iterator[PgBouncer]:
    pgbouncer = PgBouncer.create(postgres)
    try:
        yield pgbouncer
    finally:
        pgbouncer.destroy()


MakeStack = Callable[..., Stack]


def build_stack(
    postgres: Postgres, bouncer: PgBouncer, label: str, *, executor: bool = True,
    direct: bool = False, api_env: dict[str, str] | None = None, **executor_settings: str,
) -> Stack:  # fmt: skip
    """A fresh database (cloned from the template) with the API (and, unless
    ``executor=False``, the executor) on it, through PgBouncer unless ``direct=True``."""
    database = f"cp_rel_{uuid.uuid4().hex[:12]}"
    postgres.execute(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    logs = LOGS / label.replace("/", "_")[:80]
    logs.mkdir(parents=True, exist_ok=True)
    stack = Stack(
        name=database,
        postgres=postgres,
        bouncer=None if direct else bouncer,
        database_url=postgres.url(database) if direct else bouncer.url(database),
        listen_url=postgres.url(database, driver="postgresql"),
        logs=logs,
        api_env=api_env or {},
    )
    try:
        stack.start_api()
        if executor:
            stack.start_executor(**executor_settings)
    except Exception:
        stack.stop()
        raise
    return stack


def destroy_stack(stack: Stack) -> None:
    stack.stop()
    assert stack.postgres is not None
    try:
        stack.postgres.execute(f"DROP DATABASE IF EXISTS {stack.name} WITH (FORCE)")
    except Exception:  # the cluster may be down after a failed fault test
        logger.warning("database %s not dropped", stack.name)


@pytest.fixture
def make_stack(
    request: pytest.FixtureRequest, postgres: Postgres, bouncer: PgBouncer
) -> Iterator[MakeStack]:
    """Build stacks for one test (see :func:`build_stack`); all stopped after it."""
    stacks: list[Stack] = []

    def make(**options: Any) -> Stack:
        stack = build_stack(postgres, bouncer, request.node.name, **options)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        destroy_stack(stack)


MakeSqliteStack = Callable[..., Stack]


@pytest.fixture
def make_sqlite_stack(request: pytest.FixtureRequest) -> Iterator[MakeSqliteStack]:
    """Build stacks on the embedded SQLite default for one test: ``make(directory)`` migrates
    and seeds ``directory/chain-processor.db`` and starts the API (and, unless
    ``executor=False``, the executor) on it; all stopped after the test. The caller owns
    ``directory`` (it may be a mount the test breaks on purpose)."""
    stacks: list[Stack] = []

    def make(directory: Path, *, executor: bool = True, **executor_settings: str) -> Stack:
        path = directory / "chain-processor.db"
        migrate_and_seed(f"sqlite:///{path}")
        logs = LOGS / request.node.name.replace("/", "_")[:80]
        shutil.rmtree(logs, ignore_errors=True)  # the logs of this run only
        logs.mkdir(parents=True)
        stack = Stack(
            name=f"sqlite_{uuid.uuid4().hex[:12]}",
            postgres=None,
            bouncer=None,
            database_url=f"sqlite:///{path}",
            listen_url=None,
            logs=logs,
            sqlite_path=path,
        )
        stacks.append(stack)
        stack.start_api()
        if executor:
            stack.start_executor(**executor_settings)
        return stack

    yield make
    for stack in stacks:
        stack.stop()
