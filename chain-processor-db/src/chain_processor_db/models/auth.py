"""Sign-in sessions and their rotating refresh tokens (``auth_sessions``, ``refresh_tokens``).

A session is one sign-in and the family of refresh tokens it rotates through. Access tokens
name their session, so revoking the session (logout, password change, reuse of a spent
refresh token) ends every token of the family at once. Refresh tokens are stored only as
SHA-256 hashes.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from chain_processor_db.base import Base, UUIDPrimaryKey, utcnow


class AuthSession(UUIDPrimaryKey, Base):
    __tablename__ = "auth_sessions"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(32))
    client_address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))

    __table_args__ = (Index("ix_auth_sessions_user_id", "user_id"),)


class RefreshToken(UUIDPrimaryKey, Base):
    __tablename__ = "refresh_tokens"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE")
    )
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    __table_args__ = (
        Index("ix_refresh_tokens_token_hash", "token_hash", unique=True),
        Index("ix_refresh_tokens_session_id", "session_id"),
    )
