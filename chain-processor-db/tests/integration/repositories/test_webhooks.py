from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from chain_processor_db.models import WebhookDelivery
from chain_processor_db.repositories.webhooks import list_webhook_deliveries
from tests.factories import make_execution, make_strategy


def test_list_webhook_deliveries_of_one_execution_oldest_first(session: Session) -> None:
    strategy = make_strategy(session)
    execution = make_execution(session, strategy)
    other = make_execution(session, strategy)
    now = utcnow()
    later = WebhookDelivery(
        execution_id=execution.id, url="https://hooks.example.com/b", payload={"n": 2},
        created_at=now + timedelta(seconds=1),
    )  # fmt: skip
    first = WebhookDelivery(
        execution_id=execution.id, url="https://hooks.example.com/a", payload={"n": 1},
        created_at=now,
    )  # fmt: skip
    elsewhere = WebhookDelivery(execution_id=other.id, url="https://x.example", payload={})
    session.add_all([later, first, elsewhere])
    session.flush()
    session.expire_all()

    found = list_webhook_deliveries(session=session, execution_id=execution.id)

    assert [d.payload for d in found] == [{"n": 1}, {"n": 2}]
    assert (found[0].status, found[0].attempts, found[0].last_error) == ("pending", 0, None)
    assert found[0].next_attempt_at.tzinfo is not None


def test_webhook_delivery_status_is_checked(session: Session) -> None:
    execution = make_execution(session, make_strategy(session))
    session.add(
        WebhookDelivery(execution_id=execution.id, url="https://x", payload={}, status="lost")
    )
    with pytest.raises(IntegrityError):
        session.flush()
