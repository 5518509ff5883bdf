from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chain_processor_api.core.security import create_access_token
from chain_processor_api.main import create_app
from chain_processor_db.base import utcnow
from chain_processor_db.session import create_db_engine
from tests.conftest import Database, make_settings
from tests.factories import make_strategy, queue_execution


def test_liveness(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"


def test_detailed_health_with_an_idle_queue(client: TestClient) -> None:
    body = client.get("/health/detailed").json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["latency_ms"] >= 0
    assert body["pgbouncer"] is None
    assert body["executor"]["status"] == "unknown"
    assert body["executor"]["heartbeat"] == "unknown"
    assert body["queue"] == {"pending": 0, "running": 0, "oldest_pending_seconds": None}


def test_executor_away_means_degraded_not_down(client: TestClient, session: Session) -> None:
    execution = queue_execution(session, make_strategy(session))
    execution.created_at = utcnow() - timedelta(minutes=5)
    session.commit()
    response = client.get("/health/detailed")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["executor"]["status"] == "away"
    assert body["queue"]["pending"] == 1
    assert body["queue"]["oldest_pending_seconds"] >= 299


def test_a_live_lease_means_the_executor_is_active(client: TestClient, session: Session) -> None:
    execution = queue_execution(session, make_strategy(session))
    execution.status = "running"
    execution.worker_id = "worker-1"
    execution.lease_expires_at = utcnow() + timedelta(seconds=30)
    session.commit()
    body = client.get("/health/detailed").json()
    assert body["status"] == "ok"
    assert body["executor"] == {
        "status": "active",
        "heartbeat": "unknown",
        "live_workers": 1,
        "detail": "Workers hold live leases",
    }
    assert body["queue"]["running"] == 1


def test_a_database_bug_on_sqlite_is_a_500_not_a_retry_later(tmp_path: object) -> None:
    """SQLite raises OperationalError for outages (locked, full, read-only) and for bugs (no
    such table) alike: only the outages are 503 "try again later"."""
    url = f"sqlite:///{tmp_path}/never-migrated.db"
    engine = create_db_engine(url)
    settings = make_settings(Database("sqlite", url))
    app = create_app(settings, engine=engine)
    token = create_access_token(settings, user_id=uuid.uuid4(), session_id=uuid.uuid4())
    try:
        client = TestClient(app, raise_server_exceptions=False)
        response = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    finally:
        app.state.sandbox_runner.close()
        engine.dispose()

    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert "no such table" not in response.text and "SELECT" not in response.text


def test_an_unreachable_database_is_a_503_without_details(tmp_path: object) -> None:
    engine = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    settings = make_settings(Database("postgres", "postgresql://nobody@127.0.0.1:1/none"))
    client = TestClient(create_app(settings, engine=engine))
    response = client.get("/health/detailed")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == {
        "status": "unavailable",
        "latency_ms": None,
        "detail": "The database is not reachable",
    }
    assert "127.0.0.1" not in response.text
    token = create_access_token(settings, user_id=uuid.uuid4(), session_id=uuid.uuid4())
    down = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert down.status_code == 503
    assert down.headers["Retry-After"] == "5"
    assert down.json() == {
        "detail": "The database is not available",
        "code": "unavailable",
        "field": None,
    }
    engine.dispose()
