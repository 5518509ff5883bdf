from __future__ import annotations

import pytest
from pydantic import ValidationError as PydanticValidationError

from chain_processor_core.models import Role, UserCreate, UserUpdate, UserUpdateMe


def test_user_create_defaults_to_viewer() -> None:
    user = UserCreate(email="Ada@Example.com", password="correct horse")
    assert user.roles == [Role.VIEWER]
    assert user.is_active is True


@pytest.mark.parametrize(
    "payload",
    [
        {"email": "not-an-email", "password": "long enough"},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com", "password": "long enough", "roles": []},
        {"email": "a@example.com", "password": "long enough", "roles": ["root"]},
        {"email": "a@example.com", "password": "long enough", "is_superuser": True},
    ],
)
def test_user_create_refuses_bad_input(payload: dict[str, object]) -> None:
    with pytest.raises(PydanticValidationError):
        UserCreate.model_validate(payload)


def test_users_cannot_give_themselves_a_role() -> None:
    with pytest.raises(PydanticValidationError, match="roles"):
        UserUpdateMe.model_validate({"roles": ["admin"]})


def test_admin_update_is_partial() -> None:
    update = UserUpdate(roles=[Role.EDITOR])
    assert update.model_dump(exclude_unset=True) == {"roles": [Role.EDITOR]}
