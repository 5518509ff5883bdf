"""The completion-webhook outbox (``webhook_deliveries``): named statements on it.

A chain names its webhook in its version snapshot's metadata (``webhook_url``, pinned with the
version like its nodes and time limit). When an execution reaches a final status, the same
transaction adds a delivery row (:func:`enqueue_webhook`, or :func:`enqueue_webhooks` for
executions ended by the reaper or a hand-back); the supervisor's sender (:mod:`webhooks`)
claims due rows, POSTs them and records the outcome::

    enqueue_webhook(s)     → pending (attempts 0, due now)
    claim_due_webhooks     pending, due → pending, attempts + 1, due after the claim lease
                           (a sender that dies mid-delivery leaves it to be retried)
    record_delivery        → delivered | pending (due after the backoff) | failed
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, insert, select, update

from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.base import utcnow
from chain_processor_db.models import ChainExecution as Execution
from chain_processor_db.models import StrategyVersion
from chain_processor_db.models.webhooks import WebhookDelivery

WEBHOOK_URL_KEY = "webhook_url"
FINAL_STATUSES = tuple(status.value for status in ExecutionStatus if status.is_final)
MAX_URL_CHARS = 2048


def valid_webhook_url(value: object) -> str | None:
    """``value`` if it is an absolute http(s) URL with a host, else ``None``."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        return None
    return value


def webhook_url_of(metadata: Mapping[str, Any]) -> str | None:
    """The chain version's valid ``webhook_url``, if it names one."""
    return valid_webhook_url(metadata.get(WEBHOOK_URL_KEY))


def webhook_payload(
    *,
    execution_id: uuid.UUID,
    strategy_id: uuid.UUID,
    status: str,
    output_text: str | None,
    error: str | None,
    error_code: str | None,
    completed_at: datetime | None,
) -> dict[str, Any]:
    """The JSON body of a completion webhook."""
    return {
        "execution_id": str(execution_id),
        "strategy_id": str(strategy_id),
        "status": status,
        "output_text": output_text,
        "error": error,
        "error_code": error_code,
        "completed_at": completed_at.isoformat() if completed_at else None,
    }


def enqueue_webhook(connection: Connection, *, url: str, payload: dict[str, Any]) -> uuid.UUID:
    """Add one delivery, due now, in the caller's transaction."""
    now, delivery_id = utcnow(), uuid.uuid4()
    connection.execute(
        insert(WebhookDelivery).values(
            id=delivery_id,
            execution_id=uuid.UUID(payload["execution_id"]),
            url=url,
            payload=payload,
            attempts=0,
            next_attempt_at=now,
            status="pending",
            created_at=now,
            updated_at=now,
        )
    )
    return delivery_id


def enqueue_webhooks(connection: Connection, execution_ids: Sequence[uuid.UUID]) -> int:
    """For executions ended outside a runner (reaped, handed back as cancelled): a delivery
    for each one in a final status whose chain version names a webhook. Returns how many
    were added."""
    if not execution_ids:
        return 0
    rows = connection.execute(
        select(
            Execution.id,
            Execution.strategy_id,
            Execution.status,
            Execution.output_text,
            Execution.error,
            Execution.error_code,
            Execution.completed_at,
            StrategyVersion.snapshot,
        )
        .join(StrategyVersion, StrategyVersion.id == Execution.strategy_version_id)
        .where(Execution.id.in_(execution_ids), Execution.status.in_(FINAL_STATUSES))
    )
    added = 0
    for row in rows:
        url = webhook_url_of((row.snapshot or {}).get("metadata") or {})
        if url is None:
            continue
        payload = webhook_payload(
            execution_id=row.id,
            strategy_id=row.strategy_id,
            status=row.status,
            output_text=row.output_text,
            error=row.error,
            error_code=row.error_code,
            completed_at=row.completed_at,
        )
        enqueue_webhook(connection, url=url, payload=payload)
        added += 1
    return added


@dataclass(frozen=True)
class DueWebhook:
    id: uuid.UUID
    url: str
    payload: dict[str, Any]
    attempts: int


def claim_due_webhooks(connection: Connection, *, limit: int, lease_s: float) -> list[DueWebhook]:
    """Claim up to ``limit`` due deliveries (oldest due first), counting the attempt."""
    now = utcnow()
    candidates = (
        select(WebhookDelivery.id)
        .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .cte("candidates")
        .prefix_with("MATERIALIZED")
    )
    statement = (
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(select(candidates.c.id)))
        .where(WebhookDelivery.status == "pending")
        .values(
            attempts=WebhookDelivery.attempts + 1,
            next_attempt_at=now + timedelta(seconds=lease_s),
            updated_at=now,
        )
        .returning(
            WebhookDelivery.id,
            WebhookDelivery.url,
            WebhookDelivery.payload,
            WebhookDelivery.attempts,
        )
    )
    claimed = [DueWebhook(**row._asdict()) for row in connection.execute(statement)]
    return sorted(claimed, key=lambda d: d.id)


def record_delivery(
    connection: Connection,
    *,
    delivery_id: uuid.UUID,
    error: str | None,
    retry_at: datetime | None = None,
) -> str:
    """The outcome of one attempt: delivered (no error), pending again at ``retry_at``, or
    failed for good. Returns the new status."""
    status = "delivered" if error is None else "pending" if retry_at is not None else "failed"
    values: dict[str, Any] = {"status": status, "last_error": error, "updated_at": utcnow()}
    if retry_at is not None:
        values["next_attempt_at"] = retry_at
    connection.execute(
        update(WebhookDelivery).where(WebhookDelivery.id == delivery_id).values(**values)
    )
    return status
