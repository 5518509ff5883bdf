"""Sign-in sessions: issuing a token pair, rotating a refresh token, detecting its reuse."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.core.security import (
    create_access_token,
    hash_refresh_token,
    new_refresh_token,
)
from chain_processor_api.schemas.auth import Token
from chain_processor_core.exceptions.errors import NotAuthenticatedError
from chain_processor_core.passwords import hash_password, verify_password
from chain_processor_db.base import utcnow
from chain_processor_db.models import User
from chain_processor_db.models.auth import AuthSession
from chain_processor_db.repositories.auth import (
    add_refresh_token,
    create_auth_session,
    get_auth_session,
    get_refresh_token,
    revoke_auth_session,
    spend_refresh_token,
)

logger = logging.getLogger(__name__)

# Verified against when the email is unknown, so both cases take as long (no user probing).
_DUMMY_HASH = hash_password("not-a-password-of-anyone")


class RefreshReuseError(NotAuthenticatedError):
    """The refresh token was already used; the whole session has been revoked."""

    code = "refresh_token_reused"

    def __init__(self, auth_session: AuthSession) -> None:
        super().__init__()
        self.auth_session = auth_session


MAX_PASSWORD_CHARS = 128  # as in core's Password type; longer ones cannot match


def authenticate(*, user: User | None, password: str) -> bool:
    if len(password) > MAX_PASSWORD_CHARS:
        return False  # refuse before hashing megabytes of "password"
    if user is None:
        verify_password(password, _DUMMY_HASH)
        return False
    return verify_password(password, user.password_hash)


def start_session(
    session: Session,
    settings: Settings,
    *,
    user: User,
    client_address: str | None,
    user_agent: str | None,
) -> Token:
    """A new sign-in session with its first refresh token and an access token."""
    auth_session = create_auth_session(
        session=session, user_id=user.id, client_address=client_address, user_agent=user_agent
    )
    return _issue(session, settings, user=user, auth_session=auth_session)


def rotate(session: Session, settings: Settings, *, refresh_token: str) -> tuple[User, Token]:
    """Spend ``refresh_token`` for a new pair in the same session.

    Raises :class:`RefreshReuseError` (after revoking the session: the caller must commit)
    when the token was already spent, and :class:`NotAuthenticatedError` when it is unknown,
    expired, or its session or user has ended.
    """
    token = get_refresh_token(session=session, token_hash=hash_refresh_token(refresh_token))
    if token is None:
        raise NotAuthenticatedError("The refresh token is not valid")
    auth_session = get_auth_session(session=session, session_id=token.session_id)
    if auth_session is None or auth_session.revoked_at is not None:
        raise NotAuthenticatedError("The session has ended; sign in again")
    if token.used_at is not None or not spend_refresh_token(session=session, token=token):
        revoke_auth_session(session=session, auth_session=auth_session, reason="refresh_reuse")
        logger.warning(
            "refresh token reused: session revoked",
            extra={"action": "refresh_reuse", "session_id": str(auth_session.id)},
        )
        raise RefreshReuseError(auth_session)
    if token.expires_at <= utcnow():
        raise NotAuthenticatedError("The refresh token has expired; sign in again")
    user = session.get(User, auth_session.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticatedError("The account is not active")
    return user, _issue(session, settings, user=user, auth_session=auth_session)


def _issue(session: Session, settings: Settings, *, user: User, auth_session: AuthSession) -> Token:
    refresh = new_refresh_token()
    add_refresh_token(
        session=session,
        auth_session=auth_session,
        token_hash=hash_refresh_token(refresh),
        expires_at=utcnow() + timedelta(days=settings.refresh_token_expire_days),
    )
    access = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
    return Token(
        access_token=access,
        expires_in=settings.access_token_expire_minutes * 60,
        refresh_token=refresh,
    )
