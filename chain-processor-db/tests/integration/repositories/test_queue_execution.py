"""A submit's write (:func:`queue_execution`): the execution, its audit row and, on
PostgreSQL, the executor's wake-up, all or nothing; in one statement on PostgreSQL, so that
a session in autocommit stores a submit in one round trip."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, func, inspect, make_url, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import NotFoundError
from chain_processor_core.models.executions import ExecutionCreate
from chain_processor_db.models import AuditLog, ChainExecution, ChainStrategy
from chain_processor_db.repositories.executions import (
    find_by_idempotency_key,
    new_execution,
    queue_execution,
)
from chain_processor_db.repositories.strategies import get_runnable_version_id
from chain_processor_db.session import create_read_session_factory
from tests.conftest import Database, admin_url, engine_for
from tests.factories import make_strategy, make_user, recorded_statements

CHANNEL = "chain_executions_pending"


def _new(
    session: Session, strategy: ChainStrategy, user_id: uuid.UUID | None, **fields: Any
) -> ChainExecution:
    execution_in = ExecutionCreate(strategy_id=strategy.id, input_text="hello", **fields)
    return new_execution(
        strategy_id=strategy.id,
        version_id=get_runnable_version_id(session=session, strategy=strategy),
        execution_in=execution_in,
        created_by_id=user_id,
    )


def _audit(user_id: uuid.UUID | None, after: dict[str, Any]) -> dict[str, Any]:
    return {
        "action": "execution.create",
        "resource_type": "execution",
        "resource_id": after["id"],
        "actor_id": user_id,
        "actor_email": "someone@example.com",
        "before": None,
        "after": after,
        "request_id": "r-1",
        "client_address": "127.0.0.1",
    }


def _queue(session: Session, execution: ChainExecution, user_id: uuid.UUID | None) -> bool:
    entry = _audit(user_id, {"id": str(execution.id), "status": execution.status})
    return queue_execution(session=session, execution=execution, audit=entry, channel=CHANNEL)


@contextmanager
def _listening(database: Database) -> Iterator[psycopg.Connection[Any]]:
    """A LISTEN on the database itself (PgBouncer in transaction pooling cannot relay one)."""
    url = make_url(admin_url()).set(database=database.name)
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as listener:
        listener.execute(f"LISTEN {CHANNEL}")
        yield listener


def test_a_new_execution_has_every_column_an_insert_would_give_it() -> None:
    strategy_id, version_id, user_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    execution_in = ExecutionCreate(
        strategy_id=strategy_id,
        input_text="hello",
        priority=7,
        idempotency_key="k",
        metadata={"request_id": "r"},
    )

    execution = new_execution(
        strategy_id=strategy_id,
        version_id=version_id,
        execution_in=execution_in,
        created_by_id=user_id,
    )

    assert isinstance(execution.id, uuid.UUID)
    assert (execution.strategy_id, execution.strategy_version_id) == (strategy_id, version_id)
    assert (execution.status, execution.priority, execution.attempts) == ("pending", 7, 0)
    assert (execution.max_attempts, execution.version, execution.start_position) == (3, 1, 0)
    assert execution.cancel_requested is False and execution.worker_id is None
    assert (execution.idempotency_key, execution.created_by_id) == ("k", user_id)
    assert execution.metadata_json == {"request_id": "r"}
    assert execution.created_at.tzinfo is not None
    assert timedelta(0) <= execution.updated_at - execution.created_at < timedelta(seconds=1)
    assert execution.started_at is None and execution.completed_at is None
    other = new_execution(
        strategy_id=strategy_id,
        version_id=version_id,
        execution_in=execution_in,
        created_by_id=user_id,
    )
    assert other.id != execution.id


def test_a_queued_execution_is_stored_with_its_audit_row(session: Session) -> None:
    user = make_user(session)
    strategy = make_strategy(session)
    execution = _new(session, strategy, user.id, priority=-3, metadata={"trace": "t"})

    assert _queue(session, execution, user.id) is True
    session.expire_all()

    stored = session.get(ChainExecution, execution.id)
    assert stored is not None
    for column in inspect(ChainExecution).column_attrs:  # every column, as given
        assert getattr(stored, column.key) == getattr(execution, column.key), column.key
    assert stored.metadata_json == {"trace": "t"} and stored.created_by_id == user.id
    [entry] = session.scalars(
        select(AuditLog).where(AuditLog.resource_id == str(execution.id))
    ).all()
    assert (entry.action, entry.actor_id, entry.request_id) == ("execution.create", user.id, "r-1")
    assert entry.after == {"id": str(execution.id), "status": "pending"}


def test_a_used_idempotency_key_stores_nothing_more(session: Session) -> None:
    user = make_user(session)
    strategy = make_strategy(session)
    first = _new(session, strategy, user.id, idempotency_key="once")
    again = _new(session, strategy, user.id, idempotency_key="once")

    assert _queue(session, first, user.id) is True
    assert _queue(session, again, user.id) is False

    found = find_by_idempotency_key(session, user.id, "once")
    assert found is not None and found.id == first.id
    assert session.get(ChainExecution, again.id) is None
    audited = session.scalar(select(func.count()).select_from(AuditLog))
    assert audited == 1
    # the key is the submitter's: another user may use it too
    someone_else = make_user(session)
    assert _queue(session, _new(session, strategy, someone_else.id, idempotency_key="once"), None)


def test_a_run_of_a_chain_version_that_is_gone_is_refused_and_nothing_is_stored(
    session: Session,
) -> None:
    user = make_user(session)
    strategy = make_strategy(session)
    execution = _new(session, strategy, user.id)
    execution.strategy_version_id = uuid.uuid4()  # deleted between the read and the write

    with pytest.raises(NotFoundError) as refused:
        _queue(session, execution, user.id)

    if session.get_bind().dialect.name == "postgresql":  # SQLite does not name the column
        assert refused.value.field == "strategy_version_id"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditLog)) == 0


@pytest.fixture
def postgres_engine(migrated_database: Database) -> Iterator[Engine]:
    """An engine of a database of the test's own (NOTIFY and autocommit are PostgreSQL's)."""
    if not migrated_database.is_postgres:
        pytest.skip("NOTIFY and autocommit sessions are PostgreSQL's")
    engine = engine_for(migrated_database)
    yield engine
    engine.dispose()


def _new_runs(engine: Engine, *fields: dict[str, Any]) -> tuple[uuid.UUID, list[ChainExecution]]:
    """A submitter, and one new execution of a new chain per ``fields``, none stored."""
    with Session(engine) as setup, setup.begin():
        user_id = make_user(setup).id
        strategy = make_strategy(setup)
        return user_id, [_new(setup, strategy, user_id, **each) for each in fields]


def test_on_postgresql_a_queue_is_one_statement_in_autocommit_then_a_wake_up_apart(
    migrated_database: Database, postgres_engine: Engine
) -> None:
    user_id, [execution] = _new_runs(postgres_engine, {})
    with _listening(migrated_database) as listener:
        with create_read_session_factory(postgres_engine)() as session:
            with recorded_statements(session) as statements:
                assert _queue(session, execution, user_id) is True
            # no commit: the statement stood alone, a reader sees it at once
            with Session(postgres_engine) as reader:
                assert reader.get(ChainExecution, execution.id) is not None
        notices = list(listener.notifies(timeout=5, stop_after=1))
    # The write holds no NOTIFY: notifying commits are serialized through their WAL flush.
    # The wake-up follows in a transaction of its own that does not wait for the flush.
    write, wake_up = statements
    assert write.startswith("SELECT queue_execution(") and "pg_notify" not in write
    assert "set_config('synchronous_commit', 'off', true)" in wake_up
    assert "pg_notify" in wake_up
    assert [(n.channel, n.payload) for n in notices] == [(CHANNEL, str(execution.id))]


def test_a_wake_up_that_fails_after_the_write_does_not_fail_the_submit(
    postgres_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    user_id, [execution] = _new_runs(postgres_engine, {})
    entry = _audit(user_id, {"id": str(execution.id), "status": execution.status})
    with create_read_session_factory(postgres_engine)() as session, caplog.at_level("WARNING"):
        # PostgreSQL refuses an empty channel name: a NOTIFY that fails after the write.
        assert queue_execution(session=session, execution=execution, audit=entry, channel="")
        with Session(postgres_engine) as reader:
            assert reader.get(ChainExecution, execution.id) is not None  # stored all the same
            assert (
                reader.scalar(select(func.count()).where(AuditLog.resource_id == str(execution.id)))
                == 1
            )
        assert session.execute(select(func.count()).select_from(ChainExecution)).scalar()
    [warning] = [r for r in caplog.records if getattr(r, "action", None) == "notify_failed"]
    assert warning.levelname == "WARNING"


def test_on_postgresql_a_queue_inside_a_transaction_notifies_with_its_commit(
    migrated_database: Database, postgres_engine: Engine
) -> None:
    user_id, [execution] = _new_runs(postgres_engine, {})
    with _listening(migrated_database) as listener:
        with Session(postgres_engine) as session:
            with recorded_statements(session) as statements:
                assert _queue(session, execution, user_id) is True
            assert list(listener.notifies(timeout=0.5)) == []  # not before the commit
            session.commit()
        notices = list(listener.notifies(timeout=5, stop_after=1))
    assert not any("synchronous_commit" in sql for sql in statements)  # the write's own
    assert [n.payload for n in notices] == [str(execution.id)]


def test_on_postgresql_nothing_is_notified_for_a_used_key_or_a_refused_run(
    migrated_database: Database, postgres_engine: Engine
) -> None:
    user_id, [first, again, gone] = _new_runs(
        postgres_engine, {"idempotency_key": "k"}, {"idempotency_key": "k"}, {}
    )
    gone.strategy_version_id = uuid.uuid4()
    sessions = create_read_session_factory(postgres_engine)
    with _listening(migrated_database) as listener:
        with sessions() as session:
            assert _queue(session, first, user_id) is True
            assert _queue(session, again, user_id) is False
        with sessions() as session, pytest.raises(NotFoundError):
            _queue(session, gone, user_id)
        notices = list(listener.notifies(timeout=1))
    assert [n.payload for n in notices] == [str(first.id)]


def test_racing_submits_with_one_idempotency_key_store_one_execution(
    migrated_database: Database,
) -> None:
    engine = engine_for(migrated_database)
    try:
        user_id, [winner, loser] = _new_runs(
            engine, {"idempotency_key": "retry-safe"}, {"idempotency_key": "retry-safe"}
        )
        outcome: dict[str, Any] = {}

        def second_request() -> None:
            try:
                with Session(engine) as session, session.begin():
                    outcome["queued"] = _queue(session, loser, user_id)
            except BaseException as exc:  # handed to the test thread
                outcome["error"] = exc

        with Session(engine) as first:
            first.begin()
            assert _queue(first, winner, user_id) is True
            racer = threading.Thread(target=second_request)
            racer.start()
            racer.join(timeout=0.5)  # it waits for the first to end
            assert racer.is_alive()
            first.commit()
        racer.join(timeout=30)

        assert not racer.is_alive()
        assert outcome == {"queued": False}
        with Session(engine) as check:
            stored = check.scalars(
                select(ChainExecution.id).where(ChainExecution.created_by_id == user_id)
            ).all()
            assert stored == [winner.id]
    finally:
        engine.dispose()
