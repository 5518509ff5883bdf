"""A chain's weighted traffic split and its per-variant statistics (FR-7).

Submissions of the chain that name no version are routed by the split; each run records the
version chosen as ``metadata.variant``. Viewers read; editors set and remove splits.
"""

from __future__ import annotations

import uuid

from fastapi import status

from chain_processor_api.api.deps import (
    AuditDep,
    EditorUser,
    ResourceRouter,
    SessionDep,
    ViewerUser,
)
from chain_processor_api.schemas.ab import (
    TrafficSplitPublic,
    TrafficSplitUpdate,
    VariantStatsPublic,
)
from chain_processor_api.services.traffic import check_split_versions
from chain_processor_core.exceptions.errors import NotFoundError
from chain_processor_core.models import Page
from chain_processor_db.models import TrafficSplit
from chain_processor_db.repositories import ab as ab_repo
from chain_processor_db.repositories.strategies import get_strategy

router = ResourceRouter(prefix="/chains", tags=["chains"])


@router.get("/{chain_id:uuid}/traffic-split", response_model=TrafficSplitPublic)
def read_traffic_split(chain_id: uuid.UUID, _user: ViewerUser, session: SessionDep) -> TrafficSplit:
    get_strategy(session=session, strategy_id=chain_id)
    return _split_of(session, chain_id)


@router.put("/{chain_id:uuid}/traffic-split", response_model=TrafficSplitPublic)
def update_traffic_split(
    chain_id: uuid.UUID,
    split_in: TrafficSplitUpdate,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
) -> TrafficSplit:
    """Set (or replace) the split: versions the chain has, weights summing to 100."""
    get_strategy(session=session, strategy_id=chain_id)
    check_split_versions(session, chain_id, split_in)
    existing = ab_repo.get_traffic_split(session=session, strategy_id=chain_id)
    before = _public(existing) if existing is not None else None
    split = ab_repo.set_traffic_split(
        session=session,
        strategy_id=chain_id,
        variants=[variant.model_dump() for variant in split_in.variants],
        updated_by_id=user.id,
    )
    audit.record("chain.traffic_split", "chain", chain_id, before=before, after=_public(split))
    session.commit()
    return split


@router.delete("/{chain_id:uuid}/traffic-split", status_code=status.HTTP_204_NO_CONTENT)
def delete_traffic_split(
    chain_id: uuid.UUID, _user: EditorUser, session: SessionDep, audit: AuditDep
) -> None:
    """Remove the split: submissions without a version run the current version again."""
    split = _split_of(session, chain_id)
    before = _public(split)
    ab_repo.delete_traffic_split(session=session, split=split)
    audit.record("chain.traffic_split_delete", "chain", chain_id, before=before)
    session.commit()


@router.get("/{chain_id:uuid}/variants", response_model=Page[VariantStatsPublic])
def read_variants(
    chain_id: uuid.UUID, _user: ViewerUser, session: SessionDep
) -> Page[VariantStatsPublic]:
    """Per variant (chain version chosen by the split): runs, successes, success rate among
    finished runs, and p50/p95 ``execution_time_ms``."""
    get_strategy(session=session, strategy_id=chain_id)
    stats = ab_repo.variant_stats(session=session, strategy_id=chain_id)
    data = [
        VariantStatsPublic(
            variant=s.variant,
            count=s.count,
            finished=s.finished,
            succeeded=s.succeeded,
            success_rate=s.success_rate,
            p50_ms=s.p50_ms,
            p95_ms=s.p95_ms,
        )
        for s in stats
    ]
    return Page(data=data, count=len(data))


def _split_of(session: SessionDep, chain_id: uuid.UUID) -> TrafficSplit:
    split = ab_repo.get_traffic_split(session=session, strategy_id=chain_id)
    if split is None:
        raise NotFoundError("The chain has no traffic split")
    return split


def _public(split: TrafficSplit) -> TrafficSplitPublic:
    return TrafficSplitPublic.model_validate(split)
