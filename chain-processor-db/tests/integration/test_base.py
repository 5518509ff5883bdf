"""Timestamps round-trip as aware UTC on every backend; naive ones never reach the database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from chain_processor_db.models import User


def _user(**fields: object) -> User:
    return User(email=f"{uuid.uuid4().hex}@example.com", password_hash="x", **fields)


def test_timestamps_come_back_aware_utc(session: Session) -> None:
    moment = datetime(2026, 6, 1, 14, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    user = _user(last_login=moment)
    session.add(user)
    session.flush()
    session.expire_all()

    row = session.execute(select(User.last_login, User.created_at).where(User.id == user.id)).one()

    assert row.last_login == moment
    assert row.last_login.tzinfo == UTC
    assert row.last_login.hour == 12
    assert row.created_at.tzinfo == UTC


def test_naive_timestamps_are_refused(session: Session) -> None:
    session.add(_user(last_login=datetime(2026, 6, 1, 12, 0)))

    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_timestamps_compare_in_queries(session: Session) -> None:
    early = _user(last_login=datetime(2026, 1, 1, tzinfo=UTC))
    late = _user(last_login=datetime(2026, 1, 1, 2, tzinfo=timezone(timedelta(hours=-5))))
    session.add_all([early, late])
    session.flush()

    after = datetime(2026, 1, 1, 6, tzinfo=UTC)
    found = session.scalars(select(User).where(User.last_login > after)).all()

    assert found == [late]
