"""Submits through the kept run targets (ADR-0012), in a running app with its lifespan: on
PostgreSQL a chain is read for its first submit and trusted until a change to it is heard (or
committed by this process); on SQLite every submit reads it.

Each test has a database of its own and commits for real, as clients and other processes do;
run targets are kept for a minute here, so an answer that changes within seconds shows a
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
from sqlalchemy import update
from sqlalchemy.orm import Session

from chain_processor_api.core.run_targets import RunTargets, forget_on_commit
from chain_processor_api.core.security import create_access_token
from chain_processor_api.main import create_app
from chain_processor_api.services.live import LISTEN_APPLICATION_NAME
from chain_processor_db import migrations
from chain_processor_db.models import ChainStrategy, User
from chain_processor_db.repositories.auth import create_auth_session
from chain_processor_db.repositories.strategies import get_strategy
from chain_processor_db.session import create_db_engine, create_session_factory
from tests.conftest import (
    Database,
    email_of,
    fresh_database,
    make_settings,
    recorded_statements,
    sql_as_another_process,
    wait_until_listening,
)
from tests.factories import make_node, make_strategy

RUN_TARGET_READ = "FROM chain_strategies LEFT OUTER JOIN traffic_splits"


@dataclass
class Stack:
    database: Database
    client: TestClient
    targets: RunTargets
    chain: ChainStrategy
    headers: dict[str, str]
    statements: list[str]

    def submit(self) -> tuple[int, str | None, int]:
        """A submit of the chain: its status, the version it pins and how many statements
        read the chain for it."""
        self.statements.clear()
        body = {"strategy_id": str(self.chain.id), "input_text": "hello"}
        answer = self.client.post("/api/v1/executions", json=body, headers=self.headers)
        reads = sum(RUN_TARGET_READ in sql for sql in self.statements)
        return answer.status_code, answer.json().get("strategy_version"), reads

    def until(self, expected: tuple[int, str | None], timeout_s: float = 5) -> None:
        deadline = time.monotonic() + timeout_s
        while (answer := self.submit()[:2]) != expected:
            assert time.monotonic() < deadline, f"submits still answer {answer}"
            time.sleep(0.02)

    def listening(self) -> None:
        wait_until_listening(self.client.app)  # type: ignore[arg-type]

    def sql(self, statement: str) -> None:
        sql_as_another_process(self.database, statement)


@contextmanager
def _stack(backend: str, tmp_path: Path, **settings_: Any) -> Iterator[Stack]:
    with fresh_database(backend, tmp_path) as database:
        engine = create_db_engine(database.url, pool_size=3)
        settings = make_settings(
            database, rate_limit_enabled=False, run_target_cache_seconds=60, **settings_
        )
        with Session(engine, expire_on_commit=False) as session:
            chain = make_strategy(session)
            editor = session.query(User).filter_by(email=email_of("editor")).one()
            auth_session = create_auth_session(session=session, user_id=editor.id)
            session.commit()
            token = create_access_token(settings, user_id=editor.id, session_id=auth_session.id)
        try:
            app = create_app(settings, engine=engine)
            with (
                recorded_statements(engine) as statements,
                TestClient(app, raise_server_exceptions=False) as client,
            ):
                headers = {"Authorization": f"Bearer {token}"}
                yield Stack(database, client, app.state.run_targets, chain, headers, statements)
        finally:
            engine.dispose()


@pytest.fixture
def pg(tmp_path: Path) -> Iterator[Stack]:
    with _stack("postgres", tmp_path) as stack:
        stack.listening()
        yield stack


@pytest.fixture
def deaf(tmp_path: Path) -> Iterator[Stack]:
    """PostgreSQL without the LISTEN connection (as behind PgBouncer with no listen URL), the
    run targets kept all the same: nothing is notified, so only this process's commits can
    make it forget."""
    with _stack("postgres", tmp_path, database_pgbouncer=True) as stack:
        assert not stack.client.app.state.execution_events.listening  # type: ignore[attr-defined]
        stack.targets.listening(True)
        yield stack


def _new_version(stack: Stack, **change: Any) -> dict[str, Any]:
    """Save a new version of the chain through the API (a node added); its public shape."""
    path = f"/api/v1/chains/{stack.chain.id}"
    chain = stack.client.get(path, headers=stack.headers).json()
    nodes = [{"node_id": n["node_id"]} for n in chain["nodes"]] * 2
    body = {"expected_version": chain["version"], "nodes": nodes, **change}
    answer = stack.client.patch(path, json=body, headers=stack.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_a_chain_is_read_for_its_first_submit_then_trusted(pg: Stack) -> None:
    assert [pg.submit() for _ in range(3)] == [(201, "1.0.0", 1)] + [(201, "1.0.0", 0)] * 2
    assert len(pg.targets) == 1


def test_on_sqlite_every_submit_reads_its_chain(tmp_path: Path) -> None:
    with _stack("sqlite", tmp_path) as stack:
        assert [stack.submit() for _ in range(3)] == [(201, "1.0.0", 1)] * 3
        assert len(stack.targets) == 0


def test_a_new_version_saved_here_is_what_the_next_submit_pins(deaf: Stack) -> None:
    assert [deaf.submit() for _ in range(2)] == [(201, "1.0.0", 1), (201, "1.0.0", 0)]  # kept
    saved = _new_version(deaf)
    assert saved["current_version"] == "1.0.1"
    assert deaf.submit() == (201, "1.0.1", 1)  # this process's commit forgot it


def test_a_chain_deactivated_here_refuses_the_next_submit(deaf: Stack) -> None:
    assert deaf.submit()[:2] == (201, "1.0.0")
    _new_version(deaf, is_active=False)
    assert deaf.submit()[:2] == (422, None)


def test_a_traffic_split_set_here_routes_the_next_submit(deaf: Stack) -> None:
    _new_version(deaf)
    assert deaf.submit()[:2] == (201, "1.0.1")
    split = {"variants": [{"version": "1.0.0", "weight": 100}]}
    path = f"/api/v1/chains/{deaf.chain.id}/traffic-split"
    answer = deaf.client.put(path, json=split, headers=deaf.headers)
    assert answer.status_code == 200, answer.text
    assert deaf.submit()[:2] == (201, "1.0.0")
    assert deaf.client.delete(path, headers=deaf.headers).status_code == 204
    assert deaf.submit()[:2] == (201, "1.0.1")


def test_a_chain_deactivated_by_another_process_refuses_submits_within_moments(
    pg: Stack,
) -> None:
    assert pg.submit()[:2] == (201, "1.0.0")
    pg.sql(f"UPDATE chain_strategies SET is_active = false WHERE id = '{pg.chain.id}'")
    pg.until((422, None))  # the trigger's NOTIFY, long before the minute is up


def test_a_traffic_split_set_by_another_process_routes_submits_within_moments(
    pg: Stack,
) -> None:
    _new_version(pg)
    assert pg.submit()[:2] == (201, "1.0.1")  # kept: the current version
    variants = '[{"version": "1.0.0", "weight": 100}]'
    pg.sql(
        "INSERT INTO traffic_splits (strategy_id, variants, updated_at)"
        f" VALUES ('{pg.chain.id}', '{variants}', now())"
    )
    pg.until((201, "1.0.0"))


def test_a_chain_deleted_here_refuses_the_next_submit(deaf: Stack) -> None:
    assert deaf.submit()[:2] == (201, "1.0.0")
    answer = deaf.client.delete(f"/api/v1/chains/{deaf.chain.id}", headers=deaf.headers)
    assert answer.status_code == 200, answer.text
    # deleting a chain with runs deactivates it (ADR-0004): refused, not stored
    assert deaf.submit()[:2] == (422, None)


def test_a_lost_listen_connection_stops_keeping_until_it_is_back(pg: Stack) -> None:
    assert pg.submit()[2] == 1
    assert len(pg.targets) == 1
    pg.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE application_name = '{LISTEN_APPLICATION_NAME}' AND datname = current_database()"
    )
    hub = pg.client.app.state.execution_events  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while hub.listening or len(pg.targets):
        assert time.monotonic() < deadline, "the loss went unnoticed"
        time.sleep(0.01)
    assert pg.submit()[2] == 1  # read, whether or not back yet
    pg.listening()
    assert [pg.submit()[2] for _ in range(2)] == [1, 0]


def test_a_commit_that_changes_a_chain_forgets_its_run_targets_at_once(tmp_path: Path) -> None:
    # On SQLite, where nothing is notified: what is forgotten here, the commit forgot.
    url = f"sqlite:///{tmp_path}/commits.db"
    migrations.upgrade(url)
    engine = create_db_engine(url)
    sessions = create_session_factory(engine)
    targets = RunTargets(60)
    targets.listening(True)
    forget_on_commit(sessions, targets)
    with sessions() as session:
        node = make_node(session)
        one, two = make_strategy(session, nodes=[node]), make_strategy(session, nodes=[node])

        def keep() -> None:
            for chain in (one, two):
                targets.read(session, chain.id, None)

        def kept() -> set[uuid.UUID]:
            return {c.id for c in (one, two) if targets.entry((c.id, None)) is not None}

        keep()
        session.get(ChainStrategy, one.id)
        session.commit()  # read only
        get_strategy(session=session, strategy_id=one.id).description = "Rolled back"
        session.flush()
        session.rollback()
        unchanged = kept()

        get_strategy(session=session, strategy_id=one.id).is_active = False
        session.commit()
        deactivated = kept()

        keep()
        session.execute(update(ChainStrategy).values(is_active=True))
        session.commit()
        bulk = kept()
    engine.dispose()
    assert unchanged == {one.id, two.id}
    assert deactivated == {two.id}
    assert bulk == set()


def test_only_targets_a_run_can_start_from_are_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/kept.db"
    migrations.upgrade(url)
    engine = create_db_engine(url)
    targets = RunTargets(60)
    targets.listening(True)
    with create_session_factory(engine)() as session:
        chain = make_strategy(session)
        targets.read(session, chain.id, "9.9.9")  # no such version: the submit refuses it
        missing = len(targets)
        targets.read(session, chain.id, "1.0.0")
    engine.dispose()
    assert missing == 0
    assert targets.entry((chain.id, "1.0.0")) is not None
