"""Users: admins manage everyone; each user reads and edits their own profile and password."""

from __future__ import annotations

import uuid

from fastapi import Request, status

from chain_processor_api.api.deps import (
    AdminUser,
    AuditDep,
    ClientAddress,
    CurrentUser,
    ResourceRouter,
    SessionDep,
    SettingsDep,
    ThrottleDep,
)
from chain_processor_api.schemas.auth import Token
from chain_processor_api.schemas.paging import Limit, Offset
from chain_processor_api.services import auth
from chain_processor_core.exceptions.errors import (
    ConflictError,
    RateLimitedError,
    ValidationError,
)
from chain_processor_core.models import (
    Page,
    PasswordChange,
    Role,
    UserCreate,
    UserPublic,
    UserUpdate,
    UserUpdateMe,
)
from chain_processor_db.models import User
from chain_processor_db.repositories import users as users_repo
from chain_processor_db.repositories.auth import revoke_user_sessions

router = ResourceRouter(prefix="/users", tags=["users"])


@router.get("/me", response_model=UserPublic)
def read_user_me(user: CurrentUser) -> User:
    return user


@router.patch("/me", response_model=UserPublic)
def update_user_me(
    user_in: UserUpdateMe, user: CurrentUser, session: SessionDep, audit: AuditDep
) -> User:
    """Change your own name and preferences; any other field (a role...) is refused (422)."""
    before = UserPublic.model_validate(user)
    users_repo.update_user(session=session, user=user, user_in=user_in)
    audit.record("user.update_me", "user", user.id, before=before, after=_public(user))
    session.commit()
    return user


@router.post("/me/password", response_model=Token)
def update_password_me(
    body: PasswordChange,
    request: Request,
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    address: ClientAddress,
    audit: AuditDep,
) -> Token:
    """Change your password. Every session of yours ends (all refresh and access tokens);
    the response is a fresh token pair for this client."""
    wait = throttle.retry_after(account=user.email, address=address)
    if wait is not None:
        raise RateLimitedError("Too many attempts; try again later", retry_after=wait)
    if not auth.authenticate(user=user, password=body.current_password):
        throttle.failed(account=user.email)
        raise ValidationError("The current password is not correct", field="current_password")
    if body.current_password == body.new_password:
        raise ValidationError("The new password must differ", field="new_password")
    users_repo.set_password(session=session, user=user, password=body.new_password)
    revoke_user_sessions(session=session, user_id=user.id, reason="password_change")
    token = auth.start_session(
        session,
        settings,
        user=user,
        client_address=address,
        user_agent=request.headers.get("user-agent"),
    )
    audit.record("user.password_change", "user", user.id)
    session.commit()
    return token


@router.get("", response_model=Page[UserPublic])
def read_users(
    _admin: AdminUser, session: SessionDep, offset: Offset = 0, limit: Limit = 100
) -> Page[UserPublic]:
    users, count = users_repo.list_users(session=session, offset=offset, limit=limit)
    return Page(data=[UserPublic.model_validate(u) for u in users], count=count)


@router.post("", response_model=UserPublic, status_code=status.HTTP_201_CREATED)
def create_user(
    user_in: UserCreate, _admin: AdminUser, session: SessionDep, audit: AuditDep
) -> User:
    user = users_repo.create_user(session=session, user_in=user_in)
    audit.record("user.create", "user", user.id, after=_public(user))
    session.commit()
    return user


@router.get("/{user_id:uuid}", response_model=UserPublic)
def read_user(user_id: uuid.UUID, _admin: AdminUser, session: SessionDep) -> User:
    return users_repo.get_user(session=session, user_id=user_id)


@router.patch("/{user_id:uuid}", response_model=UserPublic)
def update_user(
    user_id: uuid.UUID,
    user_in: UserUpdate,
    admin: AdminUser,
    session: SessionDep,
    audit: AuditDep,
) -> User:
    """Change a user. Deactivating ends their sessions; the last active admin stays one."""
    user = users_repo.get_user(session=session, user_id=user_id)
    before = _public(user)
    demoted = user_in.roles is not None and Role.ADMIN not in user_in.roles
    deactivated = user_in.is_active is False
    if (demoted or deactivated) and _is_last_admin(session, user):
        raise ConflictError("The last active admin cannot be demoted or deactivated")
    users_repo.update_user(session=session, user=user, user_in=user_in)
    if deactivated:
        revoke_user_sessions(session=session, user_id=user.id, reason="deactivated")
    audit.record("user.update", "user", user.id, before=before, after=_public(user))
    session.commit()
    return user


@router.delete("/{user_id:uuid}", status_code=status.HTTP_204_NO_CONTENT)
def delete_user(user_id: uuid.UUID, admin: AdminUser, session: SessionDep, audit: AuditDep) -> None:
    user = users_repo.get_user(session=session, user_id=user_id)
    if user.id == admin.id:
        raise ConflictError("You cannot delete yourself; ask another admin")
    if _is_last_admin(session, user):
        raise ConflictError("The last active admin cannot be deleted")
    before = _public(user)
    users_repo.delete_user(session=session, user=user)
    audit.record("user.delete", "user", user_id, before=before)
    session.commit()


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user)


def _is_last_admin(session: SessionDep, user: User) -> bool:
    if not user.is_active or Role.ADMIN.value not in user.roles:
        return False
    return users_repo.count_active_admins(session=session, excluding=user.id) == 0
