from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_db.models import AuditLog, Node
from tests.factories import UPPER_CODE, builtin, make_node, make_strategy

NODES = "/api/v1/nodes"
LOWER_CODE = "def node(input_text: str) -> str:\n    return input_text.lower()\n"


def create(client: TestClient, headers: dict[str, str], **fields: Any) -> dict[str, Any]:
    body = {"name": f"n-{uuid.uuid4().hex[:6]}", "code": UPPER_CODE, **fields}
    response = client.post(NODES, headers=headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def actions(session: Session, resource_id: str) -> list[str]:
    query = select(AuditLog.action).where(AuditLog.resource_id == resource_id)
    return list(session.scalars(query.order_by(AuditLog.created_at)))


class TestList:
    def test_builtins_are_listed_and_filterable(
        self, client: TestClient, as_viewer: dict[str, str]
    ) -> None:
        body = client.get(NODES, headers=as_viewer, params={"builtin": True}).json()
        assert body["count"] >= 10
        assert all(node["is_builtin"] for node in body["data"])
        upper = client.get(NODES, headers=as_viewer, params={"search": "UPPER"}).json()
        assert [node["name"] for node in upper["data"]] == ["uppercase"]

    def test_search_tag_and_pagination(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        make_node(session, name="zz-alpha", tags=["team-a"])
        make_node(session, name="zz-beta", tags=["team-a", "x"])
        make_node(session, name="zz_gamma")
        params: dict[str, Any] = {"tag": "TEAM-A", "builtin": False}
        tagged = client.get(NODES, headers=as_viewer, params=params).json()
        assert [n["name"] for n in tagged["data"]] == ["zz-alpha", "zz-beta"]
        page = client.get(
            NODES, headers=as_viewer, params={"search": "zz", "limit": 1, "offset": 1}
        )
        assert page.json()["count"] == 3
        assert [n["name"] for n in page.json()["data"]] == ["zz-beta"]
        # % and _ are literal in a search
        literal = client.get(NODES, headers=as_viewer, params={"search": "zz_"}).json()
        assert [n["name"] for n in literal["data"]] == ["zz_gamma"]

    @pytest.mark.parametrize(
        "params", [{"limit": 0}, {"limit": 501}, {"offset": -1}, {"builtin": "maybe"}]
    )
    def test_bad_paging_is_a_422(
        self, client: TestClient, as_viewer: dict[str, str], params: dict[str, Any]
    ) -> None:
        assert client.get(NODES, headers=as_viewer, params=params).status_code == 422


class TestCreateAndRead:
    def test_create_then_read(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        node = create(client, as_editor, tags=["Demo"], metadata={"k": 1}, description="d")
        assert node["current_version"] == "1.0.0"
        assert node["version"] == 1
        assert node["tags"] == ["demo"]
        assert node["metadata"] == {"k": 1}
        assert node["created_by_id"] is not None
        fetched = client.get(f"{NODES}/{node['id']}", headers=as_editor).json()
        assert fetched == node
        entry = session.scalar(select(AuditLog).where(AuditLog.action == "node.create"))
        assert entry is not None and entry.after is not None
        assert entry.after["code"] == {"sha256": entry.after["code"]["sha256"]}

    @pytest.mark.parametrize(
        ("code", "fragment"),
        [
            ("def nod(x):\n    return x\n", "must define"),
            ("def node(:\n", "Syntax error"),
            ("async def node(x):\n    return x\n", "async"),
            ("def node(a, b, c):\n    return a\n", "1 parameter"),
        ],
    )
    def test_bad_code_is_a_422_on_the_code_field(
        self, client: TestClient, as_editor: dict[str, str], code: str, fragment: str
    ) -> None:
        response = client.post(NODES, headers=as_editor, json={"name": "bad", "code": code})
        assert response.status_code == 422
        body = response.json()
        assert body["field"] == "code"
        assert body["code"] == "node_load_failed"
        assert fragment in body["detail"]

    @pytest.mark.parametrize(
        "body",
        [
            {"name": "", "code": UPPER_CODE},
            {"name": "x", "code": ""},
            {"name": "x", "code": UPPER_CODE, "is_builtin": True},
            {"name": "x", "code": UPPER_CODE, "tags": ["has space"]},
            {"name": "x" * 256, "code": UPPER_CODE},
            {"code": UPPER_CODE},
        ],
    )
    def test_bad_fields_are_a_422(
        self, client: TestClient, as_editor: dict[str, str], body: dict[str, Any]
    ) -> None:
        assert client.post(NODES, headers=as_editor, json=body).status_code == 422

    def test_unknown_nodes_are_404(self, client: TestClient, as_editor: dict[str, str]) -> None:
        missing = f"{NODES}/{uuid.uuid4()}"
        assert client.get(missing, headers=as_editor).json()["code"] == "node_not_found"
        assert (
            client.patch(missing, headers=as_editor, json={"expected_version": 1}).status_code
            == 404
        )
        assert client.delete(missing, headers=as_editor).status_code == 404
        assert client.get(f"{missing}/versions", headers=as_editor).status_code == 404


class TestUpdate:
    def test_a_save_bumps_the_version_and_keeps_history(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        node = create(client, as_editor)
        response = client.patch(
            f"{NODES}/{node['id']}",
            headers=as_editor,
            json={"expected_version": 1, "code": LOWER_CODE, "bump": "minor", "change_note": "lc"},
        )
        assert response.status_code == 200
        saved = response.json()
        assert (saved["current_version"], saved["version"], saved["code"]) == (
            "1.1.0",
            2,
            LOWER_CODE,
        )
        versions = client.get(f"{NODES}/{node['id']}/versions", headers=as_editor).json()
        assert [v["version"] for v in versions["data"]] == ["1.0.0", "1.1.0"]
        assert versions["data"][1]["change_note"] == "lc"
        assert actions(session, node["id"]) == ["node.create", "node.update"]

    def test_a_stale_save_is_a_409_and_changes_nothing(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        node = create(client, as_editor)
        first = {"expected_version": 1, "name": "first"}
        assert (
            client.patch(f"{NODES}/{node['id']}", headers=as_editor, json=first).status_code == 200
        )
        second = {"expected_version": 1, "name": "second"}
        stale = client.patch(f"{NODES}/{node['id']}", headers=as_editor, json=second)
        assert stale.status_code == 409
        assert stale.json()["code"] == "stale_version"
        assert client.get(f"{NODES}/{node['id']}", headers=as_editor).json()["name"] == "first"

    def test_bad_updates_are_a_422(self, client: TestClient, as_editor: dict[str, str]) -> None:
        node = create(client, as_editor)
        url = f"{NODES}/{node['id']}"
        assert client.patch(url, headers=as_editor, json={"name": "x"}).status_code == 422
        bad_bump = {"expected_version": 1, "bump": "huge"}
        assert client.patch(url, headers=as_editor, json=bad_bump).status_code == 422
        bad_code = client.patch(url, headers=as_editor, json={"expected_version": 1, "code": "x ="})
        assert (bad_code.status_code, bad_code.json()["field"]) == (422, "code")

    def test_builtin_nodes_are_read_only(
        self, client: TestClient, session: Session, as_admin: dict[str, str]
    ) -> None:
        upper = builtin(session, "uppercase")
        url = f"{NODES}/{upper.id}"
        changed = client.patch(
            url, headers=as_admin, json={"expected_version": upper.version, "name": "x"}
        )
        assert changed.status_code == 409
        assert client.delete(url, headers=as_admin).status_code == 409
        rollback = {"to_version": "1.0.0", "expected_version": upper.version}
        assert client.post(f"{url}/rollback", headers=as_admin, json=rollback).status_code == 409


class TestDelete:
    def test_an_unused_node_is_deleted(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        node = create(client, as_editor)
        response = client.delete(f"{NODES}/{node['id']}", headers=as_editor)
        assert response.json() == {
            "id": node["id"],
            "outcome": "deleted",
            "detail": "The node was deleted",
        }
        assert client.get(f"{NODES}/{node['id']}", headers=as_editor).status_code == 404
        assert actions(session, node["id"])[-1] == "node.delete"

    def test_a_node_in_use_is_deactivated_instead(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        node = make_node(session)
        make_strategy(session, nodes=[node])
        response = client.delete(f"{NODES}/{node.id}", headers=as_editor)
        assert response.status_code == 200
        assert response.json()["outcome"] == "deactivated"
        fetched = client.get(f"{NODES}/{node.id}", headers=as_editor).json()
        assert fetched["is_active"] is False
        assert fetched["current_version"] == "1.0.0"
        listed = client.get(NODES, headers=as_editor, params={"search": node.name}).json()
        assert listed["count"] == 0
        everything = {"search": node.name, "include_inactive": True}
        assert client.get(NODES, headers=as_editor, params=everything).json()["count"] == 1
        assert actions(session, str(node.id))[-1] == "node.deactivate"
        assert session.get(Node, node.id) is not None


class TestVersions:
    @pytest.fixture
    def node(self, client: TestClient, as_editor: dict[str, str]) -> dict[str, Any]:
        node = create(client, as_editor, description="v1")
        change = {"expected_version": 1, "code": LOWER_CODE, "description": "v2", "tags": ["t"]}
        response = client.patch(f"{NODES}/{node['id']}", headers=as_editor, json=change)
        assert response.status_code == 200
        result: dict[str, Any] = response.json()
        return result

    def test_read_one_version(
        self, client: TestClient, as_viewer: dict[str, str], node: dict[str, Any]
    ) -> None:
        first = client.get(f"{NODES}/{node['id']}/versions/1.0.0", headers=as_viewer).json()
        assert first["code"] == UPPER_CODE
        assert first["snapshot"]["description"] == "v1"
        missing = client.get(f"{NODES}/{node['id']}/versions/9.9.9", headers=as_viewer)
        assert (missing.status_code, missing.json()["code"]) == (404, "version_not_found")
        invalid = client.get(f"{NODES}/{node['id']}/versions/not-semver", headers=as_viewer)
        assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_version")

    def test_diff_two_versions(
        self, client: TestClient, as_viewer: dict[str, str], node: dict[str, Any]
    ) -> None:
        params = {"from_version": "1.0.0", "to_version": "1.0.1"}
        diff = client.get(f"{NODES}/{node['id']}/diff", headers=as_viewer, params=params).json()
        assert diff["from_version"] == "1.0.0" and diff["to_version"] == "1.0.1"
        assert "--- node@1.0.0" in diff["code_diff"]
        assert "-    return input_text.upper()" in diff["code_diff"]
        assert "+    return input_text.lower()" in diff["code_diff"]
        assert {c["field"]: (c["before"], c["after"]) for c in diff["changes"]} == {
            "description": ("v1", "v2"),
            "tags": ([], ["t"]),
        }
        assert client.get(f"{NODES}/{node['id']}/diff", headers=as_viewer).status_code == 422

    def test_rollback_adds_a_version_with_old_content(
        self, client: TestClient, session: Session, as_editor: dict[str, str], node: dict[str, Any]
    ) -> None:
        url = f"{NODES}/{node['id']}/rollback"
        body = {"to_version": "1.0.0", "expected_version": node["version"]}
        rolled = client.post(url, headers=as_editor, json=body)
        assert rolled.status_code == 200
        assert rolled.json()["code"] == UPPER_CODE
        assert rolled.json()["current_version"] == "1.1.0"
        versions = client.get(f"{NODES}/{node['id']}/versions", headers=as_editor).json()
        assert [v["version"] for v in versions["data"]] == ["1.0.0", "1.0.1", "1.1.0"]
        assert versions["data"][-1]["change_note"] == "Rolled back to 1.0.0"
        stale = client.post(url, headers=as_editor, json=body)
        assert stale.status_code == 409
        missing = {"to_version": "7.0.0", "expected_version": node["version"] + 1}
        assert client.post(url, headers=as_editor, json=missing).status_code == 404
        assert actions(session, node["id"])[-1] == "node.rollback"
