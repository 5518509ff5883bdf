"""Chains (strategies): CRUD with steps, versions, diff, rollback, validation, export/import
(FR-1, FR-5, FR-6, FR-8). A chain version pins the node versions its steps use."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Query, status

from chain_processor_api.api.deps import (
    AuditDep,
    EditorUser,
    ResourceRouter,
    SessionDep,
    ViewerUser,
)
from chain_processor_api.schemas.chains import (
    ChainDocument,
    ChainValidationRequest,
    ValidationReport,
)
from chain_processor_api.schemas.paging import Limit, Offset
from chain_processor_api.schemas.versions import Deletion, RollbackRequest, VersionDiff
from chain_processor_api.services import chains as chains_service
from chain_processor_api.services.diff import field_changes, step_changes
from chain_processor_core.exceptions.errors import ConflictError
from chain_processor_core.models import (
    NodePublic,
    Page,
    StrategyCreate,
    StrategyPublic,
    StrategyUpdate,
    StrategyVersionPublic,
)
from chain_processor_core.utils.semver import SEMVER_PATTERN
from chain_processor_db.models import ChainStrategy, StrategyVersion
from chain_processor_db.repositories import strategies as strategies_repo

router = ResourceRouter(prefix="/chains", tags=["chains"])

VersionQuery = Annotated[
    str, Query(min_length=1, max_length=64, json_schema_extra={"pattern": SEMVER_PATTERN})
]


@router.get("", response_model=Page[StrategyPublic])
def read_chains(
    _user: ViewerUser,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=255)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    include_inactive: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[StrategyPublic]:
    chains, count = strategies_repo.list_strategies(
        session=session,
        offset=offset,
        limit=limit,
        search=search,
        tag=tag.strip().lower() if tag else None,
        include_inactive=include_inactive,
    )
    return Page(data=chains, count=count)


@router.post("/validate", response_model=ValidationReport)
def validate_chain(
    body: ChainValidationRequest, _user: ViewerUser, session: SessionDep
) -> ValidationReport:
    """Check steps without saving: every problem, each with the field it concerns."""
    issues = chains_service.validate_steps(session, body.nodes)
    return ValidationReport(valid=not issues, errors=issues)


@router.post("/import", response_model=StrategyPublic, status_code=status.HTTP_201_CREATED)
def import_chain(
    document: ChainDocument, user: EditorUser, session: SessionDep, audit: AuditDep
) -> ChainStrategy:
    """Create a chain from an exported document: new nodes for its user nodes (their code is
    checked, never run), builtin nodes by name. All or nothing."""
    strategy, nodes = chains_service.import_chain(session, document, user_id=user.id)
    for node in nodes:
        audit.record("node.create", "node", node.id, after=NodePublic.model_validate(node))
    audit.record("chain.import", "chain", strategy.id, after=_public(strategy))
    session.commit()
    return strategy


@router.post("", response_model=StrategyPublic, status_code=status.HTTP_201_CREATED)
def create_chain(
    chain_in: StrategyCreate, user: EditorUser, session: SessionDep, audit: AuditDep
) -> ChainStrategy:
    """A new chain at version 1.0.0; its steps are validated (422 naming every problem)."""
    chains_service.check_steps(session, chain_in.nodes)
    chains_service.check_webhook_url(chain_in.metadata)
    strategy = strategies_repo.create_strategy(
        session=session, strategy_in=chain_in, created_by_id=user.id
    )
    audit.record("chain.create", "chain", strategy.id, after=_public(strategy))
    session.commit()
    return strategy


@router.get("/{chain_id:uuid}", response_model=StrategyPublic)
def read_chain(chain_id: uuid.UUID, _user: ViewerUser, session: SessionDep) -> ChainStrategy:
    return strategies_repo.get_strategy(session=session, strategy_id=chain_id)


@router.patch("/{chain_id:uuid}", response_model=StrategyPublic)
def update_chain(
    chain_id: uuid.UUID,
    chain_in: StrategyUpdate,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
) -> ChainStrategy:
    """Save changes; ``expected_version`` must be the ``version`` you read (409 otherwise).
    New steps are validated; a change of content or steps adds a version."""
    strategy = strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    before = _public(strategy)
    if chain_in.nodes is not None:
        chains_service.check_steps(session, chain_in.nodes)
    chains_service.check_webhook_url(chain_in.metadata)
    strategies_repo.update_strategy(
        session=session, strategy=strategy, strategy_in=chain_in, updated_by_id=user.id
    )
    audit.record("chain.update", "chain", strategy.id, before=before, after=_public(strategy))
    session.commit()
    return strategy


@router.delete("/{chain_id:uuid}", response_model=Deletion)
def delete_chain(
    chain_id: uuid.UUID, user: EditorUser, session: SessionDep, audit: AuditDep
) -> Deletion:
    """Delete a chain that never ran; one with executions is deactivated instead (its
    history stays readable) and the response says so."""
    strategy = strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    before = _public(strategy)
    try:
        with session.begin_nested():
            strategies_repo.delete_strategy(session=session, strategy=strategy)
    except ConflictError:
        strategies_repo.update_strategy(
            session=session,
            strategy=strategy,
            strategy_in=StrategyUpdate(expected_version=strategy.version, is_active=False),
            updated_by_id=user.id,
        )
        audit.record("chain.deactivate", "chain", chain_id, before=before, after=_public(strategy))
        session.commit()
        return Deletion(
            id=chain_id,
            outcome="deactivated",
            detail="The chain has executions, so it was deactivated instead",
        )
    audit.record("chain.delete", "chain", chain_id, before=before)
    session.commit()
    return Deletion(id=chain_id, outcome="deleted", detail="The chain was deleted")


@router.get("/{chain_id:uuid}/export", response_model=ChainDocument)
def export_chain(chain_id: uuid.UUID, _user: ViewerUser, session: SessionDep) -> ChainDocument:
    """The chain and the code of its user nodes as one JSON document (see import)."""
    strategy = strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    return chains_service.export_chain(session, strategy)


@router.get("/{chain_id:uuid}/versions", response_model=Page[StrategyVersionPublic])
def read_chain_versions(
    chain_id: uuid.UUID, _user: ViewerUser, session: SessionDep
) -> Page[StrategyVersionPublic]:
    strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    versions = strategies_repo.list_strategy_versions(session=session, strategy_id=chain_id)
    data = [StrategyVersionPublic.model_validate(v) for v in versions]
    return Page(data=data, count=len(data))


@router.get("/{chain_id:uuid}/versions/{version}", response_model=StrategyVersionPublic)
def read_chain_version(
    chain_id: uuid.UUID, version: str, _user: ViewerUser, session: SessionDep
) -> StrategyVersion:
    strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    return strategies_repo.get_strategy_version(
        session=session, strategy_id=chain_id, version=version
    )


@router.get("/{chain_id:uuid}/diff", response_model=VersionDiff)
def read_chain_diff(
    chain_id: uuid.UUID,
    from_version: VersionQuery,
    to_version: VersionQuery,
    _user: ViewerUser,
    session: SessionDep,
) -> VersionDiff:
    """The fields and the steps (``nodes.<position>``) that differ between two versions."""
    strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    old = strategies_repo.get_strategy_version(
        session=session, strategy_id=chain_id, version=from_version
    )
    new = strategies_repo.get_strategy_version(
        session=session, strategy_id=chain_id, version=to_version
    )
    return VersionDiff(
        id=chain_id,
        from_version=old.version,
        to_version=new.version,
        changes=[
            *field_changes(old.snapshot, new.snapshot),
            *step_changes(_steps(old), _steps(new)),
        ],
    )


@router.post("/{chain_id:uuid}/rollback", response_model=StrategyPublic)
def rollback_chain(
    chain_id: uuid.UUID,
    body: RollbackRequest,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
) -> ChainStrategy:
    """A new version whose content and steps (with their pinned node versions) are those of
    ``to_version``; history is never rewritten."""
    strategy = strategies_repo.get_strategy(session=session, strategy_id=chain_id)
    before = _public(strategy)
    strategies_repo.rollback_strategy(
        session=session,
        strategy=strategy,
        to_version=body.to_version,
        expected_version=body.expected_version,
        updated_by_id=user.id,
        bump=body.bump,
        change_note=body.change_note,
    )
    audit.record("chain.rollback", "chain", chain_id, before=before, after=_public(strategy))
    session.commit()
    return strategy


def _public(strategy: ChainStrategy) -> StrategyPublic:
    return StrategyPublic.model_validate(strategy)


def _steps(version: StrategyVersion) -> list[dict[str, Any]]:
    return [
        {
            "position": step.position,
            "node_id": str(step.node_id),
            "node_version_id": str(step.node_version_id),
            "config": step.config,
            "ui": step.ui,
        }
        for step in version.nodes
    ]
