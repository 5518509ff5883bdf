"""A/B runs (FR-7): one input through two chain versions, read back side by side.

Roles as executions: viewers read every A/B run, editors submit them.
"""

from __future__ import annotations

import uuid

from fastapi import Request, status

from chain_processor_api.api.deps import (
    AuditDep,
    EditorUser,
    ResourceRouter,
    SessionDep,
    TraceDep,
    ViewerUser,
)
from chain_processor_api.schemas.ab import AbRunCreate, AbRunPublic, AbRunSummary
from chain_processor_api.schemas.paging import Limit, Offset
from chain_processor_api.services import ab as ab_service
from chain_processor_core.models import Page
from chain_processor_db.repositories import ab as ab_repo

router = ResourceRouter(prefix="/ab-runs", tags=["ab-runs"])


@router.post("", response_model=AbRunPublic, status_code=status.HTTP_201_CREATED)
def create_ab_run(
    ab_in: AbRunCreate,
    request: Request,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
    trace: TraceDep,
) -> AbRunPublic:
    """Queue two executions of ``input_text``, arm A and arm B, each pinned to a chain
    version (the chain's current one when ``version`` is omitted)."""
    ab_run = ab_service.submit_ab_run(session, ab_in, user_id=user.id, trace=trace)
    public = ab_service.ab_run_public(session, ab_run)
    request.app.state.metrics.executions_submitted.inc(2)
    audit.record("ab_run.create", "ab_run", ab_run.id, after=AbRunSummary.model_validate(ab_run))
    session.commit()
    return public


@router.get("", response_model=Page[AbRunSummary])
def read_ab_runs(
    _user: ViewerUser,
    session: SessionDep,
    created_by_id: uuid.UUID | None = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Page[AbRunSummary]:
    """Newest first."""
    runs, count = ab_repo.list_ab_runs(
        session=session, created_by_id=created_by_id, offset=offset, limit=limit
    )
    return Page(data=[AbRunSummary.model_validate(run) for run in runs], count=count)


@router.get("/{ab_run_id:uuid}", response_model=AbRunPublic)
def read_ab_run(ab_run_id: uuid.UUID, _user: ViewerUser, session: SessionDep) -> AbRunPublic:
    """Both executions with their per-node timings, and the output diff once both ended."""
    ab_run = ab_repo.get_ab_run(session=session, ab_run_id=ab_run_id)
    return ab_service.ab_run_public(session, ab_run)
