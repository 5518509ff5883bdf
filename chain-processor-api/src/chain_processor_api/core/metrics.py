"""Prometheus metrics (spec §9.2): requests by route template, latency, process resources,
executions submitted. One registry per app, so several apps (tests) never collide.

With several API processes, prometheus_client's multiprocess mode sums the counters and
histograms of all of them; the process collectors (CPU, memory) are left out then, since
they would describe only the process that answered the scrape.

Labels use the route template (``/api/v1/nodes/{node_id}``), never the raw path, so their
number stays bounded; a path no route matches is counted as ``unmatched``.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""Where prometheus_client keeps each process's values when several processes serve."""


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        self.requests = Counter(
            "http_requests",
            "HTTP requests by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to the end of the response, by method and route template.",
            ("method", "route"),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.executions_submitted = Counter(
            "chain_executions_submitted",
            "Executions queued through the API (re-runs included).",
            registry=self.registry,
        )

    def render(self) -> tuple[bytes, str]:
        """This process's metrics; with several API processes (``PROMETHEUS_MULTIPROC_DIR``
        set, as :func:`~chain_processor_api.main.run` does for ``API_WORKERS`` > 1) the
        request and submission counts of all of them, summed."""
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


class MetricsMiddleware:
    """Count and time every HTTP request (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, api_prefix: str) -> None:
        self.app = app
        self.metrics = metrics
        self.api_prefix = api_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = self._route(scope)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(
                time.perf_counter() - started
            )

    def _route(self, scope: Scope) -> str:
        template = getattr(scope.get("route"), "path_format", None)
        if not isinstance(template, str):
            return "unmatched"
        # Routes of included routers know their own prefix, not the API's.
        if scope["path"].startswith(self.api_prefix) and not template.startswith(self.api_prefix):
            return self.api_prefix + template
        return template
