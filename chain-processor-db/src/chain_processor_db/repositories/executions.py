"""Query functions for chain executions and their node executions.

Status changes go through :func:`chain_processor_core.models.status.check_transition`, so
no code path can move an execution out of a final status.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Column, bindparam, func, insert, inspect, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    AlreadyExistsError,
    ChainValidationError,
    ExecutionNotFoundError,
    InvalidTransitionError,
)
from chain_processor_core.models.executions import (
    ExecutionCreate,
    ExecutionFilter,
    NodeExecutionPublic,
)
from chain_processor_core.models.status import ExecutionStatus, check_transition
from chain_processor_db.base import json_value, utcnow
from chain_processor_db.errors import flush, translate_errors
from chain_processor_db.models import AuditLog, ChainExecution, NodeExecution
from chain_processor_db.notify import notify_after_write
from chain_processor_db.repositories._pages import read_rows
from chain_processor_db.repositories.strategies import (
    RunnableChain,
    VersionLookup,
    get_runnable_version_id,
)


def create_execution(
    *,
    session: Session,
    strategy: RunnableChain,
    execution_in: ExecutionCreate,
    created_by_id: uuid.UUID | None,
    known_version: VersionLookup | None = None,
) -> tuple[ChainExecution, bool]:
    """Queue a run of ``strategy`` pinned to one of its versions (``known_version`` saves
    reading it again when it is the one the run pins).

    Returns the execution and whether it was created: a repeated idempotency key of the
    same user returns the execution the first request created.
    """
    if execution_in.idempotency_key is not None:
        existing = find_by_idempotency_key(session, created_by_id, execution_in.idempotency_key)
        if existing is not None:
            return existing, False
    if not strategy.is_active:
        raise ChainValidationError("The chain is not active", field="strategy_id")
    version_id = get_runnable_version_id(
        session=session, strategy=strategy, version=execution_in.version, known=known_version
    )
    execution = new_execution(
        strategy_id=strategy.id,
        version_id=version_id,
        execution_in=execution_in,
        created_by_id=created_by_id,
    )
    if execution_in.idempotency_key is None:
        session.add(execution)
        flush(session)
        return execution, True
    try:  # a savepoint, so that losing a race on the key leaves the transaction usable
        with session.begin_nested():
            session.add(execution)
            flush(session)
    except AlreadyExistsError:
        # Another request with the same key won the race: return what it created.
        winner = find_by_idempotency_key(session, created_by_id, execution_in.idempotency_key)
        if winner is None:  # pragma: no cover - the unique violation says it exists
            raise
        return winner, False
    return execution, True


_EXECUTIONS = ChainExecution.metadata.tables[ChainExecution.__tablename__]
_AUDIT_LOG = AuditLog.metadata.tables[AuditLog.__tablename__]
_IDEMPOTENCY = ["created_by_id", "idempotency_key"]
_EXECUTION_COLUMNS = tuple(
    (attribute.key, _EXECUTIONS.c[attribute.columns[0].name])
    for attribute in inspect(ChainExecution).column_attrs
)
"""Each column of an execution: its attribute's name and the table's column (read once)."""


def new_execution(
    *,
    strategy_id: uuid.UUID,
    version_id: uuid.UUID,
    execution_in: ExecutionCreate,
    created_by_id: uuid.UUID | None,
) -> ChainExecution:
    """A pending execution not stored yet, with every column filled in as an insert would
    fill it (its id and times included), for :func:`queue_execution`."""
    columns: dict[str, Any] = {key: _default_of(column) for key, column in _EXECUTION_COLUMNS}
    columns.update(
        strategy_id=strategy_id,
        strategy_version_id=version_id,
        input_text=execution_in.input_text,
        priority=execution_in.priority,
        idempotency_key=execution_in.idempotency_key,
        created_by_id=created_by_id,
        metadata_json=dict(execution_in.metadata),
    )
    return ChainExecution(**columns)


def queue_execution(
    *, session: Session, execution: ChainExecution, audit: dict[str, Any], channel: str
) -> bool:
    """Store ``execution`` (from :func:`new_execution`) with its ``audit_log`` row (the
    columns of :class:`AuditLog` but its id and time), all or nothing, and on PostgreSQL
    ``NOTIFY channel`` with its id once it is stored.

    On PostgreSQL the write is one statement, so a session in autocommit stores it in one
    round trip, with no ``BEGIN`` or ``COMMIT``; the notification follows in a transaction of
    its own that does not wait for the WAL flush (:mod:`chain_processor_db.notify`), or, in
    a session with an open transaction, goes with its commit. Otherwise the caller commits.
    Returns False, having stored and notified nothing, when the submitter already used the
    execution's idempotency key (the caller reads the first run).
    """
    row = {column.name: getattr(execution, key) for key, column in _EXECUTION_COLUMNS}
    entry = {"id": uuid.uuid4(), "created_at": utcnow(), **audit}
    with translate_errors():
        if session.get_bind().dialect.name == "postgresql":
            parameters = {"execution": _as_json(row), "audit": _as_json(entry)}
            if session.execute(_QUEUE_POSTGRES, parameters).scalar_one() is None:
                return False
            notify_after_write(session.connection(), channel, str(execution.id))
            return True
        stored = session.execute(
            sqlite_insert(_EXECUTIONS)
            .values(row)
            .on_conflict_do_nothing(index_elements=_IDEMPOTENCY)
            .returning(_EXECUTIONS.c.id)
        ).first()
        if stored is None:
            return False
        session.execute(insert(_AUDIT_LOG).values(entry))
        return True


_QUEUE_POSTGRES = text(
    "SELECT queue_execution(CAST(:execution AS jsonb), CAST(:audit AS jsonb)) AS id"
)
"""Migration 0007's function: ``WITH queued AS (INSERT … ON CONFLICT DO NOTHING RETURNING
id), audited AS (INSERT … FROM queued) SELECT id FROM queued``, planned once per server
connection (through PgBouncer a statement is parsed and planned on every call). A conflict
on the idempotency key leaves ``queued`` empty, and with it the audit row: NULL."""


def _as_json(values: dict[str, Any]) -> str:
    """A row as ``jsonb_populate_record`` reads it: ids and times as text."""
    return json.dumps({name: json_value(value) for name, value in values.items()})


def _default_of(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if default.is_callable:  # wrapped by SQLAlchemy to take an execution context
        return default.arg(None)  # type: ignore[attr-defined]
    return default.arg  # type: ignore[attr-defined]


def get_execution(*, session: Session, execution_id: uuid.UUID) -> ChainExecution:
    execution = session.get(ChainExecution, execution_id)
    if execution is None:
        raise ExecutionNotFoundError()
    return execution


def list_executions(
    *, session: Session, filters: ExecutionFilter
) -> tuple[Sequence[ChainExecution], int]:
    query = select(ChainExecution)
    if filters.status is not None:
        query = query.where(ChainExecution.status == filters.status.value)
    if filters.strategy_id is not None:
        query = query.where(ChainExecution.strategy_id == filters.strategy_id)
    if filters.created_by_id is not None:
        query = query.where(ChainExecution.created_by_id == filters.created_by_id)
    if filters.created_after is not None:
        query = query.where(ChainExecution.created_at >= filters.created_after)
    if filters.created_before is not None:
        query = query.where(ChainExecution.created_at < filters.created_before)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(ChainExecution.created_at.desc(), ChainExecution.id)
    return session.scalars(page.offset(filters.offset).limit(filters.limit)).all(), count


def list_node_executions(*, session: Session, execution_id: uuid.UUID) -> Sequence[NodeExecution]:
    query = select(NodeExecution).where(NodeExecution.execution_id == execution_id)
    return session.scalars(query.order_by(NodeExecution.position)).all()


_NODE_EXECUTIONS = NodeExecution.metadata.tables[NodeExecution.__tablename__]
_STEPS_OF_EXECUTION = (
    select(*_NODE_EXECUTIONS.columns)
    .where(_NODE_EXECUTIONS.c.execution_id == bindparam("execution_id"))
    .order_by(_NODE_EXECUTIONS.c.position)
)


def read_node_executions(*, session: Session, execution_id: uuid.UUID) -> list[NodeExecutionPublic]:
    """What :func:`list_node_executions` lists, in its public shape, read as plain rows
    (ADR-0006): for the live streams, which read it after every change of a run."""
    rows = read_rows(session, _STEPS_OF_EXECUTION, {"execution_id": execution_id})
    return [NodeExecutionPublic.model_validate(row) for row in rows]


def transition_execution(
    *,
    session: Session,
    execution: ChainExecution,
    status: ExecutionStatus,
    **fields: Any,
) -> ChainExecution:
    """Move ``execution`` to ``status`` (checked against the transition table) and set
    ``fields`` with it; final statuses also stamp ``completed_at`` and the run time."""
    check_transition(execution.status, status)
    execution.status = status.value
    now = utcnow()
    if status is ExecutionStatus.RUNNING and execution.started_at is None:
        execution.started_at = now
    if status.is_final:
        execution.completed_at = now
        execution.worker_id = None
        execution.lease_expires_at = None
        if execution.started_at is not None:
            execution.execution_time_ms = _elapsed_ms(execution.started_at, now)
    for name, value in fields.items():
        setattr(execution, name, value)
    flush(session)
    return execution


def request_cancel(*, session: Session, execution: ChainExecution) -> ChainExecution:
    """Cancel a pending execution now, or ask the worker running it to stop."""
    status = ExecutionStatus(execution.status)
    if status.is_final:
        raise InvalidTransitionError(f"The execution already ended: it is {status.value}")
    if status is ExecutionStatus.PENDING:
        return transition_execution(
            session=session,
            execution=execution,
            status=ExecutionStatus.CANCELLED,
            error="Cancelled before it started",
            error_code="cancelled",
        )
    execution.cancel_requested = True
    flush(session)
    return execution


def find_by_idempotency_key(
    session: Session, user_id: uuid.UUID | None, key: str
) -> ChainExecution | None:
    """The execution ``user_id`` submitted with idempotency key ``key``, if any."""
    return session.scalar(
        select(ChainExecution).where(
            ChainExecution.created_by_id == user_id, ChainExecution.idempotency_key == key
        )
    )


def _elapsed_ms(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds() * 1000))
