from __future__ import annotations

import pytest

from chain_processor_api.core.errors import (
    domain_error_response,
    headers_for,
    status_for,
)
from chain_processor_core.exceptions.errors import (
    AlreadyExistsError,
    ChainProcessorError,
    ChainValidationError,
    ConflictError,
    ExecutionTimeoutError,
    InvalidConfigError,
    InvalidTransitionError,
    NodeLoadError,
    NodeNotFoundError,
    NotAuthenticatedError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    StaleVersionError,
    StrategyLoadError,
    VersionNotFoundError,
)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NodeNotFoundError(), 404),
        (VersionNotFoundError(), 404),
        (ConflictError(), 409),
        (AlreadyExistsError(field="email"), 409),
        (StaleVersionError(), 409),
        (InvalidConfigError(field="nodes.0.config"), 422),
        (ChainValidationError(), 422),
        (InvalidTransitionError(), 409),
        (NodeLoadError(), 422),
        (StrategyLoadError(), 422),
        (ExecutionTimeoutError(), 409),
        (ServiceUnavailableError(), 503),
        (NotAuthenticatedError(), 401),
        (PermissionDeniedError(), 403),
        (RateLimitedError(retry_after=3), 429),
        (ChainProcessorError(), 400),
    ],
)
def test_every_error_class_has_its_status(error: ChainProcessorError, status: int) -> None:
    assert status_for(error) == status


def test_body_names_detail_code_and_field() -> None:
    response = domain_error_response(AlreadyExistsError("Taken", field="email"))
    assert response.status_code == 409
    assert response.body == b'{"detail":"Taken","code":"already_exists","field":"email"}'


def test_headers_say_when_to_retry_and_how_to_authenticate() -> None:
    assert headers_for(RateLimitedError(retry_after=0)) == {"Retry-After": "1"}
    assert headers_for(ServiceUnavailableError()) == {"Retry-After": "5"}
    assert headers_for(NotAuthenticatedError()) == {"WWW-Authenticate": "Bearer"}
    assert headers_for(ConflictError()) == {}
