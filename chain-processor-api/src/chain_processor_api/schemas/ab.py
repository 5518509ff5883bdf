"""A/B shapes (FR-7): two runs of one input side by side, and weighted traffic splits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from chain_processor_core.models import ExecutionPublic
from chain_processor_core.models.common import NoNul, PublicSchema, Schema
from chain_processor_core.models.executions import InputText
from chain_processor_core.models.status import NodeExecutionStatus
from chain_processor_core.utils.semver import SEMVER_PATTERN

VersionText = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64),
    NoNul,
    Field(json_schema_extra={"pattern": SEMVER_PATTERN}),
]
"""A semantic version (checked by the service, with its own message; the pattern documents it)."""


class AbArm(Schema):
    strategy_id: uuid.UUID
    version: VersionText | None = Field(
        default=None, description="The chain version to run; its current one when omitted."
    )


class AbRunCreate(Schema):
    """One input, two chain versions (of one chain or two): each arm is pinned at submit."""

    input_text: InputText
    a: AbArm
    b: AbArm
    priority: int = Field(default=0, ge=-100, le=100)


class AbRunSummary(PublicSchema):
    id: uuid.UUID
    execution_a_id: uuid.UUID
    execution_b_id: uuid.UUID
    created_by_id: uuid.UUID | None
    created_at: datetime


class NodeTiming(PublicSchema):
    position: int
    node_id: uuid.UUID
    node_version_id: uuid.UUID
    status: NodeExecutionStatus
    execution_time_ms: int | None


class AbArmResult(BaseModel):
    version: str = Field(description="The chain version this arm runs.")
    execution: ExecutionPublic
    nodes: list[NodeTiming]


class AbRunPublic(BaseModel):
    id: uuid.UUID
    input_text: str
    created_by_id: uuid.UUID | None
    created_at: datetime
    a: AbArmResult
    b: AbArmResult
    finished: bool = Field(description="Both executions have reached a final status.")
    output_diff: str | None = Field(
        description="Unified diff of output A → B once both have finished; null before."
    )


class TrafficVariant(Schema):
    version: VersionText
    weight: int = Field(ge=0, le=100, description="Share of submissions, in percent.")


class TrafficSplitUpdate(Schema):
    """Submissions of the chain that name no version are routed by these weights."""

    variants: list[TrafficVariant] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _weights_make_a_whole(self) -> TrafficSplitUpdate:
        versions = [variant.version for variant in self.variants]
        if len(set(versions)) != len(versions):
            raise ValueError("each version may appear only once")
        if sum(variant.weight for variant in self.variants) != 100:
            raise ValueError("the weights must sum to 100")
        return self


class TrafficSplitPublic(PublicSchema):
    strategy_id: uuid.UUID
    variants: list[TrafficVariant]
    updated_by_id: uuid.UUID | None
    updated_at: datetime


class VariantStatsPublic(PublicSchema):
    variant: str = Field(description="The chain version the split chose.")
    count: int
    finished: int
    succeeded: int
    success_rate: float | None = Field(description="Succeeded / finished; null before any end.")
    p50_ms: float | None
    p95_ms: float | None
