"""Live changes of the executions list, for the list's WebSocket and SSE endpoints.

A list watcher loads the first page of the list (the list endpoint's filters, newest first),
sends it whole once (``snapshot``), then after each wake-up or poll sends what changed:
``created`` for an execution it has not sent before, ``updated`` when one it sent changed
(status, output, timings...). An execution that leaves the page (it no longer matches the
status filter, or newer ones pushed it out) is read by id once, so its last change is sent
too. ``updated_at`` alone changing is not a change.

Wake-ups come from the same hub as the per-execution streams (:mod:`.live`): on PostgreSQL
the executor's ``NOTIFY chain_execution_events`` and the submissions' ``NOTIFY
chain_executions_pending`` wake every list watcher; bursts are coalesced (one reload per
:data:`COALESCE_SECONDS` at most). Polling is the fallback, and the mechanism on SQLite.
A stream ends after ``max_seconds``: clients reconnect, and their token is checked again.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
from sqlalchemy import select

from chain_processor_api.services.executions import views
from chain_processor_api.services.live import Event, ExecutionEvents, SessionFactory
from chain_processor_core.models import ExecutionFilter
from chain_processor_db.models import ChainExecution
from chain_processor_db.repositories.executions import list_executions

COALESCE_SECONDS = 0.2
"""Least time between two reloads: a chain of many nodes NOTIFYs in quick bursts."""

View = dict[str, Any]


@dataclass
class ListState:
    page: dict[str, View]
    """The current page by execution id, newest first."""
    count: int
    left: dict[str, View]
    """Executions of the previous page that are not on this one, read by id."""


def load_list(
    factory: SessionFactory, filters: ExecutionFilter, previous: Iterable[str]
) -> ListState:
    with factory() as session:
        found, count = list_executions(session=session, filters=filters)
        page = {str(view.id): view.model_dump(mode="json") for view in views(session, found)}
        gone = [uuid.UUID(key) for key in previous if key not in page]
        left: dict[str, View] = {}
        if gone:
            rows = session.scalars(select(ChainExecution).where(ChainExecution.id.in_(gone))).all()
            left = {str(view.id): view.model_dump(mode="json") for view in views(session, rows)}
        session.commit()  # end the read transaction: a stream must not hold one open
        return ListState(page=page, count=count, left=left)


def _same(a: View, b: View) -> bool:
    return {**a, "updated_at": None} == {**b, "updated_at": None}


def list_changes(previous: dict[str, View], seen: set[str], state: ListState) -> list[Event]:
    """Oldest first, so a client that prepends each ``created`` keeps the newest on top."""
    events: list[Event] = []
    for key, view in reversed(list(state.page.items())):
        if key not in seen:
            events.append({"type": "created", "data": view})
        elif key not in previous or not _same(previous[key], view):
            events.append({"type": "updated", "data": view})
    for key, view in state.left.items():
        if key in previous and not _same(previous[key], view):
            events.append({"type": "updated", "data": view})
    return events


async def watch_list(
    filters: ExecutionFilter,
    *,
    factory: SessionFactory,
    hub: ExecutionEvents,
    poll_seconds: float,
    max_seconds: float,
) -> AsyncIterator[Event]:
    """The page as a ``snapshot``, then its changes, until ``max_seconds`` have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    previous: dict[str, View] = {}
    seen: set[str] = set()
    with hub.subscribe_all() as woken:
        state = await anyio.to_thread.run_sync(load_list, factory, filters, ())
        snapshot = {"data": list(state.page.values()), "count": state.count}
        yield {"type": "snapshot", "data": snapshot}
        while True:
            previous, seen = state.page, seen | state.page.keys()
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    woken.wait(), timeout=min(hub.poll_seconds(poll_seconds), remaining)
                )
            await asyncio.sleep(COALESCE_SECONDS)
            woken.clear()
            state = await anyio.to_thread.run_sync(load_list, factory, filters, list(previous))
            for event in list_changes(previous, seen, state):
                yield event
