"""Running one claimed execution: its nodes in order, each in a sandbox, each recorded.

Each finished node is written in its own short transaction that first renews the lease
(and locks the execution row, so the reaper cannot hand it back half-way), upserts the node
row and publishes a ``NOTIFY``. The lease renewal also answers whether a cancel was
requested, so cancel is checked between nodes for free; during a node the worker's
heartbeat sets :attr:`RunControl.cancel`, which kills the sandbox. The execution ends
through :func:`queue.finish_execution`, refused if the worker lost the lease meanwhile.

Observability: the run is a ``chain_execution`` span (child of the API request's trace) with
a ``node_execution`` span per node; every line logged meanwhile carries ``execution_id`` and
the API's ``request_id``; durations and outcomes go to the metrics of :mod:`metrics`.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from opentelemetry.trace import Span, SpanKind, StatusCode
from opentelemetry.util.types import AttributeValue
from sqlalchemy import Connection, Engine

from chain_processor_core.lib_chains.contract import validate_input
from chain_processor_core.models.status import ExecutionStatus, NodeExecutionStatus
from chain_processor_db.base import utcnow
from chain_processor_executor import queue
from chain_processor_executor.logs import log_context
from chain_processor_executor.metrics import CHAIN_DURATION, EXECUTIONS, NO_REASON, NODE_DURATION
from chain_processor_executor.outbox import enqueue_webhook, webhook_payload
from chain_processor_executor.queue import ClaimedExecution
from chain_processor_executor.recording import (
    NodeRecord,
    copy_earlier_outputs,
    notify_progress,
    record_node_postgres,
    upsert_node_execution,
)
from chain_processor_executor.sandbox import Reason, RunResult, SandboxPool
from chain_processor_executor.steps import ChainCache, Step, code_problem, write_generated
from chain_processor_executor.tracing import parent_context, tracer

logger = logging.getLogger(__name__)

_NODE_STATUS = {
    Reason.TIMEOUT: NodeExecutionStatus.TIMED_OUT,
    Reason.CANCELLED: NodeExecutionStatus.CANCELLED,
}
_CHAIN_STATUS = {
    Reason.TIMEOUT: ExecutionStatus.TIMED_OUT,
    Reason.CANCELLED: ExecutionStatus.CANCELLED,
}


@dataclass
class RunControl:
    """Set by the heartbeat while an execution runs: cancel it, or the lease was lost."""

    cancel: threading.Event = field(default_factory=threading.Event)
    lost: bool = False


@dataclass(frozen=True)
class RunnerSettings:
    worker_id: str
    lease_s: float = 30.0
    default_timeout_s: float = 5.0
    max_timeout_s: float = 300.0
    generated_dir: Path | None = None


CHAINS = ChainCache()
"""Chain versions this process has loaded (immutable once pinned)."""


class LeaseLostError(Exception):
    """This worker no longer holds the execution's lease: stop without writing."""


def run_execution(
    claimed: ClaimedExecution,
    *,
    engine: Engine,
    pool: SandboxPool,
    settings: RunnerSettings,
    control: RunControl | None = None,
) -> ExecutionStatus | None:
    """Run ``claimed`` to its end; the final status, or ``None`` if the lease was lost."""
    control = control or RunControl()
    request_id = claimed.metadata.get("request_id")
    attributes: dict[str, AttributeValue] = {
        "chain_processor.execution_id": str(claimed.id),
        "chain_processor.strategy_version_id": str(claimed.strategy_version_id),
        "chain_processor.attempt": claimed.attempts,
    }
    with (
        log_context(
            execution_id=str(claimed.id),
            request_id=request_id if isinstance(request_id, str) else None,
        ),
        tracer().start_as_current_span(
            "chain_execution",
            context=parent_context(claimed.metadata),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        ) as span,
    ):
        runner = _Runner(claimed, engine, pool, settings, control, span)
        try:
            return runner.run()
        except LeaseLostError:
            span.set_status(StatusCode.ERROR, "lease lost")
            logger.warning("execution lease lost", extra={"action": "execution_lease_lost"})
            return None
        finally:
            runner.close()


class _Runner:
    def __init__(
        self,
        claimed: ClaimedExecution,
        engine: Engine,
        pool: SandboxPool,
        settings: RunnerSettings,
        control: RunControl,
        span: Span,
    ) -> None:
        self.claimed, self.engine, self.pool = claimed, engine, pool
        self.settings, self.control, self.span = settings, control, span
        self.started = time.monotonic()
        self.webhook_url: str | None = None
        self.connection: Connection | None = None
        """PostgreSQL: one autocommit connection for every node row of this run."""

    def autocommit(self) -> Connection:
        """This run's autocommit connection (PostgreSQL): single-statement writes need no
        BEGIN/COMMIT round trips, and one checkout saves a pool ping per write."""
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()

    def run(self) -> ExecutionStatus:
        claimed = self.claimed
        chain = CHAINS.load(
            self.engine,
            strategy_version_id=claimed.strategy_version_id,
            default_timeout_s=self.settings.default_timeout_s,
            max_timeout_s=self.settings.max_timeout_s,
        )
        steps, self.webhook_url = chain.steps, chain.webhook_url
        if not steps:
            return self.finish(ExecutionStatus.FAILED, "The chain version has no steps", "no_steps")
        text: str | None = claimed.input_text
        if claimed.start_position > 0:
            text = self.copy_parent_outputs()
            if text is None:
                message = "The execution to re-run has no stored output before this node"
                return self.finish(ExecutionStatus.FAILED, message, "rerun_source_missing")
        for step in (s for s in steps if s.position >= claimed.start_position):
            if self.control.cancel.is_set():
                return self.finish(ExecutionStatus.CANCELLED, "Cancelled", "cancelled")
            result = self.run_node(step, text)
            if not result.ok:
                assert result.reason is not None
                status = _CHAIN_STATUS.get(result.reason, ExecutionStatus.FAILED)
                error = f"Node {step.position} ({step.node_name}) failed: {result.error}"
                return self.finish(status, error, result.reason.value)
            text = result.output
        return self.finish(ExecutionStatus.SUCCEEDED, output_text=text)

    def run_node(self, step: Step, text: str | None) -> RunResult:
        """Run and record one node, in its own span."""
        attributes: dict[str, AttributeValue] = {
            "chain_processor.position": step.position,
            "chain_processor.node_name": step.node_name,
            "chain_processor.node_version_id": str(step.node_version_id),
        }
        with tracer().start_as_current_span("node_execution", attributes=attributes) as span:
            started, clock = utcnow(), time.monotonic()
            result = self.run_step(step, text)
            status = self.record(step, text, result, started)
            NODE_DURATION.labels(status=status.value).observe(time.monotonic() - clock)
            span.set_attribute("chain_processor.status", status.value)
            if not result.ok:
                span.set_attribute("chain_processor.error_code", str(result.reason))
                span.set_status(StatusCode.ERROR, result.error)
        return result

    def run_step(self, step: Step, text: str | None) -> RunResult:
        try:
            validated = validate_input(text)
        except Exception as error:
            return RunResult.failed(Reason.INVALID_INPUT, str(error))
        problem = code_problem(step.code)
        if problem is not None:
            return RunResult.failed(Reason.LOAD_ERROR, problem)
        if self.settings.generated_dir is not None:
            write_generated(self.settings.generated_dir, step)
        return self.pool.run(
            step.code_hash, step.code, validated, step.config, step.timeout_s, self.control.cancel
        )

    def copy_parent_outputs(self) -> str | None:
        parent = self.claimed.parent_execution_id
        if parent is None:
            return None
        with self.engine.begin() as connection:
            self.touch(connection)
            return copy_earlier_outputs(
                connection,
                execution_id=self.claimed.id,
                parent_execution_id=parent,
                start_position=self.claimed.start_position,
            )

    def touch(self, connection: Connection) -> None:
        cancel = queue.touch_execution(
            connection,
            execution_id=self.claimed.id,
            worker_id=self.settings.worker_id,
            lease_s=self.settings.lease_s,
        )
        if cancel is None:
            self.control.lost = True
            raise LeaseLostError()
        if cancel:
            self.control.cancel.set()

    def record(
        self, step: Step, text: str | None, result: RunResult, started: datetime
    ) -> NodeExecutionStatus:
        status = (
            NodeExecutionStatus.SUCCEEDED
            if result.ok
            else _NODE_STATUS.get(result.reason or Reason.CRASHED, NodeExecutionStatus.FAILED)
        )
        record = NodeRecord(
            execution_id=self.claimed.id,
            node_id=step.node_id,
            node_version_id=step.node_version_id,
            position=step.position,
            input_text=text,
            status=status,
            started_at=started,
            completed_at=utcnow(),
            output_text=result.output,
            error=result.error,
            error_code=result.reason.value if result.reason else None,
            metadata={"attempt": self.claimed.attempts, "sandbox_ms": round(result.duration_ms, 3)},
        )
        self.write(record)
        return status

    def write(self, record: NodeRecord) -> None:
        """Store a node row while this worker holds the lease (and renew it)."""
        if self.engine.dialect.name != "postgresql":
            with self.engine.begin() as connection:
                self.touch(connection)
                upsert_node_execution(connection, record)
            return
        if self.connection is None:
            self.connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        cancel = record_node_postgres(
            self.connection,
            record,
            worker_id=self.settings.worker_id,
            lease_expires_at=utcnow() + timedelta(seconds=self.settings.lease_s),
        )
        if cancel is None:
            self.control.lost = True
            raise LeaseLostError()
        if cancel:
            self.control.cancel.set()

    def finish(
        self,
        status: ExecutionStatus,
        error: str | None = None,
        error_code: str | None = None,
        output_text: str | None = None,
    ) -> ExecutionStatus:
        now = utcnow()
        finish = partial(
            queue.finish_execution,
            execution_id=self.claimed.id,
            worker_id=self.settings.worker_id,
            status=status,
            started_at=self.claimed.started_at,
            output_text=output_text,
            error=error,
            error_code=error_code,
            now=now,
        )
        if self.engine.dialect.name == "postgresql" and self.webhook_url is None:
            finished = finish(self.autocommit(), notify=True)
        else:
            with self.engine.begin() as connection:
                finished = finish(connection)
                if finished:
                    notify_progress(connection, self.claimed.id, None, status.value)
                if finished and self.webhook_url is not None:
                    payload = webhook_payload(
                        execution_id=self.claimed.id,
                        strategy_id=self.claimed.strategy_id,
                        status=status.value,
                        output_text=output_text,
                        error=error,
                        error_code=error_code,
                        completed_at=now,
                    )
                    enqueue_webhook(connection, url=self.webhook_url, payload=payload)
        if not finished:
            self.control.lost = True
            raise LeaseLostError()
        CHAIN_DURATION.labels(status=status.value).observe(time.monotonic() - self.started)
        EXECUTIONS.labels(status=status.value, reason=error_code or NO_REASON).inc()
        self.span.set_attribute("chain_processor.status", status.value)
        if status is not ExecutionStatus.SUCCEEDED:
            self.span.set_attribute("chain_processor.error_code", error_code or "")
            self.span.set_status(StatusCode.ERROR, error)
        logger.info(
            "execution finished",
            extra={
                "action": "execution_finished",
                "status": status.value,
                "error_code": error_code,
            },
        )
        return status
