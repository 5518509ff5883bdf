from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import AlreadyExistsError, NotFoundError
from chain_processor_db.models.auth import AuthSession, RefreshToken
from chain_processor_db.repositories.auth import (
    add_refresh_token,
    create_auth_session,
    get_auth_session,
    get_refresh_token,
    get_session_user,
    revoke_auth_session,
    revoke_user_sessions,
    spend_refresh_token,
)
from chain_processor_db.repositories.users import delete_user
from tests.factories import make_user, recorded_statements

LATER = datetime(2030, 1, 1, tzinfo=UTC)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def test_create_auth_session(session: Session) -> None:
    user = make_user(session)

    auth_session = create_auth_session(
        session=session, user_id=user.id, client_address="198.51.100.4", user_agent="x" * 300
    )

    assert get_auth_session(session=session, session_id=auth_session.id) is auth_session
    assert auth_session.client_address == "198.51.100.4"
    assert auth_session.user_agent == "x" * 255
    assert (auth_session.revoked_at, auth_session.revoked_reason) == (None, None)
    assert auth_session.created_at.tzinfo is not None
    assert get_auth_session(session=session, session_id=uuid.uuid4()) is None


def test_a_session_is_read_with_its_user_in_one_query(session: Session) -> None:
    user, other = make_user(session), make_user(session)
    auth_session = create_auth_session(session=session, user_id=user.id)
    session.commit()
    session.expunge_all()

    with recorded_statements(session) as statements:
        found = get_session_user(session=session, session_id=auth_session.id, user_id=user.id)

    assert found is not None
    assert (found[0].id, found[1].id, found[1].email) == (auth_session.id, user.id, user.email)
    assert len(statements) == 1
    assert get_session_user(session=session, session_id=auth_session.id, user_id=other.id) is None
    assert get_session_user(session=session, session_id=uuid.uuid4(), user_id=user.id) is None


def test_create_auth_session_for_an_unknown_user(session: Session) -> None:
    with pytest.raises(NotFoundError):
        create_auth_session(session=session, user_id=uuid.uuid4())


def test_refresh_tokens_are_found_by_hash(session: Session) -> None:
    auth_session = create_auth_session(session=session, user_id=make_user(session).id)
    before = auth_session.last_used_at

    token = add_refresh_token(
        session=session, auth_session=auth_session, token_hash=_hash("t1"), expires_at=LATER
    )

    assert get_refresh_token(session=session, token_hash=_hash("t1")) is token
    assert get_refresh_token(session=session, token_hash=_hash("t2")) is None
    assert token.expires_at == LATER
    assert auth_session.last_used_at >= before


def test_a_token_hash_is_unique(session: Session) -> None:
    auth_session = create_auth_session(session=session, user_id=make_user(session).id)
    add_refresh_token(
        session=session, auth_session=auth_session, token_hash=_hash("t"), expires_at=LATER
    )

    with pytest.raises(AlreadyExistsError) as caught:
        add_refresh_token(
            session=session, auth_session=auth_session, token_hash=_hash("t"), expires_at=LATER
        )

    assert caught.value.field == "token_hash"


def test_a_refresh_token_is_spent_once(session: Session) -> None:
    auth_session = create_auth_session(session=session, user_id=make_user(session).id)
    token = add_refresh_token(
        session=session, auth_session=auth_session, token_hash=_hash("t"), expires_at=LATER
    )

    assert spend_refresh_token(session=session, token=token) is True
    assert token.used_at is not None
    assert spend_refresh_token(session=session, token=token) is False


def test_revoke_auth_session_keeps_the_first_reason(session: Session) -> None:
    auth_session = create_auth_session(session=session, user_id=make_user(session).id)

    revoke_auth_session(session=session, auth_session=auth_session, reason="logout" * 10)
    revoked_at = auth_session.revoked_at
    revoke_auth_session(session=session, auth_session=auth_session, reason="reuse")
    session.expire(auth_session)

    assert auth_session.revoked_at == revoked_at
    assert auth_session.revoked_reason == ("logout" * 10)[:32]


def _stored(session: Session, auth_session: AuthSession) -> tuple[bool, str | None]:
    session.refresh(auth_session)
    return auth_session.revoked_at is not None, auth_session.revoked_reason


def test_revoke_user_sessions_ends_the_live_ones(session: Session) -> None:
    user, other = make_user(session), make_user(session)
    live = [create_auth_session(session=session, user_id=user.id) for _ in range(2)]
    ended = create_auth_session(session=session, user_id=user.id)
    revoke_auth_session(session=session, auth_session=ended, reason="logout")
    theirs = create_auth_session(session=session, user_id=other.id)

    count = revoke_user_sessions(session=session, user_id=user.id, reason="password_changed")

    assert count == 2
    assert [_stored(session, s) for s in live] == [(True, "password_changed")] * 2
    assert _stored(session, ended) == (True, "logout")
    assert _stored(session, theirs) == (False, None)
    assert revoke_user_sessions(session=session, user_id=user.id, reason="again") == 0


def test_revoke_user_sessions_updates_loaded_sessions(session: Session) -> None:
    user = make_user(session)
    auth_session = create_auth_session(session=session, user_id=user.id)

    revoke_user_sessions(session=session, user_id=user.id, reason="password_changed")

    assert auth_session.revoked_reason == "password_changed"
    assert auth_session.revoked_at is not None


def test_deleting_a_user_deletes_their_sessions_and_tokens(session: Session) -> None:
    user = make_user(session)
    auth_session = create_auth_session(session=session, user_id=user.id)
    add_refresh_token(
        session=session, auth_session=auth_session, token_hash=_hash("t"), expires_at=LATER
    )

    delete_user(session=session, user=user)
    session.expire_all()

    assert session.scalar(select(func.count()).select_from(AuthSession)) == 0
    assert session.scalar(select(func.count()).select_from(RefreshToken)) == 0
