"""The claim, lease, finish, hand-back and reaper statements on every backend."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, update

from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.models import ChainExecution
from chain_processor_executor import queue
from tests.conftest import Database
from tests.factories import UPPER, execution, make_chain, submit


def claim(engine: Engine, worker: str, limit: int = 10, lease_s: float = 30) -> list[uuid.UUID]:
    with engine.begin() as connection:
        claimed = queue.claim_executions(connection, worker_id=worker, limit=limit, lease_s=lease_s)
    return [c.id for c in claimed]


def expire_leases(engine: Engine) -> None:
    past = datetime.now(UTC) - timedelta(seconds=1)
    with engine.begin() as connection:
        connection.execute(update(ChainExecution).values(lease_expires_at=past))


def test_claim_marks_running_with_worker_lease_and_attempt(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    execution_id = submit(engine, version)
    with engine.begin() as connection:
        [claimed] = queue.claim_executions(connection, worker_id="w1", limit=5, lease_s=30)
    row = execution(engine, execution_id)
    assert claimed.id == execution_id and claimed.attempts == 1
    assert (row.status, row.worker_id, row.attempts) == ("running", "w1", 1)
    assert row.lease_expires_at is not None and row.lease_expires_at > datetime.now(UTC)
    assert row.started_at is not None
    assert claim(engine, "w2") == []


def test_claim_orders_by_priority_then_age(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    now = datetime.now(UTC)
    old_low = submit(engine, version, priority=0, created_at=now - timedelta(minutes=5))
    new_high = submit(engine, version, priority=10, created_at=now)
    old_high = submit(engine, version, priority=10, created_at=now - timedelta(minutes=1))
    new_low = submit(engine, version, priority=0, created_at=now)
    assert claim(engine, "w", limit=3) == [old_high, new_high, old_low]
    assert claim(engine, "w", limit=3) == [new_low]


def test_two_claimers_never_get_the_same_execution(database: Database) -> None:
    engine = database.engine()
    version = make_chain(engine, [UPPER])
    submitted = {submit(engine, version) for _ in range(60)}
    claimed: dict[str, list[uuid.UUID]] = {"a": [], "b": [], "c": []}
    start = threading.Barrier(len(claimed))

    def claimer(name: str) -> None:
        own = database.engine()
        start.wait()
        while batch := claim(own, name, limit=3):
            claimed[name].extend(batch)
        own.dispose()

    threads = [threading.Thread(target=claimer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [i for ids in claimed.values() for i in ids]
    assert len(everything) == len(set(everything)) == len(submitted)
    assert set(everything) == submitted
    engine.dispose()


def test_finish_by_the_lease_holder_records_the_result(engine: Engine) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    claim(engine, "w1")
    started = execution(engine, execution_id).started_at
    assert started is not None
    with engine.begin() as connection:
        finished = queue.finish_execution(
            connection,
            execution_id=execution_id,
            worker_id="w1",
            status=ExecutionStatus.SUCCEEDED,
            started_at=started,
            output_text="HELLO",
        )
    row = execution(engine, execution_id)
    assert finished
    assert (row.status, row.output_text, row.worker_id, row.lease_expires_at) == (
        "succeeded", "HELLO", None, None,
    )  # fmt: skip
    assert row.completed_at is not None and row.execution_time_ms is not None


def test_late_finish_after_losing_the_lease_is_rejected(engine: Engine) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    claim(engine, "w1", lease_s=30)
    expire_leases(engine)
    with engine.begin() as connection:
        assert queue.reap_expired_leases(connection) == {execution_id: ExecutionStatus.PENDING}
    claim(engine, "w2")
    started = datetime.now(UTC)
    with engine.begin() as connection:
        late = queue.finish_execution(
            connection, execution_id=execution_id, worker_id="w1",
            status=ExecutionStatus.FAILED, started_at=started, error="late",
        )  # fmt: skip
        assert (
            queue.touch_execution(connection, execution_id=execution_id, worker_id="w1", lease_s=30)
            is None
        )
    row = execution(engine, execution_id)
    assert not late
    assert (row.status, row.worker_id, row.attempts, row.error) == ("running", "w2", 2, None)


def test_finish_refuses_a_status_that_is_not_final(engine: Engine) -> None:
    with engine.begin() as connection, pytest.raises(ValueError, match="not a final status"):
        queue.finish_execution(
            connection, execution_id=uuid.uuid4(), worker_id="w",
            status=ExecutionStatus.PENDING, started_at=datetime.now(UTC),
        )  # fmt: skip


def test_reaper_returns_expired_leases_then_dead_letters_them(engine: Engine) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER]), max_attempts=2)
    live = submit(engine, make_chain(engine, [UPPER]))
    for attempt, expected in ((1, ExecutionStatus.PENDING), (2, ExecutionStatus.FAILED)):
        assert execution_id in claim(engine, f"w{attempt}", limit=1)
        expire_leases(engine)
        with engine.begin() as connection:
            assert queue.reap_expired_leases(connection) == {execution_id: expected}
    row = execution(engine, execution_id)
    assert (row.status, row.error_code, row.attempts, row.worker_id) == (
        "failed", "lease_expired", 2, None,
    )  # fmt: skip
    assert "lease expired" in (row.error or "")
    assert execution(engine, live).status == "pending"
    with engine.begin() as connection:
        assert queue.reap_expired_leases(connection) == {}
        [dead] = queue.list_dead_letters(connection)
    assert dead["id"] == execution_id and dead["attempts"] == 2


def test_reaper_cancels_an_expired_execution_whose_cancel_was_requested(engine: Engine) -> None:
    execution_id = submit(engine, make_chain(engine, [UPPER]))
    claim(engine, "w1")
    with engine.begin() as connection:
        connection.execute(update(ChainExecution).values(cancel_requested=True))
    expire_leases(engine)
    with engine.begin() as connection:
        assert queue.reap_expired_leases(connection) == {execution_id: ExecutionStatus.CANCELLED}


def test_requeue_dead_letter_queues_a_new_execution(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    dead_id = submit(engine, version, "text", max_attempts=1, priority=5)
    claim(engine, "w1")
    expire_leases(engine)
    with engine.begin() as connection:
        queue.reap_expired_leases(connection)
        new_id = queue.requeue_dead_letter(connection, execution_id=dead_id)
        assert queue.requeue_dead_letter(connection, execution_id=uuid.uuid4()) is None
    assert new_id is not None
    new = execution(engine, new_id)
    assert (new.status, new.input_text, new.priority, new.parent_execution_id) == (
        "pending", "text", 5, dead_id,
    )  # fmt: skip
    assert new.metadata_json["requeued_from"] == str(dead_id)
    assert execution(engine, dead_id).status == "failed"


def test_renew_leases_reports_cancel_requests_and_lost_executions(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    mine, cancelled = submit(engine, version), submit(engine, version)
    claim(engine, "w1")
    with engine.begin() as connection:
        connection.execute(
            update(ChainExecution)
            .where(ChainExecution.id == cancelled)
            .values(cancel_requested=True)
        )
        held = queue.renew_leases(
            connection, worker_id="w1", execution_ids=[mine, cancelled, uuid.uuid4()], lease_s=60
        )
        assert queue.renew_leases(connection, worker_id="w1", execution_ids=[], lease_s=1) == {}
        assert queue.cancel_requested_ids(connection, worker_id="w1") == {cancelled}
    assert held == {mine: False, cancelled: True}
    lease = execution(engine, mine).lease_expires_at
    assert lease is not None and lease > datetime.now(UTC) + timedelta(seconds=45)


def test_hand_back_returns_running_work_to_the_queue(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    back, cancelled, other = (
        submit(engine, version),
        submit(engine, version),
        submit(engine, version),
    )
    claim(engine, "w1", limit=2)
    claim(engine, "w2")
    with engine.begin() as connection:
        connection.execute(
            update(ChainExecution)
            .where(ChainExecution.id == cancelled)
            .values(cancel_requested=True)
        )
        handed = queue.hand_back_executions(connection, worker_id="w1")
        assert queue.hand_back_executions(connection, worker_id="w2", count_attempt=True) == [other]
        assert queue.hand_back_executions(connection, worker_id="w2", execution_ids=[back]) == []
    assert set(handed) == {back, cancelled}
    assert (execution(engine, back).status, execution(engine, back).attempts) == ("pending", 0)
    assert execution(engine, cancelled).status == "cancelled"
    assert (execution(engine, other).status, execution(engine, other).attempts) == ("pending", 1)
