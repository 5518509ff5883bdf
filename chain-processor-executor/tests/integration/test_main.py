"""The command line: listing and re-queueing dead letters."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from chain_processor_db.models import ChainExecution
from chain_processor_executor import queue
from chain_processor_executor.config import get_settings
from chain_processor_executor.main import main
from tests.conftest import Database
from tests.factories import UPPER, execution, make_chain, submit


@pytest.fixture
def environment(database: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("DATABASE_PGBOUNCER", str(database.pgbouncer).lower())
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def make_dead_letter(engine: Engine) -> uuid.UUID:
    dead = submit(engine, make_chain(engine, [UPPER]), max_attempts=1)
    with engine.begin() as connection:
        queue.claim_executions(connection, worker_id="w", limit=1, lease_s=30)
        past = datetime.now(UTC) - timedelta(seconds=1)
        connection.execute(update(ChainExecution).values(lease_expires_at=past))
        queue.reap_expired_leases(connection)
    return dead


def test_dead_letters_are_listed_and_requeued(
    engine: Engine, environment: None, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = make_dead_letter(engine)
    assert main(["dead-letters"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert listed["id"] == str(dead)
    assert main(["requeue", str(dead)]) == 0
    new_id = uuid.UUID(capsys.readouterr().out.strip())
    assert execution(engine, new_id).parent_execution_id == dead
    assert main(["requeue", str(new_id)]) == 1
    assert "is not a dead letter" in capsys.readouterr().err
