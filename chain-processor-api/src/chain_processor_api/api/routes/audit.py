"""The audit log (FR-10): admins list and filter it; nobody changes it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Query

from chain_processor_api.api.deps import AdminUser, ResourceRouter, SessionDep
from chain_processor_api.schemas.paging import DateTime, Limit, Offset
from chain_processor_core.models import AuditLogPublic, Page
from chain_processor_db.repositories.audit import list_audit_log

router = ResourceRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditLogPublic])
def read_audit_log(
    _admin: AdminUser,
    session: SessionDep,
    actor_id: uuid.UUID | None = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    resource_type: Annotated[str | None, Query(max_length=64)] = None,
    resource_id: Annotated[str | None, Query(max_length=64)] = None,
    created_after: DateTime | None = None,
    created_before: DateTime | None = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[AuditLogPublic]:
    """Newest first, filtered by actor, action, resource and time range."""
    entries, count = list_audit_log(
        session=session,
        actor_id=actor_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        created_after=created_after,
        created_before=created_before,
        offset=offset,
        limit=limit,
    )
    return Page(data=[AuditLogPublic.model_validate(e) for e in entries], count=count)
