"""Liveness (``/health``) and the detailed check of every dependency (``/health/detailed``).

Both are public so load balancers and probes can call them; neither reveals a host, a URL
or an error message.
"""

from __future__ import annotations

from typing import Literal

from fastapi import Response
from pydantic import BaseModel

from chain_processor_api import __version__
from chain_processor_api.api.deps import ResourceRouter, SessionDep, SettingsDep
from chain_processor_api.services.health import (
    DetailedHealth,
    check_database,
    check_executor,
    check_pgbouncer,
    check_queue,
)

router = ResourceRouter(prefix="/health", tags=["health"])


class Liveness(BaseModel):
    status: Literal["ok"] = "ok"
    version: str = __version__


@router.get("", response_model=Liveness)
def read_health() -> Liveness:
    """The process is up (no dependency is checked)."""
    return Liveness()


@router.get(
    "/detailed",
    response_model=DetailedHealth,
    responses={503: {"model": DetailedHealth, "description": "The database is unavailable"}},
)
def read_health_detailed(
    session: SessionDep, settings: SettingsDep, response: Response
) -> DetailedHealth:
    """Database (with latency), PgBouncer when configured, executor and queue depth.

    ``degraded`` when the executor is away: the API keeps working and executions queue.
    """
    database = check_database(session)
    pgbouncer = None
    if settings.pgbouncer_url is not None:
        pgbouncer = check_pgbouncer(settings.pgbouncer_url)
    if database.status != "ok":
        response.status_code = 503
        return DetailedHealth(
            status="unavailable",
            version=__version__,
            database=database,
            pgbouncer=pgbouncer,
            executor=None,
            queue=None,
        )
    queue = check_queue(session)
    executor = check_executor(session, queue, stale_after=settings.executor_stale_after_seconds)
    degraded = executor.status == "away" or (pgbouncer is not None and pgbouncer.status != "ok")
    return DetailedHealth(
        status="degraded" if degraded else "ok",
        version=__version__,
        database=database,
        pgbouncer=pgbouncer,
        executor=executor,
        queue=queue,
    )
