"""Query functions for A/B runs and traffic splits. Keyword-only ``session``, flush, never
commit.

Per-variant statistics read the ``variant`` key of each execution's metadata (the chain
version the split chose). Percentiles are computed by PostgreSQL (``percentile_cont``); on
SQLite, which has no such aggregate, from the variant's times in Python.
"""

from __future__ import annotations

import functools
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, case, func, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import NotFoundError, StrategyNotFoundError
from chain_processor_core.models.status import ExecutionStatus
from chain_processor_db.errors import flush
from chain_processor_db.models import (
    AbRun,
    ChainExecution,
    ChainStrategy,
    StrategyVersion,
    TrafficSplit,
)
from chain_processor_db.repositories.strategies import VersionLookup, has_steps_clause

_FINAL = [status.value for status in ExecutionStatus if status.is_final]


def create_ab_run(
    *,
    session: Session,
    input_text: str,
    execution_a: ChainExecution,
    execution_b: ChainExecution,
    created_by_id: uuid.UUID | None,
) -> AbRun:
    ab_run = AbRun(
        input_text=input_text,
        execution_a_id=execution_a.id,
        execution_b_id=execution_b.id,
        created_by_id=created_by_id,
    )
    session.add(ab_run)
    flush(session)
    return ab_run


def get_ab_run(*, session: Session, ab_run_id: uuid.UUID) -> AbRun:
    ab_run = session.get(AbRun, ab_run_id)
    if ab_run is None:
        raise NotFoundError("The A/B run does not exist")
    return ab_run


def list_ab_runs(
    *,
    session: Session,
    created_by_id: uuid.UUID | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[Sequence[AbRun], int]:
    """Newest first."""
    query = select(AbRun)
    if created_by_id is not None:
        query = query.where(AbRun.created_by_id == created_by_id)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(AbRun.created_at.desc(), AbRun.id).offset(offset).limit(limit)
    ).all()
    return rows, count


def get_traffic_split(*, session: Session, strategy_id: uuid.UUID) -> TrafficSplit | None:
    return session.get(TrafficSplit, strategy_id)


CHAIN_CHANGES_CHANNEL = "chain_strategy_changes"
"""Migration 0006's triggers NOTIFY it with a chain's id when what :func:`get_run_target`
reads of the chain changes (its active flag, current version, versions or traffic split)."""


@dataclass(frozen=True, slots=True)
class ChainRef:
    """The columns of a chain a submit needs, read as a row (no ORM object to build, track
    and expire on every submit)."""

    id: uuid.UUID
    is_active: bool
    current_version: str


@dataclass(frozen=True, slots=True)
class RunTarget:
    """What a submit reads, in one statement: the chain, the variants of its traffic split
    if it has one, and the version a run pins unless the split chooses another."""

    strategy: ChainRef
    variants: list[dict[str, Any]] | None
    version: VersionLookup


def get_run_target(
    *, session: Session, strategy_id: uuid.UUID, version: str | None = None
) -> RunTarget:
    """The chain ``strategy_id``, its split and its version ``version`` (the current one
    when ``None``). :class:`StrategyNotFoundError` when there is no such chain."""
    # Columns only, through the session's connection, with a statement built once: on the
    # hot path of every submit. That skips the ORM's autoflush, so flush here (nothing to
    # do in a submit's own session).
    session.flush()
    parameters = {"strategy_id": strategy_id, "version": version}
    row = session.connection().execute(_run_target_statement(), parameters).one_or_none()
    if row is None:
        raise StrategyNotFoundError()
    chain_id, is_active, current, variants, wanted_version, version_id, has_steps = row
    return RunTarget(
        ChainRef(chain_id, bool(is_active), current),
        variants,
        VersionLookup(wanted_version, version_id, bool(has_steps)),
    )


@functools.cache
def _run_target_statement() -> Select[Any]:
    wanted = func.coalesce(bindparam("version", type_=String), ChainStrategy.current_version)
    return (
        select(
            ChainStrategy.id,
            ChainStrategy.is_active,
            ChainStrategy.current_version,
            TrafficSplit.variants,
            wanted.label("wanted"),
            StrategyVersion.id,
            has_steps_clause(),
        )
        .outerjoin(TrafficSplit, TrafficSplit.strategy_id == ChainStrategy.id)
        .outerjoin(
            StrategyVersion,
            and_(
                StrategyVersion.strategy_id == ChainStrategy.id, StrategyVersion.version == wanted
            ),
        )
        .where(ChainStrategy.id == bindparam("strategy_id"))
    )


def set_traffic_split(
    *,
    session: Session,
    strategy_id: uuid.UUID,
    variants: list[dict[str, Any]],
    updated_by_id: uuid.UUID | None,
) -> TrafficSplit:
    """Create or replace the chain's split (the caller checks weights and versions)."""
    split = session.get(TrafficSplit, strategy_id)
    if split is None:
        split = TrafficSplit(strategy_id=strategy_id, variants=variants)
        session.add(split)
    split.variants = variants
    split.updated_by_id = updated_by_id
    flush(session)
    return split


def delete_traffic_split(*, session: Session, split: TrafficSplit) -> None:
    session.delete(split)
    flush(session)


@dataclass(frozen=True)
class VariantStats:
    variant: str
    count: int
    finished: int
    succeeded: int
    p50_ms: float | None
    p95_ms: float | None

    @property
    def success_rate(self) -> float | None:
        return self.succeeded / self.finished if self.finished else None


def variant_stats(*, session: Session, strategy_id: uuid.UUID) -> list[VariantStats]:
    """Counts, successes and p50/p95 ``execution_time_ms`` of the chain's executions, per
    ``metadata.variant`` (executions without one are left out), ordered by variant."""
    variant = ChainExecution.metadata_json["variant"].as_string()
    of_chain = (ChainExecution.strategy_id == strategy_id, variant.is_not(None))
    columns: list[Any] = [
        variant.label("variant"),
        func.count().label("executions"),
        func.count(case((ChainExecution.status.in_(_FINAL), 1))).label("finished"),
        func.count(case((ChainExecution.status == ExecutionStatus.SUCCEEDED.value, 1))).label(
            "succeeded"
        ),
    ]
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        ordered = ChainExecution.execution_time_ms
        columns += [
            func.percentile_cont(0.5).within_group(ordered).label("p50"),
            func.percentile_cont(0.95).within_group(ordered).label("p95"),
        ]
    rows = session.execute(select(*columns).where(*of_chain).group_by(variant).order_by(variant))
    stats = []
    for row in rows:
        if postgres:
            p50, p95 = _float(row.p50), _float(row.p95)
        else:
            times = list(
                session.scalars(
                    select(ChainExecution.execution_time_ms)
                    .where(
                        *of_chain,
                        variant == row.variant,
                        ChainExecution.execution_time_ms.is_not(None),
                    )
                    .order_by(ChainExecution.execution_time_ms)
                )
            )
            p50, p95 = _percentile(times, 0.5), _percentile(times, 0.95)
        stats.append(
            VariantStats(row.variant, row.executions, row.finished, row.succeeded, p50, p95)
        )
    return stats


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _percentile(values: Sequence[int | None], fraction: float) -> float | None:
    """Linear interpolation between closest ranks, as PostgreSQL's ``percentile_cont``."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    rank = fraction * (len(present) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return present[low] + (present[high] - present[low]) * (rank - low)
