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
    └── ServiceUnavailableError

The docstring of each class is its default message. Pass ``detail`` to say more; pass
``field`` where the error concerns one field of a request.
"""

from __future__ import annotations


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


class ServiceUnavailableError(ChainProcessorError):
    """A service the request needs is not available; try again later."""

    code = "unavailable"
