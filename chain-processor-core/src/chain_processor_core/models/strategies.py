"""Chain (strategy) shapes: a chain is an ordered list of node steps, each with its config.

Every save creates an immutable :class:`StrategyVersionPublic` that pins the node versions
its steps use, so an execution of that version always runs the same code.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from chain_processor_core.models.common import (
    ChangeNote,
    Metadata,
    Name,
    PublicSchema,
    Schema,
    Tags,
)
from chain_processor_core.models.nodes import Description, MetadataField
from chain_processor_core.utils.semver import BumpLevel

MAX_CHAIN_NODES = 100


class CanvasPosition(Schema):
    """Where the designer draws a step."""

    x: float = Field(allow_inf_nan=False, strict=True)
    y: float = Field(allow_inf_nan=False, strict=True)


class StrategyNodeIn(Schema):
    """One step of a chain, in the order given."""

    node_id: uuid.UUID
    node_version_id: uuid.UUID | None = Field(
        default=None, description="Pin a node version; the node's latest version when omitted."
    )
    config: dict[str, Any] = Field(default_factory=dict)
    ui: CanvasPosition | None = None


StrategyNodes = Annotated[list[StrategyNodeIn], Field(max_length=MAX_CHAIN_NODES)]


class StrategyCreate(Schema):
    name: Name
    description: Description | None = None
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)
    nodes: StrategyNodes = Field(default_factory=list)
    change_note: ChangeNote = "Created"


class StrategyUpdate(Schema):
    expected_version: int = Field(ge=1, description="The `version` the caller last read.")
    bump: BumpLevel = BumpLevel.PATCH
    change_note: ChangeNote = ""
    name: Name | None = None
    description: Description | None = None
    tags: Tags | None = None
    metadata: Metadata | None = None
    is_active: bool | None = Field(default=None, strict=True)
    nodes: StrategyNodes | None = None


class StrategyNodePublic(PublicSchema):
    node_id: uuid.UUID
    node_version_id: uuid.UUID
    position: int
    config: dict[str, Any]
    ui: dict[str, Any] | None


class StrategyPublic(PublicSchema):
    id: uuid.UUID
    name: str
    description: str | None
    tags: list[str]
    metadata: dict[str, Any] = MetadataField
    is_active: bool
    current_version: str
    version: int
    created_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    nodes: list[StrategyNodePublic]


class StrategyVersionPublic(PublicSchema):
    id: uuid.UUID
    strategy_id: uuid.UUID
    version: str
    snapshot: dict[str, Any]
    change_note: str
    created_by_id: uuid.UUID | None
    created_at: datetime
    nodes: list[StrategyNodePublic]
