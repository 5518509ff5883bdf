"""Submitting executions: the metadata that ties a run to its request, and the NOTIFY that
wakes the executor.

Contract with the executor: on PostgreSQL each new execution sends ``NOTIFY
chain_executions_pending`` with the execution id as payload, in the submitting transaction
(so it is delivered only if the execution commits). On SQLite the executor watches the file.

A submit (:func:`submit`) stores its execution, its audit row and that NOTIFY in one
statement (:func:`chain_processor_db.repositories.executions.queue_execution`), which its
route runs in autocommit on PostgreSQL: with the two reads before it, three round trips.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from chain_processor_api.api.audit import Audit
from chain_processor_api.core.run_targets import RunTargets
from chain_processor_api.schemas.executions import ExecutionView
from chain_processor_api.services.traffic import route
from chain_processor_core.exceptions.errors import (
    ChainValidationError,
    ConflictError,
    ValidationError,
)
from chain_processor_core.models import ExecutionCreate, ExecutionPublic
from chain_processor_core.models.status import NodeExecutionStatus
from chain_processor_db.errors import flush
from chain_processor_db.models import ChainExecution, NodeExecution, StrategyVersion, User
from chain_processor_db.repositories import ab as ab_repo
from chain_processor_db.repositories.executions import (
    create_execution,
    find_by_idempotency_key,
    new_execution,
    queue_execution,
)
from chain_processor_db.repositories.strategies import get_runnable_version_id, get_strategy

PENDING_CHANNEL = "chain_executions_pending"
"""The channel the executor LISTENs on; keep the name exactly."""
EVENTS_CHANNEL = "chain_execution_events"
"""The channel of progress (the executor NOTIFYs it; so does a cancel here): what the live
streams LISTEN on. Keep the name exactly."""

_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


def trace_metadata(request_id: str | None, traceparent: str | None) -> dict[str, str]:
    """What the executor logs with the run: the request id and, when well-formed, the W3C
    ``traceparent`` of the submitting request."""
    metadata: dict[str, str] = {}
    if request_id:
        metadata["request_id"] = request_id
    if traceparent and _TRACEPARENT.match(traceparent.strip().lower()):
        metadata["traceparent"] = traceparent.strip().lower()
    return metadata


def notify_pending(session: Session, execution: ChainExecution) -> None:
    """Wake the executor (PostgreSQL only; delivered when the transaction commits)."""
    _notify(session, PENDING_CHANNEL, execution)


def notify_changed(session: Session, execution: ChainExecution) -> None:
    """Wake the live watchers of ``execution`` (PostgreSQL only; delivered on commit)."""
    _notify(session, EVENTS_CHANNEL, execution)


def _notify(session: Session, channel: str, execution: ChainExecution) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": channel, "payload": str(execution.id)},
        )


@dataclass(frozen=True)
class Submitted:
    execution: ChainExecution
    public: ExecutionPublic | None
    """The new run as the API shows it; None when a repeated idempotency key returned the
    first run."""
    version: str
    """The chain version the run pins when it is new; otherwise the one this request asked
    for, which need not be the first run's (:func:`view` reads that)."""


def submit(
    session: Session,
    execution_in: ExecutionCreate,
    *,
    user_id: uuid.UUID,
    trace: dict[str, str],
    audit: Audit,
    targets: RunTargets | None = None,
) -> Submitted:
    """Queue a run with its audit row; a repeated idempotency key returns the first run.

    Without a ``version``, the chain's traffic split (if any) chooses one. ``targets``: the
    process's kept run targets (read from the database without them).
    """
    strategy_id, asked = execution_in.strategy_id, execution_in.version
    target = (
        targets.read(session, strategy_id, asked)
        if targets is not None
        else ab_repo.get_run_target(session=session, strategy_id=strategy_id, version=asked)
    )
    strategy = target.strategy
    execution_in = route(execution_in, target.variants)
    version = execution_in.version or strategy.current_version
    key = execution_in.idempotency_key
    if key is not None and (first := find_by_idempotency_key(session, user_id, key)):
        return Submitted(first, None, version)
    if not strategy.is_active:
        raise ChainValidationError("The chain is not active", field="strategy_id")
    version_id = get_runnable_version_id(
        session=session, strategy=strategy, version=version, known=target.version
    )
    execution = new_execution(
        strategy_id=strategy.id,
        version_id=version_id,
        execution_in=execution_in.model_copy(
            update={"metadata": {**execution_in.metadata, **trace}}
        ),
        created_by_id=user_id,
    )
    public = ExecutionPublic.model_validate(execution)
    entry = audit.entry("execution.create", "execution", execution.id, after=public)
    if queue_execution(session=session, execution=execution, audit=entry, channel=PENDING_CHANNEL):
        return Submitted(execution, public, version)
    # Another request with the same key stored its run between the look above and now.
    first = find_by_idempotency_key(session, user_id, key or "")
    if first is None:  # pragma: no cover - only the key's uniqueness makes the insert skip
        raise ConflictError("The execution could not be stored; try again")
    return Submitted(first, None, version)


def rerun(
    session: Session,
    parent: ChainExecution,
    *,
    from_position: int,
    priority: int | None,
    user_id: uuid.UUID,
    trace: dict[str, str],
) -> ChainExecution:
    """A new execution of the parent's chain version starting at ``from_position``, whose
    input is what that step received in the parent run."""
    version = session.get(StrategyVersion, parent.strategy_version_id)
    assert version is not None  # foreign key
    if from_position >= len(version.nodes):
        raise ValidationError(
            f"The chain version has {len(version.nodes)} steps: start at 0 to "
            f"{len(version.nodes) - 1}",
            field="from_position",
        )
    input_text = (
        parent.input_text if from_position == 0 else _input_of(session, parent, from_position)
    )
    strategy = get_strategy(session=session, strategy_id=parent.strategy_id)
    execution_in = ExecutionCreate(
        strategy_id=parent.strategy_id,
        input_text=input_text,
        version=version.version,
        priority=parent.priority if priority is None else priority,
        metadata={**trace, "rerun_of": str(parent.id)},
    )
    execution, _created = create_execution(
        session=session, strategy=strategy, execution_in=execution_in, created_by_id=user_id
    )
    execution.parent_execution_id = parent.id
    execution.start_position = from_position
    flush(session)
    notify_pending(session, execution)
    return execution


def _input_of(session: Session, parent: ChainExecution, position: int) -> str:
    previous = session.scalar(
        select(NodeExecution).where(
            NodeExecution.execution_id == parent.id, NodeExecution.position == position - 1
        )
    )
    if (
        previous is None
        or previous.status != NodeExecutionStatus.SUCCEEDED.value
        or not previous.output_text
    ):
        raise ConflictError(
            f"Step {position} of the original run has no output to start from; "
            "re-run from an earlier step"
        )
    return previous.output_text


def views(session: Session, executions: Sequence[ChainExecution]) -> list[ExecutionView]:
    """The public shapes of ``executions`` with their chain version and submitter's email,
    read with one joined query."""
    if not executions:
        return []
    rows = session.execute(
        select(ChainExecution.id, StrategyVersion.version, User.email)
        .join(StrategyVersion, StrategyVersion.id == ChainExecution.strategy_version_id)
        .outerjoin(User, User.id == ChainExecution.created_by_id)
        .where(ChainExecution.id.in_([e.id for e in executions]))
    ).all()
    extra = {row.id: (row.version, row.email) for row in rows}
    return [
        view_of(ExecutionPublic.model_validate(execution), *extra[execution.id])
        for execution in executions
    ]


_VIEW = (
    select(ChainExecution, StrategyVersion.version, User.email)
    .join(StrategyVersion, StrategyVersion.id == ChainExecution.strategy_version_id)
    .outerjoin(User, User.id == ChainExecution.created_by_id)
    .where(ChainExecution.id == bindparam("execution_id"))
    .execution_options(populate_existing=True)
)
"""Built once: every look of a live stream runs it."""


def find_view(session: Session, execution_id: uuid.UUID) -> ExecutionView | None:
    """The view of one execution as it is now, read in one query; None if there is none."""
    row = session.execute(_VIEW, {"execution_id": execution_id}).one_or_none()
    if row is None:
        return None
    execution, version, email = row
    return view_of(ExecutionPublic.model_validate(execution), version, email)


def view_of(public: ExecutionPublic, version: str, email: str | None) -> ExecutionView:
    """The view of an execution whose chain version and submitter are known already."""
    # ``public`` is validated and ``version``/``email`` are read from typed columns.
    return ExecutionView.model_construct(
        **dict(public), strategy_version=version, created_by_email=email
    )


def view(session: Session, execution: ChainExecution) -> ExecutionView:
    return views(session, [execution])[0]
