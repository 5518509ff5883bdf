"""Shapes shared by the version endpoints of nodes and chains: rollback, diff, deletion."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from chain_processor_core.models.common import ChangeNote, Schema
from chain_processor_core.utils.semver import BumpLevel

VersionString = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)
]


class RollbackRequest(Schema):
    to_version: VersionString = Field(description="The version whose content to restore.")
    expected_version: int = Field(ge=1, description="The `version` the caller last read.")
    bump: BumpLevel = BumpLevel.MINOR
    change_note: ChangeNote | None = None


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


class VersionDiff(BaseModel):
    """What changed from one version to another: a unified diff of the code (nodes) and the
    other fields (steps of a chain as ``nodes.<position>``)."""

    id: uuid.UUID
    from_version: str
    to_version: str
    code_diff: str | None = None
    changes: list[FieldChange]


class Deletion(BaseModel):
    """What a delete did: a resource still in use is deactivated instead of deleted."""

    id: uuid.UUID
    outcome: Literal["deleted", "deactivated"]
    detail: str
