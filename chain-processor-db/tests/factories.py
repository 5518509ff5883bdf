"""Valid rows for tests, built through the query functions; pass keywords to override.

``session → user → node → strategy → execution``: each factory takes what it hangs on.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from chain_processor_core.models.common import Role
from chain_processor_core.models.executions import ExecutionCreate
from chain_processor_core.models.nodes import NodeCreate
from chain_processor_core.models.strategies import StrategyCreate, StrategyNodeIn
from chain_processor_core.models.users import UserCreate
from chain_processor_core.passwords import hash_password
from chain_processor_db.base import Base
from chain_processor_db.errors import flush
from chain_processor_db.models import (
    ChainExecution,
    ChainStrategy,
    Node,
    NodeExecution,
    StrategyVersion,
    StrategyVersionNode,
    User,
)
from chain_processor_db.repositories.executions import create_execution
from chain_processor_db.repositories.nodes import create_node
from chain_processor_db.repositories.strategies import create_strategy

PASSWORD = "correct horse battery staple"
UPPERCASE_CODE = "def node(input_text):\n    return input_text.upper()\n"


@cache
def password_hash() -> str:
    """One Argon2 hash of ``PASSWORD``, computed once: hashing costs ~0.2 s a time."""
    return hash_password(PASSWORD)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def make_user(session: Session, **overrides: Any) -> User:
    """A user whose password is ``PASSWORD`` (``create_user`` itself is tested on its own)."""
    user_in = UserCreate(
        email=overrides.pop("email", f"{unique('user')}@example.com"),
        password=PASSWORD,
        full_name=overrides.pop("full_name", "Test User"),
        roles=overrides.pop("roles", [Role.EDITOR]),
    )
    user = User(
        email=user_in.email.lower(),
        password_hash=password_hash(),
        full_name=user_in.full_name,
        roles=[role.value for role in user_in.roles],
        **overrides,
    )
    session.add(user)
    flush(session)
    return user


def make_node(session: Session, **overrides: Any) -> Node:
    created_by_id = overrides.pop("created_by_id", None)
    is_builtin = overrides.pop("is_builtin", False)
    fields: dict[str, Any] = {"name": unique("node"), "code": UPPERCASE_CODE} | overrides
    return create_node(
        session=session,
        node_in=NodeCreate(**fields),
        created_by_id=created_by_id,
        is_builtin=is_builtin,
    )


def make_builtin_node(session: Session, builtin: str, **overrides: Any) -> Node:
    """A node standing for the builtin ``builtin`` (as ``seed`` makes them)."""
    fields: dict[str, Any] = {"name": builtin, "metadata": {"builtin": builtin}} | overrides
    return make_node(session, is_builtin=True, **fields)


def step(node: Node, **fields: Any) -> StrategyNodeIn:
    return StrategyNodeIn(node_id=node.id, **fields)


def make_strategy(
    session: Session, nodes: Sequence[Node | StrategyNodeIn] | None = None, **overrides: Any
) -> ChainStrategy:
    """A chain running ``nodes`` in order (one fresh node when not given)."""
    created_by_id = overrides.pop("created_by_id", None)
    if nodes is None:
        nodes = [make_node(session)]
    steps = [item if isinstance(item, StrategyNodeIn) else step(item) for item in nodes]
    fields: dict[str, Any] = {"name": unique("chain"), "nodes": steps} | overrides
    return create_strategy(
        session=session, strategy_in=StrategyCreate(**fields), created_by_id=created_by_id
    )


def make_execution(session: Session, strategy: ChainStrategy, **overrides: Any) -> ChainExecution:
    created_by_id = overrides.pop("created_by_id", None)
    fields: dict[str, Any] = {"strategy_id": strategy.id, "input_text": "hello"} | overrides
    execution, _ = create_execution(
        session=session,
        strategy=strategy,
        execution_in=ExecutionCreate(**fields),
        created_by_id=created_by_id,
    )
    return execution


def make_node_execution(
    session: Session, execution: ChainExecution, position: int, **overrides: Any
) -> NodeExecution:
    """The record of step ``position`` of ``execution`` (written by the executor)."""
    version = execution_step(session, execution, position)
    fields: dict[str, Any] = {
        "execution_id": execution.id,
        "node_id": version.node_id,
        "node_version_id": version.node_version_id,
        "position": position,
        "input_text": "hello",
    } | overrides
    node_execution = NodeExecution(**fields)
    session.add(node_execution)
    flush(session)
    return node_execution


def execution_step(
    session: Session, execution: ChainExecution, position: int
) -> StrategyVersionNode:
    """The pinned step ``position`` of the chain version ``execution`` runs."""
    version = session.get(StrategyVersion, execution.strategy_version_id)
    assert version is not None
    return version.nodes[position]


def save_behind_the_orms_back(
    session: Session, row: User | Node | ChainStrategy | ChainExecution
) -> None:
    """What a concurrent save does to ``row``: its ``version`` moves on, unseen by ``row``."""
    table = Base.metadata.tables[type(row).__tablename__]
    session.execute(update(table).where(table.c.id == row.id).values(version=table.c.version + 1))


@contextlib.contextmanager
def recorded_statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements ``session``'s connection runs inside the block."""
    statements: list[str] = []

    def before(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    bind = session.connection()
    event.listen(bind, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", before)
