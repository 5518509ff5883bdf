"""The audit trail of mutating requests, written in the handler's own transaction (FR-10)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.datastructures import State

from chain_processor_db.models import User
from chain_processor_db.repositories.audit import record_audit

Snapshot = BaseModel | dict[str, Any] | None


class Audit:
    """Records who did what to which resource, from where, and how it looked before/after.

    The actor is the authenticated user of the request (read when recording, so it does not
    matter in which order the handler's dependencies were resolved) unless one is given.
    """

    def __init__(
        self, *, session: Session, request_id: str | None, client_address: str, state: State
    ) -> None:
        self.session = session
        self.request_id = request_id
        self.client_address = client_address
        self.state = state

    def record(
        self,
        action: str,
        resource_type: str,
        resource_id: uuid.UUID | str | None,
        *,
        before: Snapshot = None,
        after: Snapshot = None,
        actor: User | None = None,
    ) -> None:
        """Add the row to the session's transaction."""
        record_audit(
            session=self.session,
            **self.entry(
                action, resource_type, resource_id, before=before, after=after, actor=actor
            ),
        )

    def entry(
        self,
        action: str,
        resource_type: str,
        resource_id: uuid.UUID | str | None,
        *,
        before: Snapshot = None,
        after: Snapshot = None,
        actor: User | None = None,
    ) -> dict[str, Any]:
        """The row's values, for a write that stores it in its own statement."""
        who: User | None = actor or getattr(self.state, "user", None)
        return {
            "action": action,
            "resource_type": resource_type,
            "resource_id": str(resource_id) if resource_id is not None else None,
            "actor_id": who.id if who is not None else None,
            "actor_email": who.email if who is not None else None,
            "before": _as_json(before),
            "after": _as_json(after),
            "request_id": self.request_id,
            "client_address": self.client_address[:64],
        }


def _as_json(snapshot: Snapshot) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    if isinstance(snapshot, BaseModel):
        data: dict[str, Any] = snapshot.model_dump(mode="json")
    else:
        data = snapshot
    if isinstance(data.get("code"), str):
        # Node code can be 256 KB: the audit row keeps its hash; the version history keeps it.

        data = {**data, "code": {"sha256": hashlib.sha256(data["code"].encode()).hexdigest()}}
    return data
