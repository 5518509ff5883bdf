"""Authentication through the auth cache (ADR-0011), in a running app with its lifespan: on
PostgreSQL a sign-in is read once and trusted until a change to the user or the session is
heard (or committed by this process); on SQLite every request reads it.

Each test has a database of its own and commits for real, as clients and other processes do;
the cache keeps sign-ins for a minute here, so an answer that changes within seconds shows a
notification (or the process's own commit) at work, not the clock.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from chain_processor_api.core.auth_cache import AuthCache, forget_on_commit
from chain_processor_api.main import create_app
from chain_processor_api.services.auth import start_session
from chain_processor_api.services.live import LISTEN_APPLICATION_NAME
from chain_processor_core.passwords import hash_password
from chain_processor_db import migrations
from chain_processor_db.models import User
from chain_processor_db.models.auth import AuthSession
from chain_processor_db.repositories.auth import (
    create_auth_session,
    revoke_auth_session,
    revoke_user_sessions,
)
from chain_processor_db.session import create_db_engine, create_session_factory
from chain_processor_db.testing import database_url, postgres_database
from tests.conftest import (
    PASSWORD,
    Database,
    env_url,
    make_settings,
    recorded_statements,
    sql_as_another_process,
    wait_until_listening,
)


@dataclass
class Stack:
    database: Database
    client: TestClient
    cache: AuthCache
    session_id: uuid.UUID
    headers: dict[str, str]
    statements: list[str]

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, int]:
        """The status of a request with the user's token, and how many statements read a
        sign-in for it."""
        self.statements.clear()
        status = self.client.request(method, path, headers=self.headers, **kwargs).status_code
        return status, sum("FROM auth_sessions JOIN users" in sql for sql in self.statements)

    def status(self, path: str) -> int:
        return self.call("GET", path)[0]

    def until(self, status: int, path: str, timeout_s: float = 5) -> None:
        deadline = time.monotonic() + timeout_s
        while (answer := self.status(path)) != status:
            assert time.monotonic() < deadline, f"{path} still answers {answer}"
            time.sleep(0.02)

    @property
    def hub(self) -> Any:
        return self.client.app.state.execution_events  # type: ignore[attr-defined]

    def listening(self) -> None:
        wait_until_listening(self.client.app)  # type: ignore[arg-type]

    def sql(self, statement: str) -> None:
        sql_as_another_process(self.database, statement)


@contextmanager
def _database(backend: str, tmp_path: Path) -> Iterator[Database]:
    if backend == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path}/auth.db")
        return
    admin = env_url("TEST_DATABASE_URL")
    with postgres_database(admin, prefix="cp_api_auth") as name:
        yield Database("postgres", database_url(admin, name))


@contextmanager
def _stack(backend: str, tmp_path: Path) -> Iterator[Stack]:
    with _database(backend, tmp_path) as database:
        migrations.upgrade(database.url)
        engine = create_db_engine(database.url, pool_size=3)
        settings = make_settings(database, auth_cache_seconds=60)
        with Session(engine, expire_on_commit=False) as session:
            user = User(
                email="cached@example.com",
                password_hash=hash_password(PASSWORD),
                full_name="Cached",
                roles=["viewer"],
            )
            session.add(user)
            session.flush()
            token = start_session(
                session, settings, user=user, client_address=None, user_agent=None
            )
            session.commit()
            session_id = session.scalars(select(AuthSession.id)).one()
        try:
            app = create_app(settings, engine=engine)
            with (
                recorded_statements(engine) as statements,
                TestClient(app, raise_server_exceptions=False) as client,
            ):
                headers = {"Authorization": f"Bearer {token.access_token}"}
                yield Stack(database, client, app.state.auth_cache, session_id, headers, statements)
        finally:
            engine.dispose()


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Stack]:
    with _stack("postgres", tmp_path) as stack:
        stack.listening()
        yield stack


def test_a_sign_in_is_read_once_then_trusted(pg: Stack) -> None:
    assert pg.call("GET", "/api/v1/users/me") == (200, 1)
    assert [pg.call("GET", "/api/v1/nodes") for _ in range(3)] == [(200, 0)] * 3


def test_on_sqlite_every_request_reads_its_sign_in(tmp_path: Path) -> None:
    with _stack("sqlite", tmp_path) as stack:
        assert [stack.call("GET", "/api/v1/users/me") for _ in range(3)] == [(200, 1)] * 3
        assert len(stack.cache) == 0


def test_logging_out_ends_the_sign_in_at_once(pg: Stack) -> None:
    assert pg.status("/api/v1/users/me") == 200  # kept
    assert pg.call("POST", "/api/v1/login/logout")[0] == 204
    assert pg.call("GET", "/api/v1/users/me") == (401, 1)  # this process's commit forgot it


def test_a_revocation_by_another_process_ends_the_sign_in_within_moments(pg: Stack) -> None:
    assert pg.status("/api/v1/users/me") == 200
    pg.sql(f"UPDATE auth_sessions SET revoked_at = now() WHERE id = '{pg.session_id}'")
    pg.until(401, "/api/v1/users/me")  # the trigger's NOTIFY, long before the minute is up


def test_a_role_taken_away_by_another_process_applies_within_moments(pg: Stack) -> None:
    assert pg.status("/api/v1/nodes") == 200
    pg.sql("UPDATE users SET roles = '{}'")
    pg.until(403, "/api/v1/nodes")


def test_live_streams_open_on_a_kept_sign_in_and_are_refused_once_it_ends(pg: Stack) -> None:
    assert pg.status("/api/v1/users/me") == 200  # kept
    stream = f"/api/v1/executions/ws?access_token={pg.headers['Authorization'][7:]}"
    pg.statements.clear()
    with pg.client.websocket_connect(stream) as websocket:
        assert websocket.receive_json()["type"] == "snapshot"
    assert not any("FROM auth_sessions JOIN users" in sql for sql in pg.statements)
    pg.sql(f"UPDATE auth_sessions SET revoked_at = now() WHERE id = '{pg.session_id}'")
    pg.until(401, "/api/v1/users/me")
    with pytest.raises(WebSocketDisconnect) as refused, pg.client.websocket_connect(stream):
        pass
    assert refused.value.code == 4401


def test_changing_your_own_account_through_a_kept_sign_in(pg: Stack) -> None:
    assert pg.status("/api/v1/users/me") == 200  # kept
    for name in ("First", "Second"):  # each write checks the row's version
        answer = pg.client.patch("/api/v1/users/me", headers=pg.headers, json={"full_name": name})
        assert answer.status_code == 200, answer.text
    me = pg.client.get("/api/v1/users/me", headers=pg.headers).json()
    assert me["full_name"] == "Second"


def test_a_lost_listen_connection_stops_the_cache_until_it_is_back(pg: Stack) -> None:
    assert pg.status("/api/v1/users/me") == 200
    assert len(pg.cache) == 1
    pg.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE application_name = '{LISTEN_APPLICATION_NAME}' AND datname = current_database()"
    )
    deadline = time.monotonic() + 10
    while pg.hub.listening or len(pg.cache):
        assert time.monotonic() < deadline, "the loss went unnoticed"
        time.sleep(0.01)
    assert pg.call("GET", "/api/v1/users/me") == (200, 1)  # read, whether or not back yet
    pg.listening()
    assert [pg.call("GET", "/api/v1/users/me") for _ in range(2)] == [(200, 1), (200, 0)]


def test_a_commit_that_changes_a_user_or_their_sessions_forgets_them_at_once(
    tmp_path: Path,
) -> None:
    # On SQLite, where nothing is notified: what is forgotten here, the commit forgot.
    url = f"sqlite:///{tmp_path}/commits.db"
    migrations.upgrade(url)
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    cache = AuthCache(60)
    cache.listening(True)
    forget_on_commit(sessions, cache)
    with sessions() as session:
        one, two = (User(email=f"{n}@example.com", password_hash="x", roles=[]) for n in "ab")
        session.add_all([one, two])
        session.flush()
        ids = {u.id: create_auth_session(session=session, user_id=u.id).id for u in (one, two)}
        session.commit()

        def keep() -> None:
            for user in (one, two):
                cache.put_user(ids[user.id], user, cache.generation)

        def kept() -> set[uuid.UUID]:
            return {u.id for u in (one, two) if cache.user(ids[u.id], u.id, Session())}

        keep()
        generation = cache.generation
        session.get(User, one.id)
        session.commit()  # read only
        one.full_name = "Rolled back"
        session.flush()
        session.rollback()
        unchanged = kept(), cache.generation == generation

        one.full_name = "Renamed"
        session.commit()
        renamed = kept()

        keep()
        revoke_auth_session(
            session=session, auth_session=session.get(AuthSession, ids[two.id]), reason="x"
        )
        session.commit()
        revoked = kept()

        keep()
        revoke_user_sessions(session=session, user_id=one.id, reason="bulk")
        session.commit()
        bulk = kept()
    engine.dispose()
    assert unchanged == ({one.id, two.id}, True)
    assert renamed == {two.id}
    assert revoked == {one.id}
    assert bulk == set()  # a bulk statement: which rows, only it knows
