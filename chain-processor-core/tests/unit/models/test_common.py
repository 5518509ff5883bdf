from __future__ import annotations

import pytest
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from chain_processor_core.models import Page, Role, has_role
from chain_processor_core.models.common import Name, Tags


@pytest.mark.parametrize(
    ("roles", "needed", "expected"),
    [
        (["admin"], Role.EDITOR, True),
        (["admin"], Role.ADMIN, True),
        (["editor"], Role.VIEWER, True),
        (["editor"], Role.ADMIN, False),
        (["viewer"], Role.EDITOR, False),
        ([], Role.VIEWER, False),
        (["stranger"], Role.VIEWER, False),
        (["viewer", "editor"], Role.EDITOR, True),
    ],
)
def test_roles_nest(roles: list[str], needed: Role, expected: bool) -> None:
    assert has_role(roles, needed) is expected


def test_names_are_trimmed_and_never_empty() -> None:
    adapter = TypeAdapter(Name)
    assert adapter.validate_python("  Summariser  ") == "Summariser"
    with pytest.raises(PydanticValidationError):
        adapter.validate_python("   ")
    with pytest.raises(PydanticValidationError):
        adapter.validate_python("x" * 256)


def test_tags_are_lower_case_words() -> None:
    adapter = TypeAdapter(Tags)
    assert adapter.validate_python(["NLP", " text:clean "]) == ["nlp", "text:clean"]
    with pytest.raises(PydanticValidationError):
        adapter.validate_python(["two words"])
    with pytest.raises(PydanticValidationError):
        adapter.validate_python(["t"] * 33)


def test_page_carries_items_and_total() -> None:
    page = Page[int](data=[1, 2], count=10)
    assert page.model_dump() == {"data": [1, 2], "count": 10}
