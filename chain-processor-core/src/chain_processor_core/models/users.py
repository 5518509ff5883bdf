"""User shapes. Passwords only ever travel inwards; the hash never leaves the database."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import EmailStr, Field, StringConstraints

from chain_processor_core.models.common import NoNul, PublicSchema, Role, Schema

Password = Annotated[str, StringConstraints(min_length=8, max_length=128), NoNul]
FullName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), NoNul]


class UserCreate(Schema):
    email: EmailStr = Field(max_length=254)
    password: Password
    full_name: FullName | None = None
    roles: list[Role] = Field(default_factory=lambda: [Role.VIEWER], min_length=1)
    is_active: bool = Field(default=True, strict=True)


class UserUpdate(Schema):
    """What an admin may change on a user; every field is optional."""

    email: EmailStr | None = Field(default=None, max_length=254)
    full_name: FullName | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    is_active: bool | None = Field(default=None, strict=True)
    preferences: dict[str, Any] | None = None


class UserUpdateMe(Schema):
    """What users may change on themselves: never their roles or active flag."""

    full_name: FullName | None = None
    preferences: dict[str, Any] | None = None


class PasswordChange(Schema):
    current_password: Annotated[str, StringConstraints(max_length=128)]
    new_password: Password


class UserPublic(PublicSchema):
    id: uuid.UUID
    email: str
    full_name: str | None
    roles: list[Role]
    is_active: bool
    is_superuser: bool
    preferences: dict[str, Any]
    last_login: datetime | None
    created_at: datetime
    updated_at: datetime
