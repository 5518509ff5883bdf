"""The one exception tree of Chain Processor.

Every error the platform raises on purpose is a ``ChainProcessorError``. Services map
these classes to transport errors in one table (the API maps them to HTTP statuses);
nothing below the API raises an HTTP error.

::

    ChainProcessorError
    ├── NotFoundError
    │   ├── NodeNotFoundError
    │   ├── StrategyNotFoundError
    │   ├── ExecutionNotFoundError
    │   ├── UserNotFoundError
    │   └── VersionNotFoundError
    ├── ConflictError
    │   ├── AlreadyExistsError
    │   └── StaleVersionError
    ├── ValidationError
    │   ├── InvalidInputError
    │   ├── InvalidConfigError
    │   ├── InvalidVersionError
    │   └── ChainValidationError
    ├── StrategyLoadError
    ├── NodeLoadError
    ├── InvalidTransitionError
    ├── ExecutionError
    │   ├── NodeExecutionError
    │   ├── ExecutionTimeoutError
    │   ├── LimitExceededError
    │   └── ExecutionCancelledError
    ├── NotAuthenticatedError
    ├── PermissionDeniedError
    ├── RateLimitedError
    └── ServiceUnavailableError

The docstring of each class is its default message. Pass ``detail`` to say more; pass
``field`` where the error concerns one field of a request. ``ChainValidationError`` also
carries ``errors``, every :class:`FieldError` found at once; ``RateLimitedError`` carries
``retry_after`` (seconds).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    """One problem with one field of a request: where (a dotted path), what, and why."""

    field: str | None
    code: str
    detail: str


class ChainProcessorError(Exception):
    """Chain Processor failed."""

    code = "error"

    def __init__(self, detail: str | None = None, *, field: str | None = None) -> None:
        self.detail = detail or (self.__doc__ or "").strip().splitlines()[0]
        self.field = field
        super().__init__(self.detail)


class NotFoundError(ChainProcessorError):
    """The resource does not exist."""

    code = "not_found"


class NodeNotFoundError(NotFoundError):
    """The node does not exist."""

    code = "node_not_found"


class StrategyNotFoundError(NotFoundError):
    """The chain does not exist."""

    code = "strategy_not_found"


class ExecutionNotFoundError(NotFoundError):
    """The execution does not exist."""

    code = "execution_not_found"


class UserNotFoundError(NotFoundError):
    """The user does not exist."""

    code = "user_not_found"


class VersionNotFoundError(NotFoundError):
    """The version does not exist."""

    code = "version_not_found"


class ConflictError(ChainProcessorError):
    """The request conflicts with the current state of the resource."""

    code = "conflict"


class AlreadyExistsError(ConflictError):
    """A resource with the same unique value already exists."""

    code = "already_exists"


class StaleVersionError(ConflictError):
    """The resource was changed by someone else since it was read."""

    code = "stale_version"


class ValidationError(ChainProcessorError):
    """The request is not valid."""

    code = "invalid"


class InvalidInputError(ValidationError):
    """The input text is not valid."""

    code = "invalid_input"


class InvalidConfigError(ValidationError):
    """The node configuration is not valid."""

    code = "invalid_config"


class InvalidVersionError(ValidationError):
    """The version is not a valid semantic version."""

    code = "invalid_version"


class ChainValidationError(ValidationError):
    """The chain is not valid."""

    code = "invalid_chain"

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        errors: Sequence[FieldError] = (),
    ) -> None:
        self.errors = list(errors)
        if self.errors:
            first = self.errors[0]
            more = len(self.errors) - 1
            if detail is None:
                detail = first.detail + (f" (and {more} more problems)" if more else "")
            if field is None:
                field = first.field
        super().__init__(detail, field=field)


class StrategyLoadError(ChainProcessorError):
    """The chain could not be loaded."""

    code = "strategy_load_failed"


class NodeLoadError(ChainProcessorError):
    """The node code could not be loaded."""

    code = "node_load_failed"


class InvalidTransitionError(ChainProcessorError):
    """The status change is not allowed."""

    code = "invalid_transition"


class ExecutionError(ChainProcessorError):
    """The execution failed."""

    code = "execution_failed"


class NodeExecutionError(ExecutionError):
    """The node raised an error."""

    code = "node_failed"


class ExecutionTimeoutError(ExecutionError):
    """The execution ran out of time."""

    code = "timeout"


class LimitExceededError(ExecutionError):
    """The execution went over a resource limit."""

    code = "limit_exceeded"


class ExecutionCancelledError(ExecutionError):
    """The execution was cancelled."""

    code = "cancelled"


class NotAuthenticatedError(ChainProcessorError):
    """Not authenticated: sign in and send a valid access token."""

    code = "not_authenticated"


class PermissionDeniedError(ChainProcessorError):
    """You are not allowed to do this."""

    code = "forbidden"


class RateLimitedError(ChainProcessorError):
    """Too many requests; try again later."""

    code = "too_many_requests"

    def __init__(
        self, detail: str | None = None, *, retry_after: float = 1, field: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.retry_after = max(1, math.ceil(retry_after))


class ServiceUnavailableError(ChainProcessorError):
    """A service the request needs is not available; try again later."""

    code = "unavailable"
