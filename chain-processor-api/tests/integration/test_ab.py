from __future__ import annotations

import random
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_api.services.traffic import choose_variant
from chain_processor_core.models import StrategyNodeIn, StrategyUpdate
from chain_processor_db.models import (
    AuditLog,
    ChainExecution,
    ChainStrategy,
    NodeExecution,
    StrategyVersion,
)
from chain_processor_db.repositories.strategies import update_strategy
from tests.factories import make_node, make_strategy

AB_RUNS = "/api/v1/ab-runs"


@pytest.fixture
def chain(session: Session) -> ChainStrategy:
    """A chain with versions 1.0.0 (one step) and 1.1.0 (two steps)."""
    first = make_node(session)
    strategy = make_strategy(session, nodes=[first])
    update_strategy(
        session=session,
        strategy=strategy,
        strategy_in=StrategyUpdate(
            expected_version=strategy.version,
            bump="minor",
            nodes=[StrategyNodeIn(node_id=first.id), StrategyNodeIn(node_id=make_node(session).id)],
        ),
        updated_by_id=None,
    )
    session.commit()
    assert strategy.current_version == "1.1.0"
    return strategy


def ab_body(chain: ChainStrategy, a: str | None = "1.0.0", b: str | None = None) -> dict[str, Any]:
    return {
        "input_text": "hello\nworld",
        "a": {"strategy_id": str(chain.id), "version": a},
        "b": {"strategy_id": str(chain.id), "version": b},
    }


def finish(session: Session, execution_id: str, output: str, node_ms: list[int]) -> None:
    """Record what the executor would: the run's nodes and its final status."""
    execution = session.get(ChainExecution, uuid.UUID(execution_id))
    assert execution is not None
    version = session.get(StrategyVersion, execution.strategy_version_id)
    assert version is not None
    for step, ms in zip(version.nodes, node_ms, strict=True):
        session.add(
            NodeExecution(
                execution_id=execution.id,
                node_id=step.node_id,
                node_version_id=step.node_version_id,
                position=step.position,
                status="succeeded",
                execution_time_ms=ms,
            )
        )
    execution.status, execution.output_text = "succeeded", output
    execution.execution_time_ms = sum(node_ms)
    session.commit()


class TestAbRuns:
    def test_two_pinned_runs_side_by_side_then_a_diff(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        created = client.post(AB_RUNS, headers=as_editor, json=ab_body(chain))
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["a"]["version"], body["b"]["version"]) == ("1.0.0", "1.1.0")
        assert body["a"]["execution"]["input_text"] == body["b"]["execution"]["input_text"]
        assert body["a"]["execution"]["metadata"]["ab_arm"] == "a"
        assert (body["finished"], body["output_diff"]) == (False, None)
        audit = session.scalar(select(AuditLog).where(AuditLog.action == "ab_run.create"))
        assert audit is not None and audit.resource_id == body["id"]

        finish(session, body["a"]["execution"]["id"], "HELLO\nWORLD\n", [7])
        finish(session, body["b"]["execution"]["id"], "HELLO\nthere\n", [3, 4])
        read = client.get(f"{AB_RUNS}/{body['id']}", headers=as_editor).json()

        assert read["finished"] is True
        assert [n["execution_time_ms"] for n in read["b"]["nodes"]] == [3, 4]
        assert [n["position"] for n in read["a"]["nodes"]] == [0]
        assert "-WORLD\n+there\n" in read["output_diff"]
        assert read["output_diff"].startswith("--- a (1.0.0)\n+++ b (1.1.0)\n")

    def test_list_newest_first_and_by_submitter(
        self,
        client: TestClient,
        as_editor: dict[str, str],
        as_viewer: dict[str, str],
        users: dict[str, Any],
        chain: ChainStrategy,
    ) -> None:
        ids = [
            client.post(AB_RUNS, headers=as_editor, json=ab_body(chain)).json()["id"] for _ in "ab"
        ]
        page = client.get(
            AB_RUNS, headers=as_viewer, params={"created_by_id": str(users["editor"].id)}
        ).json()
        assert [run["id"] for run in page["data"]][:2] == ids[::-1]
        assert page["count"] >= 2

    def test_unknown_version_or_chain_and_missing_run(
        self, client: TestClient, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        no_version = client.post(AB_RUNS, headers=as_editor, json=ab_body(chain, b="9.9.9"))
        assert no_version.status_code == 404
        assert no_version.json()["code"] == "version_not_found"
        body = ab_body(chain)
        body["b"]["strategy_id"] = str(uuid.uuid4())
        assert client.post(AB_RUNS, headers=as_editor, json=body).status_code == 404
        nul = {**ab_body(chain), "input_text": "a\x00b"}
        assert client.post(AB_RUNS, headers=as_editor, json=nul).status_code == 422
        assert client.get(f"{AB_RUNS}/{uuid.uuid4()}", headers=as_editor).status_code == 404

    def test_viewers_cannot_submit(
        self, client: TestClient, as_viewer: dict[str, str], chain: ChainStrategy
    ) -> None:
        assert client.post(AB_RUNS, headers=as_viewer, json=ab_body(chain)).status_code == 403


class TestTrafficSplit:
    def split_url(self, chain: ChainStrategy) -> str:
        return f"/api/v1/chains/{chain.id}/traffic-split"

    def test_set_read_route_and_remove(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        url = self.split_url(chain)
        assert client.get(url, headers=as_editor).status_code == 404
        variants = [{"version": "1.0.0", "weight": 100}, {"version": "1.1.0", "weight": 0}]
        put = client.put(url, headers=as_editor, json={"variants": variants})
        assert put.status_code == 200, put.text
        assert client.get(url, headers=as_editor).json()["variants"] == variants

        submit = {"strategy_id": str(chain.id), "input_text": "hi"}
        routed = client.post("/api/v1/executions", headers=as_editor, json=submit).json()
        assert routed["metadata"]["variant"] == "1.0.0"
        pinned = client.post(
            "/api/v1/executions", headers=as_editor, json={**submit, "version": "1.1.0"}
        ).json()
        assert "variant" not in pinned["metadata"]  # an explicit version is never routed

        assert client.delete(url, headers=as_editor).status_code == 204
        plain = client.post("/api/v1/executions", headers=as_editor, json=submit).json()
        assert "variant" not in plain["metadata"]
        actions = session.scalars(
            select(AuditLog.action).where(AuditLog.resource_id == str(chain.id))
        ).all()
        assert {"chain.traffic_split", "chain.traffic_split_delete"} <= set(actions)

    @pytest.mark.parametrize(
        ("variants", "field"),
        [
            ([{"version": "1.0.0", "weight": 60}, {"version": "1.1.0", "weight": 30}], "body"),
            ([{"version": "1.0.0", "weight": 50}, {"version": "1.0.0", "weight": 50}], "body"),
            ([{"version": "1.0.0", "weight": 101}], "body.variants.0.weight"),
            ([], "body.variants"),
            ([{"version": "1.0.0", "weight": 50}, {"version": "3.0.0", "weight": 50}], "x"),
            ([{"version": "v1", "weight": 100}], "x"),
        ],
    )
    def test_bad_splits_are_refused_field_by_field(
        self,
        client: TestClient,
        as_editor: dict[str, str],
        chain: ChainStrategy,
        variants: list[dict[str, Any]],
        field: str,
    ) -> None:
        response = client.put(self.split_url(chain), headers=as_editor, json={"variants": variants})
        assert response.status_code == 422
        if field == "x":  # a version the chain does not have
            assert response.json()["errors"][0]["field"].startswith("variants.")
        else:
            assert response.json()["field"] == field

    def test_unknown_chain_and_missing_split(
        self, client: TestClient, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        other = f"/api/v1/chains/{uuid.uuid4()}"
        body = {"variants": [{"version": "1.0.0", "weight": 100}]}
        assert client.put(f"{other}/traffic-split", headers=as_editor, json=body).status_code == 404
        assert client.get(f"{other}/variants", headers=as_editor).status_code == 404
        assert client.delete(self.split_url(chain), headers=as_editor).status_code == 404

    def test_variant_stats(
        self, client: TestClient, session: Session, as_editor: dict[str, str], chain: ChainStrategy
    ) -> None:
        url = self.split_url(chain)
        client.put(url, headers=as_editor, json={"variants": [{"version": "1.1.0", "weight": 100}]})
        submit = {"strategy_id": str(chain.id), "input_text": "hi"}
        first, _second = (
            client.post("/api/v1/executions", headers=as_editor, json=submit).json()
            for _ in range(2)
        )
        finish(session, first["id"], "HI", [10, 30])

        stats = client.get(f"/api/v1/chains/{chain.id}/variants", headers=as_editor).json()

        assert stats["count"] == 1
        (variant,) = stats["data"]
        assert variant["variant"] == "1.1.0"
        assert (variant["count"], variant["finished"], variant["succeeded"]) == (2, 1, 1)
        assert variant["success_rate"] == 1.0
        assert variant["p50_ms"] == pytest.approx(40.0)


def test_choose_variant_follows_the_weights() -> None:
    variants = [{"version": "1.0.0", "weight": 90}, {"version": "2.0.0", "weight": 10}]
    rng = random.Random(7)
    chosen = [choose_variant(variants, rng) for _ in range(2000)]
    assert 0.85 < chosen.count("1.0.0") / len(chosen) < 0.95
