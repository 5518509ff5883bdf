"""Running one claimed execution: its nodes in one sandbox run, each result recorded.

The runner sends the chain's steps to a sandbox at once (one round trip, one fresh process
per execution: see :mod:`sandbox`) and gets each node's result as soon as that node ends.
Results are written in batches that never hide progress: rows waiting to be written go out
(with a ``NOTIFY`` each, and a lease renewal that also answers whether a cancel was
requested) as soon as no further node has finished within ``progress_flush_s``, and the
last ones go out with the end of the execution, in the same statement on PostgreSQL. A chain
of fast nodes is therefore one write, and a watcher still sees a slow chain node by node.
During a run the worker's heartbeat sets :attr:`RunControl.cancel`, which kills the
sandbox. The execution ends through one statement refused if the worker lost the lease.

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
from chain_processor_executor.connections import ThreadConnections
from chain_processor_executor.logs import log_context
from chain_processor_executor.metrics import CHAIN_DURATION, EXECUTIONS, NO_REASON, NODE_DURATION
from chain_processor_executor.outbox import enqueue_webhook, webhook_payload
from chain_processor_executor.queue import ClaimedExecution
from chain_processor_executor.recording import (
    NodeRecord,
    copy_earlier_outputs,
    finish_postgres,
    notify_progress,
    record_nodes_postgres,
    upsert_node_execution,
)
from chain_processor_executor.sandbox import Reason, RunResult, SandboxPool, StepCall
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
    progress_flush_s: float = 0.05
    """The longest a finished node waits to be written and published."""


CHAINS = ChainCache()
"""Chain versions this process has loaded (immutable once pinned)."""


def _nanoseconds(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)


class LeaseLostError(Exception):
    """This worker no longer holds the execution's lease: stop without writing."""


def run_execution(
    claimed: ClaimedExecution,
    *,
    engine: Engine,
    pool: SandboxPool,
    settings: RunnerSettings,
    control: RunControl | None = None,
    connections: ThreadConnections | None = None,
) -> ExecutionStatus | None:
    """Run ``claimed`` to its end; the final status, or ``None`` if the lease was lost.
    With ``connections``, writes on PostgreSQL use the calling thread's long-lived
    connection; otherwise one opened for this run."""
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
        runner = _Runner(claimed, engine, pool, settings, control, span, connections)
        try:
            return runner.run()
        except LeaseLostError:
            span.set_status(StatusCode.ERROR, "lease lost")
            logger.warning("execution lease lost", extra={"action": "execution_lease_lost"})
            return None
        except BaseException:
            if connections is not None:
                connections.discard()
            raise
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
        connections: ThreadConnections | None = None,
    ) -> None:
        self.claimed, self.engine, self.pool = claimed, engine, pool
        self.settings, self.control, self.span = settings, control, span
        self.connections = connections
        self.started = time.monotonic()
        self.webhook_url: str | None = None
        self.connection: Connection | None = None
        """PostgreSQL: one autocommit connection for every write of this run."""
        self.pending: list[NodeRecord] = []
        """Finished nodes not written yet."""
        self.last_output: str | None = None

    def autocommit(self) -> Connection:
        """The autocommit connection of this run's writes (PostgreSQL): single-statement
        writes need no BEGIN/COMMIT round trips, and no pool ping per write."""
        if self.connections is not None:
            return self.connections.get()
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
        self.webhook_url = chain.webhook_url
        if not chain.steps:
            return self.finish(ExecutionStatus.FAILED, "The chain version has no steps", "no_steps")
        text: str | None = claimed.input_text
        if claimed.start_position > 0:
            text = self.copy_parent_outputs()
            if text is None:
                message = "The execution to re-run has no stored output before this node"
                return self.finish(ExecutionStatus.FAILED, message, "rerun_source_missing")
        if self.control.cancel.is_set():
            return self.finish(ExecutionStatus.CANCELLED, "Cancelled", "cancelled")
        steps = [step for step in chain.steps if step.position >= claimed.start_position]
        runnable, blocked = self.prepare(steps)
        try:
            validated = validate_input(text)
        except Exception as error:
            return self.fail(steps[0], text, RunResult.failed(Reason.INVALID_INPUT, str(error)))
        outcome = self.run_steps(runnable, validated)
        if outcome is not None:
            return outcome
        if blocked is not None:
            step, problem = blocked
            return self.fail(step, self.last_output, RunResult.failed(Reason.LOAD_ERROR, problem))
        return self.finish(ExecutionStatus.SUCCEEDED, output_text=self.last_output)

    def prepare(self, steps: list[Step]) -> tuple[list[Step], tuple[Step, str] | None]:
        """The steps to send to the sandbox: those before the first whose code cannot be a
        node (checked statically), which is returned with its problem."""
        for index, step in enumerate(steps):
            problem = code_problem(step.code)
            if problem is not None:
                return steps[:index], (step, problem)
            if self.settings.generated_dir is not None:
                write_generated(self.settings.generated_dir, step)
        return steps, None

    def run_steps(self, steps: list[Step], text: str) -> ExecutionStatus | None:
        """Run ``steps`` in one sandbox run; the final status when a node failed, ``None``
        when all succeeded (:attr:`last_output` is then the last output)."""
        self.last_output = text
        if not steps:
            return None
        calls = [StepCall(s.code_hash, s.code, s.config, s.timeout_s) for s in steps]
        results = self.pool.run_chain(
            calls,
            text,
            self.control.cancel,
            idle_s=self.settings.progress_flush_s,
            key=self.claimed.trust_domain,
        )
        index, started, clock = 0, utcnow(), time.monotonic()
        try:
            for result in results:
                if result is None:
                    self.flush()
                    continue
                step = steps[index]
                status = self.collect(step, self.last_output, result, started, clock)
                if not result.ok:
                    assert result.reason is not None
                    chain_status = _CHAIN_STATUS.get(result.reason, ExecutionStatus.FAILED)
                    error = f"Node {step.position} ({step.node_name}) failed: {result.error}"
                    return self.finish(chain_status, error, result.reason.value)
                assert result.output is not None and status is NodeExecutionStatus.SUCCEEDED
                self.last_output = result.output
                index, started, clock = index + 1, utcnow(), time.monotonic()
        finally:
            results.close()  # type: ignore[attr-defined]
        if index < len(steps):  # the sandbox stopped answering without a result
            return self.fail(
                steps[index],
                self.last_output,
                RunResult.failed(Reason.CRASHED, "The sandbox ended the run without a result"),
            )
        return None

    def fail(self, step: Step, text: str | None, result: RunResult) -> ExecutionStatus:
        """Record ``step`` as failed with ``result`` and end the execution accordingly."""
        started = utcnow()
        self.collect(step, text, result, started, time.monotonic())
        assert result.reason is not None
        status = _CHAIN_STATUS.get(result.reason, ExecutionStatus.FAILED)
        error = f"Node {step.position} ({step.node_name}) failed: {result.error}"
        return self.finish(status, error, result.reason.value)

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

    def collect(
        self, step: Step, text: str | None, result: RunResult, started: datetime, clock: float
    ) -> NodeExecutionStatus:
        """Queue the node's row for the next write and close its span and metrics."""
        completed = utcnow()
        status = (
            NodeExecutionStatus.SUCCEEDED
            if result.ok
            else _NODE_STATUS.get(result.reason or Reason.CRASHED, NodeExecutionStatus.FAILED)
        )
        self.pending.append(
            NodeRecord(
                execution_id=self.claimed.id,
                node_id=step.node_id,
                node_version_id=step.node_version_id,
                position=step.position,
                input_text=text,
                status=status,
                started_at=started,
                completed_at=completed,
                output_text=result.output,
                error=result.error,
                error_code=result.reason.value if result.reason else None,
                metadata={
                    "attempt": self.claimed.attempts,
                    "sandbox_ms": round(result.duration_ms, 3),
                },
            )
        )
        NODE_DURATION.labels(status=status.value).observe(time.monotonic() - clock)
        attributes: dict[str, AttributeValue] = {
            "chain_processor.position": step.position,
            "chain_processor.node_name": step.node_name,
            "chain_processor.node_version_id": str(step.node_version_id),
            "chain_processor.status": status.value,
        }
        span = tracer().start_span(
            "node_execution", attributes=attributes, start_time=_nanoseconds(started)
        )
        if not result.ok:
            span.set_attribute("chain_processor.error_code", str(result.reason))
            span.set_status(StatusCode.ERROR, result.error)
        span.end(end_time=_nanoseconds(completed))
        return status

    def flush(self) -> None:
        """Write and publish the rows waiting, renewing the lease (refused if it is lost)."""
        if not self.pending:
            return
        records, self.pending = self.pending, []
        if self.engine.dialect.name != "postgresql":
            with self.engine.begin() as connection:
                self.touch(connection)
                for record in records:
                    upsert_node_execution(connection, record)
            return
        cancel = record_nodes_postgres(
            self.autocommit(),
            records,
            execution_id=self.claimed.id,
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
        records, self.pending = self.pending, []
        if self.engine.dialect.name == "postgresql" and self.webhook_url is None:
            finished = finish_postgres(
                self.autocommit(),
                records,
                execution_id=self.claimed.id,
                worker_id=self.settings.worker_id,
                status=status,
                started_at=self.claimed.started_at,
                now=now,
                output_text=output_text,
                error=error,
                error_code=error_code,
            )
        else:
            with self.engine.begin() as connection:
                finished = finish(connection)
                if finished:
                    for record in records:
                        upsert_node_execution(connection, record)
                    positions = [record.position for record in records]
                    notify_progress(connection, self.claimed.id, positions, status.value)
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
