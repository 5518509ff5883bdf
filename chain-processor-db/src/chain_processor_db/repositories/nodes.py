"""Query functions for nodes and their immutable versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    ConflictError,
    NodeNotFoundError,
    StaleVersionError,
    VersionNotFoundError,
)
from chain_processor_core.lib_chains.contract import check_node_code
from chain_processor_core.models.nodes import NodeCreate, NodePublic, NodeUpdate
from chain_processor_core.utils.semver import BumpLevel, parse_version
from chain_processor_db.errors import flush
from chain_processor_db.models import Node, NodeVersion
from chain_processor_db.repositories._filters import contains_text, has_tag
from chain_processor_db.repositories._pages import read_page
from chain_processor_db.repositories._versions import content_hash, next_version

_NULLABLE = frozenset({"description"})
_NODE_COLUMNS = (
    Node.id,
    Node.name,
    Node.description,
    Node.code,
    Node.is_builtin,
    Node.is_active,
    Node.tags,
    Node.metadata_json.label("metadata"),
    Node.current_version,
    Node.version,
    Node.created_by_id,
    Node.created_at,
    Node.updated_at,
)


def create_node(
    *,
    session: Session,
    node_in: NodeCreate,
    created_by_id: uuid.UUID | None,
    is_builtin: bool = False,
) -> Node:
    """A new node and its first version, 1.0.0. The code is checked, never run."""
    check_node_code(node_in.code)
    node = Node(
        name=node_in.name,
        description=node_in.description,
        code=node_in.code,
        tags=list(node_in.tags),
        metadata_json=dict(node_in.metadata),
        is_builtin=is_builtin,
        created_by_id=created_by_id,
        current_version="1.0.0",
    )
    session.add(node)
    flush(session)
    _add_version(session, node, change_note=node_in.change_note, author_id=created_by_id)
    return node


def get_node(*, session: Session, node_id: uuid.UUID) -> Node:
    node = session.get(Node, node_id)
    if node is None:
        raise NodeNotFoundError()
    return node


def list_nodes(
    *,
    session: Session,
    offset: int = 0,
    limit: int = 100,
    search: str | None = None,
    tag: str | None = None,
    is_builtin: bool | None = None,
    include_inactive: bool = False,
) -> tuple[list[NodePublic], int]:
    """A page of nodes by name, in their public shape, and how many match."""
    query = select(*_NODE_COLUMNS)
    if search:
        query = query.where(contains_text(Node.name, search))
    if tag:
        query = query.where(has_tag(session, Node.tags, tag))
    if is_builtin is not None:
        query = query.where(Node.is_builtin == is_builtin)
    if not include_inactive:
        query = query.where(Node.is_active)
    rows, count = read_page(session, query.order_by(Node.name, Node.id), offset=offset, limit=limit)
    return [NodePublic.model_validate(row) for row in rows], count


def update_node(
    *,
    session: Session,
    node: Node,
    node_in: NodeUpdate,
    updated_by_id: uuid.UUID | None,
    allow_builtin: bool = False,
) -> Node:
    """Apply a save. A change of content creates a new version, bumped at ``node_in.bump``."""
    _check_editable(node, node_in.expected_version, allow_builtin=allow_builtin)
    changes = node_in.model_dump(
        exclude_unset=True, exclude={"expected_version", "bump", "change_note"}
    )
    if changes.get("code") is not None:
        check_node_code(changes["code"])
    content_changed = False
    for field, value in changes.items():
        if value is None and field not in _NULLABLE:
            continue
        attribute = "metadata_json" if field == "metadata" else field
        if getattr(node, attribute) != value:
            setattr(node, attribute, value)
            content_changed = content_changed or field != "is_active"
    if content_changed:
        node.current_version = next_version(node.current_version, node_in.bump)
    flush(session)
    if content_changed:
        _add_version(session, node, change_note=node_in.change_note, author_id=updated_by_id)
    return node


def rollback_node(
    *,
    session: Session,
    node: Node,
    to_version: str,
    expected_version: int,
    updated_by_id: uuid.UUID | None,
    bump: BumpLevel = BumpLevel.MINOR,
    change_note: str | None = None,
) -> Node:
    """A new version whose content is that of ``to_version``; history is never rewritten."""
    _check_editable(node, expected_version, allow_builtin=False)
    target = get_node_version(session=session, node_id=node.id, version=to_version)
    node.code = target.code
    node.name = target.snapshot.get("name", node.name)
    node.description = target.snapshot.get("description")
    node.tags = list(target.snapshot.get("tags", []))
    node.metadata_json = dict(target.snapshot.get("metadata", {}))
    node.current_version = next_version(node.current_version, bump)
    flush(session)
    note = change_note or f"Rolled back to {target.version}"
    _add_version(session, node, change_note=note, author_id=updated_by_id)
    return node


def delete_node(*, session: Session, node: Node) -> None:
    """Delete a node no chain or execution uses; a used node raises ``ConflictError``."""
    session.delete(node)
    flush(session)


def list_node_versions(*, session: Session, node_id: uuid.UUID) -> Sequence[NodeVersion]:
    query = select(NodeVersion).where(NodeVersion.node_id == node_id)
    return session.scalars(query.order_by(NodeVersion.created_at, NodeVersion.id)).all()


def get_node_version(*, session: Session, node_id: uuid.UUID, version: str) -> NodeVersion:
    parse_version(version)
    found = session.scalar(
        select(NodeVersion).where(NodeVersion.node_id == node_id, NodeVersion.version == version)
    )
    if found is None:
        raise VersionNotFoundError(f"The node has no version {version}")
    return found


def get_current_node_version(*, session: Session, node: Node) -> NodeVersion:
    return get_node_version(session=session, node_id=node.id, version=node.current_version)


def snapshot(node: Node) -> dict[str, Any]:
    """The versioned content of a node besides its code."""
    return {
        "name": node.name,
        "description": node.description,
        "tags": list(node.tags),
        "metadata": dict(node.metadata_json),
    }


def _check_editable(node: Node, expected_version: int, *, allow_builtin: bool) -> None:
    if node.is_builtin and not allow_builtin:
        raise ConflictError("Builtin nodes cannot be changed; create a node of your own instead")
    if node.version != expected_version:
        raise StaleVersionError(
            f"The node changed since you read it (you have {expected_version}, "
            f"it is at {node.version}); reload and save again"
        )


def _add_version(
    session: Session, node: Node, *, change_note: str, author_id: uuid.UUID | None
) -> None:
    parse_version(node.current_version)
    session.add(
        NodeVersion(
            node_id=node.id,
            version=node.current_version,
            code=node.code,
            content_hash=content_hash(node.code),
            snapshot=snapshot(node),
            change_note=change_note,
            created_by_id=author_id,
        )
    )
    flush(session)
