"""Query functions for users. Each takes a keyword-only ``session``, flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import UserNotFoundError
from chain_processor_core.models.common import Role
from chain_processor_core.models.users import UserCreate, UserUpdate, UserUpdateMe
from chain_processor_core.passwords import hash_password
from chain_processor_db.base import utcnow
from chain_processor_db.errors import flush
from chain_processor_db.models import User
from chain_processor_db.repositories._filters import has_tag


def create_user(*, session: Session, user_in: UserCreate, is_superuser: bool = False) -> User:
    user = User(
        email=user_in.email.lower(),
        password_hash=hash_password(user_in.password),
        full_name=user_in.full_name,
        roles=[role.value for role in user_in.roles],
        is_active=user_in.is_active,
        is_superuser=is_superuser,
    )
    session.add(user)
    flush(session)
    return user


def get_user(*, session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise UserNotFoundError()
    return user


def get_user_by_email(*, session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.lower()))


def list_users(
    *, session: Session, offset: int = 0, limit: int = 100
) -> tuple[Sequence[User], int]:
    count = session.scalar(select(func.count()).select_from(User)) or 0
    users = session.scalars(select(User).order_by(User.email).offset(offset).limit(limit)).all()
    return users, count


def count_active_admins(*, session: Session, excluding: uuid.UUID | None = None) -> int:
    """How many active users hold the admin role (``excluding`` one of them, if given)."""
    query = (
        select(func.count())
        .select_from(User)
        .where(User.is_active.is_(True), has_tag(session, User.roles, Role.ADMIN.value))
    )
    if excluding is not None:
        query = query.where(User.id != excluding)
    return session.scalar(query) or 0


def update_user(*, session: Session, user: User, user_in: UserUpdate | UserUpdateMe) -> User:
    changes = user_in.model_dump(exclude_unset=True)
    if "email" in changes and changes["email"] is not None:
        changes["email"] = changes["email"].lower()
    if "roles" in changes and changes["roles"] is not None:
        changes["roles"] = [str(role) for role in changes["roles"]]
    for field, value in changes.items():
        if value is not None or field == "full_name":
            setattr(user, field, value)
    flush(session)
    return user


def set_password(*, session: Session, user: User, password: str) -> User:
    user.password_hash = hash_password(password)
    flush(session)
    return user


def record_login(*, session: Session, user: User) -> User:
    user.last_login = utcnow()
    flush(session)
    return user


def delete_user(*, session: Session, user: User) -> None:
    session.delete(user)
    flush(session)
