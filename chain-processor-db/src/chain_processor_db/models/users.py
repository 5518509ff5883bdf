"""The ``users`` table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chain_processor_db.base import Base, Timestamps, UUIDPrimaryKey


class User(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    is_superuser: Mapped[bool] = mapped_column(default=False, server_default="0")
    roles: Mapped[list[str]] = mapped_column(default=list)
    preferences: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_login: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __table_args__ = (
        Index("ix_users_email", "email", unique=True),
        CheckConstraint("length(email) > 0", name="email_not_empty"),
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
