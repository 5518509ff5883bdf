"""Shapes shared by every resource: names, tags, metadata, roles and list pages.

Every text type refuses NUL characters: PostgreSQL cannot store them, so letting one
through would turn a client's mistake into a database error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

T = TypeVar("T")

MAX_OFFSET = 1_000_000_000
"""The largest offset a list accepts: far past any real page, well inside a bigint."""


def _refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


NO_NUL_PATTERN = "^[^\\u0000]*$"


class _NoNul:
    """Refuses NUL characters with a plain message, and says so in the JSON schema."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_refuse_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", NO_NUL_PATTERN)
        return json_schema


NoNul = _NoNul()
"""Add to a text type (``Annotated[str, ..., NoNul]``) to refuse NUL characters."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NoNul]
"""A display name: trimmed, 1-255 characters."""

Tag = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, min_length=1, max_length=64, pattern=r"^[\w.:-]+$"
    ),
]
"""A tag: lower-case word characters, dots, colons and dashes, at most 64."""

Tags = Annotated[list[Tag], Field(max_length=32)]
Metadata = Annotated[dict[str, Any], Field(description="Free-form JSON object.")]
ChangeNote = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), NoNul]


class Role(StrEnum):
    """What a user may do: viewers read, editors build and run, admins also manage users."""

    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


ROLE_RANK: dict[Role, int] = {Role.VIEWER: 0, Role.EDITOR: 1, Role.ADMIN: 2}


def has_role(roles: list[Role] | list[str], needed: Role) -> bool:
    """Whether any of ``roles`` is at least ``needed`` (admin ⊇ editor ⊇ viewer)."""
    ranks = [ROLE_RANK[Role(role)] for role in roles if role in Role.__members__.values()]
    return bool(ranks) and max(ranks) >= ROLE_RANK[needed]


class Schema(BaseModel):
    """Base of every request shape: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class PublicSchema(BaseModel):
    """Base of every response shape: built from ORM objects by attribute."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list: the items and the total number matching the filters."""

    data: list[T]
    count: int
