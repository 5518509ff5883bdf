"""Factories: ``session → node → strategy → execution``, through the real query functions.

Each commits (into the test's outer transaction), like the earlier requests of a client."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_core.models import ExecutionCreate, NodeCreate, StrategyCreate, StrategyNodeIn
from chain_processor_db.models import ChainExecution, ChainStrategy, Node, User
from chain_processor_db.repositories.executions import create_execution
from chain_processor_db.repositories.nodes import create_node
from chain_processor_db.repositories.strategies import create_strategy

UPPER_CODE = "def node(input_text: str) -> str:\n    return input_text.upper()\n"


def make_node(
    session: Session, *, name: str | None = None, code: str = UPPER_CODE, **fields: Any
) -> Node:
    node_in = NodeCreate(name=name or f"node-{uuid.uuid4().hex[:8]}", code=code, **fields)
    node = create_node(session=session, node_in=node_in, created_by_id=None)
    session.commit()
    return node


def builtin(session: Session, name: str) -> Node:
    node = session.scalar(select(Node).where(Node.is_builtin, Node.name == name))
    assert node is not None, name
    return node


def make_strategy(
    session: Session, *, nodes: list[Node] | None = None, name: str | None = None
) -> ChainStrategy:
    steps = nodes if nodes is not None else [make_node(session)]
    strategy_in = StrategyCreate(
        name=name or f"chain-{uuid.uuid4().hex[:8]}",
        nodes=[StrategyNodeIn(node_id=node.id) for node in steps],
    )
    strategy = create_strategy(session=session, strategy_in=strategy_in, created_by_id=None)
    session.commit()
    return strategy


def queue_execution(
    session: Session, strategy: ChainStrategy, *, user: User | None = None, text: str = "hello"
) -> ChainExecution:
    execution, _created = create_execution(
        session=session,
        strategy=strategy,
        execution_in=ExecutionCreate(strategy_id=strategy.id, input_text=text),
        created_by_id=user.id if user else None,
    )
    session.commit()
    return execution
