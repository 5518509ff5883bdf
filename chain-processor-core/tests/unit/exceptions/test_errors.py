from __future__ import annotations

import inspect

import pytest

from chain_processor_core import exceptions
from chain_processor_core.exceptions import errors


def all_error_classes() -> list[type[errors.ChainProcessorError]]:
    return [
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.ChainProcessorError)
    ]


def test_every_error_descends_from_chain_processor_error() -> None:
    classes = all_error_classes()
    assert len(classes) >= 20
    assert all(issubclass(cls, Exception) for cls in classes)


@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda cls: cls.__name__)
def test_default_message_is_the_first_docstring_line(cls: type[errors.ChainProcessorError]) -> None:
    error = cls()
    assert error.detail == (cls.__doc__ or "").strip().splitlines()[0]
    assert str(error) == error.detail
    assert error.field is None


def test_codes_are_unique_so_clients_can_tell_errors_apart() -> None:
    codes = [cls.code for cls in all_error_classes()]
    assert len(codes) == len(set(codes))


def test_detail_and_field_are_kept() -> None:
    error = errors.InvalidConfigError("max_chars must be positive", field="max_chars")
    assert (error.detail, error.field, error.code) == (
        "max_chars must be positive",
        "max_chars",
        "invalid_config",
    )


def test_the_tree_in_the_docstring_matches_the_classes() -> None:
    drawn = {line.split()[-1] for line in (errors.__doc__ or "").splitlines() if "Error" in line}
    drawn = {name for name in drawn if name.endswith("Error")}
    assert drawn == {cls.__name__ for cls in all_error_classes()}


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (errors.NodeNotFoundError, errors.NotFoundError),
        (errors.StaleVersionError, errors.ConflictError),
        (errors.InvalidInputError, errors.ValidationError),
        (errors.ExecutionTimeoutError, errors.ExecutionError),
        (errors.LimitExceededError, errors.ExecutionError),
        (errors.ExecutionCancelledError, errors.ExecutionError),
    ],
)
def test_families(child: type[Exception], parent: type[Exception]) -> None:
    assert issubclass(child, parent)


def test_package_reexports_every_error() -> None:
    assert set(exceptions.__all__) == {cls.__name__ for cls in all_error_classes()}
