"""Rows for the tests: nodes, chain versions pinning them, and queued executions."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from chain_processor_core.lib_chains.builtins import builtin_source
from chain_processor_db.models import (
    ChainExecution,
    ChainStrategy,
    Node,
    NodeExecution,
    NodeVersion,
    StrategyVersion,
    StrategyVersionNode,
)

UPPER = "def node(input_text):\n    return input_text.upper()\n"
SUFFIX = "def node(input_text, config):\n    return input_text + config.get('suffix', '!')\n"


def make_chain(
    engine: Engine,
    codes: Sequence[str],
    *,
    configs: Sequence[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> uuid.UUID:
    """A chain whose version 1.0.0 runs ``codes`` in order; returns the version's id."""
    with Session(engine) as session, session.begin():
        strategy = ChainStrategy(name=f"chain-{uuid.uuid4().hex[:6]}", metadata_json=metadata or {})
        session.add(strategy)
        session.flush()
        version = StrategyVersion(
            strategy_id=strategy.id, version="1.0.0", snapshot={"metadata": metadata or {}}
        )
        session.add(version)
        for position, code in enumerate(codes):
            node = Node(name=f"node-{position}", code=code)
            node_version = NodeVersion(
                node=node,
                version="1.0.0",
                code=code,
                content_hash=hashlib.sha256(code.encode()).hexdigest(),
            )
            session.add_all([node, node_version])
            session.flush()
            version.nodes.append(
                StrategyVersionNode(
                    position=position,
                    node_id=node.id,
                    node_version_id=node_version.id,
                    config=(configs[position] if configs else {}),
                )
            )
        session.flush()
        return version.id


def builtin(name: str) -> str:
    return builtin_source(name)


def submit(
    engine: Engine,
    version_id: uuid.UUID,
    input_text: str = "hello",
    *,
    priority: int = 0,
    created_at: datetime | None = None,
    **fields: Any,
) -> uuid.UUID:
    with Session(engine) as session, session.begin():
        version = session.get_one(StrategyVersion, version_id)
        execution = ChainExecution(
            strategy_id=version.strategy_id,
            strategy_version_id=version_id,
            input_text=input_text,
            priority=priority,
            **fields,
        )
        if created_at is not None:
            execution.created_at = created_at
        session.add(execution)
        session.flush()
        return execution.id


def execution(engine: Engine, execution_id: uuid.UUID) -> ChainExecution:
    with Session(engine, expire_on_commit=False) as session:
        return session.get_one(ChainExecution, execution_id)


def node_rows(engine: Engine, execution_id: uuid.UUID) -> list[NodeExecution]:
    with Session(engine, expire_on_commit=False) as session:
        query = select(NodeExecution).where(NodeExecution.execution_id == execution_id)
        return list(session.scalars(query.order_by(NodeExecution.position)))
