"""Chain shapes only the API has: validation reports and the export/import document."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from chain_processor_core.models.common import Metadata, Name, Schema, Tags
from chain_processor_core.models.nodes import Code, Description
from chain_processor_core.models.strategies import MAX_CHAIN_NODES, CanvasPosition, StrategyNodes

EXPORT_FORMAT: Literal["chain-processor.chain"] = "chain-processor.chain"
EXPORT_FORMAT_VERSION: Literal[1] = 1

Ref = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\w.-]+$")]


class ChainValidationRequest(Schema):
    nodes: StrategyNodes


class ValidationIssue(BaseModel):
    field: str
    code: str
    detail: str


class ValidationReport(BaseModel):
    valid: bool
    errors: list[ValidationIssue]


class ExportedNode(Schema):
    """A user node as the chain uses it: the code of the version its step pins."""

    name: Name
    description: Description | None = None
    code: Code
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)
    version: str | None = Field(default=None, max_length=64, description="Informational.")


class ExportedStep(Schema):
    """One step: a user node of ``nodes`` by its ``ref``, or a builtin node by name."""

    ref: Ref | None = None
    builtin: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    config: dict[str, Any] = Field(default_factory=dict)
    ui: CanvasPosition | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> ExportedStep:
        if (self.ref is None) == (self.builtin is None):
            raise ValueError("a step names exactly one of `ref` and `builtin`")
        return self


class ExportedChain(Schema):
    name: Name
    description: Description | None = None
    tags: Tags = Field(default_factory=list)
    metadata: Metadata = Field(default_factory=dict)


class ChainDocument(Schema):
    """A chain with the code of its user nodes, portable between installations."""

    format: Literal["chain-processor.chain"] = EXPORT_FORMAT
    format_version: Literal[1] = EXPORT_FORMAT_VERSION
    chain: ExportedChain
    steps: Annotated[list[ExportedStep], Field(min_length=1, max_length=MAX_CHAIN_NODES)]
    nodes: Annotated[dict[Ref, ExportedNode], Field(max_length=MAX_CHAIN_NODES)] = Field(
        default_factory=dict
    )

    @model_validator(mode="after")
    def _refs_exist(self) -> ChainDocument:
        for index, step in enumerate(self.steps):
            if step.ref is not None and step.ref not in self.nodes:
                raise ValueError(f"steps.{index}.ref: no node {step.ref!r} in `nodes`")
        return self
