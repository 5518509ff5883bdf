"""Seed data: the builtin nodes and the first admin user. Safe to run again."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import pydantic
from sqlalchemy import select
from sqlalchemy.orm import Session

from chain_processor_core.exceptions.errors import ValidationError
from chain_processor_core.lib_chains.builtins import BUILTIN_NODES, builtin_source
from chain_processor_core.models.common import Role
from chain_processor_core.models.nodes import NodeCreate, NodeUpdate
from chain_processor_core.models.users import UserCreate
from chain_processor_core.utils.semver import BumpLevel
from chain_processor_db.models import Node, User
from chain_processor_db.repositories.nodes import create_node, update_node
from chain_processor_db.repositories.users import create_user, get_user_by_email


@dataclass
class SeedReport:
    nodes_created: list[str] = field(default_factory=list)
    nodes_updated: list[str] = field(default_factory=list)
    admin_email: str = ""
    admin_created: bool = False
    generated_password: str | None = None


def seed_builtin_nodes(*, session: Session, report: SeedReport) -> None:
    """Create each builtin node, or give it a new minor version when its definition changed."""
    existing = {node.name: node for node in session.scalars(select(Node).where(Node.is_builtin))}
    for name, builtin in BUILTIN_NODES.items():
        code = builtin_source(name)
        metadata: dict[str, Any] = {
            "builtin": name,
            "title": builtin.title,
            "config_schema": builtin.config_schema(),
        }
        node = existing.get(name)
        if node is None:
            node_in = NodeCreate(
                name=name,
                description=builtin.description,
                code=code,
                tags=list(builtin.tags),
                metadata=metadata,
                change_note="Builtin node",
            )
            create_node(session=session, node_in=node_in, created_by_id=None, is_builtin=True)
            report.nodes_created.append(name)
        elif (node.code, node.description, node.metadata_json) != (
            code,
            builtin.description,
            metadata,
        ):
            update = NodeUpdate(
                expected_version=node.version,
                bump=BumpLevel.MINOR,
                change_note="Builtin node updated",
                code=code,
                description=builtin.description,
                metadata=metadata,
                tags=list(builtin.tags),
                is_active=True,
            )
            update_node(
                session=session, node=node, node_in=update, updated_by_id=None, allow_builtin=True
            )
            report.nodes_updated.append(name)


def seed_admin(*, session: Session, email: str, password: str | None, report: SeedReport) -> User:
    """The admin user with ``email``; created with ``password`` (or a generated one) if new."""
    report.admin_email = email.lower()
    user = get_user_by_email(session=session, email=email)
    if user is not None:
        return user
    if password is None:
        password = secrets.token_urlsafe(18)
        report.generated_password = password
    try:
        user_in = UserCreate(
            email=email, password=password, full_name="Administrator", roles=[Role.ADMIN]
        )
    except pydantic.ValidationError as exc:
        # Name the setting at fault, never its value: it may be the password.
        setting = f"admin_{exc.errors()[0]['loc'][0]}"
        raise ValidationError(f"{setting.upper()} is not valid", field=setting) from None
    report.admin_created = True
    return create_user(session=session, user_in=user_in, is_superuser=True)


def seed(*, session: Session, admin_email: str, admin_password: str | None) -> SeedReport:
    report = SeedReport()
    seed_builtin_nodes(session=session, report=report)
    seed_admin(session=session, email=admin_email, password=admin_password, report=report)
    return report
