"""Access tokens (short-lived HS256 JWTs) and refresh tokens (opaque, stored hashed).

An access token carries ``sub`` (the user id), ``sid`` (the sign-in session it belongs to),
``jti``, ``type="access"``, ``iss``, ``iat``, ``nbf`` and ``exp``. Decoding accepts HS256
only (so ``alg: none`` and algorithm confusion are refused), requires every claim, and
checks the signature, issuer and times. See ``docs/adr/0002-token-design.md``.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from chain_processor_api.core.config import Settings
from chain_processor_core.exceptions.errors import NotAuthenticatedError

ALGORITHM = "HS256"
ACCESS_TOKEN_TYPE = "access"
REQUIRED_CLAIMS = ("exp", "iat", "nbf", "sub", "jti", "type", "sid", "iss")


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    token_id: str
    expires_at: datetime


def create_access_token(
    settings: Settings,
    *,
    user_id: uuid.UUID,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "jti": uuid.uuid4().hex,
        "type": ACCESS_TOKEN_TYPE,
        "iss": settings.jwt_issuer,
        "iat": issued,
        "nbf": issued,
        "exp": issued + timedelta(minutes=settings.access_token_expire_minutes),
    }
    return jwt.encode(claims, settings.jwt_key(), algorithm=ALGORITHM)


def decode_access_token(settings: Settings, token: str) -> AccessClaims:
    """The claims of a valid access token; :class:`NotAuthenticatedError` otherwise.

    A token verified before (the same bytes, under the same key and issuer) is not verified
    again: a client sends the same token with every request for up to 15 minutes, and the
    signature and the JSON cost about 8 % of the API's CPU under load. Only its times are
    checked again, as PyJWT checks them."""
    key = (token, settings.jwt_key(), settings.jwt_issuer)
    known = _VERIFIED.get(key)
    if known is None:
        known = _verify(settings, token)
        if len(_VERIFIED) >= VERIFIED_TOKENS_KEPT:
            del _VERIFIED[next(iter(_VERIFIED))]  # the oldest
        _VERIFIED[key] = known
    claims, not_before = known
    now, leeway = time.time(), settings.jwt_leeway_seconds
    if claims.expires_at.timestamp() <= now - leeway:
        raise NotAuthenticatedError("The access token has expired")
    if not_before > now + leeway:
        raise NotAuthenticatedError("The access token is not valid yet")
    return claims


VERIFIED_TOKENS_KEPT = 4096
_VERIFIED: dict[tuple[str, str, str], tuple[AccessClaims, float]] = {}
"""Tokens verified by this process, by (token, key, issuer): their claims and ``nbf``."""


def _verify(settings: Settings, token: str) -> tuple[AccessClaims, float]:
    try:
        claims = jwt.decode(
            token,
            settings.jwt_key(),
            algorithms=[ALGORITHM],
            issuer=settings.jwt_issuer,
            leeway=settings.jwt_leeway_seconds,
            options={"require": list(REQUIRED_CLAIMS)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticatedError("The access token has expired") from exc
    except jwt.ImmatureSignatureError as exc:
        raise NotAuthenticatedError("The access token is not valid yet") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticatedError("The access token is not valid") from exc
    if claims.get("type") != ACCESS_TOKEN_TYPE:
        raise NotAuthenticatedError("The token is not an access token")
    try:
        access = AccessClaims(
            user_id=uuid.UUID(str(claims["sub"])),
            session_id=uuid.UUID(str(claims["sid"])),
            token_id=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
        return access, float(claims["nbf"])
    except (ValueError, TypeError) as exc:
        raise NotAuthenticatedError("The access token is not valid") from exc


VERIFIED_CLAIMS = "verified_access_claims"
"""Where a request's state keeps a token it has decoded, with its claims."""


def request_claims(settings: Settings, token: str, state: dict[str, Any]) -> AccessClaims:
    """The claims of ``token`` as :func:`decode_access_token` gives them, decoded once per
    request: the rate limiter decodes the token first, authentication reuses its claims."""
    known = state.get(VERIFIED_CLAIMS)
    if known is not None and known[0] == token:
        claims: AccessClaims = known[1]
        return claims
    claims = decode_access_token(settings, token)
    state[VERIFIED_CLAIMS] = (token, claims)
    return claims


def new_refresh_token() -> str:
    """An opaque refresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    """SHA-256 is enough for 256-bit random tokens (no dictionary to attack)."""
    return hashlib.sha256(token.encode()).hexdigest()
