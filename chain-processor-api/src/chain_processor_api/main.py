"""The FastAPI application: ``create_app(settings)`` builds it, ``run()`` serves it."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from opentelemetry import trace
from sqlalchemy import Engine

from chain_processor_api import __version__
from chain_processor_api.api.deps import watch_writes
from chain_processor_api.api.router import API_PREFIX, api_router
from chain_processor_api.api.routes import health, metrics
from chain_processor_api.core import auth_cache, run_targets
from chain_processor_api.core.config import Settings, get_settings
from chain_processor_api.core.errors import UnexpectedErrorMiddleware, install_error_handlers
from chain_processor_api.core.logging import configure_logging
from chain_processor_api.core.metrics import MULTIPROCESS_DIR, Metrics, MetricsMiddleware
from chain_processor_api.core.middleware import (
    BodySizeLimitMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from chain_processor_api.core.rate_limit import RateLimitMiddleware, RateLimits
from chain_processor_api.core.throttle import LoginThrottle
from chain_processor_api.core.tracing import (
    TRACER_NAME,
    TracingMiddleware,
    build_tracer_provider,
    instrument_engine,
)
from chain_processor_api.services.live import ExecutionEvents
from chain_processor_api.services.sandbox import SandboxRunner
from chain_processor_api.web import mount_web_ui
from chain_processor_core.utils.gc_tuning import tune_gc
from chain_processor_db.changes import sqlite_path
from chain_processor_db.repositories.ab import CHAIN_CHANGES_CHANNEL
from chain_processor_db.repositories.auth import AUTH_CHANGES_CHANNEL
from chain_processor_db.session import (
    create_db_engine,
    create_read_session_factory,
    create_session_factory,
)
from chain_processor_executor.sandbox import SandboxLimits


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    tracer_provider: trace.TracerProvider | None = None,
) -> FastAPI:
    """The application for ``settings``; ``engine`` overrides the one built from them, and
    ``tracer_provider`` the one of :func:`~chain_processor_api.core.tracing.build_tracer_provider`
    (the global provider when that is None)."""
    settings = settings or get_settings()
    owned_provider = build_tracer_provider(settings) if tracer_provider is None else None
    provider = tracer_provider or owned_provider or trace.get_tracer_provider()
    owns_engine = engine is None
    engine = engine or create_db_engine(
        settings.database_url,
        pgbouncer=settings.database_pgbouncer,
        pool_size=settings.database_pool_size,
        pool_timeout=settings.database_pool_timeout_s,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.auth_cache_seconds > 0 or settings.run_target_cache_seconds > 0:
            app.state.execution_events.start()  # the kept reads work while it listens
        yield
        app.state.sandbox_runner.close()
        await app.state.execution_events.stop()
        if owned_provider is not None:
            owned_provider.shutdown()  # flushes the last spans
        if owns_engine:  # an engine handed in belongs to the caller
            engine.dispose()

    app = FastAPI(
        title="Chain Processor API",
        description="Design, version and run chains of text-processing nodes.",
        version=__version__,
        lifespan=lifespan,
        # Our middlewares make the server spans (ADR-0007) and the metrics; FastAPI's own
        # would add a second span per request and per dependency under a global provider,
        # and asks the environment whether one is configured on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = create_session_factory(engine)
    app.state.read_session_factory = create_read_session_factory(engine)
    app.state.auth_cache = auth_cache.AuthCache(settings.auth_cache_seconds)
    app.state.run_targets = run_targets.RunTargets(settings.run_target_cache_seconds)
    for sessions in (app.state.session_factory, app.state.read_session_factory):
        watch_writes(sessions)
        auth_cache.forget_on_commit(sessions, app.state.auth_cache)
        run_targets.forget_on_commit(sessions, app.state.run_targets)
    app.state.login_throttle = LoginThrottle(
        max_failures_per_account=settings.login_max_failures_per_account,
        max_attempts_per_address=settings.login_max_attempts_per_address,
        window_seconds=settings.login_window_seconds,
    )
    app.state.execution_events = ExecutionEvents(
        settings.listen_url(),
        sqlite_file=sqlite_path(settings.database_url),
        kept={
            AUTH_CHANGES_CHANNEL: app.state.auth_cache,
            CHAIN_CHANGES_CHANNEL: app.state.run_targets,
        },
    )
    app.state.sandbox_runner = sandbox_runner(settings)
    app.state.metrics = Metrics()
    app.state.rate_limits = RateLimits(settings, api_prefix=API_PREFIX)
    instrument_engine(engine)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(api_router, prefix=API_PREFIX)
    if settings.web_dist_dir is not None:
        mount_web_ui(app, settings.web_dist_dir)

    # Added last = outermost: the request id exists before anything else runs. The 500 of an
    # unexpected error and the 429 of rate limits are innermost, so they pass through CORS
    # and get every header.
    app.add_middleware(UnexpectedErrorMiddleware)
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimitMiddleware, limits=app.state.rate_limits)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID", "traceparent"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        limits={f"{API_PREFIX}/chains/import": settings.max_import_bytes},
    )
    app.add_middleware(
        SecurityHeadersMiddleware,
        api_prefix=API_PREFIX,
        hsts=settings.environment == "production",
    )
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics, api_prefix=API_PREFIX)
    app.add_middleware(
        TracingMiddleware,
        tracer=provider.get_tracer(TRACER_NAME, __version__),
        api_prefix=API_PREFIX,
    )
    app.add_middleware(RequestContextMiddleware)
    return app


WORKER_DIR = "API_WORKER_DIR"
"""Set by :func:`run` for its workers: where they claim their worker numbers."""

_claimed: list[int] = []  # the descriptor whose lock holds this process's number


def create_worker_app() -> FastAPI:
    """The app of one of ``API_WORKERS`` processes: its own logging, and test-run sandbox
    slots (hence uids) apart from the other workers', so no two share a sandbox user."""
    settings = get_settings()
    configure_logging(settings.log_level)
    number = claim_worker_number(Path(os.environ[WORKER_DIR]), settings.api_workers)
    first_slot = settings.sandbox_first_slot + number * settings.test_run_sandboxes
    app = create_app(settings.model_copy(update={"sandbox_first_slot": first_slot}))
    tune_gc(settings.gc_threshold)  # after the imports and the app (core ADR-0003)
    return app


def claim_worker_number(directory: Path, workers: int) -> int:
    """The lowest number below ``workers`` that no live process holds, held by this process
    until it exits (a lock the kernel drops with the process, so a worker that uvicorn
    starts in place of a dead one gets the dead one's number)."""
    for number in range(workers):
        descriptor = os.open(directory / f"worker-{number}.lock", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            continue
        _claimed.append(descriptor)
        return number
    raise RuntimeError(f"all {workers} API worker numbers are held by live processes")


def sandbox_runner(settings: Settings) -> SandboxRunner:
    """The test-run sandboxes: the executor's limits, slots apart from its workers'."""
    limits = SandboxLimits(
        memory_bytes=settings.sandbox_memory_mb * 1024 * 1024,
        uid_base=settings.sandbox_uid_base,
        require_network_isolation=settings.sandbox_require_network_isolation,
    )
    return SandboxRunner(
        size=settings.test_run_sandboxes,
        limits=limits,
        first_slot=settings.sandbox_first_slot,
        timeout_s=settings.test_run_timeout_s,
        max_timeout_s=settings.test_run_max_timeout_s,
    )


def run() -> None:
    """Serve the API: one process, or ``API_WORKERS`` processes sharing the port."""
    settings = get_settings()
    configure_logging(settings.log_level)
    if settings.api_workers == 1:  # pragma: no cover - `make up`; the tests build the app
        app = create_app(settings)
        tune_gc(settings.gc_threshold)
        uvicorn.run(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            proxy_headers=True,
        )
        return
    with tempfile.TemporaryDirectory(prefix="cp-api-workers-") as shared:
        # The workers are new interpreters: what they must share goes through the environment.
        os.environ[WORKER_DIR] = shared
        os.environ.setdefault(MULTIPROCESS_DIR, shared)
        if settings.secret_key is None:  # development: one key for all, or a token would
            os.environ["SECRET_KEY"] = settings.jwt_key()  # hold in one worker only
        uvicorn.run(
            "chain_processor_api.main:create_worker_app",
            factory=True,
            workers=settings.api_workers,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            proxy_headers=True,
        )
