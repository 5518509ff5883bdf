"""Chain validation (every problem at once, field by field) and export/import as JSON.

A chain is an ordered list of steps, so it has no cycles and exactly one path by
construction; what can be wrong is each step: a node that does not exist or is inactive, a
pinned version of another node, a builtin's config that does not parse, or a config given to
a node that takes none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_api.schemas.chains import (
    ChainDocument,
    ExportedChain,
    ExportedNode,
    ExportedStep,
    ValidationIssue,
)
from chain_processor_core.exceptions.errors import (
    ChainValidationError,
    FieldError,
    InvalidConfigError,
    NodeLoadError,
    NodeNotFoundError,
    ValidationError,
)
from chain_processor_core.lib_chains.builtins import get_builtin
from chain_processor_core.lib_chains.contract import check_node_code
from chain_processor_core.models import NodeCreate, StrategyCreate, StrategyNodeIn
from chain_processor_core.models.strategies import CanvasPosition
from chain_processor_db.models import ChainStrategy, Node, NodeVersion
from chain_processor_db.repositories.nodes import create_node
from chain_processor_db.repositories.strategies import create_strategy
from chain_processor_executor.outbox import MAX_URL_CHARS, WEBHOOK_URL_KEY, valid_webhook_url


def validate_steps(session: Session, steps: Sequence[StrategyNodeIn]) -> list[ValidationIssue]:
    if not steps:
        return [
            ValidationIssue(
                field="nodes", code="invalid_chain", detail="A chain needs at least one node"
            )
        ]
    ids = {step.node_id for step in steps}
    nodes = {node.id: node for node in session.scalars(select(Node).where(Node.id.in_(ids)))}
    issues: list[ValidationIssue] = []
    for index, step in enumerate(steps):
        issues.extend(_step_issues(session, index, step, nodes.get(step.node_id)))
    return issues


def check_webhook_url(metadata: Mapping[str, Any] | None, *, field: str = "metadata") -> None:
    """A chain's ``metadata.webhook_url``, when given, must be an absolute http(s) URL with a
    host, no credentials and at most 2048 characters (the executor sends nothing else)."""
    if metadata is None or WEBHOOK_URL_KEY not in metadata:
        return
    value = metadata[WEBHOOK_URL_KEY]
    where = f"{field}.{WEBHOOK_URL_KEY}"
    if value is None:
        return  # no webhook
    if isinstance(value, str) and len(value) > MAX_URL_CHARS:
        raise ValidationError(f"{where}: at most {MAX_URL_CHARS} characters", field=where)
    url = valid_webhook_url(value)
    if url is None:
        raise ValidationError(
            f"{where}: must be an absolute http:// or https:// URL with a host", field=where
        )
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            f"{where}: must not contain credentials; receivers verify the signature header",
            field=where,
        )


def check_steps(session: Session, steps: Sequence[StrategyNodeIn]) -> None:
    """Raise :class:`ChainValidationError` naming every problem, if there is one."""
    issues = validate_steps(session, steps)
    if issues:
        raise ChainValidationError(
            errors=[FieldError(issue.field, issue.code, issue.detail) for issue in issues]
        )


def _step_issues(
    session: Session, index: int, step: StrategyNodeIn, node: Node | None
) -> list[ValidationIssue]:
    where, label = f"nodes.{index}", f"Step {index + 1}"
    if node is None:
        return [_issue(f"{where}.node_id", "node_not_found", f"{label}: the node does not exist")]
    if not node.is_active:
        return [
            _issue(
                f"{where}.node_id", "invalid_chain", f"{label}: node {node.name!r} is not active"
            )
        ]
    code = node.code
    if step.node_version_id is not None:
        version = session.get(NodeVersion, step.node_version_id)
        if version is None or version.node_id != node.id:
            detail = f"{label}: the node version does not exist"
            return [_issue(f"{where}.node_version_id", "version_not_found", detail)]
        code = version.code
    builtin = node.metadata_json.get("builtin") if node.is_builtin else None
    if isinstance(builtin, str):
        try:
            get_builtin(builtin).parse_config(step.config)
        except (InvalidConfigError, NodeNotFoundError) as exc:
            field = f"{where}.config" + (f".{exc.field}" if exc.field else "")
            return [_issue(field, "invalid_config", f"{label}: {exc.detail}")]
        return []
    if step.config:
        try:
            accepts_config = check_node_code(code).accepts_config
        except NodeLoadError:
            accepts_config = True  # the code's own problem, reported when it is saved
        if not accepts_config:
            detail = f"{label}: node {node.name!r} takes no config (its `node` has one parameter)"
            return [_issue(f"{where}.config", "invalid_config", detail)]
    return []


def _issue(field: str, code: str, detail: str) -> ValidationIssue:
    return ValidationIssue(field=field, code=code, detail=detail)


def export_chain(session: Session, strategy: ChainStrategy) -> ChainDocument:
    """The chain's current steps; user nodes carry the code of the version each step pins."""
    refs: dict[uuid.UUID, str] = {}
    nodes: dict[str, ExportedNode] = {}
    steps: list[ExportedStep] = []
    for step in strategy.nodes:
        node = session.get(Node, step.node_id)
        assert node is not None  # foreign key
        ui = CanvasPosition.model_validate(step.ui) if step.ui else None
        builtin = node.metadata_json.get("builtin") if node.is_builtin else None
        if isinstance(builtin, str):
            steps.append(ExportedStep(builtin=builtin, config=dict(step.config), ui=ui))
            continue
        if step.node_version_id not in refs:
            version = session.get(NodeVersion, step.node_version_id)
            assert version is not None  # foreign key
            ref = refs[step.node_version_id] = f"n{len(refs) + 1}"
            snapshot: dict[str, Any] = version.snapshot
            nodes[ref] = ExportedNode(
                name=snapshot.get("name", node.name),
                description=snapshot.get("description"),
                code=version.code,
                tags=list(snapshot.get("tags", [])),
                metadata=dict(snapshot.get("metadata", {})),
                version=version.version,
            )
        steps.append(ExportedStep(ref=refs[step.node_version_id], config=dict(step.config), ui=ui))
    chain = ExportedChain(
        name=strategy.name,
        description=strategy.description,
        tags=list(strategy.tags),
        metadata=dict(strategy.metadata_json),
    )
    return ChainDocument(chain=chain, steps=steps, nodes=nodes)


def import_chain(
    session: Session, document: ChainDocument, *, user_id: uuid.UUID
) -> tuple[ChainStrategy, list[Node]]:
    """New nodes for the document's user nodes, then a new chain using them and the builtins
    it names. Nothing is created when any step is invalid (the caller rolls back)."""
    check_webhook_url(document.chain.metadata, field="chain.metadata")
    builtins = _builtins_by_name(session)
    for index, step in enumerate(document.steps):
        if step.builtin is not None and step.builtin not in builtins:
            raise ChainValidationError(
                f"Step {index + 1}: there is no builtin node {step.builtin!r}",
                field=f"steps.{index}.builtin",
            )
    created: dict[str, Node] = {}
    for ref, exported in document.nodes.items():
        node_in = NodeCreate(
            name=exported.name,
            description=exported.description,
            code=exported.code,
            tags=exported.tags,
            metadata=exported.metadata,
            change_note="Imported",
        )
        try:
            created[ref] = create_node(session=session, node_in=node_in, created_by_id=user_id)
        except NodeLoadError as exc:
            raise NodeLoadError(exc.detail, field=f"nodes.{ref}.code") from exc
    steps = [
        StrategyNodeIn(
            node_id=created[step.ref].id
            if step.ref is not None
            else builtins[str(step.builtin)].id,
            config=step.config,
            ui=step.ui,
        )
        for step in document.steps
    ]
    check_steps(session, steps)
    strategy_in = StrategyCreate(
        name=document.chain.name,
        description=document.chain.description,
        tags=document.chain.tags,
        metadata=document.chain.metadata,
        nodes=steps,
        change_note="Imported",
    )
    strategy = create_strategy(session=session, strategy_in=strategy_in, created_by_id=user_id)
    return strategy, list(created.values())


def _builtins_by_name(session: Session) -> dict[str, Node]:
    found: dict[str, Node] = {}
    for node in session.scalars(select(Node).where(Node.is_builtin, Node.is_active)):
        name = node.metadata_json.get("builtin")
        if isinstance(name, str):
            found[name] = node
    return found
