"""A/B runs (``ab_runs``) and weighted traffic splits of a chain (``traffic_splits``).

An A/B run is two ordinary executions of the same input, each pinned to a chain version,
linked by one row. A traffic split routes submissions that name no version: ``variants`` is
a list of ``{"version": "1.2.0", "weight": 90}`` whose weights sum to 100.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from chain_processor_db.base import Base, JSONType, UUIDPrimaryKey, utcnow


class AbRun(UUIDPrimaryKey, Base):
    __tablename__ = "ab_runs"

    input_text: Mapped[str] = mapped_column(Text)
    execution_a_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_executions.id", ondelete="CASCADE")
    )
    execution_b_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_executions.id", ondelete="CASCADE")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_ab_runs_created_at", "created_at"),
        Index("ix_ab_runs_execution_a_id", "execution_a_id"),
        Index("ix_ab_runs_execution_b_id", "execution_b_id"),
    )


class TrafficSplit(Base):
    """How submissions without a version are shared between versions of one chain."""

    __tablename__ = "traffic_splits"

    strategy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_strategies.id", ondelete="CASCADE"), primary_key=True
    )
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
