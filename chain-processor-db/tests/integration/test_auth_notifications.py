"""Migration 0005's triggers: a change to a user, or to whether a sign-in session of theirs
is live, NOTIFYs ``chain_auth_changes`` with the user's id on commit (PostgreSQL only)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from chain_processor_db.repositories.auth import (
    AUTH_CHANGES_CHANNEL,
    add_refresh_token,
    create_auth_session,
    revoke_auth_session,
    revoke_user_sessions,
)
from chain_processor_db.repositories.users import delete_user
from tests.conftest import Database, engine_for, listening_on, triggers_around
from tests.factories import make_user


def test_user_and_revocation_changes_notify_the_user_id(migrated_database: Database) -> None:
    if migrated_database.backend != "postgres":
        pytest.skip("LISTEN needs a direct PostgreSQL connection; SQLite has no NOTIFY")
    engine = engine_for(migrated_database)
    with Session(engine, expire_on_commit=False) as session:
        user, other = make_user(session), make_user(session)
        live = create_auth_session(session=session, user_id=user.id)
        create_auth_session(session=session, user_id=other.id)
        session.commit()
    try:
        with listening_on(migrated_database, AUTH_CHANGES_CHANNEL) as ear:
            with Session(engine) as session:  # a refresh: no change to who is signed in
                expires = datetime.now(UTC) + timedelta(days=1)
                auth_session = session.merge(live)
                add_refresh_token(
                    session=session, auth_session=auth_session, token_hash="h", expires_at=expires
                )
                session.commit()
            with Session(engine) as session:
                revoke_auth_session(session=session, auth_session=session.merge(live), reason="x")
                session.commit()
            with Session(engine) as session:
                session.merge(user).roles = ["viewer"]
                session.commit()
            with Session(engine) as session:  # the sessions' rows go too (cascade): one notice
                revoke_user_sessions(session=session, user_id=other.id, reason="deactivated")
                session.commit()
            with Session(engine) as session:
                delete_user(session=session, user=session.merge(other))
                session.commit()
            heard = [(n.channel, n.payload) for n in ear.notifies(timeout=1)]
    finally:
        engine.dispose()
    assert heard == [
        (AUTH_CHANGES_CHANNEL, str(user.id)),  # the revocation
        (AUTH_CHANGES_CHANNEL, str(user.id)),  # the roles
        (AUTH_CHANGES_CHANNEL, str(other.id)),  # the other's sessions revoked
        (AUTH_CHANGES_CHANNEL, str(other.id)),  # the other deleted, sessions and all
    ]


def test_the_triggers_come_and_go_with_the_migration(migrated_database: Database) -> None:
    at_head, before, after = triggers_around(
        migrated_database, "%notify_auth_change", table="users", down_to="0004"
    )
    expected = ["auth_sessions_notify_auth_change", "users_notify_auth_change"]
    assert at_head == (expected if migrated_database.is_postgres else [])
    assert before == []
    assert after == at_head
