"""Query functions for chains (strategies), their steps and their immutable versions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Exists, select
from sqlalchemy.orm import Session, selectinload

from chain_processor_core.exceptions.errors import (
    ChainValidationError,
    InvalidConfigError,
    NodeNotFoundError,
    StaleVersionError,
    StrategyNotFoundError,
    VersionNotFoundError,
)
from chain_processor_core.lib_chains.builtins import get_builtin
from chain_processor_core.models.strategies import (
    StrategyCreate,
    StrategyNodeIn,
    StrategyPublic,
    StrategyUpdate,
)
from chain_processor_core.utils.semver import BumpLevel, parse_version
from chain_processor_db.errors import flush
from chain_processor_db.models import (
    ChainStrategy,
    Node,
    NodeVersion,
    StrategyNode,
    StrategyVersion,
    StrategyVersionNode,
)
from chain_processor_db.repositories._filters import contains_text, has_tag
from chain_processor_db.repositories._pages import read_page, read_rows
from chain_processor_db.repositories._versions import next_version

_STRATEGY_COLUMNS = (
    ChainStrategy.id,
    ChainStrategy.name,
    ChainStrategy.description,
    ChainStrategy.tags,
    ChainStrategy.metadata_json.label("metadata"),
    ChainStrategy.is_active,
    ChainStrategy.current_version,
    ChainStrategy.version,
    ChainStrategy.created_by_id,
    ChainStrategy.created_at,
    ChainStrategy.updated_at,
)
_STEP_COLUMNS = (
    StrategyNode.strategy_id,
    StrategyNode.node_id,
    StrategyNode.node_version_id,
    StrategyNode.position,
    StrategyNode.config,
    StrategyNode.ui,
)


def create_strategy(
    *, session: Session, strategy_in: StrategyCreate, created_by_id: uuid.UUID | None
) -> ChainStrategy:
    """A new chain and its first version, 1.0.0, pinning the node versions of its steps."""
    steps = _resolve_steps(session, strategy_in.nodes)
    strategy = ChainStrategy(
        name=strategy_in.name,
        description=strategy_in.description,
        tags=list(strategy_in.tags),
        metadata_json=dict(strategy_in.metadata),
        created_by_id=created_by_id,
        current_version="1.0.0",
        nodes=[_working_step(position, step) for position, step in enumerate(steps)],
    )
    session.add(strategy)
    flush(session)
    _add_version(session, strategy, change_note=strategy_in.change_note, author_id=created_by_id)
    return strategy


def get_strategy(*, session: Session, strategy_id: uuid.UUID) -> ChainStrategy:
    """A chain, with its current steps loaded."""
    strategy = session.get(ChainStrategy, strategy_id, options=[selectinload(ChainStrategy.nodes)])
    if strategy is None:
        raise StrategyNotFoundError()
    return strategy


def list_strategies(
    *,
    session: Session,
    offset: int = 0,
    limit: int = 100,
    search: str | None = None,
    tag: str | None = None,
    include_inactive: bool = False,
) -> tuple[list[StrategyPublic], int]:
    """A page of chains by name with their steps, in their public shape, and how many
    match. Two statements: the page (with the total) and the steps of its chains."""
    query = select(*_STRATEGY_COLUMNS)
    if search:
        query = query.where(contains_text(ChainStrategy.name, search))
    if tag:
        query = query.where(has_tag(session, ChainStrategy.tags, tag))
    if not include_inactive:
        query = query.where(ChainStrategy.is_active)
    rows, count = read_page(
        session, query.order_by(ChainStrategy.name, ChainStrategy.id), offset=offset, limit=limit
    )
    steps: dict[uuid.UUID, list[dict[str, Any]]] = {row["id"]: [] for row in rows}
    if steps:
        query = (
            select(*_STEP_COLUMNS)
            .where(StrategyNode.strategy_id.in_(steps))
            .order_by(StrategyNode.strategy_id, StrategyNode.position)
        )
        for step in read_rows(session, query):
            steps[step["strategy_id"]].append(step)
    for row in rows:
        row["nodes"] = steps[row["id"]]
    return [StrategyPublic.model_validate(row) for row in rows], count


def update_strategy(
    *,
    session: Session,
    strategy: ChainStrategy,
    strategy_in: StrategyUpdate,
    updated_by_id: uuid.UUID | None,
) -> ChainStrategy:
    """Apply a save. A change of content or steps creates a new version."""
    _check_lock(strategy, strategy_in.expected_version)
    changes = strategy_in.model_dump(
        exclude_unset=True, exclude={"expected_version", "bump", "change_note", "nodes"}
    )
    content_changed = False
    for field, value in changes.items():
        if value is None and field != "description":
            continue
        attribute = "metadata_json" if field == "metadata" else field
        if getattr(strategy, attribute) != value:
            setattr(strategy, attribute, value)
            content_changed = content_changed or field != "is_active"
    if strategy_in.nodes is not None:
        steps = [
            _working_step(i, s) for i, s in enumerate(_resolve_steps(session, strategy_in.nodes))
        ]
        if _step_keys(steps) != _step_keys(strategy.nodes):
            _replace_steps(session, strategy, steps)
            content_changed = True
    if content_changed:
        strategy.current_version = next_version(strategy.current_version, strategy_in.bump)
    flush(session)
    if content_changed:
        _add_version(
            session, strategy, change_note=strategy_in.change_note, author_id=updated_by_id
        )
    return strategy


def rollback_strategy(
    *,
    session: Session,
    strategy: ChainStrategy,
    to_version: str,
    expected_version: int,
    updated_by_id: uuid.UUID | None,
    bump: BumpLevel = BumpLevel.MINOR,
    change_note: str | None = None,
) -> ChainStrategy:
    """A new version whose content and steps are those of ``to_version``."""
    _check_lock(strategy, expected_version)
    target = get_strategy_version(session=session, strategy_id=strategy.id, version=to_version)
    strategy.name = target.snapshot.get("name", strategy.name)
    strategy.description = target.snapshot.get("description")
    strategy.tags = list(target.snapshot.get("tags", []))
    strategy.metadata_json = dict(target.snapshot.get("metadata", {}))
    steps = [
        StrategyNode(
            position=step.position,
            node_id=step.node_id,
            node_version_id=step.node_version_id,
            config=dict(step.config),
            ui=step.ui,
        )
        for step in target.nodes
    ]
    _replace_steps(session, strategy, steps)
    strategy.current_version = next_version(strategy.current_version, bump)
    flush(session)
    note = change_note or f"Rolled back to {target.version}"
    _add_version(session, strategy, change_note=note, author_id=updated_by_id)
    return strategy


def delete_strategy(*, session: Session, strategy: ChainStrategy) -> None:
    """Delete a chain that was never run; one with executions raises ``ConflictError``."""
    session.delete(strategy)
    flush(session)


def list_strategy_versions(
    *, session: Session, strategy_id: uuid.UUID
) -> Sequence[StrategyVersion]:
    query = (
        select(StrategyVersion)
        .where(StrategyVersion.strategy_id == strategy_id)
        .options(selectinload(StrategyVersion.nodes))
        .order_by(StrategyVersion.created_at, StrategyVersion.id)
    )
    return session.scalars(query).all()


def get_strategy_version(
    *, session: Session, strategy_id: uuid.UUID, version: str | None = None
) -> StrategyVersion:
    """The version ``version`` of a chain, or its current version when ``version`` is None."""
    if version is None:
        strategy = get_strategy(session=session, strategy_id=strategy_id)
        version = strategy.current_version
    parse_version(version)
    found = session.scalar(
        select(StrategyVersion)
        .where(StrategyVersion.strategy_id == strategy_id, StrategyVersion.version == version)
        .options(selectinload(StrategyVersion.nodes))
    )
    if found is None:
        raise VersionNotFoundError(f"The chain has no version {version}")
    return found


@dataclass(frozen=True)
class VersionLookup:
    """A chain version looked up by its number, read along with something else (a submit
    reads it with its chain): its id, ``None`` when the chain has no such version."""

    version: str
    id: uuid.UUID | None
    has_steps: bool


def has_steps_clause() -> Exists:
    """Whether the ``StrategyVersion`` of the enclosing query has steps (without loading them)."""
    return (
        select(StrategyVersionNode.id)
        .where(StrategyVersionNode.strategy_version_id == StrategyVersion.id)
        .exists()
    )


class RunnableChain(Protocol):
    """What a new run needs of its chain: a :class:`ChainStrategy`, or the few columns a
    submit reads instead of loading one (:class:`~chain_processor_db.repositories.ab.ChainRef`)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def current_version(self) -> str: ...


def get_runnable_version_id(
    *,
    session: Session,
    strategy: RunnableChain,
    version: str | None = None,
    known: VersionLookup | None = None,
) -> uuid.UUID:
    """The id of the chain version a new run pins (``version``, or the current one), read in
    one query with a check that it has steps, without loading them; no query when ``known``
    is that version."""
    version = strategy.current_version if version is None else version
    parse_version(version)
    if known is None or known.version != version:
        row = session.execute(
            select(StrategyVersion.id, has_steps_clause()).where(
                StrategyVersion.strategy_id == strategy.id, StrategyVersion.version == version
            )
        ).one_or_none()
        known = VersionLookup(version, *row) if row else VersionLookup(version, None, False)
    if known.id is None:
        raise VersionNotFoundError(f"The chain has no version {version}")
    if not known.has_steps:
        raise ChainValidationError("The chain has no nodes to run", field="strategy_id")
    return known.id


def strategies_using_node(*, session: Session, node_id: uuid.UUID) -> Sequence[ChainStrategy]:
    """The chains whose current steps use a node."""
    query = (
        select(ChainStrategy)
        .where(
            ChainStrategy.id.in_(
                select(StrategyNode.strategy_id).where(StrategyNode.node_id == node_id)
            )
        )
        .order_by(ChainStrategy.name)
    )
    return session.scalars(query).all()


class _Step:
    """A requested step resolved to its node and pinned node version."""

    def __init__(self, request: StrategyNodeIn, node: Node, node_version: NodeVersion) -> None:
        self.request, self.node, self.node_version = request, node, node_version


def _resolve_steps(session: Session, requested: Sequence[StrategyNodeIn]) -> list[_Step]:
    """Each requested step with its node and the node version it pins (the one it names,
    else the node's current one). Three statements at most, whatever the number of steps."""
    node_ids = {step.node_id for step in requested}
    nodes = {node.id: node for node in session.scalars(select(Node).where(Node.id.in_(node_ids)))}
    current, named = _versions_of(session, requested)
    steps = []
    for index, request in enumerate(requested):
        node = nodes.get(request.node_id)
        if node is None:
            raise NodeNotFoundError(
                f"Step {index + 1}: the node does not exist", field=f"nodes.{index}.node_id"
            )
        if not node.is_active:
            raise ChainValidationError(
                f"Step {index + 1}: node {node.name!r} is not active",
                field=f"nodes.{index}.node_id",
            )
        if request.node_version_id is None:
            version = current.get(node.id)
        else:
            version = named.get(request.node_version_id)
        if version is None or version.node_id != node.id:
            raise VersionNotFoundError(
                f"Step {index + 1}: the node version does not exist",
                field=f"nodes.{index}.node_version_id",
            )
        steps.append(_Step(request, node, version))
        _check_builtin_config(index, node, request.config)
    return steps


def _versions_of(
    session: Session, requested: Sequence[StrategyNodeIn]
) -> tuple[dict[uuid.UUID, NodeVersion], dict[uuid.UUID, NodeVersion]]:
    """The node versions ``requested`` pins: the current version of each node a step names
    no version of, by node id; and the versions steps name, by version id."""
    current: dict[uuid.UUID, NodeVersion] = {}
    unpinned = {step.node_id for step in requested if step.node_version_id is None}
    if unpinned:
        query = (
            select(NodeVersion)
            .join(Node, NodeVersion.node_id == Node.id)
            .where(Node.id.in_(unpinned), NodeVersion.version == Node.current_version)
        )
        current = {version.node_id: version for version in session.scalars(query)}
    named: dict[uuid.UUID, NodeVersion] = {}
    pinned = {step.node_version_id for step in requested if step.node_version_id is not None}
    if pinned:
        query = select(NodeVersion).where(NodeVersion.id.in_(pinned))
        named = {version.id: version for version in session.scalars(query)}
    return current, named


def _check_builtin_config(index: int, node: Node, config: dict[str, Any]) -> None:
    builtin = node.metadata_json.get("builtin") if node.is_builtin else None
    if not isinstance(builtin, str):
        return
    try:
        get_builtin(builtin).parse_config(config)
    except InvalidConfigError as exc:
        field = f"nodes.{index}.config" + (f".{exc.field}" if exc.field else "")
        raise InvalidConfigError(f"Step {index + 1}: {exc.detail}", field=field) from exc


def _working_step(position: int, step: _Step) -> StrategyNode:
    ui = step.request.ui.model_dump() if step.request.ui else None
    return StrategyNode(
        position=position,
        node_id=step.node.id,
        node_version_id=step.node_version.id,
        config=dict(step.request.config),
        ui=ui,
    )


def _step_keys(steps: Sequence[StrategyNode]) -> list[tuple[Any, ...]]:
    return [(s.position, s.node_id, s.node_version_id, s.config, s.ui) for s in steps]


def _replace_steps(session: Session, strategy: ChainStrategy, steps: list[StrategyNode]) -> None:
    # Deletes must reach the database before inserts reuse the same positions.
    strategy.nodes.clear()
    flush(session)
    strategy.nodes.extend(steps)


def _check_lock(strategy: ChainStrategy, expected_version: int) -> None:
    if strategy.version != expected_version:
        raise StaleVersionError(
            f"The chain changed since you read it (you have {expected_version}, "
            f"it is at {strategy.version}); reload and save again"
        )


def _add_version(
    session: Session, strategy: ChainStrategy, *, change_note: str, author_id: uuid.UUID | None
) -> None:
    session.add(
        StrategyVersion(
            strategy_id=strategy.id,
            version=strategy.current_version,
            snapshot={
                "name": strategy.name,
                "description": strategy.description,
                "tags": list(strategy.tags),
                "metadata": dict(strategy.metadata_json),
            },
            change_note=change_note,
            created_by_id=author_id,
            nodes=[
                StrategyVersionNode(
                    position=step.position,
                    node_id=step.node_id,
                    node_version_id=step.node_version_id,
                    config=dict(step.config),
                    ui=step.ui,
                )
                for step in strategy.nodes
            ],
        )
    )
    flush(session)
