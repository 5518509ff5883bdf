"""Flags and canvas positions take only their own JSON type: ``0`` is not ``false`` and
``false`` is not a coordinate (the OpenAPI says boolean and number; the API must agree)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from chain_processor_core.models.nodes import NodeUpdate
from chain_processor_core.models.strategies import CanvasPosition, StrategyUpdate
from chain_processor_core.models.users import UserCreate, UserUpdate

USER = '{"email": "a@example.com", "password": "correct horse battery", "is_active": %s}'


@pytest.mark.parametrize(
    ("model", "document"),
    [
        (UserCreate, USER % "0"),
        (UserCreate, USER % '"true"'),
        (UserUpdate, '{"is_active": 1}'),
        (NodeUpdate, '{"is_active": "yes"}'),
        (StrategyUpdate, '{"is_active": 0}'),
        (CanvasPosition, '{"x": 0, "y": false}'),
        (CanvasPosition, '{"x": "1", "y": 2}'),
    ],
)
def test_a_value_of_another_json_type_is_refused(model: type[BaseModel], document: str) -> None:
    with pytest.raises(ValidationError):
        model.model_validate_json(document)


def test_the_right_types_are_taken() -> None:
    assert UserCreate.model_validate_json(USER % "false").is_active is False
    assert CanvasPosition.model_validate_json('{"x": 3, "y": -1.5}') == CanvasPosition(x=3, y=-1.5)
