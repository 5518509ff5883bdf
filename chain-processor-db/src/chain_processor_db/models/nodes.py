"""The ``nodes`` table and its immutable ``node_versions``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chain_processor_db.base import Base, Timestamps, UUIDPrimaryKey, utcnow


class Node(UUIDPrimaryKey, Timestamps, Base):
    """A processing step: Python code defining ``node(input_text) -> str``.

    ``version`` is the optimistic-lock counter; ``current_version`` the semantic version of
    the latest :class:`NodeVersion`, whose content this row mirrors.
    """

    __tablename__ = "nodes"

    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    is_builtin: Mapped[bool] = mapped_column(default=False, server_default="0")
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", default=dict)
    tags: Mapped[list[str]] = mapped_column(default=list)
    current_version: Mapped[str] = mapped_column(String(64), default="1.0.0")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    # passive_deletes="all": the database deletes the versions (ON DELETE CASCADE); without
    # it, deleting a node whose versions were loaded would first set their node_id to NULL.
    versions: Mapped[list[NodeVersion]] = relationship(
        back_populates="node", order_by="NodeVersion.created_at", passive_deletes="all"
    )

    __table_args__ = (
        Index("ix_nodes_name", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("length(code) > 0", name="code_not_empty"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class NodeVersion(UUIDPrimaryKey, Base):
    """One saved state of a node. Never updated, never deleted while something uses it."""

    __tablename__ = "node_versions"

    node_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("nodes.id", ondelete="CASCADE"))
    version: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, Any]] = mapped_column(default=dict)
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    node: Mapped[Node] = relationship(back_populates="versions")

    __table_args__ = (
        UniqueConstraint("node_id", "version"),
        Index("ix_node_versions_content_hash", "content_hash"),
    )
