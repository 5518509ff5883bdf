"""What submits read of a chain, kept for a few seconds so that most submits store their run
without reading the chain first (ADR-0012; the keeping itself is :mod:`.kept`).

An entry is the run target of a chain and an asked-for version (``None``: the current one),
filed under the chain's id. It is used only while the process LISTENs on
``chain_strategy_changes`` (PostgreSQL; migration 0006's triggers NOTIFY the chain's id when
its active flag, current version, versions or traffic split change) and for at most
``seconds``; a commit in this process that changes a chain forgets it before the answer
leaves. Only targets a run can start from are kept: a missing chain, a missing version or
one without steps is read again each time.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from chain_processor_api.core import kept
from chain_processor_db.models import ChainStrategy, StrategyVersion, TrafficSplit
from chain_processor_db.repositories import ab as ab_repo
from chain_processor_db.repositories.ab import RunTarget

_TABLES = frozenset(
    {ChainStrategy.__tablename__, StrategyVersion.__tablename__, TrafficSplit.__tablename__}
)


class RunTargets(kept.Kept[tuple[uuid.UUID, str | None], RunTarget]):
    """Run targets by chain id and asked-for version, filed under the chain's id."""

    def read(self, session: Session, strategy_id: uuid.UUID, version: str | None) -> RunTarget:
        """The run target as kept, or as ``session`` reads it now (then kept when a run can
        start from it); :class:`StrategyNotFoundError` as :func:`get_run_target` raises it."""
        key = (strategy_id, version)
        if (entry := self.entry(key)) is not None:
            return entry.value
        generation = self.generation
        target = ab_repo.get_run_target(session=session, strategy_id=strategy_id, version=version)
        if target.version.id is not None and target.version.has_steps:
            self.put(key, strategy_id, target, generation)
        return target


def _chain_of(row: object) -> uuid.UUID | None:
    if isinstance(row, ChainStrategy):
        return row.id
    if isinstance(row, StrategyVersion | TrafficSplit):
        return row.strategy_id
    return None


def forget_on_commit(sessions: sessionmaker[Session], targets: RunTargets) -> None:
    """Forget, when a session of ``sessions`` commits, the run targets of the chains it
    changed (listeners set once, not per request)."""
    kept.forget_on_commit(sessions, targets, tables=_TABLES, tag_of=_chain_of)
