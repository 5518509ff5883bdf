from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from chain_processor_db.models import AuditLog, User
from tests.factories import UPPER_CODE

AUDIT = "/api/v1/audit"


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditLog)) or 0


def test_each_mutation_writes_one_row_with_who_what_and_where(
    client: TestClient, session: Session, as_editor: dict[str, str], users: dict[str, User]
) -> None:
    before = count(session)
    response = client.post(
        "/api/v1/nodes",
        headers={**as_editor, "X-Request-ID": "audit-1"},
        json={"name": "audited", "code": UPPER_CODE},
    )
    assert count(session) == before + 1
    entry = session.scalars(select(AuditLog).order_by(AuditLog.created_at.desc())).first()
    assert entry is not None
    assert (entry.action, entry.resource_type, entry.resource_id) == (
        "node.create",
        "node",
        response.json()["id"],
    )
    assert (entry.actor_id, entry.actor_email) == (users["editor"].id, "editor@example.com")
    assert entry.request_id == "audit-1"
    assert entry.client_address == "testclient"
    assert entry.before is None and entry.after is not None


def test_a_failed_mutation_writes_no_row(
    client: TestClient, session: Session, as_editor: dict[str, str]
) -> None:
    before = count(session)
    bad = client.post("/api/v1/nodes", headers=as_editor, json={"name": "x", "code": "nope"})
    assert bad.status_code == 422
    assert count(session) == before


def test_reads_write_no_row(client: TestClient, session: Session, as_admin: dict[str, str]) -> None:
    before = count(session)
    for path in ("/api/v1/nodes", "/api/v1/chains", "/api/v1/executions", AUDIT, "/api/v1/users"):
        assert client.get(path, headers=as_admin).status_code == 200
    assert count(session) == before


def test_admins_list_and_filter_the_log(
    client: TestClient,
    session: Session,
    as_admin: dict[str, str],
    as_editor: dict[str, str],
    users: dict[str, User],
) -> None:
    node = client.post(
        "/api/v1/nodes", headers=as_editor, json={"name": "f", "code": UPPER_CODE}
    ).json()
    client.patch(
        f"/api/v1/nodes/{node['id']}", headers=as_editor, json={"expected_version": 1, "name": "g"}
    )
    client.patch("/api/v1/users/me", headers=as_admin, json={"full_name": "Ada"})

    def actions(**params: object) -> list[str]:
        response = client.get(AUDIT, headers=as_admin, params=params)
        assert response.status_code == 200
        return [entry["action"] for entry in response.json()["data"]]

    assert actions(resource_type="node", resource_id=node["id"]) == ["node.update", "node.create"]
    assert actions(action="user.update_me") == ["user.update_me"]
    assert set(actions(actor_id=users["editor"].id)) == {"node.create", "node.update"}
    assert actions(created_after=(utcnow() + timedelta(hours=1)).isoformat()) == []
    assert len(actions(created_before=(utcnow() + timedelta(hours=1)).isoformat(), limit=1)) == 1
    page = client.get(AUDIT, headers=as_admin, params={"offset": 1, "limit": 1}).json()
    assert page["count"] >= 3 and len(page["data"]) == 1


def test_bad_filters_are_a_422(client: TestClient, as_admin: dict[str, str]) -> None:
    for params in (
        {"actor_id": "x"},
        {"limit": 0},
        {"created_after": "soon"},
        {"action": "a" * 65},
    ):
        assert client.get(AUDIT, headers=as_admin, params=params).status_code == 422
