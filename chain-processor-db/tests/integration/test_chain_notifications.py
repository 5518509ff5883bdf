"""Migration 0006's triggers: a change to what a submit reads of a chain (its active flag,
current version, versions or traffic split) NOTIFYs ``chain_strategy_changes`` with the
chain's id on commit (PostgreSQL only)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from chain_processor_core.models import StrategyUpdate
from chain_processor_db.models import ChainStrategy
from chain_processor_db.repositories.ab import (
    CHAIN_CHANGES_CHANNEL,
    delete_traffic_split,
    set_traffic_split,
)
from chain_processor_db.repositories.strategies import delete_strategy, update_strategy
from tests.conftest import Database, engine_for, listening_on, triggers_around
from tests.factories import make_node, make_strategy, step


def _get(session: Session, chain: ChainStrategy) -> ChainStrategy:
    found = session.get(ChainStrategy, chain.id)
    assert found is not None
    return found


def test_changes_a_submit_reads_notify_the_chain_id(migrated_database: Database) -> None:
    if migrated_database.backend != "postgres":
        pytest.skip("LISTEN needs a direct PostgreSQL connection; SQLite has no NOTIFY")
    engine = engine_for(migrated_database)
    with Session(engine, expire_on_commit=False) as session:
        node = make_node(session)
        chain, other = make_strategy(session, [step(node)]), make_strategy(session, [step(node)])
        session.commit()
    try:
        with listening_on(migrated_database, CHAIN_CHANGES_CHANNEL) as ear:
            with Session(engine) as session:  # name only: nothing a submit reads
                _get(session, chain).name = "renamed"
                session.commit()
            with Session(engine) as session:  # a new version: one notice for both rows
                merged = _get(session, chain)
                change = StrategyUpdate(expected_version=merged.version, nodes=[step(node)] * 2)
                update_strategy(
                    session=session, strategy=merged, strategy_in=change, updated_by_id=None
                )
                session.commit()
            with Session(engine) as session:
                variants = [{"version": "1.0.0", "weight": 100}]
                set_traffic_split(
                    session=session, strategy_id=chain.id, variants=variants, updated_by_id=None
                )
                session.commit()
            with Session(engine) as session:
                split = set_traffic_split(
                    session=session, strategy_id=chain.id, variants=[], updated_by_id=None
                )
                delete_traffic_split(session=session, split=split)
                session.commit()
            with Session(engine) as session:  # the chain, its versions (cascade): one notice
                delete_strategy(session=session, strategy=_get(session, other))
                session.commit()
            heard = [(n.channel, n.payload) for n in ear.notifies(timeout=1)]
    finally:
        engine.dispose()
    assert heard == [
        (CHAIN_CHANGES_CHANNEL, str(chain.id)),  # the new version and the current one
        (CHAIN_CHANGES_CHANNEL, str(chain.id)),  # the split set
        (CHAIN_CHANGES_CHANNEL, str(chain.id)),  # the split changed and deleted
        (CHAIN_CHANGES_CHANNEL, str(other.id)),  # the other chain deleted
    ]


def test_the_triggers_come_and_go_with_the_migration(migrated_database: Database) -> None:
    at_head, before, after = triggers_around(
        migrated_database, "%notify_chain_change", table="chain_strategies", down_to="0005"
    )
    expected = [
        "chain_strategies_notify_chain_change",
        "strategy_versions_notify_chain_change",
        "traffic_splits_notify_chain_change",
    ]
    assert at_head == (expected if migrated_database.is_postgres else [])
    assert before == []
    assert after == at_head
