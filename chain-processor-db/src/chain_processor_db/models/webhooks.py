"""The ``webhook_deliveries`` outbox: completion webhooks waiting to be POSTed.

The executor inserts a row in the same transaction as an execution's final status (so a
webhook is never lost nor sent for a status that rolled back); the supervisor's sender claims
due rows (``status = 'pending' AND next_attempt_at <= now``), POSTs ``payload`` to ``url`` and
records the outcome: ``delivered``, or another try at ``next_attempt_at``, or ``failed`` once
its attempts are used up.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chain_processor_db.base import Base, Timestamps, UUIDPrimaryKey, utcnow

WEBHOOK_STATUSES = ("pending", "delivered", "failed")


class WebhookDelivery(UUIDPrimaryKey, Timestamps, Base):
    __tablename__ = "webhook_deliveries"

    execution_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("chain_executions.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]]
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_execution_id", "execution_id"),
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in WEBHOOK_STATUSES)),
            name="status_known",
        ),
    )
