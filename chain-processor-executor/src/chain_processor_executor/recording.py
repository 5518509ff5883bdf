"""Writing what nodes did: one ``node_executions`` row per (execution, position), upserted so
a retried execution overwrites its earlier attempt, and a ``NOTIFY`` per change on PostgreSQL.

Channel ``chain_execution_events``; payload ``{"execution_id", "position", "status"}``
(``position`` is ``null`` for the end of the whole execution). ``NOTIFY`` is delivered when
the transaction commits, so a watcher never hears of a row it cannot read yet.

Rows are written in batches: on PostgreSQL one call of a function of migration 0007
(:data:`RECORD_NODES_SQL`, run in autocommit: one round trip) renews the lease if this worker
still holds it and upserts the rows only then; the end of a run (:data:`FINISH_SQL`) carries
the last rows and the end in one call too. Each is followed by one notification. Elsewhere
it is one transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from chain_processor_core.models.status import ExecutionStatus, NodeExecutionStatus
from chain_processor_db.base import utcnow
from chain_processor_db.models import NodeExecution
from chain_processor_db.notify import notify_after_write

EVENTS_CHANNEL = "chain_execution_events"


@dataclass
class NodeRecord:
    """One finished node, as stored."""

    execution_id: uuid.UUID
    node_id: uuid.UUID
    node_version_id: uuid.UUID
    position: int
    input_text: str | None
    status: NodeExecutionStatus
    started_at: datetime
    completed_at: datetime
    output_text: str | None = None
    error: str | None = None
    error_code: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """Column names (not ORM attribute names) to their values."""
        elapsed = (self.completed_at - self.started_at).total_seconds() * 1000
        return {
            "execution_id": self.execution_id,
            "node_id": self.node_id,
            "node_version_id": self.node_version_id,
            "position": self.position,
            "input_text": self.input_text,
            "output_text": self.output_text,
            "error": self.error,
            "error_code": self.error_code,
            "status": self.status.value,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "execution_time_ms": max(0, round(elapsed)),
            "metadata": self.metadata,
        }


def upsert_node_execution(connection: Connection, record: NodeRecord) -> None:
    values = record.values()
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = NodeExecution.__table__
    assert isinstance(table, Table)
    statement = insert(table).values(id=uuid.uuid4(), created_at=utcnow(), **values)
    changed = {key: statement.excluded[key] for key in values if key != "position"}
    statement = statement.on_conflict_do_update(
        index_elements=[NodeExecution.execution_id, NodeExecution.position],
        set_={**changed, "updated_at": utcnow()},
    )
    connection.execute(statement)


RECORD_NODES_SQL = text(
    "SELECT record_node_executions(CAST(:rows AS jsonb), :execution_id, :worker_id, "
    ":lease_expires_at, :now) AS cancel_requested"
)
"""Renew the lease if this worker holds it; only then upsert the node rows (migration
0007's function: planned once per server connection, executor ADR-0009). NULL when the
lease is lost, else whether a cancel was requested."""

FINISH_SQL = text(
    "SELECT finish_execution(CAST(:rows AS jsonb), :execution_id, :worker_id, :status, "
    ":output_text, :error, :error_code, :now, :execution_time_ms) AS finished"
)
"""End the run if this worker holds it; only then upsert the last node rows (migration
0007's function). Whether it ended the run."""


def notify_without_flush(connection: Connection, payload: str) -> None:
    """Publish ``payload`` on ``chain_execution_events`` after the write it announces, in a
    transaction of its own that does not wait for the WAL flush (PostgreSQL, autocommit):
    with the NOTIFY inside the write, the writes of every run waited on each other's fsync
    (at S2's rates 18 backends at once on ``Lock:object``; executor ADR-0007,
    :mod:`chain_processor_db.notify`)."""
    notify_after_write(connection, EVENTS_CHANNEL, payload)


def _rows(records: Sequence[NodeRecord]) -> str:
    """The rows as the JSON ``_NODE_ROWS`` reads: ids and times as text up front (a
    ``default=`` hook called per value was a tenth of a worker's CPU at S2), each row's own
    id drawn by PostgreSQL and its execution given by the statement."""
    rows = []
    for record in records:
        row = record.values()
        del row["execution_id"]
        row["node_id"], row["node_version_id"] = str(record.node_id), str(record.node_version_id)
        row["started_at"] = record.started_at.isoformat()
        row["completed_at"] = record.completed_at.isoformat()
        rows.append(row)
    return json.dumps(rows)


def record_nodes_postgres(
    connection: Connection,
    records: Sequence[NodeRecord],
    *,
    execution_id: uuid.UUID,
    worker_id: str,
    lease_expires_at: datetime,
) -> bool | None:
    """Renew the lease and upsert ``records`` in one statement, then notify them with one
    notification (PostgreSQL, an autocommit connection). Returns whether a cancel was
    requested, or ``None`` when this worker lost the lease (then nothing was written)."""
    cancel = connection.execute(
        RECORD_NODES_SQL,
        {
            "rows": _rows(records),
            "execution_id": execution_id,
            "worker_id": worker_id,
            "lease_expires_at": lease_expires_at,
            "now": utcnow(),
        },
    ).scalar_one()
    if cancel is None:
        return None
    notify_without_flush(connection, progress_payload(execution_id, [r.position for r in records]))
    return bool(cancel)


def finish_postgres(
    connection: Connection,
    records: Sequence[NodeRecord],
    *,
    execution_id: uuid.UUID,
    worker_id: str,
    status: ExecutionStatus,
    started_at: datetime,
    now: datetime,
    output_text: str | None = None,
    error: str | None = None,
    error_code: str | None = None,
) -> bool:
    """End the run with its last node rows in one statement, then notify them with the end
    (PostgreSQL, an autocommit connection); ``False`` when this worker no longer holds the
    lease (nothing written)."""
    if not status.is_final:
        raise ValueError(f"{status.value} is not a final status")
    finished = connection.execute(
        FINISH_SQL,
        {
            "rows": _rows(records),
            "execution_id": execution_id,
            "worker_id": worker_id,
            "status": status.value,
            "output_text": output_text,
            "error": error,
            "error_code": error_code,
            "now": now,
            "execution_time_ms": max(0, round((now - started_at).total_seconds() * 1000)),
        },
    ).scalar_one()
    if not finished:
        return False
    positions = [record.position for record in records]
    notify_without_flush(connection, progress_payload(execution_id, positions, status.value))
    return True


def progress_payload(
    execution_id: uuid.UUID, positions: Sequence[int], status: str | None = None
) -> str:
    """What ``chain_execution_events`` carries for one write: the execution, the first and
    last position of the node rows written (``null`` when none) and, when the write ended
    the execution, its final status (else ``null``)."""
    nodes = [min(positions), max(positions)] if positions else None
    return json.dumps({"execution_id": str(execution_id), "nodes": nodes, "status": status})


def notify_progress(
    connection: Connection,
    execution_id: uuid.UUID,
    positions: Sequence[int],
    status: str | None = None,
) -> None:
    """Tell watchers (``LISTEN chain_execution_events``) on commit; nothing on SQLite."""
    if connection.dialect.name != "postgresql":
        return
    payload = progress_payload(execution_id, positions, status)
    connection.execute(select(func.pg_notify(EVENTS_CHANNEL, payload)))


def copy_earlier_outputs(
    connection: Connection,
    *,
    execution_id: uuid.UUID,
    parent_execution_id: uuid.UUID,
    start_position: int,
) -> str | None:
    """For a re-run from ``start_position``: copy the parent's node rows before it into
    this execution and return the text the first re-run node gets, or ``None`` when the
    parent has no successful output for every earlier position."""
    rows = connection.execute(
        select(NodeExecution)
        .where(
            NodeExecution.execution_id == parent_execution_id,
            NodeExecution.position < start_position,
        )
        .order_by(NodeExecution.position)
    ).all()
    positions = [row.position for row in rows]
    succeeded = all(row.status == NodeExecutionStatus.SUCCEEDED.value for row in rows)
    if positions != list(range(start_position)) or not succeeded:
        return None
    for row in rows:
        record = NodeRecord(
            execution_id=execution_id,
            node_id=row.node_id,
            node_version_id=row.node_version_id,
            position=row.position,
            input_text=row.input_text,
            output_text=row.output_text,
            status=NodeExecutionStatus.SUCCEEDED,
            started_at=row.started_at or utcnow(),
            completed_at=row.completed_at or utcnow(),
            metadata={"copied_from": str(parent_execution_id)},
        )
        upsert_node_execution(connection, record)
    output: str | None = rows[-1].output_text
    return output
