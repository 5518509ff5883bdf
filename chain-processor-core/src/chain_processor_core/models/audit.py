"""Audit log shapes: who changed what, from where, and what it looked like before and after."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from chain_processor_core.models.common import PublicSchema


class AuditLogPublic(PublicSchema):
    id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_email: str | None
    action: str
    resource_type: str
    resource_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    client_address: str | None
    created_at: datetime
