from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chain_processor_db.repositories.audit import list_audit_log, record_audit
from tests.factories import make_user


def test_record_audit(session: Session) -> None:
    user = make_user(session, email="auditor@example.com")
    node_id = uuid.uuid4()

    entry = record_audit(
        session=session,
        action="node.update",
        resource_type="node",
        resource_id=node_id,
        actor_id=user.id,
        actor_email=user.email,
        before={"name": "old"},
        after={"name": "new"},
        request_id="req-1",
        client_address="203.0.113.7",
    )
    session.expire(entry)

    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "node.update",
        "node",
        str(node_id),
    )
    assert (entry.actor_id, entry.actor_email) == (user.id, "auditor@example.com")
    assert (entry.before, entry.after) == ({"name": "old"}, {"name": "new"})
    assert (entry.request_id, entry.client_address) == ("req-1", "203.0.113.7")
    assert entry.created_at.tzinfo is not None


def test_record_audit_without_resource_or_actor(session: Session) -> None:
    entry = record_audit(
        session=session, action="login.failed", resource_type="user", resource_id=None
    )

    assert (entry.resource_id, entry.actor_id, entry.before, entry.after) == (
        None,
        None,
        None,
        None,
    )


def test_list_audit_log_filters(session: Session) -> None:
    alice, bob = make_user(session), make_user(session)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    rows = [
        ("node.create", "node", "n1", alice),
        ("node.update", "node", "n1", bob),
        ("chain.create", "chain", "c1", alice),
        ("node.update", "node", "n2", alice),
        ("user.login", "user", None, None),
    ]
    made = {}
    for index, (action, resource_type, resource_id, actor) in enumerate(rows):
        entry = record_audit(
            session=session,
            action=action,
            resource_type=resource_type,
            resource_id=resource_id,
            actor_id=actor.id if actor else None,
        )
        entry.created_at = start + timedelta(minutes=index)
        made[entry.id] = index
    session.flush()

    def found(**filters: Any) -> tuple[list[int], int]:
        page, count = list_audit_log(session=session, **filters)
        return [made[entry.id] for entry in page], count

    assert found() == ([4, 3, 2, 1, 0], 5)
    assert found(actor_id=alice.id) == ([3, 2, 0], 3)
    assert found(action="node.update") == ([3, 1], 2)
    assert found(resource_type="node") == ([3, 1, 0], 3)
    assert found(resource_type="node", resource_id="n1") == ([1, 0], 2)
    assert found(created_after=start + timedelta(minutes=3)) == ([4, 3], 2)
    assert found(created_before=start + timedelta(minutes=1)) == ([0], 1)
    assert found(offset=1, limit=2) == ([3, 2], 5)
    assert found(action="node.delete") == ([], 0)


def test_audit_entries_outlive_their_actor(session: Session) -> None:
    user = make_user(session)
    entry = record_audit(
        session=session,
        action="node.create",
        resource_type="node",
        resource_id="n",
        actor_id=user.id,
        actor_email=user.email,
    )

    session.delete(user)
    session.flush()
    session.expire(entry)

    assert (entry.actor_id, entry.actor_email) == (None, user.email)
