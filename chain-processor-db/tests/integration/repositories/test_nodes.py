from __future__ import annotations

import hashlib
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import (
    ConflictError,
    InvalidVersionError,
    NodeLoadError,
    NodeNotFoundError,
    NotFoundError,
    StaleVersionError,
    ValidationError,
    VersionNotFoundError,
)
from chain_processor_core.models.nodes import NodeCreate, NodePublic, NodeUpdate
from chain_processor_core.models.strategies import StrategyNodeIn, StrategyUpdate
from chain_processor_core.utils.semver import BumpLevel
from chain_processor_db.errors import flush
from chain_processor_db.models import Node, NodeVersion
from chain_processor_db.repositories.nodes import (
    create_node,
    delete_node,
    get_current_node_version,
    get_node,
    get_node_version,
    list_node_versions,
    list_nodes,
    rollback_node,
    snapshot,
    update_node,
)
from chain_processor_db.repositories.strategies import update_strategy
from tests.conftest import Database, engine_for
from tests.factories import (
    UPPERCASE_CODE,
    make_builtin_node,
    make_execution,
    make_node,
    make_strategy,
    make_user,
    recorded_statements,
    save_behind_the_orms_back,
)

LOWERCASE_CODE = "def node(input_text):\n    return input_text.lower()\n"
REVERSE_CODE = "def node(input_text):\n    return input_text[::-1]\n"


def _versions(session: Session, node: Node) -> list[tuple[str, str, str, dict[str, object]]]:
    return [
        (v.version, v.code, v.change_note, v.snapshot)
        for v in list_node_versions(session=session, node_id=node.id)
    ]


def _save(session: Session, node: Node, **fields: object) -> Node:
    update = NodeUpdate(expected_version=node.version, **fields)
    return update_node(session=session, node=node, node_in=update, updated_by_id=None)


# create / get


def test_create_node_adds_version_1_0_0(session: Session) -> None:
    user = make_user(session)
    node_in = NodeCreate(
        name="Shout",
        description="Upper-cases its input",
        code=UPPERCASE_CODE,
        tags=["Text", "case"],
        metadata={"colour": "red"},
    )

    node = create_node(session=session, node_in=node_in, created_by_id=user.id)

    assert (node.name, node.current_version, node.version) == ("Shout", "1.0.0", 1)
    assert (node.is_builtin, node.is_active, node.created_by_id) == (False, True, user.id)
    assert node.tags == ["text", "case"]
    assert node.metadata_json == {"colour": "red"}
    [version] = list_node_versions(session=session, node_id=node.id)
    assert version.version == "1.0.0"
    assert version.code == UPPERCASE_CODE
    assert version.content_hash == hashlib.sha256(UPPERCASE_CODE.encode()).hexdigest()
    assert version.change_note == "Created"
    assert version.created_by_id == user.id
    assert version.snapshot == {
        "name": "Shout",
        "description": "Upper-cases its input",
        "tags": ["text", "case"],
        "metadata": {"colour": "red"},
    }
    assert version.snapshot == snapshot(node)
    assert get_node(session=session, node_id=node.id) is node


@pytest.mark.parametrize(
    "code",
    [
        "def node(input_text):\n    return (\n",
        "def transform(input_text):\n    return input_text\n",
        "async def node(input_text):\n    return input_text\n",
    ],
    ids=["syntax-error", "no-node-function", "async"],
)
def test_create_node_with_bad_code(session: Session, code: str) -> None:
    with pytest.raises(NodeLoadError):
        make_node(session, name="broken", code=code)

    assert session.scalar(select(func.count()).select_from(Node)) == 0


def test_create_node_by_an_unknown_user(session: Session) -> None:
    with pytest.raises(NotFoundError):
        make_node(session, created_by_id=uuid.uuid4())


@pytest.mark.parametrize("field", ["name", "code"])
def test_empty_name_or_code_is_refused_by_the_database(session: Session, field: str) -> None:
    # NodeCreate refuses these; the CHECK constraints hold for any other writer.
    fields = {"name": "fine", "code": UPPERCASE_CODE, field: ""}
    session.add(Node(**fields))

    with pytest.raises(ValidationError) as caught:
        flush(session)

    assert caught.value.field == field
    assert caught.value.detail == f"{field} must not be empty"


def test_get_node_unknown(session: Session) -> None:
    with pytest.raises(NodeNotFoundError):
        get_node(session=session, node_id=uuid.uuid4())


# list


def test_list_nodes_search_takes_wildcards_literally(session: Session) -> None:
    for name in ["50% off", "500 off", "snake_case", "snakeXcase", "Back\\slash", "Other"]:
        make_node(session, name=name)

    def names(search: str) -> list[str]:
        return [node.name for node in list_nodes(session=session, search=search)[0]]

    assert names("50%") == ["50% off"]
    assert names("e_c") == ["snake_case"]
    assert names("K\\S") == ["Back\\slash"]
    assert names("OFF") == ["50% off", "500 off"]
    assert names("nothing like it") == []


def test_list_nodes_by_tag(session: Session) -> None:
    make_node(session, name="a", tags=["text", "case"])
    make_node(session, name="b", tags=["case"])
    make_node(session, name="c", tags=["textual"])

    def names(tag: str) -> list[str]:
        return [node.name for node in list_nodes(session=session, tag=tag)[0]]

    assert names("case") == ["a", "b"]
    assert names("text") == ["a"]
    assert names("missing") == []


def test_list_nodes_builtin_and_inactive(session: Session) -> None:
    make_node(session, name="mine")
    make_builtin_node(session, "uppercase")
    hidden = make_node(session, name="retired")
    _save(session, hidden, is_active=False)

    def names(**filters: object) -> list[str]:
        return [node.name for node in list_nodes(session=session, **filters)[0]]  # type: ignore[arg-type]

    assert names() == ["mine", "uppercase"]
    assert names(include_inactive=True) == ["mine", "retired", "uppercase"]
    assert names(is_builtin=True) == ["uppercase"]
    assert names(is_builtin=False, include_inactive=True) == ["mine", "retired"]


def test_list_nodes_pages_with_the_total_count(session: Session) -> None:
    for name in ["e", "c", "a", "d", "b"]:
        make_node(session, name=name, tags=["paged"])

    page, count = list_nodes(session=session, offset=1, limit=2)
    tagged, tagged_count = list_nodes(session=session, tag="paged", offset=4, limit=2)

    assert count == 5
    assert [node.name for node in page] == ["b", "c"]
    assert (tagged_count, [node.name for node in tagged]) == (5, ["e"])


def test_a_page_of_nodes_reads_as_the_node_does_in_one_statement(session: Session) -> None:
    make_node(session, name="a", description="first", tags=["x"], metadata={"k": [1, 2]})
    make_builtin_node(session, "uppercase")
    flush(session)

    with recorded_statements(session) as statements:
        page, count = list_nodes(session=session)

    assert len(statements) == 1  # the page carries its total
    assert (count, [node.name for node in page]) == (2, ["a", "uppercase"])
    for node in page:  # the same shape, field by field, as one node read through the ORM
        assert node == NodePublic.model_validate(get_node(session=session, node_id=node.id))
    assert list_nodes(session=session, offset=2) == ([], 2)


# update: versions on content change only


@pytest.mark.parametrize(
    ("bump", "expected"),
    [(BumpLevel.PATCH, "1.0.1"), (BumpLevel.MINOR, "1.1.0"), (BumpLevel.MAJOR, "2.0.0")],
)
def test_content_change_adds_a_version_at_the_bump_level(
    session: Session, bump: BumpLevel, expected: str
) -> None:
    node = make_node(session, name="before", code=UPPERCASE_CODE)

    _save(session, node, code=LOWERCASE_CODE, bump=bump, change_note="lower instead")

    assert (node.current_version, node.version, node.code) == (expected, 2, LOWERCASE_CODE)
    latest = get_current_node_version(session=session, node=node)
    assert (latest.version, latest.code, latest.change_note) == (
        expected,
        LOWERCASE_CODE,
        "lower instead",
    )
    assert [v[0] for v in _versions(session, node)] == ["1.0.0", expected]


def test_versions_follow_each_other(session: Session) -> None:
    node = make_node(session)

    _save(session, node, name="renamed")
    _save(session, node, description="now described", bump=BumpLevel.MINOR)
    _save(session, node, tags=["new"], bump=BumpLevel.MAJOR)
    _save(session, node, metadata={"k": 1})
    _save(session, node, description=None)

    assert [v[0] for v in _versions(session, node)] == [
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
        "2.0.1",
        "2.0.2",
    ]
    assert node.description is None
    assert _versions(session, node)[-1][3] == {
        "name": "renamed",
        "description": None,
        "tags": ["new"],
        "metadata": {"k": 1},
    }


def test_active_toggle_adds_no_version(session: Session) -> None:
    node = make_node(session)

    _save(session, node, is_active=False)
    _save(session, node, is_active=True)

    assert node.version == 3  # the lock still moves
    assert node.current_version == "1.0.0"
    assert len(_versions(session, node)) == 1


def test_save_without_changes_adds_no_version(session: Session) -> None:
    node = make_node(session, name="same", code=UPPERCASE_CODE, tags=["t"])

    _save(session, node, name="same", code=UPPERCASE_CODE, tags=["t"], metadata={})
    _save(session, node, name=None, code=None)

    assert (node.version, node.current_version) == (1, "1.0.0")
    assert len(_versions(session, node)) == 1


def test_update_with_bad_code(session: Session) -> None:
    node = make_node(session)

    with pytest.raises(NodeLoadError):
        _save(session, node, code="def node(:\n")

    assert node.code == UPPERCASE_CODE


def test_update_with_a_stale_expected_version(session: Session) -> None:
    node = make_node(session)
    _save(session, node, name="first save")

    stale = NodeUpdate(expected_version=1, name="second save")
    with pytest.raises(StaleVersionError):
        update_node(session=session, node=node, node_in=stale, updated_by_id=None)

    assert node.name == "first save"


def test_update_loses_to_a_concurrent_change(session: Session) -> None:
    # Another transaction saved the node after we read it: the version_id_col catches it.
    node = make_node(session)
    save_behind_the_orms_back(session, node)

    with pytest.raises(StaleVersionError):
        _save(session, node, code=LOWERCASE_CODE)


def test_builtin_nodes_are_not_editable(session: Session) -> None:
    node = make_builtin_node(session, "uppercase")

    with pytest.raises(ConflictError, match="Builtin"):
        _save(session, node, code=LOWERCASE_CODE)
    with pytest.raises(ConflictError, match="Builtin"):
        rollback_node(
            session=session, node=node, to_version="1.0.0", expected_version=1, updated_by_id=None
        )


def test_builtin_nodes_are_editable_when_allowed(session: Session) -> None:
    node = make_builtin_node(session, "uppercase")
    update = NodeUpdate(expected_version=1, code=LOWERCASE_CODE, bump=BumpLevel.MINOR)

    update_node(session=session, node=node, node_in=update, updated_by_id=None, allow_builtin=True)

    assert (node.code, node.current_version) == (LOWERCASE_CODE, "1.1.0")


# rollback


def test_rollback_adds_a_version_with_the_old_content(session: Session) -> None:
    user = make_user(session)
    node = make_node(session, name="v1", code=UPPERCASE_CODE, tags=["one"], metadata={"n": 1})
    _save(session, node, name="v2", code=LOWERCASE_CODE, tags=["two"], metadata={"n": 2})
    _save(session, node, description="v3", code=REVERSE_CODE)
    history = _versions(session, node)

    rollback_node(
        session=session,
        node=node,
        to_version="1.0.0",
        expected_version=node.version,
        updated_by_id=user.id,
    )

    assert (node.name, node.code, node.tags, node.metadata_json) == (
        "v1",
        UPPERCASE_CODE,
        ["one"],
        {"n": 1},
    )
    assert node.description is None
    assert node.current_version == "1.1.0"
    after = _versions(session, node)
    assert after[:3] == history
    assert after[3][:3] == ("1.1.0", UPPERCASE_CODE, "Rolled back to 1.0.0")
    assert after[3][3] == history[0][3]
    assert get_current_node_version(session=session, node=node).created_by_id == user.id


def test_rollback_with_bump_and_note(session: Session) -> None:
    node = make_node(session)
    _save(session, node, code=LOWERCASE_CODE)

    rollback_node(
        session=session,
        node=node,
        to_version="1.0.0",
        expected_version=node.version,
        updated_by_id=None,
        bump=BumpLevel.MAJOR,
        change_note="Back to shouting",
    )

    latest = get_current_node_version(session=session, node=node)
    assert (latest.version, latest.code, latest.change_note) == (
        "2.0.0",
        UPPERCASE_CODE,
        "Back to shouting",
    )


def test_rollback_refusals(session: Session) -> None:
    node = make_node(session)

    with pytest.raises(StaleVersionError):
        rollback_node(
            session=session, node=node, to_version="1.0.0", expected_version=7, updated_by_id=None
        )
    with pytest.raises(VersionNotFoundError):
        rollback_node(
            session=session, node=node, to_version="9.9.9", expected_version=1, updated_by_id=None
        )
    with pytest.raises(InvalidVersionError):
        rollback_node(
            session=session, node=node, to_version="latest", expected_version=1, updated_by_id=None
        )
    assert len(_versions(session, node)) == 1


# versions


def test_get_node_version(session: Session) -> None:
    node = make_node(session)
    _save(session, node, code=LOWERCASE_CODE)

    first = get_node_version(session=session, node_id=node.id, version="1.0.0")
    second = get_node_version(session=session, node_id=node.id, version="1.0.1")

    assert (first.code, second.code) == (UPPERCASE_CODE, LOWERCASE_CODE)
    assert get_current_node_version(session=session, node=node) is second
    with pytest.raises(VersionNotFoundError):
        get_node_version(session=session, node_id=node.id, version="1.0.2")
    with pytest.raises(VersionNotFoundError):
        get_node_version(session=session, node_id=uuid.uuid4(), version="1.0.0")


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0.0", "01.0.0", ""])
def test_get_node_version_with_a_bad_semver(session: Session, version: str) -> None:
    node = make_node(session)

    with pytest.raises(InvalidVersionError):
        get_node_version(session=session, node_id=node.id, version=version)


# delete


def test_delete_unused_node_and_its_versions(session: Session) -> None:
    node = make_node(session)
    _save(session, node, code=LOWERCASE_CODE)

    delete_node(session=session, node=node)

    with pytest.raises(NodeNotFoundError):
        get_node(session=session, node_id=node.id)
    assert session.scalar(select(func.count()).select_from(NodeVersion)) == 0


def test_delete_node_after_reading_its_versions(session: Session) -> None:
    node = make_node(session)
    assert [v.version for v in node.versions] == ["1.0.0"]

    delete_node(session=session, node=node)

    assert session.scalar(select(func.count()).select_from(NodeVersion)) == 0


def test_delete_node_used_by_a_chain(session: Session) -> None:
    node = make_node(session)
    make_strategy(session, nodes=[node])

    with pytest.raises(ConflictError, match="still in use"):
        delete_node(session=session, node=node)


def test_delete_node_used_by_an_old_chain_version_or_an_execution(session: Session) -> None:
    node, other = make_node(session), make_node(session)
    strategy = make_strategy(session, nodes=[node])
    make_execution(session, strategy)
    update_strategy(
        session=session,
        strategy=strategy,
        strategy_in=StrategyUpdate(
            expected_version=strategy.version, nodes=[StrategyNodeIn(node_id=other.id)]
        ),
        updated_by_id=None,
    )

    with pytest.raises(ConflictError):
        delete_node(session=session, node=node)


# two editors, two connections


def test_the_second_of_two_racing_editors_loses(migrated_database: Database) -> None:
    engine = engine_for(migrated_database)
    try:
        with Session(engine) as setup, setup.begin():
            node_id = make_node(setup, code=UPPERCASE_CODE).id
        with (
            Session(engine, expire_on_commit=False) as alice,
            Session(engine, expire_on_commit=False) as bob,
        ):
            with alice.begin():
                alice_node = get_node(session=alice, node_id=node_id)
            with bob.begin():
                bob_node = get_node(session=bob, node_id=node_id)
            with alice.begin():
                _save(alice, alice_node, code=LOWERCASE_CODE)

            with pytest.raises(StaleVersionError), bob.begin():
                _save(bob, bob_node, code=REVERSE_CODE)

        with Session(engine) as check:
            node = get_node(session=check, node_id=node_id)
            assert (node.code, node.version, node.current_version) == (LOWERCASE_CODE, 2, "1.0.1")
            assert len(list_node_versions(session=check, node_id=node_id)) == 2
    finally:
        engine.dispose()
