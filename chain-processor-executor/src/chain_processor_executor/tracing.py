"""OpenTelemetry spans: one ``chain_execution`` span per execution run, one ``node_execution``
child per node, continuing the trace of the API request that created the execution.

The API stores the request's W3C ``traceparent`` in ``metadata["traceparent"]``; the
execution span is its child (span kind ``CONSUMER``). Spans go through the tracer of
opentelemetry-api, which does nothing until a provider is installed: the SDK and the OTLP/HTTP
exporter are configured only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set
(:func:`configure_tracing`, once per worker process).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from chain_processor_executor.config import ExecutorSettings

TRACER_NAME = "chain_processor_executor"
_PROPAGATOR = TraceContextTextMapPropagator()


# Got once: opentelemetry-api hands out a proxy that follows a provider installed later
# (configure_tracing, a test's), and getting one costs more than a span that records nothing.
_TRACER = trace.get_tracer(TRACER_NAME)


def tracer() -> trace.Tracer:
    return _TRACER


def parent_context(metadata: Mapping[str, Any]) -> Context | None:
    """The context of the API request that created the execution, if it left a valid
    ``traceparent`` (an invalid one starts a new trace)."""
    traceparent = metadata.get("traceparent")
    if not isinstance(traceparent, str):
        return None
    return _PROPAGATOR.extract({"traceparent": traceparent})


def build_tracer_provider(settings: ExecutorSettings) -> TracerProvider | None:
    """An SDK provider exporting over OTLP/HTTP to ``OTEL_EXPORTER_OTLP_ENDPOINT``, or
    ``None`` when it is not set."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    # Imported here: the exporter pulls in protobuf, which a worker without tracing skips.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(
        resource=Resource.create({"service.name": settings.otel_service_name})
    )
    exporter = OTLPSpanExporter(endpoint=f"{endpoint.rstrip('/')}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter))
    return provider


def configure_tracing(settings: ExecutorSettings) -> TracerProvider | None:
    """Install the provider of :func:`build_tracer_provider` for this process; the caller
    shuts it down (which flushes the last spans) when the process stops."""
    provider = build_tracer_provider(settings)
    if provider is not None:
        trace.set_tracer_provider(provider)
    return provider
