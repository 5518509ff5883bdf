"""Migration 0007's functions: a submit's write, and the executor's claim, progress write and
end of a run on PostgreSQL (executor ADR-0009). What they do is tested through
``queue_execution`` (test_queue_execution.py) and the executor's ``claim_executions``,
``record_nodes_postgres`` and ``finish_postgres``; here, that they come and go with the
migration and that each of the executor's changes only a run in the status it expects."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from tests.conftest import Database, engine_for, triggers_around
from tests.factories import execution_step, make_execution, make_strategy

FUNCTIONS = [
    "claim_executions",
    "finish_execution",
    "queue_execution",
    "record_node_executions",
]


def test_the_functions_come_and_go_with_the_migration(migrated_database: Database) -> None:
    at_head, before, after = triggers_around(
        migrated_database,
        "%_execution%",
        table="chain_executions",
        down_to="0006",
        kind="function",
    )
    assert at_head == (FUNCTIONS if migrated_database.is_postgres else [])
    assert before == []
    assert after == at_head


def test_a_run_is_claimed_recorded_and_ended_only_by_its_holder(
    migrated_database: Database,
) -> None:
    if not migrated_database.is_postgres:
        pytest.skip("SQLite gets no functions: the executor runs its statements there")
    engine = engine_for(migrated_database)
    try:
        with Session(engine, expire_on_commit=False) as session:
            execution = make_execution(session, make_strategy(session))
            version = execution_step(session, execution, 0)
            session.commit()
        now = utcnow()
        lease = now + timedelta(seconds=30)
        row = {
            "node_id": str(version.node_id),
            "node_version_id": str(version.node_version_id),
            "position": 0,
            "input_text": "hello",
            "output_text": "HELLO",
            "status": "succeeded",
            "started_at": now.isoformat(),
            "completed_at": now.isoformat(),
            "execution_time_ms": 1,
            "metadata": {},
        }
        values = {"rows": json.dumps([row]), "id": execution.id, "lease": lease, "now": now}
        claim = text("SELECT id, attempts FROM claim_executions(:w, 5, :now, :lease)")
        record = text("SELECT record_node_executions(CAST(:rows AS jsonb), :id, :w, :lease, :now)")
        finish = text(
            "SELECT finish_execution(CAST(:rows AS jsonb), :id, :w, 'succeeded', 'HELLO',"
            " NULL, NULL, :now, 5)"
        )
        with engine.connect() as connection:
            claimed = connection.execute(claim, {**values, "w": "w1"}).all()
            claimed_again = connection.execute(claim, {**values, "w": "w2"}).all()
            recorded_by_other = connection.execute(record, {**values, "w": "w2"}).scalar_one()
            recorded = connection.execute(record, {**values, "w": "w1"}).scalar_one()
            ended_by_other = connection.execute(finish, {**values, "w": "w2"}).scalar_one()
            ended = connection.execute(finish, {**values, "w": "w1"}).scalar_one()
            ended_twice = connection.execute(finish, {**values, "w": "w1"}).scalar_one()
            state = connection.execute(
                text(
                    "SELECT status, worker_id, lease_expires_at, output_text,"
                    " (SELECT count(*) FROM node_executions WHERE execution_id = :id)"
                    " FROM chain_executions WHERE id = :id"
                ),
                values,
            ).one()
    finally:
        engine.dispose()

    assert claimed == [(execution.id, 1)]
    assert claimed_again == []  # running now: nothing left to claim
    assert recorded_by_other is None  # not its lease: nothing written
    assert recorded is False  # written; no cancel asked for
    assert (ended_by_other, ended, ended_twice) == (False, True, False)
    assert tuple(state) == ("succeeded", None, None, "HELLO", 1)
