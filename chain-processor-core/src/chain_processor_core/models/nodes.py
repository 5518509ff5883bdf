"""Node shapes. Every save of a node creates an immutable :class:`NodeVersionPublic`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, Field, StringConstraints

from chain_processor_core.models.common import (
    ChangeNote,
    Metadata,
    Name,
    NoNul,
    PublicSchema,
    Schema,
    Tags,
)
from chain_processor_core.utils.semver import BumpLevel

MAX_CODE_CHARS = 256 * 1024

Code = Annotated[str, StringConstraints(min_length=1, max_length=MAX_CODE_CHARS), NoNul]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000), NoNul]
MetadataField: Any = Field(
    default_factory=dict, validation_alias=AliasChoices("metadata_json", "metadata")
)


class NodeCreate(Schema):
    name: Name
    description: Description | None = None
    code: Code
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)
    change_note: ChangeNote = "Created"


class NodeUpdate(Schema):
    """A save: the fields that change, the bump level and the lock the caller read."""

    expected_version: int = Field(ge=1, description="The `version` the caller last read.")
    bump: BumpLevel = BumpLevel.PATCH
    change_note: ChangeNote = ""
    name: Name | None = None
    description: Description | None = None
    code: Code | None = None
    tags: Tags | None = None
    metadata: Metadata | None = None
    is_active: bool | None = Field(default=None, strict=True)


class NodePublic(PublicSchema):
    id: uuid.UUID
    name: str
    description: str | None
    code: str
    is_builtin: bool
    is_active: bool
    tags: list[str]
    metadata: dict[str, Any] = MetadataField
    current_version: str
    version: int
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class NodeVersionPublic(PublicSchema):
    id: uuid.UUID
    node_id: uuid.UUID
    version: str
    code: str
    content_hash: str
    snapshot: dict[str, Any]
    change_note: str
    created_by_id: uuid.UUID | None
    created_at: datetime
