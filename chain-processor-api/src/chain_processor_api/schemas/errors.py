"""The error body every failure has, documented in the OpenAPI schema of every route."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class FieldError(BaseModel):
    field: str
    detail: str
    type: str | None = None
    code: str | None = None


class ErrorBody(BaseModel):
    detail: str
    code: str
    field: str | None
    errors: list[FieldError] | None = None
    """Every field at fault (request validation and chain validation)."""
    request_id: str | None = None
    """On a 500: the id to quote when reporting it."""


def _response(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 1},
    }
}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _response("The body could not be parsed (not JSON, or a broken form)"),
    401: _response("Not signed in, or the token is invalid, expired or revoked"),
    403: _response("The role does not allow it"),
    404: _response("No such resource"),
    409: _response("Conflict: stale version, already exists, in use, invalid transition"),
    413: _response("The request body is too large"),
    422: _response("Invalid input; `field` (and `errors`) name what is wrong"),
    429: {
        **_response(
            "Too many requests: the rate limit of the user (or client address) for reads, "
            "writes or submissions, or the login throttle; see Retry-After"
        ),
        "headers": _RETRY_AFTER,
    },
    500: _response("Unexpected error; quote `request_id`"),
    503: {
        **_response("The database or the sandboxes are unavailable; see Retry-After"),
        "headers": _RETRY_AFTER,
    },
}
