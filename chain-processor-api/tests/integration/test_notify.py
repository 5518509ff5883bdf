"""PostgreSQL-only checks on a database of the test's own (real commits): the executor's
wake-up (NOTIFY), directly and through PgBouncer in transaction pooling, and the PgBouncer
check of ``/health/detailed``."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chain_processor_api.main import create_app
from chain_processor_api.services.auth import start_session
from chain_processor_api.services.executions import PENDING_CHANNEL
from chain_processor_db import migrations
from chain_processor_db.models import User
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import database_url, postgres_database
from tests.conftest import Database, env_url, make_settings
from tests.factories import make_node, make_strategy

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def notify_database() -> Iterator[str]:
    """The name of an empty database of this module's own."""
    with postgres_database(env_url("TEST_DATABASE_URL"), prefix="cp_api_test") as name:
        yield name


@pytest.mark.parametrize("through", ["postgres", "pgbouncer"])
def test_a_submission_notifies_the_executor_when_it_commits(
    notify_database: str, through: str
) -> None:
    direct_url = database_url(env_url("TEST_DATABASE_URL"), notify_database)
    server = (
        env_url("TEST_PGBOUNCER_URL") if through == "pgbouncer" else env_url("TEST_DATABASE_URL")
    )
    api_url = database_url(server, notify_database)
    migrations.upgrade(direct_url)
    engine = create_db_engine(api_url, pgbouncer=through == "pgbouncer", pool_size=2)
    settings = make_settings(
        Database("postgres", api_url), database_pgbouncer=through == "pgbouncer"
    )
    try:
        with Session(engine, expire_on_commit=False) as session:
            user = User(
                email=f"{uuid.uuid4().hex[:8]}@example.com", password_hash="x", roles=["editor"]
            )
            session.add(user)
            session.flush()
            chain = make_strategy(session, nodes=[make_node(session)])
            token = start_session(
                session, settings, user=user, client_address=None, user_agent=None
            )
            session.commit()
        client = TestClient(create_app(settings, engine=engine))
        # LISTEN needs a direct connection: PgBouncer in transaction mode cannot deliver it.
        with psycopg.connect(direct_url, autocommit=True) as listener:
            listener.execute(f"LISTEN {PENDING_CHANNEL}")
            response = client.post(
                "/api/v1/executions",
                headers={"Authorization": f"Bearer {token.access_token}"},
                json={"strategy_id": str(chain.id), "input_text": "wake up"},
            )
            assert response.status_code == 201, response.text
            notices = list(listener.notifies(timeout=5, stop_after=1))
        assert [n.payload for n in notices] == [response.json()["id"]]
        assert notices[0].channel == PENDING_CHANNEL
    finally:
        engine.dispose()


def test_pgbouncer_is_checked_when_configured(notify_database: str) -> None:
    direct_url = database_url(env_url("TEST_DATABASE_URL"), notify_database)
    migrations.upgrade(direct_url)
    engine = create_db_engine(direct_url, pool_size=1)
    good = database_url(env_url("TEST_PGBOUNCER_URL"), notify_database)
    try:
        for url, expected in ((good, "ok"), ("postgresql://postgres@127.0.0.1:1/x", "unavailable")):
            settings = make_settings(Database("postgres", direct_url), pgbouncer_url=url)
            body = TestClient(create_app(settings, engine=engine)).get("/health/detailed").json()
            assert body["pgbouncer"]["status"] == expected
            assert body["status"] == ("ok" if expected == "ok" else "degraded")
            assert "127.0.0.1" not in str(body)
    finally:
        engine.dispose()
