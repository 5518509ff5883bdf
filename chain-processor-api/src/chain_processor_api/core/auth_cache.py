"""Sign-ins this process checked in the last few seconds, so that most requests authenticate
without reading the database (ADR-0011; the keeping itself is :mod:`.kept`).

An entry says: this sign-in session of this user was live and the user active, with these
column values, when it was read. It is used only while the process LISTENs on
``chain_auth_changes`` (PostgreSQL; migration 0005's triggers NOTIFY the user's id when a
user row changes or a session of theirs is revoked or deleted) and for at most ``seconds``.
A notification forgets the user's entries; so does the commit of a change in this process
(:func:`forget_on_commit`), before the answer leaves, so the next request of the same client
never finds a sign-in it has just ended. Losing the connection forgets everything and stops
the cache until it is back.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from chain_processor_api.core import kept
from chain_processor_db.models import User
from chain_processor_db.models.auth import AuthSession

_COLUMNS = tuple(attribute.key for attribute in User.__mapper__.column_attrs)
_TABLES = frozenset({User.__tablename__, AuthSession.__tablename__})


class AuthCache(kept.Kept[uuid.UUID, dict[str, Any]]):
    """Checked sign-ins by session id, filed under their user's id."""

    def put_user(self, session_id: uuid.UUID, user: User, generation: int) -> None:
        """Keep a sign-in just checked, read after :attr:`generation` was ``generation``."""
        columns = {key: copy.deepcopy(getattr(user, key)) for key in _COLUMNS}
        self.put(session_id, user.id, columns, generation)

    def user(self, session_id: uuid.UUID, user_id: uuid.UUID, session: Session) -> User | None:
        """The user of a live sign-in kept for ``session_id``, as a row of ``session`` (as if
        it had read it, without a statement); ``None`` when the caller must read it."""
        entry = self.entry(session_id)
        if entry is None or entry.tag != user_id:
            return None
        loaded = session.identity_map.get(User.__mapper__.identity_key_from_primary_key((user_id,)))
        if isinstance(loaded, User):
            return loaded  # the session has the row already (a session shared by requests)
        user: User = User.__mapper__.class_manager.new_instance()
        for key, value in entry.value.items():  # a handler may change its lists in place
            mutable = isinstance(value, list | dict)
            set_committed_value(user, key, copy.deepcopy(value) if mutable else value)
        make_transient_to_detached(user)
        session.add(user)  # persistent, as if loaded: a handler may change it and commit
        return user


def _user_of(row: object) -> uuid.UUID | None:
    if isinstance(row, User):
        return row.id
    if isinstance(row, AuthSession):
        return row.user_id
    return None


def forget_on_commit(sessions: sessionmaker[Session], cache: AuthCache) -> None:
    """Forget, when a session of ``sessions`` commits, the sign-ins of the users whose rows
    or sessions it changed (listeners set once, not per request)."""
    kept.forget_on_commit(sessions, cache, tables=_TABLES, tag_of=_user_of)
