from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    AlreadyExistsError,
    ChainValidationError,
    ExecutionNotFoundError,
    InvalidTransitionError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
    VersionNotFoundError,
)
from chain_processor_core.models.executions import (
    ExecutionCreate,
    ExecutionFilter,
    NodeExecutionPublic,
)
from chain_processor_core.models.status import TRANSITIONS, ExecutionStatus
from chain_processor_core.models.strategies import StrategyUpdate
from chain_processor_db.errors import flush
from chain_processor_db.models import ChainExecution, ChainStrategy
from chain_processor_db.repositories.ab import get_run_target
from chain_processor_db.repositories.executions import (
    create_execution,
    get_execution,
    list_executions,
    list_node_executions,
    read_node_executions,
    request_cancel,
    transition_execution,
)
from chain_processor_db.repositories.strategies import (
    VersionLookup,
    get_strategy,
    get_strategy_version,
    update_strategy,
)
from tests.conftest import Database, admin_url, engine_for
from tests.factories import (
    make_execution,
    make_node,
    make_node_execution,
    make_strategy,
    make_user,
    recorded_statements,
    save_behind_the_orms_back,
)

FINAL = [status for status in ExecutionStatus if status.is_final]


def _create(
    session: Session,
    strategy: ChainStrategy,
    user_id: uuid.UUID | None = None,
    known_version: VersionLookup | None = None,
    **fields: Any,
) -> tuple[ChainExecution, bool]:
    execution_in = ExecutionCreate(strategy_id=strategy.id, input_text="hello", **fields)
    return create_execution(
        session=session,
        strategy=strategy,
        execution_in=execution_in,
        created_by_id=user_id,
        known_version=known_version,
    )


def _save_strategy(session: Session, strategy: ChainStrategy, **fields: Any) -> None:
    update = StrategyUpdate(expected_version=strategy.version, **fields)
    update_strategy(session=session, strategy=strategy, strategy_in=update, updated_by_id=None)


def _in_status(
    session: Session, strategy: ChainStrategy, status: ExecutionStatus
) -> ChainExecution:
    execution = make_execution(session, strategy)
    if status is not ExecutionStatus.PENDING:
        transition_execution(session=session, execution=execution, status=ExecutionStatus.RUNNING)
    if status not in (ExecutionStatus.PENDING, ExecutionStatus.RUNNING):
        transition_execution(session=session, execution=execution, status=status)
    assert execution.status == status.value
    return execution


# create


def test_create_execution_pins_the_current_chain_version(session: Session) -> None:
    user = make_user(session)
    strategy = make_strategy(session)
    _save_strategy(session, strategy, name="second version")

    execution, created = _create(
        session, strategy, user.id, priority=5, metadata={"source": "test"}
    )

    current = get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.1")
    assert created is True
    assert execution.strategy_version_id == current.id
    assert (execution.status, execution.priority, execution.attempts) == ("pending", 5, 0)
    assert (execution.input_text, execution.created_by_id) == ("hello", user.id)
    assert execution.metadata_json == {"source": "test"}
    assert (execution.started_at, execution.completed_at, execution.version) == (None, None, 1)
    assert get_execution(session=session, execution_id=execution.id) is execution


def test_create_execution_of_a_named_version(session: Session) -> None:
    strategy = make_strategy(session)
    _save_strategy(session, strategy, name="second version")

    execution, _ = _create(session, strategy, version="1.0.0")

    first = get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.0")
    assert execution.strategy_version_id == first.id
    with pytest.raises(VersionNotFoundError):
        _create(session, strategy, version="7.0.0")


def test_idempotency_key_returns_the_first_execution(session: Session) -> None:
    user, other = make_user(session), make_user(session)
    strategy = make_strategy(session)

    first, first_created = _create(session, strategy, user.id, idempotency_key="key-1")
    again, again_created = _create(session, strategy, user.id, idempotency_key="key-1")
    theirs, theirs_created = _create(session, strategy, other.id, idempotency_key="key-1")
    fresh, fresh_created = _create(session, strategy, user.id, idempotency_key="key-2")

    assert (first_created, again_created, theirs_created, fresh_created) == (
        True,
        False,
        True,
        True,
    )
    assert again is first
    assert len({first.id, theirs.id, fresh.id}) == 3


def test_idempotency_key_wins_over_a_chain_gone_inactive(session: Session) -> None:
    strategy = make_strategy(session)
    first, _ = _create(session, strategy, idempotency_key="retry-me")
    _save_strategy(session, strategy, is_active=False)

    again, created = _create(session, strategy, idempotency_key="retry-me")

    assert (again, created) == (first, False)


def test_inactive_chain_cannot_run(session: Session) -> None:
    strategy = make_strategy(session)
    _save_strategy(session, strategy, is_active=False)

    with pytest.raises(ChainValidationError, match="not active") as caught:
        _create(session, strategy)

    assert caught.value.field == "strategy_id"


def test_chain_without_nodes_cannot_run(session: Session) -> None:
    strategy = make_strategy(session, nodes=[])

    with pytest.raises(ChainValidationError, match="no nodes") as caught:
        _create(session, strategy)

    assert caught.value.field == "strategy_id"


def test_a_version_read_with_the_chain_is_not_read_again(session: Session) -> None:
    strategy = make_strategy(session)
    _save_strategy(session, strategy, name="second version")
    current = get_run_target(session=session, strategy_id=strategy.id).version
    first = get_run_target(session=session, strategy_id=strategy.id, version="1.0.0").version

    with recorded_statements(session) as statements:
        execution, _ = _create(session, strategy, known_version=current)
    assert execution.strategy_version_id == current.id
    assert not any("FROM strategy_versions" in sql for sql in statements)

    # A lookup of another version than the one the run pins is not used: it is read.
    with recorded_statements(session) as statements:
        pinned, _ = _create(session, strategy, version="1.0.0", known_version=current)
    assert pinned.strategy_version_id == first.id
    assert any("FROM strategy_versions" in sql for sql in statements)


def test_a_version_read_with_the_chain_still_says_what_is_wrong(session: Session) -> None:
    strategy, empty = make_strategy(session), make_strategy(session, nodes=[])
    missing = get_run_target(session=session, strategy_id=strategy.id, version="9.0.0").version
    no_steps = get_run_target(session=session, strategy_id=empty.id).version

    with pytest.raises(VersionNotFoundError, match=r"no version 9\.0\.0"):
        _create(session, strategy, version="9.0.0", known_version=missing)
    with pytest.raises(ChainValidationError, match="no nodes"):
        _create(session, empty, known_version=no_steps)


def test_execution_of_an_unknown_chain(session: Session) -> None:
    strategy = make_strategy(session)
    version = get_strategy_version(session=session, strategy_id=strategy.id)
    session.add(
        ChainExecution(strategy_id=uuid.uuid4(), strategy_version_id=version.id, input_text="x")
    )

    with pytest.raises(NotFoundError):
        flush(session)


@pytest.mark.parametrize(
    ("fields", "field", "detail"),
    [
        ({"status": "paused"}, "status", "status is not an allowed value"),
        ({"priority": 101}, "priority", "priority is not an allowed value"),
        ({"input_text": ""}, "input_text", "input_text must not be empty"),
        ({"start_position": -1}, "start_position", "start_position is not an allowed value"),
    ],
)
def test_rules_the_database_enforces(
    session: Session, fields: dict[str, Any], field: str, detail: str
) -> None:
    strategy = make_strategy(session)
    version = get_strategy_version(session=session, strategy_id=strategy.id)
    values: dict[str, Any] = {"input_text": "x"} | fields
    session.add(ChainExecution(strategy_id=strategy.id, strategy_version_id=version.id, **values))

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert (caught.value.field, caught.value.detail) == (field, detail)


def test_get_execution_unknown(session: Session) -> None:
    with pytest.raises(ExecutionNotFoundError):
        get_execution(session=session, execution_id=uuid.uuid4())


# list


def test_list_executions_filters(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    one, two = make_strategy(session), make_strategy(session)
    day = datetime(2026, 3, 1, tzinfo=UTC)
    made = {}
    for index, (strategy, user, status) in enumerate(
        [
            (one, alice, ExecutionStatus.PENDING),
            (one, bob, ExecutionStatus.RUNNING),
            (two, alice, ExecutionStatus.SUCCEEDED),
            (two, bob, ExecutionStatus.PENDING),
            (one, None, ExecutionStatus.FAILED),
        ]
    ):
        execution = _in_status(session, strategy, status)
        execution.created_by_id = user.id if user else None
        execution.created_at = day + timedelta(hours=index)
        made[index] = execution.id
    flush(session)

    def found(**filters: Any) -> tuple[list[int], int]:
        page, count = list_executions(session=session, filters=ExecutionFilter(**filters))
        by_id = {execution_id: index for index, execution_id in made.items()}
        return [by_id[execution.id] for execution in page], count

    assert found() == ([4, 3, 2, 1, 0], 5)
    assert found(status=ExecutionStatus.PENDING) == ([3, 0], 2)
    assert found(strategy_id=one.id) == ([4, 1, 0], 3)
    assert found(created_by_id=alice.id) == ([2, 0], 2)
    assert found(strategy_id=two.id, created_by_id=bob.id) == ([3], 1)
    assert found(created_after=day + timedelta(hours=1)) == ([4, 3, 2, 1], 4)
    assert found(created_before=day + timedelta(hours=1)) == ([0], 1)
    assert found(
        created_after=day + timedelta(minutes=30), created_before=day + timedelta(hours=3)
    ) == ([2, 1], 2)
    assert found(offset=1, limit=2) == ([3, 2], 5)
    assert found(status=ExecutionStatus.CANCELLED) == ([], 0)


# status changes


def test_every_transition_follows_the_table(session: Session) -> None:
    strategy = make_strategy(session)

    for current in ExecutionStatus:
        for new in ExecutionStatus:
            execution = _in_status(session, strategy, current)
            if new in TRANSITIONS[current]:
                transition_execution(session=session, execution=execution, status=new)
                assert execution.status == new.value, (current, new)
            else:
                with pytest.raises(InvalidTransitionError):
                    transition_execution(session=session, execution=execution, status=new)
                assert execution.status == current.value, (current, new)


def test_pending_to_running_stamps_the_start(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))
    lease = datetime.now(UTC) + timedelta(seconds=30)

    transition_execution(
        session=session,
        execution=execution,
        status=ExecutionStatus.RUNNING,
        worker_id="worker-1",
        lease_expires_at=lease,
        attempts=1,
    )
    session.expire(execution)

    assert execution.status == "running"
    assert execution.started_at is not None
    assert execution.started_at.tzinfo is not None
    assert (execution.worker_id, execution.lease_expires_at, execution.attempts) == (
        "worker-1",
        lease,
        1,
    )
    assert (execution.completed_at, execution.execution_time_ms) == (None, None)


def test_a_retried_run_keeps_its_first_start(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))
    transition_execution(session=session, execution=execution, status=ExecutionStatus.RUNNING)
    started = execution.started_at

    transition_execution(session=session, execution=execution, status=ExecutionStatus.PENDING)
    transition_execution(session=session, execution=execution, status=ExecutionStatus.RUNNING)

    assert execution.started_at == started


@pytest.mark.parametrize("final", FINAL)
def test_a_final_status_stamps_the_end_and_frees_the_worker(
    session: Session, final: ExecutionStatus
) -> None:
    execution = make_execution(session, make_strategy(session))
    transition_execution(
        session=session,
        execution=execution,
        status=ExecutionStatus.RUNNING,
        worker_id="worker-1",
        lease_expires_at=datetime.now(UTC) + timedelta(seconds=30),
    )
    assert execution.started_at is not None
    execution.started_at -= timedelta(milliseconds=250)

    transition_execution(session=session, execution=execution, status=final, output_text="HELLO")
    session.expire(execution)

    assert execution.status == final.value
    assert execution.output_text == "HELLO"
    assert execution.completed_at is not None
    assert execution.execution_time_ms is not None and execution.execution_time_ms >= 250
    assert (execution.worker_id, execution.lease_expires_at) == (None, None)


def test_failing_before_the_start_has_no_run_time(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))

    transition_execution(
        session=session,
        execution=execution,
        status=ExecutionStatus.FAILED,
        error="The chain could not be loaded",
        error_code="strategy_load_failed",
    )

    assert execution.completed_at is not None
    assert (execution.started_at, execution.execution_time_ms) == (None, None)
    assert execution.error_code == "strategy_load_failed"


@pytest.mark.parametrize("final", FINAL)
def test_a_final_status_never_changes(session: Session, final: ExecutionStatus) -> None:
    execution = _in_status(session, make_strategy(session), final)
    completed = execution.completed_at

    for new in ExecutionStatus:
        with pytest.raises(InvalidTransitionError):
            transition_execution(session=session, execution=execution, status=new)

    session.expire(execution)
    assert (execution.status, execution.completed_at) == (final.value, completed)


def test_transition_loses_to_a_concurrent_change(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))
    save_behind_the_orms_back(session, execution)

    with pytest.raises(StaleVersionError):
        transition_execution(session=session, execution=execution, status=ExecutionStatus.RUNNING)


# cancel


def test_cancel_a_pending_execution(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))

    request_cancel(session=session, execution=execution)

    assert execution.status == "cancelled"
    assert (execution.error, execution.error_code) == ("Cancelled before it started", "cancelled")
    assert execution.completed_at is not None


def test_cancel_a_running_execution_asks_the_worker(session: Session) -> None:
    execution = _in_status(session, make_strategy(session), ExecutionStatus.RUNNING)

    request_cancel(session=session, execution=execution)
    session.expire(execution)

    assert (execution.status, execution.cancel_requested) == ("running", True)
    assert execution.completed_at is None


@pytest.mark.parametrize("final", FINAL)
def test_cancel_a_finished_execution(session: Session, final: ExecutionStatus) -> None:
    execution = _in_status(session, make_strategy(session), final)

    with pytest.raises(InvalidTransitionError, match=final.value):
        request_cancel(session=session, execution=execution)

    assert (execution.status, execution.cancel_requested) == (final.value, False)


# node executions


def test_node_executions_are_listed_by_position(session: Session) -> None:
    first, second, third = make_node(session), make_node(session), make_node(session)
    execution = make_execution(session, make_strategy(session, nodes=[first, second, third]))
    other = make_execution(session, make_strategy(session, nodes=[first]))
    for position in (2, 0, 1):
        make_node_execution(session, execution, position, status="succeeded")
    make_node_execution(session, other, 0)

    found = list_node_executions(session=session, execution_id=execution.id)

    assert [n.position for n in found] == [0, 1, 2]
    assert [n.node_id for n in found] == [first.id, second.id, third.id]
    assert list_node_executions(session=session, execution_id=uuid.uuid4()) == []


def test_node_executions_read_as_rows_are_what_the_orm_lists(session: Session) -> None:
    first, second = make_node(session), make_node(session)
    execution = make_execution(session, make_strategy(session, nodes=[first, second]))
    other = make_execution(session, make_strategy(session, nodes=[first]))
    started = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    make_node_execution(
        session,
        execution,
        1,
        status="failed",
        error="boom",
        error_code="node_error",
        started_at=started,
        metadata_json={"sandbox_ms": 1.5, "stdout": "é\n"},
    )
    make_node_execution(
        session, execution, 0, status="succeeded", output_text="HELLO", execution_time_ms=3
    )
    make_node_execution(session, other, 0)

    rows = read_node_executions(session=session, execution_id=execution.id)

    listed = list_node_executions(session=session, execution_id=execution.id)
    assert rows == [NodeExecutionPublic.model_validate(node) for node in listed]
    assert [row.position for row in rows] == [0, 1]
    assert rows[1].metadata == {"sandbox_ms": 1.5, "stdout": "é\n"}
    assert rows[1].started_at == started
    assert read_node_executions(session=session, execution_id=uuid.uuid4()) == []


def test_one_node_execution_per_position(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))
    make_node_execution(session, execution, 0)

    with pytest.raises(AlreadyExistsError) as caught:
        make_node_execution(session, execution, 0)

    assert caught.value.field == "position"


def test_node_execution_status_is_checked(session: Session) -> None:
    strategy = make_strategy(session, nodes=[make_node(session), make_node(session)])
    execution = make_execution(session, strategy)

    make_node_execution(session, execution, 0, status="skipped")
    with pytest.raises(ValidationError) as caught:
        make_node_execution(session, execution, 1, status="exploded")

    assert caught.value.field == "status"


# two requests with one idempotency key, two connections


def _wait_for_a_lock_wait(database: Database, seconds: float = 10) -> None:
    """Until a connection to ``database`` waits on a lock (PostgreSQL); a pause on SQLite,
    whose second writer waits before it even begins."""
    if not database.is_postgres:
        time.sleep(0.2)
        return
    deadline = time.monotonic() + seconds
    with psycopg.connect(admin_url(), autocommit=True) as admin:
        while time.monotonic() < deadline:
            waiting = admin.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = %s AND wait_event_type = 'Lock'",
                (database.name,),
            ).fetchone()
            if waiting and waiting[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the second request never waited for the first")


def test_racing_requests_with_one_idempotency_key_get_one_execution(
    migrated_database: Database,
) -> None:
    engine = engine_for(migrated_database)
    try:
        with Session(engine) as setup, setup.begin():
            user_id = make_user(setup).id
            strategy_id = make_strategy(setup).id
        execution_in = ExecutionCreate(
            strategy_id=strategy_id, input_text="once", idempotency_key="retry-safe"
        )

        def request(session: Session) -> tuple[ChainExecution, bool]:
            strategy = get_strategy(session=session, strategy_id=strategy_id)
            return create_execution(
                session=session, strategy=strategy, execution_in=execution_in, created_by_id=user_id
            )

        outcome: dict[str, Any] = {}

        def second_request() -> None:
            try:
                with Session(engine) as session, session.begin():
                    execution, created = request(session)
                    outcome["result"] = (execution.id, created)
            except BaseException as exc:  # handed to the test thread
                outcome["error"] = exc

        with Session(engine) as first:
            first.begin()
            winner, created = request(first)
            winner_id = winner.id
            assert created is True
            racer = threading.Thread(target=second_request)
            racer.start()
            _wait_for_a_lock_wait(migrated_database)
            first.commit()
        racer.join(timeout=30)

        assert not racer.is_alive()
        assert "error" not in outcome, outcome.get("error")
        assert outcome["result"] == (winner_id, False)
        with Session(engine) as check:
            _, count = list_executions(
                session=check, filters=ExecutionFilter(strategy_id=strategy_id)
            )
            assert count == 1
    finally:
        engine.dispose()
