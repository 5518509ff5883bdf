"""Query functions for the completion-webhook outbox (written and sent by the executor)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_db.models.webhooks import WebhookDelivery


def list_webhook_deliveries(
    *, session: Session, execution_id: uuid.UUID
) -> Sequence[WebhookDelivery]:
    """The webhooks of one execution, oldest first (normally one per execution run)."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.execution_id == execution_id)
        .order_by(WebhookDelivery.created_at, WebhookDelivery.id)
    )
    return session.scalars(query).all()
