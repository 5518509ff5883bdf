from __future__ import annotations

import uuid
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from pydantic import ValidationError as PydanticValidationError

from chain_processor_core.models import (
    ExecutionCreate,
    ExecutionFilter,
    NodeCreate,
    NodePublic,
    NodeUpdate,
    StrategyCreate,
    StrategyNodeIn,
    StrategyUpdate,
)
from chain_processor_core.models.executions import MAX_INPUT_CHARS
from chain_processor_core.models.strategies import MAX_CHAIN_NODES
from chain_processor_core.utils.semver import BumpLevel

CODE = "def node(input_text):\n    return input_text\n"


def test_node_create_needs_code_and_a_name() -> None:
    node = NodeCreate(name=" Upper ", code=CODE, tags=["Text"])
    assert (node.name, node.tags, node.change_note) == ("Upper", ["text"], "Created")
    with pytest.raises(PydanticValidationError):
        NodeCreate(name="x", code="")
    with pytest.raises(PydanticValidationError):
        NodeCreate.model_validate({"name": "x", "code": CODE, "is_builtin": True})


def test_node_update_names_the_version_it_read() -> None:
    with pytest.raises(PydanticValidationError, match="expected_version"):
        NodeUpdate.model_validate({"code": CODE})
    update = NodeUpdate(expected_version=3, bump=BumpLevel.MAJOR)
    assert update.model_dump(exclude_unset=True) == {"expected_version": 3, "bump": "major"}


def test_node_public_reads_metadata_from_the_orm_attribute() -> None:
    now = datetime.now(UTC)
    row = SimpleNamespace(
        id=uuid.uuid4(),
        name="upper",
        description=None,
        code=CODE,
        is_builtin=False,
        is_active=True,
        tags=[],
        metadata_json={"owner": "team-a"},
        current_version="1.2.0",
        version=4,
        created_by_id=None,
        created_at=now,
        updated_at=now,
    )
    public = NodePublic.model_validate(row)
    assert public.metadata == {"owner": "team-a"}
    assert public.model_dump()["metadata"] == {"owner": "team-a"}


def test_strategy_steps_are_bounded_and_typed() -> None:
    step = StrategyNodeIn(node_id=uuid.uuid4(), config={"max_chars": 10}, ui={"x": 1, "y": 2})
    StrategyCreate(name="chain", nodes=[step])
    with pytest.raises(PydanticValidationError):
        StrategyCreate(name="chain", nodes=[step] * (MAX_CHAIN_NODES + 1))
    with pytest.raises(PydanticValidationError):
        StrategyNodeIn.model_validate({"node_id": "not-a-uuid"})
    with pytest.raises(PydanticValidationError):
        StrategyNodeIn.model_validate({"node_id": str(uuid.uuid4()), "ui": {"x": "inf", "y": 0}})
    assert StrategyUpdate(expected_version=1).nodes is None


def test_execution_input_must_be_non_empty_and_bounded() -> None:
    strategy_id = uuid.uuid4()
    assert ExecutionCreate(strategy_id=strategy_id, input_text="hi").priority == 0
    with pytest.raises(PydanticValidationError):
        ExecutionCreate(strategy_id=strategy_id, input_text="")
    with pytest.raises(PydanticValidationError):
        ExecutionCreate(strategy_id=strategy_id, input_text="x" * (MAX_INPUT_CHARS + 1))
    with pytest.raises(PydanticValidationError):
        ExecutionCreate(strategy_id=strategy_id, input_text="hi", priority=101)


def test_execution_filter_limits_page_size() -> None:
    assert ExecutionFilter().limit == 50
    with pytest.raises(PydanticValidationError):
        ExecutionFilter(limit=501)
    with pytest.raises(PydanticValidationError):
        ExecutionFilter(offset=-1)
