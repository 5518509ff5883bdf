"""The per-request cost of the API's middleware stack, measured in process.

One trivial ``async`` route is added to the real application (``create_app`` with its
settings and logging as in production: JSON access lines, here to a temporary file). Each
round calls it once through the full application (Starlette's error and exception layers
plus every middleware ``main.py`` adds) and once through the bare router (FastAPI's
exit-stack layer, routing and the endpoint), in alternating order; the paired difference is
the middleware's cost.
No network, no server: what is left is exactly the stack.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import tempfile
import time
from typing import Any

from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware

from bench.harness.stats import percentile
from chain_processor_api.core.config import Settings
from chain_processor_api.core.logging import configure_logging
from chain_processor_api.main import create_app

PATH = "/api/v1/bench-noop"


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": PATH,
        "raw_path": PATH.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"user-agent", b"bench"), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
    }


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message: dict[str, Any]) -> None:
    if message["type"] == "http.response.start" and message["status"] != 200:
        raise RuntimeError(f"the trivial route answered {message['status']}")


async def noop() -> dict[str, bool]:
    return {"ok": True}


async def _measure(calls: int, warmup: int) -> dict[str, Any]:
    # The rate limiter runs its check on every call, but with a budget these calls never use
    # up (they all come from one address without a token).
    settings = Settings(
        database_url="sqlite://",
        environment="development",
        log_level="INFO",
        rate_limit_reads_per_minute=10**9,
    )
    app = create_app(settings)
    app.add_api_route(PATH, noop, methods=["GET"])
    # FastAPI's own exit-stack layer is part of routing (routes need it): keep it in both.
    full, bare = app, AsyncExitStackMiddleware(app.router)
    samples: dict[str, list[float]] = {"full": [], "bare": []}
    differences: list[float] = []
    for round_ in range(warmup + calls):
        timings = {}
        order = (("full", full), ("bare", bare)) if round_ % 2 else (("bare", bare), ("full", full))
        for name, target in order:
            started = time.perf_counter_ns()
            await target(scope(), receive, send)
            timings[name] = (time.perf_counter_ns() - started) / 1000
        if round_ >= warmup:
            samples["full"].append(timings["full"])
            samples["bare"].append(timings["bare"])
            differences.append(timings["full"] - timings["bare"])

    def summary(values: list[float]) -> dict[str, float]:
        return {"p50": round(percentile(values, 0.5), 1), "p95": round(percentile(values, 0.95), 1)}

    stack = ["ServerErrorMiddleware (Starlette)"]
    stack += [m.cls.__name__ for m in app.user_middleware]  # type: ignore[attr-defined]
    stack += ["ExceptionMiddleware (Starlette)"]  # AsyncExitStackMiddleware: in both
    return {
        "calls": calls,
        "full_us": summary(samples["full"]),
        "bare_us": summary(samples["bare"]),
        "difference_us": summary(differences),
        "stack": stack,
    }


def measure(calls: int = 20_000, warmup: int = 1_000) -> dict[str, Any]:
    """Median and p95 (µs) through the full app, the bare router, and their paired
    difference."""
    with tempfile.NamedTemporaryFile("w", prefix="cp-bench-access-", suffix=".log") as log:
        configure_logging("INFO")
        root = logging.getLogger()
        stream = root.handlers[0]
        assert isinstance(stream, logging.StreamHandler)
        stream.setStream(log)  # production writes these lines to stderr
        gc.collect()
        try:
            return asyncio.run(_measure(calls, warmup))
        finally:
            root.handlers[:] = []
