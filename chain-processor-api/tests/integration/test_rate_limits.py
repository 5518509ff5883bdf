"""General rate limits: per user (or client address), separate budgets for reads, writes and
submissions, 429 with Retry-After and the usual error body; /health and /metrics exempt."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.core.rate_limit import RateLimits
from chain_processor_api.main import create_app
from tests.conftest import override_session
from tests.factories import make_node, make_strategy

LIMITS = {
    "rate_limit_reads_per_minute": 3,
    "rate_limit_writes_per_minute": 2,
    "rate_limit_submits_per_minute": 2,
}


@pytest.fixture(scope="module")
def limited_app(settings: Settings, engine: Engine) -> Iterator[FastAPI]:
    app = create_app(settings.model_copy(update=LIMITS), engine=engine)
    yield app
    app.state.sandbox_runner.close()


@pytest.fixture
def limited(limited_app: FastAPI, session: Session, settings: Settings) -> Iterator[TestClient]:
    override_session(limited_app, session)
    # Fresh budgets for every test.
    limited_app.state.rate_limits.buckets = RateLimits(
        settings.model_copy(update=LIMITS), api_prefix="/api/v1"
    ).buckets
    try:
        yield TestClient(limited_app, raise_server_exceptions=False)
    finally:
        limited_app.dependency_overrides.clear()


def test_reads_over_budget_get_a_429_with_retry_after(
    limited: TestClient, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    viewer = auth_headers("viewer")
    assert [limited.get("/api/v1/nodes", headers=viewer).status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]
    refused = limited.get("/api/v1/nodes", headers=viewer)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    body = refused.json()
    assert body["code"] == "too_many_requests"
    assert body["field"] is None
    assert "read" in body["detail"]
    assert refused.headers["X-Request-ID"]
    assert refused.headers["Cache-Control"] == "no-store"

    # Another user has a budget of its own; the exempt paths are never limited.
    assert limited.get("/api/v1/nodes", headers=auth_headers("editor")).status_code == 200
    for _ in range(5):
        assert limited.get("/health").status_code == 200
        assert limited.get("/metrics").status_code == 200


def test_reads_writes_and_submissions_have_separate_budgets(
    limited: TestClient, session: Session, auth_headers: Callable[[str], dict[str, str]]
) -> None:
    editor = auth_headers("editor")
    chain = make_strategy(session, nodes=[make_node(session)])
    for _ in range(3):
        limited.get("/api/v1/chains", headers=editor)
    assert limited.get("/api/v1/chains", headers=editor).status_code == 429

    run = {"strategy_id": str(chain.id), "input_text": "x"}
    submits = [limited.post("/api/v1/executions", headers=editor, json=run) for _ in range(3)]
    assert [r.status_code for r in submits] == [201, 201, 429]

    cancel = f"/api/v1/executions/{submits[0].json()['id']}/cancel"
    writes = [limited.post(cancel, headers=editor).status_code for _ in range(3)]
    assert writes[0] == 200 and writes[2] == 429  # the second is a 409: already cancelled


def test_without_a_valid_token_the_client_address_is_the_key(limited: TestClient) -> None:
    statuses = [
        limited.get("/api/v1/nodes", headers={"Authorization": "Bearer garbage"}).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 401]
    assert limited.get("/api/v1/nodes").status_code == 429  # same address, no token


def test_limits_can_be_turned_off(
    settings: Settings,
    engine: Engine,
    session: Session,
    auth_headers: Callable[[str], dict[str, str]],
) -> None:
    app = create_app(
        settings.model_copy(update={**LIMITS, "rate_limit_enabled": False}), engine=engine
    )
    override_session(app, session)
    try:
        client = TestClient(app)
        viewer = auth_headers("viewer")
        assert {client.get("/api/v1/nodes", headers=viewer).status_code for _ in range(5)} == {200}
    finally:
        app.state.sandbox_runner.close()


def test_the_openapi_documents_429_with_retry_after(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/api/v1/executions"]["post"]
    response = operation["responses"]["429"]
    assert "Retry-After" in response["headers"]
    assert "400" in operation["responses"]
