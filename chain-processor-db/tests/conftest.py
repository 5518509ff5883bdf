"""Databases for the tests: SQLite, PostgreSQL and PostgreSQL through PgBouncer.

- ``database``: one migrated database per backend for the whole run (the test ids name it:
  ``[sqlite]``, ``[postgres]``, ``[pgbouncer]``), with its ``engine``.
- ``session``: joined into an outer transaction that is rolled back after each test
  (SQLAlchemy 2 docs, "Joining a Session into an External Transaction"), so tests are
  isolated and leave nothing behind.
- ``empty_database`` / ``migrated_database``: a database of a test's own, for tests that need
  real commits or several connections (migrations, the CLI, races). Dropped afterwards.

PostgreSQL comes from ``TEST_DATABASE_URL`` (an admin URL: databases named
``cp_test_<hex>`` are created and dropped through it) and PgBouncer from
``TEST_PGBOUNCER_URL``. Without them those variants are skipped, unless
``CP_REQUIRE_POSTGRES=1`` (``make test``) makes them fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, inspect, make_url, text
from sqlalchemy.orm import Session

from chain_processor_db import migrations
from chain_processor_db.config import get_database_settings
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import (
    create_postgres_database,
    database_url,
    drop_postgres_databases,
    rolled_back_session,
)

BACKENDS = ("sqlite", "postgres", "pgbouncer")


@dataclass(frozen=True)
class Database:
    """Where a test database is and how to reach it."""

    backend: str
    url: str
    pgbouncer: bool = False
    name: str = ""

    @property
    def is_postgres(self) -> bool:
        return self.backend != "sqlite"


def _env_url(variable: str, backend: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    reason = f"{variable} is not set: the {backend} variant needs it"
    if os.environ.get("CP_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CP_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(reason)


def admin_url() -> str:
    """The URL of the PostgreSQL server's admin database (``TEST_DATABASE_URL``)."""
    return _env_url("TEST_DATABASE_URL", "postgres")


class Databases:
    """Creates empty databases on one backend and drops them all at the end."""

    def __init__(self, backend: str, directory: Path) -> None:
        self.backend = backend
        self.directory = directory
        self.created: list[Database] = []
        if backend != "sqlite":
            self.admin_url = _env_url("TEST_DATABASE_URL", backend)
        if backend == "pgbouncer":
            self.pgbouncer_url = _env_url("TEST_PGBOUNCER_URL", backend)

    def create(self, *, template: str | None = None) -> Database:
        """A new database: empty, or a copy of ``template`` (a file or a database name)."""
        name = f"cp_test_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            path = self.directory / f"{name}.db"
            if template is not None:
                shutil.copyfile(template, path)
            database = Database("sqlite", f"sqlite:///{path}")
        else:
            name = create_postgres_database(self.admin_url, template=template)
            if self.backend == "postgres":
                database = Database("postgres", database_url(self.admin_url, name), name=name)
            else:
                url = database_url(self.pgbouncer_url, name)
                database = Database("pgbouncer", url, pgbouncer=True, name=name)
        self.created.append(database)
        return database

    def drop_all(self) -> None:
        if self.backend == "sqlite":
            return  # the files go with pytest's temporary directory
        drop_postgres_databases(self.admin_url, *(database.name for database in self.created))


class Templates:
    """A migrated database to copy, made once per run: copying is much cheaper than
    migrating. PostgreSQL and PgBouncer share one, migrated over a direct connection
    (PostgreSQL copies a database only while nobody is connected to it)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.made: dict[str, tuple[Databases, str]] = {}

    def get(self, backend: str) -> str:
        kind = "sqlite" if backend == "sqlite" else "postgres"
        if kind not in self.made:
            databases = Databases(kind, self.directory)
            template = databases.create()
            migrations.upgrade(template.url)
            location = template.name or str(make_url(template.url).database)
            self.made[kind] = (databases, location)
        return self.made[kind][1]

    def drop_all(self) -> None:
        for databases, _ in self.made.values():
            databases.drop_all()


def engine_for(database: Database) -> Engine:
    return create_db_engine(database.url, pgbouncer=database.pgbouncer, pool_size=2)


@contextmanager
def listening_on(
    database: Database, channel: str
) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A PostgreSQL connection of its own (straight to the server) that LISTENs on
    ``channel``: ``.notifies(timeout=…)`` gives what was sent since."""
    url = make_url(database.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as ear:
        ear.execute(f"LISTEN {channel}")  # type: ignore[arg-type]
        yield ear


_CATALOGS = {
    "trigger": "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgname LIKE :p",
    "function": "SELECT proname FROM pg_proc WHERE proname LIKE :p",
}


def triggers_around(
    database: Database, pattern: str, *, table: str, down_to: str, kind: str = "trigger"
) -> list[list[str]]:
    """The names of the triggers (or functions: ``kind``) matching ``pattern`` (SQL
    ``LIKE``), sorted: at head, after downgrading to ``down_to``, and after upgrading to head
    again. On SQLite, which gets none of ours, each is empty once ``table`` is there."""

    def triggers() -> list[str]:
        engine = engine_for(database)
        try:
            with engine.connect() as connection:
                if not database.is_postgres:
                    assert inspect(connection).has_table(table)  # nothing to add on SQLite
                    return []
                query = text(f"{_CATALOGS[kind]} ORDER BY 1")
                return list(connection.scalars(query, {"p": pattern}))
        finally:
            engine.dispose()

    at_head = triggers()
    migrations.downgrade(database.url, down_to, pgbouncer=database.pgbouncer)
    before = triggers()
    migrations.upgrade(database.url, pgbouncer=database.pgbouncer)
    return [at_head, before, triggers()]


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """The migrated database of one backend, shared by the whole run."""
    databases = Databases(request.param, tmp_path_factory.mktemp(request.param))
    try:
        database = databases.create()
        migrations.upgrade(database.url, pgbouncer=database.pgbouncer)
        yield database
    finally:
        databases.drop_all()


@pytest.fixture(scope="session")
def engine(database: Database) -> Iterator[Engine]:
    engine = engine_for(database)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back after the test, commits included."""
    with rolled_back_session(engine) as session:
        yield session


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of this test's own, with no tables yet."""
    databases = Databases(request.param, tmp_path)
    try:
        yield databases.create()
    finally:
        databases.drop_all()


@pytest.fixture(params=BACKENDS)
def migrated_database(
    request: pytest.FixtureRequest, tmp_path: Path, templates: Templates
) -> Iterator[Database]:
    """A database of this test's own, migrated to head: commit freely."""
    databases = Databases(request.param, tmp_path)
    try:
        yield databases.create(template=templates.get(request.param))
    finally:
        databases.drop_all()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[pytest.MonkeyPatch]:
    """A clean environment for code that reads the settings: no ``DATABASE_*`` or
    ``ADMIN_*`` variables, no ``.env`` file, and the cached settings forgotten."""
    for variable in list(os.environ):
        if variable.startswith(("DATABASE_", "ADMIN_")):
            monkeypatch.delenv(variable)
    monkeypatch.chdir(tmp_path)
    get_database_settings.cache_clear()
    yield monkeypatch
    get_database_settings.cache_clear()
