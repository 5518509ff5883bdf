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


def test_text_types_document_that_nul_is_refused() -> None:
    from pydantic import TypeAdapter

    from chain_processor_core.models.common import NO_NUL_PATTERN, Name

    schema = TypeAdapter(Name).json_schema()
    assert schema["pattern"] == NO_NUL_PATTERN
    with pytest.raises(ValidationError, match="must not contain NUL characters"):
        TypeAdapter(Name).validate_python("a\x00b")


@pytest.mark.parametrize("text", ["1.2.3", "0.0.1-rc.1+build.5", "0", "1.2", "01.2.3", "1.2.3-"])
def test_the_semver_pattern_agrees_with_the_parser(text: str) -> None:
    import re

    from chain_processor_core.exceptions.errors import InvalidVersionError
    from chain_processor_core.utils.semver import SEMVER_PATTERN, parse_version

    try:
        parse_version(text)
        parsed = True
    except InvalidVersionError:
        parsed = False
    assert bool(re.fullmatch(SEMVER_PATTERN, text)) is parsed
