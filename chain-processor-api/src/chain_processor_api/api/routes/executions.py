"""Executions (FR-3, FR-9): submit, read, list, node results, cancel, re-run from a step.

Submitting never needs the executor: the run is queued (``pending``) and the executor picks
it up when it is there. Viewers read every execution; editors submit, and cancel or re-run
their own (admins anyone's).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from fastapi import Query, Request, Response, WebSocket, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session
from starlette.websockets import WebSocketDisconnect

from chain_processor_api.api.deps import (
    AuditDep,
    EditorUser,
    ResourceRouter,
    SessionDep,
    SessionFactoryDep,
    SettingsDep,
    StreamViewer,
    TraceDep,
    ViewerUser,
    check_role,
    roles_of,
    signed_in_user,
    statement_writes,
)
from chain_processor_api.core.auth_cache import AuthCache
from chain_processor_api.core.config import Settings
from chain_processor_api.schemas.executions import ExecutionRerun, ExecutionView
from chain_processor_api.schemas.paging import ExecutionListQuery
from chain_processor_api.services import executions as executions_service
from chain_processor_api.services.live import (
    ExecutionEvents,
    Snapshot,
    follow,
    read_snapshot,
    watch,
)
from chain_processor_api.services.live_list import watch_list
from chain_processor_core.exceptions.errors import (
    NotAuthenticatedError,
    PermissionDeniedError,
)
from chain_processor_core.models import (
    ExecutionCreate,
    ExecutionFilter,
    ExecutionPublic,
    NodeExecutionPublic,
    Page,
    Role,
    has_role,
)
from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.models import ChainExecution, User
from chain_processor_db.repositories import executions as executions_repo

router = ResourceRouter(prefix="/executions", tags=["executions"])


@router.post(
    "",
    response_model=ExecutionView,
    status_code=status.HTTP_201_CREATED,
    responses={200: {"model": ExecutionView, "description": "Repeated idempotency key"}},
)
@statement_writes
def create_execution(
    execution_in: ExecutionCreate,
    request: Request,
    response: Response,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
    trace: TraceDep,
) -> ExecutionView:
    """Queue a run of a chain (its current version unless ``version`` names one).

    201 with the new execution; 200 with the first one when ``idempotency_key`` repeats a
    key you used before. The request id and W3C ``traceparent`` go into its metadata.
    """
    submitted = executions_service.submit(
        session,
        execution_in,
        user_id=user.id,
        trace=trace,
        audit=audit,
        targets=request.app.state.run_targets,
    )
    if submitted.public is None:
        response.status_code = status.HTTP_200_OK
        return executions_service.view(session, submitted.execution)
    session.commit()  # SQLite's transaction; on PostgreSQL the one statement stood alone
    request.app.state.metrics.executions_submitted.inc()
    return executions_service.view_of(submitted.public, submitted.version, user.email)


@router.get("", response_model=Page[ExecutionView])
def read_executions(
    filters: Annotated[ExecutionListQuery, Query()], _user: ViewerUser, session: SessionDep
) -> Page[ExecutionView]:
    """Newest first; filter by status, chain (``strategy_id``), user (``created_by_id``) and
    creation time (``created_after`` ≤ t < ``created_before``)."""
    executions, count = executions_repo.list_executions(session=session, filters=filters)
    return Page(data=executions_service.views(session, executions), count=count)


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
def read_executions_events(
    request: Request,
    _user: StreamViewer,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    status: ExecutionStatus | None = None,
    strategy_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> StreamingResponse:
    """Server-sent events of the executions list (newest first, the list's filters): one
    ``snapshot`` (``{data, count}``), then ``created`` and ``updated`` events with an
    execution each. The stream ends after ``LIVE_STREAM_MAX_SECONDS``; EventSource
    reconnects. The token may be passed as ``?access_token=``."""
    hub: ExecutionEvents = request.app.state.execution_events
    followed = ExecutionFilter(
        status=status, strategy_id=strategy_id, created_by_id=created_by_id, limit=limit
    )
    events = watch_list(
        followed,
        factory=factory,
        hub=hub,
        poll_seconds=settings.live_poll_seconds,
        max_seconds=settings.live_stream_max_seconds,
    )

    async def stream() -> AsyncIterator[str]:
        yield "retry: 1000\n\n"
        async for event in events:
            yield f"event: {event['type']}\ndata: {json.dumps(event['data'])}\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


@router.websocket("/ws")
async def executions_websocket(
    websocket: WebSocket,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    status: ExecutionStatus | None = None,
    strategy_id: uuid.UUID | None = None,
    created_by_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    access_token: Annotated[str | None, Query(max_length=4096)] = None,
) -> None:
    """The list events of ``/executions/events`` as JSON messages ``{"type", "data"}``;
    closes with 1000 after ``LIVE_STREAM_MAX_SECONDS``. Token and refusals as the
    per-execution WebSocket (4401, 4403)."""
    code = await anyio.to_thread.run_sync(
        _check_stream_access,
        factory,
        settings,
        websocket.app.state.auth_cache,
        _ws_token(websocket, access_token),
    )
    if code is not None:
        await websocket.close(code=code)
        return
    await websocket.accept()
    followed = ExecutionFilter(
        status=status, strategy_id=strategy_id, created_by_id=created_by_id, limit=limit
    )
    events = watch_list(
        followed,
        factory=factory,
        hub=websocket.app.state.execution_events,
        poll_seconds=settings.live_poll_seconds,
        max_seconds=settings.live_stream_max_seconds,
    )
    try:
        async for event in events:
            await websocket.send_json(event)
    except WebSocketDisconnect:
        return
    await websocket.close(code=1000)


@router.get("/{execution_id:uuid}", response_model=ExecutionView)
def read_execution(
    execution_id: uuid.UUID, _user: ViewerUser, session: SessionDep
) -> ExecutionView:
    execution = executions_repo.get_execution(session=session, execution_id=execution_id)
    return executions_service.view(session, execution)


@router.get("/{execution_id:uuid}/nodes", response_model=Page[NodeExecutionPublic])
def read_node_executions(
    execution_id: uuid.UUID, _user: ViewerUser, session: SessionDep
) -> Page[NodeExecutionPublic]:
    """What each step of the run did, by position."""
    executions_repo.get_execution(session=session, execution_id=execution_id)
    found = executions_repo.list_node_executions(session=session, execution_id=execution_id)
    return Page(data=[NodeExecutionPublic.model_validate(n) for n in found], count=len(found))


@router.post("/{execution_id:uuid}/cancel", response_model=ExecutionView)
def cancel_execution(
    execution_id: uuid.UUID, user: EditorUser, session: SessionDep, audit: AuditDep
) -> ExecutionView:
    """A pending run is cancelled at once; a running one is asked to stop (the executor
    ends it). A run that already ended is a 409."""
    execution = executions_repo.get_execution(session=session, execution_id=execution_id)
    _check_owner(user, execution, "cancel")
    before = _public(execution)
    executions_repo.request_cancel(session=session, execution=execution)
    executions_service.notify_changed(session, execution)
    audit.record(
        "execution.cancel", "execution", execution.id, before=before, after=_public(execution)
    )
    result = executions_service.view(session, execution)
    session.commit()
    return result


@router.post(
    "/{execution_id:uuid}/rerun", response_model=ExecutionView, status_code=status.HTTP_201_CREATED
)
def rerun_execution(
    execution_id: uuid.UUID,
    body: ExecutionRerun,
    request: Request,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
    trace: TraceDep,
) -> ExecutionView:
    """A new execution of the same chain version from step ``from_position``, with
    ``parent_execution_id`` set; it starts from the input that step received before."""
    parent = executions_repo.get_execution(session=session, execution_id=execution_id)
    _check_owner(user, parent, "re-run")
    execution = executions_service.rerun(
        session,
        parent,
        from_position=body.from_position,
        priority=body.priority,
        user_id=user.id,
        trace=trace,
    )
    audit.record("execution.rerun", "execution", execution.id, after=_public(execution))
    result = executions_service.view(session, execution)
    session.commit()
    request.app.state.metrics.executions_submitted.inc()
    return result


@router.get(
    "/{execution_id:uuid}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events"}},
)
def read_execution_events(
    execution_id: uuid.UUID,
    request: Request,
    _user: StreamViewer,
    session: SessionDep,
    factory: SessionFactoryDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """Server-sent events of one execution: ``node`` and ``execution`` events with the
    public shapes, the current state first, until the execution ends. The token may be
    passed as ``?access_token=`` (EventSource cannot send headers)."""
    executions_repo.get_execution(session=session, execution_id=execution_id)
    hub: ExecutionEvents = request.app.state.execution_events

    async def stream() -> AsyncIterator[str]:
        async for event in watch(
            execution_id, factory=factory, hub=hub, poll_seconds=settings.live_poll_seconds
        ):
            yield f"event: {event['type']}\ndata: {json.dumps(event['data'])}\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"X-Accel-Buffering": "no"}
    )


WS_UNAUTHORIZED, WS_FORBIDDEN, WS_NOT_FOUND = 4401, 4403, 4404


@router.websocket("/{execution_id:uuid}/ws")
async def execution_websocket(
    websocket: WebSocket,
    execution_id: uuid.UUID,
    factory: SessionFactoryDep,
    settings: SettingsDep,
    access_token: Annotated[str | None, Query(max_length=4096)] = None,
) -> None:
    """The same events as ``/events`` as JSON messages ``{"type", "data"}``; closes with
    1000 when the execution ends. Token: ``?access_token=`` or the Authorization header;
    refusals close with 4401 (not signed in), 4403 (role) or 4404 (no such execution)."""
    hub: ExecutionEvents = websocket.app.state.execution_events
    token = _ws_token(websocket, access_token)
    # Subscribed before the state is read, so no change between the two is missed.
    with hub.subscribe(execution_id) as woken:
        opened = await anyio.to_thread.run_sync(
            _open_execution_stream,
            factory,
            settings,
            websocket.app.state.auth_cache,
            token,
            execution_id,
        )
        if isinstance(opened, int):
            await websocket.close(code=opened)
            return
        await websocket.accept()
        events = follow(
            execution_id,
            woken,
            factory=factory,
            hub=hub,
            poll_seconds=settings.live_poll_seconds,
            first=opened,
        )
        try:
            async for event in events:
                await websocket.send_json(event)
        except WebSocketDisconnect:
            return
    await websocket.close(code=1000)


def _ws_token(websocket: WebSocket, access_token: str | None) -> str | None:
    header = websocket.headers.get("authorization", "")
    return access_token or (header[7:] if header.lower().startswith("bearer ") else None)


def _refusal(
    session: Session, settings: Settings, cache: AuthCache, token: str | None
) -> int | None:
    """The close code for a stream this token may not open, or ``None``."""
    try:
        user = signed_in_user(cache, session, settings, token, {})
        check_role(user, Role.VIEWER)
    except NotAuthenticatedError:
        return WS_UNAUTHORIZED
    except PermissionDeniedError:
        return WS_FORBIDDEN
    return None


def _check_stream_access(
    factory: SessionFactoryDep, settings: SettingsDep, cache: AuthCache, token: str | None
) -> int | None:
    with factory() as session:
        try:
            return _refusal(session, settings, cache, token)
        finally:
            session.commit()


def _open_execution_stream(
    factory: SessionFactoryDep,
    settings: SettingsDep,
    cache: AuthCache,
    token: str | None,
    execution_id: uuid.UUID,
) -> int | Snapshot:
    """Who asks and the execution's current state, in one session: the close code of a
    refusal, else the first snapshot of the stream."""
    with factory() as session:
        try:
            refusal = _refusal(session, settings, cache, token)
            if refusal is not None:
                return refusal
            snapshot = read_snapshot(session, execution_id)
            return WS_NOT_FOUND if snapshot is None else snapshot
        finally:
            session.commit()  # end the read transaction: a stream must not hold one open


def _public(execution: ChainExecution) -> ExecutionPublic:
    return ExecutionPublic.model_validate(execution)


def _check_owner(user: User, execution: ChainExecution, what: str) -> None:
    if execution.created_by_id != user.id and not has_role(roles_of(user), Role.ADMIN):
        raise PermissionDeniedError(f"Only its submitter or an admin may {what} an execution")
