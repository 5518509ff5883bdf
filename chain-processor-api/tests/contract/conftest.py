"""The Pact provider side: the committed contracts, a PostgreSQL database of this run's own
(migrated, builtin nodes seeded) and the real application served by uvicorn over it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.main import create_app
from chain_processor_db import migrations
from chain_processor_db.seed import SeedReport, seed_builtin_nodes
from chain_processor_db.session import create_db_engine
from chain_processor_db.testing import database_url, postgres_database
from tests.conftest import Database, env_url, make_settings
from tests.contract.provider_states import ProviderStates
from tests.contract.servers import serve_api, serve_provider_states

PACTS = Path(__file__).resolve().parents[3] / "contracts" / "pacts"
PROVIDER = "chain-processor-api"

# The Pact core would otherwise report usage over the network.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")


@pytest.fixture(scope="session")
def pact_database() -> Iterator[Database]:
    admin_url = env_url("TEST_DATABASE_URL")
    with postgres_database(admin_url, prefix="cp_api_pact") as name:
        database = Database("postgres", database_url(admin_url, name))
        migrations.upgrade(database.url)
        engine = create_db_engine(database.url, pool_size=1)
        try:
            with Session(engine) as session:
                seed_builtin_nodes(session=session, report=SeedReport())
                session.commit()
        finally:
            engine.dispose()
        yield database


@pytest.fixture(scope="session")
def pact_settings(pact_database: Database) -> Settings:
    return make_settings(pact_database)


@pytest.fixture(scope="session")
def pact_engine(pact_database: Database) -> Iterator[Engine]:
    engine = create_db_engine(pact_database.url, pool_size=2)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def provider_states(pact_engine: Engine, pact_settings: Settings) -> ProviderStates:
    return ProviderStates(pact_engine, pact_settings)


@pytest.fixture(scope="session")
def api_url(pact_settings: Settings) -> Iterator[str]:
    """The API on a free loopback port, over its own engine as in production."""
    with serve_api(create_app(pact_settings)) as url:
        yield url


@pytest.fixture(scope="session")
def state_url(provider_states: ProviderStates) -> Iterator[str]:
    with serve_provider_states(provider_states) as url:
        yield url
