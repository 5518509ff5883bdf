"""OpenTelemetry: a server span per request, SQL children, and the trace carried into the
execution's metadata so the executor continues it. Spans are collected by the SDK's
in-memory exporter of a provider handed to ``create_app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from chain_processor_api.core.config import Settings
from chain_processor_api.core.tracing import build_tracer_provider
from chain_processor_api.main import create_app
from chain_processor_db.models import ChainStrategy
from chain_processor_executor.tracing import parent_context
from tests.conftest import override_session
from tests.factories import make_node, make_strategy

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"


@pytest.fixture(scope="module")
def traced_app(settings: Settings, engine: Engine) -> Iterator[FastAPI]:
    """An app whose spans go to its own exporter (shutting its provider down stops that
    exporter: one per app, not one per module, or the second backend's tests see none)."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, engine=engine, tracer_provider=provider)
    app.state.span_exporter = exporter
    yield app
    app.state.sandbox_runner.close()
    provider.shutdown()


@pytest.fixture
def exporter(traced_app: FastAPI) -> InMemorySpanExporter:
    span_exporter: InMemorySpanExporter = traced_app.state.span_exporter
    return span_exporter


@pytest.fixture
def traced(
    traced_app: FastAPI, session: Session, exporter: InMemorySpanExporter
) -> Iterator[TestClient]:
    override_session(traced_app, session)
    exporter.clear()
    try:
        yield TestClient(traced_app, raise_server_exceptions=False)
    finally:
        traced_app.dependency_overrides.clear()


def server_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    return [span for span in exporter.get_finished_spans() if span.kind == SpanKind.SERVER]


def test_a_request_gets_a_server_span_named_after_its_route(
    traced: TestClient, exporter: InMemorySpanExporter, as_admin: dict[str, str]
) -> None:
    response = traced.get(
        "/api/v1/nodes/00000000-0000-0000-0000-000000000000",
        headers={**as_admin, "X-Request-ID": "req-trace-1"},
    )
    assert response.status_code == 404
    (span,) = server_spans(exporter)
    assert span.name == "GET /api/v1/nodes/{node_id}"
    attributes = dict(span.attributes or {})
    assert attributes["http.route"] == "/api/v1/nodes/{node_id}"
    assert attributes["http.request.method"] == "GET"
    assert attributes["http.response.status_code"] == 404
    assert attributes["url.path"] == "/api/v1/nodes/00000000-0000-0000-0000-000000000000"
    assert attributes["http.request.id"] == "req-trace-1"
    assert span.parent is None  # no traceparent: a new trace


def test_sql_runs_in_client_spans_under_the_request(
    traced: TestClient, exporter: InMemorySpanExporter, as_admin: dict[str, str]
) -> None:
    exporter.clear()  # signing in above ran SQL outside any request
    traced.get("/api/v1/chains", headers=as_admin)
    (server,) = server_spans(exporter)
    queries = [span for span in exporter.get_finished_spans() if span.kind == SpanKind.CLIENT]
    assert queries, "the route reads the database"
    assert all(span.parent is not None for span in queries)
    assert {span.parent.span_id for span in queries if span.parent} == {server.context.span_id}
    assert {span.name for span in queries} >= {"SELECT"}
    select_span = next(span for span in queries if span.name == "SELECT")
    attributes = dict(select_span.attributes or {})
    assert attributes["db.system.name"] in ("postgresql", "sqlite")
    assert str(attributes["db.query.text"]).lstrip().startswith("SELECT")


def test_an_incoming_traceparent_is_continued_and_the_execution_stores_our_span(
    traced: TestClient,
    exporter: InMemorySpanExporter,
    session: Session,
    auth_headers: Callable[[str], dict[str, str]],
) -> None:
    headers = auth_headers("editor")
    chain: ChainStrategy = make_strategy(session, nodes=[make_node(session)])
    response = traced.post(
        "/api/v1/executions",
        headers={**headers, "traceparent": TRACEPARENT},
        json={"strategy_id": str(chain.id), "input_text": "hi"},
    )
    assert response.status_code == 201
    (server,) = server_spans(exporter)
    assert server.name == "POST /api/v1/executions"
    assert server.parent is not None and format(server.parent.span_id, "016x") == CALLER_SPAN
    assert format(server.context.trace_id, "032x") == TRACE_ID

    stored = response.json()["metadata"]["traceparent"]
    own_span = format(server.context.span_id, "016x")
    assert stored == f"00-{TRACE_ID}-{own_span}-01"
    # What the executor makes of it: its execution span becomes a child of our span.
    context = parent_context({"traceparent": stored})
    parent = trace.get_current_span(context).get_span_context()
    assert (parent.trace_id, parent.span_id) == (server.context.trace_id, server.context.span_id)


def test_a_rerun_and_an_ab_run_store_the_span_too(
    traced: TestClient,
    exporter: InMemorySpanExporter,
    session: Session,
    auth_headers: Callable[[str], dict[str, str]],
) -> None:
    headers = auth_headers("editor")
    chain: ChainStrategy = make_strategy(session, nodes=[make_node(session)])
    first = traced.post(
        "/api/v1/executions",
        headers=headers,
        json={"strategy_id": str(chain.id), "input_text": "x"},
    ).json()
    exporter.clear()
    rerun = traced.post(
        f"/api/v1/executions/{first['id']}/rerun", headers=headers, json={"from_position": 0}
    )
    assert rerun.status_code == 201
    (server,) = server_spans(exporter)
    assert rerun.json()["metadata"]["traceparent"].split("-")[2] == format(
        server.context.span_id, "016x"
    )
    exporter.clear()
    arm = {"strategy_id": str(chain.id)}
    ab = traced.post(
        "/api/v1/ab-runs", headers=headers, json={"input_text": "x", "a": arm, "b": arm}
    )
    assert ab.status_code == 201
    (server,) = server_spans(exporter)
    own = format(server.context.span_id, "016x")
    for arm_name in ("a", "b"):
        assert ab.json()[arm_name]["execution"]["metadata"]["traceparent"].split("-")[2] == own


def test_a_server_error_marks_the_span(
    traced_app: FastAPI, traced: TestClient, exporter: InMemorySpanExporter
) -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    traced_app.add_api_route("/api/v1/_broken_for_tracing", broken)
    try:
        assert traced.get("/api/v1/_broken_for_tracing").status_code == 500
    finally:
        traced_app.router.routes.pop()
    (span,) = server_spans(exporter)
    assert span.status.status_code == StatusCode.ERROR
    assert dict(span.attributes or {})["http.response.status_code"] == 500


def test_an_unmatched_path_keeps_the_method_as_name(
    traced: TestClient, exporter: InMemorySpanExporter
) -> None:
    traced.get("/api/v1/no-such-thing")
    (span,) = server_spans(exporter)
    assert span.name == "GET"
    assert "http.route" not in dict(span.attributes or {})


def test_without_an_endpoint_nothing_is_exported(settings: Settings) -> None:
    assert build_tracer_provider(settings) is None
    configured = settings.model_copy(update={"otel_exporter_otlp_endpoint": "http://otel:4318/"})
    provider = build_tracer_provider(configured)
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "chain-processor-api"
    provider.shutdown()


def test_fastapi_adds_no_spans_of_its_own_under_a_global_provider(
    traced: TestClient,
    exporter: InMemorySpanExporter,
    as_admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With a global provider configured (auto-instrumentation installs one), FastAPI's
    # native telemetry would trace each request and each dependency a second time.
    elsewhere = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(elsewhere))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    exporter.clear()
    assert traced.get("/api/v1/users/me", headers=as_admin).status_code == 200
    assert [span.name for span in server_spans(exporter)] == ["GET /api/v1/users/me"]
    assert elsewhere.get_finished_spans() == ()
