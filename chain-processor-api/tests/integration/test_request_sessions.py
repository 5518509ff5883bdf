"""The sessions requests get (the real ``get_session``, not the tests' override): on
PostgreSQL a GET's statements run in autocommit, with no BEGIN and COMMIT round trips, while
a write keeps its transaction; on SQLite both keep transactions."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from chain_processor_api.core.security import create_access_token
from chain_processor_api.main import create_app
from chain_processor_db.models import AuditLog, ChainExecution, User
from chain_processor_db.repositories.auth import create_auth_session
from tests.conftest import Database, email_of, make_settings
from tests.factories import UPPER_CODE, make_strategy


@pytest.fixture(scope="module")
def database(own_database: Database) -> Database:
    """Its own: these tests commit through the app's real sessions."""
    return own_database


def test_reads_run_without_a_transaction_on_postgresql(database: Database) -> None:
    settings = make_settings(database, rate_limit_enabled=False)
    app = create_app(settings)
    engine = app.state.engine
    seen: list[tuple[str, bool]] = []

    def before(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        autocommit = database.is_postgres and connection.connection.dbapi_connection.autocommit
        seen.append((statement.split()[0].upper(), bool(autocommit)))

    try:
        with app.state.session_factory() as session:
            user = session.query(User).filter_by(email=email_of("editor")).one()
            auth_session = create_auth_session(session=session, user_id=user.id)
            token = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
            session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        with TestClient(app) as client:
            event.listen(engine, "before_cursor_execute", before)
            read = client.get("/api/v1/chains", headers=headers)
            reads, seen[:] = list(seen), []
            body = {"name": f"sessions-{uuid.uuid4().hex[:8]}", "code": UPPER_CODE}
            created = client.post("/api/v1/nodes", json=body, headers=headers)
            writes = list(seen)
    finally:
        event.remove(engine, "before_cursor_execute", before)
        app.state.sandbox_runner.close()
        engine.dispose()

    assert (read.status_code, created.status_code) == (200, 201), created.text
    selects = [autocommit for verb, autocommit in reads if verb == "SELECT"]
    assert selects and all(autocommit == database.is_postgres for autocommit in selects), reads
    # SQLite's transactions are begun by a statement (BEGIN IMMEDIATE), kept for reads.
    assert any(verb == "BEGIN" for verb, _ in reads) == (not database.is_postgres)
    assert any(verb == "INSERT" for verb, _ in writes)
    assert not any(autocommit for _, autocommit in writes), writes


def test_a_failed_write_gives_its_connection_back(database: Database) -> None:
    """A handler that fails mid-transaction leaves it to the session's close: a rollback,
    which runs off the event loop, and the connection is back in the pool."""
    settings = make_settings(database, rate_limit_enabled=False)
    app = create_app(settings)
    engine = app.state.engine
    try:
        with app.state.session_factory() as session:
            user = session.query(User).filter_by(email=email_of("editor")).one()
            auth_session = create_auth_session(session=session, user_id=user.id)
            assert session.info["wrote"]  # every session of the app notes its writes
            token = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
            session.commit()
            assert not session.info["wrote"]
        headers = {"Authorization": f"Bearer {token}"}
        body = {
            "name": f"sessions-{uuid.uuid4().hex[:8]}",
            "nodes": [{"node_id": str(uuid.uuid4())}],
        }
        with TestClient(app) as client:
            answers = [client.post("/api/v1/chains", json=body, headers=headers) for _ in range(3)]
            assert engine.pool.checkedout() == 0
            listed = client.get("/api/v1/chains", params={"search": body["name"]}, headers=headers)
    finally:
        app.state.sandbox_runner.close()
        engine.dispose()

    assert [answer.status_code for answer in answers] == [422] * 3
    assert listed.json()["count"] == 0


def test_a_submit_reads_its_user_then_its_chain_then_writes_in_one_statement(
    database: Database,
) -> None:
    settings = make_settings(database, rate_limit_enabled=False)
    app = create_app(settings)
    engine = app.state.engine
    statements: list[tuple[str, bool]] = []

    def before(connection: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        autocommit = database.is_postgres and connection.connection.dbapi_connection.autocommit
        statements.append((" ".join(statement.split()), bool(autocommit)))

    try:
        with app.state.session_factory() as session:
            user = session.query(User).filter_by(email=email_of("editor")).one()
            chain = make_strategy(session)
            auth_session = create_auth_session(session=session, user_id=user.id)
            token = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
            session.commit()
        headers = {"Authorization": f"Bearer {token}"}
        body = {"strategy_id": str(chain.id), "input_text": "hello"}
        with TestClient(app) as client:
            event.listen(engine, "before_cursor_execute", before)
            submitted = client.post("/api/v1/executions", json=body, headers=headers)
            event.remove(engine, "before_cursor_execute", before)
        with app.state.session_factory() as session:
            entries = session.scalars(
                select(AuditLog).where(AuditLog.resource_id == submitted.json().get("id"))
            ).all()
            queued = session.get(ChainExecution, uuid.UUID(submitted.json()["id"]))
    finally:
        app.state.sandbox_runner.close()
        engine.dispose()

    assert submitted.status_code == 201, submitted.text
    sql = [statement for statement, _autocommit in statements if statement != "BEGIN IMMEDIATE"]
    assert sql[0].startswith("SELECT") and "FROM auth_sessions" in sql[0]
    assert sql[1].startswith("SELECT") and "FROM chain_strategies" in sql[1]
    assert "strategy_versions" in sql[1]  # the version it pins, in the same statement
    if database.is_postgres:
        # the execution and its audit row: one statement (migration 0007's function); the
        # executor's wake-up apart, not waiting for the WAL flush; each statement on its own
        # (no BEGIN, no COMMIT)
        assert len(sql) == 4, sql
        assert sql[2].startswith("SELECT queue_execution(") and "pg_notify" not in sql[2]
        assert "synchronous_commit" in sql[3] and "pg_notify" in sql[3]
        assert all(autocommit for _statement, autocommit in statements)
    else:
        assert [statement.split()[2] for statement in sql[2:]] == ["chain_executions", "audit_log"]
    [entry] = entries
    assert (entry.action, entry.actor_id, entry.actor_email) == (
        "execution.create",
        user.id,
        email_of("editor"),
    )
    assert entry.after is not None and entry.after["id"] == submitted.json()["id"]
    assert queued is not None and (queued.status, queued.input_text) == ("pending", "hello")
    assert queued.created_by_id == user.id and queued.attempts == 0 and queued.version == 1
