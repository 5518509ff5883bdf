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
    assert set(exceptions.__all__) == {cls.__name__ for cls in all_error_classes()} | {"FieldError"}


def test_chain_validation_error_lists_every_field_error() -> None:
    problems = [
        errors.FieldError("nodes.0.node_id", "node_not_found", "Step 1: the node does not exist"),
        errors.FieldError("nodes.2.config", "invalid_config", "Step 3: bad config"),
    ]

    error = errors.ChainValidationError(errors=problems)

    assert error.errors == problems
    assert error.field == "nodes.0.node_id"
    assert error.detail == "Step 1: the node does not exist (and 1 more problems)"


def test_chain_validation_error_keeps_its_old_constructor() -> None:
    error = errors.ChainValidationError("A chain needs a node", field="nodes")

    assert (error.detail, error.field, error.errors) == ("A chain needs a node", "nodes", [])


def test_chain_validation_error_with_one_problem_says_only_that() -> None:
    error = errors.ChainValidationError(
        "Fix the steps", errors=[errors.FieldError("nodes", "invalid_chain", "empty")]
    )

    assert (error.detail, error.field) == ("Fix the steps", "nodes")


@pytest.mark.parametrize(("given", "expected"), [(0, 1), (0.2, 1), (2.1, 3), (30, 30)])
def test_rate_limited_says_when_to_retry_in_whole_seconds(given: float, expected: int) -> None:
    error = errors.RateLimitedError(retry_after=given)

    assert error.retry_after == expected
    assert error.code == "too_many_requests"


def test_auth_errors_have_their_own_codes() -> None:
    assert errors.NotAuthenticatedError().code == "not_authenticated"
    assert errors.PermissionDeniedError().code == "forbidden"
