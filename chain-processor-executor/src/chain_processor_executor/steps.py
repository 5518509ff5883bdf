"""The steps of a pinned chain version, ready to run: code, config and time limit.

Time limit of a node, first found wins: the step's config key ``_timeout_s`` (removed from the
config the node receives), the chain version's metadata ``timeout_s`` (every node of that
chain), the executor's default (``EXECUTOR_NODE_TIMEOUT_S``, 5 s). It is capped at
``EXECUTOR_MAX_NODE_TIMEOUT_S``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from chain_processor_core.exceptions.errors import NodeLoadError
from chain_processor_core.lib_chains.contract import check_node_code
from chain_processor_core.utils.sanitize import sanitize_error_message
from chain_processor_db.models import Node, NodeVersion, StrategyVersion, StrategyVersionNode
from chain_processor_executor.outbox import webhook_url_of

TIMEOUT_KEY = "_timeout_s"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Step:
    position: int
    node_id: uuid.UUID
    node_version_id: uuid.UUID
    node_name: str
    code: str
    code_hash: str
    config: dict[str, Any]
    timeout_s: float


@dataclass(frozen=True)
class Chain:
    """A pinned chain version as the runner needs it."""

    steps: list[Step]
    webhook_url: str | None = None


def load_chain(
    connection: Connection,
    *,
    strategy_version_id: uuid.UUID,
    default_timeout_s: float,
    max_timeout_s: float,
) -> Chain:
    """The steps of a chain version in position order (none if the version is gone), and
    the completion webhook its metadata names (``webhook_url``, if valid)."""
    snapshot = connection.scalar(
        select(StrategyVersion.snapshot).where(StrategyVersion.id == strategy_version_id)
    )
    metadata = (snapshot or {}).get("metadata") or {}
    chain_timeout = _seconds(metadata.get("timeout_s"))
    rows = connection.execute(
        select(
            StrategyVersionNode.position,
            StrategyVersionNode.node_id,
            StrategyVersionNode.node_version_id,
            StrategyVersionNode.config,
            NodeVersion.code,
            Node.name,
        )
        .join(NodeVersion, NodeVersion.id == StrategyVersionNode.node_version_id)
        .join(Node, Node.id == StrategyVersionNode.node_id)
        .where(StrategyVersionNode.strategy_version_id == strategy_version_id)
        .order_by(StrategyVersionNode.position)
    )
    steps = []
    for row in rows:
        config = dict(row.config or {})
        step_timeout = _seconds(config.pop(TIMEOUT_KEY, None))
        timeout = step_timeout or chain_timeout or default_timeout_s
        steps.append(
            Step(
                position=row.position,
                node_id=row.node_id,
                node_version_id=row.node_version_id,
                node_name=row.name,
                code=row.code,
                code_hash=hashlib.sha256(row.code.encode("utf-8")).hexdigest(),
                config=config,
                timeout_s=min(timeout, max_timeout_s),
            )
        )
    return Chain(steps, webhook_url_of(metadata))


class ChainCache:
    """Loaded chain versions by id, kept while the process lives (least recently used
    dropped past ``size``). A strategy version is immutable once pinned (its snapshot and
    its node versions never change), so an entry never goes stale; a version not found is
    not cached."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._chains: OrderedDict[tuple[uuid.UUID, float, float], Chain] = OrderedDict()
        self._lock = threading.Lock()

    def load(
        self,
        engine: Engine,
        *,
        strategy_version_id: uuid.UUID,
        default_timeout_s: float,
        max_timeout_s: float,
    ) -> Chain:
        key = (strategy_version_id, default_timeout_s, max_timeout_s)
        with self._lock:
            if key in self._chains:
                self._chains.move_to_end(key)
                return self._chains[key]
        with engine.begin() as connection:
            chain = load_chain(
                connection,
                strategy_version_id=strategy_version_id,
                default_timeout_s=default_timeout_s,
                max_timeout_s=max_timeout_s,
            )
        if chain.steps:
            with self._lock:
                self._chains[key] = chain
                while len(self._chains) > self.size:
                    self._chains.popitem(last=False)
        return chain


def _seconds(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    return float(value)


@lru_cache(maxsize=2048)
def code_problem(code: str) -> str | None:
    """Why ``code`` cannot be a node (checked statically, never run), or ``None``."""
    try:
        check_node_code(code)
    except NodeLoadError as error:
        return sanitize_error_message(error.detail)
    return None


_WRITTEN: set[Path] = set()
"""Copies this process has written or found (a copy is never changed once written)."""


def write_generated(directory: Path, step: Step) -> Path | None:
    """Keep a copy of a node's code under ``lib_chains_generated/`` for inspection (spec
    §5.3), named by content hash and written atomically (threads and workers may race to
    write the same one). A copy that cannot be written is logged, never fatal."""
    path = directory / f"node_{step.code_hash[:16]}.py"
    if path in _WRITTEN or path.exists():
        _WRITTEN.add(path)
        return path
    header = f"# node {step.node_name!r}, version {step.node_version_id}\n"
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        temporary.write_text(header + step.code, encoding="utf-8")
        temporary.replace(path)
        _WRITTEN.add(path)
    except OSError as error:
        logger.warning(
            "generated code not written",
            extra={"action": "generated_code_failed", "error": type(error).__name__},
        )
        return None
    return path
