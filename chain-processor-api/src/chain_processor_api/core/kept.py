"""What a process read from the database in the last few seconds, kept while it hears of the
changes that would make it wrong (ADR-0011, ADR-0012).

Each entry is filed under a key (what is asked for) and a tag: the id whose change ends it
(a user's id for a sign-in, a chain's id for a submit's run target). Entries are used only
while the process LISTENs for those changes (:meth:`Kept.listening`) and for at most
``seconds``. A notification naming a tag forgets its entries; so does the commit of a change
in this process (:func:`forget_on_commit`), before the answer leaves. Losing the connection
forgets everything and stops keeping until it is back.

A read that began before a change must not keep what it read after the change was
forgotten: :meth:`Kept.put` keeps only when no change was heard since the caller took
:attr:`Kept.generation`, before its read.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Entry(Generic[V]):
    tag: uuid.UUID
    value: V
    expires_at: float


class Kept(Generic[K, V]):
    """Entries by key; off (every caller reads) until :meth:`listening` says notifications
    come, and always off when ``seconds`` is 0."""

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
        self._entries: dict[K, Entry[V]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        self._on = False

    @property
    def generation(self) -> int:
        """Take before reading; hand to :meth:`put` with what was read."""
        return self._generation

    def listening(self, up: bool) -> None:
        """The notification connection came up, or went down: either way nothing kept is
        known to be current any more."""
        with self._lock:
            self._on = up and self.seconds > 0
            self._forget_all()

    def forget(self, tags: Iterable[uuid.UUID] | None) -> None:
        """Forget the entries of these tags (``None``: every entry)."""
        with self._lock:
            if tags is None:
                self._forget_all()
                return
            gone = set(tags)
            self._generation += 1
            for key in [k for k, e in self._entries.items() if e.tag in gone]:
                del self._entries[key]

    def forget_payload(self, payload: str) -> None:
        """What a notification says: an id (anything else is taken as "maybe any")."""
        try:
            tag = uuid.UUID(payload.strip())
        except ValueError:
            self.forget(None)
        else:
            self.forget([tag])

    def put(self, key: K, tag: uuid.UUID, value: V, generation: int) -> None:
        """Keep ``value``, read after :attr:`generation` was ``generation``."""
        with self._lock:
            if not self._on or generation != self._generation:
                return  # off, or something changed while it was read: it may be stale
            self._entries.pop(key, None)
            while len(self._entries) >= self.capacity:
                del self._entries[next(iter(self._entries))]  # the oldest
            self._entries[key] = Entry(tag, value, self._clock() + self.seconds)

    def entry(self, key: K) -> Entry[V] | None:
        """The live entry of ``key``; ``None`` when the caller must read."""
        if not self._on:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires_at <= self._clock():
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]
            return None
        return entry

    def __len__(self) -> int:
        return len(self._entries)

    def _forget_all(self) -> None:
        self._generation += 1
        self._entries.clear()


def forget_on_commit(
    sessions: sessionmaker[Session],
    kept: Kept[K, V],
    *,
    tables: frozenset[str],
    tag_of: Callable[[object], uuid.UUID | None],
) -> None:
    """Forget, when a session of ``sessions`` commits, the entries of the tags its changed
    rows give (``tag_of`` a new, changed or deleted ORM row: its tag, or ``None`` when it does
    not matter to ``kept``); an UPDATE or DELETE statement on one of ``tables`` forgets
    everything, since only the statement knows which rows it changed. Listeners are set once,
    not per request."""
    info_key = ("kept_changed", id(kept))
    """``session.info``: the tags the session changed, or ``None`` for "maybe any"."""

    def changed(session: Session) -> set[uuid.UUID] | None:
        return session.info.setdefault(info_key, set())  # type: ignore[no-any-return]

    def flushed(session: Session, _context: object) -> None:
        tags = changed(session)
        if tags is None:
            return
        for row in [*session.new, *session.dirty, *session.deleted]:
            if (tag := tag_of(row)) is not None:
                tags.add(tag)

    def executed(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete):
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in tables:
            state.session.info[info_key] = None

    def committed(session: Session) -> None:
        tags = session.info.pop(info_key, set())
        if tags is None or tags:
            kept.forget(tags)

    def rolled_back(session: Session) -> None:
        session.info.pop(info_key, None)

    event.listen(sessions, "after_flush", flushed)
    event.listen(sessions, "do_orm_execute", executed)
    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", rolled_back)
