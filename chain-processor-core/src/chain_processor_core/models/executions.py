"""Execution shapes: one chain run, and the record of each node within it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from chain_processor_core.models.common import (
    MAX_OFFSET,
    Metadata,
    NoNul,
    PublicSchema,
    Schema,
)
from chain_processor_core.models.nodes import MetadataField
from chain_processor_core.models.status import ExecutionStatus, NodeExecutionStatus

MAX_INPUT_CHARS = 1_000_000

InputText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_INPUT_CHARS), NoNul]
IdempotencyKey = Annotated[str, StringConstraints(min_length=1, max_length=255), NoNul]


class ExecutionCreate(Schema):
    strategy_id: uuid.UUID
    input_text: InputText
    version: str | None = Field(
        default=None, description="Semantic version of the chain; the current one when omitted."
    )
    priority: int = Field(default=0, ge=-100, le=100, description="Higher runs first.")
    idempotency_key: IdempotencyKey | None = None
    metadata: Metadata = Field(default_factory=dict)


class ExecutionPublic(PublicSchema):
    id: uuid.UUID
    strategy_id: uuid.UUID
    strategy_version_id: uuid.UUID
    input_text: str
    output_text: str | None
    error: str | None
    error_code: str | None
    status: ExecutionStatus
    priority: int
    attempts: int
    started_at: datetime | None
    completed_at: datetime | None
    execution_time_ms: int | None
    created_by_id: uuid.UUID | None
    parent_execution_id: uuid.UUID | None
    start_position: int
    metadata: dict[str, Any] = MetadataField
    created_at: datetime
    updated_at: datetime


class NodeExecutionPublic(PublicSchema):
    id: uuid.UUID
    execution_id: uuid.UUID
    node_id: uuid.UUID
    node_version_id: uuid.UUID
    position: int
    input_text: str | None
    output_text: str | None
    error: str | None
    error_code: str | None
    status: NodeExecutionStatus
    started_at: datetime | None
    completed_at: datetime | None
    execution_time_ms: int | None
    metadata: dict[str, Any] = MetadataField


class ExecutionFilter(Schema):
    """How to narrow a list of executions; every field is optional."""

    status: ExecutionStatus | None = None
    strategy_id: uuid.UUID | None = None
    created_by_id: uuid.UUID | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)
    limit: int = Field(default=50, ge=1, le=500)
