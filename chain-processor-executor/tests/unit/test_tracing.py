"""The OTLP exporter is configured only when OTEL_EXPORTER_OTLP_ENDPOINT is set, and then
really sends spans there (a local HTTP server stands in for the collector)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from chain_processor_executor.config import ExecutorSettings
from chain_processor_executor.tracing import build_tracer_provider, configure_tracing


class Collector(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Collector.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def test_no_endpoint_no_provider() -> None:
    assert build_tracer_provider(ExecutorSettings()) is None
    assert configure_tracing(ExecutorSettings()) is None


def test_spans_are_exported_to_the_otlp_endpoint(collector: str) -> None:
    settings = ExecutorSettings(otel_exporter_otlp_endpoint=collector, otel_service_name="x-exec")
    provider = build_tracer_provider(settings)
    assert provider is not None
    with provider.get_tracer("test").start_as_current_span("chain_execution"):
        pass
    provider.shutdown()  # flushes
    [(path, body)] = Collector.received
    assert path == "/v1/traces"
    assert b"chain_execution" in body and b"x-exec" in body
