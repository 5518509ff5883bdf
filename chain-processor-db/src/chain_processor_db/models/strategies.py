"""The ``chain_strategies`` table, its steps and its immutable versions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chain_processor_db.base import Base, JSONType, Timestamps, UUIDPrimaryKey, utcnow


class ChainStrategy(UUIDPrimaryKey, Timestamps, Base):
    """A chain: an ordered list of steps (``strategy_nodes``), the working copy of its
    latest :class:`StrategyVersion`."""

    __tablename__ = "chain_strategies"

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    tags: Mapped[list[str]] = mapped_column(default=list)
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    current_version: Mapped[str] = mapped_column(String(64), default="1.0.0")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    nodes: Mapped[list[StrategyNode]] = relationship(
        order_by="StrategyNode.position", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_chain_strategies_name", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class StrategyNode(UUIDPrimaryKey, Timestamps, Base):
    """One step of a chain's working copy."""

    __tablename__ = "strategy_nodes"

    strategy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_strategies.id", ondelete="CASCADE")
    )
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    node_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("node_versions.id", ondelete="RESTRICT")
    )
    position: Mapped[int]
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ui: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (
        UniqueConstraint("strategy_id", "position"),
        Index("ix_strategy_nodes_strategy_id", "strategy_id"),
        Index("ix_strategy_nodes_node_id", "node_id"),
        CheckConstraint("position >= 0", name="position_not_negative"),
    )


class StrategyVersion(UUIDPrimaryKey, Base):
    """One saved state of a chain, pinning the node versions of its steps."""

    __tablename__ = "strategy_versions"

    strategy_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_strategies.id", ondelete="CASCADE")
    )
    version: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    nodes: Mapped[list[StrategyVersionNode]] = relationship(
        order_by="StrategyVersionNode.position", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("strategy_id", "version"),)


class StrategyVersionNode(UUIDPrimaryKey, Base):
    """One step of a chain version: which node version runs at which position, with what
    configuration."""

    __tablename__ = "strategy_version_nodes"

    strategy_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("strategy_versions.id", ondelete="CASCADE")
    )
    position: Mapped[int]
    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nodes.id", ondelete="RESTRICT"))
    node_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("node_versions.id", ondelete="RESTRICT")
    )
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ui: Mapped[dict[str, Any] | None] = mapped_column(JSONType)

    __table_args__ = (
        UniqueConstraint("strategy_version_id", "position"),
        Index("ix_strategy_version_nodes_node_version_id", "node_version_id"),
    )
