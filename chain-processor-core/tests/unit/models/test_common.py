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


@pytest.mark.parametrize(
    "text_type",
    ["Name", "ChangeNote", "Code", "Description", "InputText", "IdempotencyKey", "FullName"],
)
def test_text_types_refuse_nul_characters(text_type: str) -> None:
    from chain_processor_core.models import common, executions, nodes, users

    module = next(m for m in (common, nodes, executions, users) if hasattr(m, text_type))
    adapter = TypeAdapter(getattr(module, text_type))

    with pytest.raises(PydanticValidationError, match="must not contain NUL characters"):
        adapter.validate_python("ab\x00c")
    assert adapter.validate_python("abc") == "abc"


def test_password_refuses_nul_characters() -> None:
    from chain_processor_core.models.users import Password

    with pytest.raises(PydanticValidationError, match="NUL"):
        TypeAdapter(Password).validate_python("password\x00")


def test_execution_filter_offset_is_bounded() -> None:
    from chain_processor_core.models import ExecutionFilter
    from chain_processor_core.models.common import MAX_OFFSET

    assert ExecutionFilter(offset=MAX_OFFSET).offset == MAX_OFFSET
    with pytest.raises(PydanticValidationError):
        ExecutionFilter(offset=MAX_OFFSET + 1)
