"""``seed``: the builtin nodes and the first admin, safe to run again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import ValidationError
from chain_processor_core.lib_chains.builtins import BUILTIN_NODES, builtin_source
from chain_processor_core.passwords import verify_password
from chain_processor_db.base import Base
from chain_processor_db.models import Node, NodeVersion, User
from chain_processor_db.repositories.nodes import list_node_versions
from chain_processor_db.repositories.users import get_user_by_email
from chain_processor_db.seed import SeedReport, seed, seed_admin, seed_builtin_nodes
from tests.factories import make_user


def _builtins(session: Session) -> dict[str, Node]:
    return {node.name: node for node in session.scalars(select(Node).where(Node.is_builtin))}


def _count(session: Session, model: type[Node | NodeVersion | User]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_seed_creates_every_builtin_node_and_the_admin(session: Session) -> None:
    report = seed(session=session, admin_email="Root@Example.com", admin_password="s3cret-enough")

    assert report.nodes_created == list(BUILTIN_NODES)
    assert report.nodes_updated == []
    nodes = _builtins(session)
    assert set(nodes) == set(BUILTIN_NODES)
    for name, node in nodes.items():
        builtin = BUILTIN_NODES[name]
        assert node.code == builtin_source(name)
        assert (node.description, node.tags) == (builtin.description, list(builtin.tags))
        assert node.metadata_json == {
            "builtin": name,
            "title": builtin.title,
            "config_schema": builtin.config_schema(),
        }
        assert (node.current_version, node.is_active, node.created_by_id) == ("1.0.0", True, None)
    assert (report.admin_email, report.admin_created, report.generated_password) == (
        "root@example.com",
        True,
        None,
    )
    admin = get_user_by_email(session=session, email="root@example.com")
    assert admin is not None
    assert (admin.is_superuser, admin.roles, admin.full_name) == (True, ["admin"], "Administrator")
    assert verify_password("s3cret-enough", admin.password_hash)


def test_seed_again_changes_nothing(session: Session) -> None:
    seed(session=session, admin_email="root@example.com", admin_password="s3cret-enough")
    counts = [_count(session, model) for model in (Node, NodeVersion, User)]
    locks = {name: node.version for name, node in _builtins(session).items()}
    session.expire_all()

    again = seed(session=session, admin_email="ROOT@example.com", admin_password="other-password")

    assert (again.nodes_created, again.nodes_updated) == ([], [])
    assert (again.admin_created, again.generated_password) == (False, None)
    assert [_count(session, model) for model in (Node, NodeVersion, User)] == counts
    assert {name: node.version for name, node in _builtins(session).items()} == locks
    admin = get_user_by_email(session=session, email="root@example.com")
    assert admin is not None and verify_password("s3cret-enough", admin.password_hash)


def test_seed_generates_an_admin_password_when_none_is_given(session: Session) -> None:
    report = SeedReport()

    admin = seed_admin(session=session, email="root@example.com", password=None, report=report)

    assert report.generated_password is not None
    assert len(report.generated_password) >= 20
    assert verify_password(report.generated_password, admin.password_hash)


def test_seed_keeps_an_existing_admin(session: Session) -> None:
    existing = make_user(session, email="root@example.com")
    report = SeedReport()

    admin = seed_admin(session=session, email="Root@example.com", password=None, report=report)

    assert admin is existing
    assert (report.admin_created, report.generated_password) == (False, None)


def test_a_changed_builtin_gets_a_new_minor_version(session: Session) -> None:
    seed_builtin_nodes(session=session, report=SeedReport())
    uppercase = _builtins(session)["uppercase"]
    table = Base.metadata.tables["nodes"]
    session.execute(
        update(table)
        .where(table.c.id == uppercase.id)
        .values(code="def node(input_text):\n    return input_text\n", description="edited")
    )
    session.expire_all()

    report = SeedReport()
    seed_builtin_nodes(session=session, report=report)

    assert (report.nodes_created, report.nodes_updated) == ([], ["uppercase"])
    node = _builtins(session)["uppercase"]
    assert node.code == builtin_source("uppercase")
    assert node.description == BUILTIN_NODES["uppercase"].description
    assert node.current_version == "1.1.0"
    versions = list_node_versions(session=session, node_id=node.id)
    assert [(v.version, v.change_note) for v in versions] == [
        ("1.0.0", "Builtin node"),
        ("1.1.0", "Builtin node updated"),
    ]
    assert versions[0].code == versions[1].code == builtin_source("uppercase")


@pytest.mark.parametrize(
    ("email", "password", "setting"),
    [
        ("not-an-email", "long-enough-password", "admin_email"),
        ("root@example.com", "short", "admin_password"),
    ],
)
def test_seed_refuses_an_invalid_admin_without_echoing_it(
    session: Session, email: str, password: str, setting: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        seed_admin(session=session, email=email, password=password, report=SeedReport())

    assert caught.value.field == setting
    assert caught.value.detail == f"{setting.upper()} is not valid"
    assert _count(session, User) == 0
