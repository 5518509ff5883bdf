"""Nodes: CRUD, immutable versions, diff and rollback (FR-2, FR-5, FR-6).

The canonical resource: schema (core ``NodeCreate/NodeUpdate/NodePublic``) → query functions
(``chain_processor_db.repositories.nodes``) → these thin handlers, which own the transaction
and write the audit row in it. Builtin nodes are read-only.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Query, status

from chain_processor_api.api.deps import (
    AuditDep,
    EditorUser,
    ResourceRouter,
    SessionDep,
    ViewerUser,
)
from chain_processor_api.schemas.paging import Limit, Offset
from chain_processor_api.schemas.versions import Deletion, RollbackRequest, VersionDiff
from chain_processor_api.services.diff import field_changes, unified_diff
from chain_processor_core.exceptions.errors import ConflictError, NodeLoadError
from chain_processor_core.models import NodeCreate, NodePublic, NodeUpdate, NodeVersionPublic, Page
from chain_processor_core.utils.semver import SEMVER_PATTERN
from chain_processor_db.models import Node
from chain_processor_db.repositories import nodes as nodes_repo

router = ResourceRouter(prefix="/nodes", tags=["nodes"])

VersionQuery = Annotated[
    str, Query(min_length=1, max_length=64, json_schema_extra={"pattern": SEMVER_PATTERN})
]


@router.get("", response_model=Page[NodePublic])
def read_nodes(
    _user: ViewerUser,
    session: SessionDep,
    search: Annotated[str | None, Query(max_length=255)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    builtin: bool | None = None,
    include_inactive: bool = False,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[NodePublic]:
    """Nodes by name, filtered by a name search, a tag and builtin-or-not."""
    nodes, count = nodes_repo.list_nodes(
        session=session,
        offset=offset,
        limit=limit,
        search=search,
        tag=tag.strip().lower() if tag else None,
        is_builtin=builtin,
        include_inactive=include_inactive,
    )
    return Page(data=nodes, count=count)


@router.post("", response_model=NodePublic, status_code=status.HTTP_201_CREATED)
def create_node(
    node_in: NodeCreate, user: EditorUser, session: SessionDep, audit: AuditDep
) -> Node:
    """A new node at version 1.0.0. The code is checked (never run): it must define
    ``def node(input_text)`` or ``def node(input_text, config)``."""
    with _code_errors():
        node = nodes_repo.create_node(session=session, node_in=node_in, created_by_id=user.id)
    audit.record("node.create", "node", node.id, after=NodePublic.model_validate(node))
    session.commit()
    return node


@router.get("/{node_id:uuid}", response_model=NodePublic)
def read_node(node_id: uuid.UUID, _user: ViewerUser, session: SessionDep) -> Node:
    return nodes_repo.get_node(session=session, node_id=node_id)


@router.patch("/{node_id:uuid}", response_model=NodePublic)
def update_node(
    node_id: uuid.UUID,
    node_in: NodeUpdate,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
) -> Node:
    """Save changes. ``expected_version`` must be the ``version`` you read (409 otherwise);
    a change of content adds a version bumped at ``bump`` with ``change_note``."""
    node = nodes_repo.get_node(session=session, node_id=node_id)
    before = NodePublic.model_validate(node)
    with _code_errors():
        nodes_repo.update_node(session=session, node=node, node_in=node_in, updated_by_id=user.id)
    audit.record(
        "node.update", "node", node.id, before=before, after=NodePublic.model_validate(node)
    )
    session.commit()
    return node


@router.delete("/{node_id:uuid}", response_model=Deletion)
def delete_node(
    node_id: uuid.UUID, user: EditorUser, session: SessionDep, audit: AuditDep
) -> Deletion:
    """Delete a node nothing uses. A node used by a chain, a chain version or an execution is
    deactivated instead (history keeps working; it leaves lists and new chains) and the
    response says so. Builtin nodes cannot be deleted."""
    node = nodes_repo.get_node(session=session, node_id=node_id)
    if node.is_builtin:
        raise ConflictError("Builtin nodes are read-only")
    before = NodePublic.model_validate(node)
    try:
        with session.begin_nested():
            nodes_repo.delete_node(session=session, node=node)
    except ConflictError:
        nodes_repo.update_node(
            session=session,
            node=node,
            node_in=NodeUpdate(expected_version=node.version, is_active=False),
            updated_by_id=user.id,
        )
        audit.record(
            "node.deactivate", "node", node_id, before=before, after=NodePublic.model_validate(node)
        )
        session.commit()
        return Deletion(
            id=node_id,
            outcome="deactivated",
            detail="The node is used by chains or executions, so it was deactivated instead",
        )
    audit.record("node.delete", "node", node_id, before=before)
    session.commit()
    return Deletion(id=node_id, outcome="deleted", detail="The node was deleted")


@router.get("/{node_id:uuid}/versions", response_model=Page[NodeVersionPublic])
def read_node_versions(
    node_id: uuid.UUID, _user: ViewerUser, session: SessionDep
) -> Page[NodeVersionPublic]:
    """Every version of a node, oldest first."""
    nodes_repo.get_node(session=session, node_id=node_id)
    versions = nodes_repo.list_node_versions(session=session, node_id=node_id)
    return Page(data=[NodeVersionPublic.model_validate(v) for v in versions], count=len(versions))


@router.get("/{node_id:uuid}/versions/{version}", response_model=NodeVersionPublic)
def read_node_version(
    node_id: uuid.UUID, version: str, _user: ViewerUser, session: SessionDep
) -> NodeVersionPublic:
    nodes_repo.get_node(session=session, node_id=node_id)
    found = nodes_repo.get_node_version(session=session, node_id=node_id, version=version)
    return NodeVersionPublic.model_validate(found)


@router.get("/{node_id:uuid}/diff", response_model=VersionDiff)
def read_node_diff(
    node_id: uuid.UUID,
    from_version: VersionQuery,
    to_version: VersionQuery,
    _user: ViewerUser,
    session: SessionDep,
) -> VersionDiff:
    """A unified diff of the code of two versions and the other fields that changed."""
    nodes_repo.get_node(session=session, node_id=node_id)
    old = nodes_repo.get_node_version(session=session, node_id=node_id, version=from_version)
    new = nodes_repo.get_node_version(session=session, node_id=node_id, version=to_version)
    return VersionDiff(
        id=node_id,
        from_version=old.version,
        to_version=new.version,
        code_diff=unified_diff(
            old.code, new.code, from_label=f"node@{old.version}", to_label=f"node@{new.version}"
        ),
        changes=field_changes(old.snapshot, new.snapshot),
    )


@router.post("/{node_id:uuid}/rollback", response_model=NodePublic)
def rollback_node(
    node_id: uuid.UUID,
    body: RollbackRequest,
    user: EditorUser,
    session: SessionDep,
    audit: AuditDep,
) -> Node:
    """A new version whose content is that of ``to_version``; history is never rewritten."""
    node = nodes_repo.get_node(session=session, node_id=node_id)
    before = NodePublic.model_validate(node)
    nodes_repo.rollback_node(
        session=session,
        node=node,
        to_version=body.to_version,
        expected_version=body.expected_version,
        updated_by_id=user.id,
        bump=body.bump,
        change_note=body.change_note,
    )
    audit.record(
        "node.rollback", "node", node.id, before=before, after=NodePublic.model_validate(node)
    )
    session.commit()
    return node


@contextmanager
def _code_errors() -> Iterator[None]:
    """Name the ``code`` field on errors from checking node code."""
    try:
        yield
    except NodeLoadError as exc:
        if exc.field is not None:
            raise
        raise NodeLoadError(exc.detail, field="code") from exc
