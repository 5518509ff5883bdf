"""The OAuth2 password flow: sign in, rotate the refresh token, sign out."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import Depends, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from chain_processor_api.api.deps import (
    AuditDep,
    ClientAddress,
    CurrentSessionId,
    CurrentUser,
    ResourceRouter,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from chain_processor_api.schemas.auth import RefreshRequest, Token
from chain_processor_api.services import auth
from chain_processor_core.exceptions.errors import (
    NotAuthenticatedError,
    PermissionDeniedError,
    RateLimitedError,
)
from chain_processor_db.models.auth import AuthSession
from chain_processor_db.repositories.auth import revoke_auth_session
from chain_processor_db.repositories.users import get_user_by_email, record_login

router = ResourceRouter(prefix="/login", tags=["login"])
logger = logging.getLogger(__name__)

_UNAUTHORIZED: dict[int | str, dict[str, Any]] = {
    401: {"description": "Invalid credentials or token"}
}


@router.post(
    "/access-token",
    response_model=Token,
    responses={**_UNAUTHORIZED, 429: {"description": "Too many attempts"}},
)
def login_access_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    address: ClientAddress,
    audit: AuditDep,
) -> Token:
    """Sign in with email (``username``) and password; get an access and a refresh token.

    Throttled per account (failed attempts) and per client address (all attempts).
    """
    account = form.username.strip().lower()
    wait = throttle.retry_after(account=account, address=address)
    if wait is not None:
        raise RateLimitedError(
            f"Too many sign-in attempts; try again in {wait} s", retry_after=wait
        )
    throttle.attempt(address=address)
    user = get_user_by_email(session=session, email=account)
    if not auth.authenticate(user=user, password=form.password):
        throttle.failed(account=account)
        logger.warning("sign-in failed", extra={"action": "login_failed", "client": address})
        raise NotAuthenticatedError("Incorrect email or password")
    assert user is not None
    if not user.is_active:
        raise PermissionDeniedError("The account is disabled")
    throttle.succeeded(account=account)
    record_login(session=session, user=user)
    token = auth.start_session(
        session,
        settings,
        user=user,
        client_address=address,
        user_agent=request.headers.get("user-agent"),
    )
    audit.record("login", "user", user.id, actor=user)
    session.commit()
    return token


@router.post("/refresh", response_model=Token, responses=_UNAUTHORIZED)
def login_refresh(
    body: RefreshRequest, session: SessionDep, settings: SettingsDep, audit: AuditDep
) -> Token:
    """Spend a refresh token for a new pair. Each refresh token works once: presenting a
    spent one again revokes its whole session (every token issued from that sign-in)."""
    try:
        user, token = auth.rotate(session, settings, refresh_token=body.refresh_token)
    except auth.RefreshReuseError as exc:
        _audit_reuse(audit, exc.auth_session)
        session.commit()  # the revocation must stick although the request fails
        raise
    audit.record("login.refresh", "user", user.id, actor=user)
    session.commit()
    return token


def _audit_reuse(audit: AuditDep, auth_session: AuthSession) -> None:
    audit.record(
        "login.refresh_reuse",
        "auth_session",
        auth_session.id,
        after={"user_id": str(auth_session.user_id), "revoked": True},
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, responses=_UNAUTHORIZED)
def logout(
    user: CurrentUser, session_id: CurrentSessionId, session: SessionDep, audit: AuditDep
) -> None:
    """End this sign-in: its refresh tokens and access tokens stop working at once."""
    auth_session = session.get(AuthSession, session_id)
    assert auth_session is not None  # checked by CurrentUser
    revoke_auth_session(session=session, auth_session=auth_session, reason="logout")
    audit.record("logout", "user", user.id)
    session.commit()
