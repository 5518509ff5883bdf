"""The execution queue: named statements on ``chain_executions``, one round trip each.

Every status change below names the status it leaves in its ``WHERE`` clause, so it can
only fire from that status, and :data:`STATEMENT_TRANSITIONS` lists each change; a unit test
checks them all against core's transition table (``chain_processor_core.models.status``)::

    claim_executions        pending → running          (attempts + 1, lease, worker_id)
    finish_execution        running → succeeded | failed | cancelled | timed_out
                            only WHERE worker_id = :me: a worker that lost its lease is refused
    hand_back_executions    running → pending (cancelled when a cancel was requested)
    reap_expired_leases     running → pending while attempts < max_attempts, else failed
                            with error_code 'lease_expired' (the dead letter)

``renew_leases`` and ``touch_execution`` move the lease forward without changing the status.
Statements take a ``Connection`` inside a transaction the caller keeps short (PgBouncer in
transaction pooling: no session state survives a transaction). On PostgreSQL the claim is
``WITH candidates AS MATERIALIZED (SELECT id … FOR UPDATE SKIP LOCKED LIMIT n) UPDATE …
WHERE id IN (SELECT id FROM candidates) RETURNING …``; SQLite ignores ``FOR UPDATE`` and
serialises writers (``BEGIN IMMEDIATE``), which is as safe.
Timestamps come from the worker's clock: hosts must keep it synchronised (NTP).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Update,
    bindparam,
    case,
    func,
    insert,
    select,
    text,
    update,
)

from chain_processor_core.models.status import ExecutionStatus as Status
from chain_processor_db.base import utcnow
from chain_processor_db.models import ChainExecution as Execution
from chain_processor_executor.recording import EVENTS_CHANNEL

LEASE_EXPIRED = "lease_expired"

STATEMENT_TRANSITIONS: dict[str, tuple[tuple[Status, Status], ...]] = {
    "claim_executions": ((Status.PENDING, Status.RUNNING),),
    "finish_execution": tuple(
        (Status.RUNNING, final)
        for final in (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED, Status.TIMED_OUT)
    ),
    "hand_back_executions": ((Status.RUNNING, Status.PENDING), (Status.RUNNING, Status.CANCELLED)),
    "reap_expired_leases": (
        (Status.RUNNING, Status.PENDING),
        (Status.RUNNING, Status.FAILED),
        (Status.RUNNING, Status.CANCELLED),
    ),
}


@dataclass(frozen=True)
class ClaimedExecution:
    """What a worker needs to run an execution it claimed."""

    id: uuid.UUID
    strategy_id: uuid.UUID
    strategy_version_id: uuid.UUID
    input_text: str
    start_position: int
    parent_execution_id: uuid.UUID | None
    attempts: int
    priority: int
    created_at: datetime
    started_at: datetime
    metadata: dict[str, Any] = field(default_factory=dict)
    """The execution's metadata: the API stores ``request_id`` and ``traceparent`` there."""
    created_by_id: uuid.UUID | None = None
    """Who submitted it: with the chain version, the trust domain of its sandbox runs."""

    @property
    def trust_domain(self) -> str | None:
        """Runs that may share a sandbox process (one user's runs of one chain version), or
        ``None`` when the submitter is unknown (the run then gets a process of its own)."""
        if self.created_by_id is None:
            return None
        return f"{self.created_by_id}:{self.strategy_version_id}"


def _claim_statement() -> Update:
    """The claim on SQLite, built once: its parameters are ``worker_id``, ``limit``, ``now``
    and ``lease_expires_at``. Building it per claim cost more than running it. PostgreSQL
    runs the same claim in migration 0007's function (:data:`_CLAIM_POSTGRES`)."""
    # MATERIALIZED: the candidates are chosen (and locked) exactly once; a plain IN
    # (subquery) may be re-run by the planner and claim more than `limit` rows.
    candidates = (
        select(Execution.id)
        .where(Execution.status == Status.PENDING.value)
        .order_by(Execution.priority.desc(), Execution.created_at, Execution.id)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    now = bindparam("now", type_=Execution.started_at.type)
    return (
        update(Execution)
        .where(Execution.id.in_(select(candidates.c.id)))
        .where(Execution.status == Status.PENDING.value)
        .values(
            status=Status.RUNNING.value,
            worker_id=bindparam("worker_id", type_=Execution.worker_id.type),
            lease_expires_at=bindparam("lease_expires_at", type_=Execution.lease_expires_at.type),
            attempts=Execution.attempts + 1,
            started_at=func.coalesce(Execution.started_at, now),
        )
        .returning(
            Execution.id,
            Execution.strategy_id,
            Execution.strategy_version_id,
            Execution.input_text,
            Execution.start_position,
            Execution.parent_execution_id,
            Execution.attempts,
            Execution.priority,
            Execution.created_at,
            Execution.started_at,
            Execution.metadata_json.label("metadata"),
            Execution.created_by_id,
        )
    )


_CLAIM = _claim_statement()

_CLAIM_POSTGRES = text(
    "SELECT * FROM claim_executions(:worker_id, :limit, :now, :lease_expires_at)"
)
"""The same claim as migration 0007's function on PostgreSQL: planned once per server
connection instead of on every call through PgBouncer (executor ADR-0009)."""


def claim_executions(
    connection: Connection, *, worker_id: str, limit: int, lease_s: float
) -> list[ClaimedExecution]:
    """Claim up to ``limit`` pending executions, highest priority then oldest first."""
    now = utcnow()
    parameters = {
        "worker_id": worker_id,
        "limit": limit,
        "now": now,
        "lease_expires_at": now + timedelta(seconds=lease_s),
    }
    statement = _CLAIM_POSTGRES if connection.dialect.name == "postgresql" else _CLAIM
    rows = connection.execute(statement, parameters)
    claimed = [ClaimedExecution(**row._asdict()) for row in rows]
    return sorted(claimed, key=lambda e: (-e.priority, e.created_at, e.id))


def renew_leases(
    connection: Connection, *, worker_id: str, execution_ids: Sequence[uuid.UUID], lease_s: float
) -> dict[uuid.UUID, bool]:
    """The heartbeat: extend the leases this worker still holds. Returns, for each, whether
    a cancel was requested; an execution missing from the answer was lost."""
    if not execution_ids:
        return {}
    statement = (
        update(Execution)
        .where(
            Execution.id.in_(execution_ids),
            Execution.worker_id == worker_id,
            Execution.status == Status.RUNNING.value,
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
        .returning(Execution.id, Execution.cancel_requested)
    )
    return {row.id: row.cancel_requested for row in connection.execute(statement)}


def touch_execution(
    connection: Connection, *, execution_id: uuid.UUID, worker_id: str, lease_s: float
) -> bool | None:
    """Extend one lease before recording progress (and lock the row for this transaction).
    Returns whether a cancel was requested, or ``None`` when this worker lost the lease."""
    held = renew_leases(
        connection, worker_id=worker_id, execution_ids=[execution_id], lease_s=lease_s
    )
    return held.get(execution_id)


def cancel_requested_ids(connection: Connection, *, worker_id: str) -> set[uuid.UUID]:
    """The executions this worker runs whose cancel was requested."""
    statement = select(Execution.id).where(
        Execution.worker_id == worker_id,
        Execution.status == Status.RUNNING.value,
        Execution.cancel_requested,
    )
    return set(connection.scalars(statement))


def finish_execution(
    connection: Connection,
    *,
    execution_id: uuid.UUID,
    worker_id: str,
    status: Status,
    started_at: datetime,
    output_text: str | None = None,
    error: str | None = None,
    error_code: str | None = None,
    now: datetime | None = None,
    notify: bool = False,
) -> bool:
    """Record the end of a run (at ``now``, by default the current time). ``False`` when the
    worker no longer holds the lease (the execution was reaped, handed back or finished
    elsewhere): the late result is dropped. With ``notify`` (PostgreSQL), the same statement
    publishes the end on ``chain_execution_events`` (one round trip in autocommit)."""
    if not status.is_final:
        raise ValueError(f"{status.value} is not a final status")
    now = now or utcnow()
    statement = (
        update(Execution)
        .where(
            Execution.id == execution_id,
            Execution.worker_id == worker_id,
            Execution.status == Status.RUNNING.value,
        )
        .values(
            status=status.value,
            output_text=output_text,
            error=error,
            error_code=error_code,
            completed_at=now,
            execution_time_ms=max(0, round((now - started_at).total_seconds() * 1000)),
            worker_id=None,
            lease_expires_at=None,
        )
        .returning(Execution.id)
    )
    if notify:
        payload = {"execution_id": str(execution_id), "position": None, "status": status.value}
        statement = statement.returning(func.pg_notify(EVENTS_CHANNEL, json.dumps(payload)))
    return connection.execute(statement).first() is not None


def hand_back_executions(
    connection: Connection,
    *,
    worker_id: str,
    execution_ids: Sequence[uuid.UUID] | None = None,
    count_attempt: bool = False,
) -> list[uuid.UUID]:
    """Give a worker's running executions back to the queue; a requested cancel wins.

    A worker that stops on purpose hands back with ``count_attempt=False`` (the run was not
    the execution's fault); the supervisor, for a worker that died, counts it, so an
    execution that keeps killing workers ends as a dead letter."""
    statement = update(Execution).where(
        Execution.worker_id == worker_id, Execution.status == Status.RUNNING.value
    )
    if execution_ids is not None:
        statement = statement.where(Execution.id.in_(execution_ids))
    cancelled = Execution.cancel_requested
    statement = statement.values(
        status=case((cancelled, Status.CANCELLED.value), else_=Status.PENDING.value),
        error=case((cancelled, "Cancelled while its worker stopped"), else_=Execution.error),
        error_code=case((cancelled, "cancelled"), else_=Execution.error_code),
        completed_at=case((cancelled, utcnow()), else_=None),
        attempts=Execution.attempts if count_attempt else Execution.attempts - 1,
        worker_id=None,
        lease_expires_at=None,
    )
    return list(connection.scalars(statement.returning(Execution.id)))


def reap_expired_leases(connection: Connection) -> dict[uuid.UUID, Status]:
    """Executions whose worker stopped renewing its lease: back to pending while attempts
    remain, else failed with ``error_code = 'lease_expired'``. Safe to run anywhere, any
    number of times at once: each row changes once."""
    now = utcnow()
    retry = Execution.attempts < Execution.max_attempts
    cancelled = Execution.cancel_requested
    dead_message = "Its worker stopped answering on every attempt (lease expired)"
    statement = (
        update(Execution)
        .where(Execution.status == Status.RUNNING.value, Execution.lease_expires_at < now)
        .values(
            status=case(
                (cancelled, Status.CANCELLED.value),
                (retry, Status.PENDING.value),
                else_=Status.FAILED.value,
            ),
            error=case((cancelled, "Cancelled"), (retry, Execution.error), else_=dead_message),
            error_code=case(
                (cancelled, "cancelled"), (retry, Execution.error_code), else_=LEASE_EXPIRED
            ),
            completed_at=case((cancelled, now), (retry, None), else_=now),
            worker_id=None,
            lease_expires_at=None,
        )
        .returning(Execution.id, Execution.status)
    )
    return {row.id: Status(row.status) for row in connection.execute(statement)}


def list_dead_letters(connection: Connection, *, limit: int = 100) -> list[dict[str, Any]]:
    """Executions that failed because their worker kept dying, newest first."""
    statement = (
        select(Execution.id, Execution.attempts, Execution.error, Execution.completed_at)
        .where(Execution.status == Status.FAILED.value, Execution.error_code == LEASE_EXPIRED)
        .order_by(Execution.completed_at.desc())
        .limit(limit)
    )
    return [row._asdict() for row in connection.execute(statement)]


def requeue_dead_letter(connection: Connection, *, execution_id: uuid.UUID) -> uuid.UUID | None:
    """Queue a new execution with the dead letter's input and pinned version (a final status
    never changes, so the dead letter stays as it is). ``None`` if it is not a dead letter."""
    dead = connection.execute(
        select(
            Execution.id,
            Execution.strategy_id,
            Execution.strategy_version_id,
            Execution.input_text,
            Execution.priority,
            Execution.max_attempts,
            Execution.created_by_id,
            Execution.metadata_json.label("metadata_json"),
        ).where(
            Execution.id == execution_id,
            Execution.status == Status.FAILED.value,
            Execution.error_code == LEASE_EXPIRED,
        )
    ).first()
    if dead is None:
        return None
    new_id = uuid.uuid4()
    connection.execute(
        insert(Execution).values(
            id=new_id,
            strategy_id=dead.strategy_id,
            strategy_version_id=dead.strategy_version_id,
            input_text=dead.input_text,
            priority=dead.priority,
            max_attempts=dead.max_attempts,
            parent_execution_id=dead.id,
            created_by_id=dead.created_by_id,
            metadata_json={**dead.metadata_json, "requeued_from": str(dead.id)},
        )
    )
    return new_id


def queue_depth(connection: Connection) -> int:
    """How many executions wait to be claimed."""
    statement = select(func.count()).where(Execution.status == Status.PENDING.value)
    return int(connection.scalar(statement) or 0)
