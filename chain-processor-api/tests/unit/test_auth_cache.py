"""The auth cache on its own: what it keeps, for how long, and what makes it forget."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from chain_processor_api.core.auth_cache import AuthCache
from chain_processor_db.models import User


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def a_user(**columns: object) -> User:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "email": "kept@example.com",
        "password_hash": "x",
        "full_name": "Kept",
        "is_active": True,
        "is_superuser": False,
        "roles": ["editor"],
        "preferences": {"theme": "dark"},
        "version": 3,
        **columns,
    }
    return User(**values)


def listening_cache(seconds: float = 10, **kwargs: object) -> AuthCache:
    cache = AuthCache(seconds, **kwargs)  # type: ignore[arg-type]
    cache.listening(True)
    return cache


def test_a_kept_sign_in_gives_the_user_as_a_row_of_the_session_without_a_statement() -> None:
    cache, user, sid = listening_cache(), a_user(), uuid.uuid4()
    cache.put_user(sid, user, cache.generation)
    session = Session()  # no engine: any statement would fail
    kept = cache.user(sid, user.id, session)
    assert kept is not None and kept is not user
    assert (kept.id, kept.email, kept.roles, kept.preferences, kept.version) == (
        user.id,
        "kept@example.com",
        ["editor"],
        {"theme": "dark"},
        3,
    )
    state = inspect(kept)
    assert state.persistent and kept in session and not session.dirty
    kept.roles.append("admin")  # a handler changing its copy changes nothing kept
    again = cache.user(sid, user.id, Session())
    assert again is not None and again.roles == ["editor"]


def test_a_session_that_has_the_user_gets_its_own_row() -> None:
    cache, user, sid = listening_cache(), a_user(), uuid.uuid4()
    cache.put_user(sid, user, cache.generation)
    session = Session()
    first = cache.user(sid, user.id, session)
    assert cache.user(sid, user.id, session) is first


def test_nothing_is_kept_until_notifications_come_nor_when_it_is_off() -> None:
    user, sid = a_user(), uuid.uuid4()
    waiting = AuthCache(10)
    waiting.put_user(sid, user, waiting.generation)
    off = AuthCache(0)
    off.listening(True)
    off.put_user(sid, user, off.generation)
    assert (len(waiting), len(off)) == (0, 0)
    assert waiting.user(sid, user.id, Session()) is None


def test_a_sign_in_is_kept_for_its_seconds_and_only_for_its_user() -> None:
    clock = Clock()
    cache, user, sid = listening_cache(5, clock=clock), a_user(), uuid.uuid4()
    cache.put_user(sid, user, cache.generation)
    assert cache.user(sid, uuid.uuid4(), Session()) is None  # a token of someone else
    clock.now += 4.9
    assert cache.user(sid, user.id, Session()) is not None
    clock.now += 0.1
    assert cache.user(sid, user.id, Session()) is None
    assert len(cache) == 0


def test_a_change_forgets_the_users_sign_ins_and_only_theirs() -> None:
    cache = listening_cache()
    one, two = a_user(), a_user()
    sessions = {uuid.uuid4(): one, uuid.uuid4(): one, uuid.uuid4(): two}
    for sid, user in sessions.items():
        cache.put_user(sid, user, cache.generation)
    cache.forget_payload(f" {one.id}\n")
    left = {sid for sid, user in sessions.items() if cache.user(sid, user.id, Session())}
    assert left == {sid for sid, user in sessions.items() if user is two}
    cache.forget_payload("not an id")  # unreadable: anyone may have changed
    assert len(cache) == 0


def test_what_was_read_while_a_change_came_is_not_kept() -> None:
    cache, user, sid = listening_cache(), a_user(), uuid.uuid4()
    before_the_read = cache.generation
    cache.forget([uuid.uuid4()])  # heard during the read, whoever it was about
    cache.put_user(sid, user, before_the_read)
    assert len(cache) == 0
    cache.put_user(sid, user, cache.generation)
    assert len(cache) == 1


def test_losing_the_notifications_forgets_everything_and_stops_keeping() -> None:
    cache, user, sid = listening_cache(), a_user(), uuid.uuid4()
    cache.put_user(sid, user, cache.generation)
    cache.listening(False)
    assert cache.user(sid, user.id, Session()) is None
    cache.put_user(sid, user, cache.generation)
    assert len(cache) == 0
    cache.listening(True)  # back: starts empty
    assert len(cache) == 0


def test_a_full_cache_lets_the_oldest_go() -> None:
    cache = listening_cache(capacity=2)
    kept = [(uuid.uuid4(), a_user()) for _ in range(3)]
    for sid, user in kept:
        cache.put_user(sid, user, cache.generation)
    assert [cache.user(sid, user.id, Session()) is not None for sid, user in kept] == [
        False,
        True,
        True,
    ]
