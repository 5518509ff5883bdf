from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    ChainValidationError,
    ConflictError,
    InvalidConfigError,
    InvalidVersionError,
    NodeNotFoundError,
    NotFoundError,
    StaleVersionError,
    StrategyNotFoundError,
    ValidationError,
    VersionNotFoundError,
)
from chain_processor_core.models.nodes import NodeUpdate
from chain_processor_core.models.strategies import (
    CanvasPosition,
    StrategyCreate,
    StrategyNodeIn,
    StrategyPublic,
    StrategyUpdate,
)
from chain_processor_core.utils.semver import BumpLevel
from chain_processor_db.errors import flush
from chain_processor_db.models import ChainStrategy, Node, StrategyVersion, StrategyVersionNode
from chain_processor_db.repositories.nodes import get_node_version, update_node
from chain_processor_db.repositories.strategies import (
    create_strategy,
    delete_strategy,
    get_strategy,
    get_strategy_version,
    list_strategies,
    list_strategy_versions,
    rollback_strategy,
    strategies_using_node,
    update_strategy,
)
from tests.factories import (
    make_builtin_node,
    make_execution,
    make_node,
    make_strategy,
    make_user,
    recorded_statements,
    save_behind_the_orms_back,
    step,
)

LOWERCASE_CODE = "def node(input_text):\n    return input_text.lower()\n"


def _save(session: Session, strategy: ChainStrategy, **fields: Any) -> ChainStrategy:
    update = StrategyUpdate(expected_version=strategy.version, **fields)
    return update_strategy(
        session=session, strategy=strategy, strategy_in=update, updated_by_id=None
    )


def _edit_node(session: Session, node: Node, code: str = LOWERCASE_CODE) -> None:
    update = NodeUpdate(expected_version=node.version, code=code)
    update_node(session=session, node=node, node_in=update, updated_by_id=None)


def _pins(steps: list[StrategyVersionNode] | list[Any]) -> list[tuple[int, uuid.UUID, uuid.UUID]]:
    return [(s.position, s.node_id, s.node_version_id) for s in steps]


def _version_numbers(session: Session, strategy: ChainStrategy) -> list[str]:
    return [v.version for v in list_strategy_versions(session=session, strategy_id=strategy.id)]


# create / get


def test_create_strategy_pins_the_current_node_versions(session: Session) -> None:
    user = make_user(session)
    first, second = make_node(session), make_node(session)
    _edit_node(session, second)
    strategy_in = StrategyCreate(
        name="Pipeline",
        description="Two steps",
        tags=["Demo"],
        metadata={"owner": "team"},
        nodes=[
            StrategyNodeIn(node_id=first.id, config={"k": "v"}, ui=CanvasPosition(x=1, y=2.5)),
            StrategyNodeIn(node_id=second.id),
        ],
    )

    strategy = create_strategy(session=session, strategy_in=strategy_in, created_by_id=user.id)

    first_v = get_node_version(session=session, node_id=first.id, version="1.0.0")
    second_v = get_node_version(session=session, node_id=second.id, version="1.0.1")
    expected = [(0, first.id, first_v.id), (1, second.id, second_v.id)]
    assert (strategy.name, strategy.current_version, strategy.version) == ("Pipeline", "1.0.0", 1)
    assert (strategy.tags, strategy.metadata_json) == (["demo"], {"owner": "team"})
    assert _pins(strategy.nodes) == expected
    assert [s.config for s in strategy.nodes] == [{"k": "v"}, {}]
    assert [s.ui for s in strategy.nodes] == [{"x": 1.0, "y": 2.5}, None]
    version = get_strategy_version(session=session, strategy_id=strategy.id)
    assert (version.version, version.change_note, version.created_by_id) == (
        "1.0.0",
        "Created",
        user.id,
    )
    assert version.snapshot == {
        "name": "Pipeline",
        "description": "Two steps",
        "tags": ["demo"],
        "metadata": {"owner": "team"},
    }
    assert _pins(version.nodes) == expected
    assert [s.config for s in version.nodes] == [{"k": "v"}, {}]
    assert get_strategy(session=session, strategy_id=strategy.id) is strategy


def test_create_strategy_pins_a_named_node_version(session: Session) -> None:
    node = make_node(session)
    old = get_node_version(session=session, node_id=node.id, version="1.0.0")
    _edit_node(session, node)

    strategy = make_strategy(session, nodes=[step(node, node_version_id=old.id)])

    assert strategy.nodes[0].node_version_id == old.id


def test_steps_resolve_in_three_reads_whatever_their_number(session: Session) -> None:
    edited, plain = make_node(session), make_node(session)
    old = get_node_version(session=session, node_id=edited.id, version="1.0.0")
    _edit_node(session, edited)
    current = get_node_version(session=session, node_id=edited.id, version="1.0.1")
    steps = [step(edited), step(edited, node_version_id=old.id), step(plain)] * 8
    flush(session)

    with recorded_statements(session) as statements:
        strategy = make_strategy(session, nodes=steps)

    pins = [s.node_version_id for s in strategy.nodes]
    plain_version = get_node_version(session=session, node_id=plain.id, version="1.0.0")
    assert pins == [current.id, old.id, plain_version.id] * 8
    reads = [sql for sql in statements if sql.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 3, reads  # nodes, their current versions, the named versions


def test_create_empty_strategy(session: Session) -> None:
    strategy = make_strategy(session, nodes=[])

    assert strategy.nodes == []
    assert get_strategy_version(session=session, strategy_id=strategy.id).nodes == []


def test_create_strategy_with_an_unknown_node(session: Session) -> None:
    node = make_node(session)
    steps = [step(node), StrategyNodeIn(node_id=uuid.uuid4())]

    with pytest.raises(NodeNotFoundError) as caught:
        make_strategy(session, nodes=steps)

    assert caught.value.field == "nodes.1.node_id"
    assert session.scalar(select(func.count()).select_from(ChainStrategy)) == 0


def test_create_strategy_with_an_inactive_node(session: Session) -> None:
    node = make_node(session, name="retired")
    update_node(
        session=session,
        node=node,
        node_in=NodeUpdate(expected_version=1, is_active=False),
        updated_by_id=None,
    )

    with pytest.raises(ChainValidationError, match="retired") as caught:
        make_strategy(session, nodes=[node])

    assert caught.value.field == "nodes.0.node_id"


def test_create_strategy_with_a_version_of_another_node(session: Session) -> None:
    node, other = make_node(session), make_node(session)
    foreign = get_node_version(session=session, node_id=other.id, version="1.0.0")

    with pytest.raises(VersionNotFoundError) as caught:
        make_strategy(session, nodes=[node, step(node, node_version_id=foreign.id)])
    assert caught.value.field == "nodes.1.node_version_id"

    with pytest.raises(VersionNotFoundError) as caught:
        make_strategy(session, nodes=[step(node, node_version_id=uuid.uuid4())])
    assert caught.value.field == "nodes.0.node_version_id"


def test_builtin_config_is_validated(session: Session) -> None:
    truncate = make_builtin_node(session, "truncate")
    uppercase = make_builtin_node(session, "uppercase")

    strategy = make_strategy(
        session, nodes=[step(uppercase), step(truncate, config={"max_chars": 10})]
    )
    assert strategy.nodes[1].config == {"max_chars": 10}

    with pytest.raises(InvalidConfigError) as caught:
        make_strategy(session, nodes=[step(uppercase), step(truncate, config={"max_chars": 0})])
    assert caught.value.field == "nodes.1.config.max_chars"
    assert caught.value.detail.startswith("Step 2: ")

    with pytest.raises(InvalidConfigError) as caught:
        make_strategy(session, nodes=[step(uppercase, config={"shout": True})])
    assert caught.value.field == "nodes.0.config.shout"


def test_config_of_user_nodes_is_not_checked(session: Session) -> None:
    # Only builtins declare a config schema; a user node that merely claims a builtin's
    # name in its metadata is not one.
    node = make_node(session, metadata={"builtin": "truncate"})

    strategy = make_strategy(session, nodes=[step(node, config={"anything": [1, 2]})])

    assert strategy.nodes[0].config == {"anything": [1, 2]}


def test_create_strategy_by_an_unknown_user(session: Session) -> None:
    with pytest.raises(NotFoundError):
        make_strategy(session, created_by_id=uuid.uuid4())


def test_empty_name_is_refused_by_the_database(session: Session) -> None:
    session.add(ChainStrategy(name=""))

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert caught.value.field == "name"


def test_get_strategy_unknown(session: Session) -> None:
    with pytest.raises(StrategyNotFoundError):
        get_strategy(session=session, strategy_id=uuid.uuid4())


# list


def test_list_strategies_filters(session: Session) -> None:
    node = make_node(session)
    make_strategy(session, nodes=[node], name="100% pure", tags=["text"])
    make_strategy(session, nodes=[node], name="1000 pure", tags=["text", "demo"])
    make_strategy(session, nodes=[node], name="under_score", tags=["demo"])
    retired = make_strategy(session, nodes=[node], name="underxscore")
    _save(session, retired, is_active=False)

    def names(**filters: Any) -> list[str]:
        return [s.name for s in list_strategies(session=session, **filters)[0]]

    assert names() == ["100% pure", "1000 pure", "under_score"]
    assert names(search="0%") == ["100% pure"]
    assert names(search="R_S") == ["under_score"]
    assert names(search="r_s", include_inactive=True) == ["under_score"]
    assert names(search="UNDER", include_inactive=True) == ["under_score", "underxscore"]
    assert names(tag="demo") == ["1000 pure", "under_score"]
    assert names(tag="none") == []


def test_list_strategies_pages_with_the_total_count(session: Session) -> None:
    node = make_node(session)
    for name in ["d", "b", "a", "c"]:
        make_strategy(session, nodes=[node], name=name)

    page, count = list_strategies(session=session, offset=2, limit=1)

    assert (count, [s.name for s in page]) == (4, ["c"])
    assert [s.node_id for s in page[0].nodes] == [node.id]


def test_a_page_of_chains_reads_as_the_chain_does_in_two_statements(session: Session) -> None:
    first, second = make_node(session), make_node(session)
    make_strategy(
        session,
        nodes=[step(second, config={"n": 1}, ui={"x": 1.5, "y": -2.0}), step(first)],
        name="a",
        tags=["t"],
        metadata={"owner": "me"},
    )
    make_strategy(session, nodes=[first], name="b", description="two")
    flush(session)

    with recorded_statements(session) as statements:
        page, count = list_strategies(session=session)

    assert len(statements) == 2  # the page with its total, then the steps of its chains
    assert count == 2
    assert [[s.node_id for s in chain.nodes] for chain in page] == [
        [second.id, first.id],
        [first.id],
    ]
    assert (page[0].nodes[0].config, page[0].nodes[0].ui) == ({"n": 1}, {"x": 1.5, "y": -2.0})
    for chain in page:  # the same shape, field by field, as one chain read through the ORM
        assert chain == StrategyPublic.model_validate(
            get_strategy(session=session, strategy_id=chain.id)
        )


def test_a_page_past_the_end_still_counts(session: Session) -> None:
    for name in ["a", "b"]:
        make_strategy(session, name=name)

    with recorded_statements(session) as statements:
        assert list_strategies(session=session, search="nothing like it") == ([], 0)
    assert len(statements) == 1  # an empty first page needs no count
    assert list_strategies(session=session, offset=5) == ([], 2)


# update


def test_rename_adds_a_version(session: Session) -> None:
    strategy = make_strategy(session, name="old")

    _save(session, strategy, name="new", bump=BumpLevel.MINOR, change_note="renamed")

    assert (strategy.name, strategy.current_version, strategy.version) == ("new", "1.1.0", 2)
    version = get_strategy_version(session=session, strategy_id=strategy.id)
    assert (version.version, version.change_note) == ("1.1.0", "renamed")
    assert version.snapshot["name"] == "new"
    assert _version_numbers(session, strategy) == ["1.0.0", "1.1.0"]


def test_new_steps_add_a_version(session: Session) -> None:
    first, second = make_node(session), make_node(session)
    strategy = make_strategy(session, nodes=[first])

    _save(session, strategy, nodes=[step(second), step(first, config={"a": 1})])

    assert [s.node_id for s in strategy.nodes] == [second.id, first.id]
    assert [s.position for s in strategy.nodes] == [0, 1]
    assert strategy.current_version == "1.0.1"
    current = get_strategy_version(session=session, strategy_id=strategy.id)
    assert _pins(current.nodes) == _pins(strategy.nodes)
    assert [s.config for s in current.nodes] == [{}, {"a": 1}]
    stored = get_strategy(session=session, strategy_id=strategy.id)
    assert [s.node_id for s in stored.nodes] == [second.id, first.id]


@pytest.mark.parametrize(
    ("bump", "expected"),
    [(BumpLevel.PATCH, "1.0.1"), (BumpLevel.MINOR, "1.1.0"), (BumpLevel.MAJOR, "2.0.0")],
)
def test_bump_levels(session: Session, bump: BumpLevel, expected: str) -> None:
    strategy = make_strategy(session)

    _save(session, strategy, description="changed", bump=bump)

    assert strategy.current_version == expected
    assert _version_numbers(session, strategy) == ["1.0.0", expected]


def test_same_content_adds_no_version(session: Session) -> None:
    node = make_node(session)
    strategy = make_strategy(
        session, nodes=[step(node, config={"a": 1}, ui=CanvasPosition(x=3, y=4))], tags=["t"]
    )

    _save(
        session,
        strategy,
        name=strategy.name,
        tags=["t"],
        metadata={},
        nodes=[step(node, config={"a": 1}, ui=CanvasPosition(x=3, y=4))],
    )
    _save(session, strategy, name=None)

    assert (strategy.version, strategy.current_version) == (1, "1.0.0")
    assert _version_numbers(session, strategy) == ["1.0.0"]


def test_active_toggle_adds_no_version(session: Session) -> None:
    strategy = make_strategy(session)

    _save(session, strategy, is_active=False)

    assert (strategy.is_active, strategy.version, strategy.current_version) == (False, 2, "1.0.0")
    assert _version_numbers(session, strategy) == ["1.0.0"]


def test_description_can_be_cleared(session: Session) -> None:
    strategy = make_strategy(session, description="to go")

    _save(session, strategy, description=None)

    assert strategy.description is None
    assert get_strategy_version(session=session, strategy_id=strategy.id).version == "1.0.1"


def test_update_with_a_stale_expected_version(session: Session) -> None:
    strategy = make_strategy(session, name="mine")

    stale = StrategyUpdate(expected_version=strategy.version + 1, name="theirs")
    with pytest.raises(StaleVersionError):
        update_strategy(session=session, strategy=strategy, strategy_in=stale, updated_by_id=None)

    assert strategy.name == "mine"


def test_update_loses_to_a_concurrent_change(session: Session) -> None:
    strategy = make_strategy(session)
    save_behind_the_orms_back(session, strategy)

    with pytest.raises(StaleVersionError):
        _save(session, strategy, name="too late")


def test_update_with_an_invalid_builtin_config(session: Session) -> None:
    truncate = make_builtin_node(session, "truncate")
    strategy = make_strategy(session, nodes=[step(truncate, config={"max_chars": 5})])

    with pytest.raises(InvalidConfigError) as caught:
        _save(session, strategy, nodes=[step(truncate, config={})])

    assert caught.value.field == "nodes.0.config.max_chars"


# versions pin node versions


def test_a_later_node_edit_leaves_pinned_chain_versions_alone(session: Session) -> None:
    node = make_node(session)
    strategy = make_strategy(session, nodes=[node])
    pinned = get_node_version(session=session, node_id=node.id, version="1.0.0")

    _edit_node(session, node)
    session.expire_all()

    version = get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.0")
    assert _pins(version.nodes) == [(0, node.id, pinned.id)]
    strategy = get_strategy(session=session, strategy_id=strategy.id)
    assert _pins(strategy.nodes) == [(0, node.id, pinned.id)]
    assert strategy.current_version == "1.0.0"

    # Saving the same steps again picks the node's new version: a new chain version.
    _save(session, strategy, nodes=[step(node)])
    newest = get_node_version(session=session, node_id=node.id, version="1.0.1")
    current = get_strategy_version(session=session, strategy_id=strategy.id)
    assert (current.version, _pins(current.nodes)) == ("1.0.1", [(0, node.id, newest.id)])
    old = get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.0")
    assert _pins(old.nodes) == [(0, node.id, pinned.id)]


# rollback


def test_rollback_adds_a_version_with_the_old_steps(session: Session) -> None:
    user = make_user(session)
    first, second = make_node(session), make_node(session)
    strategy = make_strategy(session, nodes=[first], name="v1", tags=["one"])
    _save(session, strategy, name="v2", tags=["two"], nodes=[step(second), step(first)])
    history = [
        (v.version, v.snapshot, _pins(v.nodes), v.change_note)
        for v in list_strategy_versions(session=session, strategy_id=strategy.id)
    ]

    rollback_strategy(
        session=session,
        strategy=strategy,
        to_version="1.0.0",
        expected_version=strategy.version,
        updated_by_id=user.id,
    )

    assert (strategy.name, strategy.tags, strategy.current_version) == ("v1", ["one"], "1.1.0")
    assert [s.node_id for s in strategy.nodes] == [first.id]
    after = [
        (v.version, v.snapshot, _pins(v.nodes), v.change_note)
        for v in list_strategy_versions(session=session, strategy_id=strategy.id)
    ]
    assert after[:2] == history
    assert after[2] == ("1.1.0", history[0][1], history[0][2], "Rolled back to 1.0.0")
    latest = get_strategy_version(session=session, strategy_id=strategy.id)
    assert latest.created_by_id == user.id


def test_rollback_with_bump_and_note(session: Session) -> None:
    strategy = make_strategy(session)
    _save(session, strategy, name="changed")

    rollback_strategy(
        session=session,
        strategy=strategy,
        to_version="1.0.0",
        expected_version=strategy.version,
        updated_by_id=None,
        bump=BumpLevel.MAJOR,
        change_note="undo",
    )

    latest = get_strategy_version(session=session, strategy_id=strategy.id)
    assert (latest.version, latest.change_note) == ("2.0.0", "undo")


def test_rollback_refusals(session: Session) -> None:
    strategy = make_strategy(session)

    def rollback(to_version: str, expected_version: int) -> None:
        rollback_strategy(
            session=session,
            strategy=strategy,
            to_version=to_version,
            expected_version=expected_version,
            updated_by_id=None,
        )

    with pytest.raises(StaleVersionError):
        rollback("1.0.0", 2)
    with pytest.raises(VersionNotFoundError):
        rollback("3.0.0", 1)
    with pytest.raises(InvalidVersionError):
        rollback("one", 1)
    assert _version_numbers(session, strategy) == ["1.0.0"]


# versions


def test_get_strategy_version(session: Session) -> None:
    strategy = make_strategy(session)
    _save(session, strategy, name="second")

    first = get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.0")
    current = get_strategy_version(session=session, strategy_id=strategy.id)

    assert (first.version, current.version) == ("1.0.0", "1.0.1")
    with pytest.raises(VersionNotFoundError):
        get_strategy_version(session=session, strategy_id=strategy.id, version="1.0.2")
    with pytest.raises(StrategyNotFoundError):
        get_strategy_version(session=session, strategy_id=uuid.uuid4())


@pytest.mark.parametrize("version", ["1", "1.0.0-", "latest", " 1.0.0"])
def test_get_strategy_version_with_a_bad_semver(session: Session, version: str) -> None:
    strategy = make_strategy(session)

    with pytest.raises(InvalidVersionError):
        get_strategy_version(session=session, strategy_id=strategy.id, version=version)


def test_strategies_using_node(session: Session) -> None:
    node, other = make_node(session), make_node(session)
    make_strategy(session, nodes=[node, other], name="b")
    make_strategy(session, nodes=[other, node], name="a")
    make_strategy(session, nodes=[other], name="c")

    assert [s.name for s in strategies_using_node(session=session, node_id=node.id)] == ["a", "b"]
    assert strategies_using_node(session=session, node_id=uuid.uuid4()) == []


# delete


def test_delete_strategy_never_run(session: Session) -> None:
    strategy = make_strategy(session)
    _save(session, strategy, name="second")

    delete_strategy(session=session, strategy=strategy)

    with pytest.raises(StrategyNotFoundError):
        get_strategy(session=session, strategy_id=strategy.id)
    assert session.scalar(select(func.count()).select_from(StrategyVersion)) == 0
    assert session.scalar(select(func.count()).select_from(StrategyVersionNode)) == 0


def test_delete_strategy_with_executions(session: Session) -> None:
    strategy = make_strategy(session)
    make_execution(session, strategy)

    with pytest.raises(ConflictError, match="still in use"):
        delete_strategy(session=session, strategy=strategy)
