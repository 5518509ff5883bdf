"""Query functions for sign-in sessions and their rotating refresh tokens.

The caller hashes tokens; only hashes reach the database. Spending a refresh token is one
conditional ``UPDATE``, so two requests racing with the same token cannot both succeed.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CursorResult, bindparam, select, update
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from chain_processor_db.errors import flush, translate_errors
from chain_processor_db.models.auth import AuthSession, RefreshToken
from chain_processor_db.models.users import User

AUTH_CHANGES_CHANNEL = "chain_auth_changes"
"""On PostgreSQL, triggers (migration 0005) NOTIFY this channel with the user's id when a
user row is updated or deleted, or a sign-in session of theirs is revoked or deleted: whoever
keeps sign-ins it checked forgets that user's (the API's ``AuthCache``)."""


def create_auth_session(
    *,
    session: Session,
    user_id: uuid.UUID,
    client_address: str | None = None,
    user_agent: str | None = None,
) -> AuthSession:
    auth_session = AuthSession(
        user_id=user_id,
        client_address=client_address[:64] if client_address else None,
        user_agent=user_agent[:255] if user_agent else None,
    )
    session.add(auth_session)
    flush(session)
    return auth_session


def get_auth_session(*, session: Session, session_id: uuid.UUID) -> AuthSession | None:
    return session.get(AuthSession, session_id)


_SESSION_USER = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.user_id == bindparam("user_id"))
)
"""Built once: every authenticated request runs it, and building a statement (and its cache
key) costs more than the lookup of its compiled form."""


def get_session_user(
    *, session: Session, session_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[AuthSession, User] | None:
    """A sign-in session of ``user_id`` with its user, read in one query (what every
    authenticated request checks); None when there is no such session of that user."""
    parameters = {"session_id": session_id, "user_id": user_id}
    row = session.execute(_SESSION_USER, parameters).one_or_none()
    return None if row is None else (row[0], row[1])


def add_refresh_token(
    *, session: Session, auth_session: AuthSession, token_hash: str, expires_at: datetime
) -> RefreshToken:
    token = RefreshToken(session_id=auth_session.id, token_hash=token_hash, expires_at=expires_at)
    auth_session.last_used_at = utcnow()
    session.add(token)
    flush(session)
    return token


def get_refresh_token(*, session: Session, token_hash: str) -> RefreshToken | None:
    return session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))


def spend_refresh_token(*, session: Session, token: RefreshToken) -> bool:
    """Mark ``token`` used; False when it was already used (by this or a racing request)."""
    with translate_errors():
        result = session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token.id, RefreshToken.used_at.is_(None))
            .values(used_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    session.expire(token)
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


def revoke_auth_session(*, session: Session, auth_session: AuthSession, reason: str) -> None:
    """End a session and so every token of its family; a revoked session stays revoked."""
    if auth_session.revoked_at is None:
        auth_session.revoked_at = utcnow()
        auth_session.revoked_reason = reason[:32]
        flush(session)


def revoke_user_sessions(*, session: Session, user_id: uuid.UUID, reason: str) -> int:
    """End every live session of a user (password change, deactivation); how many ended."""
    with translate_errors():
        result = session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow(), revoked_reason=reason[:32])
            .execution_options(synchronize_session=False)
        )
    # Loaded sessions of the user reload on next access: the UPDATE bypassed them.
    for loaded in list(session.identity_map.values()):
        if isinstance(loaded, AuthSession) and loaded.user_id == user_id:
            session.expire(loaded)
    assert isinstance(result, CursorResult)
    return result.rowcount
