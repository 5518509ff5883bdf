"""The checks behind ``/health/detailed``: database, PgBouncer, executor, queue depth.

The executor has no heartbeat table yet, so its state is inferred from the queue: a live
worker lease means it is working; pending executions older than the stale threshold with no
live lease mean it is away (the API stays up: "degraded"); anything else is "unknown".
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Literal

import psycopg
from pydantic import BaseModel
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.base import utcnow
from chain_processor_db.models import ChainExecution

CheckStatus = Literal["ok", "unavailable"]


class DependencyCheck(BaseModel):
    status: CheckStatus
    latency_ms: float | None = None
    detail: str | None = None


class ExecutorCheck(BaseModel):
    status: Literal["active", "away", "unknown"]
    heartbeat: Literal["unknown"] = "unknown"
    live_workers: int = 0
    detail: str


class QueueCheck(BaseModel):
    pending: int
    running: int
    oldest_pending_seconds: float | None


class DetailedHealth(BaseModel):
    status: Literal["ok", "degraded", "unavailable"]
    version: str
    database: DependencyCheck
    pgbouncer: DependencyCheck | None
    executor: ExecutorCheck | None
    queue: QueueCheck | None


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_database(session: Session) -> DependencyCheck:
    started = time.perf_counter()
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        session.rollback()
        return DependencyCheck(status="unavailable", detail="The database is not reachable")
    return DependencyCheck(status="ok", latency_ms=_elapsed_ms(started))


def check_pgbouncer(url: str) -> DependencyCheck:
    started = time.perf_counter()
    try:
        with psycopg.connect(url, connect_timeout=3, prepare_threshold=None) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return DependencyCheck(status="unavailable", detail="PgBouncer is not reachable")
    return DependencyCheck(status="ok", latency_ms=_elapsed_ms(started))


def check_queue(session: Session) -> QueueCheck:
    rows = session.execute(
        select(ChainExecution.status, func.count())
        .where(
            ChainExecution.status.in_(
                [ExecutionStatus.PENDING.value, ExecutionStatus.RUNNING.value]
            )
        )
        .group_by(ChainExecution.status)
    ).all()
    counts: dict[str, int] = {row[0]: row[1] for row in rows}
    oldest = session.scalar(
        select(func.min(ChainExecution.created_at)).where(
            ChainExecution.status == ExecutionStatus.PENDING.value
        )
    )
    age = None
    if oldest is not None:
        oldest_at = oldest if oldest.tzinfo else oldest.replace(tzinfo=utcnow().tzinfo)
        age = round(max(0.0, (utcnow() - oldest_at).total_seconds()), 3)
    return QueueCheck(
        pending=counts.get(ExecutionStatus.PENDING.value, 0),
        running=counts.get(ExecutionStatus.RUNNING.value, 0),
        oldest_pending_seconds=age,
    )


def check_executor(session: Session, queue: QueueCheck, *, stale_after: int) -> ExecutorCheck:
    live = (
        session.scalar(
            select(func.count(func.distinct(ChainExecution.worker_id))).where(
                ChainExecution.status == ExecutionStatus.RUNNING.value,
                ChainExecution.lease_expires_at > utcnow(),
            )
        )
        or 0
    )
    if live:
        return ExecutorCheck(status="active", live_workers=live, detail="Workers hold live leases")
    waiting = queue.oldest_pending_seconds
    if waiting is not None and waiting > stale_after:
        return ExecutorCheck(
            status="away",
            detail=f"Executions have waited over {timedelta(seconds=stale_after)} "
            "with no worker: they stay queued until the executor is back",
        )
    return ExecutorCheck(status="unknown", detail="No heartbeat table and no recent work")
