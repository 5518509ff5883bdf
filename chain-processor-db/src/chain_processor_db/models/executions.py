"""The ``chain_executions`` queue-and-history table and its ``node_executions``.

An execution is also a queue entry: ``status = 'pending'`` rows are claimed by workers in
``priority`` then age order; a claimed row carries the ``worker_id`` and a
``lease_expires_at`` that the worker renews while it runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chain_processor_db.base import Base, Timestamps, UUIDPrimaryKey

_EXECUTION_STATUSES = "'pending', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'"
_NODE_STATUSES = _EXECUTION_STATUSES + ", 'skipped'"


class ChainExecution(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "chain_executions"

    strategy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_strategies.id", ondelete="RESTRICT")
    )
    strategy_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("strategy_versions.id", ondelete="RESTRICT")
    )
    input_text: Mapped[str] = mapped_column(Text)
    output_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    max_attempts: Mapped[int] = mapped_column(default=3, server_default="3")
    worker_id: Mapped[str | None] = mapped_column(String(128))
    lease_expires_at: Mapped[datetime | None]
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default="0")
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    parent_execution_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("chain_executions.id", ondelete="SET NULL")
    )
    start_position: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    execution_time_ms: Mapped[int | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __table_args__ = (
        Index("ix_chain_executions_strategy_id", "strategy_id"),
        Index("ix_chain_executions_status", "status"),
        Index("ix_chain_executions_queue", "status", "priority", "created_at"),
        Index("ix_chain_executions_lease", "status", "lease_expires_at"),
        Index("ix_chain_executions_created_at", "created_at"),
        Index("ix_chain_executions_created_by_id", "created_by_id"),
        UniqueConstraint("created_by_id", "idempotency_key"),
        CheckConstraint(f"status IN ({_EXECUTION_STATUSES})", name="status_known"),
        CheckConstraint("length(input_text) > 0", name="input_not_empty"),
        CheckConstraint("priority BETWEEN -100 AND 100", name="priority_range"),
        CheckConstraint("start_position >= 0", name="start_position_not_negative"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class NodeExecution(UUIDPrimaryKey, Timestamps, Base):
    """What one step of an execution did. One row per (execution, position), so a retried
    execution overwrites its earlier attempt instead of adding duplicates."""

    __tablename__ = "node_executions"

    execution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_executions.id", ondelete="CASCADE")
    )
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    node_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("node_versions.id", ondelete="RESTRICT")
    )
    position: Mapped[int]
    input_text: Mapped[str | None] = mapped_column(Text)
    output_text: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    execution_time_ms: Mapped[int | None]
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)

    __table_args__ = (
        UniqueConstraint("execution_id", "position"),
        Index("ix_node_executions_execution_id", "execution_id"),
        Index("ix_node_executions_node_id", "node_id"),
        Index("ix_node_executions_status", "status"),
        CheckConstraint(f"status IN ({_NODE_STATUSES})", name="status_known"),
    )
