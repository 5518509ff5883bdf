from __future__ import annotations

import uuid

import pytest
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import NotFoundError, StrategyNotFoundError
from chain_processor_core.models.strategies import StrategyUpdate
from chain_processor_db.errors import flush
from chain_processor_db.models import ChainExecution, ChainStrategy, TrafficSplit
from chain_processor_db.repositories.ab import (
    ChainRef,
    _percentile,
    create_ab_run,
    delete_traffic_split,
    get_ab_run,
    get_run_target,
    get_traffic_split,
    list_ab_runs,
    set_traffic_split,
    variant_stats,
)
from chain_processor_db.repositories.strategies import (
    VersionLookup,
    delete_strategy,
    get_strategy_version,
    update_strategy,
)
from tests.factories import make_execution, make_strategy, make_user, recorded_statements


def _finished(
    session: Session, strategy: ChainStrategy, variant: str | None, status: str, ms: int | None
) -> ChainExecution:
    metadata = {} if variant is None else {"variant": variant}
    execution = make_execution(session, strategy, metadata=metadata)
    execution.status, execution.execution_time_ms = status, ms
    flush(session)
    return execution


def test_create_get_and_list_ab_runs(session: Session) -> None:
    user = make_user(session)
    strategy = make_strategy(session)
    a, b = make_execution(session, strategy), make_execution(session, strategy)

    ab_run = create_ab_run(
        session=session, input_text="hello", execution_a=a, execution_b=b, created_by_id=user.id
    )
    other = create_ab_run(
        session=session, input_text="x", execution_a=b, execution_b=a, created_by_id=None
    )

    assert get_ab_run(session=session, ab_run_id=ab_run.id) is ab_run
    assert (ab_run.execution_a_id, ab_run.execution_b_id) == (a.id, b.id)
    mine, count = list_ab_runs(session=session, created_by_id=user.id)
    assert (list(mine), count) == ([ab_run], 1)
    everyone, total = list_ab_runs(session=session, limit=500)
    assert {ab_run, other} <= set(everyone)
    assert total >= 2


def test_missing_ab_run_is_not_found(session: Session) -> None:
    with pytest.raises(NotFoundError, match="A/B run"):
        get_ab_run(session=session, ab_run_id=uuid.uuid4())


def test_traffic_split_is_created_replaced_and_deleted(session: Session) -> None:
    strategy = make_strategy(session)
    user = make_user(session)
    assert get_traffic_split(session=session, strategy_id=strategy.id) is None

    first = [{"version": "1.0.0", "weight": 100}]
    split = set_traffic_split(
        session=session, strategy_id=strategy.id, variants=first, updated_by_id=None
    )
    second = [{"version": "1.0.0", "weight": 90}, {"version": "1.1.0", "weight": 10}]
    again = set_traffic_split(
        session=session, strategy_id=strategy.id, variants=second, updated_by_id=user.id
    )

    assert again is split
    assert (split.variants, split.updated_by_id) == (second, user.id)
    delete_traffic_split(session=session, split=split)
    assert get_traffic_split(session=session, strategy_id=strategy.id) is None


def test_a_submit_reads_the_chain_its_split_and_its_version_together(session: Session) -> None:
    plain, split_chain = make_strategy(session), make_strategy(session)
    update_strategy(
        session=session,
        strategy=plain,
        strategy_in=StrategyUpdate(expected_version=plain.version, name="second"),
        updated_by_id=None,
    )
    variants = [{"version": "1.0.0", "weight": 100}]
    set_traffic_split(
        session=session, strategy_id=split_chain.id, variants=variants, updated_by_id=None
    )
    flush(session)
    versions = {
        number: get_strategy_version(session=session, strategy_id=plain.id, version=number).id
        for number in ("1.0.0", "1.0.1")
    }
    session.expunge_all()  # read from the database, not from what the session holds

    with recorded_statements(session) as statements:
        with_split = get_run_target(session=session, strategy_id=split_chain.id)
        current = get_run_target(session=session, strategy_id=plain.id)
        named = get_run_target(session=session, strategy_id=plain.id, version="1.0.0")
        missing = get_run_target(session=session, strategy_id=plain.id, version="9.0.0")

    assert len(statements) == 4  # one read each
    assert with_split.strategy.id == split_chain.id
    assert with_split.variants == variants
    assert (current.strategy.id, current.variants) == (plain.id, None)
    assert current.strategy == ChainRef(plain.id, True, "1.0.1")
    assert current.version == VersionLookup("1.0.1", versions["1.0.1"], True)
    assert named.version == VersionLookup("1.0.0", versions["1.0.0"], True)
    assert missing.version == VersionLookup("9.0.0", None, False)
    with pytest.raises(StrategyNotFoundError):
        get_run_target(session=session, strategy_id=uuid.uuid4())


def test_traffic_split_goes_with_its_chain(session: Session) -> None:
    strategy = make_strategy(session)
    set_traffic_split(
        session=session,
        strategy_id=strategy.id,
        variants=[{"version": "1.0.0", "weight": 100}],
        updated_by_id=None,
    )

    delete_strategy(session=session, strategy=strategy)
    session.expire_all()

    assert session.get(TrafficSplit, strategy.id) is None


def test_variant_stats_count_successes_and_percentiles(session: Session) -> None:
    strategy = make_strategy(session)
    for ms in (10, 20, 30, 40):
        _finished(session, strategy, "1.0.0", "succeeded", ms)
    _finished(session, strategy, "1.0.0", "failed", None)
    _finished(session, strategy, "1.1.0", "pending", None)
    _finished(session, strategy, None, "succeeded", 5)  # no variant: left out
    _finished(session, make_strategy(session), "1.0.0", "succeeded", 1)  # another chain

    stats = variant_stats(session=session, strategy_id=strategy.id)

    assert [s.variant for s in stats] == ["1.0.0", "1.1.0"]
    one, two = stats
    assert (one.count, one.finished, one.succeeded, one.success_rate) == (5, 5, 4, 0.8)
    assert one.p50_ms == pytest.approx(25.0)
    assert one.p95_ms == pytest.approx(38.5)
    assert (two.count, two.finished, two.success_rate, two.p50_ms, two.p95_ms) == (
        1,
        0,
        None,
        None,
        None,
    )


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [([], 0.5, None), ([7], 0.95, 7.0), ([1, 2, 3, 4], 0.5, 2.5), ([0, 100], 0.95, 95.0)],
)
def test_percentile_interpolates_like_postgres(
    values: list[int], fraction: float, expected: float | None
) -> None:
    assert _percentile(values, fraction) == expected


def test_the_run_target_sees_what_the_session_changed_and_did_not_flush_yet(
    session: Session,
) -> None:
    strategy = make_strategy(session)
    flush(session)
    strategy.is_active = False  # pending in the session only

    target = get_run_target(session=session, strategy_id=strategy.id)

    assert target.strategy == ChainRef(strategy.id, False, "1.0.0")
