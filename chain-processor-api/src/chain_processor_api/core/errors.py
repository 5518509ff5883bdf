"""The one table from errors to HTTP responses.

Every error body has the same shape: ``{"detail": ..., "code": ..., "field": ...}`` (request
validation errors add ``errors``, the list of every field at fault; a 500 adds the
``request_id`` to quote). Errors come from :mod:`chain_processor_core.exceptions`; driver
errors are translated by :mod:`chain_processor_db.errors`. Nothing unexpected ever reaches a
client: it becomes a generic 500.
"""

from __future__ import annotations

import logging
import re
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from opentelemetry import trace
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chain_processor_core.exceptions.errors import (
    ChainProcessorError,
    ChainValidationError,
    ConflictError,
    ExecutionError,
    InvalidTransitionError,
    NodeLoadError,
    NotAuthenticatedError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    StrategyLoadError,
    ValidationError,
)
from chain_processor_db.errors import data_error, is_unavailable

logger = logging.getLogger(__name__)

RETRY_AFTER_UNAVAILABLE_SECONDS = 5


STATUS_BY_ERROR: dict[type[ChainProcessorError], int] = {
    NotFoundError: 404,
    ConflictError: 409,  # AlreadyExistsError, StaleVersionError
    ValidationError: 422,  # InvalidInput/Config/Version, ChainValidationError
    InvalidTransitionError: 409,
    NodeLoadError: 422,
    StrategyLoadError: 422,
    ExecutionError: 409,
    ServiceUnavailableError: 503,
    NotAuthenticatedError: 401,
    PermissionDeniedError: 403,
    RateLimitedError: 429,
    ChainProcessorError: 400,
}

_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}


def status_for(error: ChainProcessorError) -> int:
    """The status of the nearest class of ``error`` in :data:`STATUS_BY_ERROR`."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400  # pragma: no cover - ChainProcessorError is always in the MRO


def headers_for(error: ChainProcessorError) -> dict[str, str]:
    if isinstance(error, NotAuthenticatedError):
        return {"WWW-Authenticate": "Bearer"}
    if isinstance(error, RateLimitedError):
        return {"Retry-After": str(error.retry_after)}
    if isinstance(error, ServiceUnavailableError):
        return {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_SECONDS)}
    return {}


def error_body(detail: str, code: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "code": code, "field": field, **extra}


def domain_error_response(error: ChainProcessorError) -> JSONResponse:
    extra: dict[str, Any] = {}
    if isinstance(error, ChainValidationError) and error.errors:
        extra["errors"] = [asdict(problem) for problem in error.errors]
    return JSONResponse(
        error_body(error.detail, error.code, error.field, **extra),
        status_code=status_for(error),
        headers=headers_for(error),
    )


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ChainProcessorError)
    return domain_error_response(exc)


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    logger.warning(
        "database unavailable",
        extra={"action": "database_unavailable", "error": type(exc).__name__},
    )
    return domain_error_response(ServiceUnavailableError("The database is not available"))


async def _unstorable_value(_request: Request, exc: Exception) -> JSONResponse:
    # Flushes are translated in chain_processor_db; this catches reads (a filter value).
    assert isinstance(exc, DataError)
    logger.info("value refused by the database", extra={"action": "data_error"})
    return domain_error_response(data_error(exc))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """Other driver errors: 503 when the database cannot serve now (read-only, disk full,
    shutting down), else an unexpected error."""
    assert isinstance(exc, DBAPIError)
    if is_unavailable(exc):
        return await _database_unavailable(request, exc)
    return await _unexpected_error(request, exc)


async def _request_validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in error.get("loc", ())),
            "detail": error.get("msg", "Invalid value"),
            "type": error.get("type", "invalid"),
        }
        for error in exc.errors()
    ]
    first = errors[0] if errors else {"field": None, "detail": "The request is not valid"}
    detail = f"{first['field']}: {first['detail']}" if first["field"] else str(first["detail"])
    return JSONResponse(
        error_body(detail, "invalid", first["field"], errors=errors), status_code=422
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return JSONResponse(
        error_body(str(exc.detail), code), status_code=exc.status_code, headers=headers
    )


def allowed_methods(request: Request) -> list[str]:
    """The methods the OpenAPI document gives the requested path (HEAD with GET).

    Starlette's own ``Allow`` names only the first route whose path matched, while FastAPI has
    one route per method. Where a literal path and a ``{param}`` one both match
    (``/chains/import``, ``/chains/{chain_id}``), the one with fewer parameters wins, as in
    routing."""
    templates: list[tuple[re.Pattern[str], int, set[str]]] | None = getattr(
        request.app.state, "allow_templates", None
    )
    if templates is None:
        templates = []
        for path, operations in request.app.openapi()["paths"].items():
            methods = {method.upper() for method in operations}
            if "GET" in methods:
                methods.add("HEAD")
            templates.append((compile_path(path)[0], path.count("{"), methods))
        request.app.state.allow_templates = templates
    matching = [
        (params, methods) for regex, params, methods in templates if regex.match(request.url.path)
    ]
    if not matching:
        return []
    fewest = min(params for params, _methods in matching)
    return sorted(set().union(*(methods for params, methods in matching if params == fewest)))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    return unexpected_error_response(request.scope, exc)


def unexpected_error_response(scope: Scope, exc: BaseException) -> JSONResponse:
    """The generic 500 of an unexpected error, logged with its traceback."""
    request_id = scope.get("state", {}).get("request_id")
    logger.error(
        "unhandled error",
        exc_info=exc,
        extra={"action": "unhandled_error", "request_id": request_id, "path": scope.get("path")},
    )
    trace.get_current_span().record_exception(exc)
    # Sent past our middleware when Starlette's outermost one answers: give it its headers.
    headers = {
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    }
    if request_id:
        headers["X-Request-ID"] = request_id
    body = error_body(
        "Internal server error; quote the request id when you report it",
        "internal_error",
        request_id=request_id,
    )
    return JSONResponse(body, status_code=500, headers=headers)


class UnexpectedErrorMiddleware:
    """Answer an unexpected exception with the generic 500 and stop it there (innermost
    middleware, pure ASGI).

    Starlette's ``ServerErrorMiddleware`` also answers with our handler, but then re-raises,
    and uvicorn closes the keep-alive connection: the client's next request on it fails. Here
    nothing is re-raised once the 500 is sent, and the response still passes through our other
    middleware (request id, security headers, metrics, tracing). An exception after the
    response has started cannot be answered: it propagates as before.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as exc:
            if started:
                raise
            await unexpected_error_response(scope, exc)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ChainProcessorError, _domain_error)
    app.add_exception_handler(InterfaceError, _database_unavailable)
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    # The fallback for errors outside UnexpectedErrorMiddleware (in other middleware).
    app.add_exception_handler(Exception, _unexpected_error)
