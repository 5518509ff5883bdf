"""General request rate limits: token buckets per user (or client address) and budget.

Three budgets: ``read`` (GET, HEAD), ``write`` (other methods) and ``submit`` (requests that
queue executions: new runs, re-runs, A/B runs; they count against this budget only). A
request's key is the user of a valid bearer token (``sub``, signature checked, no database
read) or, without one, the client address. Over budget the answer is a 429 with
``Retry-After`` and the usual error body, before the request reaches a route (so refused
requests cost no database work). Only paths under the API prefix are limited: ``/health``,
``/metrics``, the docs and the web UI never are. The login routes keep their own throttle
(``core/throttle.py``) as well.

In memory, per process: with N API processes a user gets N times the budget (see
``docs/adr/0008-rate-limits.md``).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from chain_processor_api.core.config import Settings
from chain_processor_api.core.errors import domain_error_response
from chain_processor_api.core.security import request_claims
from chain_processor_core.exceptions.errors import ChainProcessorError, RateLimitedError

Budget = Literal["read", "write", "submit"]
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenBucket:
    """Per key, up to ``capacity`` requests at once, refilled at ``per_second``."""

    def __init__(
        self,
        *,
        capacity: float,
        per_second: float,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        """Spend one token of ``key``: None when there was one, else the seconds to wait."""
        with self._lock:
            now = self._clock()
            tokens, at = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - at) * self.per_second)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                self._buckets.move_to_end(key)
                while len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)  # the least recently seen
                return None
            self._buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self.per_second))


@dataclass(frozen=True)
class SubmitRoute:
    method: str
    path: re.Pattern[str]


def submit_routes(api_prefix: str) -> tuple[SubmitRoute, ...]:
    """The requests that queue executions."""
    prefix = re.escape(api_prefix)
    return (
        SubmitRoute("POST", re.compile(rf"^{prefix}/executions/?$")),
        SubmitRoute("POST", re.compile(rf"^{prefix}/executions/[^/]+/rerun/?$")),
        SubmitRoute("POST", re.compile(rf"^{prefix}/ab-runs/?$")),
    )


class RateLimits:
    """The three budgets of :class:`Settings`, per minute each."""

    def __init__(
        self, settings: Settings, *, api_prefix: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self.api_prefix = api_prefix
        self.submits = submit_routes(api_prefix)
        per_minute: dict[Budget, int] = {
            "read": settings.rate_limit_reads_per_minute,
            "write": settings.rate_limit_writes_per_minute,
            "submit": settings.rate_limit_submits_per_minute,
        }
        self.buckets = {
            name: TokenBucket(capacity=limit, per_second=limit / 60, clock=clock)
            for name, limit in per_minute.items()
        }

    def budget(self, method: str, path: str) -> Budget | None:
        """Which budget a request spends, or None when it is not limited."""
        if not path.startswith(self.api_prefix):
            return None
        if method in _READ_METHODS:
            return "read"
        if any(route.method == method and route.path.match(path) for route in self.submits):
            return "submit"
        return "write"

    def key(self, token: str | None, address: str, state: dict[str, Any]) -> str:
        """The user of a valid access token, else the client address. The token's claims
        stay in the request's ``state`` for authentication to reuse."""
        if token:
            try:
                return f"user:{request_claims(self.settings, token, state).user_id}"
            except ChainProcessorError:
                pass  # an invalid token is refused later; count it against the address
        return f"address:{address}"

    def check(self, budget: Budget, key: str) -> int | None:
        """None when the request may go on, else the seconds until it may."""
        return self.buckets[budget].take(key)


class RateLimitMiddleware:
    """Refuse requests over their budget with a 429 (pure ASGI)."""

    def __init__(self, app: ASGIApp, *, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        budget = self.limits.budget(scope["method"], scope["path"])
        if budget is None:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        key = self.limits.key(
            _bearer_token(scope), client[0] if client else "unknown", scope.setdefault("state", {})
        )
        wait = self.limits.check(budget, key)
        if wait is None:
            await self.app(scope, receive, send)
            return
        error = RateLimitedError(
            f"Too many {budget} requests; try again in {wait} s", retry_after=wait
        )
        await domain_error_response(error)(scope, receive, send)


def _bearer_token(scope: Scope) -> str | None:
    """The token of the Authorization header, else of ``?access_token=`` (streams)."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = bytes(value).decode("latin-1")
            if text[:7].lower() == "bearer ":
                return text[7:].strip() or None
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    return next(iter(query.get("access_token", ())), None)
