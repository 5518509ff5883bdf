"""A/B runs (FR-7).

An A/B run submits one input twice, each arm pinned to a chain version at submit time, and
links the two executions; reading it puts both side by side with per-node timings and, once
both have ended, a unified diff of the outputs. Traffic splits are in ``traffic.py``.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from chain_processor_api.schemas.ab import (
    AbArm,
    AbArmResult,
    AbRunCreate,
    AbRunPublic,
    NodeTiming,
)
from chain_processor_api.services.diff import unified_diff
from chain_processor_api.services.executions import notify_pending
from chain_processor_core.models import ExecutionCreate, ExecutionPublic
from chain_processor_db.models import AbRun, ChainExecution, StrategyVersion
from chain_processor_db.repositories import ab as ab_repo
from chain_processor_db.repositories import executions as executions_repo


def submit_ab_run(
    session: Session, ab_in: AbRunCreate, *, user_id: uuid.UUID, trace: dict[str, str]
) -> AbRun:
    executions = [
        _submit_arm(session, ab_in, arm, label, user_id=user_id, trace=trace)
        for label, arm in (("a", ab_in.a), ("b", ab_in.b))
    ]
    return ab_repo.create_ab_run(
        session=session,
        input_text=ab_in.input_text,
        execution_a=executions[0],
        execution_b=executions[1],
        created_by_id=user_id,
    )


def _submit_arm(
    session: Session,
    ab_in: AbRunCreate,
    arm: AbArm,
    label: str,
    *,
    user_id: uuid.UUID,
    trace: dict[str, str],
) -> ChainExecution:
    target = ab_repo.get_run_target(
        session=session, strategy_id=arm.strategy_id, version=arm.version
    )
    strategy = target.strategy
    execution_in = ExecutionCreate(
        strategy_id=strategy.id,
        input_text=ab_in.input_text,
        version=arm.version or strategy.current_version,
        priority=ab_in.priority,
        metadata={**trace, "ab_arm": label},
    )
    execution, _created = executions_repo.create_execution(
        session=session,
        strategy=strategy,
        execution_in=execution_in,
        created_by_id=user_id,
        known_version=target.version,
    )
    notify_pending(session, execution)
    return execution


def ab_run_public(session: Session, ab_run: AbRun) -> AbRunPublic:
    a = _arm_result(session, ab_run.execution_a_id)
    b = _arm_result(session, ab_run.execution_b_id)
    finished = a.execution.status.is_final and b.execution.status.is_final
    diff = None
    if finished:
        diff = unified_diff(
            a.execution.output_text or "",
            b.execution.output_text or "",
            from_label=f"a ({a.version})",
            to_label=f"b ({b.version})",
        )
    return AbRunPublic(
        id=ab_run.id,
        input_text=ab_run.input_text,
        created_by_id=ab_run.created_by_id,
        created_at=ab_run.created_at,
        a=a,
        b=b,
        finished=finished,
        output_diff=diff,
    )


def _arm_result(session: Session, execution_id: uuid.UUID) -> AbArmResult:
    execution = executions_repo.get_execution(session=session, execution_id=execution_id)
    version = session.get(StrategyVersion, execution.strategy_version_id)
    assert version is not None  # foreign key
    nodes = executions_repo.list_node_executions(session=session, execution_id=execution_id)
    return AbArmResult(
        version=version.version,
        execution=ExecutionPublic.model_validate(execution),
        nodes=[NodeTiming.model_validate(node) for node in nodes],
    )
