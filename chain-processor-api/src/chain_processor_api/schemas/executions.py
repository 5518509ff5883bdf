"""Execution shapes only the API has."""

from __future__ import annotations

from pydantic import Field

from chain_processor_core.models import ExecutionPublic
from chain_processor_core.models.common import Schema


class ExecutionRerun(Schema):
    """Run an execution again from one of its steps, on the same chain version."""

    from_position: int = Field(
        default=0,
        ge=0,
        description="The step to start at (0 = the first); it receives the input that step "
        "received in the original run.",
    )
    priority: int | None = Field(default=None, ge=-100, le=100)


class ExecutionView(ExecutionPublic):
    """An execution as the API returns it: with its chain version and submitter's email."""

    strategy_version: str = Field(description="Semantic version of the chain that ran.")
    created_by_email: str | None = Field(description="Email of the user who submitted it.")
