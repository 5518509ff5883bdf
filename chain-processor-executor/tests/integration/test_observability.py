"""Spans, log context and metrics of real runs (in this process; the supervisor's /metrics
is tested in test_supervisor.py)."""

from __future__ import annotations

import io
import json
import logging
import socket
import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine

from chain_processor_db.session import create_db_engine
from chain_processor_executor.logs import JSONFormatter
from chain_processor_executor.metrics_server import MetricsServer
from chain_processor_executor.runner import run_execution
from chain_processor_executor.sandbox import SandboxPool
from tests.conftest import Database
from tests.factories import UPPER, make_chain, submit
from tests.integration.test_runner import SETTINGS, claim_one

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"
FAILING = "def node(text):\n    raise ValueError('nope')\n"
SLEEPY = "import time\n\ndef node(text):\n    time.sleep(5)\n    return text\n"


@pytest.fixture
def engine(sqlite_database: Database) -> Iterator[Engine]:
    engine = sqlite_database.engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pool() -> Iterator[SandboxPool]:
    with SandboxPool(1) as pool:
        yield pool


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def run_one(engine: Engine, pool: SandboxPool) -> uuid.UUID:
    claimed = claim_one(engine)
    run_execution(claimed, engine=engine, pool=pool, settings=SETTINGS)
    return claimed.id


def test_spans_continue_the_trace_of_the_api_request(
    engine: Engine, pool: SandboxPool, span_exporter: InMemorySpanExporter
) -> None:
    span_exporter.clear()
    version = make_chain(engine, [UPPER, FAILING])
    execution_id = submit(engine, version, metadata_json={"traceparent": TRACEPARENT})
    run_one(engine, pool)
    spans = {span.name: span for span in span_exporter.get_finished_spans()}
    chain, node = spans["chain_execution"], spans["node_execution"]
    assert len(span_exporter.get_finished_spans()) == 3  # the chain and its two nodes
    assert chain.context is not None and node.context is not None and chain.parent is not None
    assert format(chain.context.trace_id, "032x") == TRACE_ID
    assert format(chain.parent.span_id, "016x") == PARENT_SPAN_ID
    assert chain.kind is SpanKind.CONSUMER
    assert chain.attributes is not None
    assert chain.attributes["chain_processor.execution_id"] == str(execution_id)
    assert chain.attributes["chain_processor.status"] == "failed"
    assert chain.status.status_code is StatusCode.ERROR
    children = [s for s in span_exporter.get_finished_spans() if s.name == "node_execution"]
    assert all(s.parent is not None and s.parent.span_id == chain.context.span_id for s in children)
    assert [s.status.status_code for s in children] == [StatusCode.UNSET, StatusCode.ERROR]


def test_without_a_traceparent_an_execution_starts_a_trace(
    engine: Engine, pool: SandboxPool, span_exporter: InMemorySpanExporter
) -> None:
    span_exporter.clear()
    submit(engine, make_chain(engine, [UPPER]), metadata_json={"traceparent": "garbage"})
    run_one(engine, pool)
    chain = next(s for s in span_exporter.get_finished_spans() if s.name == "chain_execution")
    assert chain.parent is None and chain.status.status_code is StatusCode.UNSET


def test_every_log_line_of_an_execution_names_it_and_the_api_request(
    engine: Engine, pool: SandboxPool
) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    saved_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        metadata = {"request_id": "req-42", "traceparent": TRACEPARENT}
        execution_id = submit(engine, make_chain(engine, [UPPER]), metadata_json=metadata)
        run_one(engine, pool)
        logging.getLogger("after").info("outside any execution")
    finally:
        root.removeHandler(handler)
        root.setLevel(saved_level)
    *inside, outside = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [e["action"] for e in inside] == ["execution_finished"]
    assert all(
        (e["execution_id"], e["request_id"]) == (str(execution_id), "req-42") for e in inside
    )
    assert "execution_id" not in outside and "request_id" not in outside


def test_runs_are_measured(engine: Engine, pool: SandboxPool) -> None:
    succeeded = sample("chain_executions_total", status="succeeded", reason="none")
    failed = sample("chain_executions_total", status="failed", reason="node_error")
    timed_out = sample("chain_executions_total", status="timed_out", reason="timeout")
    chains = sample("chain_execution_duration_seconds_count", status="succeeded")
    nodes = sample("node_execution_duration_seconds_count", status="succeeded")
    restarts = sample("executor_sandbox_restarts_total", reason="timeout")
    submit(engine, make_chain(engine, [UPPER, UPPER, UPPER]))
    submit(engine, make_chain(engine, [UPPER, FAILING]))
    submit(engine, make_chain(engine, [SLEEPY], configs=[{"_timeout_s": 0.1}]))
    for _ in range(3):
        run_one(engine, pool)
    assert sample("chain_executions_total", status="succeeded", reason="none") == succeeded + 1
    assert sample("chain_executions_total", status="failed", reason="node_error") == failed + 1
    assert sample("chain_executions_total", status="timed_out", reason="timeout") == timed_out + 1
    assert sample("chain_execution_duration_seconds_count", status="succeeded") == chains + 1
    assert sample("node_execution_duration_seconds_count", status="succeeded") == nodes + 4
    assert sample("executor_sandbox_restarts_total", reason="timeout") == restarts + 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_server_counts_the_queue_and_cleans_up(engine: Engine) -> None:
    version = make_chain(engine, [UPPER])
    for _ in range(3):
        submit(engine, version)
    server = MetricsServer(engine, host="127.0.0.1", port=free_port())
    server.start()
    try:
        assert scrape(server.port)[("executor_queue_depth", ())] == 3
    finally:
        server.close()
    assert not server.directory.exists()


def test_queue_depth_is_left_out_when_the_database_is_down() -> None:
    broken = create_db_engine("postgresql://nobody@127.0.0.1:1/none")
    server = MetricsServer(broken, host="127.0.0.1", port=free_port())
    server.start()
    try:
        assert ("executor_queue_depth", ()) not in scrape(server.port)
    finally:
        server.close()
        broken.dispose()
