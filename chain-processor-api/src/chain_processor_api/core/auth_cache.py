"""Sign-ins this process checked in the last few seconds, so that most requests authenticate
without reading the database (ADR-0011).

An entry says: this sign-in session of this user was live and the user active, with these
column values, when it was read. It is used only while the process LISTENs on
``chain_auth_changes`` (PostgreSQL; migration 0005's triggers NOTIFY the user's id when a
user row changes or a session of theirs is revoked or deleted) and for at most ``seconds``.
A notification forgets the user's entries; so does the commit of a change in this process
(:func:`forget_on_commit`), before the answer leaves, so the next request of the same client
never finds a sign-in it has just ended. Losing the connection forgets everything and stops
the cache until it is back.

A read that began before a change must not store what it read after the change was
forgotten: :meth:`AuthCache.put` stores only when no change was heard since the caller took
:attr:`AuthCache.generation`, before its read.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from chain_processor_db.models import User
from chain_processor_db.models.auth import AuthSession

_COLUMNS = tuple(attribute.key for attribute in User.__mapper__.column_attrs)
_CHANGED = "auth_cache_changed"
"""``session.info`` key: the ids of users whose rows or sessions the session changed, or
``None`` for "maybe any" (a bulk statement)."""
_TABLES = frozenset({User.__tablename__, AuthSession.__tablename__})


@dataclass(frozen=True)
class _Entry:
    user_id: uuid.UUID
    columns: dict[str, Any]
    expires_at: float


class AuthCache:
    """Checked sign-ins by session id; off (every request reads) until :meth:`listening`
    says notifications come, and always off when ``seconds`` is 0."""

    def __init__(
        self,
        seconds: float,
        *,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.capacity = capacity
        self._clock = clock
        self._entries: dict[uuid.UUID, _Entry] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._on = False

    @property
    def generation(self) -> int:
        """Take before reading a sign-in; hand to :meth:`put` with what was read."""
        return self._generation

    def listening(self, up: bool) -> None:
        """The notification connection came up, or went down: either way nothing kept is
        known to be current any more."""
        with self._lock:
            self._on = up and self.seconds > 0
            self._forget_all()

    def forget(self, user_ids: Iterable[uuid.UUID] | None) -> None:
        """Forget the sign-ins of these users (``None``: everyone's)."""
        with self._lock:
            if user_ids is None:
                self._forget_all()
                return
            gone = set(user_ids)
            self._generation += 1
            for session_id in [k for k, e in self._entries.items() if e.user_id in gone]:
                del self._entries[session_id]

    def forget_payload(self, payload: str) -> None:
        """What a ``chain_auth_changes`` notification says: a user id (anything else is
        taken as "maybe anyone")."""
        try:
            user_id = uuid.UUID(payload.strip())
        except ValueError:
            self.forget(None)
        else:
            self.forget([user_id])

    def put(self, session_id: uuid.UUID, user: User, generation: int) -> None:
        """Keep a sign-in just checked, read after :attr:`generation` was ``generation``."""
        columns = {key: copy.deepcopy(getattr(user, key)) for key in _COLUMNS}
        with self._lock:
            if not self._on or generation != self._generation:
                return  # off, or something changed while it was read: it may be stale
            self._entries.pop(session_id, None)
            while len(self._entries) >= self.capacity:
                del self._entries[next(iter(self._entries))]  # the oldest
            expires_at = self._clock() + self.seconds
            self._entries[session_id] = _Entry(user.id, columns, expires_at)

    def user(self, session_id: uuid.UUID, user_id: uuid.UUID, session: Session) -> User | None:
        """The user of a live sign-in kept for ``session_id``, as a row of ``session`` (as if
        it had read it, without a statement); ``None`` when the caller must read it."""
        if not self._on:
            return None
        entry = self._entries.get(session_id)
        if entry is None or entry.user_id != user_id:
            return None
        if entry.expires_at <= self._clock():
            with self._lock:
                if self._entries.get(session_id) is entry:
                    del self._entries[session_id]
            return None
        loaded = session.identity_map.get(User.__mapper__.identity_key_from_primary_key((user_id,)))
        if isinstance(loaded, User):
            return loaded  # the session has the row already (a session shared by requests)
        user: User = User.__mapper__.class_manager.new_instance()
        for key, value in entry.columns.items():  # a handler may change its lists in place
            mutable = isinstance(value, list | dict)
            set_committed_value(user, key, copy.deepcopy(value) if mutable else value)
        make_transient_to_detached(user)
        session.add(user)  # persistent, as if loaded: a handler may change it and commit
        return user

    def __len__(self) -> int:
        return len(self._entries)

    def _forget_all(self) -> None:
        self._generation += 1
        self._entries.clear()


def forget_on_commit(sessions: sessionmaker[Session], cache: AuthCache) -> None:
    """Forget, when a session of ``sessions`` commits, the sign-ins of the users whose rows
    or sessions it changed (listeners set once, not per request)."""

    def changed(session: Session) -> set[uuid.UUID] | None:
        return session.info.setdefault(_CHANGED, set())  # type: ignore[no-any-return]

    def flushed(session: Session, _context: object) -> None:
        ids = changed(session)
        if ids is None:
            return
        for row in [*session.dirty, *session.deleted]:
            if isinstance(row, User):
                ids.add(row.id)
            elif isinstance(row, AuthSession):
                ids.add(row.user_id)

    def executed(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _TABLES:
            state.session.info[_CHANGED] = None  # which rows: only the statement knows

    def committed(session: Session) -> None:
        ids = session.info.pop(_CHANGED, set())
        if ids is None or ids:
            cache.forget(ids)

    def rolled_back(session: Session) -> None:
        session.info.pop(_CHANGED, None)

    event.listen(sessions, "after_flush", flushed)
    event.listen(sessions, "do_orm_execute", executed)
    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)
