"""Test-run shapes: run one node on sample input, saved or not, through the sandbox."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from chain_processor_api.schemas.ab import VersionText
from chain_processor_core.models.common import Schema
from chain_processor_core.models.executions import InputText
from chain_processor_core.models.nodes import Code

ConfigField: Any = Field(
    default_factory=dict,
    description="The node's config; `_timeout_s` sets the time limit (capped by the server).",
)


class NodeTestRunRequest(Schema):
    input_text: InputText
    config: dict[str, Any] = ConfigField
    version: VersionText | None = Field(
        default=None, description="The node version to run; its current code when omitted."
    )


class CodeTestRunRequest(Schema):
    code: Code
    input_text: InputText
    config: dict[str, Any] = ConfigField


class NodeTestRunResult(BaseModel):
    ok: bool
    output: str | None = Field(description="What the node returned, when it succeeded.")
    error: str | None = Field(description="Why it failed, sanitized.")
    reason: str | None = Field(
        description="Reason code of a failure: timeout, memory, output_limit, crashed, "
        "node_error, invalid_output, load_error."
    )
    time_ms: float = Field(description="Time spent running the node in the sandbox.")
