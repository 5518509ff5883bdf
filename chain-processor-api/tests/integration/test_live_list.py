"""Live changes of the executions list over WebSocket and SSE.

As in test_live, a database of the test's own with real commits; changes are written from
another connection as the executor would. On PostgreSQL the NOTIFYs (the executor's progress,
the submissions' pending) wake the stream, the poll interval being long to prove it; on
SQLite polling finds the changes.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from chain_processor_api.main import create_app
from chain_processor_api.services.auth import start_session
from chain_processor_api.services.executions import EVENTS_CHANNEL
from chain_processor_api.services.live_list import ListState, list_changes
from chain_processor_db import migrations
from chain_processor_db.models import ChainExecution, User
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import database_url, postgres_database
from tests.conftest import Database, env_url, make_settings
from tests.factories import make_node, make_strategy, queue_execution

WS = "/api/v1/executions/ws"
SSE = "/api/v1/executions/events"


@dataclass
class LiveList:
    database: Database
    engine: Engine
    client: TestClient
    token: str
    no_role_token: str
    chain_id: uuid.UUID
    execution_id: uuid.UUID

    def set_status(self, execution_id: uuid.UUID, status: str) -> None:
        with self.engine.begin() as connection:
            connection.execute(
                update(ChainExecution)
                .where(ChainExecution.id == execution_id)
                .values(status=status)
            )
            if self.database.is_postgres:
                connection.execute(
                    text("SELECT pg_notify(:channel, :payload)"),
                    {"channel": EVENTS_CHANNEL, "payload": str(execution_id)},
                )

    def submit(self) -> dict[str, Any]:
        response = self.client.post(
            "/api/v1/executions",
            headers={"Authorization": f"Bearer {self.token}"},
            json={"strategy_id": str(self.chain_id), "input_text": "new"},
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def open_live(database: Database, *, poll: float, max_seconds: float) -> Iterator[LiveList]:
    migrations.upgrade(database.url)
    engine = create_db_engine(database.url, pool_size=3)
    settings = make_settings(database, live_poll_seconds=poll, live_stream_max_seconds=max_seconds)
    try:
        with Session(engine, expire_on_commit=False) as session:
            editor = User(email="e@example.com", password_hash="x", roles=["editor"])
            nobody = User(email="n@example.com", password_hash="x", roles=[])
            session.add_all([editor, nobody])
            session.flush()
            chain = make_strategy(session, nodes=[make_node(session)])
            execution = queue_execution(session, chain)
            token = start_session(
                session, settings, user=editor, client_address=None, user_agent=None
            )
            other = start_session(
                session, settings, user=nobody, client_address=None, user_agent=None
            )
            session.commit()
        app = create_app(settings, engine=engine)
        with TestClient(app) as client:
            yield LiveList(
                database,
                engine,
                client,
                token.access_token,
                other.access_token,
                chain.id,
                execution.id,
            )
    finally:
        engine.dispose()


@pytest.fixture(params=["postgres", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[Database]:
    if request.param == "sqlite":
        yield Database("sqlite", f"sqlite:///{tmp_path}/live-list.db")
        return
    admin_url = env_url("TEST_DATABASE_URL")
    with postgres_database(admin_url, prefix="cp_api_test") as name:
        yield Database("postgres", database_url(admin_url, name))


@pytest.fixture
def live(database: Database) -> Iterator[LiveList]:
    poll = 3.0 if database.is_postgres else 0.05
    yield from open_live(database, poll=poll, max_seconds=30)


def test_websocket_streams_new_executions_and_status_changes(live: LiveList) -> None:
    with live.client.websocket_connect(f"{WS}?access_token={live.token}") as websocket:
        snapshot = websocket.receive_json()
        assert snapshot["type"] == "snapshot"
        assert snapshot["data"]["count"] == 1
        assert [e["id"] for e in snapshot["data"]["data"]] == [str(live.execution_id)]

        started = time.monotonic()
        new = live.submit()
        created = websocket.receive_json()
        assert (created["type"], created["data"]["id"]) == ("created", new["id"])
        assert created["data"]["strategy_version"] == "1.0.0"

        live.set_status(live.execution_id, "running")
        updated = websocket.receive_json()
        assert updated["type"] == "updated"
        assert (updated["data"]["id"], updated["data"]["status"]) == (
            str(live.execution_id),
            "running",
        )
        if live.database.is_postgres:
            assert time.monotonic() - started < 2.5, "NOTIFY should wake the stream before a poll"


def test_a_status_filter_follows_executions_out_of_the_page(live: LiveList) -> None:
    url = f"{WS}?status=pending&strategy_id={live.chain_id}&access_token={live.token}"
    with live.client.websocket_connect(url) as websocket:
        assert websocket.receive_json()["data"]["count"] == 1
        live.set_status(live.execution_id, "running")
        left = websocket.receive_json()
        assert (left["type"], left["data"]["status"]) == ("updated", "running")


def test_websocket_refusals(live: LiveList) -> None:
    for url, code in [
        (WS, 4401),
        (f"{WS}?access_token=garbage", 4401),
        (f"{WS}?access_token={live.no_role_token}", 4403),
    ]:
        with pytest.raises(WebSocketDisconnect) as refused:
            with live.client.websocket_connect(url) as websocket:
                websocket.receive_json()
        assert refused.value.code == code, url


def sse_events(body: str) -> list[tuple[str, Any]]:
    events = []
    for block in body.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events


@pytest.fixture
def short_live(database: Database) -> Iterator[LiveList]:
    yield from open_live(database, poll=0.05, max_seconds=0.5)


class TestServerSentEvents:
    def test_the_stream_sends_the_page_then_ends_after_its_time(self, short_live: LiveList) -> None:
        headers = {"Authorization": f"Bearer {short_live.token}"}
        started = time.monotonic()
        response = short_live.client.get(SSE, headers=headers)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.text.startswith("retry: 1000")
        (snapshot,) = sse_events(response.text)
        assert snapshot[0] == "snapshot"
        assert [e["id"] for e in snapshot[1]["data"]] == [str(short_live.execution_id)]
        assert time.monotonic() - started < 5

    def test_filters_and_the_query_token(self, short_live: LiveList) -> None:
        other_chain = uuid.uuid4()
        response = short_live.client.get(
            f"{SSE}?strategy_id={other_chain}&access_token={short_live.token}"
        )
        assert sse_events(response.text) == [("snapshot", {"data": [], "count": 0})], response.text
        refused = short_live.client.get(f"{SSE}?access_token={short_live.no_role_token}")
        assert refused.status_code == 403
        bad = f"{SSE}?status=nonsense&access_token={short_live.token}"
        assert short_live.client.get(bad).status_code == 422


def test_list_changes_ignores_updated_at_alone() -> None:
    view = {"id": "a", "status": "running", "updated_at": "1"}
    touched = {**view, "updated_at": "2"}
    state = ListState(page={"a": touched}, count=1, left={})
    assert list_changes({"a": view}, {"a"}, state) == []
    gone = ListState(page={}, count=0, left={"a": {**view, "status": "failed"}})
    assert list_changes({"a": view}, {"a"}, gone) == [
        {"type": "updated", "data": {**view, "status": "failed"}}
    ]
    assert list_changes({"a": view}, {"a"}, ListState(page={}, count=0, left={"a": view})) == []
