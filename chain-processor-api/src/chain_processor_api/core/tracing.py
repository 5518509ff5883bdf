"""OpenTelemetry spans: one ``SERVER`` span per HTTP request, ``CLIENT`` children for the SQL it
runs, and the W3C trace context carried from the caller to the executor.

- An incoming ``traceparent`` is continued (the request span is its child); without one the
  request starts a trace.
- The span is named after the route template (``POST /api/v1/executions``), never the raw
  path, and carries the HTTP attributes of the semantic conventions and the request id.
- :func:`current_traceparent` is the request span's own context: what a submitted execution
  stores in ``metadata["traceparent"]``, so the executor's ``chain_execution`` span
  (``chain_processor_executor.tracing``) is a child of the submit request.

Like the executor, nothing is exported unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set: the app
then gets its own SDK provider with a batching OTLP/HTTP exporter; otherwise it uses the global
provider of opentelemetry-api, a no-op unless something installed one. See
``docs/adr/0007-tracing.md``.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from sqlalchemy import Engine, event
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chain_processor_api import __version__
from chain_processor_api.core.config import Settings

TRACER_NAME = "chain_processor_api"
REQUEST_ID_ATTRIBUTE = "http.request.id"
_PROPAGATOR = TraceContextTextMapPropagator()
_MAX_STATEMENT_CHARS = 2000

_tracer_var: ContextVar[trace.Tracer | None] = ContextVar("cp_api_tracer", default=None)
"""The tracer of the app handling the current request; SQL spans use it."""


def build_tracer_provider(settings: Settings) -> TracerProvider | None:
    """An SDK provider exporting over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``, or
    ``None`` when it is not set."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    # Imported here: the exporter pulls in protobuf, which an API without tracing skips.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create(
            {"service.name": settings.otel_service_name, "service.version": __version__}
        )
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the current span, or None outside a valid trace."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


class TracingMiddleware:
    """A ``SERVER`` span around each HTTP request (pure ASGI, so the span is the current one
    in the handler and in the threadpool FastAPI runs ``def`` handlers in)."""

    def __init__(self, app: ASGIApp, *, tracer: trace.Tracer, api_prefix: str) -> None:
        self.app = app
        self.tracer = tracer
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {
            key.decode("latin-1"): value.decode("latin-1")
            for key, value in scope.get("headers", ())
            if key in (b"traceparent", b"tracestate")
        }
        parent = _PROPAGATOR.extract(headers)
        method: str = scope["method"]
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "url.path": scope["path"],
            "url.scheme": scope.get("scheme", "http"),
            "network.protocol.version": scope.get("http_version", "1.1"),
        }
        if scope.get("client"):
            attributes["client.address"] = scope["client"][0]
        request_id = scope.get("state", {}).get("request_id")
        if request_id:
            attributes[REQUEST_ID_ATTRIBUTE] = request_id
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        token = _tracer_var.set(self.tracer)
        with self.tracer.start_as_current_span(
            method,
            context=parent,
            kind=SpanKind.SERVER,
            attributes=attributes,
            record_exception=True,
            set_status_on_exception=True,
        ) as span:
            try:
                await self.app(scope, receive, send_with_status)
            finally:
                _tracer_var.reset(token)
                route = self._route(scope)
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                span.set_attribute("http.response.status_code", status)
                if status >= 500:
                    span.set_status(Status(StatusCode.ERROR))

    def _route(self, scope: Scope) -> str | None:
        template = getattr(scope.get("route"), "path_format", None)
        if not isinstance(template, str):
            return None
        # Routes of included routers know their own prefix, not the API's.
        if scope["path"].startswith(self.api_prefix) and not template.startswith(self.api_prefix):
            return self.api_prefix + template
        return template


def instrument_engine(engine: Engine) -> None:
    """A ``CLIENT`` span around every statement the engine runs for a traced request (a
    statement outside a request, or with tracing off, costs one context-variable read)."""
    if not event.contains(engine, "before_cursor_execute", _before_cursor_execute):
        event.listen(engine, "before_cursor_execute", _before_cursor_execute)
        event.listen(engine, "after_cursor_execute", _after_cursor_execute)
        event.listen(engine, "handle_error", _handle_error)


_SPANS_KEY = "cp_api_spans"


def _before_cursor_execute(
    conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    tracer = _tracer_var.get()
    if tracer is None:
        return
    operation = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
    span = tracer.start_span(
        operation,
        kind=SpanKind.CLIENT,
        attributes={
            "db.system.name": conn.dialect.name,
            "db.operation.name": operation,
            "db.query.text": statement[:_MAX_STATEMENT_CHARS],
        },
    )
    conn.info.setdefault(_SPANS_KEY, []).append(span)


def _after_cursor_execute(conn: Any, *_args: Any) -> None:
    spans = conn.info.get(_SPANS_KEY)
    if spans:
        spans.pop().end()


def _handle_error(context: Any) -> None:
    conn = context.connection
    spans = conn.info.get(_SPANS_KEY) if conn is not None else None
    if spans:
        span = spans.pop()
        span.set_status(Status(StatusCode.ERROR, type(context.original_exception).__name__))
        span.end()
