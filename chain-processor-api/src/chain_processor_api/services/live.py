"""Live progress of one execution, for the WebSocket and the SSE endpoint (the list's
streams are in :mod:`.live_list`, on the same hub).

A watcher loads the execution and its node executions, sends what changed since its last
look, and sleeps until woken or until the poll interval passes; it ends after the execution
reaches a final status. On PostgreSQL one ``LISTEN chain_execution_events`` connection per
process (straight to PostgreSQL: PgBouncer in transaction mode cannot LISTEN) wakes the
watchers of the execution named in the payload (its id, or JSON with ``execution_id``); an
unreadable payload wakes every watcher. The same connection LISTENs on
``chain_executions_pending`` (new executions) for the list streams, and on the channels of
the process's kept reads (:mod:`chain_processor_api.core.kept`): ``chain_auth_changes`` for
the sign-ins, ``chain_strategy_changes`` for the submits' run targets.
On SQLite, which has no NOTIFY, one task per process asks every ``SQLITE_CHECK_SECONDS``
whether another connection committed to the file (:mod:`chain_processor_db.changes`, which
reads no table) and wakes every watcher when one did. Polling is the fallback everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import anyio.to_thread
import psycopg
from sqlalchemy.orm import Session

from chain_processor_api.core.kept import Kept
from chain_processor_api.services.executions import EVENTS_CHANNEL, PENDING_CHANNEL, find_view
from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.changes import SqliteCommits
from chain_processor_db.repositories.executions import read_node_executions

LISTEN_CHANNELS = (EVENTS_CHANNEL, PENDING_CHANNEL)
"""Progress and new executions (for the list streams); the kept reads' channels besides."""
LISTEN_APPLICATION_NAME = "chain-processor-api-listen"
"""How the LISTEN connection shows in ``pg_stat_activity``."""
LISTENING_POLL_SECONDS = 15.0
"""A watcher's safety-net poll while notifications come."""
SQLITE_CHECK_SECONDS = 0.1
"""How often, on SQLite and while anyone watches, the file is checked for others' commits."""

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], AbstractContextManager[Session]]
Event = dict[str, Any]


@dataclass
class Snapshot:
    execution: dict[str, Any]
    nodes: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_final(self) -> bool:
        return ExecutionStatus(self.execution["status"]).is_final


def read_snapshot(session: Session, execution_id: uuid.UUID) -> Snapshot | None:
    """The execution and its nodes as they are now, read in ``session`` (the caller ends
    its transaction, if it has one). Two statements, the execution's first: in autocommit
    the nodes read are at least as new as the execution's status, so a final status is
    never sent with nodes older than it."""
    execution = find_view(session, execution_id)
    if execution is None:
        return None
    nodes = read_node_executions(session=session, execution_id=execution_id)
    return Snapshot(
        execution=execution.model_dump(mode="json"),
        nodes={node.position: node.model_dump(mode="json") for node in nodes},
    )


def load_snapshot(factory: SessionFactory, execution_id: uuid.UUID) -> Snapshot | None:
    with factory() as session:
        snapshot = read_snapshot(session, execution_id)
        session.commit()  # end the read transaction: a stream must not hold one open
        return snapshot


def changes(previous: Snapshot | None, current: Snapshot) -> list[Event]:
    """Node events first (by position), then the execution's, so a final status comes last."""
    events: list[Event] = []
    for position in sorted(current.nodes):
        node = current.nodes[position]
        if previous is None or previous.nodes.get(position) != node:
            events.append({"type": "node", "data": node})
    if previous is None or previous.execution != current.execution:
        events.append({"type": "execution", "data": current.execution})
    return events


class ExecutionEvents:
    """Wakes the watchers of an execution, and the watchers of the list on any change: on
    NOTIFY when a listen URL is given, on a commit to the file when a SQLite one is."""

    def __init__(
        self,
        listen_url: str | None,
        *,
        sqlite_file: str | None = None,
        sqlite_check_s: float = SQLITE_CHECK_SECONDS,
        kept: Mapping[str, Kept[Any, Any]] | None = None,
    ) -> None:
        """``kept``: by channel, the kept reads its notifications forget; each is told when
        the LISTEN connection comes and goes (SQLite's watch tells them nothing: they stay
        off)."""
        self.listen_url = listen_url
        self.kept = dict(kept or {})
        self._kept_by_channel = {channel.encode(): k for channel, k in self.kept.items()}
        self.sqlite_file = sqlite_file
        self.sqlite_check_s = sqlite_check_s
        self.listening = False
        """Whether the LISTEN connection (or the SQLite file's watch) is up: then a
        notification wakes the watchers, and their polling is only a safety net."""
        self._watchers: dict[uuid.UUID, set[asyncio.Event]] = defaultdict(set)
        self._list_watchers: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None

    def poll_seconds(self, requested: float) -> float:
        """How long a watcher sleeps unless woken: ``requested`` while nothing LISTENs (on
        SQLite, or while the connection is down), at least ``LISTENING_POLL_SECONDS`` while
        notifications come (with 100 watchers, a reload each a second was half the API's
        work under load)."""
        return max(requested, LISTENING_POLL_SECONDS) if self.listening else requested

    @contextlib.contextmanager
    def subscribe_all(self) -> Any:
        """An event set on every notification, whichever execution it names."""
        self._ensure_listening()
        event = asyncio.Event()
        self._list_watchers.add(event)
        try:
            yield event
        finally:
            self._list_watchers.discard(event)

    @contextlib.contextmanager
    def subscribe(self, execution_id: uuid.UUID) -> Any:
        self._ensure_listening()
        event = asyncio.Event()
        self._watchers[execution_id].add(event)
        try:
            yield event
        finally:
            self._watchers[execution_id].discard(event)
            if not self._watchers[execution_id]:
                del self._watchers[execution_id]

    def wake(self, execution_id: uuid.UUID | None) -> None:
        """Wake the watchers of ``execution_id``, or all of them when it is None."""
        if execution_id is None:
            targets = [e for events in self._watchers.values() for e in events]
        else:
            targets = list(self._watchers.get(execution_id, ()))
        for event in [*targets, *self._list_watchers]:
            event.set()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def start(self) -> None:
        """On PostgreSQL, LISTEN from now on, not only once someone watches: the auth cache
        works only while notifications come."""
        if self.listen_url is not None:
            self._ensure_listening()

    def _ensure_listening(self) -> None:
        if self._task is not None and not self._task.done():
            return
        if self.listen_url is not None:
            self._task = asyncio.get_running_loop().create_task(self._listen(self.listen_url))
        elif self.sqlite_file is not None:
            self._task = asyncio.get_running_loop().create_task(self._watch(self.sqlite_file))

    def _has_watchers(self) -> bool:
        return bool(self._watchers or self._list_watchers)

    async def _listen(self, url: str) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    url, autocommit=True, application_name=LISTEN_APPLICATION_NAME
                ) as conn:
                    for channel in (*LISTEN_CHANNELS, *self.kept):
                        await conn.execute(f"LISTEN {channel}")
                    self.listening = True
                    for kept in self.kept.values():
                        kept.listening(True)
                    self.wake(None)  # catch up on what happened while not listening
                    await self._read_notifications(conn.pgconn)
            except psycopg.Error:
                logger.warning("listen connection lost", extra={"action": "listen_retry"})
            finally:
                self.listening = False
                for kept in self.kept.values():
                    kept.listening(False)
            self.wake(None)  # back to polling at the requested interval until reconnected
            await asyncio.sleep(1)

    async def _read_notifications(self, pgconn: psycopg.pq.abc.PGconn) -> None:
        """Wake watchers for each notification until the connection fails (then raise).

        Read at the libpq level whenever the socket is readable: ``AsyncConnection.notifies``
        waits for each notification in turn through psycopg's generic wait machinery, which
        cost about a tenth of the API's CPU under load (every run's progress reaches every
        API process, watched or not)."""
        loop = asyncio.get_running_loop()
        failed: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            try:
                pgconn.consume_input()
            except psycopg.Error as error:
                if not failed.done():
                    failed.set_exception(error)
                return
            while (notice := pgconn.notifies()) is not None:
                payload = notice.extra.decode("utf-8", "replace")
                if (kept := self._kept_by_channel.get(notice.relname)) is not None:
                    kept.forget_payload(payload)
                else:
                    self.wake(parse_payload(payload))

        loop.add_reader(pgconn.socket, readable)
        try:
            readable()  # anything that came with the LISTENs' answers
            await failed
        finally:
            loop.remove_reader(pgconn.socket)

    async def _watch(self, path: str) -> None:
        commits = SqliteCommits(path)
        try:
            while True:
                await asyncio.sleep(self.sqlite_check_s)
                if not self._has_watchers():
                    continue  # nobody to wake; a change meanwhile wakes the next ones once
                try:
                    changed = await anyio.to_thread.run_sync(commits.changed)
                except sqlite3.Error:
                    if self.listening:
                        logger.warning(
                            "watching the database file failed", extra={"action": "listen_retry"}
                        )
                    self.listening = False
                    self.wake(None)  # poll at the requested interval until it works again
                    await asyncio.sleep(1)
                    continue
                if not self.listening:
                    self.listening = True
                    self.wake(None)  # catch up on what happened while not watching
                elif changed:
                    self.wake(None)
        finally:
            self.listening = False
            commits.close()


_LEADING_ID = re.compile(r'\{\s*"execution_id"\s*:\s*"([0-9A-Fa-f-]{36})"')
"""The start of the executor's payloads, as ``json.dumps`` and ``json_build_object`` write
them: read without parsing the JSON (every API process reads every notification)."""


def parse_payload(payload: str) -> uuid.UUID | None:
    """The execution id of a notification: the payload itself, or its ``execution_id``
    (the executor's progress, the most frequent, is JSON: it is not tried as an id first)."""
    text = payload.strip()
    if leading := _LEADING_ID.match(text):
        with contextlib.suppress(ValueError):
            return uuid.UUID(leading[1])
    if text.startswith("{"):
        with contextlib.suppress(ValueError, TypeError, KeyError):
            return uuid.UUID(str(json.loads(text)["execution_id"]))
        return None
    with contextlib.suppress(ValueError):
        return uuid.UUID(text)
    return None


async def watch(
    execution_id: uuid.UUID,
    *,
    factory: SessionFactory,
    hub: ExecutionEvents,
    poll_seconds: float,
) -> AsyncIterator[Event]:
    """Events of one execution until it ends: the current state first, then each change."""
    with hub.subscribe(execution_id) as woken:
        async for event in follow(
            execution_id, woken, factory=factory, hub=hub, poll_seconds=poll_seconds
        ):
            yield event


async def follow(
    execution_id: uuid.UUID,
    woken: asyncio.Event,
    *,
    factory: SessionFactory,
    hub: ExecutionEvents,
    poll_seconds: float,
    first: Snapshot | None = None,
) -> AsyncIterator[Event]:
    """:func:`watch` inside a subscription the caller holds (``woken``). ``first`` is the
    state the caller read after subscribing, if it did (a change since then has set
    ``woken``, so it is read again at once); otherwise it is read here first."""
    previous: Snapshot | None = None
    current = first
    while True:
        if current is None:
            woken.clear()  # what wakes it from here on is not in the state read now
            current = await anyio.to_thread.run_sync(load_snapshot, factory, execution_id)
            if current is None:
                return
        for event in changes(previous, current):
            yield event
        if current.is_final:
            return
        previous, current = current, None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(woken.wait(), timeout=hub.poll_seconds(poll_seconds))
