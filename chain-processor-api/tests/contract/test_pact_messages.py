"""The API honours the executor's contract (``contracts/pacts/``, written by
``chain-processor-executor/tests/contract/test_pact_execution_request.py``): the execution
request is what the real submit service committed on PostgreSQL (the ``chain_executions``
row, keyed by column name) and the NOTIFY it sent, caught by a listener as the executor's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest
from pact import Verifier
from sqlalchemy import Engine, select

from chain_processor_api.core.config import Settings
from chain_processor_api.services.executions import PENDING_CHANNEL
from chain_processor_db.base import json_value
from chain_processor_db.models import ChainExecution
from tests.contract.conftest import PACTS, PROVIDER
from tests.contract.provider_states import ProviderStates
from tests.contract.servers import HOST, serve_messages, serve_provider_states

EXECUTOR_PACT = PACTS / "chain-processor-executor-chain-processor-api.json"


class ExecutionRequests:
    """Listens on the executor's channel; the provider state submits, the message is what
    that left behind."""

    def __init__(
        self, engine: Engine, states: ProviderStates, listener: psycopg.Connection
    ) -> None:
        self._engine = engine
        self._states = states
        self._listener = listener
        self.execution_id: str | None = None

    def given(self, state: str, params: dict[str, Any]) -> dict[str, Any]:
        values = self._states(state, params)
        self.execution_id = values.get("executionId", self.execution_id)
        return values

    def produce(self) -> tuple[bytes, dict[str, Any]]:
        notify = next(self._listener.notifies(timeout=5, stop_after=1))
        assert notify.payload == self.execution_id
        table = ChainExecution.__table__
        with self._engine.connect() as connection:
            row = connection.execute(select(table).where(table.c.id == notify.payload)).one()
        body = {name: json_value(value) for name, value in row._mapping.items()}
        return json.dumps(body).encode(), {"notify": notify.channel}


@contextmanager
def listening(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    url = settings.listen_url()
    assert url is not None
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"LISTEN {PENDING_CHANNEL}")
        yield connection


def test_the_api_writes_the_requests_the_executor_runs(
    pact_engine: Engine, pact_settings: Settings, provider_states: ProviderStates
) -> None:
    with listening(pact_settings) as listener:
        requests = ExecutionRequests(pact_engine, provider_states, listener)
        with (
            serve_provider_states(requests.given) as state_url,
            serve_messages({"a request to run a chain": requests.produce}) as messages,
        ):
            message_url = urlsplit(messages)
            verifier = (
                Verifier(PROVIDER, host=HOST)
                .add_source(EXECUTOR_PACT)
                .add_transport(protocol="message", port=message_url.port, path=message_url.path)
                .state_handler(state_url, body=True)
                .set_error_on_empty_pact(enabled=True)
            )
            try:
                verifier.verify()
            except RuntimeError:
                pytest.fail(str(verifier.output(strip_ansi=True)), pytrace=False)
    assert requests.execution_id is not None
