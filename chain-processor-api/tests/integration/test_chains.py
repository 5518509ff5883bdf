from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_db.models import AuditLog, Node
from tests.factories import builtin, make_node, make_strategy, queue_execution

CHAINS = "/api/v1/chains"
CONFIG_CODE = "def node(text, config):\n    return text * config.get('times', 1)\n"


def step(node: Node | uuid.UUID, **fields: Any) -> dict[str, Any]:
    node_id = node if isinstance(node, uuid.UUID) else node.id
    return {"node_id": str(node_id), **fields}


def create(
    client: TestClient, headers: dict[str, str], nodes: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    body = {"name": f"c-{uuid.uuid4().hex[:6]}", "nodes": nodes, **fields}
    response = client.post(CHAINS, headers=headers, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def actions(session: Session, resource_id: str) -> list[str]:
    query = select(AuditLog.action).where(AuditLog.resource_id == resource_id)
    return list(session.scalars(query.order_by(AuditLog.created_at)))


class TestCrud:
    def test_create_with_steps_config_and_canvas_positions(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        user_node = make_node(session)
        truncate = builtin(session, "truncate")
        chain = create(
            client,
            as_editor,
            [
                step(user_node, ui={"x": 10, "y": 20}),
                step(truncate, config={"max_chars": 5}, ui={"x": 200.5, "y": 20}),
            ],
            tags=["Demo"],
        )
        assert chain["current_version"] == "1.0.0"
        assert [s["position"] for s in chain["nodes"]] == [0, 1]
        assert chain["nodes"][1]["config"] == {"max_chars": 5}
        assert chain["nodes"][0]["ui"] == {"x": 10.0, "y": 20.0}
        assert chain["tags"] == ["demo"]
        assert client.get(f"{CHAINS}/{chain['id']}", headers=as_editor).json() == chain
        assert actions(session, chain["id"]) == ["chain.create"]

    def test_list_search_and_tag(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        make_strategy(session, name="qq-one")
        make_strategy(session, name="qq-two")
        body = client.get(CHAINS, headers=as_viewer, params={"search": "qq-", "limit": 1}).json()
        assert body["count"] == 2
        assert [c["name"] for c in body["data"]] == ["qq-one"]
        assert client.get(CHAINS, headers=as_viewer, params={"tag": "none"}).json()["count"] == 0

    def test_update_steps_makes_a_version_and_stale_saves_are_refused(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        first, second = make_node(session), make_node(session)
        chain = create(client, as_editor, [step(first)])
        url = f"{CHAINS}/{chain['id']}"
        body = {"expected_version": 1, "nodes": [step(second), step(first)], "bump": "major"}
        saved = client.patch(url, headers=as_editor, json=body)
        assert saved.status_code == 200
        assert saved.json()["current_version"] == "2.0.0"
        assert [s["node_id"] for s in saved.json()["nodes"]] == [str(second.id), str(first.id)]
        stale = client.patch(url, headers=as_editor, json={"expected_version": 1, "name": "x"})
        assert (stale.status_code, stale.json()["code"]) == (409, "stale_version")
        renamed = client.patch(url, headers=as_editor, json={"expected_version": 2, "name": "y"})
        assert renamed.json()["current_version"] == "2.0.1"
        assert actions(session, chain["id"]) == ["chain.create", "chain.update", "chain.update"]

    def test_a_chain_that_never_ran_is_deleted(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        chain = make_strategy(session)
        response = client.delete(f"{CHAINS}/{chain.id}", headers=as_editor)
        assert response.json()["outcome"] == "deleted"
        assert client.get(f"{CHAINS}/{chain.id}", headers=as_editor).status_code == 404
        assert actions(session, str(chain.id))[-1] == "chain.delete"

    def test_a_chain_with_executions_is_deactivated(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        chain = make_strategy(session)
        queue_execution(session, chain)
        response = client.delete(f"{CHAINS}/{chain.id}", headers=as_editor)
        assert response.json()["outcome"] == "deactivated"
        assert client.get(f"{CHAINS}/{chain.id}", headers=as_editor).json()["is_active"] is False
        assert actions(session, str(chain.id))[-1] == "chain.deactivate"

    def test_unknown_chains_are_404(self, client: TestClient, as_editor: dict[str, str]) -> None:
        url = f"{CHAINS}/{uuid.uuid4()}"
        assert client.get(url, headers=as_editor).json()["code"] == "strategy_not_found"
        assert client.patch(url, headers=as_editor, json={"expected_version": 1}).status_code == 404
        assert client.delete(url, headers=as_editor).status_code == 404
        for suffix in ("/versions", "/versions/1.0.0", "/export"):
            assert client.get(url + suffix, headers=as_editor).status_code == 404


class TestValidation:
    def test_every_problem_is_reported_with_its_field(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        inactive = make_node(session)
        inactive.is_active = False
        other, plain = make_node(session), make_node(session)
        session.commit()
        other_version = client.get(
            f"/api/v1/nodes/{other.id}/versions/1.0.0", headers=as_viewer
        ).json()["id"]
        body = {
            "nodes": [
                step(uuid.uuid4()),
                step(inactive),
                step(builtin(session, "truncate"), config={"max_chars": 0}),
                step(plain, node_version_id=other_version),
                step(plain, config={"times": 2}),
                step(builtin(session, "replace_text"), config={"find": "a"}),
            ]
        }
        report = client.post(f"{CHAINS}/validate", headers=as_viewer, json=body).json()
        assert report["valid"] is False
        assert [(e["field"], e["code"]) for e in report["errors"]] == [
            ("nodes.0.node_id", "node_not_found"),
            ("nodes.1.node_id", "invalid_chain"),
            ("nodes.2.config.max_chars", "invalid_config"),
            ("nodes.3.node_version_id", "version_not_found"),
            ("nodes.4.config", "invalid_config"),
        ]

    def test_a_valid_chain_and_an_empty_one(
        self, client: TestClient, session: Session, as_viewer: dict[str, str]
    ) -> None:
        configurable = make_node(session, code=CONFIG_CODE)
        good = {"nodes": [step(configurable, config={"times": 2})]}
        report = client.post(f"{CHAINS}/validate", headers=as_viewer, json=good).json()
        assert report == {"valid": True, "errors": []}
        empty = client.post(f"{CHAINS}/validate", headers=as_viewer, json={"nodes": []}).json()
        assert empty["errors"][0]["field"] == "nodes"

    def test_saving_an_invalid_chain_is_a_422_naming_every_problem(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        body = {
            "name": "broken",
            "nodes": [step(uuid.uuid4()), step(builtin(session, "truncate"), config={})],
        }
        response = client.post(CHAINS, headers=as_editor, json=body)
        assert response.status_code == 422
        error = response.json()
        assert error["code"] == "invalid_chain"
        assert error["field"] == "nodes.0.node_id"
        assert "1 more" in error["detail"]
        assert [e["field"] for e in error["errors"]] == [
            "nodes.0.node_id",
            "nodes.1.config.max_chars",
        ]
        empty = client.post(CHAINS, headers=as_editor, json={"name": "empty"})
        assert (empty.status_code, empty.json()["field"]) == (422, "nodes")

    def test_an_update_with_bad_steps_is_a_422(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        chain = make_strategy(session)
        body = {"expected_version": 1, "nodes": [step(uuid.uuid4())]}
        response = client.patch(f"{CHAINS}/{chain.id}", headers=as_editor, json=body)
        assert response.status_code == 422

    @pytest.mark.parametrize(
        "nodes",
        [
            [{"node_id": "nope"}],
            [{"node_id": str(uuid.uuid4()), "ui": {"x": "left", "y": 0}}],
            [{"node_id": str(uuid.uuid4()), "position": 3}],
            [{"node_id": str(uuid.uuid4())}] * 101,
        ],
    )
    def test_malformed_steps_are_a_422(
        self, client: TestClient, as_editor: dict[str, str], nodes: list[dict[str, Any]]
    ) -> None:
        response = client.post(CHAINS, headers=as_editor, json={"name": "x", "nodes": nodes})
        assert response.status_code == 422


class TestVersions:
    @pytest.fixture
    def chain(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> dict[str, Any]:
        first, second = make_node(session), make_node(session)
        self.first, self.second = first, second
        chain = create(client, as_editor, [step(first)], description="v1")
        body = {
            "expected_version": 1,
            "description": "v2",
            "nodes": [step(first), step(second, ui={"x": 1, "y": 2})],
        }
        response = client.patch(f"{CHAINS}/{chain['id']}", headers=as_editor, json=body)
        result: dict[str, Any] = response.json()
        return result

    def test_versions_pin_node_versions(
        self, client: TestClient, as_viewer: dict[str, str], chain: dict[str, Any]
    ) -> None:
        versions = client.get(f"{CHAINS}/{chain['id']}/versions", headers=as_viewer).json()
        assert [v["version"] for v in versions["data"]] == ["1.0.0", "1.0.1"]
        assert len(versions["data"][0]["nodes"]) == 1
        one = client.get(f"{CHAINS}/{chain['id']}/versions/1.0.1", headers=as_viewer).json()
        assert [s["node_version_id"] for s in one["nodes"]] == [
            s["node_version_id"] for s in chain["nodes"]
        ]
        bad = client.get(f"{CHAINS}/{chain['id']}/versions/x.y", headers=as_viewer)
        assert bad.status_code == 422

    def test_diff(
        self, client: TestClient, as_viewer: dict[str, str], chain: dict[str, Any]
    ) -> None:
        params = {"from_version": "1.0.0", "to_version": "1.0.1"}
        diff = client.get(f"{CHAINS}/{chain['id']}/diff", headers=as_viewer, params=params).json()
        assert diff["code_diff"] is None
        changes = {c["field"]: c for c in diff["changes"]}
        assert set(changes) == {"description", "nodes.1"}
        assert changes["nodes.1"]["before"] is None
        assert changes["nodes.1"]["after"]["node_id"] == str(self.second.id)
        missing = {"from_version": "1.0.0", "to_version": "3.0.0"}
        assert (
            client.get(
                f"{CHAINS}/{chain['id']}/diff", headers=as_viewer, params=missing
            ).status_code
            == 404
        )

    def test_rollback(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: dict[str, Any]
    ) -> None:
        url = f"{CHAINS}/{chain['id']}/rollback"
        body = {"to_version": "1.0.0", "expected_version": chain["version"], "change_note": "undo"}
        rolled = client.post(url, headers=as_editor, json=body)
        assert rolled.status_code == 200
        assert rolled.json()["current_version"] == "1.1.0"
        assert rolled.json()["description"] == "v1"
        assert len(rolled.json()["nodes"]) == 1
        versions = client.get(f"{CHAINS}/{chain['id']}/versions", headers=as_editor).json()
        assert versions["data"][-1]["change_note"] == "undo"
        assert client.post(url, headers=as_editor, json=body).status_code == 409
        assert actions(session, chain["id"])[-1] == "chain.rollback"


class TestExportImport:
    def test_round_trip_creates_new_nodes_and_a_new_chain(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        user_node = make_node(session, code=CONFIG_CODE, tags=["x"])
        chain = create(
            client,
            as_editor,
            [
                step(user_node, config={"times": 2}, ui={"x": 1, "y": 1}),
                step(builtin(session, "uppercase")),
                step(user_node),
            ],
        )
        document = client.get(f"{CHAINS}/{chain['id']}/export", headers=as_editor).json()
        assert document["format"] == "chain-processor.chain"
        assert list(document["nodes"]) == ["n1"]
        assert document["nodes"]["n1"]["code"] == CONFIG_CODE
        assert [s.get("builtin") or s["ref"] for s in document["steps"]] == [
            "n1",
            "uppercase",
            "n1",
        ]
        imported = client.post(f"{CHAINS}/import", headers=as_editor, json=document)
        assert imported.status_code == 201, imported.text
        copy = imported.json()
        assert copy["id"] != chain["id"] and copy["name"] == chain["name"]
        new_ids = {s["node_id"] for s in copy["nodes"]}
        assert str(user_node.id) not in new_ids
        assert copy["nodes"][0]["config"] == {"times": 2}
        assert copy["nodes"][0]["node_id"] == copy["nodes"][2]["node_id"]
        created = session.scalars(
            select(AuditLog.action).where(AuditLog.action.in_(["node.create", "chain.import"]))
        ).all()
        assert sorted(created) == ["chain.import", "node.create"]

    @pytest.mark.parametrize(
        ("document", "field"),
        [
            ({"chain": {"name": "x"}, "steps": []}, "body.steps"),
            ({"chain": {"name": "x"}, "steps": [{"ref": "missing"}]}, "body"),
            (
                {
                    "chain": {"name": "x"},
                    "steps": [{"ref": "a", "builtin": "uppercase"}],
                    "nodes": {"a": {"name": "a", "code": "x"}},
                },
                "body.steps.0",
            ),
            (
                {"format": "other", "chain": {"name": "x"}, "steps": [{"builtin": "uppercase"}]},
                "body.format",
            ),
            ({"chain": {"name": "x"}, "steps": [{"ref": "../../etc/passwd"}]}, "body.steps.0.ref"),
            (
                {"chain": {"name": "x"}, "steps": [{"builtin": "uppercase"}], "extra": 1},
                "body.extra",
            ),
        ],
    )
    def test_malformed_documents_are_a_422(
        self, client: TestClient, as_editor: dict[str, str], document: dict[str, Any], field: str
    ) -> None:
        response = client.post(f"{CHAINS}/import", headers=as_editor, json=document)
        assert response.status_code == 422
        assert response.json()["field"] == field

    def test_bad_references_create_nothing(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        before = len(session.scalars(select(Node)).all())
        unknown = {"chain": {"name": "x"}, "steps": [{"builtin": "no-such-builtin"}]}
        response = client.post(f"{CHAINS}/import", headers=as_editor, json=unknown)
        assert (response.status_code, response.json()["field"]) == (422, "steps.0.builtin")
        bad_code = {
            "chain": {"name": "x"},
            "steps": [{"ref": "a"}],
            "nodes": {"a": {"name": "a", "code": "import os\n"}},
        }
        response = client.post(f"{CHAINS}/import", headers=as_editor, json=bad_code)
        assert (response.status_code, response.json()["field"]) == (422, "nodes.a.code")
        bad_config = {"chain": {"name": "x"}, "steps": [{"builtin": "truncate", "config": {}}]}
        response = client.post(f"{CHAINS}/import", headers=as_editor, json=bad_config)
        assert response.status_code == 422
        assert len(session.scalars(select(Node)).all()) == before

    def test_imports_have_their_own_size_limit(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        big_code = "def node(t):\n    return t\n" + "# padding\n" * 250_000
        document = {
            "chain": {"name": "x"},
            "steps": [{"ref": "a"}],
            "nodes": {"a": {"name": "a", "code": big_code}},
        }
        response = client.post(f"{CHAINS}/import", headers=as_editor, json=document)
        assert response.status_code == 422  # under the import limit; the code limit refuses it
        assert response.json()["field"] == "body.nodes.a.code"
        response = client.post(
            CHAINS, headers=as_editor, json={"name": "x", "description": big_code}
        )
        assert response.status_code == 413


class TestWebhookUrl:
    @pytest.mark.parametrize(
        ("url", "reason"),
        [
            ("ftp://hooks.example.com/x", "http"),
            ("hooks.example.com/x", "http"),
            ("https://", "http"),
            ("https://user:secret@hooks.example.com/x", "credentials"),
            ("https://token@hooks.example.com/x", "credentials"),
            ("https://hooks.example.com/" + "a" * 2100, "2048"),
            (42, "http"),
        ],
    )
    def test_a_bad_webhook_url_is_a_422_naming_the_field(
        self, client: TestClient, session: Session, as_editor: dict[str, str], url: Any, reason: str
    ) -> None:
        body = {
            "name": f"c-{uuid.uuid4().hex[:6]}",
            "nodes": [step(make_node(session))],
            "metadata": {"webhook_url": url},
        }
        response = client.post(CHAINS, headers=as_editor, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == "metadata.webhook_url"
        assert reason in response.json()["detail"]

    def test_a_good_url_is_kept_and_updates_and_imports_are_checked(
        self, client: TestClient, session: Session, as_editor: dict[str, str]
    ) -> None:
        url = "https://hooks.example.com:8443/chain?x=1"
        chain = create(client, as_editor, [step(make_node(session))], metadata={"webhook_url": url})
        assert chain["metadata"]["webhook_url"] == url
        bad = {"metadata": {"webhook_url": "javascript:alert(1)"}, "expected_version": 1}
        updated = client.patch(f"{CHAINS}/{chain['id']}", headers=as_editor, json=bad)
        assert updated.status_code == 422
        assert updated.json()["field"] == "metadata.webhook_url"
        cleared = {"metadata": {"webhook_url": None}, "expected_version": 1}
        assert client.patch(f"{CHAINS}/{chain['id']}", headers=as_editor, json=cleared).is_success

        document = client.get(f"{CHAINS}/{chain['id']}/export", headers=as_editor).json()
        document["chain"]["metadata"] = {"webhook_url": "http://u:p@hooks.example.com/"}
        imported = client.post(f"{CHAINS}/import", headers=as_editor, json=document)
        assert imported.status_code == 422
        assert imported.json()["field"] == "chain.metadata.webhook_url"
