"""Databases for the executor tests: SQLite, PostgreSQL, and PostgreSQL through PgBouncer.

Executor tests need real commits, several connections and NOTIFY, so each test gets a
database of its own, cloned from a migrated template (procrastinate's ``tests/conftest.py``
idea): ``CREATE DATABASE … TEMPLATE …`` on PostgreSQL, a file copy on SQLite. The
``pgbouncer`` variant reaches the same kind of database through PgBouncer (transaction
pooling), with LISTEN going straight to PostgreSQL as in production.

PostgreSQL comes from ``TEST_DATABASE_URL`` (an admin URL) and PgBouncer from
``TEST_PGBOUNCER_URL``; without them those variants are skipped with the reason, unless
``CP_REQUIRE_POSTGRES=1`` makes them fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine

from chain_processor_db import migrations
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import database_url, postgres_database

BACKENDS = ("sqlite", "postgres", "pgbouncer")


@dataclass(frozen=True)
class Database:
    backend: str
    url: str
    pgbouncer: bool = False
    listen_url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.backend != "sqlite"

    def engine(self) -> Engine:
        return create_db_engine(self.url, pgbouncer=self.pgbouncer, pool_size=5)


def env_url(variable: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    reason = f"{variable} is not set: the PostgreSQL variants need it"
    if os.environ.get("CP_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CP_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrations.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    admin = env_url("TEST_DATABASE_URL")
    with postgres_database(admin, prefix="cp_exec_template") as name:
        migrations.upgrade(database_url(admin, name))
        yield name


def _clone_postgres(request: pytest.FixtureRequest, backend: str) -> Iterator[Database]:
    admin = env_url("TEST_DATABASE_URL")
    server = env_url("TEST_PGBOUNCER_URL") if backend == "pgbouncer" else admin
    template: str = request.getfixturevalue("postgres_template")
    with postgres_database(admin, prefix="cp_exec", template=template) as name:
        yield Database(
            backend,
            database_url(server, name),
            pgbouncer=backend == "pgbouncer",
            listen_url=database_url(admin, name),
        )


def _database(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Database]:
    if backend == "sqlite":
        path = tmp_path / "executor.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield Database("sqlite", f"sqlite:///{path}")
    else:
        yield from _clone_postgres(request, backend)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated database of this test's own, on each backend."""
    yield from _database(request, request.param, tmp_path)


@pytest.fixture(params=("postgres", "pgbouncer"))
def pg_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated PostgreSQL database of this test's own, directly and through PgBouncer."""
    yield from _database(request, request.param, tmp_path)


@pytest.fixture
def engine(database: Database) -> Iterator[Engine]:
    engine = database.engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def span_exporter() -> InMemorySpanExporter:
    """Every span of the run, in memory (the global tracer provider can be set only once)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return exporter


@pytest.fixture
def sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database of this test's own (for behaviour no backend changes)."""
    yield from _database(request, "sqlite", tmp_path)
