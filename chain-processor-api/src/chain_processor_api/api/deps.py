"""What handlers receive through ``Depends``, declared once as ``Annotated`` aliases.

Dependencies that neither block nor wait are ``async def``: FastAPI runs those on the event
loop, where a synchronous one would cost a hop to the threadpool and back on every request.

Tests swap ``get_session`` (and nothing else) with ``app.dependency_overrides``.
"""

from __future__ import annotations

import functools
import inspect
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractContextManager
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.routing import Match
from starlette.types import Scope

from chain_processor_api.api.audit import Audit
from chain_processor_api.core.auth_cache import AuthCache
from chain_processor_api.core.config import Settings
from chain_processor_api.core.security import request_claims
from chain_processor_api.core.throttle import LoginThrottle
from chain_processor_api.core.tracing import current_traceparent
from chain_processor_api.services.executions import trace_metadata
from chain_processor_core.exceptions.errors import NotAuthenticatedError, PermissionDeniedError
from chain_processor_core.models.common import Role, has_role
from chain_processor_db.models import User
from chain_processor_db.repositories.auth import get_session_user

TOKEN_URL = "/api/v1/login/access-token"  # API_PREFIX + the login route

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


SessionFactory = Callable[[], AbstractContextManager[Session]]


async def get_settings(connection: HTTPConnection) -> Settings:
    settings: Settings = connection.app.state.settings
    return settings


async def get_session(connection: HTTPConnection) -> AsyncIterator[Session]:
    """A session per request; the handler commits, anything uncommitted is rolled back.
    The reads of the auth dependency and of a handler end before the request waits for
    another thread (see :func:`end_read`), so no request holds a connection meanwhile.

    A GET or HEAD only reads: its statements run without a transaction around them, which
    saves a BEGIN and a COMMIT round trip for the auth read and again for the handler's. So
    do those of a handler marked :func:`statement_writes`.

    Opening a session touches no connection, and closing one whose transaction has ended
    does not either, so both happen on the event loop: only a rollback (a request that
    failed mid-transaction) takes a thread."""
    state = connection.app.state
    alone = connection.scope.get("method") in ("GET", "HEAD") or _writes_in_statements(
        connection.scope
    )
    factory: sessionmaker[Session] = state.read_session_factory if alone else state.session_factory
    session = factory()
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


_STATEMENT_WRITES = "_cp_statement_writes"

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def statement_writes(endpoint: Endpoint) -> Endpoint:
    """Mark a handler each of whose writes is one statement that must stand or fall alone
    (a data-modifying CTE, say): on PostgreSQL its session then runs every statement in
    autocommit, as a GET's does, with no BEGIN and COMMIT round trips. On SQLite nothing
    changes: the handler commits as any other."""
    setattr(endpoint, _STATEMENT_WRITES, True)
    return endpoint


def _writes_in_statements(scope: Scope) -> bool:
    route = scope.get("route")
    return bool(getattr(getattr(route, "endpoint", None), _STATEMENT_WRITES, False))


async def get_session_factory(connection: HTTPConnection) -> SessionFactory:
    """Short sessions on demand, for long-lived streams that must not hold a connection.
    Streams only read: on PostgreSQL these sessions run each statement in autocommit, as a
    GET's do (:func:`get_session`), without BEGIN and COMMIT round trips around each look."""
    factory: SessionFactory = connection.app.state.read_session_factory
    return factory


async def get_login_throttle(request: Request) -> LoginThrottle:
    throttle: LoginThrottle = request.app.state.login_throttle
    return throttle


async def get_client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionFactoryDep = Annotated[SessionFactory, Depends(get_session_factory)]
ThrottleDep = Annotated[LoginThrottle, Depends(get_login_throttle)]
ClientAddress = Annotated[str, Depends(get_client_address)]
TokenDep = Annotated[str | None, Depends(oauth2_scheme)]


def authenticate(
    session: Session, settings: Settings, token: str | None, state: dict[str, Any]
) -> tuple[User, uuid.UUID]:
    """The active user of a valid access token whose sign-in session is still live, and
    that session's id. ``state`` is the request's (where the token's claims may be known)."""
    if not token:
        raise NotAuthenticatedError()
    claims = request_claims(settings, token, state)
    found = get_session_user(session=session, session_id=claims.session_id, user_id=claims.user_id)
    if found is None or found[0].revoked_at is not None:
        raise NotAuthenticatedError("The session has ended; sign in again")
    auth_session, user = found
    if not user.is_active:
        raise NotAuthenticatedError("The account is not active")
    return user, auth_session.id


def signed_in_user(
    cache: AuthCache, session: Session, settings: Settings, token: str | None, state: dict[str, Any]
) -> User:
    """:func:`authenticate` through ``cache`` (ADR-0011), for code already off the event
    loop: a kept sign-in costs no statement; one read is kept for the next requests."""
    if not token:
        raise NotAuthenticatedError()
    claims = request_claims(settings, token, state)
    user = cache.user(claims.session_id, claims.user_id, session)
    if user is None:
        generation = cache.generation
        user, session_id = authenticate(session, settings, token, state)
        cache.put_user(session_id, user, generation)
    return user


async def get_current_user(
    request: Request, session: SessionDep, settings: SettingsDep, token: TokenDep
) -> User:
    """The signed-in user: from the auth cache when it holds this sign-in (no statement, no
    thread), else read in the threadpool and kept for the next requests (ADR-0011)."""
    state = request.scope.setdefault("state", {})
    if not token:
        raise NotAuthenticatedError()
    claims = request_claims(settings, token, state)
    cache: AuthCache = request.app.state.auth_cache
    user = cache.user(claims.session_id, claims.user_id, session)
    if user is None:
        generation = cache.generation
        read, session_id = await run_in_threadpool(
            _read_current_user, session, settings, token, state
        )
        cache.put_user(session_id, read, generation)
        user = read
    request.state.auth_session_id = claims.session_id
    request.state.user = user
    return user


def _read_current_user(
    session: Session, settings: Settings, token: str, state: dict[str, Any]
) -> tuple[User, uuid.UUID]:
    found = authenticate(session, settings, token, state)
    end_read(session)
    return found


def watch_writes(sessions: sessionmaker[Session]) -> None:
    """Note in ``session.info["wrote"]`` whether the open transaction of each session made by
    ``sessions`` has written anything (listeners set once, not per request)."""

    def wrote(session: Session, *_args: object) -> None:
        session.info["wrote"] = True

    def ended(session: Session, *_args: object) -> None:
        session.info["wrote"] = False

    event.listen(sessions, "after_flush", wrote)
    event.listen(sessions, "after_commit", ended)
    event.listen(sessions, "after_rollback", ended)


def end_read(session: Session) -> None:
    """End a transaction that only read, keeping what was loaded, so the connection goes back
    to the pool before the request waits for another thread (for its handler, or for the
    serialization of its answer). A transaction that wrote is left to its handler."""
    if not session.in_transaction() or session.info.get("wrote"):
        return
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


class ReleasingRoute(APIRoute):
    """A route whose synchronous handler runs in one threadpool call together with what
    follows it: the validation of its answer into the response model (which may read
    attributes of ORM objects), then the end of its reading transaction. FastAPI would
    otherwise validate a synchronous handler's answer in a second threadpool call, and a
    request must not hold a connection while it waits for a thread."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _in_one_thread(endpoint, self)
        super().__init__(path, endpoint, **kwargs)


class ResourceRouter(APIRouter):
    """The routes of one resource under one literal prefix (``/chains``, ``/executions``),
    each a :class:`ReleasingRoute`.

    A request whose path does not contain the prefix is turned away before any route is
    tried. FastAPI tries an included router's routes one at a time, each costing a few scope
    updates besides its pattern, and tries them again at every level it hands the request
    down: routing a submit past the six routers before ``/executions`` took about 0.45 ms, a
    tenth of the API's CPU per submit (API ADR-0013). Each route's full path contains its
    router's prefix wherever the router is included, so only routers that cannot match are
    skipped; what does reach a router is matched by FastAPI as before (404 and 405 alike).
    """

    def __init__(self, *, prefix: str, **kwargs: Any) -> None:
        if not prefix or "{" in prefix:
            raise ValueError(f"A resource router needs a literal prefix, not {prefix!r}")
        super().__init__(prefix=prefix, route_class=ReleasingRoute, **kwargs)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if self.prefix not in scope["path"]:
            return Match.NONE, {}
        return super().matches(scope)


def _in_one_thread(endpoint: Callable[..., Any], route: APIRoute) -> Callable[..., Any]:
    def work(kwargs: dict[str, Any]) -> Any:
        result = endpoint(**kwargs)
        field = route.response_field
        if field is not None and not isinstance(result, Response):
            validated, errors = field.validate(result, {}, loc=("response",))
            if not errors:  # else FastAPI validates again and reports them as usual
                result = validated
        for value in kwargs.values():
            if isinstance(value, Session):
                end_read(value)
        return result

    @functools.wraps(endpoint)
    async def handler(**kwargs: Any) -> Any:
        return await run_in_threadpool(work, kwargs)

    return handler


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_stream_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: TokenDep,
    access_token: Annotated[
        str | None,
        Query(max_length=4096, description="For EventSource, which cannot send headers."),
    ] = None,
) -> User:
    """Like the current user, but the token may also come as ``?access_token=``."""
    return await get_current_user(request, session, settings, token or access_token)


async def get_auth_session_id(request: Request, _user: CurrentUser) -> uuid.UUID:
    session_id: uuid.UUID = request.state.auth_session_id
    return session_id


CurrentSessionId = Annotated[uuid.UUID, Depends(get_auth_session_id)]


def roles_of(user: User) -> list[Role]:
    """A user's roles; a superuser is an admin whatever its role list says."""
    roles = [Role(role) for role in user.roles if role in Role.__members__.values()]
    return [*roles, Role.ADMIN] if user.is_superuser else roles


def check_role(user: User, role: Role) -> User:
    if not has_role(roles_of(user), role):
        raise PermissionDeniedError(f"This needs the {role.value} role")
    return user


def require_role(role: Role) -> Any:
    """A dependency giving the current user if it holds ``role`` (or a higher one)."""

    async def check(user: CurrentUser) -> User:
        return check_role(user, role)

    return Depends(check)


ViewerUser = Annotated[User, require_role(Role.VIEWER)]
EditorUser = Annotated[User, require_role(Role.EDITOR)]
AdminUser = Annotated[User, require_role(Role.ADMIN)]


async def _stream_viewer(user: Annotated[User, Depends(get_stream_user)]) -> User:
    return check_role(user, Role.VIEWER)


StreamViewer = Annotated[User, Depends(_stream_viewer)]


async def get_audit(request: Request, session: SessionDep, address: ClientAddress) -> Audit:
    return Audit(
        session=session,
        request_id=request.scope.get("state", {}).get("request_id"),
        client_address=address,
        state=request.state,
    )


AuditDep = Annotated[Audit, Depends(get_audit)]


async def get_trace(
    request: Request,
    traceparent: Annotated[
        str | None,
        Header(
            max_length=256,
            description="W3C trace context of the caller; the request's span continues it.",
        ),
    ] = None,
) -> dict[str, str]:
    """What a new execution stores to tie it to this request: the request id and the W3C
    ``traceparent`` of the request's own span (a child of the caller's ``traceparent``; that
    one itself when tracing is off), so the executor's spans continue the API's trace."""
    del traceparent  # the tracing middleware has read it already
    return trace_metadata(request.scope.get("state", {}).get("request_id"), current_traceparent())


TraceDep = Annotated[dict[str, str], Depends(get_trace)]
