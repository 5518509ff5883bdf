"""Live progress over WebSocket and SSE.

The stream tests use a database of their own with real commits, written from another
connection as the executor would: on PostgreSQL the executor's NOTIFY wakes the stream, on
SQLite the commit to the file does (the poll interval is set long to prove it).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, make_url, select, text, update
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from chain_processor_api.main import create_app
from chain_processor_api.services.auth import start_session
from chain_processor_api.services.executions import EVENTS_CHANNEL
from chain_processor_api.services.live import (
    LISTEN_APPLICATION_NAME,
    LISTENING_POLL_SECONDS,
    ExecutionEvents,
    follow,
    load_snapshot,
)
from chain_processor_db import migrations
from chain_processor_db.models import ChainExecution, NodeExecution, StrategyNode, User
from chain_processor_db.session import create_db_engine
from tests.conftest import Database, env_url, make_settings
from tests.factories import make_node, make_strategy, queue_execution


@dataclass
class Live:
    database: Database
    engine: Engine
    client: TestClient
    token: str
    no_role_token: str
    execution_id: uuid.UUID

    def write(self, status: str | None = None) -> None:
        """Change the execution's status from another connection (as the executor does)
        and, on PostgreSQL, NOTIFY its watchers."""
        with self.engine.begin() as connection:
            if status is not None:
                connection.execute(
                    update(ChainExecution)
                    .where(ChainExecution.id == self.execution_id)
                    .values(status=status)
                )
            if self.database.is_postgres:
                connection.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": EVENTS_CHANNEL, "payload": str(self.execution_id)},
                )


@pytest.fixture(params=["postgres", "sqlite"])
def live(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Live]:
    if request.param == "postgres":
        admin_url = env_url("TEST_DATABASE_URL")
        name = f"cp_api_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        database, poll = Database("postgres", url), 3.0
    else:
        database, poll = Database("sqlite", f"sqlite:///{tmp_path}/live.db"), 3.0
    migrations.upgrade(database.url)
    engine = create_db_engine(database.url, pool_size=3)
    settings = make_settings(database, live_poll_seconds=poll)
    try:
        with Session(engine, expire_on_commit=False) as session:
            editor = User(email="e@example.com", password_hash="x", roles=["editor"])
            nobody = User(email="n@example.com", password_hash="x", roles=[])
            session.add_all([editor, nobody])
            session.flush()
            execution = queue_execution(session, make_strategy(session, nodes=[make_node(session)]))
            token = start_session(
                session, settings, user=editor, client_address=None, user_agent=None
            )
            other = start_session(
                session, settings, user=nobody, client_address=None, user_agent=None
            )
            session.commit()
        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            yield Live(
                database, engine, client, token.access_token, other.access_token, execution.id
            )
    finally:
        engine.dispose()
        if database.is_postgres:
            with psycopg.connect(env_url("TEST_DATABASE_URL"), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_websocket_streams_progress_until_the_end(live: Live) -> None:
    url = f"/api/v1/executions/{live.execution_id}/ws?access_token={live.token}"
    with live.client.websocket_connect(url) as websocket:
        first = websocket.receive_json()
        assert (first["type"], first["data"]["status"]) == ("execution", "pending")

        with Session(live.engine) as session:
            step = session.scalars(select(StrategyNode)).first()
            assert step is not None
            node_id, version_id = step.node_id, step.node_version_id
        started = time.monotonic()
        live.write("running")
        running = websocket.receive_json()
        assert (running["type"], running["data"]["status"]) == ("execution", "running")
        assert time.monotonic() - started < 2.5, "the wake-up should come before a poll"

        with Session(live.engine) as session:
            session.add(
                NodeExecution(
                    execution_id=live.execution_id,
                    node_id=node_id,
                    node_version_id=version_id,
                    position=0,
                    status="succeeded",
                    output_text="HELLO",
                )
            )
            execution = session.get(ChainExecution, live.execution_id)
            assert execution is not None
            execution.status = "succeeded"
            execution.output_text = "HELLO"
            session.commit()
        live.write()  # the executor's NOTIFY after its final write
        node = websocket.receive_json()
        assert (node["type"], node["data"]["position"], node["data"]["output_text"]) == (
            "node",
            0,
            "HELLO",
        )
        final = websocket.receive_json()
        assert final["data"]["status"] == "succeeded"
        with pytest.raises(WebSocketDisconnect) as closed:
            websocket.receive_json()
        assert closed.value.code == 1000


def test_a_cancel_reaches_the_watchers_at_once(live: Live) -> None:
    with live.engine.begin() as connection:
        editor = connection.scalar(select(User.id).where(User.email == "e@example.com"))
        connection.execute(
            update(ChainExecution)
            .where(ChainExecution.id == live.execution_id)
            .values(created_by_id=editor)
        )
    url = f"/api/v1/executions/{live.execution_id}/ws?access_token={live.token}"
    with live.client.websocket_connect(url) as websocket:
        assert websocket.receive_json()["data"]["status"] == "pending"
        started = time.monotonic()
        cancelled = live.client.post(
            f"/api/v1/executions/{live.execution_id}/cancel",
            headers={"Authorization": f"Bearer {live.token}"},
        )
        assert cancelled.status_code == 200, cancelled.text

        final = websocket.receive_json()
        assert (final["type"], final["data"]["status"]) == ("execution", "cancelled")
        assert time.monotonic() - started < 2.5  # a wake-up, not a poll, woke the stream


def test_a_websocket_reads_in_few_statements_without_transactions(live: Live) -> None:
    seen: list[tuple[str, bool]] = []

    def before(connection: Any, _cursor: object, statement: str, *_args: object) -> None:
        autocommit = live.database.is_postgres and connection.connection.dbapi_connection.autocommit
        seen.append((" ".join(statement.split()), bool(autocommit)))

    url = f"/api/v1/executions/{live.execution_id}/ws?access_token={live.token}"
    hub = live.client.app.state.execution_events  # type: ignore[attr-defined]
    with live.client.websocket_connect(url) as websocket:  # starts the wake-ups, whose
        websocket.receive_json()  # start wakes every stream to catch up: let that pass
        deadline = time.monotonic() + 10
        while not hub.listening:
            assert time.monotonic() < deadline, "the wake-ups did not come up"
            time.sleep(0.02)
    # The first connection may have left its sign-in in the auth cache or not, depending on
    # when the wake-ups came up: start from none, so the opening below reads who asks.
    live.client.app.state.auth_cache.forget(None)  # type: ignore[attr-defined]
    event.listen(live.engine, "before_cursor_execute", before)
    try:
        with live.client.websocket_connect(url) as websocket:
            assert websocket.receive_json()["data"]["status"] == "pending"
            opened, seen[:] = list(seen), []
            live.write("running")
            assert websocket.receive_json()["data"]["status"] == "running"
            looked = list(seen)
    finally:
        event.remove(live.engine, "before_cursor_execute", before)

    def selects(statements: list[tuple[str, bool]]) -> list[str]:
        return [sql for sql, _ in statements if sql.startswith("SELECT")]

    looked = [(sql, autocommit) for sql, autocommit in looked if "chain_executions SET" not in sql]
    looked = [(sql, autocommit) for sql, autocommit in looked if "pg_notify" not in sql]

    # Opening: who asks, then the execution (with its version and submitter) and its nodes;
    # the access check and the first state share one session.
    assert len(selects(opened)) == 3, opened
    assert len([sql for sql in selects(opened) if "FROM chain_executions" in sql]) == 1, opened
    # A look after a wake-up: the execution and its nodes.
    assert len(selects(looked)) == 2, looked
    if live.database.is_postgres:  # no BEGIN and COMMIT round trips around a look
        assert all(autocommit for _, autocommit in opened + looked), opened + looked


def test_a_change_after_the_first_state_was_read_is_followed_at_once(live: Live) -> None:
    # The WebSocket subscribes, reads the first state, then follows: a change that lands
    # in between has woken the subscription, and the stream reads it without a poll.
    def factory() -> Session:
        return Session(live.engine)

    async def scenario() -> list[str]:
        hub = ExecutionEvents(None)
        with hub.subscribe(live.execution_id) as woken:
            first = load_snapshot(factory, live.execution_id)
            live.write("running")
            hub.wake(live.execution_id)  # what the NOTIFY does
            events = follow(
                live.execution_id, woken, factory=factory, hub=hub, poll_seconds=60, first=first
            )
            seen = [await asyncio.wait_for(anext(events), timeout=10) for _ in range(2)]
            await events.aclose()
        return [item["data"]["status"] for item in seen]

    assert asyncio.run(scenario()) == ["pending", "running"]


def test_watchers_poll_rarely_while_notifications_come() -> None:
    hub = ExecutionEvents("postgresql://unused")
    assert hub.poll_seconds(1.0) == 1.0  # not connected yet: poll as asked
    hub.listening = True
    assert hub.poll_seconds(1.0) == LISTENING_POLL_SECONDS
    assert hub.poll_seconds(60.0) == 60.0
    assert ExecutionEvents(None).poll_seconds(0.05) == 0.05


def test_a_commit_to_the_sqlite_file_wakes_every_watcher(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/watched.db"
    migrations.upgrade(url)
    engine = create_db_engine(url)

    async def scenario() -> tuple[bool, bool, float]:
        hub = ExecutionEvents(None, sqlite_file=f"{tmp_path}/watched.db", sqlite_check_s=0.01)
        try:
            with hub.subscribe(uuid.uuid4()) as one, hub.subscribe_all() as everything:
                while not hub.listening:  # the first look takes the baseline
                    await asyncio.sleep(0.01)
                one.clear(), everything.clear()
                await asyncio.sleep(0.1)
                quiet = one.is_set() or everything.is_set()
                with Session(engine) as session:
                    session.add(User(email="w@example.com", password_hash="x", roles=[]))
                    session.commit()
                await asyncio.wait_for(one.wait(), timeout=10)
                await asyncio.wait_for(everything.wait(), timeout=10)
                return quiet, hub.listening, hub.poll_seconds(1.0)
        finally:
            await hub.stop()

    try:
        quiet, listening, poll = asyncio.run(scenario())
    finally:
        engine.dispose()
    assert not quiet  # no commit, no wake-up
    assert listening and poll == LISTENING_POLL_SECONDS  # polling is only the safety net


def test_a_sqlite_file_that_cannot_be_read_leaves_the_watchers_polling(tmp_path: Path) -> None:
    path = tmp_path / "late.db"

    async def scenario() -> tuple[bool, float, bool]:
        hub = ExecutionEvents(None, sqlite_file=str(path), sqlite_check_s=0.01)
        try:
            with hub.subscribe(uuid.uuid4()) as woken:
                await asyncio.wait_for(woken.wait(), timeout=10)  # told to poll
                failing = hub.listening, hub.poll_seconds(1.0)
                created = path.exists()
                migrations.upgrade(f"sqlite:///{path}")  # the file appears: watching resumes
                while not hub.listening:
                    await asyncio.sleep(0.05)
                return *failing, created
        finally:
            await hub.stop()

    listening, poll, created = asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert (listening, poll) == (False, 1.0)
    assert not created  # looking did not make an empty database


def test_websocket_refusals(live: Live) -> None:
    base = f"/api/v1/executions/{live.execution_id}/ws"
    cases = [
        (base, 4401),
        (f"{base}?access_token=garbage", 4401),
        (f"{base}?access_token={live.no_role_token}", 4403),
        (f"/api/v1/executions/{uuid.uuid4()}/ws?access_token={live.token}", 4404),
    ]
    for url, code in cases:
        with pytest.raises(WebSocketDisconnect) as refused:
            with live.client.websocket_connect(url) as websocket:
                websocket.receive_json()
        assert refused.value.code == code, url


def test_websocket_accepts_the_authorization_header(live: Live) -> None:
    live.write("cancelled")
    headers = {"Authorization": f"Bearer {live.token}"}
    with live.client.websocket_connect(
        f"/api/v1/executions/{live.execution_id}/ws", headers=headers
    ) as ws:
        assert ws.receive_json()["data"]["status"] == "cancelled"


class TestServerSentEvents:
    def test_a_finished_execution_streams_its_state_and_ends(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        chain = make_strategy(session)
        execution = queue_execution(session, chain)
        step = chain.nodes[0]
        session.add(
            NodeExecution(
                execution_id=execution.id,
                node_id=step.node_id,
                node_version_id=step.node_version_id,
                position=0,
                status="failed",
                error="boom",
            )
        )
        execution.status = "failed"
        session.commit()
        token = as_viewer["Authorization"].removeprefix("Bearer ")
        url = f"/api/v1/executions/{execution.id}/events?access_token={token}"
        with client.stream("GET", url) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            body = "".join(response.iter_text())
        blocks = [block for block in body.split("\n\n") if block]
        assert [block.splitlines()[0] for block in blocks] == ["event: node", "event: execution"]
        assert '"status": "failed"' in blocks[1]

    def test_refusals(self, client: TestClient, as_viewer: dict[str, str]) -> None:
        missing = client.get(f"/api/v1/executions/{uuid.uuid4()}/events", headers=as_viewer)
        assert missing.status_code == 404
        assert client.get(f"/api/v1/executions/{uuid.uuid4()}/events").status_code == 401


def test_notifications_wake_the_watchers_of_the_execution_they_name() -> None:
    # The hub reads notifications off the LISTEN connection's socket as they come: the
    # executor's progress (JSON), the API's own (a bare id), then an unreadable one.
    url = env_url("TEST_DATABASE_URL")
    named, other = uuid.uuid4(), uuid.uuid4()

    def notify(channel: str, payload: str) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("SELECT pg_notify(%s, %s)", (channel, payload))

    async def woken_by(payload: str, *events: asyncio.Event) -> list[bool]:
        for woken in events:
            woken.clear()
        await asyncio.to_thread(notify, EVENTS_CHANNEL, payload)
        await asyncio.wait_for(events[-1].wait(), timeout=10)  # the list's: set by any
        await asyncio.sleep(0.05)
        return [woken.is_set() for woken in events]

    async def scenario() -> list[list[bool]]:
        hub = ExecutionEvents(url)
        try:
            with (
                hub.subscribe(named) as one,
                hub.subscribe(other) as two,
                hub.subscribe_all() as everything,
            ):
                while not hub.listening:
                    await asyncio.sleep(0.01)
                progress = json.dumps({"execution_id": str(named), "nodes": [1], "status": None})
                return [
                    await woken_by(progress, one, two, everything),
                    await woken_by(str(other), one, two, everything),
                    await woken_by("not an id", one, two, everything),
                ]
        finally:
            await hub.stop()

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=30)) == [
        [True, False, True],
        [False, True, True],
        [True, True, True],
    ]


def test_a_lost_listen_connection_wakes_every_watcher_and_is_opened_again() -> None:
    url = env_url("TEST_DATABASE_URL")
    watched = uuid.uuid4()

    def terminate_listeners() -> int:
        with psycopg.connect(url, autocommit=True) as connection:
            return len(
                connection.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE application_name = %s",
                    (LISTEN_APPLICATION_NAME,),
                ).fetchall()
            )

    async def scenario() -> tuple[int, bool, float, bool]:
        hub = ExecutionEvents(url)
        try:
            with hub.subscribe(watched) as woken:
                while not hub.listening:
                    await asyncio.sleep(0.01)
                woken.clear()
                killed = await asyncio.to_thread(terminate_listeners)
                await asyncio.wait_for(woken.wait(), timeout=10)  # told to poll meanwhile
                lost = hub.listening, hub.poll_seconds(1.0)
                while not hub.listening:  # reconnects after a second
                    await asyncio.sleep(0.05)
                woken.clear()
                with psycopg.connect(url, autocommit=True) as connection:
                    connection.execute("SELECT pg_notify(%s, %s)", (EVENTS_CHANNEL, str(watched)))
                await asyncio.wait_for(woken.wait(), timeout=10)
                return killed, *lost, hub.listening
        finally:
            await hub.stop()

    killed, listening, poll, back = asyncio.run(asyncio.wait_for(scenario(), timeout=30))
    assert killed >= 1
    assert (listening, poll) == (False, 1.0)
    assert back
