"""The API under test, on PostgreSQL and on SQLite (the embedded path).

- ``database``: one migrated database per backend for the whole run, seeded once with the
  builtin nodes and one user per role (the test ids name the backend: ``[postgres]``,
  ``[sqlite]``); a module whose tests commit through the app's real sessions overrides it
  with ``own_database``, one of its own, so that what they commit reaches no other module.
  PostgreSQL comes from ``TEST_DATABASE_URL`` (an admin URL: databases named
  ``cp_api_test_<hex>`` are created and dropped through it); without it the PostgreSQL
  variant is skipped with a reason, unless ``CP_REQUIRE_POSTGRES=1`` makes it fail.
- ``session``: joined into an outer transaction rolled back after the test (SQLAlchemy 2,
  "Joining a Session into an External Transaction"); handlers' commits only release
  savepoints. The app's ``get_session`` dependency is overridden to hand out this session.
- ``client``: a ``TestClient`` of an app built by ``create_app`` with test settings;
  ``auth_headers(role)`` signs in as the seeded user of that role without hashing a password.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, make_url, select
from sqlalchemy.orm import Session

from chain_processor_api.api.deps import get_session, get_session_factory
from chain_processor_api.core.config import Settings
from chain_processor_api.core.security import create_access_token
from chain_processor_api.core.throttle import LoginThrottle
from chain_processor_api.main import create_app
from chain_processor_core.passwords import hash_password
from chain_processor_db import migrations
from chain_processor_db.models import User
from chain_processor_db.repositories.auth import create_auth_session
from chain_processor_db.seed import SeedReport, seed_builtin_nodes
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import database_url, postgres_database, rolled_back_session

BACKENDS = ("postgres", "sqlite")
PASSWORD = "correct-horse-battery"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
ROLES = ("admin", "editor", "viewer")


def email_of(role: str) -> str:
    return f"{role}@example.com"


def env_url(variable: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    reason = f"{variable} is not set: the PostgreSQL tests need it"
    if os.environ.get("CP_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"{reason} (CP_REQUIRE_POSTGRES=1)", pytrace=False)
    pytest.skip(reason)


@dataclass(frozen=True)
class Database:
    backend: str
    url: str

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgres"


def make_settings(database: Database, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "test",
        "secret_key": SECRET,
        "database_url": database.url,
        "live_stream_max_seconds": 0.3,  # list streams never end by themselves
        **overrides,
    }
    return Settings.model_validate(values)


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[Database]:
    """A new database of ``backend``, migrated and seeded (SQLite: a file in
    ``directory``), dropped afterwards."""
    if backend == "sqlite":
        database = Database("sqlite", f"sqlite:///{directory / 'api.db'}")
        _prepare(database)
        yield database
        return
    admin_url = env_url("TEST_DATABASE_URL")
    with postgres_database(admin_url, prefix="cp_api_test") as name:
        database = Database("postgres", database_url(admin_url, name))
        _prepare(database)
        yield database


@pytest.fixture(scope="session", params=BACKENDS)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated, seeded database of one backend, shared by the whole run."""
    with fresh_database(request.param, tmp_path_factory.mktemp("sqlite")) as database:
        yield database


@pytest.fixture(scope="module", params=BACKENDS)
def own_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A database of one module's own, for tests that commit through the app's real
    sessions: what they leave behind cannot reach the tests of other modules."""
    with fresh_database(request.param, tmp_path_factory.mktemp("own")) as database:
        yield database


def _prepare(database: Database) -> None:
    migrations.upgrade(database.url)
    engine = create_db_engine(database.url, pool_size=1)
    password_hash = hash_password(PASSWORD)
    try:
        with Session(engine) as session:
            for role in ROLES:
                session.add(
                    User(
                        email=email_of(role),
                        password_hash=password_hash,
                        full_name=role.title(),
                        roles=[role],
                    )
                )
            seed_builtin_nodes(session=session, report=SeedReport())
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def engine(database: Database) -> Iterator[Engine]:
    engine = create_db_engine(database.url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def settings(database: Database) -> Settings:
    return make_settings(database)


@pytest.fixture(scope="session")
def app(settings: Settings, engine: Engine) -> Iterator[FastAPI]:
    app = create_app(settings, engine=engine)
    yield app
    app.state.sandbox_runner.close()  # the lifespan's job; TestClient runs it only in `with`


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose every change, commits included, is rolled back after the test."""
    with rolled_back_session(engine) as session:
        yield session


def override_session(app: FastAPI, session: Session) -> None:
    def _session() -> Iterator[Session]:
        try:
            yield session
        finally:
            # Undo what a failed request flushed, back to the last commit (the test's or the
            # handler's): test setup must commit, as a real client's earlier requests did.
            session.rollback()

    app.dependency_overrides[get_session] = _session
    app.dependency_overrides[get_session_factory] = lambda: lambda: nullcontext(session)


@pytest.fixture
def client(app: FastAPI, session: Session, settings: Settings) -> Iterator[TestClient]:
    override_session(app, session)
    app.state.login_throttle = LoginThrottle(
        max_failures_per_account=settings.login_max_failures_per_account,
        max_attempts_per_address=settings.login_max_attempts_per_address,
        window_seconds=settings.login_window_seconds,
    )
    try:
        yield TestClient(app, raise_server_exceptions=False)
    finally:
        app.dependency_overrides.clear()


@pytest.fixture
def users(session: Session) -> dict[str, User]:
    """The seeded user of each role."""
    found = {user.email: user for user in session.scalars(select(User))}
    return {role: found[email_of(role)] for role in ROLES}


@pytest.fixture
def auth_headers(
    session: Session, settings: Settings, users: dict[str, User]
) -> Callable[[str], dict[str, str]]:
    """``auth_headers("editor")``: a bearer header of a fresh session of that user."""

    def make(role: str) -> dict[str, str]:
        user = users[role]
        auth_session = create_auth_session(session=session, user_id=user.id)
        token = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
        session.commit()  # a later failed request rolls back to here, not before
        return {"Authorization": f"Bearer {token}"}

    return make


@pytest.fixture
def as_admin(auth_headers: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return auth_headers("admin")


@pytest.fixture
def as_editor(auth_headers: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return auth_headers("editor")


@pytest.fixture
def as_viewer(auth_headers: Callable[[str], dict[str, str]]) -> dict[str, str]:
    return auth_headers("viewer")


@contextmanager
def recorded_statements(engine: Engine) -> Iterator[list[str]]:
    """Every statement ``engine`` sends while inside, whitespace collapsed."""
    statements: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)


def wait_until_listening(app: FastAPI) -> None:
    """Until the app's LISTEN connection is up (the kept reads work only then)."""
    hub = app.state.execution_events
    deadline = time.monotonic() + 10
    while not hub.listening:
        assert time.monotonic() < deadline, "the LISTEN connection did not come up"
        time.sleep(0.02)


def sql_as_another_process(database: Database, statement: str) -> None:
    """Run ``statement`` on PostgreSQL from a connection of its own, as another process would."""
    url = make_url(database.url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(statement)  # type: ignore[arg-type]
