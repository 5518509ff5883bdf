"""Query functions for the append-only audit log."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_db.errors import flush
from chain_processor_db.models import AuditLog


def record_audit(
    *,
    session: Session,
    action: str,
    resource_type: str,
    resource_id: str | uuid.UUID | None,
    actor_id: uuid.UUID | None = None,
    actor_email: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request_id: str | None = None,
    client_address: str | None = None,
) -> AuditLog:
    """Add one audit row in the caller's transaction, so it commits or rolls back with the
    change it describes."""
    entry = AuditLog(
        action=action,
        resource_type=resource_type,
        resource_id=str(resource_id) if resource_id is not None else None,
        actor_id=actor_id,
        actor_email=actor_email,
        before=before,
        after=after,
        request_id=request_id,
        client_address=client_address,
    )
    session.add(entry)
    flush(session)
    return entry


def list_audit_log(
    *,
    session: Session,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    offset: int = 0,
    limit: int = 100,
) -> tuple[Sequence[AuditLog], int]:
    query = select(AuditLog)
    if actor_id is not None:
        query = query.where(AuditLog.actor_id == actor_id)
    if action is not None:
        query = query.where(AuditLog.action == action)
    if resource_type is not None:
        query = query.where(AuditLog.resource_type == resource_type)
    if resource_id is not None:
        query = query.where(AuditLog.resource_id == resource_id)
    if created_after is not None:
        query = query.where(AuditLog.created_at >= created_after)
    if created_before is not None:
        query = query.where(AuditLog.created_at < created_before)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = query.order_by(AuditLog.created_at.desc(), AuditLog.id).offset(offset).limit(limit)
    return session.scalars(page).all(), count
