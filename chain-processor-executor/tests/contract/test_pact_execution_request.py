"""The executor's side of its contract with the API, as a Pact asynchronous message.

The message is the execution request the API leaves for the executor: the pending
``chain_executions`` row (keyed by column name) plus, in the message metadata, the NOTIFY
channel that wakes the workers. Each message is fed to the executor's real code path: the row
is stored, claimed with :func:`claim_executions` and its chain loaded with
:func:`load_chain`; the run's request id and trace parent must come through as the runner
reads them.

The contract is written afresh and compared with the committed
``contracts/pacts/chain-processor-executor-chain-processor-api.json``, which the API verifies
(``chain-processor-api/tests/contract/test_pact_messages.py``); ``PACT_UPDATE=1`` replaces
the committed copy.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from opentelemetry import trace
from pact import Pact, match
from sqlalchemy import Engine, insert
from sqlalchemy.orm import Session

from chain_processor_db.models import (
    ChainExecution,
    ChainStrategy,
    Node,
    NodeVersion,
    StrategyVersion,
    StrategyVersionNode,
)
from chain_processor_executor.listener import PENDING_CHANNEL
from chain_processor_executor.queue import claim_executions
from chain_processor_executor.steps import load_chain
from chain_processor_executor.tracing import parent_context
from tests.factories import UPPER

CONSUMER = "chain-processor-executor"
PROVIDER = "chain-processor-api"
PACT_FILE = f"{CONSUMER}-{PROVIDER}.json"
COMMITTED = Path(__file__).resolve().parents[3] / "contracts" / "pacts" / PACT_FILE

TIMESTAMP = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)?$"
TRACEPARENT = r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"
EXAMPLE_TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

EXECUTION_REQUEST = {
    "id": match.uuid("1d6f5c9a-3b2e-4c7d-8e9f-0a1b2c3d4e5f"),
    "strategy_id": match.uuid("2e7a6d0b-4c3f-4d8e-9fa0-1b2c3d4e5f60"),
    "strategy_version_id": match.uuid("3f8b7e1c-5d40-4e9f-a0b1-2c3d4e5f6071"),
    "input_text": match.str("hello"),
    "status": "pending",
    "priority": match.int(5),
    "attempts": 0,
    "max_attempts": match.int(3),
    "cancel_requested": False,
    "start_position": 0,
    "parent_execution_id": None,
    "created_at": match.regex("2026-11-22T10:00:00.123456+00:00", regex=TIMESTAMP),
    "metadata": {
        "request_id": match.str("5b0c7a1e9f2d4e3a"),
        "traceparent": match.regex(EXAMPLE_TRACEPARENT, regex=TRACEPARENT),
    },
}


def contract() -> Pact:
    pact = Pact(CONSUMER, PROVIDER).with_specification("V4")
    (
        pact.upon_receiving("a request to run a chain", "Async")
        .given("an editor submitted a run of a chain")
        .with_body(EXECUTION_REQUEST, "application/json")
        .with_metadata({"notify": PENDING_CHANNEL})
    )
    return pact


def row_of(message: dict[str, Any]) -> dict[str, Any]:
    """The message as column values of ``chain_executions``, typed as the columns are."""
    values: dict[str, Any] = {}
    for name, value in message.items():
        column_type = ChainExecution.__table__.columns[name].type
        # A TypeDecorator (UTCDateTime) names its Python type through the type it wraps.
        python_type = getattr(column_type, "impl_instance", column_type).python_type
        if value is not None and python_type is uuid.UUID:
            value = uuid.UUID(value)
        elif value is not None and python_type is datetime:
            value = datetime.fromisoformat(value)
        values[name] = value
    return values


def store(engine: Engine, row: dict[str, Any]) -> None:
    """The row as the API commits it, under a one-step chain version with the ids it names."""
    with Session(engine) as session, session.begin():
        session.add(ChainStrategy(id=row["strategy_id"], name=f"pact-{uuid.uuid4().hex[:6]}"))
        node = Node(name=f"pact-{uuid.uuid4().hex[:6]}", code=UPPER)
        node_version = NodeVersion(
            node=node,
            version="1.0.0",
            code=UPPER,
            content_hash=hashlib.sha256(UPPER.encode()).hexdigest(),
        )
        version = StrategyVersion(
            id=row["strategy_version_id"], strategy_id=row["strategy_id"], version="1.0.0"
        )
        session.add_all([node, node_version, version])
        session.flush()
        session.add(
            StrategyVersionNode(
                strategy_version_id=version.id,
                position=0,
                node_id=node.id,
                node_version_id=node_version.id,
            )
        )
    with engine.begin() as connection:
        connection.execute(insert(ChainExecution).values(row))


def run_request(engine: Engine, body: str | bytes | None, metadata: dict[str, object]) -> None:
    """What a worker does with the request: wake on the channel, claim, load the chain."""
    assert metadata["notify"] == PENDING_CHANNEL
    assert body is not None
    message = json.loads(body)
    row = row_of(message)
    store(engine, row)
    with engine.begin() as connection:
        claimed = claim_executions(connection, worker_id="pact", limit=10, lease_s=30)
        assert [execution.id for execution in claimed] == [row["id"]]
        chain = load_chain(
            connection,
            strategy_version_id=claimed[0].strategy_version_id,
            default_timeout_s=5,
            max_timeout_s=10,
        )
    execution = claimed[0]
    assert execution.strategy_id == row["strategy_id"]
    assert execution.input_text == row["input_text"]
    assert execution.priority == row["priority"]
    assert execution.start_position == row["start_position"]
    assert execution.parent_execution_id is None
    assert execution.attempts == 1
    assert [step.position for step in chain.steps] == [0]
    assert execution.metadata["request_id"] == message["metadata"]["request_id"]
    context = parent_context(execution.metadata)
    assert context is not None
    trace_id = trace.get_current_span(context).get_span_context().trace_id
    assert f"{trace_id:032x}" == message["metadata"]["traceparent"].split("-")[1]


def comparable(path: Path) -> dict[str, Any]:
    """The contract without what changes with the tools' versions."""
    pact: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    specification = pact.get("metadata", {}).get("pactSpecification")
    return {**pact, "metadata": {"pactSpecification": specification}}


def test_the_executor_runs_the_requests_the_api_writes(engine: Engine, tmp_path: Path) -> None:
    pact = contract()
    errors = pact.verify(
        lambda body, metadata: run_request(engine, body, metadata), "Async", raises=False
    )
    assert not errors, [f"{error.description}: {error.error!r}" for error in errors]
    pact.write_file(tmp_path, overwrite=True)
    generated = tmp_path / PACT_FILE
    if os.environ.get("PACT_UPDATE") == "1":
        COMMITTED.write_text(generated.read_text(encoding="utf-8"), encoding="utf-8")
    assert comparable(generated) == comparable(COMMITTED), (
        f"{COMMITTED} is stale: run this test with PACT_UPDATE=1 and commit it"
    )
