from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import AlreadyExistsError, UserNotFoundError
from chain_processor_core.models.common import Role
from chain_processor_core.models.users import UserCreate, UserUpdate, UserUpdateMe
from chain_processor_core.passwords import verify_password
from chain_processor_db.base import utcnow
from chain_processor_db.models import Node
from chain_processor_db.repositories.users import (
    count_active_admins,
    create_user,
    delete_user,
    get_user,
    get_user_by_email,
    list_users,
    record_login,
    set_password,
    update_user,
)
from tests.factories import PASSWORD, make_node, make_user


def test_create_user(session: Session) -> None:
    user_in = UserCreate(
        email="Ada.Lovelace@Example.com",
        password="analytical engine",
        full_name="Ada Lovelace",
        roles=[Role.ADMIN, Role.EDITOR],
    )

    user = create_user(session=session, user_in=user_in, is_superuser=True)

    assert user.email == "ada.lovelace@example.com"
    assert user.password_hash != "analytical engine"
    assert verify_password("analytical engine", user.password_hash)
    assert user.roles == ["admin", "editor"]
    assert (user.full_name, user.is_active, user.is_superuser) == ("Ada Lovelace", True, True)
    assert user.version == 1
    assert user.created_at.tzinfo is not None
    assert get_user(session=session, user_id=user.id) is user


@pytest.mark.parametrize("email", ["taken@example.com", "Taken@EXAMPLE.com"])
def test_create_user_with_a_taken_email(session: Session, email: str) -> None:
    make_user(session, email="taken@example.com")
    user_in = UserCreate(email=email, password=PASSWORD)

    with pytest.raises(AlreadyExistsError) as caught:
        create_user(session=session, user_in=user_in)

    assert caught.value.field == "email"


def test_get_user_unknown(session: Session) -> None:
    with pytest.raises(UserNotFoundError):
        get_user(session=session, user_id=uuid.uuid4())


def test_get_user_by_email_ignores_case(session: Session) -> None:
    user = make_user(session, email="grace@example.com")

    assert get_user_by_email(session=session, email="GRACE@example.COM") is user
    assert get_user_by_email(session=session, email="nobody@example.com") is None


def test_list_users_pages_in_email_order(session: Session) -> None:
    for name in ["carol", "alice", "dave", "bob"]:
        make_user(session, email=f"{name}@example.com")

    first, count = list_users(session=session, limit=3)
    rest, count_again = list_users(session=session, offset=3, limit=3)

    assert count == count_again == 4
    assert [user.email for user in first] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    assert [user.email for user in rest] == ["dave@example.com"]


def test_update_user(session: Session) -> None:
    user = make_user(session, full_name="Old Name")
    update = UserUpdate(
        email="New.Address@Example.com",
        roles=[Role.ADMIN],
        full_name=None,
        is_active=False,
        preferences={"theme": "dark"},
    )

    updated = update_user(session=session, user=user, user_in=update)

    assert updated.email == "new.address@example.com"
    assert updated.roles == ["admin"]
    assert updated.full_name is None
    assert updated.is_active is False
    assert updated.preferences == {"theme": "dark"}
    assert updated.version == 2


def test_update_user_leaves_unset_and_none_fields(session: Session) -> None:
    user = make_user(session, full_name="Kept", preferences={"theme": "light"})

    update_user(session=session, user=user, user_in=UserUpdate(email=None, preferences=None))

    assert (user.full_name, user.preferences) == ("Kept", {"theme": "light"})
    assert user.version == 1


def test_update_me(session: Session) -> None:
    user = make_user(session, roles=[Role.VIEWER])

    update_user(session=session, user=user, user_in=UserUpdateMe(full_name="Me", preferences={}))

    assert (user.full_name, user.preferences, user.roles) == ("Me", {}, ["viewer"])


def test_update_user_to_a_taken_email(session: Session) -> None:
    make_user(session, email="first@example.com")
    second = make_user(session, email="second@example.com")

    with pytest.raises(AlreadyExistsError) as caught:
        update_user(session=session, user=second, user_in=UserUpdate(email="FIRST@example.com"))

    assert caught.value.field == "email"


def test_set_password(session: Session) -> None:
    user = make_user(session)

    set_password(session=session, user=user, password="a brand new secret")

    assert verify_password("a brand new secret", user.password_hash)
    assert not verify_password(PASSWORD, user.password_hash)


def test_record_login(session: Session) -> None:
    user = make_user(session)
    assert user.last_login is None

    record_login(session=session, user=user)
    session.expire(user)

    assert user.last_login is not None
    assert abs(utcnow() - user.last_login) < timedelta(minutes=1)


def test_delete_user_keeps_what_they_made(session: Session) -> None:
    user = make_user(session)
    node = make_node(session, created_by_id=user.id)

    delete_user(session=session, user=user)
    session.expire(node)

    with pytest.raises(UserNotFoundError):
        get_user(session=session, user_id=user.id)
    assert session.get(Node, node.id) is node
    assert node.created_by_id is None


def test_count_active_admins(session: Session) -> None:
    before = count_active_admins(session=session)
    admin = make_user(session, roles=[Role.ADMIN])
    make_user(session, roles=[Role.EDITOR, Role.ADMIN], is_active=False)
    make_user(session, roles=[Role.EDITOR])

    assert count_active_admins(session=session) == before + 1
    assert count_active_admins(session=session, excluding=admin.id) == before
