"""Under more concurrent requests than threads and connections, requests queue and are all
served: no request keeps a database connection while it waits for a thread (which, with
every thread waiting for a connection, deadlocked the API until the pool timeout)."""

from __future__ import annotations

import time

import anyio
import anyio.to_thread
import httpx
import pytest

from chain_processor_api.core.security import create_access_token
from chain_processor_api.main import create_app
from chain_processor_db.models import User
from chain_processor_db.repositories.auth import create_auth_session
from chain_processor_db.session import create_db_engine, create_session_factory
from tests.conftest import Database, email_of, make_settings


@pytest.fixture(scope="module")
def database(own_database: Database) -> Database:
    """Its own: these tests commit through the app's real sessions."""
    return own_database


def test_more_requests_than_threads_and_connections_are_all_served(database: Database) -> None:
    settings = make_settings(database, database_pool_timeout_s=3)
    engine = create_db_engine(database.url, pool_size=1, max_overflow=0, pool_timeout=3)
    app = create_app(settings, engine=engine)
    try:
        with create_session_factory(engine)() as session:
            user = session.query(User).filter_by(email=email_of("viewer")).one()
            auth_session = create_auth_session(session=session, user_id=user.id)
            token = create_access_token(settings, user_id=user.id, session_id=auth_session.id)
            session.commit()
        statuses: list[int] = []

        async def main() -> float:
            anyio.to_thread.current_default_thread_limiter().total_tokens = 2
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:

                async def one() -> None:
                    response = await client.get("/api/v1/nodes", headers=headers)
                    statuses.append(response.status_code)

                started = time.monotonic()
                async with anyio.create_task_group() as group:
                    for _ in range(12):
                        group.start_soon(one)
                return time.monotonic() - started

        elapsed = anyio.run(main)
        assert statuses == [200] * 12
        assert elapsed < 3  # nobody waited for the pool timeout
    finally:
        app.state.sandbox_runner.close()
        engine.dispose()
