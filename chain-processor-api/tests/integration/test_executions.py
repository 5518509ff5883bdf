from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_db.base import utcnow
from chain_processor_db.models import AuditLog, ChainExecution, ChainStrategy, NodeExecution, User
from tests.factories import make_node, make_strategy, queue_execution

EXECUTIONS = "/api/v1/executions"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def chain(session: Session) -> ChainStrategy:
    return make_strategy(
        session, nodes=[make_node(session), make_node(session), make_node(session)]
    )


def submit(client: TestClient, headers: dict[str, str], chain: ChainStrategy, **fields: Any) -> Any:
    body = {"strategy_id": str(chain.id), "input_text": "hello", **fields}
    return client.post(EXECUTIONS, headers=headers, json=body)


class TestSubmit:
    def test_a_submission_is_queued_with_its_trace(
        self,
        client: TestClient,
        app: FastAPI,
        session: Session,
        as_editor: dict[str, str],
        chain: ChainStrategy,
    ) -> None:
        registry = app.state.metrics.registry
        submitted = registry.get_sample_value("chain_executions_submitted_total")
        response = client.post(
            EXECUTIONS,
            headers={**as_editor, "X-Request-ID": "req-42", "traceparent": TRACEPARENT},
            json={
                "strategy_id": str(chain.id),
                "input_text": "hi",
                "priority": 5,
                "metadata": {"a": 1},
            },
        )
        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "pending"  # no executor needed to accept it
        assert body["priority"] == 5
        assert body["metadata"] == {"a": 1, "request_id": "req-42", "traceparent": TRACEPARENT}
        assert body["strategy_version_id"] is not None
        assert body["strategy_version"] == "1.0.0"
        assert body["created_by_email"] == session.get(User, uuid.UUID(body["created_by_id"])).email
        entry = session.scalar(select(AuditLog).where(AuditLog.resource_id == body["id"]))
        assert entry is not None and entry.action == "execution.create"
        assert entry.request_id == "req-42"
        assert registry.get_sample_value("chain_executions_submitted_total") == submitted + 1

    def test_a_malformed_traceparent_is_not_stored(
        self, client: TestClient, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        body = {"strategy_id": str(chain.id), "input_text": "x"}
        headers = {**as_editor, "traceparent": "garbage"}
        response = client.post(EXECUTIONS, headers=headers, json=body)
        assert "traceparent" not in response.json()["metadata"]

    def test_a_repeated_idempotency_key_returns_the_first_execution(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        first = submit(client, as_editor, chain, idempotency_key="k-1")
        again = submit(client, as_editor, chain, idempotency_key="k-1", input_text="other")
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["id"] == first.json()["id"]
        assert again.json()["input_text"] == "hello"
        assert session.scalar(select(ChainExecution).where(ChainExecution.idempotency_key == "k-1"))

    def test_a_pinned_version_runs_that_version(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        pinned = submit(client, as_editor, chain, version="1.0.0")
        assert pinned.status_code == 201
        assert pinned.json()["strategy_version"] == "1.0.0"
        missing = submit(client, as_editor, chain, version="9.9.9")
        assert (missing.status_code, missing.json()["code"]) == (404, "version_not_found")
        invalid = submit(client, as_editor, chain, version="latest")
        assert (invalid.status_code, invalid.json()["code"]) == (422, "invalid_version")

    def test_an_unknown_or_inactive_chain_is_refused(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        unknown = client.post(
            EXECUTIONS,
            headers=as_editor,
            json={"strategy_id": str(uuid.uuid4()), "input_text": "x"},
        )
        assert unknown.status_code == 404
        chain.is_active = False
        session.commit()
        inactive = submit(client, as_editor, chain)
        assert (inactive.status_code, inactive.json()["field"]) == (422, "strategy_id")

    @pytest.mark.parametrize(
        "fields",
        [
            {"input_text": ""},
            {"priority": 101},
            {"priority": -101},
            {"idempotency_key": ""},
            {"strategy_id": "nope"},
            {"status": "succeeded"},
        ],
    )
    def test_bad_submissions_are_a_422(
        self,
        client: TestClient,
        as_editor: dict[str, str],
        chain: ChainStrategy,
        fields: dict[str, Any],
    ) -> None:
        assert submit(client, as_editor, chain, **fields).status_code == 422


class TestRead:
    def test_get_and_list_with_filters(
        self,
        client: TestClient,
        session: Session,
        as_viewer: dict[str, str],
        chain: ChainStrategy,
        users: dict[str, User],
    ) -> None:
        mine = queue_execution(session, chain, user=users["editor"])
        other = queue_execution(session, make_strategy(session))
        old = queue_execution(session, chain)
        old.created_at = utcnow() - timedelta(days=2)
        old.status = "failed"
        session.commit()
        got = client.get(f"{EXECUTIONS}/{mine.id}", headers=as_viewer).json()
        assert got["id"] == str(mine.id)
        assert got["strategy_version"] == "1.0.0"
        assert got["created_by_email"] == users["editor"].email
        listed = {e["id"]: e for e in client.get(EXECUTIONS, headers=as_viewer).json()["data"]}
        assert listed[str(mine.id)]["created_by_email"] == users["editor"].email
        assert listed[str(old.id)]["created_by_email"] is None
        assert {e["strategy_version"] for e in listed.values()} == {"1.0.0"}

        def ids(**params: Any) -> list[str]:
            body = client.get(EXECUTIONS, headers=as_viewer, params=params).json()
            return [e["id"] for e in body["data"]]

        assert set(ids(strategy_id=chain.id)) == {str(mine.id), str(old.id)}
        # Other tests may have committed runs to this database: filter within this chain.
        this_chain = {"strategy_id": chain.id}
        assert ids(**this_chain, created_by_id=users["editor"].id) == [str(mine.id)]
        assert ids(**this_chain, status="failed") == [str(old.id)]
        since = (utcnow() - timedelta(days=1)).isoformat()
        assert ids(**this_chain, created_after=since) == [str(mine.id)]
        assert ids(**this_chain, created_before=since) == [str(old.id)]
        assert len(ids(limit=1)) == 1
        assert str(other.id) in ids()

    @pytest.mark.parametrize(
        "params",
        [
            {"status": "nope"},
            {"limit": 0},
            {"offset": -1},
            {"created_after": "yesterday"},
            {"created_before": "0.5"},
            {"created_before": "1700000000"},
            {"created_after": "2024-05-01"},
        ],
    )
    def test_bad_filters_are_a_422(
        self, client: TestClient, as_viewer: dict[str, str], params: dict[str, Any]
    ) -> None:
        assert client.get(EXECUTIONS, headers=as_viewer, params=params).status_code == 422

    def test_node_executions_in_order(
        self, client: TestClient, session: Session, as_viewer: dict[str, str], chain: ChainStrategy
    ) -> None:
        execution = queue_execution(session, chain)
        for step in reversed(chain.nodes):
            session.add(
                NodeExecution(
                    execution_id=execution.id,
                    node_id=step.node_id,
                    node_version_id=step.node_version_id,
                    position=step.position,
                    status="succeeded",
                    input_text="in",
                    output_text="out",
                )
            )
        session.commit()
        body = client.get(f"{EXECUTIONS}/{execution.id}/nodes", headers=as_viewer).json()
        assert [n["position"] for n in body["data"]] == [0, 1, 2]
        assert body["count"] == 3

    def test_unknown_executions_are_404(
        self, client: TestClient, as_editor: dict[str, str]
    ) -> None:
        url = f"{EXECUTIONS}/{uuid.uuid4()}"
        assert client.get(url, headers=as_editor).json()["code"] == "execution_not_found"
        assert client.get(f"{url}/nodes", headers=as_editor).status_code == 404
        assert client.post(f"{url}/cancel", headers=as_editor).status_code == 404
        assert client.post(f"{url}/rerun", headers=as_editor, json={}).status_code == 404


class TestCancel:
    def test_a_pending_execution_is_cancelled_at_once(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        created = submit(client, as_editor, chain).json()
        response = client.post(f"{EXECUTIONS}/{created['id']}/cancel", headers=as_editor)
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        again = client.post(f"{EXECUTIONS}/{created['id']}/cancel", headers=as_editor)
        assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")
        assert session.scalar(select(AuditLog).where(AuditLog.action == "execution.cancel"))

    def test_a_running_execution_is_asked_to_stop(
        self, client: TestClient, session: Session, as_admin: dict[str, str], chain: ChainStrategy
    ) -> None:
        execution = queue_execution(session, chain)
        execution.status = "running"
        session.commit()
        response = client.post(f"{EXECUTIONS}/{execution.id}/cancel", headers=as_admin)
        assert response.json()["status"] == "running"
        session.refresh(execution)
        assert execution.cancel_requested

    def test_editors_cannot_cancel_or_rerun_others_executions(
        self,
        client: TestClient,
        session: Session,
        as_editor: dict[str, str],
        chain: ChainStrategy,
        users: dict[str, User],
    ) -> None:
        theirs = queue_execution(session, chain, user=users["admin"])
        assert client.post(f"{EXECUTIONS}/{theirs.id}/cancel", headers=as_editor).status_code == 403
        assert (
            client.post(f"{EXECUTIONS}/{theirs.id}/rerun", headers=as_editor, json={}).status_code
            == 403
        )


class TestRerun:
    @pytest.fixture
    def finished(
        self, session: Session, chain: ChainStrategy, users: dict[str, User]
    ) -> ChainExecution:
        execution = queue_execution(session, chain, user=users["editor"], text="start")
        outputs = ["a", "b", None]
        for step, output in zip(chain.nodes, outputs, strict=True):
            session.add(
                NodeExecution(
                    execution_id=execution.id,
                    node_id=step.node_id,
                    node_version_id=step.node_version_id,
                    position=step.position,
                    status="succeeded" if output else "failed",
                    output_text=output,
                )
            )
        execution.status = "failed"
        session.commit()
        return execution

    def test_rerun_from_a_step_starts_from_its_input(
        self, client: TestClient, as_editor: dict[str, str], finished: ChainExecution
    ) -> None:
        url = f"{EXECUTIONS}/{finished.id}/rerun"
        response = client.post(url, headers=as_editor, json={"from_position": 2, "priority": 9})
        assert response.status_code == 201
        body = response.json()
        assert body["parent_execution_id"] == str(finished.id)
        assert body["start_position"] == 2
        assert body["input_text"] == "b"
        assert body["priority"] == 9
        assert body["strategy_version_id"] == str(finished.strategy_version_id)
        assert body["strategy_version"] == "1.0.0"
        assert body["created_by_email"] is not None
        assert body["metadata"]["rerun_of"] == str(finished.id)
        from_start = client.post(url, headers=as_editor, json={}).json()
        assert (from_start["input_text"], from_start["start_position"]) == ("start", 0)

    def test_rerun_needs_a_step_with_input(
        self,
        client: TestClient,
        session: Session,
        as_editor: dict[str, str],
        finished: ChainExecution,
    ) -> None:
        url = f"{EXECUTIONS}/{finished.id}/rerun"
        out_of_range = client.post(url, headers=as_editor, json={"from_position": 3})
        assert (out_of_range.status_code, out_of_range.json()["field"]) == (422, "from_position")
        no_output = client.post(url, headers=as_editor, json={"from_position": 2})
        assert no_output.status_code == 201
        for node_execution in session.scalars(select(NodeExecution)):
            node_execution.output_text = None
        session.commit()
        assert client.post(url, headers=as_editor, json={"from_position": 1}).status_code == 409
        assert client.post(url, headers=as_editor, json={"from_position": -1}).status_code == 422
